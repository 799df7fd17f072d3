//! The table itself: every entry is well formed and listed, names and
//! aliases resolve, the prompt takes only what may come before login, and
//! arguments of the wrong shape never reach a handler.

use super::*;
use crate::chat::Farewell;
use crate::chat::tests::Harness;

/// `/help` as it was written by hand before the table: the table must
/// reproduce it byte for byte.
pub(crate) const HELP_BEFORE: &[&str] = &[
    "Commands (names and rooms are case-insensitive):",
    "/who - list who is in this room and how long they have been idle",
    "/join ROOM [KEY] - go to ROOM (#name), making it if it does not exist (KEY: a locked room's key)",
    "/rooms - list the rooms, busiest first",
    "/topic [TEXT] - show this room's topic, or set it (/topic - clears it)",
    "/history [N] - show the last N lines said in this room (default 20)",
    "/op NAME - make NAME an operator of this room",
    "/deop NAME - take away NAME's operator rank",
    "/voice NAME - let NAME speak in this room when it is moderated",
    "/devoice NAME - take away NAME's voice",
    "/kick NAME [REASON] - put NAME out of this room",
    "/ban NAME|MASK [LENGTH] - keep NAME (or nick!user@host MASK) out of this room, for good or for LENGTH (10m, 2h, 7d)",
    "/unban NAME|MASK - lift a ban",
    "/mute NAME|MASK [LENGTH] - let NAME stay in this room but be heard by nobody, for good or for LENGTH",
    "/unmute NAME|MASK - lift a mute",
    "/bans - list this room's bans and mutes",
    "/invite NAME - invite NAME into this room",
    "/room [SETTING on|off] - show this room's settings, or change one (operators)",
    "/msg NAME TEXT - send TEXT to NAME only, in any room",
    "/me TEXT - describe an action: * yourname TEXT",
    "/ignore [NAME] - stop seeing NAME's lines and private messages; alone, list whom you ignore",
    "/unignore NAME - see NAME's lines and private messages again",
    "/nick NAME - change your name",
    "/register PASSWORD - register your name: logging in as it will ask for the password",
    "/password OLD NEW - change your registered name's password",
    "/unregister PASSWORD - unregister your name",
    "/help - this list",
    "/quit - leave",
    "Start a line with // to send a line that begins with /",
];

/// The lines of [`HELP_BEFORE`] shown when accounts are off.
pub(crate) fn help_before(accounts: bool) -> Vec<&'static str> {
    let account = ["/register ", "/password ", "/unregister "];
    (HELP_BEFORE.iter().copied())
        .filter(|l| accounts || !account.iter().any(|a| l.starts_with(a)))
        .collect()
}

#[test]
fn help_is_generated_as_before() {
    for accounts in [false, true] {
        let lines: Vec<String> = help_lines(accounts, false).collect();
        assert_eq!(lines, help_before(accounts), "accounts {accounts}");
    }
}

#[test]
fn every_command_has_one_help_line_and_a_unique_name() {
    let all: Vec<String> = help_lines(true, true).collect();
    let mut seen = Vec::new();
    for command in super::all() {
        let usage = command.usage();
        let ours: Vec<_> = all.iter().filter(|l| l.starts_with(&usage)).collect();
        assert_eq!(ours.len(), 1, "{usage}: {ours:?}");
        assert!(!command.help.is_empty(), "{usage}");
        assert_eq!(command.name, command.name.to_ascii_lowercase());
        for name in std::iter::once(&command.name).chain(command.aliases) {
            assert!(!seen.contains(name), "/{name} is taken twice");
            assert!(!name.is_empty() && !name.contains(char::is_whitespace));
            seen.push(name);
        }
        // The usage names an argument exactly when the shape takes one.
        let takes = command.shape != Shape::Nothing;
        assert_eq!(takes, !command.params.is_empty(), "{usage}");
    }
    assert_eq!(seen.len(), 33);
    let hidden: Vec<_> = help_lines(false, false).collect();
    for command in super::all().filter(|c| c.needs != Needs::Nothing) {
        assert!(!hidden.iter().any(|l| l.starts_with(&command.usage())));
    }
}

/// A made-up family with aliases, as one would be written.
const ALIASED: &[Command] = &[Command {
    name: "msg",
    aliases: &["m", "tell"],
    params: "NAME TEXT",
    help: "whisper",
    shape: Shape::WordText(WordEnd::Whitespace),
    before_login: false,
    in_turn: false,
    needs: Needs::Nothing,
    role: Role::Everyone,
    run: |_, _, _, _| {},
}];

#[test]
fn names_and_aliases_resolve_ignoring_case() {
    assert_eq!(find("JOIN").map(|c| c.name), Some("join"));
    assert_eq!(find("Who").map(|c| c.name), Some("who"));
    assert!(find("dance").is_none());
    assert!(find("").is_none());
    assert!(find("jo").is_none(), "no prefixes");
    for typed in ["msg", "M", "Tell"] {
        let found = find_in(ALIASED.iter(), typed).map(|c| c.name);
        assert_eq!(found, Some("msg"), "{typed}");
    }
    assert!(find_in(ALIASED.iter(), "t").is_none());
}

#[test]
fn lines_are_chat_or_commands() {
    assert_eq!(parse("hi"), Line::Say("hi"));
    assert_eq!(parse("   "), Line::Blank);
    assert_eq!(parse(""), Line::Blank);
    assert_eq!(parse("//etc"), Line::Say("/etc"));
    assert_eq!(parse(" /who"), Line::Say(" /who"));
    assert_eq!(parse("/QUIT"), Line::Command("QUIT", ""));
    assert_eq!(
        parse("/topic  Rust talk "),
        Line::Command("topic", "Rust talk")
    );
    assert_eq!(parse("/msg\tbob hi"), Line::Command("msg", "bob hi"));
}

#[test]
fn arguments_are_cut_to_their_shape() {
    let text = |rest| Shape::Text.cut(rest).map(Args::text);
    assert_eq!(text("carol"), Some("carol"));
    assert_eq!(text("a b"), Some("a b"));
    assert_eq!(text(""), None);
    let maybe = |rest| Shape::MaybeText.cut(rest).map(Args::maybe_text);
    assert_eq!(maybe(""), Some(None));
    assert_eq!(maybe("5"), Some(Some("5")));
    assert_eq!(Shape::Nothing.cut("ignored"), Some(Args::default()));
    let msg = |rest| {
        Shape::WordText(WordEnd::Whitespace)
            .cut(rest)
            .map(Args::word_text)
    };
    assert_eq!(msg("BOB  hi there"), Some(("BOB", "hi there")));
    assert_eq!(msg("bob\thi"), Some(("bob", "hi")));
    assert_eq!(msg("bob"), None);
    let pair = |rest| {
        Shape::WordText(WordEnd::Space)
            .cut(rest)
            .map(Args::word_text)
    };
    assert_eq!(pair("old new pass"), Some(("old", "new pass")));
    assert_eq!(pair("old\tnew"), None, "only a space ends the first word");
    assert_eq!(pair("old"), None);
}

#[test]
fn only_quit_is_taken_at_the_prompt() {
    let allowed: Vec<_> = super::all().filter(|c| c.before_login).collect();
    assert_eq!(allowed.len(), 1);
    assert_eq!(allowed[0].name, "quit");
    assert_eq!(at_prompt(" /QUIT ").map(|c| c.name), Some("quit"));
    // Alone on the line only: anything else is a (bad) name.
    for line in ["/quit now", "/who", "/help", "quit", "//quit"] {
        assert!(at_prompt(line).is_none(), "{line}");
    }
    let mut h = Harness::plain();
    h.open(1);
    h.take();
    let out = h.line(1, "/who");
    assert_eq!(
        out.text(1),
        "*** Invalid name: use only letters, digits, _ and -\r\nEnter your name: "
    );
    let out = h.line(1, "/Quit");
    assert_eq!(
        out.closed,
        [(1, Farewell::Quit)],
        "quit at the prompt closes"
    );
}

#[test]
fn wrong_argument_counts_get_the_usage() {
    let mut h = Harness::plain();
    h.login(1, "bob");
    h.take();
    for command in super::all().filter(|c| matches!(c.shape, Shape::Text | Shape::WordText(_))) {
        let line = format!("/{}", command.name.to_ascii_uppercase());
        let usage = format!("*** Usage: {}\r\n", command.usage());
        assert_eq!(h.line(1, &line).text(1), usage, "{line}");
        if let Shape::WordText(_) = command.shape {
            let one = format!("/{} word   ", command.name);
            assert_eq!(h.line(1, &one).text(1), usage, "{one}");
        }
    }
    // Commands without arguments ignore what follows.
    assert!(
        h.line(1, "/who is here")
            .text(1)
            .starts_with("*** 1 online")
    );
}

#[test]
fn account_commands_say_accounts_are_off() {
    let mut h = Harness::plain();
    h.login(1, "bob");
    h.take();
    for line in ["/register pw", "/password a b", "/unregister pw"] {
        let said = h.line(1, line).text(1);
        assert_eq!(said, "*** Accounts are off on this server\r\n", "{line}");
    }
    // The shape is checked first, as before.
    let said = h.line(1, "/register").text(1);
    assert_eq!(said, "*** Usage: /register PASSWORD\r\n");
}

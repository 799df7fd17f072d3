//! The command table: every `/command` a user can type, one entry each,
//! and the one dispatcher that runs them.
//!
//! An entry ([`Command`]) says everything about its command: its name and
//! aliases, its arguments as `/help` and the usage reply show them, its
//! `/help` line, the shape of its arguments (checked before the handler
//! runs), whether it may be typed at the name prompt, whether it is part of
//! a chat turn, what it needs switched on, the [`Role`] it needs, and its
//! handler. `/help` is generated from the table.
//!
//! Commands are grouped by family, one file each, and each family lists
//! its own entries: adding a command touches only its family's file.
//! - `rooms.rs`: `/who`, `/join`, `/rooms`, `/topic`, `/history`.
//! - `talk.rs`: chat lines, `/msg`, `/me`.
//! - `ignore.rs`: `/ignore`, `/unignore`.
//! - `moderation.rs`: `/op`, `/kick`, `/ban`, `/invite`, `/room` and the
//!   rest of a room's rules and ranks.
//! - `names.rs`: `/nick`.
//! - `accounts.rs`: `/register`, `/password`, `/unregister`.
//! - `session.rs`: `/help`, `/quit`.
//! - `admin.rs`: `/kill`, `/announce`, for server operators.
//! - `global.rs`: `/gban`, `/gmute` and their lifting, for server operators.
//!
//! The shape follows ergo's `irc/commands.go` (one table, one place that
//! enforces registration, parameters and privileges before any handler),
//! with mini-redis's `src/cmd/` split of one file per family.

mod accounts;
mod admin;
mod global;
mod ignore;
mod moderation;
mod names;
mod rooms;
mod session;
mod talk;

pub use rooms::MAX_TOPIC;

use super::{Chat, Local, MemberId, Now, Reply, RoomId};

/// Families in the order `/help` lists them.
const FAMILIES: &[&[Command]] = &[
    rooms::COMMANDS,
    moderation::COMMANDS,
    talk::COMMANDS,
    ignore::COMMANDS,
    names::COMMANDS,
    accounts::COMMANDS,
    session::COMMANDS,
    admin::COMMANDS,
    global::COMMANDS,
];

/// `/help`'s first line.
const HELP_HEAD: &str = "Commands (names and rooms are case-insensitive):";

/// `/help`'s last line.
const HELP_TAIL: &str = "Start a line with // to send a line that begins with /";

/// One command.
#[derive(Debug)]
pub struct Command {
    /// What is typed after `/`, in lower case (commands ignore ASCII case).
    pub name: &'static str,
    /// Other names that run the same command.
    pub aliases: &'static [&'static str],
    /// The arguments as `/help` and the usage reply show them (`ROOM`,
    /// `[TEXT]`); empty for none.
    pub params: &'static str,
    /// What `/help` says it does.
    pub help: &'static str,
    /// How its arguments are cut from the line.
    pub shape: Shape,
    /// Whether it may be typed at the name prompt (alone on the line).
    pub before_login: bool,
    /// Whether it joins the sender's chat turn like a chat line (`/me`)
    /// instead of ending it: see `Batch` in the core.
    pub in_turn: bool,
    /// What must be on for it to run, and for `/help` to list it.
    pub needs: Needs,
    /// Who may run it.
    pub role: Role,
    /// What it does, once the checks above have passed.
    pub run: Handler,
}

/// A command's handler: the arguments have their shape already.
pub type Handler = fn(&mut Chat, Caller, Args<'_>, &Now);

/// Who typed a command.
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    /// Their connection.
    pub local: Local,
    /// Them.
    pub member: MemberId,
}

/// Who may run a command. The dispatcher's `match` on the role is where
/// each is checked, so a new variant cannot go unchecked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Any user.
    Everyone,
    /// A server operator (an `--admins` account, see `operators.rs`).
    ServerOperator,
    /// An operator of the room the user is in.
    RoomOperator,
}

/// What must be switched on for a command to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing.
    Nothing,
    /// Registered names (`--data-dir`). When off, `/help` does not list
    /// the command, and typing it is answered that accounts are off.
    Accounts,
    /// Server operators (`--admins`). When off, `/help` does not list the
    /// command; typing it is refused as from a user who is not one.
    Admins,
}

/// How a command's arguments are cut from the rest of its line (what
/// follows the command word, trimmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// None: whatever follows is ignored.
    Nothing,
    /// The rest of the line, which must not be empty.
    Text,
    /// The rest of the line, which may be empty.
    MaybeText,
    /// A word, then text that must not be empty.
    WordText(WordEnd),
}

/// Where the first word of [`Shape::WordText`] ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordEnd {
    /// At the first space: other whitespace stays in the word (a password
    /// may hold a tab).
    Space,
    /// At the first whitespace of any kind.
    Whitespace,
}

/// A command's arguments, cut to its [`Shape`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Args<'a> {
    first: &'a str,
    second: &'a str,
}

impl<'a> Args<'a> {
    /// [`Shape::Text`]'s text.
    pub fn text(self) -> &'a str {
        self.first
    }

    /// [`Shape::MaybeText`]'s text, if any was given.
    pub fn maybe_text(self) -> Option<&'a str> {
        (!self.first.is_empty()).then_some(self.first)
    }

    /// [`Shape::WordText`]'s word and text.
    pub fn word_text(self) -> (&'a str, &'a str) {
        (self.first, self.second)
    }
}

impl Shape {
    /// Cuts `rest` (trimmed) to this shape; `None` if it does not fit.
    pub fn cut(self, rest: &str) -> Option<Args<'_>> {
        let (first, second) = match self {
            Shape::Nothing => ("", ""),
            Shape::Text if rest.is_empty() => return None,
            Shape::Text | Shape::MaybeText => (rest, ""),
            Shape::WordText(end) => {
                let (word, text) = match end {
                    WordEnd::Space => rest.split_once(' ')?,
                    WordEnd::Whitespace => rest.split_once(char::is_whitespace)?,
                };
                let text = text.trim();
                if text.is_empty() {
                    return None;
                }
                (word, text)
            }
        };
        Some(Args { first, second })
    }
}

/// What a chatting user's line is.
#[derive(Debug, PartialEq, Eq)]
enum Line<'a> {
    /// Empty or blank: nothing to do.
    Blank,
    /// Chat text for everyone else in the room.
    Say(&'a str),
    /// A command word (as typed) and the rest of the line, trimmed.
    Command(&'a str, &'a str),
}

/// Reads a chatting user's line. `//x` is the chat line `/x`.
fn parse(line: &str) -> Line<'_> {
    if line.trim().is_empty() {
        return Line::Blank;
    }
    let Some(command) = line.strip_prefix('/') else {
        return Line::Say(line);
    };
    if command.starts_with('/') {
        return Line::Say(command);
    }
    match command.split_once(char::is_whitespace) {
        Some((verb, rest)) => Line::Command(verb, rest.trim()),
        None => Line::Command(command, ""),
    }
}

/// Every command, in `/help` order.
pub fn all() -> impl Iterator<Item = &'static Command> {
    FAMILIES.iter().flat_map(|family| family.iter())
}

/// The command `verb` names (ignoring ASCII case), by name or alias.
pub fn find(verb: &str) -> Option<&'static Command> {
    find_in(all(), verb)
}

fn find_in<'t>(mut commands: impl Iterator<Item = &'t Command>, verb: &str) -> Option<&'t Command> {
    commands.find(|c| {
        c.name.eq_ignore_ascii_case(verb) || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(verb))
    })
}

/// The command a line typed at the name prompt runs, if it is one allowed
/// before login, alone on the line (anything else there is a name).
pub(super) fn at_prompt(line: &str) -> Option<&'static Command> {
    let verb = line.trim().strip_prefix('/')?;
    find(verb).filter(|c| c.before_login && c.shape.cut("").is_some())
}

/// `/help`'s lines, without the `*** ` each is sent with: the commands
/// available when registered names are on (`accounts`) or off, and
/// server operators (`admins`).
pub fn help_lines(accounts: bool, admins: bool) -> impl Iterator<Item = String> {
    let listed = all().filter(move |c| match c.needs {
        Needs::Nothing => true,
        Needs::Accounts => accounts,
        Needs::Admins => admins,
    });
    let lines = listed.map(|c| format!("{} - {}", c.usage(), c.help));
    std::iter::once(HELP_HEAD.to_owned())
        .chain(lines)
        .chain(std::iter::once(HELP_TAIL.to_owned()))
}

impl Command {
    /// How the command is typed: `/join ROOM`, `/who`.
    pub fn usage(&self) -> String {
        match self.params {
            "" => format!("/{}", self.name),
            params => format!("/{} {params}", self.name),
        }
    }
}

impl Chat {
    /// A chatting user's line: chat text, or a command.
    pub(super) fn command(&mut self, local: Local, member: MemberId, line: &str, now: &Now) {
        let caller = Caller { local, member };
        match parse(line) {
            Line::Blank => {
                if let Some(room) = self.seats.room(&member) {
                    self.keep_turn(member, room, now);
                }
            }
            Line::Say(text) => {
                let Some(room) = self.seats.room(&member) else {
                    return;
                };
                self.keep_turn(member, room, now);
                self.say(member, text, now);
            }
            Line::Command(verb, rest) => self.dispatch(caller, verb, rest, now),
        }
    }

    /// Runs `command` typed at the name prompt (see [`at_prompt`]).
    pub(super) fn prompt_command(&mut self, command: &Command, caller: Caller, now: &Now) {
        self.run(command, caller, Args::default(), now);
    }

    /// Checks and runs the command `verb` with the rest of its line.
    fn dispatch(&mut self, caller: Caller, verb: &str, rest: &str, now: &Now) {
        let (local, member) = (caller.local, caller.member);
        let Some(command) = find(verb) else {
            self.end_turn(now);
            let verb = verb.into();
            return self.reply_to(local, now, Reply::UnknownCommand { verb });
        };
        let Some(args) = command.shape.cut(rest) else {
            self.end_turn(now);
            let form = command.usage().into();
            return self.reply_to(local, now, Reply::Usage { form });
        };
        if command.in_turn
            && let Some(room) = self.seats.room(&member)
        {
            self.keep_turn(member, room, now);
        } else {
            // Whatever a command causes comes after the lines before it.
            self.end_turn(now);
        }
        self.run(command, caller, args, now);
    }

    /// Runs `command`, whose arguments have their shape, if what it needs
    /// is on and the caller has its role.
    fn run(&mut self, command: &Command, caller: Caller, args: Args<'_>, now: &Now) {
        if command.needs == Needs::Accounts && !self.accounts {
            return self.reply_to(caller.local, now, Reply::AccountsOff);
        }
        match command.role {
            Role::Everyone => (command.run)(self, caller, args, now),
            Role::ServerOperator => self.as_operator(caller, command.name, now, |chat| {
                (command.run)(chat, caller, args, now);
            }),
            Role::RoomOperator => {
                let Some(room) = self.seats.room(&caller.member) else {
                    return;
                };
                if !self.is_room_operator(room, caller.member) {
                    let room = self
                        .rooms
                        .get(room)
                        .map(|r| r.name.clone())
                        .unwrap_or_default();
                    let refused = super::moderation::Answer::NotOperator { room };
                    return self.reply_to(caller.local, now, Reply::Moderation(refused));
                }
                (command.run)(self, caller, args, now);
            }
        }
    }

    /// A line that joins `member`'s turn in `room`: the turn of anyone
    /// else before it (or of `member` in another room) ends first.
    pub(in crate::chat) fn keep_turn(&mut self, member: MemberId, room: RoomId, now: &Now) {
        let others = self.batch.from.is_some_and(|from| from != member);
        if others || self.batch.room.is_some_and(|r| r != room) {
            self.end_turn(now);
        }
    }
}

#[cfg(test)]
pub(super) mod tests;

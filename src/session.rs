//! The per-connection protocol: a clean line in, an [`Outcome`] out.
//!
//! Nothing here does I/O or changes the room; the server applies outcomes.
//! The session reads the room only to check names.

use crate::room::Room;

/// Longest name, in characters (names are ASCII, so also bytes).
pub const MAX_NAME: usize = 24;

/// The prompt, without a line end so the cursor stays after it.
pub const PROMPT: &str = "Enter your name: ";

/// One line per command, shown by `/help`.
pub const HELP: &[&str] = &[
    "Commands (names are case-insensitive):",
    "/who - list who is online and how long they have been idle",
    "/msg NAME TEXT - send TEXT to NAME only",
    "/me TEXT - describe an action: * yourname TEXT",
    "/nick NAME - change your name",
    "/help - this list",
    "/quit - leave",
    "Start a line with // to send a line that begins with /",
];

/// Where a connection is in the protocol.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    /// At the name prompt: sees no chat traffic, is not counted or announced.
    #[default]
    AwaitingName,
    /// In the room under the name the room holds for this connection.
    Chatting,
}

/// What the server should do with one line.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// Nothing (an empty line).
    Ignore,
    /// Tell this user only; the server adds `*** ` and the line end.
    Notice(String),
    /// The name was refused: tell the user why and prompt again.
    Retry(String),
    /// The name is free: the session is now chatting; add it to the room.
    Join(&'a str),
    /// A chat line for everyone else.
    Say(&'a str),
    /// An action (`/me`) for everyone else.
    Me(&'a str),
    /// A private message to the member at `to`.
    Msg {
        /// The recipient's key.
        to: usize,
        /// The message.
        text: &'a str,
    },
    /// Rename to this (free) name.
    Nick(&'a str),
    /// List who is online.
    Who,
    /// Show the command list.
    Help,
    /// Say goodbye and close.
    Quit,
}

impl Session {
    /// Decides what the cleaned `line` from the connection at `key` means.
    /// Accepting a name moves the session to [`Session::Chatting`].
    pub fn on_line<'a>(&mut self, line: &'a str, key: usize, room: &Room) -> Outcome<'a> {
        match self {
            Session::AwaitingName => {
                let name = line.trim();
                if name.eq_ignore_ascii_case("/quit") {
                    return Outcome::Quit;
                }
                match check_name(name, room) {
                    Ok(()) => {
                        *self = Session::Chatting;
                        Outcome::Join(name)
                    }
                    Err(why) => Outcome::Retry(why),
                }
            }
            Session::Chatting => chat_line(line, key, room),
        }
    }
}

/// A chatting user's line: chat text or a command.
fn chat_line<'a>(line: &'a str, key: usize, room: &Room) -> Outcome<'a> {
    if line.trim().is_empty() {
        return Outcome::Ignore;
    }
    let Some(command) = line.strip_prefix('/') else {
        return Outcome::Say(line);
    };
    if command.starts_with('/') {
        return Outcome::Say(command); // "//x" is the chat line "/x"
    }
    let (verb, rest) = match command.split_once(char::is_whitespace) {
        Some((verb, rest)) => (verb, rest.trim()),
        None => (command, ""),
    };
    match verb.to_ascii_lowercase().as_str() {
        "quit" => Outcome::Quit,
        "who" => Outcome::Who,
        "help" => Outcome::Help,
        "me" if rest.is_empty() => usage("/me TEXT"),
        "me" => Outcome::Me(rest),
        "nick" if rest.is_empty() => usage("/nick NAME"),
        "nick" => {
            let own = room.name_of(key) == Some(rest);
            let free = room.key_of(rest).is_none_or(|k| k == key);
            if own {
                Outcome::Notice(format!("You are already {rest}"))
            } else if let Err(why) = valid_name(rest) {
                Outcome::Notice(format!("Invalid name: {why}"))
            } else if !free {
                Outcome::Notice(taken(rest))
            } else {
                Outcome::Nick(rest)
            }
        }
        "msg" => match rest.split_once(char::is_whitespace) {
            Some((to, text)) if !text.trim().is_empty() => match room.key_of(to) {
                Some(to) if to == key => Outcome::Notice("You cannot /msg yourself".into()),
                Some(to) => Outcome::Msg {
                    to,
                    text: text.trim_start(),
                },
                None => Outcome::Notice(format!("No such user '{to}'")),
            },
            _ => usage("/msg NAME TEXT"),
        },
        _ => Outcome::Notice(format!("Unknown command '/{verb}', try /help")),
    }
}

fn usage(form: &str) -> Outcome<'static> {
    Outcome::Notice(format!("Usage: {form}"))
}

fn taken(name: &str) -> String {
    format!("The name '{name}' is taken")
}

/// Checks a name's form and that nobody else has it.
fn check_name(name: &str, room: &Room) -> Result<(), String> {
    valid_name(name).map_err(|why| format!("Invalid name: {why}"))?;
    if room.is_taken(name) {
        return Err(taken(name));
    }
    Ok(())
}

/// Names are 1 to 24 characters from `A-Z a-z 0-9 _ -`.
pub fn valid_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err("use 1 to 24 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("use only letters, digits, _ and -");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    fn room_with(names: &[&str]) -> Room {
        let mut room = Room::new(false);
        for (key, name) in names.iter().enumerate() {
            room.join(key, name, Instant::now());
        }
        room
    }

    #[test]
    fn a_free_valid_name_joins() {
        let room = room_with(&["bob"]);
        let mut s = Session::AwaitingName;
        assert_eq!(s.on_line("  alice ", 7, &room), Outcome::Join("alice"));
        assert_eq!(s, Session::Chatting);
    }

    #[test]
    fn bad_and_taken_names_are_refused() {
        let room = room_with(&["bob"]);
        let mut s = Session::AwaitingName;
        let retry = |why: &str| Outcome::Retry(why.to_string());
        assert_eq!(
            s.on_line("", 7, &room),
            retry("Invalid name: use 1 to 24 characters")
        );
        assert_eq!(
            s.on_line(&"x".repeat(25), 7, &room),
            retry("Invalid name: use 1 to 24 characters")
        );
        assert_eq!(
            s.on_line("a b", 7, &room),
            retry("Invalid name: use only letters, digits, _ and -")
        );
        assert_eq!(s.on_line("BOB", 7, &room), retry("The name 'BOB' is taken"));
        assert_eq!(s, Session::AwaitingName);
        assert_eq!(
            s.on_line(&"x".repeat(24), 7, &room),
            Outcome::Join(&"x".repeat(24))
        );
    }

    #[test]
    fn chat_lines_and_commands() {
        let room = room_with(&["alice", "bob"]);
        let mut s = Session::Chatting;
        assert_eq!(s.on_line("hi", 0, &room), Outcome::Say("hi"));
        assert_eq!(s.on_line("   ", 0, &room), Outcome::Ignore);
        assert_eq!(s.on_line("//etc", 0, &room), Outcome::Say("/etc"));
        assert_eq!(s.on_line("/QUIT", 0, &room), Outcome::Quit);
        assert_eq!(s.on_line("/who", 0, &room), Outcome::Who);
        assert_eq!(s.on_line("/Help", 0, &room), Outcome::Help);
        assert_eq!(s.on_line("/me waves", 0, &room), Outcome::Me("waves"));
        assert_eq!(
            s.on_line("/msg BOB  hi there", 0, &room),
            Outcome::Msg {
                to: 1,
                text: "hi there"
            }
        );
        assert_eq!(
            s.on_line("/msg carol hi", 0, &room),
            Outcome::Notice("No such user 'carol'".into())
        );
        assert_eq!(
            s.on_line("/msg Alice hi", 0, &room),
            Outcome::Notice("You cannot /msg yourself".into())
        );
        assert_eq!(
            s.on_line("/msg bob", 0, &room),
            Outcome::Notice("Usage: /msg NAME TEXT".into())
        );
        assert_eq!(
            s.on_line("/dance", 0, &room),
            Outcome::Notice("Unknown command '/dance', try /help".into())
        );
    }

    #[test]
    fn nick_checks_form_and_freedom() {
        let room = room_with(&["alice", "bob"]);
        let mut s = Session::Chatting;
        assert_eq!(s.on_line("/nick carol", 0, &room), Outcome::Nick("carol"));
        assert_eq!(s.on_line("/nick ALICE", 0, &room), Outcome::Nick("ALICE"));
        assert_eq!(
            s.on_line("/nick Bob", 0, &room),
            Outcome::Notice("The name 'Bob' is taken".into())
        );
        assert_eq!(
            s.on_line("/nick a!", 0, &room),
            Outcome::Notice("Invalid name: use only letters, digits, _ and -".into())
        );
        assert_eq!(
            s.on_line("/nick alice", 0, &room),
            Outcome::Notice("You are already alice".into())
        );
    }
}

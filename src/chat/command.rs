//! What a line means, decided from the line alone: a name at the prompt, or
//! chat text or a command once chatting. Pure: no room, no names looked up;
//! the core checks names against the room and turns commands into events.

/// Longest name, in characters (names are ASCII, so also bytes).
pub const MAX_NAME: usize = 24;

/// One line from a chatting user.
#[derive(Debug, PartialEq, Eq)]
pub enum Command<'a> {
    /// Nothing to do (an empty or blank line).
    Ignore,
    /// A chat line for everyone else.
    Say(&'a str),
    /// An action (`/me`) for everyone else.
    Me(&'a str),
    /// A private message to the user called `to`.
    Msg {
        /// The recipient's name as typed.
        to: &'a str,
        /// The message.
        text: &'a str,
    },
    /// Rename to this name (its form and freedom not yet checked).
    Nick(&'a str),
    /// Register the user's name with this password (`--data-dir`).
    Register(&'a str),
    /// Change the password of the user's registered name.
    Password {
        /// The password now.
        old: &'a str,
        /// The password wanted.
        new: &'a str,
    },
    /// Unregister the user's name, given its password.
    Unregister(&'a str),
    /// Move to this room (its name not yet checked).
    Join(&'a str),
    /// List the rooms.
    Rooms,
    /// Show the room's topic (`None`), or set it (`Some`).
    Topic(Option<&'a str>),
    /// Show the last lines of the room: how many, as typed (`None`: the default).
    History(Option<&'a str>),
    /// List who is online.
    Who,
    /// Show the command list.
    Help,
    /// Say goodbye and close.
    Quit,
    /// A command without its argument: the form it takes, for the usage line.
    Usage(&'static str),
    /// A command nobody knows.
    Unknown(&'a str),
}

/// What a line at the name prompt means.
#[derive(Debug, PartialEq, Eq)]
pub enum AtPrompt<'a> {
    /// `/quit`: leave without ever joining.
    Quit,
    /// A name of the right form (not yet checked against the room).
    Name(&'a str),
    /// Not a usable name; the reason, for `Invalid name: <reason>`.
    Invalid(&'static str),
}

/// Reads a line typed at the name prompt. Spaces around the name are ignored.
pub fn parse_name(line: &str) -> AtPrompt<'_> {
    let name = line.trim();
    if name.eq_ignore_ascii_case("/quit") {
        return AtPrompt::Quit;
    }
    match valid_name(name) {
        Ok(()) => AtPrompt::Name(name),
        Err(why) => AtPrompt::Invalid(why),
    }
}

/// Reads a chatting user's line: chat text, or a command.
pub fn parse_command(line: &str) -> Command<'_> {
    if line.trim().is_empty() {
        return Command::Ignore;
    }
    let Some(command) = line.strip_prefix('/') else {
        return Command::Say(line);
    };
    if command.starts_with('/') {
        return Command::Say(command); // "//x" is the chat line "/x"
    }
    let (verb, rest) = match command.split_once(char::is_whitespace) {
        Some((verb, rest)) => (verb, rest.trim()),
        None => (command, ""),
    };
    match verb.to_ascii_lowercase().as_str() {
        "quit" => Command::Quit,
        "who" => Command::Who,
        "help" => Command::Help,
        "me" if rest.is_empty() => Command::Usage("/me TEXT"),
        "me" => Command::Me(rest),
        "nick" if rest.is_empty() => Command::Usage("/nick NAME"),
        "nick" => Command::Nick(rest),
        "register" if rest.is_empty() => Command::Usage("/register PASSWORD"),
        "register" => Command::Register(rest),
        "password" => match rest.split_once(' ') {
            Some((old, new)) if !new.trim().is_empty() => Command::Password {
                old,
                new: new.trim(),
            },
            _ => Command::Usage("/password OLD NEW"),
        },
        "unregister" if rest.is_empty() => Command::Usage("/unregister PASSWORD"),
        "unregister" => Command::Unregister(rest),
        "join" if rest.is_empty() => Command::Usage("/join ROOM"),
        "join" => Command::Join(rest),
        "rooms" => Command::Rooms,
        "topic" => Command::Topic((!rest.is_empty()).then_some(rest)),
        "history" => Command::History((!rest.is_empty()).then_some(rest)),
        "msg" => match rest.split_once(char::is_whitespace) {
            Some((to, text)) if !text.trim().is_empty() => Command::Msg {
                to,
                text: text.trim_start(),
            },
            _ => Command::Usage("/msg NAME TEXT"),
        },
        _ => Command::Unknown(verb),
    }
}

/// Longest room name, without its `#`.
pub const MAX_ROOM_NAME: usize = 32;

/// A room name as typed, with or without `#`, in its canonical form: `#`
/// and the name in lower case (names compare ignoring ASCII case).
pub fn room_name(typed: &str) -> Result<String, &'static str> {
    let bare = typed.strip_prefix('#').unwrap_or(typed);
    if bare.is_empty() || bare.len() > MAX_ROOM_NAME {
        return Err("use # and 1 to 32 characters");
    }
    if !bare
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err("use only a-z, 0-9, _ and -");
    }
    Ok(format!("#{}", bare.to_ascii_lowercase()))
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

    #[test]
    fn names_at_the_prompt() {
        assert_eq!(parse_name("  alice "), AtPrompt::Name("alice"));
        assert_eq!(parse_name("/QUIT"), AtPrompt::Quit);
        let long = "x".repeat(25);
        for bad in ["", "   ", long.as_str()] {
            assert_eq!(parse_name(bad), AtPrompt::Invalid("use 1 to 24 characters"));
        }
        assert_eq!(
            parse_name("a b"),
            AtPrompt::Invalid("use only letters, digits, _ and -")
        );
        assert_eq!(parse_name(&"x".repeat(24)), AtPrompt::Name(&"x".repeat(24)));
    }

    #[test]
    fn chat_lines_and_commands() {
        assert_eq!(parse_command("hi"), Command::Say("hi"));
        assert_eq!(parse_command("   "), Command::Ignore);
        assert_eq!(parse_command("//etc"), Command::Say("/etc"));
        assert_eq!(parse_command("/QUIT"), Command::Quit);
        assert_eq!(parse_command("/who"), Command::Who);
        assert_eq!(parse_command("/Help"), Command::Help);
        assert_eq!(parse_command("/me waves"), Command::Me("waves"));
        assert_eq!(parse_command("/me"), Command::Usage("/me TEXT"));
        assert_eq!(
            parse_command("/msg BOB  hi there"),
            Command::Msg {
                to: "BOB",
                text: "hi there"
            }
        );
        assert_eq!(parse_command("/msg bob"), Command::Usage("/msg NAME TEXT"));
        assert_eq!(
            parse_command("/msg bob   "),
            Command::Usage("/msg NAME TEXT")
        );
        assert_eq!(parse_command("/nick  carol "), Command::Nick("carol"));
        assert_eq!(parse_command("/nick"), Command::Usage("/nick NAME"));
        assert_eq!(parse_command("/dance now"), Command::Unknown("dance"));
        assert_eq!(parse_command("/JOIN #Rust"), Command::Join("#Rust"));
        assert_eq!(parse_command("/join"), Command::Usage("/join ROOM"));
        assert_eq!(parse_command("/rooms"), Command::Rooms);
        assert_eq!(parse_command("/topic"), Command::Topic(None));
        assert_eq!(
            parse_command("/topic  Rust talk "),
            Command::Topic(Some("Rust talk"))
        );
        assert_eq!(parse_command("/history"), Command::History(None));
        assert_eq!(parse_command("/history 5"), Command::History(Some("5")));
    }

    #[test]
    fn room_names() {
        assert_eq!(room_name("#Rust").as_deref(), Ok("#rust"));
        assert_eq!(room_name("lobby").as_deref(), Ok("#lobby"));
        assert_eq!(room_name("a-b_9").as_deref(), Ok("#a-b_9"));
        assert_eq!(room_name("#"), Err("use # and 1 to 32 characters"));
        assert_eq!(
            room_name(&"x".repeat(33)),
            Err("use # and 1 to 32 characters")
        );
        assert!(room_name(&"x".repeat(32)).is_ok());
        assert_eq!(room_name("#a b"), Err("use only a-z, 0-9, _ and -"));
        assert_eq!(room_name("##x"), Err("use only a-z, 0-9, _ and -"));
    }
}

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
    }
}

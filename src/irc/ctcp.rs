//! CTCP inside PRIVMSG/NOTICE text: `\x01ACTION waves\x01` is linechat's
//! `/me waves`. Other CTCP (VERSION, PING, ...) passes between IRC users and
//! is dropped for telnet users, so the wiring only needs to tell them apart.

/// The delimiter of a CTCP message.
const DELIM: char = '\u{1}';

/// What a PRIVMSG/NOTICE text holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text<'a> {
    /// Plain text.
    Plain(&'a str),
    /// `ACTION text`: a `/me`.
    Action(&'a str),
    /// Any other CTCP: its command and its argument text (may be empty).
    Other(&'a str, &'a str),
}

/// Classifies a message text. The closing `\x01` is optional, as clients
/// that cut long lines may lose it.
pub fn classify(text: &str) -> Text<'_> {
    let Some(inner) = text.strip_prefix(DELIM) else {
        return Text::Plain(text);
    };
    let inner = inner.strip_suffix(DELIM).unwrap_or(inner);
    let (command, args) = inner.split_once(' ').unwrap_or((inner, ""));
    if command.eq_ignore_ascii_case("ACTION") {
        Text::Action(args)
    } else {
        Text::Other(command, args)
    }
}

/// The text of a PRIVMSG carrying a `/me`.
pub fn action(text: &str) -> String {
    format!("{DELIM}ACTION {text}{DELIM}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies() {
        assert_eq!(classify("hello"), Text::Plain("hello"));
        assert_eq!(classify("\u{1}ACTION waves\u{1}"), Text::Action("waves"));
        assert_eq!(classify("\u{1}action waves"), Text::Action("waves"));
        assert_eq!(classify("\u{1}ACTION\u{1}"), Text::Action(""));
        assert_eq!(classify("\u{1}VERSION\u{1}"), Text::Other("VERSION", ""));
        assert_eq!(classify("\u{1}PING 123\u{1}"), Text::Other("PING", "123"));
        assert_eq!(classify("\u{1}"), Text::Other("", ""));
        assert_eq!(
            classify("a\u{1}ACTION x\u{1}"),
            Text::Plain("a\u{1}ACTION x\u{1}")
        );
    }

    #[test]
    fn round_trip() {
        assert_eq!(action("waves at you"), "\u{1}ACTION waves at you\u{1}");
        assert_eq!(classify(&action("waves")), Text::Action("waves"));
    }
}

//! Reading back lines this dialect rendered. Version 1 of the Redis wire
//! carries a chat turn and a private message as telnet lines; a node reads
//! them into values again, so it renders them with its own dialects and
//! clock (a stamp the sender put in front is dropped). Names are letters,
//! digits, `_` and `-`, so where a name ends is never in doubt.

use super::line::without_stamp;
use crate::chat::LineKind;
use crate::chat::naming::valid_name;

/// One chat line (`name: text` or `* name text`, CRLF taken off) as its
/// sender's name, its kind and its text; `None` if it is neither.
pub fn said(line: &str) -> Option<(&str, LineKind, &str)> {
    let line = without_stamp(line);
    let (name, kind, text) = match line.strip_prefix("* ") {
        Some(act) => {
            let (name, text) = act.split_once(' ').unwrap_or((act, ""));
            (name, LineKind::Act, text)
        }
        None => {
            let (name, text) = line.split_once(": ")?;
            (name, LineKind::Say, text)
        }
    };
    valid_name(name).ok()?;
    Some((name, kind, text))
}

/// A private message as its recipient sees it (`[pm] name: text`, CRLF
/// taken off): the sender's name and the text.
pub fn private(line: &str) -> Option<(&str, &str)> {
    let (name, text) = without_stamp(line)
        .strip_prefix("[pm] ")?
        .split_once(": ")?;
    valid_name(name).ok()?;
    Some((name, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chat_lines_are_read_back() {
        assert_eq!(
            said("bob: hi: there"),
            Some(("bob", LineKind::Say, "hi: there"))
        );
        assert_eq!(
            said("* bob waves at you"),
            Some(("bob", LineKind::Act, "waves at you"))
        );
        assert_eq!(
            said("[01:02:03] bob: hi"),
            Some(("bob", LineKind::Say, "hi"))
        );
        assert_eq!(said("bob:"), None);
        assert_eq!(said("*** bob has joined"), None, "not a name");
        assert_eq!(said("no colon"), None);
    }

    #[test]
    fn private_lines_are_read_back() {
        assert_eq!(private("[pm] bob: yo"), Some(("bob", "yo")));
        assert_eq!(private("[12:00:00] [pm] bob: "), Some(("bob", "")));
        assert_eq!(private("bob: yo"), None);
    }
}

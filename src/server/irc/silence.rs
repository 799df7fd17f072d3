//! SILENCE: the ignore list in IRC's words (see `chat/ignore.rs`). `SILENCE`
//! alone lists it (271, 272), `SILENCE +mask` and `-mask` change it, several
//! at once with commas. A mask is a nick, or `nick!*@*`: every user here
//! has the server's host, so nothing else tells users apart. `SILENCE=`
//! [`MAX_IGNORED`] is in ISUPPORT.

use super::super::Server;
use crate::chat::{MAX_IGNORED, Request};
use crate::irc::{Message, Numeric};

/// The ISUPPORT token that says SILENCE is served, and its limit.
pub(super) fn isupport() -> String {
    format!("SILENCE={MAX_IGNORED}")
}

/// One change SILENCE asks for: add (`+mask`, or a bare mask) or remove.
fn change(item: &str) -> (bool, &str) {
    match item.strip_prefix('-') {
        Some(mask) => (false, mask),
        None => (true, item.strip_prefix('+').unwrap_or(item)),
    }
}

impl Server {
    /// `SILENCE [+|-mask[,...]]`. Another user's list (`SILENCE nick`, an
    /// old form) is nobody else's business: 481's refusal is not needed,
    /// the asker is shown their own.
    pub(super) fn irc_silence(&mut self, key: usize, message: &Message) {
        let Some(list) = message.param(0).filter(|p| p.starts_with(['+', '-'])) else {
            return self.irc_request(key, Request::Ignores);
        };
        let mut any = false;
        for item in list.split(',').filter(|i| i.len() > 1) {
            any = true;
            let request = match change(item) {
                (true, mask) => Request::Ignore(mask),
                (false, mask) => Request::Unignore(mask),
            };
            self.irc_request(key, request);
        }
        if !any {
            let text = "Not enough parameters";
            self.irc_numeric(key, Numeric::NeedMoreParams, &["SILENCE", text]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_an_addition_unless_it_says_minus() {
        assert_eq!(change("+bob!*@*"), (true, "bob!*@*"));
        assert_eq!(change("-bob"), (false, "bob"));
        assert_eq!(change("bob"), (true, "bob"));
    }
}

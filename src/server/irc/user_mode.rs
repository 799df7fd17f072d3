//! `MODE nick [modes]` for one's own nick: 221 with the modes set, or a
//! change of bot (`+B`) and invisible (`+i`) mode, kept by the core
//! ([`crate::chat::UserModes`]) and echoed as `MODE nick :+B`; `-o` gives
//! up operator rights (only OPER grants them); an unknown letter is 501.

use super::super::Server;
use crate::chat::Request;
use crate::irc::session::mask;
use crate::irc::{Numeric, OwnedMessage};

impl Server {
    /// MODE of one's own nick, `nick` (another's is 502, in
    /// `moderation.rs`).
    pub(super) fn irc_user_mode(&mut self, key: usize, nick: &str, modes: &str) {
        let before = self.chat.user_modes(key);
        if modes.is_empty() {
            let mut set = String::from("+");
            for (on, letter) in [
                (self.chat.is_operator_at(key), 'o'),
                (before.bot, 'B'),
                (before.invisible, 'i'),
            ] {
                if on {
                    set.push(letter);
                }
            }
            return self.irc_numeric(key, Numeric::UModeIs, &[&set]);
        }
        let (mut after, mut adding, mut unknown, mut unoper) = (before, true, false, false);
        for letter in modes.chars() {
            match letter {
                '+' | '-' => adding = letter == '+',
                'B' => after.bot = adding,
                'i' => after.invisible = adding,
                'o' => unoper |= !adding,
                _ => unknown = true,
            }
        }
        if unknown {
            self.irc_numeric(key, Numeric::UModeUnknownFlag, &["Unknown MODE flag"]);
        }
        if after != before {
            self.chat.set_user_modes(key, after);
            let changed = changes(&[
                (before.bot, after.bot, 'B'),
                (before.invisible, after.invisible, 'i'),
            ]);
            let line = OwnedMessage::new(&mask(nick), "MODE", &[nick, &changed]);
            self.irc_send(key, &[line]);
        }
        if unoper {
            self.irc_request(key, Request::Unoper);
        }
    }
}

/// `+B-i`: the letters turned on, then those turned off, of
/// `(before, after, letter)`.
fn changes(modes: &[(bool, bool, char)]) -> String {
    let mut out = String::new();
    for (sign, on) in [('+', true), ('-', false)] {
        let letters: String = (modes.iter())
            .filter(|(before, after, _)| before != after && *after == on)
            .map(|&(_, _, letter)| letter)
            .collect();
        if !letters.is_empty() {
            out.push(sign);
            out.push_str(&letters);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn changes_list_what_went_on_then_off() {
        assert_eq!(
            super::changes(&[(false, true, 'B'), (true, true, 'i')]),
            "+B"
        );
        assert_eq!(
            super::changes(&[(false, true, 'B'), (true, false, 'i')]),
            "+B-i"
        );
        assert_eq!(
            super::changes(&[(true, false, 'B'), (false, false, 'i')]),
            "-B"
        );
    }
}

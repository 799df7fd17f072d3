//! A channel `MODE` line's mode string and parameters read into the
//! changes the core is asked for (`+ok-l key bob` is three), as IRC's
//! CHANMODES=b,k,l,imnRst and PREFIX=(ov)@+ say: `b`, `k`, `o`, `v` take a
//! parameter both ways, `l` when set. Pure.

use crate::chat::ModeAsk;
use crate::chat::modes::{Flag, Rank};

/// Changes one MODE line may carry (IRC's `MODES` token).
pub const MAX_MODES: usize = 6;

/// What a channel MODE line asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked<'a> {
    /// Changes, in order (at most [`MAX_MODES`]).
    Changes(Vec<ModeAsk<'a>>),
    /// The ban list (`+b` with no mask, or `b`).
    Bans,
}

/// A mode letter linechat does not know (472).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownMode(pub char);

/// Reads `modes` with its `params`. Letters whose parameter is missing
/// are left out (as most servers do); an unknown letter is an error.
pub fn parse<'a>(modes: &'a str, params: &[&'a str]) -> Result<Asked<'a>, UnknownMode> {
    let mut params = params.iter().copied();
    let mut changes = Vec::new();
    let mut on = true;
    for letter in modes.chars() {
        let ask = match letter {
            '+' | '-' => {
                on = letter == '+';
                continue;
            }
            'b' => match params.next() {
                Some(mask) => ModeAsk::Ban {
                    mask,
                    on,
                    length: None,
                },
                None if changes.is_empty() => return Ok(Asked::Bans),
                None => continue,
            },
            'k' if on => match params.next() {
                Some(key) => ModeAsk::Key(Some(key)),
                None => continue,
            },
            'k' => {
                params.next(); // `-k` names the key; any will do.
                ModeAsk::Key(None)
            }
            'l' if on => match params.next() {
                Some(limit) => ModeAsk::Limit(Some(limit)),
                None => continue,
            },
            'l' => ModeAsk::Limit(None),
            'o' | 'v' => match params.next() {
                Some(name) => ModeAsk::Rank {
                    rank: if letter == 'o' {
                        Rank::OPERATOR
                    } else {
                        Rank::VOICE
                    },
                    on,
                    name,
                },
                None => continue,
            },
            letter => match Flag::from_letter(letter) {
                Some(flag) => ModeAsk::Flag { flag, on },
                None => return Err(UnknownMode(letter)),
            },
        };
        if changes.len() < MAX_MODES {
            changes.push(ask);
        }
    }
    Ok(Asked::Changes(changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_take_their_parameters_in_order() {
        let asked = parse("+ok-lt", &["bob", "key"]).unwrap();
        let Asked::Changes(changes) = asked else {
            panic!("{asked:?}");
        };
        assert_eq!(
            changes,
            [
                ModeAsk::Rank {
                    rank: Rank::OPERATOR,
                    on: true,
                    name: "bob"
                },
                ModeAsk::Key(Some("key")),
                ModeAsk::Limit(None),
                ModeAsk::Flag {
                    flag: Flag::TopicLock,
                    on: false
                },
            ]
        );
    }

    #[test]
    fn a_bare_b_lists_bans_and_unknown_letters_are_refused() {
        assert_eq!(parse("b", &[]), Ok(Asked::Bans));
        assert_eq!(parse("+b", &[]), Ok(Asked::Bans));
        assert_eq!(parse("+x", &[]), Err(UnknownMode('x')));
        assert_eq!(parse("+o", &[]), Ok(Asked::Changes(vec![])));
        let many = parse("+tttttttt", &[]).unwrap();
        assert!(matches!(many, Asked::Changes(c) if c.len() == MAX_MODES));
    }
}

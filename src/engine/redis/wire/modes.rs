//! A mode event's changes as one field: a line per change, IRC's letter
//! with its sign, then its values (`+t`, `+k key`, `-l`, `+b mask`,
//! `+o <member id> <name>`, and `+M <member id>` for a room's maker, `+O owner` and `-O` for an owned room's owner). Keys, masks and names hold no spaces or line
//! ends (the core checks them), so a line splits on spaces.

use crate::chat::MemberId;
use crate::chat::modes::{Flag, ModeChange, Rank};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The field's text for `changes`.
pub(super) fn encode(changes: &[ModeChange]) -> String {
    let lines = changes.iter().map(|change| match change {
        ModeChange::Flag { flag, on } => format!("{}{}", sign(*on), flag.letter()),
        ModeChange::Key(Some(key)) => format!("+k {key}"),
        ModeChange::Key(None) => "-k".into(),
        ModeChange::Limit(Some(limit)) => format!("+l {limit}"),
        ModeChange::Limit(None) => "-l".into(),
        ModeChange::Ban { mask, on, until } => match until {
            Some(until) => format!("{}b {mask} {}", sign(*on), millis(*until)),
            None => format!("{}b {mask}", sign(*on)),
        },
        ModeChange::Maker(member) => format!("+M {}", member.0),
        ModeChange::Owner(Some(owner)) => format!("+O {owner}"),
        ModeChange::Owner(None) => "-O".into(),
        ModeChange::Rank {
            member,
            name,
            rank,
            on,
        } => {
            let letter = if *rank == Rank::OPERATOR { 'o' } else { 'v' };
            format!("{}{letter} {} {name}", sign(*on), member.0)
        }
    });
    lines.collect::<Vec<_>>().join("\n")
}

/// Milliseconds since 1970 of `at`.
fn millis(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis())
}

fn sign(on: bool) -> char {
    if on { '+' } else { '-' }
}

/// The changes of a field's text; an error for a line it cannot read.
pub(super) fn decode(text: &str) -> Result<Vec<ModeChange>, &'static str> {
    let bad = "a mode change cannot be read";
    let mut changes = Vec::new();
    for line in text.lines() {
        let mut words = line.split(' ');
        let head = words.next().ok_or(bad)?;
        let mut chars = head.chars();
        let on = match chars.next() {
            Some('+') => true,
            Some('-') => false,
            _ => return Err(bad),
        };
        let letter = chars.next().ok_or(bad)?;
        let mut word = || words.next().filter(|w| !w.is_empty()).ok_or(bad);
        let change = match (letter, on) {
            ('k', true) => ModeChange::Key(Some(word()?.into())),
            ('k', false) => ModeChange::Key(None),
            ('l', true) => ModeChange::Limit(Some(word()?.parse().map_err(|_| bad)?)),
            ('l', false) => ModeChange::Limit(None),
            ('b', on) => ModeChange::Ban {
                mask: word()?.into(),
                on,
                until: match words.next().filter(|w| !w.is_empty()) {
                    Some(ms) => {
                        Some(UNIX_EPOCH + Duration::from_millis(ms.parse().map_err(|_| bad)?))
                    }
                    None => None,
                },
            },
            ('M', true) => ModeChange::Maker(MemberId(word()?.parse().map_err(|_| bad)?)),
            ('O', true) => ModeChange::Owner(Some(word()?.into())),
            ('O', false) => ModeChange::Owner(None),
            ('o' | 'v', on) => ModeChange::Rank {
                member: MemberId(word()?.parse().map_err(|_| bad)?),
                name: word()?.into(),
                rank: if letter == 'o' {
                    Rank::OPERATOR
                } else {
                    Rank::VOICE
                },
                on,
            },
            (letter, on) => ModeChange::Flag {
                flag: Flag::from_letter(letter).ok_or(bad)?,
                on,
            },
        };
        changes.push(change);
    }
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_reads_back_as_written() {
        let changes = vec![
            ModeChange::Flag {
                flag: Flag::TopicLock,
                on: true,
            },
            ModeChange::Key(Some("sesame".into())),
            ModeChange::Maker(MemberId(9)),
            ModeChange::Owner(Some("alice".into())),
            ModeChange::Owner(None),
            ModeChange::Key(None),
            ModeChange::Limit(Some(10)),
            ModeChange::Limit(None),
            ModeChange::Ban {
                mask: "*!*@linechat".into(),
                on: false,
                until: None,
            },
            ModeChange::Ban {
                mask: "m:bob!*@*".into(),
                on: true,
                until: Some(UNIX_EPOCH + Duration::from_millis(1_765_000_000_123)),
            },
            ModeChange::Rank {
                member: MemberId(7 << 48 | 3),
                name: "alice".into(),
                rank: Rank::VOICE,
                on: true,
            },
        ];
        assert_eq!(decode(&encode(&changes)), Ok(changes));
        assert!(decode("+x").is_err() && decode("+l many").is_err() && decode("t").is_err());
    }
}

//! Server-wide bans and mutes: `/gban NAME|MASK|CIDR [LENGTH]`,
//! `/gunban`, `/gmute NAME|MASK [LENGTH]`, `/gunmute`, by server operators
//! only. They are masks as a room's are (`ban_mask.rs`: a name, a
//! `nick!user@host` mask, an address or a network), a mute's after `m:`,
//! published to every node as an operator's action ([`AdminAction::Global`])
//! and logged with who set them.
//!
//! A ban puts out the users it matches now, on every node (server
//! operators excepted), and refuses a connection whose address it matches
//! as soon as the address is known, and a login by a name it matches. A
//! mute keeps the user connected, but their lines and private messages
//! reach nobody; they are told so. Every server operator online is told
//! each change. With a store the operator's node keeps the list
//! (`accounts/`), and every node reads it as it starts, so a node started
//! later, or again, holds them.

use super::admin::{AdminAction, AdminNotice};
use super::modes::{Ban, MUTE};
use super::{Chat, Farewell, Local, MemberId, Notice, Now, State, ban_mask};
use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Server-wide bans and mutes held at once.
pub const MAX_GLOBAL_BANS: usize = 100;

/// The server-wide bans and mutes, in the order set.
#[derive(Debug, Default)]
pub(super) struct GlobalBans {
    list: Vec<Ban>,
}

impl GlobalBans {
    /// Adds (`on`) or lifts `mask`; an ended one leaves the list first.
    fn set(&mut self, mask: &str, until: Option<SystemTime>, on: bool, now: SystemTime) {
        self.list
            .retain(|b| b.holds(now) && !b.mask.eq_ignore_ascii_case(mask));
        if on {
            let mask = mask.into();
            self.list.push(Ban { mask, until });
        }
    }

    /// Whether a ban (`mutes`: a mute) holding at `now` matches `name`
    /// from `address`.
    fn matches(&self, name: &str, address: Option<IpAddr>, mutes: bool, now: SystemTime) -> bool {
        let holding = self.list.iter().filter(|b| b.holds(now));
        holding
            .filter_map(|b| match b.mask.strip_prefix(MUTE) {
                Some(muted) if mutes => Some(muted),
                None if !mutes => Some(&*b.mask),
                _ => None,
            })
            .any(|mask| ban_mask::matches(mask, name, address))
    }

    /// The bans holding at `now` as kept in the store: a line each, the
    /// mask, then the end in milliseconds since 1970 if it has one.
    fn stored(&self, now: SystemTime) -> String {
        let line = |b: &Ban| match b.until {
            Some(until) => {
                let ms = until
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis());
                format!("{} {ms}", b.mask)
            }
            None => b.mask.to_string(),
        };
        let lines: Vec<String> = self
            .list
            .iter()
            .filter(|b| b.holds(now))
            .map(line)
            .collect();
        lines.join("\n")
    }

    /// Takes the bans of `stored` (as [`stored`](Self::stored) writes
    /// them) that still hold at `now`, up to the limit; a line that is not
    /// one is skipped.
    fn load(&mut self, stored: &str, now: SystemTime) {
        for line in stored.lines() {
            let mut words = line.split(' ');
            let mask = ban_mask::full_mask(words.next().unwrap_or(""));
            let until = words.next().map(|ms| ms.parse::<u64>().ok());
            let until = match until {
                Some(None) => continue,
                Some(Some(ms)) => Some(UNIX_EPOCH + Duration::from_millis(ms)),
                None => None,
            };
            let ended = until.is_some_and(|until| until <= now);
            if !ended
                && super::modes::valid_mask(&mask)
                && !matches_everyone(&mask)
                && !self.full(now)
            {
                self.set(&mask, until, true, now);
            }
        }
    }

    /// Whether the list is full at `now` (ended ones do not count).
    fn full(&self, now: SystemTime) -> bool {
        self.list.iter().filter(|b| b.holds(now)).count() >= MAX_GLOBAL_BANS
    }
}

/// Whether `mask` would match everyone (`*`, `*!*@*`): refused, or one
/// slip would put out the whole server.
fn matches_everyone(mask: &str) -> bool {
    let mask = mask.strip_prefix(MUTE).unwrap_or(mask);
    mask.bytes().all(|b| matches!(b, b'*' | b'?' | b'!' | b'@'))
}

impl Chat {
    /// `/gban`, `/gmute` (`mute`) and their lifting (`on` false), by the
    /// operator `by`: `given` is what was typed after the command.
    pub(super) fn global_ban(
        &mut self,
        by: super::commands::Caller,
        given: &str,
        mute: bool,
        on: bool,
        now: &Now,
    ) {
        let mut words = given.split_whitespace();
        let (Some(target), length) = (words.next(), words.next()) else {
            return;
        };
        let length = match (length, on) {
            (None, _) => None,
            (Some(typed), true) => match super::modes::ban_length(typed) {
                Some(length) => Some(length),
                None => return self.tell_global(by.local, Refusal::Length, now),
            },
            (Some(_), false) => None,
        };
        let typed = if mute {
            format!("{MUTE}{target}")
        } else {
            target.into()
        };
        let mask = ban_mask::full_mask(&typed);
        if !super::modes::valid_mask(&mask) || matches_everyone(&mask) {
            return self.tell_global(by.local, Refusal::Mask(mask.into()), now);
        }
        if on && self.global.full(now.wall) {
            return self.tell_global(by.local, Refusal::Full, now);
        }
        let until = length.map(|l| now.wall + l);
        let mask = mask.into();
        self.admin(by, AdminAction::Global { mask, until, on }, now);
    }

    /// The server-wide bans and mutes kept in the store (`--data-dir` or
    /// `--redis`), read as the server starts: held from now on, so a node
    /// started later, or again, holds them too.
    pub fn hold_server_bans(&mut self, stored: &str, now: SystemTime) {
        self.global.load(stored, now);
    }

    /// Tells `local` why its server-wide ban or mute was not set.
    fn tell_global(&mut self, local: Local, refusal: Refusal, now: &Now) {
        let text = match refusal {
            Refusal::Length => "A length is 30s, 10m, 2h or 7d (at most 366 days)".into(),
            Refusal::Mask(mask) => format!("Not a mask to ban server-wide: {mask}").into(),
            Refusal::Full => {
                format!("The server holds {MAX_GLOBAL_BANS} bans and mutes already").into()
            }
        };
        self.tell(local, now, Notice::Admin(AdminNotice::Refused(text)));
    }

    /// What a server-wide ban or mute by `by` does on this node: kept,
    /// told to every operator here, and the users it matches here are put
    /// out (a ban) or told they are muted.
    pub(super) fn global_effects(
        &mut self,
        op: MemberId,
        by: &str,
        (mask, until, on): (&str, Option<SystemTime>, bool),
        now: &Now,
    ) {
        self.global.set(mask, until, on, now.wall);
        // The operator's node keeps the list (others only hold it).
        if self.accounts && self.seats.is_local(&op) {
            let list = self.global.stored(now.wall).into();
            self.out.deliveries.push(super::Delivery::Account {
                member: op,
                name: "".into(),
                ask: super::Ask::SaveServerBans(list),
            });
        }
        let change = AdminNotice::Global {
            by: by.into(),
            mask: mask.into(),
            until,
            on,
        };
        let mut to: Vec<Local> = (self.operators_here())
            .chain(self.seats.local(&op))
            .collect();
        to.sort_unstable();
        to.dedup();
        for local in to {
            self.tell(local, now, Notice::Admin(change.clone()));
        }
        if !on {
            return;
        }
        let matched: Vec<(Local, MemberId)> = (self.clients.iter().enumerate())
            .filter_map(|(local, c)| {
                let c = c.as_ref().filter(|c| c.state == State::Chatting)?;
                let name = self.name_of(c.member)?;
                let hit =
                    ban_mask::matches(mask.strip_prefix(MUTE).unwrap_or(mask), name, c.address);
                (hit && !self.is_operator(c.member)).then_some((local, c.member))
            })
            .collect();
        let muted = mask.starts_with(MUTE);
        for (local, member) in matched {
            if muted {
                let by = Some(by.into());
                self.tell(local, now, Notice::Admin(AdminNotice::Muted { by }));
            } else {
                // Their rooms see it, as they see a kill.
                self.tell_kill(op, member, by, "banned from the server", now);
                self.put_out(local, by.into(), now);
            }
        }
    }

    /// Tells `local` it is banned from the server and closes it.
    fn put_out(&mut self, local: Local, by: Box<str>, now: &Now) {
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
            client.errands.set_quit_reason(&format!("Banned ({by})"));
        }
        self.tell(
            local,
            now,
            Notice::Admin(AdminNotice::Banned { by: Some(by) }),
        );
        self.close_with(local, Farewell::Killed);
    }

    /// Where `member` connects from, if it is a user of this node.
    pub(super) fn address_of(&self, member: MemberId) -> Option<IpAddr> {
        self.client(self.seats.local(&member)?)?.address
    }

    /// Whether a server-wide mute holds `member` now: their lines and
    /// private messages reach nobody.
    pub(super) fn globally_muted(&self, member: MemberId, now: SystemTime) -> bool {
        let Some(name) = self.name_of(member) else {
            return false;
        };
        self.global
            .matches(name, self.address_of(member), true, now)
    }

    /// Refuses `local`'s login as `name` (or, with `name` empty, its
    /// connection, once its address is known) if a server-wide ban
    /// matches: told so, and closed. Whether it did.
    pub(super) fn globally_banned(&mut self, local: Local, name: &str, now: &Now) -> bool {
        let address = self.client(local).and_then(|c| c.address);
        // At connect only an address can match: `*!*@net`, whatever the name.
        let banned = match name {
            "" => address.is_some() && self.global.matches("*", address, false, now.wall),
            name => self.global.matches(name, address, false, now.wall),
        };
        if banned {
            self.tell(local, now, Notice::Admin(AdminNotice::Banned { by: None }));
            self.close_with(local, Farewell::Killed);
        }
        banned
    }
}

/// Why a server-wide ban was not set.
enum Refusal {
    Length,
    Mask(Box<str>),
    Full,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bans_and_mutes_match_apart_and_end() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1000);
        let mut global = GlobalBans::default();
        global.set("bob!*@*", None, true, now);
        global.set(
            "m:carol!*@*",
            Some(now + Duration::from_secs(60)),
            true,
            now,
        );
        global.set("*!*@10.0.0.0/8", None, true, now);
        assert!(global.matches("Bob", None, false, now));
        assert!(!global.matches("bob", None, true, now), "a ban is no mute");
        assert!(global.matches("carol", None, true, now));
        assert!(!global.matches("carol", None, true, now + Duration::from_secs(61)));
        let ip = Some("10.1.2.3".parse().unwrap());
        assert!(global.matches("*", ip, false, now), "at connect");
        global.set("bob!*@*", None, false, now);
        assert!(!global.matches("bob", None, false, now));
        assert!(matches_everyone("*!*@*") && matches_everyone("m:*!*@*"));
        let mut kept = GlobalBans::default();
        kept.load(&global.stored(now), now);
        kept.load("bad 12x\n*!*@*\nbob 5", now);
        let masks: Vec<(&str, Option<SystemTime>)> =
            kept.list.iter().map(|b| (&*b.mask, b.until)).collect();
        let carol_until = Some(now + Duration::from_secs(60));
        assert_eq!(
            masks,
            [("m:carol!*@*", carol_until), ("*!*@10.0.0.0/8", None)],
            "what holds comes back; a bad, ended or everyone's line does not"
        );
        assert!(!matches_everyone("*!*@10.0.0.0/8"));
    }
}

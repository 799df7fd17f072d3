//! Watch lists (IRC's MONITOR): a member names users it wants to hear
//! about, and is told when one of them logs in, is renamed or leaves,
//! whatever its dialect and whichever node it is on.
//!
//! The lists are data in the core, beside the server-wide name table they
//! follow: the table changes in three places (a name held, renamed,
//! dropped; see `members.rs` and `apply.rs`), which are exactly where a
//! name comes online or goes offline, for local and remote users alike.
//! Each of those costs one lookup in a per-name index of watchers, and
//! nothing at all while nobody watches; the broadcast path never looks.
//! A member's list holds at most [`MAX_WATCHED`] names and all lists
//! together at most [`MAX_WATCHES`], so a client cannot grow memory.

use super::name::{Name, key};
use super::{Chat, Delivery, Local, MemberId, Message, Notice, Now, Reply};
use std::collections::HashMap;

/// Names one connection may watch (IRC's `MONITOR=100` in ISUPPORT): what
/// ergo allows by default, enough for a client's friends list.
pub const MAX_WATCHED: usize = 100;

/// Names watched by every connection together: about 16 MB at worst
/// (some 160 bytes a name: its one shared allocation, the index's entry
/// and watcher vector, the list's slot), whatever the connection limit.
pub const MAX_WATCHES: usize = 100_000;

/// What a member asks of its watch list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watch<'a> {
    /// Watch these names (answered with who of them is online, who is
    /// not, and those that did not fit).
    Add(Vec<&'a str>),
    /// Stop watching these names (not answered).
    Remove(Vec<&'a str>),
    /// Stop watching every name (not answered).
    Clear,
    /// The names watched.
    List,
    /// Who of the names watched is online, who is not.
    Status,
}

/// What a member is told of its watch list: answers, and the news that a
/// watched name came or went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    /// These watched names are online, as their users spell them (730).
    Online(Vec<Box<str>>),
    /// These watched names are offline (731); a user renamed or gone is
    /// named as it was spelt.
    Offline(Vec<Box<str>>),
    /// The names watched, as they were given (732, then 733).
    List(Vec<Box<str>>),
    /// A watched user who shares no room with the watcher is away with
    /// `text`, or back (IRC's AWAY, to a watcher with `extended-monitor`
    /// and `away-notify`; a room's readers learn it from the room).
    Away {
        /// The user.
        name: Box<str>,
        /// The away text; `None` when back.
        text: Option<Box<str>>,
    },
    /// A watched user who shares no room with the watcher changed its real
    /// name to `text` (IRC's SETNAME, to a watcher with `extended-monitor`
    /// and `setname`).
    RealName {
        /// The user.
        name: Box<str>,
        /// The real name now.
        text: Box<str>,
    },
    /// These names were not added: the list holds `max` names already, or
    /// all lists together are full (734).
    Full {
        /// The most a list holds.
        max: usize,
        /// The names not added.
        names: Vec<Box<str>>,
    },
}

/// Every watch list, and the index from a name to its watchers.
#[derive(Debug, Default)]
pub(super) struct Watches {
    /// Watchers of each name (ignoring ASCII case), each once.
    by_name: HashMap<Name, Vec<Local>>,
    /// The names each connection watches, as given, each once.
    lists: HashMap<Local, Vec<Name>>,
    /// Names in all lists together.
    total: usize,
}

/// Why a name was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Full;

impl Watches {
    /// `local` watches `name`; false if it did already.
    pub(super) fn add(&mut self, local: Local, name: &str) -> Result<bool, Full> {
        let list = self.lists.get(&local).map_or(&[][..], Vec::as_slice);
        if list.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Ok(false);
        }
        if list.len() >= MAX_WATCHED || self.total >= MAX_WATCHES {
            return Err(Full);
        }
        // One allocation per name however many watch it: the lists hold
        // the index's key.
        let shared = match self.by_name.get_key_value(key(&name)) {
            Some((shared, _)) => shared.clone(),
            None => Name::from(name),
        };
        self.by_name.entry(shared.clone()).or_default().push(local);
        self.lists.entry(local).or_default().push(shared);
        self.total += 1;
        Ok(true)
    }

    /// `local` stops watching `name`, if it did.
    pub(super) fn remove(&mut self, local: Local, name: &str) {
        let Some(list) = self.lists.get_mut(&local) else {
            return;
        };
        let Some(at) = list.iter().position(|n| n.eq_ignore_ascii_case(name)) else {
            return;
        };
        list.swap_remove(at);
        if list.is_empty() {
            self.lists.remove(&local);
        }
        self.total -= 1;
        self.unindex(local, name);
    }

    /// `local` watches nothing any more (it asked, or it closed).
    pub(super) fn clear(&mut self, local: Local) {
        for name in self.lists.remove(&local).unwrap_or_default() {
            self.total -= 1;
            self.unindex(local, &name);
        }
    }

    /// Drops `local` from the watchers of `name`.
    fn unindex(&mut self, local: Local, name: &str) {
        if let Some(watchers) = self.by_name.get_mut(key(&name)) {
            watchers.retain(|&w| w != local);
            if watchers.is_empty() {
                self.by_name.remove(key(&name));
            }
        }
    }

    /// The names `local` watches, as given.
    pub(super) fn list(&self, local: Local) -> &[Name] {
        self.lists.get(&local).map_or(&[], Vec::as_slice)
    }

    /// Who watches `name` (ignoring case). One lookup, none at all while
    /// nobody watches anything.
    pub(super) fn watchers(&self, name: &str) -> &[Local] {
        if self.by_name.is_empty() {
            return &[];
        }
        self.by_name.get(key(&name)).map_or(&[], Vec::as_slice)
    }
}

impl Chat {
    /// `local`'s request about its watch list.
    pub(super) fn watch(&mut self, local: Local, watch: Watch<'_>, now: &Now) {
        match watch {
            Watch::Add(names) => self.watch_add(local, &names, now),
            Watch::Remove(names) => {
                for name in names {
                    self.watches.remove(local, name);
                }
            }
            Watch::Clear => self.watches.clear(local),
            Watch::List => {
                let names = self.watches.list(local).iter().map(|n| (**n).into());
                self.tell_watched(local, Watched::List(names.collect()), now);
            }
            Watch::Status => {
                let names: Vec<Name> = self.watches.list(local).to_vec();
                let names = names.iter().map(|n| &**n);
                self.watch_status(local, names, now);
            }
        }
    }

    /// `local` watches `names` too: it is told which of those new to its
    /// list are online, which are not, and which did not fit. Names that cannot be a user's
    /// (masks, for one) are skipped: nobody could ever be called that.
    fn watch_add(&mut self, local: Local, names: &[&str], now: &Now) {
        let mut added = Vec::new();
        let mut refused = Vec::new();
        for &name in names {
            if super::naming::valid_name(name).is_err() {
                continue;
            }
            match self.watches.add(local, name) {
                Ok(true) => added.push(name),
                Ok(false) => {} // Watched already: told when it was added.
                Err(Full) => refused.push(name.into()),
            }
        }
        self.watch_status(local, added.into_iter(), now);
        if !refused.is_empty() {
            let full = Watched::Full {
                max: MAX_WATCHED,
                names: refused,
            };
            self.tell_watched(local, full, now);
        }
    }

    /// Tells `local` which of `names` are online (as their users spell
    /// them) and which are not.
    fn watch_status<'n>(&mut self, local: Local, names: impl Iterator<Item = &'n str>, now: &Now) {
        let (mut online, mut offline) = (Vec::new(), Vec::new());
        for name in names {
            match self.names.get_key_value(key(&name)) {
                Some((held, _)) => online.push((**held).into()),
                None => offline.push(name.into()),
            }
        }
        if !online.is_empty() {
            self.tell_watched(local, Watched::Online(online), now);
        }
        if !offline.is_empty() {
            self.tell_watched(local, Watched::Offline(offline), now);
        }
    }

    fn tell_watched(&mut self, local: Local, watched: Watched, now: &Now) {
        self.reply_to(local, now, Reply::Watched(watched));
    }

    /// `name` came online (held in the server-wide table): its watchers
    /// are told.
    pub(super) fn came_online(&mut self, name: &str, now: &Now) {
        self.tell_watchers(name, || Watched::Online(vec![name.into()]), now);
    }

    /// `name` went offline (gone from the server-wide table): its watchers
    /// are told.
    pub(super) fn went_offline(&mut self, name: &str, now: &Now) {
        self.tell_watchers(name, || Watched::Offline(vec![name.into()]), now);
    }

    /// `member`, called `name`, is away with `text`, or back: its watchers
    /// who share no room with it are told (those who do, and itself, hear
    /// it from their rooms).
    pub(super) fn watched_away(
        &mut self,
        member: MemberId,
        name: &str,
        text: Option<&str>,
        now: &Now,
    ) {
        let away = || Watched::Away {
            name: name.into(),
            text: text.map(Into::into),
        };
        self.tell_watchers_apart(member, name, away, now);
    }

    /// `member`, called `name`, changed its real name to `text`: its
    /// watchers who share no room with it are told (as for
    /// [`watched_away`](Self::watched_away)).
    pub(super) fn watched_real_name(
        &mut self,
        member: MemberId,
        name: &str,
        text: &str,
        now: &Now,
    ) {
        let real_name = || Watched::RealName {
            name: name.into(),
            text: text.into(),
        };
        self.tell_watchers_apart(member, name, real_name, now);
    }

    /// Tells `news` of `member`, called `name`, to its watchers who share
    /// no room with it.
    fn tell_watchers_apart(
        &mut self,
        member: MemberId,
        name: &str,
        news: impl Fn() -> Watched,
        now: &Now,
    ) {
        let watchers = self.watches.watchers(name);
        if watchers.is_empty() {
            return;
        }
        let apart = |&local: &Local| {
            let watcher = self.client(local).map(|c| c.member);
            watcher.is_some_and(|w| {
                w != member && !self.seats.rooms(&member).any(|r| self.seats.in_room(&w, r))
            })
        };
        let to: Vec<Local> = watchers.iter().copied().filter(apart).collect();
        for to in to {
            let message = Message::Notice(Notice::Reply(Reply::Watched(news())));
            let at = now.wall;
            self.out.deliveries.push(Delivery::To { to, message, at });
        }
    }

    fn tell_watchers(&mut self, name: &str, news: impl Fn() -> Watched, now: &Now) {
        for &to in self.watches.watchers(name) {
            let message = Message::Notice(Notice::Reply(Reply::Watched(news())));
            let at = now.wall;
            self.out.deliveries.push(Delivery::To { to, message, at });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_watched_once_per_watcher_ignoring_case() {
        let mut w = Watches::default();
        assert_eq!(w.add(1, "Bob"), Ok(true));
        assert_eq!(w.add(1, "bob"), Ok(false));
        assert_eq!(w.add(2, "BOB"), Ok(true));
        assert_eq!(w.watchers("bOb"), [1, 2]);
        let listed: Vec<&str> = w.list(1).iter().map(|n| &**n).collect();
        assert_eq!(listed, ["Bob"], "as first given");
        w.remove(1, "BOB");
        assert_eq!(w.watchers("bob"), [2]);
        assert!(w.list(1).is_empty());
        w.clear(2);
        assert!(w.watchers("bob").is_empty());
        assert_eq!(w.total, 0);
        assert!(w.by_name.is_empty() && w.lists.is_empty(), "nothing left");
    }

    #[test]
    fn a_list_holds_at_most_max_watched_names() {
        let mut w = Watches::default();
        for i in 0..MAX_WATCHED {
            assert_eq!(w.add(1, &format!("n{i}")), Ok(true));
        }
        assert_eq!(w.add(1, "one-more"), Err(Full));
        assert_eq!(w.add(1, "n0"), Ok(false), "one it has is no more");
        assert_eq!(w.add(2, "one-more"), Ok(true), "another list has room");
        w.remove(1, "n5");
        assert_eq!(w.add(1, "one-more"), Ok(true));
        assert_eq!(w.total, MAX_WATCHED + 1);
    }

    #[test]
    fn all_lists_together_hold_at_most_max_watches() {
        let mut w = Watches::default();
        let lists = MAX_WATCHES / MAX_WATCHED;
        for local in 0..lists {
            for i in 0..MAX_WATCHED {
                assert_eq!(w.add(local, &format!("n{i}")), Ok(true));
            }
        }
        assert_eq!(w.add(lists, "n0"), Err(Full));
        w.clear(0);
        assert_eq!(w.add(lists, "n0"), Ok(true));
    }
}

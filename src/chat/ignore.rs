//! Ignore lists: `/ignore NAME` (IRC's SILENCE) drops that user's room
//! lines, actions and private messages for the one who ignores, on this
//! node; the list follows the user's connection, and a registered user's
//! list is kept with the account (see `accounts/`), so it comes back at
//! every login, on any node.
//!
//! Lists are kept per local connection, by name (ignoring ASCII case): a
//! registered name is the account, a guest's name is the guest. The
//! broadcast asks [`Ignores::filter`] once per room line: while nobody on
//! this node ignores anyone it answers `None` at the cost of one length
//! check, and while nobody here ignores the line's sender, at the cost of
//! one hash lookup; only a line from someone ignored here is checked per
//! reader, in that reader's own list (no allocation either way).

use super::name::{Name, key};
use super::{Chat, Delivery, Local, Message, Now, Reply};
use std::collections::HashMap;

/// Names one user may ignore (IRC's `SILENCE=100` in ISUPPORT): enough for
/// any real list, small enough that a check is a short scan.
pub const MAX_IGNORED: usize = 100;

/// Names in all lists together: about 10 MB at worst (some 100 bytes a
/// name: its slot in a list, and for a name nobody else ignores its one
/// allocation and index entry), whatever the connection limit.
pub const MAX_IGNORES: usize = 100_000;

/// What a user is told of their ignore list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ignoring {
    /// `name` is ignored now.
    Added(Box<str>),
    /// `name` is no longer ignored.
    Removed(Box<str>),
    /// `name` was ignored already.
    Already(Box<str>),
    /// `name` was not ignored.
    NotIgnored(Box<str>),
    /// Every name ignored, as given (IRC 271 each, then 272).
    List(Vec<Box<str>>),
    /// The list holds [`MAX_IGNORED`] names: `name` was not added (511).
    Full {
        /// The most a list holds.
        max: usize,
        /// The name not added.
        name: Box<str>,
    },
    /// All lists together hold [`MAX_IGNORES`] names: `name` was not
    /// added (511 too).
    ServerFull(Box<str>),
    /// One cannot ignore oneself.
    Yourself,
    /// `given` cannot be anyone's name (IRC: a mask other than `nick!*@*`).
    NotAName(Box<str>),
}

/// Every local connection's ignore list.
#[derive(Debug, Default)]
pub(super) struct Ignores {
    /// Each connection's list, by handle; a connection that ignores nobody
    /// holds an empty vector (no allocation).
    lists: Vec<Vec<Name>>,
    /// How many lists name each name: a line from a name not here is never
    /// checked per reader.
    ignored: HashMap<Name, u32>,
    /// The account each registered user's list is kept with, by handle.
    accounts: HashMap<Local, Box<str>>,
    /// Names in all lists together.
    total: usize,
}

/// One room line's check: whom among its readers it must skip.
#[derive(Debug, Clone, Copy)]
pub struct Filter<'a> {
    lists: &'a [Vec<Name>],
    /// The sender's name as the lists hold it: every list that names the
    /// sender holds this one allocation (see [`Ignores::add`]), so a
    /// reader's check compares pointers, not text.
    sender: &'a Name,
}

impl Filter<'_> {
    /// Whether the reader at `local` ignores the line's sender.
    pub fn drops(&self, local: Local) -> bool {
        (self.lists.get(local)).is_some_and(|list| list.iter().any(|n| n.same(self.sender)))
    }
}

impl Ignores {
    /// `local`'s list.
    fn list(&self, local: Local) -> &[Name] {
        self.lists.get(local).map_or(&[], Vec::as_slice)
    }

    /// Whether `local` ignores `name`.
    pub(super) fn drops(&self, local: Local, name: &str) -> bool {
        !self.ignored.is_empty()
            && self
                .list(local)
                .iter()
                .any(|n| n.eq_ignore_ascii_case(name))
    }

    /// The check for `message` in a room, if anyone here ignores its
    /// sender: only chat lines (a turn: lines, actions, notices, CTCP,
    /// TAGMSG) are dropped, never a join, a part or a rename.
    pub fn filter<'a>(&'a self, message: &'a Message) -> Option<Filter<'a>> {
        if self.ignored.is_empty() {
            return None;
        }
        let Message::Said(turn) = message else {
            return None;
        };
        let sender = &*turn.name;
        let (sender, _) = self.ignored.get_key_value(key(&sender))?;
        Some(Filter {
            lists: &self.lists,
            sender,
        })
    }

    /// `local` ignores `name`; `Err` with the answer if it did already or
    /// its list is full. Every list holds the index's one allocation of a
    /// name, which is what [`Filter::drops`] compares.
    fn add(&mut self, local: Local, name: &str) -> Result<(), Ignoring> {
        if self
            .list(local)
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
        {
            return Err(Ignoring::Already(name.into()));
        }
        if self.list(local).len() >= MAX_IGNORED {
            let (max, name) = (MAX_IGNORED, name.into());
            return Err(Ignoring::Full { max, name });
        }
        if self.total >= MAX_IGNORES {
            return Err(Ignoring::ServerFull(name.into()));
        }
        self.total += 1;
        if self.lists.len() <= local {
            self.lists.resize_with(local + 1, Vec::new);
        }
        let name = match self.ignored.get_key_value(key(&name)) {
            Some((shared, _)) => shared.clone(),
            None => Name::from(name),
        };
        *self.ignored.entry(name.clone()).or_default() += 1;
        self.lists[local].push(name);
        Ok(())
    }

    /// `local` no longer ignores `name`; whether it did.
    fn remove(&mut self, local: Local, name: &str) -> bool {
        let Some(list) = self.lists.get_mut(local) else {
            return false;
        };
        let Some(at) = list.iter().position(|n| n.eq_ignore_ascii_case(name)) else {
            return false;
        };
        let gone = list.remove(at);
        self.total -= 1;
        if let Some(count) = self.ignored.get_mut(key(&&*gone)) {
            *count -= 1;
            if *count == 0 {
                self.ignored.remove(key(&&*gone));
            }
        }
        true
    }

    /// `local` closed: its list goes.
    pub(super) fn clear(&mut self, local: Local) {
        self.accounts.remove(&local);
        let names: Vec<Name> = self
            .lists
            .get_mut(local)
            .map(std::mem::take)
            .unwrap_or_default();
        self.total -= names.len();
        for name in names {
            if let Some(count) = self.ignored.get_mut(key(&&*name)) {
                *count -= 1;
                if *count == 0 {
                    self.ignored.remove(key(&&*name));
                }
            }
        }
    }

    /// The list as kept with an account: one name a line.
    fn stored(&self, local: Local) -> Box<str> {
        let names: Vec<&str> = self.list(local).iter().map(|n| &**n).collect();
        names.join("\n").into()
    }
}

/// The name a SILENCE mask stands for: `nick` or `nick!*@*` (every user's
/// host is the server's here, so only the nick can tell users apart).
pub fn mask_name(mask: &str) -> &str {
    mask.strip_suffix("!*@*").unwrap_or(mask)
}

impl Chat {
    /// `/ignore NAME`, SILENCE `+NAME`.
    pub(super) fn ignore(&mut self, local: Local, given: &str, now: &Now) {
        let name = mask_name(given);
        let answer = if super::naming::valid_name(name).is_err() {
            Ignoring::NotAName(given.into())
        } else if self.client(local).is_some_and(|c| {
            self.name_of(c.member)
                .is_some_and(|me| me.eq_ignore_ascii_case(name))
        }) {
            Ignoring::Yourself
        } else {
            match self.ignores.add(local, name) {
                Ok(()) => {
                    self.keep_ignores(local);
                    Ignoring::Added(name.into())
                }
                Err(answer) => answer,
            }
        };
        self.reply_to(local, now, Reply::Ignoring(answer));
    }

    /// `/unignore NAME`, SILENCE `-NAME`.
    pub(super) fn unignore(&mut self, local: Local, given: &str, now: &Now) {
        let name = mask_name(given);
        let answer = if self.ignores.remove(local, name) {
            self.keep_ignores(local);
            Ignoring::Removed(name.into())
        } else {
            Ignoring::NotIgnored(name.into())
        };
        self.reply_to(local, now, Reply::Ignoring(answer));
    }

    /// `/ignore` alone, SILENCE alone: the list.
    pub(super) fn ignore_list(&mut self, local: Local, now: &Now) {
        let names = self.ignores.list(local).iter().map(|n| (**n).into());
        let answer = Ignoring::List(names.collect());
        self.reply_to(local, now, Reply::Ignoring(answer));
    }

    /// Whether the local reader `local` ignores `name`.
    pub(super) fn ignores_name(&self, local: Local, name: &str) -> bool {
        self.ignores.drops(local, name)
    }

    /// The check a room line to this node's readers needs, if any (see
    /// [`Ignores::filter`]).
    pub fn ignore_filter<'a>(&'a self, message: &'a Message) -> Option<Filter<'a>> {
        self.ignores.filter(message)
    }

    /// `local` logged in as the registered `account`: its list is kept
    /// with the account from now on, and the kept list is asked for (what
    /// the session ignored meanwhile is added to it).
    pub(super) fn ignores_of_account(&mut self, local: Local, account: &str) {
        let Some(member) = self.client(local).map(|c| c.member) else {
            return;
        };
        let account: Box<str> = account.to_ascii_lowercase().into();
        self.ignores.accounts.insert(local, account.clone());
        self.out.deliveries.push(Delivery::Account {
            member,
            name: account,
            ask: super::Ask::LoadIgnores,
        });
    }

    /// The list kept with `member`'s account came: merged with the
    /// session's (as far as it fits), kept again if the session added to
    /// it, and told to the user unless it is empty (so a user who logs in
    /// knows whom they do not hear).
    pub(super) fn ignores_loaded(&mut self, member: super::MemberId, kept: &str, now: &Now) {
        let Some(local) = self.seats.local(&member) else {
            return;
        };
        let session = self.ignores.list(local).len();
        for name in kept.split('\n').filter(|n| !n.is_empty()) {
            // Past the cap (a list kept by an older limit) the rest waits.
            let _ = self.ignores.add(local, name);
        }
        if session > 0 {
            self.keep_ignores(local);
        }
        if !self.ignores.list(local).is_empty() {
            self.ignore_list(local, now);
        }
    }

    /// Keeps `local`'s list with its account, if it has one.
    fn keep_ignores(&mut self, local: Local) {
        let (Some(account), Some(member)) = (
            self.ignores.accounts.get(&local).cloned(),
            self.client(local).map(|c| c.member),
        ) else {
            return;
        };
        let list = self.ignores.stored(local);
        self.out.deliveries.push(Delivery::Account {
            member,
            name: account,
            ask: super::Ask::SaveIgnores(list),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Turn;
    use std::sync::Arc;
    use std::time::SystemTime;

    fn said(name: &str) -> Message {
        Message::Said(Arc::new(Turn::new(name, SystemTime::UNIX_EPOCH)))
    }

    #[test]
    fn a_line_is_checked_only_when_someone_ignores_its_sender() {
        let mut ignores = Ignores::default();
        assert!(ignores.filter(&said("bob")).is_none(), "nobody ignores");
        ignores.add(3, "Bob").unwrap();
        assert!(ignores.filter(&said("carol")).is_none());
        let line = said("BOB");
        let filter = ignores.filter(&line).expect("bob is ignored here");
        assert!(filter.drops(3));
        assert!(!filter.drops(2) && !filter.drops(99));
        assert!(ignores.remove(3, "bob"));
        assert!(ignores.filter(&said("bob")).is_none(), "the index empties");
    }

    #[test]
    fn a_list_is_bounded_and_each_name_counted_once() {
        let mut ignores = Ignores::default();
        for i in 0..MAX_IGNORED {
            ignores.add(1, &format!("u{i}")).unwrap();
        }
        assert_eq!(ignores.add(1, "u0"), Err(Ignoring::Already("u0".into())));
        let full = ignores.add(1, "late");
        assert!(matches!(
            full,
            Err(Ignoring::Full {
                max: MAX_IGNORED,
                ..
            })
        ));
        ignores.add(2, "u0").unwrap();
        assert_eq!(ignores.ignored.get(key(&"U0")), Some(&2));
        assert_eq!(ignores.total, MAX_IGNORED + 1);
        ignores.clear(1);
        assert_eq!(ignores.ignored.get(key(&"u0")), Some(&1));
        assert_eq!(ignores.total, 1);
        assert_eq!(ignores.ignored.len(), 1);
        assert_eq!(&*ignores.stored(2), "u0");
    }

    #[test]
    fn a_silence_mask_names_a_nick() {
        assert_eq!(mask_name("bob!*@*"), "bob");
        assert_eq!(mask_name("bob"), "bob");
        assert_eq!(mask_name("*!*@host"), "*!*@host");
    }
}

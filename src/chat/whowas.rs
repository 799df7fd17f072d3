//! Who had a name before: a bounded ring of the names this node's users
//! gave up, by quitting or by renaming, newest last (IRC's WHOWAS). It is
//! per node: a user of another node who leaves is not recorded here, and
//! a restart forgets everything.
//!
//! A client of requests (IRC) may describe itself (USER's user name and
//! real name): WHO and WHOIS show it while the member is here, and the
//! ring keeps it with each name the member gives up, so WHOWAS shows what
//! WHOIS showed.

use super::member_map::MemberMap;
use super::{Chat, Local, MemberId};
use std::collections::VecDeque;
use std::time::SystemTime;

/// How many past names the ring holds: the oldest goes when a new one
/// comes. Each entry is a name, a time and at most one USER line's
/// description, so the ring stays under ~130 KB.
pub const WHOWAS_LEN: usize = 256;

/// One past name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Was {
    /// The name as it was.
    pub name: Box<str>,
    /// The user name and real name its client gave (IRC's USER), if any.
    pub described: Option<(Box<str>, Box<str>)>,
    /// When it was given up.
    pub at: SystemTime,
}

/// The ring, and the descriptions of the local members that gave one.
#[derive(Debug, Default)]
pub(super) struct Whowas {
    ring: VecDeque<Was>,
    described: MemberMap<(Box<str>, Box<str>)>,
}

impl Whowas {
    /// `name` was given up at `at`; `gone`: its member left too.
    fn push(&mut self, member: MemberId, name: &str, at: SystemTime, gone: bool) {
        let described = match gone {
            true => self.described.remove(&member),
            false => self.described.get(&member).cloned(),
        };
        if self.ring.len() == WHOWAS_LEN {
            self.ring.pop_front();
        }
        let name = name.into();
        self.ring.push_back(Was {
            name,
            described,
            at,
        });
    }

    /// The past holders of `name` (ASCII case ignored), newest first, at
    /// most `count` of them (0: all).
    fn find(&self, name: &str, count: usize) -> Vec<Was> {
        let count = if count == 0 { usize::MAX } else { count };
        let same = |w: &&Was| w.name.eq_ignore_ascii_case(name);
        self.ring
            .iter()
            .rev()
            .filter(same)
            .take(count)
            .cloned()
            .collect()
    }
}

impl Chat {
    /// The client at `local` describes itself: its user name and real name
    /// (IRC's USER), kept for WHOWAS once it gives up its name.
    pub fn describe(&mut self, local: Local, user: &str, real: &str) {
        if let Some(client) = self.client(local) {
            let member = client.member;
            (self.whowas.described).insert(member, (user.into(), real.into()));
        }
    }

    /// The user name and real name local `member` described itself with.
    pub(super) fn described(&self, member: MemberId) -> Option<Box<(Box<str>, Box<str>)>> {
        self.whowas.described.get(&member).cloned().map(Box::new)
    }

    /// Local `member` changed its real name (IRC's SETNAME): WHO, WHOIS and
    /// WHOWAS show the new one.
    pub(super) fn whowas_real_name(&mut self, member: MemberId, real: &str) {
        if let Some((_, was)) = self.whowas.described.get_mut(&member) {
            *was = real.into();
        }
    }

    /// Who had `name` on this node, newest first: at most `count` (0: all).
    pub fn whowas(&self, name: &str, count: usize) -> Vec<Was> {
        self.whowas.find(name, count)
    }

    /// Local `member` gave up `name` at `at`, leaving (`gone`) or renaming;
    /// leaving without a name (never logged in, or put out) only forgets
    /// its description.
    pub(super) fn gave_up(
        &mut self,
        member: MemberId,
        name: Option<&str>,
        at: SystemTime,
        gone: bool,
    ) {
        match name {
            Some(name) => self.whowas.push(member, name, at, gone),
            None => drop(self.whowas.described.remove(&member)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs)
    }

    #[test]
    fn newest_first_any_case_with_a_count_and_bounded() {
        let mut whowas = Whowas::default();
        let (ann, bob) = (MemberId(1), MemberId(2));
        whowas
            .described
            .insert(ann, ("ident".into(), "Ann A".into()));
        whowas.push(ann, "ann", at(1), false);
        whowas.push(bob, "Ann", at(2), true);
        whowas.push(ann, "annie", at(3), true);
        let found = whowas.find("ANN", 0);
        assert_eq!(found.len(), 2);
        assert_eq!((&*found[0].name, found[0].at), ("Ann", at(2)));
        assert_eq!(found[0].described, None);
        assert_eq!(found[1].described, Some(("ident".into(), "Ann A".into())));
        assert_eq!(whowas.find("ann", 1).len(), 1);
        assert!(whowas.described.is_empty(), "a member gone is forgotten");
        assert!(whowas.find("nobody", 0).is_empty());
        for i in 0..WHOWAS_LEN as u64 {
            whowas.push(bob, "filler", at(10 + i), false);
        }
        assert_eq!(whowas.ring.len(), WHOWAS_LEN);
        assert!(whowas.find("ann", 0).is_empty(), "the oldest went first");
    }
}

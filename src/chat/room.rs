//! Who is in a room: members by id, their names (unique ignoring ASCII
//! case), when each last spoke, and the dense list of local connections a
//! broadcast walks. No rendering, no sockets.

use super::member_map::MemberMap;
use super::modes::{Rank, RoomModes};
use super::name::{Name, key};
use super::notice::{Online, Status};
use super::tick::Tick;
use super::{Local, MemberId};
use std::collections::BTreeMap;
use std::time::Instant;

/// Names listed by the welcome line and `/who` before "and N more".
const LISTED_NAMES: usize = 20;

/// One chatting user.
#[derive(Debug)]
struct Member {
    /// The name as the user typed it (shared with `Room::by_name` and the
    /// server-wide name table).
    name: Name,
    /// If the member is local, its position in `Room::fanout`, which holds
    /// its connection (for O(1) removal). 32 bits: a node has far fewer
    /// connections, and every member costs this in a big room.
    local: Option<u32>,
    /// When the user last sent something, for `/who` and the idle timeout
    /// (a [`Tick`]: every member of every room holds one).
    last_active: Tick,
    /// Operator, voiced, both or neither.
    rank: Rank,
}

/// The members of one room.
#[derive(Debug)]
pub struct Room {
    members: MemberMap<Member>,
    /// Local connections of members, in no particular order: the fan-out
    /// list, kept dense so a broadcast walks one contiguous array.
    fanout: Vec<Local>,
    /// Who owns each `fanout` entry, to fix the index of the entry moved by
    /// a `swap_remove`.
    fanout_owner: Vec<MemberId>,
    /// Name (ignoring case) to member: uniqueness, `/msg` lookup and a
    /// listing sorted ignoring case.
    by_name: BTreeMap<Name, MemberId>,
    /// Its settings: flags, key, limit, bans.
    pub modes: RoomModes,
}

impl Default for Room {
    fn default() -> Room {
        Room::new(std::time::SystemTime::UNIX_EPOCH)
    }
}

impl Room {
    /// An empty room made at `created`.
    pub fn new(created: std::time::SystemTime) -> Room {
        Room {
            members: MemberMap::default(),
            fanout: Vec::new(),
            fanout_owner: Vec::new(),
            by_name: BTreeMap::new(),
            modes: RoomModes::new(created),
        }
    }

    /// `member`'s rank here (none for a stranger).
    pub fn rank_of(&self, member: MemberId) -> Rank {
        self.members.get(&member).map_or(Rank::NONE, |m| m.rank)
    }

    /// Gives `member` (`on`) or takes away `rank`.
    pub fn set_rank(&mut self, member: MemberId, rank: Rank, on: bool) {
        if let Some(m) = self.members.get_mut(&member) {
            m.rank = m.rank.with(rank, on);
        }
    }

    /// Local connections of every member on this node.
    pub fn locals(&self) -> &[Local] {
        &self.fanout
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether nobody is in.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The member called `name` (ignoring ASCII case).
    pub fn find(&self, name: &str) -> Option<MemberId> {
        self.by_name.get(key(&name)).copied()
    }

    /// The name of `member`.
    pub fn name_of(&self, member: MemberId) -> Option<&str> {
        self.members.get(&member).map(|m| &*m.name)
    }

    /// The local connection of `member`, if it is on this node.
    pub fn local_of(&self, member: MemberId) -> Option<Local> {
        let index = self.members.get(&member)?.local?;
        self.fanout.get(index as usize).copied()
    }

    /// The name of `member`, shared (no copy of its text).
    pub fn shared_name(&self, member: MemberId) -> Option<Name> {
        self.members.get(&member).map(|m| m.name.clone())
    }

    /// Adds a member; the caller has checked that the name is free.
    pub fn join(&mut self, member: MemberId, name: Name, local: Option<Local>, now: Instant) {
        let local = local.map(|l| {
            self.fanout.push(l);
            self.fanout_owner.push(member);
            (self.fanout.len() - 1) as u32
        });
        self.by_name.insert(name.clone(), member);
        let joined = Member {
            name,
            local,
            last_active: Tick::at(now),
            rank: Rank::NONE,
        };
        if let Some(old) = self.members.insert(member, joined) {
            // An id joins once; if it ever came twice, keep the indexes true.
            self.forget(old);
        }
    }

    /// Removes a member and returns their name, or `None` if not a member.
    pub fn leave(&mut self, member: MemberId) -> Option<Name> {
        let gone = self.members.remove(&member)?;
        let name = gone.name.clone();
        self.forget(gone);
        Some(name)
    }

    /// Drops a removed member's name and fan-out entry.
    fn forget(&mut self, gone: Member) {
        self.by_name.remove(&gone.name);
        if let Some(index) = gone.local {
            let index = index as usize;
            self.fanout.swap_remove(index);
            self.fanout_owner.swap_remove(index);
            if let Some(&moved) = self.fanout_owner.get(index)
                && let Some(Member {
                    local: Some(at), ..
                }) = self.members.get_mut(&moved)
            {
                *at = index as u32;
            }
        }
    }

    /// Renames a member; the caller has checked that `new` is free (or the
    /// same name in another case). Returns the old name.
    pub fn rename(&mut self, member: MemberId, new: Name) -> Option<Box<str>> {
        let m = self.members.get_mut(&member)?;
        let old = std::mem::replace(&mut m.name, new.clone());
        self.by_name.remove(&old);
        self.by_name.insert(new, member);
        Some((*old).into())
    }

    /// Records that `member` just sent something.
    pub fn touch(&mut self, member: MemberId, now: Instant) {
        if let Some(m) = self.members.get_mut(&member) {
            m.last_active = Tick::at(now);
        }
    }

    /// When `member` last sent something.
    pub fn last_active(&self, member: MemberId) -> Option<Instant> {
        self.members.get(&member).map(|m| m.last_active.instant())
    }

    /// Every member's name after its rank's prefixes (`@+alice`), sorted
    /// ignoring case (IRC's `NAMES`; names never start with `@` or `+`).
    pub fn names(&self) -> Vec<Box<str>> {
        let names = self.members().map(|(_, name, rank)| match rank {
            Rank::NONE => Box::<str>::from(name),
            rank => format!("{}{name}", rank.prefixes()).into(),
        });
        names.collect()
    }

    /// Every member with their rank, sorted by name ignoring case.
    pub fn members(&self) -> impl Iterator<Item = (MemberId, &str, Rank)> {
        let rank = |id| self.members.get(&id).map_or(Rank::NONE, |m| m.rank);
        self.by_name
            .iter()
            .map(move |(name, &id)| (id, &**name, rank(id)))
    }

    /// `<k> online: a, b, c` with at most 20 names, sorted ignoring case, then
    /// `and <n> more`. With `idle_at`, each name carries its idle time.
    /// With `remote_unreachable` (this node has no link to the others), a
    /// member on another node is marked `(unreachable)` instead: they
    /// cannot hear this room now, and their idle time is not known. With
    /// idle times, a member `away` says is marked away.
    pub fn online_list(
        &self,
        idle_at: Option<Instant>,
        remote_unreachable: bool,
        away: &dyn Fn(MemberId) -> bool,
    ) -> Online {
        let listed = self.by_name.values().take(LISTED_NAMES);
        let mut shown = Vec::with_capacity(self.len().min(LISTED_NAMES));
        shown.extend(listed.filter_map(|id| {
            let m = self.members.get(id)?;
            let status = match idle_at {
                _ if remote_unreachable && m.local.is_none() => Status::Unreachable,
                Some(now) if away(*id) => {
                    Status::Away(now.saturating_duration_since(m.last_active.instant()))
                }
                Some(now) => Status::Idle(now.saturating_duration_since(m.last_active.instant())),
                None => Status::Plain,
            };
            Some((m.name.clone(), status))
        }));
        Online {
            count: self.len(),
            shown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Message, Notice};
    use crate::dialect::Dialect;
    use crate::dialect::telnet::Telnet;
    use std::time::Duration;

    /// Every member of every room holds one entry: idle memory per user
    /// (the README's I1) rests on it staying 40 bytes, a [`Tick`] and not
    /// an `Instant` for the last activity.
    #[test]
    fn a_member_entry_is_40_bytes() {
        assert_eq!(std::mem::size_of::<(MemberId, Member)>(), 40);
    }

    /// A list as telnet shows it after `*** `.
    fn text(online: Online) -> String {
        let shown = Message::Notice(Notice::Online(online));
        let bytes = Telnet::new(false).render(&shown, std::time::UNIX_EPOCH);
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        text.trim_start_matches("*** ").trim_end().to_string()
    }

    fn id(n: u64) -> MemberId {
        MemberId(n)
    }

    #[test]
    fn names_are_unique_ignoring_case() {
        let mut room = Room::default();
        room.join(id(3), "Alice".into(), Some(7), Instant::now());
        assert_eq!(room.find("aLiCe"), Some(id(3)));
        assert_eq!(room.find("bob"), None);
        assert_eq!(room.local_of(id(3)), Some(7));
    }

    #[test]
    fn leaving_keeps_the_fan_out_list_consistent() {
        let now = Instant::now();
        let mut room = Room::default();
        for (n, name) in [(1, "a"), (5, "b"), (9, "c")] {
            room.join(id(n), name.into(), Some(n as usize * 10), now);
        }
        room.join(id(20), "remote".into(), None, now);
        assert_eq!(room.leave(id(1)).as_deref(), Some("a"));
        assert_eq!(room.leave(id(1)), None);
        let mut locals = room.locals().to_vec();
        locals.sort();
        assert_eq!(locals, [50, 90]);
        assert_eq!(room.leave(id(9)).as_deref(), Some("c"));
        assert_eq!(room.locals(), [50]);
        assert_eq!(room.find("a"), None);
        assert_eq!(room.len(), 2);
        assert_eq!(room.leave(id(20)).as_deref(), Some("remote"));
        assert_eq!(room.locals(), [50]);
    }

    #[test]
    fn online_list_is_sorted_and_capped() {
        let now = Instant::now();
        let mut room = Room::default();
        room.join(id(0), "bob".into(), None, now);
        room.join(id(1), "Alice".into(), None, now);
        assert_eq!(
            text(room.online_list(None, false, &|_| false)),
            "2 online: Alice, bob"
        );
        for i in 0..25 {
            room.join(id(10 + i), format!("u{i:02}").as_str().into(), None, now);
        }
        let list = text(room.online_list(None, false, &|_| false));
        assert!(list.starts_with("27 online: Alice, bob, u00, "), "{list}");
        assert!(list.ends_with("u17 and 7 more"), "{list}");
        let later = now + Duration::from_secs(185);
        room.touch(id(1), later);
        assert!(
            text(room.online_list(Some(later), false, &|_| false))
                .starts_with("27 online: Alice (idle 0s), bob (idle 3m), ")
        );
    }

    #[test]
    fn unreachable_marks_only_remote_members() {
        let now = Instant::now();
        let mut room = Room::default();
        room.join(id(0), "bob".into(), None, now);
        room.join(id(1), "alice".into(), Some(4), now);
        assert_eq!(
            text(room.online_list(Some(now), true, &|_| false)),
            "2 online: alice (idle 0s), bob (unreachable)"
        );
        assert_eq!(
            text(room.online_list(None, true, &|_| false)),
            "2 online: alice, bob (unreachable)"
        );
    }

    #[test]
    fn rename_moves_the_name() {
        let mut room = Room::default();
        room.join(id(0), "bob".into(), None, Instant::now());
        assert_eq!(room.rename(id(0), "Rob".into()).as_deref(), Some("bob"));
        assert_eq!(room.find("bob"), None);
        assert_eq!(room.name_of(id(0)), Some("Rob"));
    }
}

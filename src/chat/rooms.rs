//! Every room: its name, topic, members and pending digest of joins, and
//! the lookups by name. Rooms are made on demand. An emptied room without
//! a topic goes at once; one with a topic stays *dormant*: unlisted, not
//! counted toward `--max-rooms`, and the first to go when a new room needs
//! its place, so rooms nobody is in never stop anyone from making one (the
//! default room always stays). A room's history is the engine's
//! (`crate::engine`), kept by the room's name.

use super::RoomId;
use super::notice::RoomList;
use super::reply::RoomInfo;
use super::room::Room;
use slab::Slab;
use std::collections::{HashMap, VecDeque};
use std::time::Instant;

/// Rooms listed by `/rooms` before "and N more".
const LISTED_ROOMS: usize = 20;

/// One room.
#[derive(Debug)]
pub struct RoomState {
    /// `#` and the name in lower case.
    pub name: Box<str>,
    /// Set by `/topic`, shown on join.
    pub topic: Option<Box<str>>,
    /// Who set the topic and when (IRC's 333), if it was set here.
    pub topic_set: Option<(Box<str>, std::time::SystemTime)>,
    /// Who is in.
    pub members: Room,
    /// Joins and leaves not yet told (rooms above `--quiet-joins`).
    pub digest: Digest,
    /// Its owner and operators by name, if it is owned (see `owned.rs`):
    /// then it stays when empty.
    pub owned: Option<Box<super::owned::Owned>>,
    /// Where a member leaving now stands, for resuming (see `resume/`):
    /// the id of the last turn said here (0: none yet), the lines said
    /// here since the room was made, and which making of the room this is.
    /// A store per turn, nothing per reader.
    pub said: Said,
}

/// How far a room's talk has gone (see [`RoomState::said`]).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Said {
    /// The id of the last turn said (0: none yet).
    pub last_turn: u64,
    /// Lines said since the room was made.
    pub lines: u64,
    /// The room's making, unique on this node: counts of lines compare
    /// only within one.
    pub serial: u64,
}

/// Joins and leaves counted while a room is above `--quiet-joins`, told as
/// one line when the digest interval has passed since the first of them.
#[derive(Debug, Default)]
pub struct Digest {
    /// Joins counted.
    pub joined: u32,
    /// Leaves counted.
    pub left: u32,
    /// When the line is due; `None` while nothing is counted.
    pub due: Option<Instant>,
}

/// Why a room could not be entered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// `--max-rooms` rooms exist and this one does not.
    TooManyRooms,
}

/// Every room, by id and by name.
#[derive(Debug)]
pub struct Rooms {
    rooms: Slab<RoomState>,
    by_name: HashMap<Box<str>, RoomId>,
    /// The room users start in; never removed.
    default: RoomId,
    /// `--max-rooms`: rooms in use at once, and rooms held in all (in use
    /// or dormant), so the memory they may take stays what it was.
    max_rooms: usize,
    /// Empty rooms kept for their topic and history, longest empty first.
    dormant: VecDeque<RoomId>,
    /// Rooms made so far (each one's [`Said::serial`]).
    made: u64,
}

impl Rooms {
    /// Just the default room, named `default` (canonical form).
    pub fn new(default: &str, max_rooms: usize) -> Rooms {
        let mut rooms = Rooms {
            rooms: Slab::new(),
            by_name: HashMap::new(),
            default: RoomId(0),
            max_rooms: max_rooms.max(1),
            dormant: VecDeque::new(),
            made: 0,
        };
        rooms.default = rooms.create(default);
        rooms
    }

    /// The room users start in.
    pub fn default_room(&self) -> RoomId {
        self.default
    }

    fn create(&mut self, name: &str) -> RoomId {
        self.made += 1;
        let said = Said {
            serial: self.made,
            ..Said::default()
        };
        let id = RoomId(self.rooms.insert(RoomState {
            name: name.into(),
            topic: None,
            topic_set: None,
            members: Room::default(),
            digest: Digest::default(),
            owned: None,
            said,
        }) as u32);
        self.by_name.insert(name.into(), id);
        id
    }

    /// The room called `name` (canonical form), if it exists.
    pub fn find(&self, name: &str) -> Option<RoomId> {
        self.by_name.get(name).copied()
    }

    /// The room called `name` (canonical form), made if it does not exist
    /// (in place of the longest dormant room, if all places are held), or
    /// woken if it is dormant.
    pub fn open(&mut self, name: &str) -> Result<RoomId, Full> {
        if let Some(&id) = self.by_name.get(name) {
            self.dormant.retain(|&d| d != id);
            return Ok(id);
        }
        if self.len() >= self.max_rooms {
            return Err(Full::TooManyRooms);
        }
        if self.rooms.len() >= self.max_rooms
            && let Some(oldest) = self.dormant.pop_front()
        {
            self.remove(oldest);
        }
        Ok(self.create(name))
    }

    /// Whether a room called `name` is in use (not dormant).
    pub fn in_use(&self, name: &str) -> bool {
        self.find(name).is_some_and(|id| self.in_use_id(id))
    }

    /// Whether room `id` is in use (not dormant).
    pub fn in_use_id(&self, id: RoomId) -> bool {
        id == self.default || !self.dormant.contains(&id)
    }

    /// Every room someone is in, with its name, members and topic,
    /// busiest first (then by name): IRC's `LIST`, which has no cap but the
    /// reader's. Unlike `/rooms`, an empty default room is not listed (an
    /// IRC channel exists while someone is in it).
    pub fn infos(&self, shown: impl Fn(RoomId) -> bool) -> Vec<RoomInfo> {
        let mut all: Vec<RoomInfo> = (self.rooms.iter())
            .filter(|&(id, r)| !r.members.is_empty() && shown(RoomId(id as u32)))
            .map(|(_, r)| RoomInfo {
                name: r.name.clone(),
                members: r.members.len(),
                topic: r.topic.clone(),
            })
            .collect();
        all.sort_unstable_by(|a, b| b.members.cmp(&a.members).then(a.name.cmp(&b.name)));
        all
    }

    /// `--max-rooms`.
    pub fn max_rooms(&self) -> usize {
        self.max_rooms
    }

    /// Once `id` is empty (and not the default room): forgets it, or keeps
    /// it dormant if it has a topic to keep (its history is the engine's).
    pub fn remove_if_unused(&mut self, id: RoomId) {
        let Some(room) = self.get(id).filter(|r| r.members.is_empty()) else {
            return;
        };
        if id == self.default || self.dormant.contains(&id) || room.owned.is_some() {
            return;
        }
        if room.topic.is_some() {
            self.dormant.push_back(id);
        } else {
            self.remove(id);
        }
    }

    fn remove(&mut self, id: RoomId) {
        if let Some(room) = self.rooms.try_remove(id.0 as usize) {
            self.by_name.remove(&room.name);
        }
    }

    /// The room `id`.
    pub fn get(&self, id: RoomId) -> Option<&RoomState> {
        self.rooms.get(id.0 as usize)
    }

    /// The room `id`, to change.
    pub fn get_mut(&mut self, id: RoomId) -> Option<&mut RoomState> {
        self.rooms.get_mut(id.0 as usize)
    }

    /// Rooms in use (dormant ones are not counted).
    pub fn len(&self) -> usize {
        self.rooms.len() - self.dormant.len()
    }

    /// Whether there are none (never: the default room stays).
    pub fn is_empty(&self) -> bool {
        self.rooms.is_empty()
    }

    /// Every room.
    pub fn iter(&self) -> impl Iterator<Item = &RoomState> {
        self.rooms.iter().map(|(_, r)| r)
    }

    /// Every room, to look for due digests.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (RoomId, &mut RoomState)> {
        self.rooms.iter_mut().map(|(k, r)| (RoomId(k as u32), r))
    }

    /// `<k> rooms: #a (12), #b (3)`, busiest first (then by name), at most
    /// 20, then `and <n> more`.
    pub fn listing(&self, shown: impl Fn(RoomId) -> bool) -> RoomList {
        let mut all: Vec<(&str, usize, bool)> = self
            .rooms
            .iter()
            .filter(|&(id, _)| shown(RoomId(id as u32)))
            .filter(|&(id, r)| {
                !r.members.is_empty() || RoomId(id as u32) == self.default || r.owned.is_some()
            })
            .map(|(_, r)| (&*r.name, r.members.len(), r.owned.is_some()))
            .collect();
        all.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let shown = || all.iter().take(LISTED_ROOMS);
        RoomList {
            total: all.len(),
            shown: shown().map(|&(name, n, _)| (name.into(), n)).collect(),
            owned: (shown().filter(|r| r.2)).map(|r| r.0.into()).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::MemberId;

    #[test]
    fn rooms_are_made_on_demand_and_bounded() {
        let mut rooms = Rooms::new("#lobby", 2);
        let lobby = rooms.default_room();
        assert_eq!(rooms.open("#lobby"), Ok(lobby));
        let rust = rooms.open("#rust").unwrap();
        assert_ne!(rust, lobby);
        assert_eq!(rooms.open("#more"), Err(Full::TooManyRooms));
        rooms.remove_if_unused(rust);
        assert_eq!(rooms.len(), 1);
        rooms.remove_if_unused(lobby);
        assert_eq!(rooms.len(), 1, "the default room stays");
        let kept = rooms.open("#kept").unwrap();
        rooms.get_mut(kept).unwrap().topic = Some("t".into());
        rooms.remove_if_unused(kept);
        assert_eq!(rooms.len(), 1, "an empty room with a topic is not in use");
        assert!(!rooms.in_use("#kept") && rooms.find("#kept") == Some(kept));
        // It does not take a place: a new room is made in its stead.
        let new = rooms.open("#new").unwrap();
        assert_eq!(rooms.find("#kept"), None, "the dormant room made way");
        assert_eq!(rooms.open("#more"), Err(Full::TooManyRooms));
        rooms.get_mut(new).unwrap().topic = Some("t".into());
        rooms.remove_if_unused(new);
        rooms.remove_if_unused(new);
        assert_eq!(rooms.open("#new"), Ok(new), "a dormant room wakes up");
        assert_eq!(rooms.len(), 2);
        assert!(rooms.in_use("#new"));
    }

    #[test]
    fn listing_is_busiest_first_and_capped() {
        let mut rooms = Rooms::new("#lobby", 100);
        let now = Instant::now();
        for i in 0..25u64 {
            let id = rooms.open(&format!("#r{i:02}")).unwrap();
            for m in 0..(1 + i % 3) {
                let member = MemberId(i * 10 + m);
                rooms.get_mut(id).unwrap().members.join(
                    member,
                    format!("u{i}-{m}").as_str().into(),
                    None,
                    now,
                );
            }
        }
        let list = rooms.listing(|_| true);
        assert_eq!(list.total, 26);
        assert_eq!(list.shown.len(), LISTED_ROOMS, "the rest are counted");
        let first: Vec<(&str, usize)> = list.shown[..2].iter().map(|(n, c)| (&**n, *c)).collect();
        assert_eq!(
            first,
            [("#r02", 3), ("#r05", 3)],
            "busiest first, then by name"
        );
    }
}

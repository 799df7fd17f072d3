//! What a client of requests (IRC) asks about rooms and users: `NAMES`,
//! `LIST`, `WHO`, `WHOIS`. Each answer is one [`Reply`] value with the
//! data; the dialect words it (numerics) and splits it into lines.

use super::list_filter::ListFilter;
use super::modes::{Flag, Rank, wildcard_matches};
use super::name::NameText;
use super::{Chat, Local, MemberId, Now, Reply, RoomId, WhoEntry, WhoisInfo, naming};

impl Chat {
    /// Every chatting user this node knows of, here and on other nodes
    /// (IRC's `LUSERS`).
    pub fn known_users(&self) -> usize {
        self.names.len()
    }

    /// Whether a user called `name` is known (on any node).
    pub fn knows(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// `NAMES #room`: every member's name (none for a room not in use).
    pub(super) fn names(&mut self, local: Local, room: &str, now: &Now) {
        let found = naming::room_name(room).ok().and_then(|name| {
            let id = self
                .rooms
                .find(&name)
                .filter(|&id| self.rooms.in_use_id(id))?;
            self.rooms.get(id)
        });
        let asker = self.client(local).map(|c| c.member);
        let shown = found.filter(|r| {
            let id = self.rooms.find(&r.name);
            !(id.zip(asker)).is_some_and(|(id, asker)| self.hidden_from(id, asker))
        });
        let (room, names, secret) = match shown {
            Some(r) => {
                let secret = r.members.modes.has(Flag::Secret);
                (r.name.clone(), r.members.names(), secret)
            }
            None => (room.into(), Vec::new(), false),
        };
        self.reply_to(
            local,
            now,
            Reply::Names {
                room,
                names,
                secret,
            },
        );
    }

    /// `LIST`: every room in use that `filter` keeps, but the secret ones
    /// the asker is not in.
    pub(super) fn list(&mut self, local: Local, filter: &ListFilter<'_>, now: &Now) {
        let asker = self.client(local).map(|c| c.member);
        let shown = |room| asker.is_none_or(|asker| !self.hidden_from(room, asker));
        let mut rooms = self.rooms.infos(shown);
        rooms.retain(|room| filter.keeps(room));
        self.reply_to(local, now, Reply::List(rooms));
    }

    /// `WHO mask`: a room's members (`#room`), every user whose name matches
    /// a mask with `*` or `?` (but the invisible, +i, who share no room
    /// with the asker), or the user called `mask`.
    pub(super) fn who_is(&mut self, local: Local, mask: &str, now: &Now) {
        let away = |member: MemberId| self.away.contains_key(&member);
        let bot = |member: MemberId| self.user_modes_of(member).bot;
        let asker = self.client(local).map(|c| c.member);
        let entries = if mask.starts_with('#') {
            let room = naming::room_name(mask).ok().and_then(|name| {
                let id = self
                    .rooms
                    .find(&name)
                    .filter(|&id| self.rooms.in_use_id(id))?;
                self.rooms.get(id)
            });
            let each = room.into_iter().flat_map(|r| {
                r.members.members().map(|(member, name, rank)| WhoEntry {
                    room: Some(r.name.clone()),
                    name: name.into(),
                    away: away(member),
                    operator: self.shown_operator(member),
                    rank,
                    bot: bot(member),
                    described: self.described(member),
                })
            });
            each.collect()
        } else if mask.contains(['*', '?']) {
            let mut each: Vec<WhoEntry> = (self.names.iter())
                .filter(|(name, _)| wildcard_matches(mask, name.text()))
                .filter(|&(_, &member)| !self.invisible_to(member, asker))
                .map(|(name, &member)| WhoEntry {
                    room: self.room_of(member).map(|r| r.name.clone()),
                    name: name.text().into(),
                    away: away(member),
                    operator: self.shown_operator(member),
                    rank: self.first_rank(member),
                    bot: bot(member),
                    described: self.described(member),
                })
                .collect();
            each.sort_unstable_by(|a, b| a.name.cmp(&b.name));
            each
        } else {
            let found = self.find(mask).and_then(|m| Some((m, self.name_of(m)?)));
            let each = found.map(|(member, name)| WhoEntry {
                room: self.room_of(member).map(|r| r.name.clone()),
                name: name.into(),
                away: away(member),
                operator: self.shown_operator(member),
                rank: self.first_rank(member),
                bot: bot(member),
                described: self.described(member),
            });
            each.into_iter().collect()
        };
        let mask = mask.into();
        self.reply_to(local, now, Reply::Who { mask, entries });
    }

    /// `WHOIS name`: their rooms, idle time, sign-on time and away text.
    pub(super) fn whois(&mut self, local: Local, name: &str, now: &Now) {
        let Some(member) = self.find(name) else {
            let name = name.into();
            return self.reply_to(local, now, Reply::NoSuchUser { name });
        };
        let Some(name) = self.name_of(member).map(Box::<str>::from) else {
            return;
        };
        let theirs = self.seats.local(&member).and_then(|l| self.client(l));
        // Since they last sent something in any of their rooms.
        let last = (self.seats.rooms(&member))
            .filter_map(|room| self.rooms.get(room)?.members.last_active(member))
            .max();
        let idle = theirs
            .and(last)
            .map(|last| now.instant.saturating_duration_since(last));
        let signon = theirs.map(|c| {
            let since = now
                .instant
                .saturating_duration_since(c.login_until.instant() - self.login_timeout);
            now.wall.checked_sub(since).unwrap_or(now.wall)
        });
        let info = WhoisInfo {
            name,
            rooms: self.rooms_shown(member, self.client(local).map(|c| c.member)),
            idle,
            signon,
            away: self.away.get(&member).cloned(),
            secure: theirs.is_some_and(|c| c.secure),
            operator: self.shown_operator(member),
            bot: self.user_modes_of(member).bot,
            described: self.described(member),
        };
        self.reply_to(local, now, Reply::Whois(info));
    }
}

impl Chat {
    /// `member`'s rank in their first room (IRC's WHO of a name shows it).
    fn first_rank(&self, member: MemberId) -> Rank {
        let room = self.room_of(member);
        room.map_or(Rank::NONE, |r| r.members.rank_of(member))
    }

    /// `member`'s rooms after their rank's prefixes (`@#rust`), but the
    /// secret ones `asker` is not in.
    fn rooms_shown(&self, member: MemberId, asker: Option<MemberId>) -> Vec<Box<str>> {
        let shown = |&room: &RoomId| asker.is_none_or(|asker| !self.hidden_from(room, asker));
        let rooms = self.seats.rooms(&member).filter(shown);
        let named = rooms.filter_map(|room| {
            let r = self.rooms.get(room)?;
            let rank = r.members.rank_of(member);
            Some(format!("{}{}", rank.prefixes(), r.name).into())
        });
        named.collect()
    }
}

//! What a client of requests (IRC) asks about rooms and users: `NAMES`,
//! `LIST`, `WHO`, `WHOIS`. Each answer is one [`Reply`] value with the
//! data; the dialect words it (numerics) and splits it into lines.

use super::list_filter::ListFilter;
use super::name::NameText;
use super::{Chat, Local, MemberId, Now, Reply, WhoEntry, WhoisInfo, naming};

impl Chat {
    /// Every chatting user this node knows of, here and on other nodes
    /// (IRC's `LUSERS`).
    pub fn known_users(&self) -> usize {
        self.names.len()
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
        let (room, names) = match found {
            Some(r) => (r.name.clone(), r.members.names()),
            None => (room.into(), Vec::new()),
        };
        self.reply_to(local, now, Reply::Names { room, names });
    }

    /// `LIST`: every room in use that `filter` keeps.
    pub(super) fn list(&mut self, local: Local, filter: &ListFilter<'_>, now: &Now) {
        let mut rooms = self.rooms.infos();
        rooms.retain(|room| filter.keeps(room));
        self.reply_to(local, now, Reply::List(rooms));
    }

    /// `WHO mask`: a room's members (`#room`), every user whose name matches
    /// a mask with `*` or `?`, or the user called `mask`. (No user hides
    /// from a mask: linechat has no invisible mode, +i.)
    pub(super) fn who_is(&mut self, local: Local, mask: &str, now: &Now) {
        let away = |member: MemberId| self.away.contains_key(&member);
        let entries = if mask.starts_with('#') {
            let room = naming::room_name(mask).ok().and_then(|name| {
                let id = self
                    .rooms
                    .find(&name)
                    .filter(|&id| self.rooms.in_use_id(id))?;
                self.rooms.get(id)
            });
            let each = room.into_iter().flat_map(|r| {
                r.members.members().map(|(member, name)| WhoEntry {
                    room: Some(r.name.clone()),
                    name: name.into(),
                    away: away(member),
                    operator: self.is_operator(member),
                })
            });
            each.collect()
        } else if mask.contains(['*', '?']) {
            let mut each: Vec<WhoEntry> = (self.names.iter())
                .filter(|(name, _)| wildcard_matches(mask, name.text()))
                .map(|(name, &member)| WhoEntry {
                    room: self.room_of(member).map(|r| r.name.clone()),
                    name: name.text().into(),
                    away: away(member),
                    operator: self.is_operator(member),
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
                operator: self.is_operator(member),
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
                .saturating_duration_since(c.login_until - self.login_timeout);
            now.wall.checked_sub(since).unwrap_or(now.wall)
        });
        let info = WhoisInfo {
            name,
            rooms: self.member_rooms(member),
            idle,
            signon,
            away: self.away.get(&member).cloned(),
            secure: theirs.is_some_and(|c| c.secure),
            operator: self.is_operator(member),
        };
        self.reply_to(local, now, Reply::Whois(info));
    }
}

/// Whether `name` matches `mask`, ignoring ASCII case: `*` stands for any
/// run of characters, `?` for one. Greedy with one backtrack point (the
/// last `*`), so linear-ish and never recursive on client input.
pub(super) fn wildcard_matches(mask: &str, name: &str) -> bool {
    let (mask, name): (Vec<char>, Vec<char>) = (mask.chars().collect(), name.chars().collect());
    let same = |m: char, n: char| m == '?' || m.eq_ignore_ascii_case(&n);
    let (mut m, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if m < mask.len() && mask[m] == '*' {
            star = Some((m, n));
            m += 1;
        } else if m < mask.len() && same(mask[m], name[n]) {
            m += 1;
            n += 1;
        } else if let Some((star_m, star_n)) = star {
            // The last `*` takes one more character.
            star = Some((star_m, star_n + 1));
            m = star_m + 1;
            n = star_n + 1;
        } else {
            return false;
        }
    }
    mask[m..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::wildcard_matches;

    #[test]
    fn masks_match_with_stars_and_question_marks_ignoring_case() {
        assert!(wildcard_matches("*", "coolNick"));
        assert!(wildcard_matches("coolni*", "coolNick"));
        assert!(wildcard_matches("c*l?ick", "coolNick"));
        assert!(wildcard_matches("*NICK", "coolNick"));
        assert!(wildcard_matches("a*b*c", "axxbyyc"));
        assert!(!wildcard_matches("eva*", "shivaram"));
        assert!(!wildcard_matches("c?", "c"));
        assert!(!wildcard_matches("a*b", "ab c"));
        assert!(!wildcard_matches("", "a"));
    }
}

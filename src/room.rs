//! The one room: who is in it, their names, and every line the server sends,
//! each rendered once into [`Bytes`] that all recipients share.
//!
//! The room knows members only by their slab key; it never touches sockets
//! or buffers. The server asks it for the fan-out list and pushes the shared
//! `Bytes` into each member's queue.

use bytes::Bytes;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Names listed by the welcome line and `/who` before "and N more".
const LISTED_NAMES: usize = 20;

/// One chatting user.
#[derive(Debug)]
struct Member {
    /// The name as the user typed it.
    name: Box<str>,
    /// Position in `Room::members`, for O(1) removal.
    index: usize,
    /// When the user last sent something, for `/who`.
    last_active: Instant,
}

/// The chatting users and how lines for them are rendered.
#[derive(Debug, Default)]
pub struct Room {
    /// Keys of chatting connections in no particular order: the fan-out list,
    /// kept dense so a broadcast walks one contiguous array.
    members: Vec<usize>,
    /// Member details by slab key (slab keys are dense, so this is a table).
    by_key: Vec<Option<Member>>,
    /// Lower-cased name to key: uniqueness ignoring case, `/msg` lookup and a
    /// sorted listing.
    by_name: BTreeMap<Box<str>, usize>,
    /// Prefix every rendered line with `[HH:MM:SS] ` (UTC).
    timestamps: bool,
}

impl Room {
    /// An empty room; `timestamps` prefixes every rendered line with the time.
    pub fn new(timestamps: bool) -> Room {
        Room {
            timestamps,
            ..Room::default()
        }
    }

    /// Keys of every chatting user.
    pub fn members(&self) -> &[usize] {
        &self.members
    }

    /// Number of chatting users.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether nobody is chatting.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Whether `name` is in use, ignoring ASCII case.
    pub fn is_taken(&self, name: &str) -> bool {
        self.key_of(name).is_some()
    }

    /// The key of the user called `name` (ignoring ASCII case).
    pub fn key_of(&self, name: &str) -> Option<usize> {
        self.by_name
            .get(name.to_ascii_lowercase().as_str())
            .copied()
    }

    /// The name of the chatting user at `key`.
    pub fn name_of(&self, key: usize) -> Option<&str> {
        self.member(key).map(|m| &*m.name)
    }

    /// Adds a user; the caller has checked that the name is free.
    pub fn join(&mut self, key: usize, name: &str, now: Instant) {
        if self.by_key.len() <= key {
            self.by_key.resize_with(key + 1, || None);
        }
        self.by_key[key] = Some(Member {
            name: name.into(),
            index: self.members.len(),
            last_active: now,
        });
        self.members.push(key);
        self.by_name.insert(name.to_ascii_lowercase().into(), key);
    }

    /// Removes a user and returns their name, or `None` if not a member.
    pub fn leave(&mut self, key: usize) -> Option<Box<str>> {
        let member = self.by_key.get_mut(key)?.take()?;
        self.members.swap_remove(member.index);
        if let Some(&moved) = self.members.get(member.index)
            && let Some(Some(m)) = self.by_key.get_mut(moved)
        {
            m.index = member.index;
        }
        self.by_name
            .remove(member.name.to_ascii_lowercase().as_str());
        Some(member.name)
    }

    /// Renames a member; the caller has checked that `new` is free (or the
    /// same name in another case). Returns the old name.
    pub fn rename(&mut self, key: usize, new: &str) -> Option<Box<str>> {
        let member = self.by_key.get_mut(key)?.as_mut()?;
        let old = std::mem::replace(&mut member.name, new.into());
        self.by_name.remove(old.to_ascii_lowercase().as_str());
        self.by_name.insert(new.to_ascii_lowercase().into(), key);
        Some(old)
    }

    /// Records that the member at `key` just sent something.
    pub fn touch(&mut self, key: usize, now: Instant) {
        if let Some(Some(m)) = self.by_key.get_mut(key) {
            m.last_active = now;
        }
    }

    /// When the member at `key` last sent something.
    pub fn last_active(&self, key: usize) -> Option<Instant> {
        self.member(key).map(|m| m.last_active)
    }

    fn member(&self, key: usize) -> Option<&Member> {
        self.by_key.get(key)?.as_ref()
    }

    /// `<k> online: a, b, c` with at most 20 names, sorted ignoring case, then
    /// `and <n> more`. With `idle_at`, each name carries its idle time.
    pub fn online_list(&self, idle_at: Option<Instant>) -> String {
        let mut out = format!("{} online: ", self.len());
        for (i, &key) in self.by_name.values().take(LISTED_NAMES).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if let Some(m) = self.member(key) {
                out.push_str(&m.name);
                if let Some(now) = idle_at {
                    let _ = write!(out, " (idle {})", short_duration(now - m.last_active));
                }
            }
        }
        if self.len() > LISTED_NAMES {
            let _ = write!(out, " and {} more", self.len() - LISTED_NAMES);
        }
        out
    }

    /// Renders one line for the wire: the optional timestamp, `parts`
    /// concatenated, then CRLF. Built once; every recipient shares it.
    pub fn line(&self, parts: &[&str]) -> Bytes {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let mut buf = Vec::with_capacity(len + 2 + if self.timestamps { 11 } else { 0 });
        self.push_line(&mut buf, parts);
        Bytes::from(buf)
    }

    /// Appends one rendered line to `buf`, as [`line`](Self::line) renders it,
    /// so several lines can share one buffer.
    pub fn push_line(&self, buf: &mut Vec<u8>, parts: &[&str]) {
        if self.timestamps {
            push_timestamp(buf, SystemTime::now());
        }
        for part in parts {
            buf.extend_from_slice(part.as_bytes());
        }
        buf.extend_from_slice(b"\r\n");
    }

    /// A server notice: `*** <parts>` as one line.
    pub fn notice(&self, parts: &[&str]) -> Bytes {
        let mut all = Vec::with_capacity(parts.len() + 1);
        all.push("*** ");
        all.extend_from_slice(parts);
        self.line(&all)
    }
}

/// Appends `[HH:MM:SS] ` for `at` in UTC.
fn push_timestamp(buf: &mut Vec<u8>, at: SystemTime) {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let digits = |n: u64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    buf.push(b'[');
    buf.extend_from_slice(&digits(h));
    buf.push(b':');
    buf.extend_from_slice(&digits(m));
    buf.push(b':');
    buf.extend_from_slice(&digits(s));
    buf.extend_from_slice(b"] ");
}

/// `12s`, `3m`, `5h`, `2d`: the largest whole unit.
fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86_400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_ignoring_case() {
        let now = Instant::now();
        let mut room = Room::new(false);
        room.join(3, "Alice", now);
        assert!(room.is_taken("alice"));
        assert!(room.is_taken("ALICE"));
        assert_eq!(room.key_of("aLiCe"), Some(3));
        assert!(!room.is_taken("bob"));
    }

    #[test]
    fn leaving_keeps_the_fan_out_list_consistent() {
        let now = Instant::now();
        let mut room = Room::new(false);
        for (key, name) in [(1, "a"), (5, "b"), (9, "c")] {
            room.join(key, name, now);
        }
        assert_eq!(room.leave(1).as_deref(), Some("a"));
        assert_eq!(room.leave(1), None);
        let mut keys = room.members().to_vec();
        keys.sort();
        assert_eq!(keys, [5, 9]);
        assert_eq!(room.leave(9).as_deref(), Some("c"));
        assert_eq!(room.members(), [5]);
        assert!(!room.is_taken("a"));
    }

    #[test]
    fn online_list_is_sorted_and_capped() {
        let now = Instant::now();
        let mut room = Room::new(false);
        room.join(0, "bob", now);
        room.join(1, "Alice", now);
        assert_eq!(room.online_list(None), "2 online: Alice, bob");
        for i in 0..25 {
            room.join(10 + i, &format!("u{i:02}"), now);
        }
        let list = room.online_list(None);
        assert!(list.starts_with("27 online: Alice, bob, u00, "), "{list}");
        assert!(list.ends_with("u17 and 7 more"), "{list}");
    }

    #[test]
    fn rename_moves_the_name() {
        let now = Instant::now();
        let mut room = Room::new(false);
        room.join(0, "bob", now);
        assert_eq!(room.rename(0, "Rob").as_deref(), Some("bob"));
        assert!(!room.is_taken("bob"));
        assert_eq!(room.name_of(0), Some("Rob"));
    }

    #[test]
    fn lines_are_rendered_with_crlf_and_optional_timestamp() {
        let room = Room::new(false);
        assert_eq!(&room.line(&["a", ": ", "hi"])[..], b"a: hi\r\n");
        assert_eq!(&room.notice(&["x has joined"])[..], b"*** x has joined\r\n");
        let mut buf = Vec::new();
        push_timestamp(&mut buf, UNIX_EPOCH + Duration::from_secs(86_400 + 3723));
        assert_eq!(buf, b"[01:02:03] ");
        let stamped = Room::new(true).line(&["x"]);
        assert_eq!(stamped.len(), 11 + 3);
        assert_eq!(stamped[0], b'[');
    }

    #[test]
    fn idle_times_use_the_largest_unit() {
        assert_eq!(short_duration(Duration::from_secs(5)), "5s");
        assert_eq!(short_duration(Duration::from_secs(185)), "3m");
        assert_eq!(short_duration(Duration::from_secs(7300)), "2h");
        assert_eq!(short_duration(Duration::from_secs(200_000)), "2d");
    }
}

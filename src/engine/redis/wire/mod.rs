//! Room events as stream entries, and back. Pure: no link, no socket.
//!
//! An entry carries the structured event: who, where, what kind, the
//! cleaned text and the wall time; never bytes rendered for a socket, so
//! every node renders other nodes' events with its own dialects and
//! timestamp choice. Every entry is `v 2 node <id> seq <n> kind <kind>
//! member <id> at <ms>` (`seq` numbers a node's entries, so a reader can
//! keep one node's entries in order across streams; `at` is the sender's
//! wall clock, ms since 1970) and then, by kind (rooms go by name, since a
//! `RoomId` means nothing on another node; ids and counts are decimal):
//!
//! | kind | fields |
//! | --- | --- |
//! | `joined` | `room`, `name` |
//! | `moved` | `room` (left), `to` (entered), `name` |
//! | `said` | `room`, `name` (the sender's), `kinds` (one letter per line: `s` said, `a` an action, `n` a notice, `c` a CTCP query, `r` a CTCP reply, `t` a TAGMSG's client tags, `g` the client tags of the line after it), `text` (the lines, `\n` between them), `count` (in the room's own stream: its lines that are history, not `c`, `r`, `t` or `g`), `id` (the turn's id, its lines' msgid: see `chat/msgid.rs`; absent in older entries) |
//! | `topic` | `room`, `topic` (absent: cleared) |
//! | `renamed` | `room` (the member's first, empty for none), `old`, `new`: in every room of the member |
//! | `left` | `room` (the member's first, empty for none), `name`, `why`: from every room of the member |
//! | `private` | `to` (member id), `name` (the sender's), `text`, `how` (absent: said; else a letter as in `kinds`), `id` (its msgid's id, as a turn's; absent in older entries), `tags` (client-only tags for IRC readers, escaped; absent: none) |
//! | `parted` | `room`, `name`, `reason` (absent: none): left one room, still online |
//! | `away` | `text` (absent: back) |
//! | `realname` | `text`: the member's new real name (IRC's SETNAME) |
//! | `online` | `name`: logged in, in no room yet (an IRC client) |
//! | `unread` | `to` (member id of the sender of a private message `member` was too far behind to be sent) |
//! | `admin` | `name` (the server operator's), `act` (`kill`, `announce`, `wallops`, or `raised`/`lowered`: the member is an operator now, or not), `text` (the reason or the text), `to` (a kill's member id) |
//!
//! An entry `v 2 node <id> seq <n> kind sync` (no member) says that node
//! has just written its listing of members again (see `store.rs`): the
//! others read it and correct their view of that node's members.
//!
//! An entry `v 2 node <id> seq <n> kind displaced member <id>` says that
//! node took the member's name with its password (a registered user
//! logged in again): the member's own node closes it, the others forget it.
//!
//! # Versions
//!
//! `v` says how to read the rest. An entry without it is version 1, the
//! wire before this one (`v1.rs`): it is read for one release, and this
//! release also writes version 1's `lines`/`line` fields in its entries,
//! so old and new nodes chat both ways through a rolling update. An entry
//! of any other version is skipped and counted
//! (`linechat_redis_unknown_version_total`), never applied and never a
//! crash: a node is never stopped by an entry from a newer one.

mod decode;
mod encode;
mod modes;
mod v1;

pub(super) use decode::{decode, history_lines};
pub(super) use encode::encode;

use crate::chat::{Farewell, MemberId, RoomEvent, RoomNames};
use crate::redis::BytesFrame;
use bytes::Bytes;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The version this node writes.
pub(super) const VERSION: &[u8] = b"2";

/// Why an entry of a version this node cannot read is skipped.
pub(super) const UNKNOWN_VERSION: &str = "unknown version";

/// The longest field accepted from the stream, and the most an entry this
/// node writes holds in all. A `Said` holds one sender's turn: at most 64
/// lines of `--max-line` (1024 by default) each, about 68 KiB (twice that
/// with version 1's copy); anything larger is a mistake or an attack.
pub(super) const MAX_FIELD: usize = 256 * 1024;

/// Most fields (names and values) in one entry we read.
pub(super) const MAX_FIELDS: usize = 32;

/// One entry's fields, looked up by name.
pub(super) struct Fields<'a>(&'a [BytesFrame]);

impl Fields<'_> {
    pub(super) fn bytes(&self, name: &str) -> Option<&Bytes> {
        self.0.chunks_exact(2).find_map(|pair| match pair {
            [BytesFrame::BulkString(k), BytesFrame::BulkString(v)] if k == name.as_bytes() => {
                Some(v)
            }
            _ => None,
        })
    }

    pub(super) fn text(&self, name: &str) -> Result<&str, &'static str> {
        let bytes = self.bytes(name).ok_or("a field is missing")?;
        std::str::from_utf8(bytes).map_err(|_| "a field is not UTF-8")
    }

    pub(super) fn number(&self, name: &str) -> Result<u64, &'static str> {
        self.text(name)?
            .parse()
            .map_err(|_| "a number is malformed")
    }

    /// The entry's version: 1 without `v`; an error for one this node
    /// cannot read.
    pub(super) fn version(&self) -> Result<u8, &'static str> {
        match self.bytes("v").map(|v| &v[..]) {
            None => Ok(1),
            Some(VERSION) => Ok(2),
            Some(_) => Err(UNKNOWN_VERSION),
        }
    }

    /// The sender's wall time (`at`), if the entry has it.
    pub(super) fn at(&self) -> Option<SystemTime> {
        let ms = self.number("at").ok()?;
        UNIX_EPOCH.checked_add(Duration::from_millis(ms))
    }
}

/// One entry of the stream, read back.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Entry {
    /// A room event of another node, its rooms by name (its `RoomId`s
    /// are placeholders the core resolves from the names).
    Event(RoomEvent, RoomNames),
    /// Another node wrote its listing again.
    Sync(u16),
    /// Another node took this member's name with its password.
    Displaced(MemberId),
}

/// The fields of a `displaced` entry: `node` took `member`'s name.
pub(super) fn displaced(node: u16, seq: u64, member: MemberId) -> [Bytes; 10] {
    [
        Bytes::from_static(b"v"),
        Bytes::from_static(VERSION),
        Bytes::from_static(b"node"),
        Bytes::from(node.to_string()),
        Bytes::from_static(b"seq"),
        Bytes::from(seq.to_string()),
        Bytes::from_static(b"kind"),
        Bytes::from_static(b"displaced"),
        Bytes::from_static(b"member"),
        Bytes::from(member.0.to_string()),
    ]
}

/// The fields of a `sync` entry for `node`.
pub(super) fn sync(node: u16, seq: u64) -> [Bytes; 8] {
    [
        Bytes::from_static(b"v"),
        Bytes::from_static(VERSION),
        Bytes::from_static(b"node"),
        Bytes::from(node.to_string()),
        Bytes::from_static(b"seq"),
        Bytes::from(seq.to_string()),
        Bytes::from_static(b"kind"),
        Bytes::from_static(b"sync"),
    ]
}

/// The node and number of an entry, if it has them.
pub(super) fn origin(fields: &[BytesFrame]) -> Option<(u16, u64)> {
    let f = Fields(fields);
    let node = u16::try_from(f.number("node").ok()?).ok()?;
    Some((node, f.number("seq").unwrap_or(0)))
}

/// The farewell `describe` gave; an unknown word is a plain close.
pub(super) fn farewell(word: &str) -> Farewell {
    use Farewell::*;
    [
        Quit,
        Eof,
        Error,
        TooSlow,
        LoginTimeout,
        IdleTimeout,
        Shutdown,
        NodeLost,
        NameLost,
        LoggedInElsewhere,
        Killed,
    ]
    .into_iter()
    .find(|f| f.describe() == word)
    .unwrap_or(Eof)
}

#[cfg(test)]
mod tests;

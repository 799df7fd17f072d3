//! IRCv3 `draft/chathistory` at the edge: `CHATHISTORY LATEST|BEFORE|
//! AFTER|BETWEEN target ref [ref] limit`, asked of the core as
//! [`Request::History`], which reads the same history as telnet's
//! `/history` (the memory engine's ring, or the room's Redis stream) with
//! the same budget; the answer is one `chathistory` batch. References are
//! `timestamp=` (server-time's format), `msgid=` (see `chat/msgid.rs`) or
//! `*` (LATEST only). AROUND and TARGETS, and history of private messages
//! (linechat keeps none), are refused with FAIL.

use super::super::Server;
use crate::chat::{HistoryAsk, HistoryLine, Mark, Request};
use crate::dialect::irc::{Style, history_batch, history_batch_len};
use crate::irc::cap::Cap;
use crate::irc::{Message, OwnedMessage, casemap, server_time};
use std::sync::atomic::{AtomicU64, Ordering};

/// Why a CHATHISTORY is refused: the FAIL code and its text.
type Refusal = (&'static str, &'static str);

const BAD_PARAMS: Refusal = ("INVALID_PARAMS", "Invalid parameters");

/// A reference: `*` (None), `timestamp=`, or `msgid=`.
fn reference(text: &str) -> Result<Option<Mark>, Refusal> {
    if text == "*" {
        return Ok(None);
    }
    let mark = match text.split_once('=') {
        Some(("timestamp", time)) => server_time::parse(time).map(Mark::At),
        Some(("msgid", id)) => crate::chat::msgid::parse(id).map(|(id, i)| Mark::Line(id, i)),
        _ => None,
    };
    mark.map(Some)
        .ok_or(("INVALID_PARAMS", "Invalid message reference"))
}

/// A mark's place in time, to order BETWEEN's two ends.
fn order(mark: Mark) -> (std::time::SystemTime, u64, u32) {
    match mark {
        Mark::At(at) => (at, 0, 0),
        Mark::Line(id, index) => (mark.time(), id, index),
    }
}

/// The request `params` (after the subcommand's name `sub`, upper-cased)
/// make: its target and what it asks, `count` at most `max`.
fn parse<'a>(sub: &str, params: &[&'a str], max: usize) -> Result<(&'a str, HistoryAsk), Refusal> {
    let refs = match sub {
        "LATEST" | "BEFORE" | "AFTER" => 1,
        "BETWEEN" => 2,
        "AROUND" | "TARGETS" => return Err(("INVALID_PARAMS", "Not supported")),
        _ => return Err(("INVALID_PARAMS", "Unknown subcommand")),
    };
    let [target, rest @ ..] = params else {
        return Err(BAD_PARAMS);
    };
    let (refs_given, limit) = match rest {
        [refs_given @ .., limit] if refs_given.len() == refs => (refs_given, limit),
        _ => return Err(BAD_PARAMS),
    };
    let count = match limit.parse::<usize>() {
        Ok(n) if n > 0 => n.min(max),
        _ => return Err(("INVALID_PARAMS", "Invalid limit")),
    };
    let first = reference(refs_given[0])?;
    let mut ask = HistoryAsk {
        batch: true,
        ..HistoryAsk::latest(count)
    };
    match (sub, first) {
        ("LATEST", mark) => ask.after = mark,
        (_, None) => return Err(("INVALID_PARAMS", "Invalid message reference")),
        ("BEFORE", mark) => ask.before = mark,
        ("AFTER", mark) => (ask.after, ask.oldest) = (mark, true),
        (_, Some(one)) => {
            let Some(other) = reference(refs_given[1])? else {
                return Err(("INVALID_PARAMS", "Invalid message reference"));
            };
            let ascending = order(one) <= order(other);
            (ask.after, ask.before, ask.oldest) = match ascending {
                true => (Some(one), Some(other), true),
                false => (Some(other), Some(one), false),
            };
        }
    }
    Ok((target, ask))
}

/// Batch ids: unique among a connection's open batches, which are never
/// more than one (an answer is written whole).
static BATCHES: AtomicU64 = AtomicU64::new(1);

impl Server {
    /// `CHATHISTORY` from a registered client.
    pub(super) fn irc_chathistory(&mut self, key: usize, message: &Message) {
        let sub = message.param(0).unwrap_or("").to_ascii_uppercase();
        let params = message.params().get(1..).unwrap_or(&[]);
        let max = self.config.history;
        let refused = match parse(&sub, params, max) {
            Ok((target, ask)) if self.irc_is_in(key, target) => {
                return self.irc_request(key, Request::History { room: target, ask });
            }
            Ok(_) => ("INVALID_TARGET", "Messages could not be retrieved"),
            Err(refusal) => refusal,
        };
        let target = params.first().copied().unwrap_or("*");
        let (code, text) = refused;
        let server = self.dialects.irc_server();
        let fail = OwnedMessage::new(server, "FAIL", &["CHATHISTORY", code, &sub, target, text]);
        self.irc_send(key, &[fail]);
    }

    /// Whether the connection at `key` is in the channel `target`.
    fn irc_is_in(&self, key: usize, target: &str) -> bool {
        target.starts_with('#')
            && (self.chat.rooms_of(key).iter()).any(|room| casemap::same(room, target))
    }

    /// A CHATHISTORY answer for the IRC connection at `key`, if it fits
    /// what [`reply_room`](Self::reply_room) allows (priced before it is
    /// built); else an empty batch.
    pub(in crate::server) fn send_history_batch(
        &mut self,
        key: usize,
        room: &str,
        lines: &[HistoryLine],
    ) {
        let Some(session) = self.irc_session(key) else {
            return;
        };
        let style = Style {
            time: session.has(Cap::ServerTime),
            tags: session.has(Cap::MessageTags),
            away: false,
            setname: false,
        };
        let id = (session.has(Cap::Batch)).then(|| BATCHES.fetch_add(1, Ordering::Relaxed));
        let id = id.map(|id| format!("h{id}"));
        let fits = history_batch_len(lines) <= self.reply_room(key);
        if !fits {
            self.metrics.replies_refused += 1;
        }
        let lines = if fits { lines } else { &[] };
        let server = self.dialects.irc_server();
        let now = self.now.wall;
        let bytes = history_batch(lines, (room, id.as_deref()), style, server, now);
        self.send(key, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn subcommands_make_windows() {
        let (target, ask) = parse("LATEST", &["#r", "*", "500"], 100).unwrap();
        assert_eq!(
            (target, ask.count, ask.after, ask.before),
            ("#r", 100, None, None)
        );
        assert!(ask.batch && !ask.oldest);
        let t = |s| Mark::At(UNIX_EPOCH + Duration::from_secs(s));
        let ask = parse(
            "BEFORE",
            &["#r", "timestamp=1970-01-01T00:00:10.000Z", "5"],
            100,
        );
        assert_eq!(ask.unwrap().1.before, Some(t(10)));
        let (_, ask) = parse("AFTER", &["#r", "msgid=a-1", "5"], 100).unwrap();
        assert_eq!((ask.after, ask.oldest), (Some(Mark::Line(10, 1)), true));
        let between = [
            "#r",
            "timestamp=1970-01-01T00:00:20Z",
            "timestamp=1970-01-01T00:00:10Z",
            "5",
        ];
        let (_, ask) = parse("BETWEEN", &between, 100).unwrap();
        assert_eq!(
            (ask.after, ask.before, ask.oldest),
            (Some(t(10)), Some(t(20)), false)
        );
    }

    #[test]
    fn bad_requests_are_refused() {
        for (sub, params) in [
            ("BEFORE", &["#r", "*", "5"][..]),
            ("LATEST", &["#r", "*", "0"]),
            ("LATEST", &["#r", "*", "x"]),
            ("LATEST", &["#r", "*"]),
            ("LATEST", &["#r", "msgid=zz", "5"]),
            ("AROUND", &["#r", "*", "5"]),
            ("TARGETS", &["*", "*", "5"]),
            ("NOPE", &["#r", "*", "5"]),
        ] {
            assert!(parse(sub, params, 100).is_err(), "{sub} {params:?}");
        }
    }
}

//! Version 1 of the wire (before `v` existed): chat lines and private
//! messages as the telnet dialect renders them, without stamps. Nodes of
//! this release still read it, from nodes not yet updated, and still
//! write its `lines` and `line` fields beside version 2's, so nodes not
//! yet updated read this release's entries too: a rolling update keeps
//! chatting both ways. The next release drops both.

use crate::chat::{Message, Turn};
use crate::dialect::Dialect;
use crate::dialect::telnet::{Telnet, parse};
use crate::framing::clean;
use bytes::Bytes;
use std::time::SystemTime;

/// The rendering version 1 carries: telnet lines without stamps.
const WIRE_TELNET: Telnet = Telnet::new(false);

/// A turn's `lines` field, as version 1 readers expect it.
pub(super) fn said_lines(turn: &std::sync::Arc<Turn>) -> Bytes {
    WIRE_TELNET.render(&Message::Said(turn.clone()), turn.at)
}

/// A private message's `line` field, as version 1 readers expect it.
pub(super) fn private_line(name: &str, text: &str, at: SystemTime) -> Bytes {
    let line = Message::Private {
        from: name.into(),
        kind: crate::chat::LineKind::Say,
        text: text.into(),
        tags: Default::default(),
    };
    WIRE_TELNET.render(&line, at)
}

/// Rendered lines from another node, cleaned as lines from a socket are:
/// each line between CRLFs goes through [`clean`], empty ones are
/// dropped.
pub(super) fn clean_lines(raw: &[u8]) -> Vec<String> {
    let mut lines = Vec::new();
    for part in raw.split(|&b| b == b'\n') {
        let part = part.strip_suffix(b"\r").unwrap_or(part);
        let mut line = String::new();
        clean(part, &mut line);
        if !line.trim().is_empty() {
            lines.push(line);
        }
    }
    lines
}

/// A `said` entry's lines read back into a turn said at `at`: its first
/// chat line names the sender; a line of anyone else, or no chat line at
/// all, is dropped. `None` if no line is left.
pub(super) fn turn_of(raw: &[u8], at: SystemTime) -> Option<Turn> {
    let mut turn: Option<Turn> = None;
    for line in clean_lines(raw) {
        let Some((name, kind, text)) = parse::said(&line) else {
            continue;
        };
        let turn = turn.get_or_insert_with(|| Turn::new(name, at));
        if *turn.name == *name {
            turn.push(kind, text);
        }
    }
    turn
}

/// A `private` entry's one line read back into the sender's name and text.
pub(super) fn private_of(raw: &[u8]) -> Result<(Box<str>, Box<str>), &'static str> {
    let lines = clean_lines(raw);
    let [line] = &lines[..] else {
        return Err("not one line");
    };
    let (name, text) = parse::private(line).ok_or("not a private message")?;
    Ok((name.into(), text.into()))
}

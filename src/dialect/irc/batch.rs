//! A CHATHISTORY answer as IRC lines: one `chathistory` batch naming the
//! room, each line with the time it was said and, for a reader with
//! `message-tags`, the msgid it had when it was first sent.

use super::{Lines, Style};
use crate::chat::HistoryLine;
use crate::irc::session::mask;
use bytes::Bytes;
use std::time::SystemTime;

/// `lines` of `room` for one reader of `style`, inside `BATCH +id
/// chathistory room` ... `BATCH -id` (stamped `now`) when `batch` names an
/// id (the reader has the `batch` capability), bare otherwise.
pub fn history_batch(
    lines: &[HistoryLine],
    (room, batch): (&str, Option<&str>),
    style: Style,
    server: &str,
    now: SystemTime,
) -> Bytes {
    let mut buf = Vec::with_capacity(history_batch_len(lines));
    let mut out = Lines::new(&mut buf, style.time, server);
    if let Some(id) = batch {
        let start = format!("+{id}");
        out.line(now, Some(server), "BATCH", &[&start, "chathistory", room]);
    }
    for line in lines {
        let (kind, text) = line.line();
        let msgid = crate::chat::msgid::format(line.turn.id, line.index);
        let mut tags = Vec::with_capacity(2);
        tags.extend(batch.map(|id| ("batch", id)));
        if style.tags {
            tags.push(("msgid", &*msgid));
        }
        let from = mask(&line.turn.name);
        out.text_tagged(line.turn.at, &tags, Some(&from), room, kind, text);
    }
    if let Some(id) = batch {
        let end = format!("-{id}");
        out.line(now, Some(server), "BATCH", &[&end]);
    }
    Bytes::from(buf)
}

/// An upper bound of [`history_batch`]'s length, to price an answer
/// before it is built: each line's text, with room for the tags, prefix
/// and command of every 512 bytes, and the two BATCH lines.
pub fn history_batch_len(lines: &[HistoryLine]) -> usize {
    200 + lines
        .iter()
        .map(|l| l.line().1.len() * 2 + 700)
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{LineKind, Turn};
    use std::sync::Arc;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn a_batch_names_the_room_and_keeps_each_line_s_time_and_msgid() {
        let mut turn = Turn::new("ann", UNIX_EPOCH + Duration::from_millis(1_500));
        turn.push(LineKind::Say, "hi");
        turn.push(LineKind::Act, "waves");
        turn.id = 0x10;
        let turn = Arc::new(turn);
        let lines: Vec<HistoryLine> = (0..2)
            .map(|index| HistoryLine {
                turn: turn.clone(),
                index,
            })
            .collect();
        let style = Style {
            time: true,
            tags: true,
            away: false,
            setname: false,
        };
        let got = history_batch(&lines, ("#r", Some("7")), style, "srv", UNIX_EPOCH);
        let got = String::from_utf8(got.to_vec()).unwrap();
        let got: Vec<&str> = got.split("\r\n").collect();
        assert_eq!(
            got[0],
            "@time=1970-01-01T00:00:00.000Z :srv BATCH +7 chathistory #r"
        );
        assert_eq!(
            got[1],
            "@time=1970-01-01T00:00:01.500Z;batch=7;msgid=10-0 :ann!ann@linechat PRIVMSG #r hi"
        );
        assert_eq!(
            got[2],
            "@time=1970-01-01T00:00:01.500Z;batch=7;msgid=10-1 :ann!ann@linechat PRIVMSG #r :\u{1}ACTION waves\u{1}"
        );
        assert_eq!(got[3], "@time=1970-01-01T00:00:00.000Z :srv BATCH -7");
        assert!(got[1..3].iter().map(|l| l.len()).sum::<usize>() < history_batch_len(&lines));
        let bare = history_batch(&lines, ("#r", None), Style::default(), "srv", UNIX_EPOCH);
        assert!(bare.starts_with(b":ann!ann@linechat PRIVMSG #r hi\r\n"));
    }
}

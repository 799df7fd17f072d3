//! Writing IRC lines for readers: the `time` tag when the reader asked
//! for `server-time`, and text cut into as many lines as 512 bytes need.

use crate::chat::LineKind;
use crate::irc::{ctcp, render, server_time};
use std::time::SystemTime;

/// Lines appended to one buffer.
#[derive(Debug)]
pub struct Lines<'a> {
    buf: &'a mut Vec<u8>,
    /// Whether each line carries `@time=`.
    tagged: bool,
    /// The server's name (`--irc-server-name`), the prefix of its own lines.
    pub server: &'a str,
}

impl<'a> Lines<'a> {
    /// Lines into `buf`, with the `time` tag if `tagged`, from `server`.
    pub fn new(buf: &'a mut Vec<u8>, tagged: bool, server: &'a str) -> Lines<'a> {
        Lines {
            buf,
            tagged,
            server,
        }
    }

    /// One line said at `at`. A line that cannot be written (a parameter
    /// with a space before the last: never from the core's names) is
    /// skipped rather than sent broken.
    pub fn line(&mut self, at: SystemTime, prefix: Option<&str>, command: &str, params: &[&str]) {
        self.tagged_line(at, &[], prefix, command, params);
    }

    /// [`line`](Self::line) with `extra` tags after the `time` tag
    /// (`msgid`, a TAGMSG's client tags), values unescaped.
    pub fn tagged_line(
        &mut self,
        at: SystemTime,
        extra: &[(&str, &str)],
        prefix: Option<&str>,
        command: &str,
        params: &[&str],
    ) {
        let time;
        let mut all: Vec<(&str, &str)>;
        let tags: &[(&str, &str)] = match (self.tagged, extra.is_empty()) {
            (false, _) => extra,
            (true, true) => {
                time = server_time::format(at);
                &[("time", &time)]
            }
            (true, false) => {
                time = server_time::format(at);
                all = Vec::with_capacity(extra.len() + 1);
                all.push(("time", &time));
                all.extend_from_slice(extra);
                &all
            }
        };
        if render::write(self.buf, tags, prefix, command, params).is_err() {
            log::debug!("IRC line not rendered: {command} {params:?}");
        }
    }

    /// Text to `target`: PRIVMSG, or NOTICE for [`LineKind::Notice`], cut
    /// to fit (an action is CTCP ACTION, cut so each piece is an action of
    /// its own). Empty text is one line with an empty trailing parameter.
    pub fn text(
        &mut self,
        at: SystemTime,
        prefix: Option<&str>,
        target: &str,
        kind: LineKind,
        text: &str,
    ) {
        self.text_tagged(at, &[], prefix, target, kind, text);
    }

    /// [`text`](Self::text) with `first` tags (`msgid`, client tags) on
    /// its first line only (a text cut into several lines is one message).
    pub fn text_tagged(
        &mut self,
        at: SystemTime,
        first: &[(&str, &str)],
        prefix: Option<&str>,
        target: &str,
        kind: LineKind,
        text: &str,
    ) {
        let mut first = Some(first);
        let command = match kind {
            LineKind::Notice | LineKind::CtcpReply => "NOTICE",
            LineKind::Say | LineKind::Act | LineKind::Ctcp => "PRIVMSG",
            // Written by the room's rendering, which has the tags to write.
            LineKind::Tagmsg | LineKind::ClientTags => return,
        };
        let wrap = match kind {
            LineKind::Tagmsg | LineKind::ClientTags | LineKind::Say | LineKind::Notice => 0,
            LineKind::Act => "\x01ACTION \x01".len(),
            LineKind::Ctcp | LineKind::CtcpReply => "\x01\x01".len(),
        };
        let budget = render::text_budget(prefix, command, &[target]).saturating_sub(wrap);
        if text.is_empty() {
            let piece = if wrap > 0 {
                ctcp::action("")
            } else {
                String::new()
            };
            return self.tagged_line(at, first.unwrap_or(&[]), prefix, command, &[target, &piece]);
        }
        // Text an IRC line could carry is cut to fit behind the longer
        // prefix, as RFC 1459 allows, rather than sent as a second line its
        // sender never wrote; longer text (a telnet line, up to
        // `--max-line`) is split so none of it is lost.
        let text = match text.len() <= crate::irc::message::MAX_BODY {
            true => cut(text, budget.max(1)),
            false => text,
        };
        for piece in render::split_text(text, budget.max(1)) {
            let extra = first.take().unwrap_or(&[]);
            match kind {
                LineKind::Say | LineKind::Notice | LineKind::Tagmsg | LineKind::ClientTags => {
                    self.tagged_line(at, extra, prefix, command, &[target, piece])
                }
                LineKind::Act => {
                    let action = ctcp::action(piece);
                    self.tagged_line(at, extra, prefix, command, &[target, &action]);
                }
                LineKind::Ctcp | LineKind::CtcpReply => {
                    let ctcp = format!("\x01{piece}\x01");
                    self.tagged_line(at, extra, prefix, command, &[target, &ctcp]);
                }
            }
        }
    }
}

/// `text` cut to at most `max` bytes on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

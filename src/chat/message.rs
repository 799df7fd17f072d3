//! What a connection is shown, as data: chat lines, private messages,
//! prompts and notices. The core says *what*; a dialect
//! ([`crate::dialect`]) says it in a client protocol's words and bytes.

use super::notice::Notice;
use std::sync::Arc;
use std::time::SystemTime;

/// How one chat line was said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Plain chat: `name: text` in telnet.
    Say,
    /// An action (`/me`): `* name text` in telnet.
    Act,
    /// A notice from a client that speaks in requests (IRC `NOTICE`):
    /// shown as [`Say`](LineKind::Say) in telnet; never answered by bots.
    Notice,
    /// A CTCP query other than an action (IRC's `\x01VERSION\x01` in a
    /// `PRIVMSG`): the text is its body without the `\x01`s. Passed to IRC
    /// users only: telnet shows nothing of it, nor keeps it in history.
    Ctcp,
    /// A CTCP reply (in an IRC `NOTICE`), like [`Ctcp`](LineKind::Ctcp).
    CtcpReply,
    /// An IRC `TAGMSG`: the text is its client-only tags, as escaped on
    /// the wire (`+typing=active`). For IRC users with `message-tags`
    /// only: telnet shows nothing of it, nor keeps it in history.
    Tagmsg,
    /// The client-only tags (escaped, as [`Tagmsg`](LineKind::Tagmsg)'s)
    /// of the line after it in the turn, and `bot` when the sender is a
    /// bot (IRC +B): IRC readers with `message-tags` get them on that
    /// line, nobody gets this one on its own.
    ClientTags,
}

impl LineKind {
    /// Whether it is a notice (or a CTCP reply, which travels in one):
    /// nothing automatic answers it, not even a refusal (RFC 2812 3.3.2).
    pub fn is_notice(self) -> bool {
        matches!(self, LineKind::Notice | LineKind::CtcpReply)
    }

    /// Whether it is CTCP other than an action: for IRC users only.
    pub fn is_ctcp(self) -> bool {
        matches!(self, LineKind::Ctcp | LineKind::CtcpReply)
    }

    /// Whether only IRC users see it (CTCP other than an action, and
    /// TAGMSG): telnet shows nothing of it and `/history` skips it.
    pub fn irc_only(self) -> bool {
        self.is_ctcp() || matches!(self, LineKind::Tagmsg | LineKind::ClientTags)
    }
}

/// One sender's chat lines and actions of one turn, cleaned, with the wall
/// time they were said. Built once per turn and shared (an [`Arc`]) by the
/// event, the room's history and every dialect that renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turn {
    /// The sender's name when the lines were said.
    pub name: Box<str>,
    /// When they were said (one turn is one moment).
    pub at: SystemTime,
    /// Its id, the same on every node (see [`msgid`](super::msgid)); 0
    /// until the turn ends.
    pub id: u64,
    /// Every line's text, back to back.
    text: String,
    /// Each line's kind and where its text ends in `text`.
    ends: Vec<(LineKind, u32)>,
}

impl Turn {
    /// An empty turn of `name` at `at`.
    pub fn new(name: &str, at: SystemTime) -> Turn {
        Turn {
            name: name.into(),
            at,
            id: 0,
            text: String::new(),
            ends: Vec::new(),
        }
    }

    /// Adds one line (cleaned text, no line end).
    pub fn push(&mut self, kind: LineKind, text: &str) {
        self.text.push_str(text);
        self.ends.push((kind, self.text.len() as u32));
    }

    /// How many lines it holds.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether it holds no line.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Bytes of all lines' texts together (for sizing a rendering).
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// Each line, in the order said.
    pub fn lines(&self) -> impl Iterator<Item = (LineKind, &str)> {
        let mut start = 0;
        self.ends.iter().map(move |&(kind, end)| {
            let text = &self.text[start..end as usize];
            start = end as usize;
            (kind, text)
        })
    }

    /// Line `index`, if it exists.
    pub fn line(&self, index: usize) -> Option<(LineKind, &str)> {
        let &(kind, end) = self.ends.get(index)?;
        let start = index
            .checked_sub(1)
            .map_or(0, |before| self.ends[before].1 as usize);
        Some((kind, &self.text[start..end as usize]))
    }
}

/// One line of a room's history: line `index` of a shared turn (no copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryLine {
    /// The turn it was said in.
    pub turn: Arc<Turn>,
    /// Which of its lines.
    pub index: u32,
}

impl HistoryLine {
    /// The line's kind and text.
    pub fn line(&self) -> (LineKind, &str) {
        self.turn
            .line(self.index as usize)
            .unwrap_or((LineKind::Say, ""))
    }
}

/// Something one or more connections are shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The greeting, then the name prompt.
    Greeting,
    /// The name prompt (the cursor stays after it).
    NamePrompt,
    /// The password prompt (the cursor stays after it).
    PasswordPrompt,
    /// A line end alone: a prompt was left with the cursor after it.
    LineEnd,
    /// A server notice.
    Notice(Notice),
    /// Several notices, one per line, as one piece (`/help`, a welcome).
    Notices(Vec<Notice>),
    /// A turn's chat lines, as everyone but the sender sees them.
    Said(Arc<Turn>),
    /// A private message as its recipient sees it.
    Private {
        /// The sender's name.
        from: Box<str>,
        /// How it was said.
        kind: LineKind,
        /// What was said.
        text: Box<str>,
        /// Its msgid and client tags.
        tags: PrivateTags,
    },
    /// A private message as its sender sees it sent (telnet always; a
    /// client that speaks in requests only with echo on).
    PrivateEcho {
        /// The sender's own name.
        from: Box<str>,
        /// The recipient's name.
        to: Box<str>,
        /// How it was said.
        kind: LineKind,
        /// What was said.
        text: Box<str>,
        /// Its msgid and client tags.
        tags: PrivateTags,
    },
}

/// What IRC readers with `message-tags` get with a private message: its
/// msgid (from an id made as a turn's, see [`msgid`](super::msgid)) and
/// the sender's client-only tags, escaped as on the wire (empty: none).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PrivateTags {
    /// The id its msgid is made from (0: none known).
    pub id: u64,
    /// The client-only tags (`+draft/reply=...`).
    pub client: Box<str>,
}

impl From<Notice> for Message {
    fn from(notice: Notice) -> Message {
        Message::Notice(notice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_keeps_each_line_and_its_kind() {
        let mut turn = Turn::new("bob", SystemTime::UNIX_EPOCH);
        assert!(turn.is_empty());
        turn.push(LineKind::Say, "hi");
        turn.push(LineKind::Act, "waves");
        turn.push(LineKind::Say, "");
        let lines: Vec<_> = turn.lines().collect();
        assert_eq!(
            lines,
            [
                (LineKind::Say, "hi"),
                (LineKind::Act, "waves"),
                (LineKind::Say, "")
            ]
        );
        assert_eq!(turn.line(1), Some((LineKind::Act, "waves")));
        assert_eq!(turn.line(3), None);
        assert_eq!((turn.len(), turn.text_len()), (3, 7));
    }
}

//! Dialects: a client protocol's words and bytes for what the core says.
//!
//! The core hands out values ([`Message`]: chat turns, private messages,
//! prompts, [`Notice`](crate::chat::Notice)s); a dialect turns one into
//! the bytes its clients read: telnet ([`telnet`], the [`Dialect`] trait)
//! and IRC ([`irc`]: room lines shared like telnet's, replies rendered for
//! the one connection they name). A WebSocket reader reads IRC, each line
//! a message: its kind ([`Kind::WebSocket`]) frames IRC's rendering.
//!
//! A message for a room is rendered once per dialect present in the room
//! ([`FanOut`]), into one shared `Bytes` that every recipient's queue
//! clones: the fan-out costs a refcount per reader, never a rendering.
//! Timestamps are a rendering choice of the node that renders.

pub mod irc;
pub mod telnet;

use crate::chat::{HistoryLine, Message};
use bytes::Bytes;
use std::time::SystemTime;

/// A client protocol's rendering of the core's messages.
pub trait Dialect {
    /// `message`, said at `at`, as the bytes a client reads.
    fn render(&self, message: &Message, at: SystemTime) -> Bytes;

    /// A `/history` answer's lines, each with the time it was said, as
    /// one buffer.
    fn history(&self, lines: &[HistoryLine]) -> Bytes;

    /// The length [`history`](Self::history) would return, computed
    /// without building it: an answer is priced before it is built.
    fn history_len(&self, lines: &[HistoryLine]) -> usize;
}

/// Which rendering a connection reads: telnet, or IRC in the style its
/// capabilities ask for. A room line is rendered at most once per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Lines for `telnet` and `nc`.
    Telnet,
    /// IRC lines.
    Irc(irc::Style),
    /// IRC lines over a WebSocket, each line a message of this type: the
    /// IRC rendering of the same style, framed once (a server's frames
    /// are not masked, so every reader of the kind gets the same bytes).
    WebSocket(irc::Style, crate::web::Mode),
}

impl Kind {
    /// The kind whose rendering of `message` this kind shares: `away`
    /// changes only an away notice, `setname` only a real name's change
    /// and `tags` only chat lines (`msgid`, TAGMSG), so every other
    /// message is rendered once for readers with and without them.
    fn for_message(self, message: &Message) -> Kind {
        let shared = |style: irc::Style| irc::Style {
            away: style.away && is_away(message),
            setname: style.setname && is_real_name(message),
            tags: style.tags && matches!(message, Message::Said(_)),
            ..style
        };
        match self {
            Kind::Irc(style) => Kind::Irc(shared(style)),
            Kind::WebSocket(style, mode) => Kind::WebSocket(shared(style), mode),
            Kind::Telnet => Kind::Telnet,
        }
    }

    /// This kind's slot among [`KINDS`].
    fn index(self) -> usize {
        let styled = |style: irc::Style| {
            usize::from(style.time)
                + 2 * usize::from(style.away)
                + 4 * usize::from(style.tags)
                + 8 * usize::from(style.setname)
        };
        match self {
            Kind::Telnet => 0,
            Kind::Irc(style) => 1 + styled(style),
            Kind::WebSocket(style, crate::web::Mode::Text) => 17 + styled(style),
            Kind::WebSocket(style, crate::web::Mode::Binary) => 33 + styled(style),
        }
    }
}

/// Whether `message` is an away notice (for `away-notify` alone).
fn is_away(message: &Message) -> bool {
    matches!(message, Message::Notice(crate::chat::Notice::Away { .. }))
}

/// Whether `message` is a real name's change (for `setname` alone).
fn is_real_name(message: &Message) -> bool {
    matches!(
        message,
        Message::Notice(crate::chat::Notice::RealName { .. })
    )
}

/// How many [`Kind`]s there are: telnet, and IRC with or without each of
/// `time`, `away`, `tags` and `setname`, plain and over WebSocket in text
/// and in binary messages.
const KINDS: usize = 49;

/// Every dialect of this node, set up from its configuration.
#[derive(Debug)]
pub struct Dialects {
    telnet: telnet::Telnet,
    /// IRC lines without and with the `time` tag, naming the server by
    /// `--irc-server-name`.
    irc_untagged: irc::Shared,
    irc_tagged: irc::Shared,
}

impl Dialects {
    /// The dialects, with `[HH:MM:SS] ` stamps on lines if `timestamps`.
    pub fn new(timestamps: bool) -> Dialects {
        Dialects {
            telnet: telnet::Telnet::new(timestamps),
            irc_untagged: irc::Shared {
                tagged: false,
                server: crate::irc::session::SERVER,
            },
            irc_tagged: irc::Shared {
                tagged: true,
                server: crate::irc::session::SERVER,
            },
        }
    }

    /// Names the server `name` on IRC (once, at start: kept for the
    /// process's life).
    pub fn set_irc_server(&mut self, name: &str) {
        if name != self.irc_server() {
            let name: &'static str = Box::leak(name.into());
            self.irc_untagged.server = name;
            self.irc_tagged.server = name;
        }
    }

    /// The server's name on IRC.
    pub fn irc_server(&self) -> &'static str {
        self.irc_untagged.server
    }

    /// The dialect of `kind`, for messages that name no room. IRC's
    /// replies to one connection name their reader and are rendered by
    /// [`irc::render_to`] instead; its room lines by [`FanOut`].
    pub fn get(&self, kind: Kind) -> &dyn Dialect {
        // A WebSocket reader's replies are IRC's, framed by its connection.
        match kind {
            Kind::Telnet => &self.telnet,
            Kind::Irc(style) | Kind::WebSocket(style, _) if style.time => &self.irc_tagged,
            Kind::Irc(_) | Kind::WebSocket(..) => &self.irc_untagged,
        }
    }
}

/// One message on its way to many connections: rendered the first time a
/// recipient of each dialect needs it, then shared by the rest of them.
#[derive(Debug)]
pub struct FanOut<'a> {
    message: &'a Message,
    at: SystemTime,
    /// The room it is said in (IRC names it: `PRIVMSG #lobby`); none for
    /// a message about a member in every room (a rename, a quit).
    room: Option<&'a str>,
    rendered: [Option<Bytes>; KINDS],
}

impl<'a> FanOut<'a> {
    /// `message`, said at `at` in `room`, not rendered yet.
    pub fn new(message: &'a Message, at: SystemTime, room: Option<&'a str>) -> FanOut<'a> {
        FanOut {
            message,
            at,
            room,
            rendered: [const { None }; KINDS],
        }
    }

    /// The bytes for a recipient reading `kind`: a clone of the one
    /// rendering for that kind (no allocation after the first).
    pub fn bytes(&mut self, dialects: &Dialects, kind: Kind) -> Bytes {
        let (message, at, room) = (self.message, self.at, self.room);
        let kind = kind.for_message(message);
        if let Some(bytes) = &self.rendered[kind.index()] {
            return bytes.clone();
        }
        let server = dialects.irc_server();
        let bytes = match kind {
            Kind::Telnet => dialects.telnet.render(message, at),
            // An away notice reaches only readers with `away-notify`.
            Kind::Irc(style) if !style.away && is_away(message) => Bytes::new(),
            // And a real name's change only those with `setname`.
            Kind::Irc(style) if !style.setname && is_real_name(message) => Bytes::new(),
            Kind::Irc(style) => irc::render_shared(message, at, room, style, server),
            // IRC's rendering of the style (shared with IRC readers), framed.
            Kind::WebSocket(style, mode) => {
                let lines = self.bytes(dialects, Kind::Irc(style));
                crate::web::outgoing::lines(&lines, mode)
            }
        };
        self.rendered[kind.index()] = Some(bytes.clone());
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Notice;

    #[test]
    fn a_fan_out_renders_once_per_dialect() {
        let dialects = Dialects::new(false);
        let message = Message::Notice(Notice::Joined { name: "x".into() });
        let mut fan = FanOut::new(&message, SystemTime::UNIX_EPOCH, Some("#lobby"));
        let first = fan.bytes(&dialects, Kind::Telnet);
        let second = fan.bytes(&dialects, Kind::Telnet);
        assert_eq!(&first[..], b"*** x has joined\r\n");
        assert_eq!(
            first.as_ptr(),
            second.as_ptr(),
            "shared, not rendered twice"
        );
        let plain = Kind::Irc(irc::Style::default());
        let irc = fan.bytes(&dialects, plain);
        assert_eq!(&irc[..], b":x!x@linechat JOIN #lobby\r\n");
        assert_eq!(irc.as_ptr(), fan.bytes(&dialects, plain).as_ptr());
        let tags = Kind::Irc(irc::Style {
            tags: true,
            ..irc::Style::default()
        });
        assert_eq!(
            irc.as_ptr(),
            fan.bytes(&dialects, tags).as_ptr(),
            "a join has no msgid"
        );
        let time = irc::Style {
            time: true,
            ..irc::Style::default()
        };
        let timed = fan.bytes(&dialects, Kind::Irc(time));
        assert_eq!(
            &timed[..],
            b"@time=1970-01-01T00:00:00.000Z :x!x@linechat JOIN #lobby\r\n"
        );
    }

    #[test]
    fn a_real_names_change_reaches_only_setname_readers_and_is_shared() {
        let dialects = Dialects::new(false);
        let message = Message::Notice(Notice::RealName {
            name: "bar".into(),
            text: "Bar Baz".into(),
        });
        let mut fan = FanOut::new(&message, SystemTime::UNIX_EPOCH, Some("#x"));
        let setname = |away| {
            Kind::Irc(irc::Style {
                setname: true,
                away,
                ..irc::Style::default()
            })
        };
        let with = fan.bytes(&dialects, setname(false));
        assert_eq!(&with[..], b":bar!bar@linechat SETNAME :Bar Baz\r\n");
        let with_away = fan.bytes(&dialects, setname(true));
        assert_eq!(with.as_ptr(), with_away.as_ptr(), "away changes nothing");
        let without = Kind::Irc(irc::Style {
            away: true,
            ..irc::Style::default()
        });
        assert!(fan.bytes(&dialects, without).is_empty());
        assert!(fan.bytes(&dialects, Kind::Telnet).is_empty());
        let join = Message::Notice(Notice::Joined { name: "x".into() });
        let mut fan = FanOut::new(&join, SystemTime::UNIX_EPOCH, Some("#x"));
        let plain = fan.bytes(&dialects, Kind::Irc(irc::Style::default()));
        let shared = fan.bytes(&dialects, setname(false));
        assert_eq!(
            plain.as_ptr(),
            shared.as_ptr(),
            "a join is the same for both"
        );
    }
}

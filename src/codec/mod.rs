//! Codecs: what a connection's bytes mean, apart from how they travel
//! ([`crate::transport`]). A codec turns the data bytes a transport read
//! into lines, answers the protocol's own commands, and hides a password
//! being typed if its protocol can. Pure: no sockets here, so each codec
//! is tested with bytes in and lines and bytes out.
//!
//! The telnet codec ([`Telnet`]) serves telnet and raw `nc`; the IRC
//! codec ([`Irc`]) frames IRC lines like telnet's, without telnet commands
//! and with nothing to do for a password, and carries the connection's IRC
//! session. The web codec ([`crate::web::Web`]) reads an HTTP request,
//! then decodes WebSocket frames in place into the text of each message,
//! ending each with a line end, so one message is one IRC line, and
//! answers pings and closes as replies.
//!
//! Output does not pass through a codec: what the server sends is rendered
//! once per event by the client's dialect and shared by every reader. A
//! server's WebSocket frame is unmasked, so a WebSocket dialect can render
//! each event as a whole frame, and the fan-out stays one `Bytes` per event.

pub mod irc;
mod telnet;

pub use irc::Irc;
pub use telnet::Telnet;

use crate::chat::Typing;
use crate::framing::Frame;

/// What one read held, once decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// Bytes of line text at the front of the read buffer.
    pub data: usize,
    /// Protocol commands in the read (telnet negotiation): they are not
    /// lines, but cost the sender flood budget like lines.
    pub commands: u32,
}

/// A connection's codec. An enum, not a trait object: chosen once per
/// connection (by its listener), with no allocation of its own.
#[derive(Debug)]
pub enum Codec {
    /// Telnet, or raw `nc` bytes.
    Telnet(Telnet),
    /// IRC lines, and the connection's IRC session (boxed: a telnet
    /// connection pays nothing for it).
    Irc(Box<Irc>),
    /// The web listener's HTTP, then IRC over WebSocket.
    Web(Box<crate::web::Web>),
}

impl Codec {
    /// The telnet codec for a new connection.
    pub fn telnet() -> Codec {
        Codec::Telnet(Telnet::default())
    }

    /// The IRC codec for a new connection.
    pub fn irc() -> Codec {
        Codec::Irc(Box::default())
    }

    /// The web codec for a new connection of the web listener.
    pub fn web(settings: std::sync::Arc<crate::web::Settings>) -> Codec {
        Codec::Web(Box::new(crate::web::Web::new(settings)))
    }

    /// Decodes one read in place: the line text is left at the front of
    /// `buf` (see [`Decoded`]), and bytes the protocol owes the peer (telnet
    /// refusals) are appended to `replies`.
    pub fn decode(&mut self, buf: &mut [u8], replies: &mut Vec<u8>) -> Decoded {
        match self {
            Codec::Telnet(telnet) => telnet.decode(buf, replies),
            Codec::Irc(irc) => irc.decode(buf),
            Codec::Web(web) => web.decode(buf, replies),
        }
    }

    /// The next line from held input and then `input`, which is advanced
    /// past what was used; an unfinished line is kept (see
    /// [`crate::framing::LineReader::next_line`]).
    pub fn next_line(
        &mut self,
        input: &mut &[u8],
        max_line: usize,
        line: &mut String,
    ) -> Option<Frame> {
        match self {
            Codec::Telnet(telnet) => telnet.next_line(input, max_line, line),
            Codec::Irc(irc) => irc.next_line(input, line),
            Codec::Web(web) => web.next_line(input, line),
        }
    }

    /// Keeps decoded input that will be framed on a later turn.
    pub fn stash(&mut self, input: &[u8]) {
        match self {
            Codec::Telnet(telnet) => telnet.stash(input),
            Codec::Irc(irc) => irc.stash(input),
            Codec::Web(web) => web.irc.stash(input),
        }
    }

    /// Input held: an unfinished line, and lines left over.
    pub fn held(&self) -> usize {
        match self {
            Codec::Telnet(telnet) => telnet.held(),
            Codec::Irc(irc) => irc.held(),
            Codec::Web(web) => web.held(),
        }
    }

    /// The bytes that ask the client to hide (or show again) what its user
    /// types, around a password prompt; empty if there is nothing to say.
    pub fn typing(&mut self, typing: Typing) -> &'static [u8] {
        match self {
            Codec::Telnet(telnet) => telnet.typing(typing),
            Codec::Irc(_) | Codec::Web(_) => &[],
        }
    }

    /// Whether the client must now be told that its typing shows: it was
    /// asked to hide it, has not agreed, and has typed nothing since. Once
    /// only.
    pub fn take_typing_notice(&mut self) -> bool {
        match self {
            Codec::Telnet(telnet) => telnet.take_typing_notice(),
            Codec::Irc(_) | Codec::Web(_) => false,
        }
    }
}

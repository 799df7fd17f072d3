//! The web listener (`--web-addr`): the chat page, `/healthz`, and IRC
//! over WebSocket at `/ws`, in the same loop and under the same limits as
//! every other connection.
//!
//! A web connection is admitted like an IRC one (the same admission,
//! per-address limits, flood bucket, output queue and budget) and carries
//! an IRC session from the start. Its codec ([`Web`]) first reads one
//! HTTP request ([`request`]): the page, `/healthz` and every refusal are
//! answered and the connection closed once they are written; an upgrade
//! ([`handshake`]) turns it into a WebSocket, whose messages are IRC lines
//! handed to the IRC edge as the IRC port's are.
//!
//! # Why not `tungstenite::WebSocket`
//!
//! `tungstenite`'s `WebSocket` owns its stream and a write buffer per
//! connection, and frames every message it is given. Driven that way, a
//! line to a room of N browsers would be framed and copied N times. Here
//! the reactor keeps its own queue of shared `Bytes` per connection
//! ([`crate::outbound`]), so `tungstenite` is used for its parts instead:
//! [`tungstenite::handshake::derive_accept_key`] for the handshake, and
//! its [`FrameHeader`](tungstenite::protocol::frame::FrameHeader) to parse
//! the client's frames ([`frames`], in place in the loop's read buffer)
//! and to write the server's ([`outgoing`]). A server's frames are not
//! masked, so a room's line is framed once per kind of reader and the
//! same bytes go to every WebSocket reader in it, as for telnet and IRC;
//! slow readers meet `--max-outbuf` and the memory budget like any other.

pub mod frames;
pub mod handshake;
pub mod outgoing;
pub mod page;
pub mod request;

pub use outgoing::Mode;

use crate::codec::{Decoded, Irc};
use crate::framing::Frame;
pub use frames::{End, Fault};

use frames::Frames;
use request::Answer;
use std::sync::Arc;

/// The web listener's settings, shared by its connections.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--web-origin` values, lowercased: origins besides the page's own
    /// whose pages may open a socket.
    origins: Vec<Vec<u8>>,
}

impl Settings {
    /// Settings allowing the page's own origin and `origins`.
    pub fn new(origins: &[String]) -> Settings {
        let origins = origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_ascii_lowercase().into_bytes())
            .collect();
        Settings { origins }
    }

    /// Whether a page of `origin` may open a socket on a request to `host`.
    pub fn allows(&self, origin: &[u8], host: &[u8]) -> bool {
        let origin = origin.trim_ascii().to_ascii_lowercase();
        origin == handshake::origin_of("http", host)
            || origin == handshake::origin_of("https", host)
            || self.origins.contains(&origin)
    }
}

/// Why a request was refused (the `/metrics` label in parentheses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not HTTP, or a handshake without its key or `Host` (`bad_request`).
    BadRequest,
    /// A page of another origin asked for a socket (`origin`).
    Origin,
    /// Only subprotocols other than IRC's were offered (`subprotocol`).
    Subprotocol,
    /// `/ws` without `Upgrade: websocket` (`not_upgrade`).
    NotUpgrade,
    /// A WebSocket version other than 13 (`version`).
    Version,
    /// No such page (`not_found`).
    NotFound,
    /// A method other than GET or HEAD (`method`).
    Method,
    /// A request head over its cap (`too_large`).
    TooLarge,
    /// Turned away by admission (`busy`).
    Busy,
}

impl Refusal {
    /// Every refusal, in the order of [`index`](Self::index).
    pub const ALL: [Refusal; 9] = [
        Refusal::BadRequest,
        Refusal::Origin,
        Refusal::Subprotocol,
        Refusal::NotUpgrade,
        Refusal::Version,
        Refusal::NotFound,
        Refusal::Method,
        Refusal::TooLarge,
        Refusal::Busy,
    ];

    /// Its slot in a counter array.
    pub fn index(self) -> usize {
        Refusal::ALL.iter().position(|r| *r == self).unwrap_or(0)
    }

    /// Its `/metrics` label.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::BadRequest => "bad_request",
            Refusal::Origin => "origin",
            Refusal::Subprotocol => "subprotocol",
            Refusal::NotUpgrade => "not_upgrade",
            Refusal::Version => "version",
            Refusal::NotFound => "not_found",
            Refusal::Method => "method",
            Refusal::TooLarge => "too_large",
            Refusal::Busy => "busy",
        }
    }

    /// The response body: one line saying why.
    pub fn explain(self) -> &'static str {
        match self {
            Refusal::BadRequest => "bad request\n",
            Refusal::Origin => "this origin may not open a socket here (see --web-origin)\n",
            Refusal::Subprotocol => "subprotocols spoken: text.ircv3.net, binary.ircv3.net\n",
            Refusal::NotUpgrade => "/ws is a WebSocket\n",
            Refusal::Version => "WebSocket version 13 only\n",
            Refusal::NotFound => "not found\n",
            Refusal::Method => "GET or HEAD only\n",
            Refusal::TooLarge => "request too large\n",
            Refusal::Busy => "server busy, try again later\n",
        }
    }
}

/// What happened to a web connection that the server counts or acts on,
/// taken once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The page or `/healthz` was answered; close once it is written.
    Served,
    /// A request was refused; close once the answer is written.
    Refused(Refusal),
    /// The WebSocket is open.
    Upgraded,
}

/// Where a web connection is.
#[derive(Debug)]
enum Phase {
    /// Reading the request head (bytes kept across reads).
    Request(Vec<u8>),
    /// A WebSocket carrying IRC lines.
    Open(Frames, Mode),
    /// Answered (the page, `/healthz` or a refusal): nothing more is read
    /// or sent, and the connection closes once the answer is written.
    Answered,
    /// The WebSocket ended (the close frame is queued): nothing more is
    /// read or sent, and the connection closes now.
    Ended(End),
}

/// One web connection's codec: HTTP first, then WebSocket frames whose
/// messages are IRC lines, framed and cleaned by the IRC codec inside.
#[derive(Debug)]
pub struct Web {
    /// The IRC lines and session (what the IRC edge reads and writes).
    pub irc: Irc,
    phase: Phase,
    settings: Arc<Settings>,
    /// A static body to send after the replies (the page).
    body: Option<&'static [u8]>,
    /// What the server has not heard of yet.
    event: Option<Event>,
}

impl Web {
    /// A new web connection under `settings`.
    pub fn new(settings: Arc<Settings>) -> Web {
        Web {
            irc: Irc::default(),
            phase: Phase::Request(Vec::new()),
            settings,
            body: None,
            event: None,
        }
    }

    /// The message type of its lines, once the WebSocket is open.
    pub fn mode(&self) -> Option<Mode> {
        match &self.phase {
            Phase::Open(_, mode) => Some(*mode),
            _ => None,
        }
    }

    /// The event the server has not heard of yet.
    pub fn take_event(&mut self) -> Option<Event> {
        self.event.take()
    }

    /// The static body to queue after the replies, once.
    pub fn take_body(&mut self) -> Option<&'static [u8]> {
        self.body.take()
    }

    /// Input held: the request head so far, an unfinished frame or
    /// message, and IRC lines not yet handled.
    pub fn held(&self) -> usize {
        let own = match &self.phase {
            Phase::Request(head) => head.len(),
            Phase::Open(frames, _) => frames.held(),
            Phase::Answered | Phase::Ended(_) => 0,
        };
        own + self.irc.held()
    }

    /// Whether the connection still reads its request head.
    pub fn in_request(&self) -> bool {
        matches!(self.phase, Phase::Request(_))
    }

    /// Whether it was answered and closes once the answer is written.
    pub fn answered_only(&self) -> bool {
        matches!(self.phase, Phase::Answered)
    }

    /// How its WebSocket ended, if it did: it closes now.
    pub fn ended(&self) -> Option<End> {
        match self.phase {
            Phase::Ended(end) => Some(end),
            _ => None,
        }
    }

    /// Decodes one read in place (see [`crate::codec::Codec::decode`]).
    pub fn decode(&mut self, buf: &mut [u8], replies: &mut Vec<u8>) -> Decoded {
        let mut spill = Vec::new();
        let done = match &mut self.phase {
            Phase::Answered | Phase::Ended(_) => frames::Decoded::default(),
            Phase::Open(frames, _) => frames.decode(buf, replies, &mut spill),
            Phase::Request(held) => {
                held.extend_from_slice(buf);
                let mut request = std::mem::take(held);
                let answer = request::answer(&request, &self.settings);
                match answer {
                    Answer::Partial => {
                        self.phase = Phase::Request(request);
                        frames::Decoded::default()
                    }
                    answer => self.answered(answer, &mut request, replies, &mut spill),
                }
            }
        };
        if let Phase::Open(frames, _) = &self.phase
            && let Some(end) = frames.end
        {
            self.phase = Phase::Ended(end);
        }
        if !spill.is_empty() {
            self.irc.stash(&spill);
        }
        Decoded {
            data: done.data,
            commands: done.controls,
        }
    }

    /// Acts on a request's answer. After an upgrade, the bytes after the
    /// head are frames already: decoded, and their messages spilled.
    fn answered(
        &mut self,
        answer: Answer,
        request: &mut [u8],
        replies: &mut Vec<u8>,
        spill: &mut Vec<u8>,
    ) -> frames::Decoded {
        self.phase = Phase::Answered;
        match answer {
            Answer::Partial => {}
            Answer::Page { body } => {
                replies.extend_from_slice(page::head());
                self.body = body.then_some(page::PAGE);
                self.event = Some(Event::Served);
            }
            Answer::Health { body } => {
                replies.extend_from_slice(&request::health(body));
                self.event = Some(Event::Served);
            }
            Answer::Refused { why, response } => {
                replies.extend_from_slice(&response);
                self.event = Some(Event::Refused(why));
            }
            Answer::Upgrade {
                response,
                head,
                mode,
            } => {
                replies.extend_from_slice(&response);
                self.event = Some(Event::Upgraded);
                let mut frames = Frames::default();
                let rest = &mut request[head..];
                let done = frames.decode(rest, replies, spill);
                spill.extend_from_slice(&rest[..done.data]);
                self.phase = Phase::Open(frames, mode);
                return frames::Decoded {
                    data: 0,
                    controls: done.controls,
                };
            }
        }
        frames::Decoded::default()
    }

    /// See [`crate::codec::Codec::next_line`]: IRC's framing and cleaning.
    pub fn next_line(&mut self, input: &mut &[u8], line: &mut String) -> Option<Frame> {
        self.irc.next_line(input, line)
    }

    /// The close frame the server sends when it ends an open WebSocket,
    /// after its last words; nothing more is sent after it.
    pub fn goodbye(&mut self) -> Option<Vec<u8>> {
        match self.phase {
            Phase::Open(..) => {
                self.phase = Phase::Ended(End::Closed);
                let mut close = Vec::new();
                outgoing::close(
                    &mut close,
                    tungstenite::protocol::frame::coding::CloseCode::Normal,
                );
                Some(close)
            }
            _ => None,
        }
    }
}

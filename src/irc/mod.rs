//! The IRC dialect's protocol pieces, pure: bytes and values in, bytes and
//! values out, no sockets and no chat state. The wiring into the server
//! (listeners, registration, channels as rooms) builds on these.
//!
//! - [`message`]: parse one line (`@tags :prefix COMMAND params :trailing`)
//!   into a borrowed [`Message`], with the 512-byte, 8191-byte-tag and
//!   15-parameter caps; errors are values.
//! - [`render`]: write a line into a `Vec<u8>` or `BytesMut` with the
//!   trailing-parameter rules checked first; [`OwnedMessage`] for replies.
//! - [`tags`]: IRCv3 tag keys and value escaping.
//! - [`numeric`]: the numeric replies, code and name.
//! - [`modes`]: a channel MODE line read into the changes asked for.
//! - [`casemap`]: `CASEMAPPING=ascii`, and how nicks and channels map to
//!   linechat names and rooms.
//! - [`isupport`]: the 005 tokens, split into lines that fit.
//! - [`cap`]: CAP LS/LIST/REQ/END negotiation, holding registration back.
//! - [`sasl`]: AUTHENTICATE PLAIN: chunks, base64, the credentials.
//! - [`register`]: PASS, NICK, USER, CAP and SASL gathered until the
//!   client is ready to be named by the core.
//! - [`ctcp`]: `\x01ACTION ...\x01` (linechat's `/me`) and other CTCP.
//! - [`server_time`]: the `time` tag's value from a time passed in.
//! - [`session`]: one connection's state at the edge: registration, the
//!   accepted nick, away, the keepalive's PING/PONG.
//! - [`welcome`]: 001-005, LUSERS and the MOTD, once registration is over.
//! - [`help`]: HELP's topics (704/705/706, 524).
//! - [`read_marker`]: draft/read-marker's MARKREAD, per connection.

pub mod cap;
pub mod casemap;
pub mod ctcp;
pub mod help;
pub mod isupport;
pub mod message;
pub mod modes;
pub mod numeric;
pub mod read_marker;
pub mod register;
pub mod render;
pub mod sasl;
pub mod server_time;
pub mod session;
pub mod tags;
pub mod welcome;

pub use message::{Message, ParseError};
pub use numeric::Numeric;
pub use render::{OwnedMessage, RenderError};

//! linechat: a chat room you reach with `telnet` or `nc`.
//!
//! You type a name, you are in the room, and every line you type appears on
//! everyone else's screen. One thread runs one `mio` poll loop that owns every
//! connection; a broadcast is rendered once into shared [`bytes::Bytes`] and
//! written to each peer with one vectored write per loop iteration.
//!
//! # Layout
//!
//! - [`config`]: every limit, with its default and why it exists.
//! - [`framing`]: bytes to clean lines: telnet stripping, newline framing
//!   with a length cap and a resumable scan, control-character cleaning. Pure.
//! - [`session`]: the per-connection protocol (name prompt, then chat and
//!   commands): a line in, an [`session::Outcome`] out. Pure.
//! - [`room`]: who is in the room, their names, and rendering every line once.
//! - [`outbound`]: a connection's queue of shared `Bytes` and its vectored flush.
//! - [`conn`]: one chat socket with its reader, queue, session and flood bucket.
//! - [`metrics`] and [`http`]: counters and the `/metrics` endpoint.
//! - [`server`]: the poll loop; applies outcomes, fans out, flushes, closes.
//!
//! # Data flow
//!
//! socket → shared scratch buffer → [`framing`] (only an unfinished line is
//! kept per connection) → [`session`] → [`server`] applies the outcome:
//! [`room`] renders the line once, each recipient's [`outbound`] queue gets a
//! reference → after all events of the iteration, each pending connection is
//! flushed once; WRITABLE interest is held only while bytes remain.

#![deny(missing_docs, missing_debug_implementations)]

pub mod chat;
pub mod config;
pub mod conn;
pub mod framing;
pub mod http;
pub mod metrics;
pub mod outbound;
pub mod server;
pub mod sys;

pub use config::Config;
pub use server::{Server, ShutdownHandle};

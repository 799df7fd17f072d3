//! linechat: a chat room you reach with `telnet` or `nc`.
//!
//! You type a name, you are in the room, and every line you type appears on
//! everyone else's screen. One thread runs one `mio` poll loop that owns every
//! connection; a broadcast is rendered once into shared [`bytes::Bytes`] and
//! written to each peer with one vectored write per loop iteration.
//!
//! # Layout
//!
//! The binary's `src/main.rs` and `src/cli/` turn the command line into a
//! [`Config`], start logging, bind and run. The library:
//!
//! - [`config`]: every limit, with its default and why it exists. Plain data.
//! - [`bucket`]: the token bucket behind every rate limit. Pure.
//! - [`limits`]: flood control (lines per connection and per address, a
//!   telnet command's cost, connects per address; per-user command
//!   budgets: renames, moves, topics, rooms, history) and the password limits
//!   (lockouts, wrong passwords and registrations per address); its doc
//!   says where every other limit lives. Pure.
//! - [`budget`]: a memory budget split into the limits that keep the worst
//!   case inside it. Pure.
//! - [`chat`]: the chat core, with no sockets: names, the room, commands and
//!   every protocol text. Connection events in (opened, line, closed, timer),
//!   values out: deliveries and room events (`Joined`, `Said`, `Left`, ...).
//! - [`dialect`]: each client protocol's words and bytes for what the core
//!   says: telnet today. A room's message is rendered once per dialect.
//! - [`framing`]: text to clean lines: newline framing with a length cap
//!   and a resumable scan, control-character cleaning. Pure.
//! - [`codec`]: what a connection's bytes mean: telnet (commands stripped,
//!   options refused, lines framed, ECHO to hide a password). Pure.
//! - [`transport`]: how a connection's bytes travel: plain TCP, or TLS with
//!   its listener's configuration (PEM files, reloaded on SIGHUP) and one
//!   connection's `rustls` session.
//! - [`outbound`]: a connection's queue of shared `Bytes` and its vectored flush.
//! - [`conn`]: one chat connection: a transport times a codec, its queue,
//!   flood bucket and the interest its state asks for.
//! - [`server`]: the reactor: the poll loop, admission, input, output,
//!   timers, late closing and shutdown; it applies what the core returns,
//!   and hands the core's requests to the engine and its answers back.
//! - [`engine`]: where names are claimed, history and topics kept, and
//!   room events shared: memory (one node: claims granted at once, each
//!   room's history in a ring) or Redis (`--redis`: streams, one per room
//!   for chat lines, a versioned wire, heartbeats, name claims and
//!   listings). Every RESP command of the loop is built there.
//! - [`irc`]: the IRC protocol pieces, pure: line parsing and writing, tags,
//!   numerics, casemapping, ISUPPORT, CAP negotiation and SASL PLAIN.
//! - [`accounts`]: registered names (`--data-dir`, or Redis with
//!   `--redis`): Argon2id hashing and the store, on the one worker thread,
//!   which answers the loop through a `mio::Waker`.
//! - [`web`]: the web listener: the page, `/healthz`, and IRC over
//!   WebSocket (HTTP requests, the handshake and its Origin check, frames
//!   read in place and written once per room).
//! - [`metrics`] and [`http`]: counters and the `/metrics` endpoint, whose
//!   slots go to `--metrics-allow` ranges ([`cidr`]) first.
//! - [`redis`]: links to Redis the loop drives like any socket, RESP2 by `redis-protocol`.
//! - [`sys`]: the OS calls: open-file limit, returning freed memory,
//!   resource exhaustion, a process's CPU time and memory from `/proc`.
//!
//! # Data flow
//!
//! socket → [`transport`] (TLS decrypts) → shared scratch buffer →
//! [`codec`] strips telnet and frames lines with [`framing`] (only an
//! unfinished line is kept per connection) → [`chat`] turns the line
//! into a room event, applies it and returns deliveries → [`server`] queues
//! each delivery: one rendered `Bytes` per room event, and a reference to it
//! in every recipient's [`outbound`] queue → after all events of the
//! iteration, each pending connection is flushed once; WRITABLE interest is
//! held only while bytes remain.

#![deny(missing_docs, missing_debug_implementations)]

pub mod accounts;
pub mod bucket;
pub mod budget;
pub mod chat;
pub mod cidr;
pub mod codec;
pub mod config;
pub mod conn;
pub mod dialect;
pub mod engine;
pub mod framing;
pub mod http;
pub mod irc;
pub mod limits;
pub mod metrics;
pub mod outbound;
pub mod redis;
pub mod server;
pub mod sys;
pub mod transport;
pub mod web;

pub use config::Config;
pub use server::{Server, ShutdownHandle};

//! Limits that protect everyone from one user or one address, kept apart
//! from the code that enforces them. Every limit is found from here:
//!
//! - [`flood`]: flood control on lines. What a line costs a connection
//!   (`--rate`, `--burst`) and its address (`--ip-rate`), that a telnet
//!   command costs a line, when a connection pauses and until when, how
//!   much is read at once under flood control, and the connections an
//!   address may open (`--login-rate`). The reactor's reading
//!   (`server/input.rs`) and accept loop (`server/admit.rs`) only call it.
//! - [`addresses`]: what is remembered per source address (an IPv4
//!   address or an IPv6 /64): its connections open (`--max-per-ip`), its
//!   flood and password budgets, and when a rested address is forgotten.
//! - [`commands`]: per-user command budgets, the chat core's flood
//!   control: renames, room moves (and when hopping is folded into the
//!   digest), topics, rooms made (`--rooms-per-ip`) and `/history` lines,
//!   per user and per address (`--ip-rate`). The core keeps them in its
//!   client state and spends them from `chat/throttle.rs`.
//! - [`passwords`]: every limit on password guessing and registration:
//!   the lockout of an address from one name, the wrong passwords one
//!   address may give, and the registrations one address may make.
//!
//! Kept elsewhere, because they belong to what they limit:
//!
//! - Connection counts (`--max-clients`, `--max-pending`,
//!   `--max-pending-per-ip`) and eviction at the prompt:
//!   `server/admission.rs`.
//! - Lines and reads per turn (fairness, not flood control):
//!   `server/input.rs`; output caps (`--max-outbuf`,
//!   `--max-output-memory`) and load shedding: `server/output.rs` and
//!   `server/shed.rs`; line length (`--max-line`): the codec.
//!
//! The token bucket they all use is [`crate::bucket`].

pub mod addresses;
pub mod commands;
pub mod flood;
pub mod passwords;

//! The integration tests, one module per area, in one test binary: one
//! crate to compile and link instead of fourteen, and one pool of test
//! threads with no tail per binary. Run one area with its module path, e.g.
//! `cargo test --test it accounts::`.
//!
//! Three stay binaries of their own: `tests/alloc.rs`, whose counting
//! global allocator would count every test here, and `tests/budget.rs` and
//! `tests/soak.rs`, whose short runs load the machine with thousands of
//! connections and must not share it with the timing-bound tests here
//! (cargo runs test binaries one after another).

#[path = "../util/mod.rs"]
mod util;

mod accounts;
mod bans;
mod binary;
mod cluster;
mod engines;
mod hardening;
mod ignore;
mod input;
mod irc;
mod irc_history;
mod irc_monitor;
mod irc_rooms;
mod irc_setname;
mod irc_small;
mod limits;
mod mentions;
mod metrics;
mod moderation;
mod oper;
mod owned_rooms;
mod props;
mod protocol;
mod redis_link;
mod resume;
mod rooms;
mod tls;
mod websocket;

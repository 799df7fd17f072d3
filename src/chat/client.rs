//! One local connection as the core sees it: where it is in the protocol
//! (name prompt, password, chatting), its member, its budgets, deadlines
//! and the way it talks (lines or requests).

use super::tick::Tick;
use super::{MemberId, Protocol, errands, throttle};

/// Where one local connection is in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum State {
    /// At the name prompt: sees no chat traffic, is not counted or announced.
    /// `prompt_pending`: the prompt was the last thing sent and no line has
    /// come back, so the cursor sits after it and a notice needs a line end.
    AwaitingName { prompt_pending: bool },
    /// A registered name was given: its password is asked for. The name
    /// stays reserved meanwhile.
    AwaitingPassword {
        /// Wrong passwords so far.
        failures: u8,
    },
    /// In the room.
    Chatting,
    /// Put out by the server (its registered name logged in from another
    /// connection): already gone from its room, its lines are ignored
    /// until the reactor closes it.
    Leaving,
}

/// One local connection.
#[derive(Debug)]
pub(super) struct Client {
    pub(super) member: MemberId,
    pub(super) state: State,
    /// A name being claimed, an account looked up, a password asked for
    /// (see `errands.rs`).
    pub(super) errands: errands::Errands,
    /// Whether a job for this connection is with the accounts worker.
    pub(super) asked: bool,
    /// Whether it came over TLS (see [`Chat::passwords_need_tls`](super::Chat::passwords_need_tls)).
    pub(super) secure: bool,
    /// Name changes, moves, topics and history lines left (see
    /// `throttle.rs`).
    pub(super) budget: throttle::UserBudget,
    /// The source address it is counted under (wrong passwords too), once
    /// the reactor says.
    pub(super) address: Option<std::net::IpAddr>,
    /// When it must be past the name prompt (`--login-timeout`); a
    /// password prompt has its own deadline too (in `errands`).
    pub(super) login_until: Tick,
    /// Whether it types lines (telnet) or sends requests (IRC).
    pub(super) protocol: Protocol,
    /// Whether it is shown its own lines (see [`Input::Echo`](super::Input::Echo)).
    pub(super) echo: bool,
    /// Rooms a client of requests may still join without spending room
    /// moves: an IRC client joins its channels at once when it connects.
    pub(super) free_joins: u8,
    /// When it last asked something of the core (a client of requests in
    /// no room is idle from then, see `idle_check`).
    pub(super) last_request: Tick,
    /// Whether the name it holds is registered and it proved so (its
    /// password, or `/register`): what a registered-only room asks.
    pub(super) registered: bool,
    /// The hash of its resume code, while it has one (see `resume/`).
    pub(super) code: Option<std::num::NonZeroU64>,
}

#[cfg(test)]
mod tests {
    /// One per connection: idle memory per user (the README's I1) rests
    /// on it, with its times as [`Tick`](super::Tick)s and its resume
    /// code's hash in 8 bytes.
    #[test]
    fn a_client_is_72_bytes() {
        assert_eq!(std::mem::size_of::<super::Client>(), 72);
    }
}

//! TLS handshakes at a share of each loop turn. A handshake step (the
//! ClientHello's key exchange and signature above all) is pure CPU on the
//! loop's one core: a storm of them would delay every chat line of the
//! turn. So once [`HANDSHAKE_SHARE`] of a turn has gone to handshakes,
//! the rest wait for the next turn, in order, and a storm delays only the
//! new TLS users.

use std::time::Duration;

/// Handshake CPU one loop turn may spend before further handshakes wait
/// for the next turn. One step is always allowed, so a slow one (RSA
/// signing) still makes progress.
pub(super) const HANDSHAKE_SHARE: Duration = Duration::from_micros(1000);

/// Where a loop turn is, as far as waiting handshakes go.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Fresh readiness: what is put off here joins this turn's backlog.
    #[default]
    Fresh,
    /// The backlog is served: the handshakes put off before come first.
    Backlog,
    /// After the backlog: what is put off waits for the next turn.
    Late,
}

/// What this turn has spent on handshakes, and whether some are waiting.
#[derive(Debug, Default)]
pub(super) struct HandshakeBudget {
    /// Handshake CPU spent this turn.
    spent: Duration,
    phase: Phase,
    /// Handshakes were put off to the next turn.
    deferred: bool,
    /// Handshakes put off last turn wait in the backlog: fresh ones queue
    /// behind them, so none waits for ever.
    behind: bool,
}

impl HandshakeBudget {
    /// A new loop turn begins.
    pub(super) fn new_turn(&mut self) {
        self.behind = self.deferred;
        self.deferred = false;
        self.spent = Duration::ZERO;
        self.phase = Phase::Fresh;
    }

    /// The backlog is served (`true`), or has been (`false`).
    pub(super) fn serving_backlog(&mut self, on: bool) {
        self.phase = if on { Phase::Backlog } else { Phase::Late };
    }

    /// Whether one more handshake step may run now; if not, the caller
    /// puts the connection in the backlog.
    pub(super) fn allows(&mut self) -> bool {
        let queued_behind = self.behind && self.phase == Phase::Fresh;
        if queued_behind || self.spent >= HANDSHAKE_SHARE {
            if self.phase != Phase::Fresh {
                self.deferred = true; // It waits for the next turn.
            }
            return false;
        }
        true
    }

    /// A handshake step took `took`.
    pub(super) fn spend(&mut self, took: Duration) {
        self.spent += took;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshakes_take_a_share_of_each_turn_in_order() {
        let mut budget = HandshakeBudget::default();
        budget.new_turn();
        // A step too long for the share still runs; the next waits, and
        // again in the backlog: it is left for the next turn.
        assert!(budget.allows());
        budget.spend(HANDSHAKE_SHARE * 3);
        assert!(!budget.allows());
        budget.serving_backlog(true);
        assert!(!budget.allows());
        budget.serving_backlog(false);
        // Next turn: fresh handshakes queue behind the waiting ones, which
        // the backlog serves first, within the share.
        budget.new_turn();
        assert!(!budget.allows());
        budget.serving_backlog(true);
        for _ in 0..4 {
            assert!(budget.allows());
            budget.spend(HANDSHAKE_SHARE / 4);
        }
        assert!(!budget.allows());
        budget.serving_backlog(false);
        // Some still wait: the turn after, fresh ones queue again; this
        // time the backlog serves all of them.
        budget.new_turn();
        assert!(!budget.allows());
        budget.serving_backlog(true);
        assert!(budget.allows());
        budget.spend(HANDSHAKE_SHARE / 10);
        assert!(budget.allows());
        budget.serving_backlog(false);
        // None waits now: fresh ones run at once.
        budget.new_turn();
        assert!(budget.allows());
    }
}

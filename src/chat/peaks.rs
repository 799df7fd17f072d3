//! The most users seen at once since the node started, for IRC's LUSERS
//! (265/266 give the current count and this maximum): local users (past
//! the name prompt on this node) and every user this node knows of (its
//! own and other nodes'). Counted where the counts grow, so no peak
//! between two LUSERS is missed.

use super::Chat;

/// The two maxima.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Peaks {
    /// The most local users chatting at once.
    pub local: usize,
    /// The most users, of every node, this node knew of at once.
    pub known: usize,
}

impl Chat {
    /// The maxima so far (never below the current counts).
    pub fn peaks(&self) -> Peaks {
        Peaks {
            local: self.peaks.local.max(self.members()),
            known: self.peaks.known.max(self.known_users()),
        }
    }

    /// The counts may have grown: keep them if they are new maxima.
    pub(super) fn note_peaks(&mut self) {
        self.peaks = self.peaks();
    }
}

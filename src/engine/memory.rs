//! The memory engine: one node on its own. Nobody else holds names, so a
//! claim is granted at once (the core has already checked the name against
//! its own users); there is no other node to publish to or hear from.

use super::Told;
use crate::chat::{Claimed, MemberId};

/// The engine of a node on its own: only its answers, waiting to be told.
#[derive(Debug, Default)]
pub struct Memory {
    pub(super) told: Vec<Told>,
}

impl Memory {
    /// A claim: granted.
    pub(super) fn claim(&mut self, member: MemberId, name: &str) {
        self.told.push(Told::Claimed {
            member,
            name: name.into(),
            answer: Claimed::Granted,
        });
    }

    /// A history read: nothing is kept here beyond the core's rooms.
    pub(super) fn history(&mut self, member: MemberId, room: Box<str>, count: usize) {
        self.told.push(Told::History {
            member,
            room,
            lines: Vec::new(),
            count,
        });
    }
}

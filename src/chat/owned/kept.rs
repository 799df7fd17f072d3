//! What an owned room keeps: its owner, its operators by name, and the
//! record of the whole room as the store holds it.

use crate::chat::modes::{ModeChange, Rank, RoomModes};
use crate::chat::rooms::RoomState;

/// Operators an owned room keeps by name, its owner aside.
pub const MAX_OPERATORS: usize = 50;

/// Rooms one name may own: owned rooms never go, so nobody may take all
/// of `--max-rooms` with them.
pub const MAX_OWNED_PER_NAME: usize = 10;

/// Who an owned room belongs to and whom it keeps as operators.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Owned {
    /// The owner's registered name, lower-cased.
    pub owner: Box<str>,
    /// Its operators' registered names, lower-cased, in the order named.
    pub operators: Vec<Box<str>>,
}

impl Owned {
    /// Owned by `owner` (any case), with no operators named yet.
    pub fn new(owner: &str) -> Owned {
        Owned {
            owner: owner.to_ascii_lowercase().into(),
            operators: Vec::new(),
        }
    }

    /// Whether the user called `name` is the room's operator by name: its
    /// owner or a named operator.
    pub fn ranks(&self, name: &str) -> bool {
        self.owner.eq_ignore_ascii_case(name)
            || self.operators.iter().any(|o| o.eq_ignore_ascii_case(name))
    }

    /// Names (`on`) or unnames `name` as an operator; a full list names no
    /// more.
    fn name_operator(&mut self, name: &str, on: bool) {
        let held = self
            .operators
            .iter()
            .position(|o| o.eq_ignore_ascii_case(name));
        match (held, on) {
            (None, true) if self.operators.len() < MAX_OPERATORS => {
                self.operators.push(name.to_ascii_lowercase().into());
            }
            (Some(at), false) => {
                self.operators.remove(at);
            }
            _ => {}
        }
    }
}

/// An owned room as it is kept: everything that outlives its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedRoom {
    /// `#` and the name, canonical form.
    pub name: Box<str>,
    /// Owner and operators.
    pub owned: Owned,
    /// Its topic.
    pub topic: Option<Box<str>>,
    /// Settings, key, limit, bans, and when it was made.
    pub modes: RoomModes,
}

/// What a mode change does to a room's owned part: registered, dropped,
/// or an operator named or unnamed (by name: ranks of registered names
/// are kept).
pub(in crate::chat) fn owned_change(room: &mut RoomState, change: &ModeChange) {
    match change {
        ModeChange::Owner(Some(owner)) => room.owned = Some(Box::new(Owned::new(owner))),
        ModeChange::Owner(None) => room.owned = None,
        ModeChange::Rank { name, rank, on, .. } if *rank == Rank::OPERATOR => {
            if let Some(owned) = room.owned.as_deref_mut() {
                owned.name_operator(name, *on);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_are_kept_by_name_ignoring_case_and_bounded() {
        let mut owned = Owned::new("Alice");
        assert!(owned.ranks("alice") && !owned.ranks("bob"));
        owned.name_operator("Bob", true);
        owned.name_operator("BOB", true);
        assert_eq!(owned.operators, ["bob".into()] as [Box<str>; 1]);
        assert!(owned.ranks("bOb"));
        owned.name_operator("bob", false);
        assert!(owned.operators.is_empty());
        for i in 0..MAX_OPERATORS + 5 {
            owned.name_operator(&format!("op{i}"), true);
        }
        assert_eq!(owned.operators.len(), MAX_OPERATORS);
    }
}

//! A chatting user's name, as typed, that compares, orders and hashes
//! ignoring ASCII case.
//!
//! The server-wide name table, the room's sorted name index and the room's
//! member record all hold the same name. Each used to keep its own copy
//! (two of them lower-cased), three allocations per user; a [`Name`] is
//! one shared allocation that every table keys on directly, and names are
//! most of what an idle user costs.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// A name as typed; equal to another that differs only in ASCII case.
#[derive(Debug, Clone)]
pub struct Name(Arc<str>);

impl Name {
    /// The name's bytes, lower-cased, which is what it is compared by.
    fn folded(&self) -> impl Iterator<Item = u8> + '_ {
        self.0.bytes().map(|b| b.to_ascii_lowercase())
    }
}

impl From<&str> for Name {
    fn from(name: &str) -> Name {
        Name(name.into())
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for b in self.folded() {
            state.write_u8(b);
        }
        // As `str` does: "ab" + "c" and "a" + "bc" hash apart in tuples.
        state.write_u8(0xff);
    }
}

impl Ord for Name {
    /// The order of the lower-cased names, byte by byte.
    fn cmp(&self, other: &Name) -> Ordering {
        self.folded().cmp(other.folded())
    }
}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashMap};

    #[test]
    fn case_is_ignored_but_kept() {
        let mut by_hash = HashMap::new();
        by_hash.insert(Name::from("Alice"), 1);
        assert_eq!(by_hash.get(&Name::from("aLICE")), Some(&1));
        assert_eq!(by_hash.get(&Name::from("alicia")), None);
        let key = by_hash.keys().next().unwrap();
        assert_eq!(&**key, "Alice", "shown as typed");
    }

    #[test]
    fn order_is_the_lower_cased_order() {
        let names = ["bob", "Alice", "_x", "Zed", "alicE2", "[a]"];
        let sorted: Vec<String> = BTreeMap::from(names.map(|n| (Name::from(n), ())))
            .into_keys()
            .map(|n| n.to_string())
            .collect();
        let mut want = names.map(|n| n.to_string());
        want.sort_by_key(|n| n.to_ascii_lowercase());
        assert_eq!(sorted, want);
    }
}

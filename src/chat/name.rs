//! A chatting user's name, as typed, that compares, orders and hashes
//! ignoring ASCII case.
//!
//! The server-wide name table, the room's sorted name index and the room's
//! member record all hold the same name. Each used to keep its own copy
//! (two of them lower-cased), three allocations per user; a [`Name`] is
//! one shared allocation that every table keys on directly, and names are
//! most of what an idle user costs.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// A name as typed; equal to another that differs only in ASCII case.
#[derive(Debug, Clone)]
pub struct Name(Arc<str>);

/// Text as a name is looked up: a table keyed by [`Name`] is searched with
/// [`key`]`(&text)`, which borrows the text instead of making a name (an
/// allocation) for every lookup. Compares, orders and hashes exactly as
/// [`Name`] does.
pub trait NameText {
    /// The text.
    fn text(&self) -> &str;
}

impl NameText for Name {
    fn text(&self) -> &str {
        &self.0
    }
}

impl NameText for &str {
    fn text(&self) -> &str {
        self
    }
}

/// `name` as a key to look a [`Name`] up by (see [`NameText`]).
pub fn key<'a>(name: &'a &str) -> &'a (dyn NameText + 'a) {
    name
}

impl<'a> Borrow<dyn NameText + 'a> for Name {
    fn borrow(&self) -> &(dyn NameText + 'a) {
        self
    }
}

/// Bytes of a name lower-cased at once for hashing (longer than a name
/// may be, [`MAX_NAME`](super::naming::MAX_NAME)).
const HASH_CHUNK: usize = 32;

/// The name's bytes, lower-cased, which is what it is compared by.
fn folded(name: &str) -> impl Iterator<Item = u8> + '_ {
    name.bytes().map(|b| b.to_ascii_lowercase())
}

impl PartialEq for dyn NameText + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.text().eq_ignore_ascii_case(other.text())
    }
}

impl Eq for dyn NameText + '_ {}

impl Hash for dyn NameText + '_ {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Lower-cased a chunk at a time, one write each: the hasher's cost
        // is per write as much as per byte. The last chunk ends in 0xff, as
        // `str` does, so "ab" + "c" and "a" + "bc" hash apart in tuples.
        let mut chunks = self.text().as_bytes().chunks(HASH_CHUNK).peekable();
        let mut folded = [0u8; HASH_CHUNK + 1];
        while let Some(chunk) = chunks.next() {
            for (to, from) in folded.iter_mut().zip(chunk) {
                *to = from.to_ascii_lowercase();
            }
            let mut len = chunk.len();
            if chunks.peek().is_none() {
                folded[len] = 0xff;
                len += 1;
            }
            state.write(&folded[..len]);
        }
        if self.text().is_empty() {
            state.write_u8(0xff);
        }
    }
}

impl Ord for dyn NameText + '_ {
    /// The order of the lower-cased names, byte by byte.
    fn cmp(&self, other: &Self) -> Ordering {
        folded(self.text()).cmp(folded(other.text()))
    }
}

impl PartialOrd for dyn NameText + '_ {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl From<&str> for Name {
    fn from(name: &str) -> Name {
        Name(name.into())
    }
}

impl Name {
    /// Whether `other` is this very allocation (not only an equal name):
    /// a pointer comparison, for tables that share one allocation per name.
    pub fn same(&self, other: &Name) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Deref for Name {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

// A name compares as its lookup key does (`Borrow` requires it).

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        (self as &dyn NameText) == (other as &dyn NameText)
    }
}

impl Eq for Name {}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        (self as &dyn NameText).hash(state);
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> Ordering {
        (self as &dyn NameText).cmp(other as &dyn NameText)
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
    fn text_finds_a_name_without_making_one() {
        let mut by_hash = HashMap::new();
        by_hash.insert(Name::from("Alice"), 1);
        let by_order = BTreeMap::from([(Name::from("Bob"), 2)]);
        assert_eq!(by_hash.get(key(&"aLICE")), Some(&1));
        assert_eq!(by_hash.get(key(&"alicia")), None);
        assert_eq!(by_order.get(key(&"BOB")), Some(&2));
        assert_eq!(by_order.get(key(&"bo")), None);
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

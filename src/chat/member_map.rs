//! Tables keyed by [`MemberId`], with a hash of one multiplication.
//!
//! A login looks members up some forty times (its seat, its rooms, its
//! name, the welcome's list). With the standard SipHash each lookup of a
//! `u64` key costs about 140 instructions: a fifth of a login's CPU. Ids
//! are handed out by the nodes, never chosen by a client, so these tables
//! need no defence against chosen collisions. Tables keyed by what clients
//! choose (names, addresses) keep SipHash.

use super::MemberId;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A table keyed by member.
pub(super) type MemberMap<V> = HashMap<MemberId, V, BuildHasherDefault<IdHasher>>;

/// The hash of a [`MemberId`]: its 64 bits multiplied by an odd constant,
/// both halves of the 128-bit product folded together, so the low bits
/// (the table's bucket) and the high ones (its tag) both depend on every
/// bit of the id.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct IdHasher(u64);

/// 2^64 divided by the golden ratio, odd.
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

impl Hasher for IdHasher {
    fn write_u64(&mut self, n: u64) {
        let product = u128::from(self.0 ^ n) * u128::from(MULTIPLIER);
        self.0 = (product as u64) ^ ((product >> 64) as u64);
    }

    /// Not used by `MemberId`; any bytes still hash (eight at a time).
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::hash::BuildHasher;

    fn hash(id: u64) -> u64 {
        BuildHasherDefault::<IdHasher>::default().hash_one(MemberId(id))
    }

    #[test]
    fn ids_in_sequence_spread_over_buckets_and_tags() {
        let ids = 0..4096u64;
        let buckets: HashSet<u64> = ids.clone().map(|id| hash(id) & 4095).collect();
        assert!(buckets.len() > 2500, "{} buckets of 4096", buckets.len());
        let tags: HashSet<u64> = ids.map(|id| hash(id) >> 57).collect();
        assert_eq!(tags.len(), 128, "every 7-bit tag is used");
    }

    #[test]
    fn ids_of_other_nodes_land_elsewhere() {
        // Another node's ids differ from ours in their high bits only: the
        // same sequence number must not land in the same bucket.
        let node = |n: u64, id: u64| (n << 48) | id;
        let same = (0..1000)
            .filter(|&id| hash(node(0, id)) & 1023 == hash(node(7, id)) & 1023)
            .count();
        assert!(same < 20, "{same} of 1000 in the same bucket");
    }

    #[test]
    fn a_table_finds_what_it_holds() {
        let mut map = MemberMap::default();
        for id in 0..100 {
            map.insert(MemberId(id << 40 | id), id);
        }
        assert!((0..100).all(|id| map.get(&MemberId(id << 40 | id)) == Some(&id)));
        assert_eq!(map.get(&MemberId(5)), None);
    }
}

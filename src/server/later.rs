//! Work left for later in the iteration, by slab key: connections to
//! flush, to serve again and to close. The loop routes every event first
//! and visits these lists after, so each connection is written once per
//! iteration and closed only when nothing else can name it.

/// Slab keys to visit once, later in this iteration: the pending-flush,
/// backlog and closing lists. Membership is a flag per key, so inserting
/// twice is free and the list holds each key once.
#[derive(Debug, Default)]
pub(super) struct KeySet {
    keys: Vec<usize>,
    marked: Vec<bool>,
}

impl KeySet {
    /// Adds `key` unless it is already in.
    pub(super) fn insert(&mut self, key: usize) {
        if self.marked.len() <= key {
            self.marked.resize(key + 1, false);
        }
        if !self.marked[key] {
            self.marked[key] = true;
            self.keys.push(key);
        }
    }

    /// Whether `key` is in.
    pub(super) fn contains(&self, key: usize) -> bool {
        self.marked.get(key).copied().unwrap_or(false)
    }

    /// Whether nothing is in.
    pub(super) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Empties the set and returns its keys in insertion order.
    pub(super) fn take(&mut self) -> Vec<usize> {
        for &key in &self.keys {
            self.marked[key] = false;
        }
        std::mem::take(&mut self.keys)
    }

    /// Gives a taken list's allocation back, unless new keys came meanwhile.
    pub(super) fn recycle(&mut self, mut list: Vec<usize>) {
        if self.keys.is_empty() {
            list.clear();
            self.keys = list;
        }
    }
}

/// The three lists, visited in this order at the end of an iteration:
/// backlog, then closing, then flush (see `Server::run`).
#[derive(Debug, Default)]
pub(super) struct Later {
    /// Connections with output queued this iteration, flushed once at its end.
    pub(super) flush: KeySet,
    /// Connections with input left over from their per-turn budget.
    pub(super) backlog: KeySet,
    /// Slots to close or remove at the end of this iteration.
    pub(super) closing: KeySet,
}

impl Later {
    /// Whether no work is left: the loop may sleep.
    pub(super) fn is_empty(&self) -> bool {
        self.flush.is_empty() && self.backlog.is_empty() && self.closing.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_set_holds_each_key_once_and_empties_on_take() {
        let mut set = KeySet::default();
        set.insert(5);
        set.insert(2);
        set.insert(5);
        assert!(set.contains(5) && set.contains(2) && !set.contains(3));
        let keys = set.take();
        assert_eq!(keys, [5, 2]);
        assert!(set.is_empty() && !set.contains(5));
        set.recycle(keys);
        set.insert(5);
        assert_eq!(set.take(), [5]);
    }
}

//! Leave notices after a node is killed (pure): which survivor has seen
//! which of the killed node's users leave, and when the last one had seen
//! them all.
//!
//! Clients are numbered over the nodes as the engine spreads them: client
//! `n` is on node `n mod nodes`. The victims are the clients of the killed
//! node, the watchers those of every other node. linechat announces a user
//! that left as `*** NAME has left` (after a `[HH:MM:SS] ` with
//! `--timestamps`); `*** NAME has left for #room` is a move to another
//! room, not a leave, and a chat line that merely says the words has
//! something other than `***` before the name.
//!
//! Watching starts before the kill, unarmed: then any leave notice for one
//! of our users, read by anyone, is counted as early (a node taken for
//! gone while it still ran); [`Leaves::arm`] at the kill starts the
//! counting above. The same watch serves `*** NAME is back`, a resumed
//! user's return ([`Leaves::watching`], `resume.rs`).

use memchr::memmem;

/// What the watchers have seen.
#[derive(Debug)]
pub struct Leaves {
    /// Names are `<prefix><n>`.
    prefix: Vec<u8>,
    nodes: u64,
    /// The killed node.
    victim_node: u64,
    /// Clients numbered `0..clients`.
    clients: u64,
    /// Victims: clients of the killed node.
    victims: u64,
    /// One bit per (watcher number, victim index): seen.
    seen: Vec<u64>,
    /// Victims seen leaving, per client number.
    per_watcher: Vec<u32>,
    /// Watchers still to see every victim leave.
    pub watchers_left: u64,
    /// Distinct (watcher, victim) notices seen.
    pub seen_pairs: u64,
    /// Notices about a victim that a watcher had already seen.
    pub repeated: u64,
    /// When a watcher first saw a victim leave (µs, the caller's clock).
    pub first_us: Option<u64>,
    /// When the last watcher had seen every victim leave.
    pub all_us: Option<u64>,
    /// Counting for the kill: before, notices are only counted as early.
    armed: bool,
    /// Leave notices for any of our users read before the kill.
    pub early: u64,
    finder: memmem::Finder<'static>,
    /// The notice's words after the name.
    notice: &'static str,
}

impl Leaves {
    /// Watching for the leaves of node `victim_node`'s users among
    /// `clients` clients spread over `nodes` nodes, named `<prefix><n>`.
    pub fn new(prefix: &str, clients: u64, nodes: u32, victim_node: u32) -> Leaves {
        Leaves::watching(prefix, clients, nodes, victim_node, " has left")
    }

    /// As [`Leaves::new`], for another notice of the same shape: `*** NAME`
    /// then `notice` (` is back`) and nothing more.
    pub fn watching(
        prefix: &str,
        clients: u64,
        nodes: u32,
        victim_node: u32,
        notice: &'static str,
    ) -> Leaves {
        let (nodes, victim_node) = (u64::from(nodes.max(1)), u64::from(victim_node));
        let victims = count_on(clients, nodes, victim_node);
        Leaves {
            prefix: prefix.as_bytes().to_vec(),
            nodes,
            victim_node,
            clients,
            victims,
            seen: vec![0; (clients * victims).div_ceil(64) as usize],
            per_watcher: vec![0; clients as usize],
            watchers_left: if victims == 0 { 0 } else { clients - victims },
            seen_pairs: 0,
            repeated: 0,
            first_us: None,
            all_us: None,
            armed: false,
            early: 0,
            finder: memmem::Finder::new(notice.as_bytes()).into_owned(),
            notice,
        }
    }

    /// The node is being killed: from now on the victims' leaves count.
    pub fn arm(&mut self) {
        self.armed = true;
    }

    /// Whether every watcher has seen every victim leave.
    pub fn done(&self) -> bool {
        self.watchers_left == 0
    }

    /// Notes the leave notices in `lines` (whole lines), read by client
    /// number `watcher` at `now_us`.
    pub fn scan(&mut self, watcher: u64, lines: &[u8], now_us: u64) {
        if self.armed && (watcher >= self.clients || watcher % self.nodes == self.victim_node) {
            return;
        }
        let mut at = 0;
        while let Some(i) = self.finder.find(&lines[at..]) {
            let hit = at + i;
            at = hit + self.notice.len();
            let start = memchr::memrchr(b'\n', &lines[..hit]).map_or(0, |j| j + 1);
            let end = memchr::memchr(b'\n', &lines[at..]).map_or(lines.len(), |j| at + j);
            if !lines[at..end].trim_ascii().is_empty() {
                continue; // `has left for #room`, or someone's chat.
            }
            let before = &lines[start..hit];
            let name_at = memchr::memrchr(b' ', before).map_or(0, |j| j + 1);
            if !before[..name_at].ends_with(b"*** ") {
                continue;
            }
            match self.number(&before[name_at..]) {
                Some(_) if !self.armed => self.early += 1,
                Some(n) if n % self.nodes == self.victim_node => {
                    self.note(watcher, n / self.nodes, now_us);
                }
                _ => {}
            }
        }
    }

    /// The client number of a name, if it is one of ours.
    fn number(&self, name: &[u8]) -> Option<u64> {
        let digits = name.strip_prefix(&self.prefix[..])?;
        if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = digits
            .iter()
            .fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
        (n < self.clients).then_some(n)
    }

    fn note(&mut self, watcher: u64, victim: u64, now_us: u64) {
        let bit = watcher * self.victims + victim;
        let (word, mask) = ((bit / 64) as usize, 1u64 << (bit % 64));
        if self.seen[word] & mask != 0 {
            self.repeated += 1;
            return;
        }
        self.seen[word] |= mask;
        self.seen_pairs += 1;
        self.first_us.get_or_insert(now_us);
        let count = &mut self.per_watcher[watcher as usize];
        *count += 1;
        if u64::from(*count) == self.victims {
            self.watchers_left -= 1;
            if self.watchers_left == 0 {
                self.all_us = Some(now_us);
            }
        }
    }
}

/// How many of the numbers `0..clients` are `node` mod `nodes`.
pub fn count_on(clients: u64, nodes: u64, node: u64) -> u64 {
    if node >= clients {
        0
    } else {
        (clients - node).div_ceil(nodes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_split_over_the_nodes() {
        assert_eq!((count_on(10, 2, 0), count_on(10, 2, 1)), (5, 5));
        assert_eq!((count_on(5, 2, 0), count_on(5, 2, 1)), (3, 2));
        assert_eq!((count_on(7, 3, 2), count_on(2, 3, 2)), (2, 0));
    }

    #[test]
    fn every_watcher_must_see_every_victim_leave() {
        // Six clients over two nodes: u1, u3, u5 are the victims, u0, u2,
        // u4 the watchers.
        let mut l = Leaves::new("u", 6, 2, 1);
        l.arm();
        assert_eq!((l.victims, l.watchers_left), (3, 3));
        let all = b"*** u1 has left\r\n*** u3 has left\r\n*** u5 has left\r\n";
        l.scan(0, all, 10);
        l.scan(2, all, 20);
        assert_eq!((l.first_us, l.all_us, l.watchers_left), (Some(10), None, 1));
        // Seen again: no change.
        l.scan(0, b"*** u3 has left\r\n", 25);
        assert_eq!((l.seen_pairs, l.repeated), (6, 1));
        l.scan(4, b"*** u1 has left\r\n[12:00:00] *** u3 has left\r\n", 30);
        assert!(!l.done());
        l.scan(4, b"*** u5 has left\n", 40);
        assert!(l.done());
        assert_eq!((l.all_us, l.seen_pairs), (Some(40), 9));
    }

    #[test]
    fn only_leaves_of_the_killed_nodes_users_count() {
        let mut l = Leaves::new("u", 4, 2, 1);
        l.arm();
        for text in [
            // Another node's user, a move, someone's chat, another prefix,
            // a number past the clients, a name with more after it.
            &b"*** u2 has left\r\n"[..],
            b"*** u1 has left for #other\r\n",
            b"u0: *** u1 has left?\r\n",
            b"u0: u1 has left\r\n",
            b"*** v1 has left\r\n",
            b"*** u7 has left\r\n",
            b"*** u1x has left\r\n",
            b"*** u has left\r\n",
        ] {
            l.scan(0, text, 1);
        }
        assert_eq!((l.seen_pairs, l.first_us), (0, None));
        // A victim does not watch; the lines it reads are ignored.
        l.scan(1, b"*** u3 has left\r\n", 1);
        assert_eq!(l.seen_pairs, 0);
        l.scan(0, b"x\r\n*** u1 has left\r\nu2: hello\r\n", 5);
        assert_eq!((l.seen_pairs, l.first_us), (1, Some(5)));
        assert_eq!(l.early, 0);
    }

    #[test]
    fn before_the_kill_any_of_our_users_leaving_is_early() {
        let mut l = Leaves::new("u", 4, 2, 1);
        // A survivor's user, seen by a victim; a victim, seen by a
        // survivor; a stranger, and a move, do not count.
        l.scan(1, b"*** u2 has left\r\n", 1);
        l.scan(
            0,
            b"*** u3 has left\r\n*** bob has left\r\n*** u1 has left for #x\r\n",
            2,
        );
        assert_eq!((l.early, l.seen_pairs, l.first_us), (2, 0, None));
        l.arm();
        l.scan(0, b"*** u3 has left\r\n", 3);
        assert_eq!((l.early, l.seen_pairs, l.first_us), (2, 1, Some(3)));
    }
}

//! Accounting for measured lines: what was sent, what arrived where, in what
//! order and how late, and how many lines each sender still has in flight.
//!
//! Pure bookkeeping: the engine calls [`Tally::sent`] when it writes a line
//! and [`Tally::delivered`] when a receiver finds one; no sockets here.
//!
//! Receivers and senders each belong to a room (with `fanout --rooms 1`,
//! all to room 0): a line is expected at every other receiver of its
//! sender's room, and one found in another room is counted apart
//! ([`Tally::cross_room`]), never as received.
//!
//! Receivers and senders may also each be on a node (the server address
//! they use, [`Tally::set_nodes`]): latency is then kept apart for
//! same-node deliveries and cross-node ones.

use hdrhistogram::Histogram;

/// Highest latency the histogram resolves, in µs (ten minutes, far beyond any
/// bounded run); later deliveries are recorded at this value.
const MAX_LATENCY_US: u64 = 600_000_000;

/// Everything known about the measured lines of one run.
#[derive(Debug)]
pub struct Tally {
    /// Each sender's lines written, room, and index among the senders of
    /// its room: one entry, so a delivery checks all three with one load.
    /// Marks naming a higher sender index are foreign.
    senders: Vec<Sender>,
    /// Deliveries each message of each sender should get: every other
    /// receiver in its room, since neither linechat nor `ncat --chat`
    /// echoes a line back.
    per_msg: Vec<u32>,
    /// Columns per receiver in `next_seq`: the most senders any room has.
    width: usize,
    /// Next sequence number each receiver expects from each sender of its
    /// room, indexed `receiver * width + sender's index in the room`: with
    /// rooms, a receiver keeps no column for senders it never hears. `u32`
    /// keeps clients × senders small.
    next_seq: Vec<u32>,
    /// Slots per sender in `remaining`: the in-flight window rounded up to a
    /// power of two, so a line's slot is `seq & (ring - 1)` rather than a
    /// division on every delivery; 0 when the send rate is fixed instead.
    ring: usize,
    /// Receivers still to see each in-flight message, a ring of `ring` slots
    /// per sender indexed by `seq % ring`.
    remaining: Vec<u32>,
    /// Lines seen by every receiver, per sender.
    completed: Vec<u64>,
    /// Senders whose window has room again, to be refilled after this batch.
    woken: Vec<u32>,
    /// Whether a sender is already in `woken`.
    is_woken: Vec<bool>,
    /// The node of each receiver, by receiver index; empty when there is
    /// one node (then every delivery is same-node).
    receiver_node: Vec<u32>,
    /// Latency of every delivery, in µs, except the current run below,
    /// same-node deliveries in `[0]` and cross-node ones in `[1]`; read it
    /// through [`Tally::latency`] and [`Tally::latency_by_node`], which
    /// add that run first.
    latency: [Histogram<u64>; 2],
    /// Like `latency`, to the time the kernel stamped each delivery with as
    /// it arrived in the receiver's socket (see [`Tally::arrived`]); empty
    /// unless the engine asked for those stamps.
    arrival: [Histogram<u64>; 2],
    /// A run of deliveries with the same latency, not yet in `latency`:
    /// (latency in µs, cross-node, count). A read's lines share one arrival
    /// time, and a sender's window refill shares one send time, so
    /// consecutive deliveries often have equal latency; recording a run in
    /// one call keeps every delivery in the histogram at a fraction of the
    /// cost.
    run: (u64, bool, u64),
    /// Deliveries of lines not seen before by that receiver (in order or after
    /// a gap). Late and duplicate ones count in `out_of_order` instead.
    pub received: u64,
    /// The part of `received` that arrived before `window_end_us`.
    pub received_in_window: u64,
    /// Deliveries that arrived after a later line of the same sender.
    pub out_of_order: u64,
    /// Marks naming a sender or receiver this run does not have.
    pub foreign: u64,
    /// Marks of a sender in another room than the receiver's: the server
    /// delivered a line outside its room.
    pub cross_room: u64,
    /// End of the measurement window, in µs since the run's start.
    pub window_end_us: u64,
}

/// An empty latency histogram, µs from 1 to [`MAX_LATENCY_US`].
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY_US, 3).expect("constant histogram bounds are valid")
}

/// The room of an index that is no receiver (a client not logged in).
pub const NO_ROOM: u32 = u32::MAX;

/// One sender: lines written, its room, its index among that room's
/// senders, its node.
#[derive(Debug, Clone, Copy)]
struct Sender {
    sent: u64,
    room: u32,
    local: u32,
    node: u32,
}

impl Tally {
    /// Bookkeeping for `senders` senders, each line expected at `receivers - 1`
    /// clients (receiver indexes `0..receivers`, all in one room); `window`
    /// 0 means no in-flight tracking.
    pub fn new(receivers: usize, senders: usize, window: usize) -> Tally {
        Tally::with_rooms(&vec![0; receivers], &vec![0; senders], window)
    }

    /// Bookkeeping for receivers in the rooms `receiver_room` gives (by
    /// receiver index; [`NO_ROOM`] for none) and senders in the rooms
    /// `sender_room` gives (by sender index): each line is expected at
    /// every receiver of its sender's room but one, the sender itself,
    /// which must be among the receivers. `window` 0 means no in-flight
    /// tracking. [`Tally::delivered`] is then told each receiver's room.
    pub fn with_rooms(receiver_room: &[u32], sender_room: &[u32], window: usize) -> Tally {
        let ring = if window == 0 {
            0
        } else {
            window.next_power_of_two()
        };
        let rooms = receiver_room
            .iter()
            .chain(sender_room)
            .filter(|&&r| r != NO_ROOM)
            .max()
            .map_or(0, |&r| r as usize + 1);
        let mut members = vec![0u32; rooms];
        for &r in receiver_room.iter().filter(|&&r| r != NO_ROOM) {
            members[r as usize] += 1;
        }
        let mut in_room = vec![0u32; rooms];
        let senders: Vec<Sender> = sender_room
            .iter()
            .map(|&room| {
                let local = in_room[room as usize];
                in_room[room as usize] += 1;
                Sender {
                    sent: 0,
                    room,
                    local,
                    node: 0,
                }
            })
            .collect();
        let width = in_room.iter().copied().max().unwrap_or(0) as usize;
        let n = senders.len();
        Tally {
            senders,
            per_msg: sender_room
                .iter()
                .map(|&r| members[r as usize].saturating_sub(1))
                .collect(),
            width,
            next_seq: vec![0; receiver_room.len() * width],
            ring,
            remaining: vec![0; n * ring],
            completed: vec![0; n],
            woken: Vec::with_capacity(n),
            is_woken: vec![false; n],
            receiver_node: Vec::new(),
            latency: [histogram(), histogram()],
            arrival: [histogram(), histogram()],
            run: (0, false, 0),
            received: 0,
            received_in_window: 0,
            out_of_order: 0,
            foreign: 0,
            cross_room: 0,
            window_end_us: u64::MAX,
        }
    }

    /// Puts each receiver (by index) and each sender (by index) on a node,
    /// so that latency is kept apart for same-node and cross-node
    /// deliveries. Receivers past the end of `receiver_node` are on node 0.
    pub fn set_nodes(&mut self, receiver_node: &[u32], sender_node: &[u32]) {
        self.receiver_node = receiver_node.to_vec();
        for (s, &node) in self.senders.iter_mut().zip(sender_node) {
            s.node = node;
        }
    }

    /// Records that `sender` writes its next line; returns the line's `seq`.
    pub fn sent(&mut self, sender: u32) -> u64 {
        let s = sender as usize;
        let seq = self.senders[s].sent;
        if self.ring > 0 {
            self.remaining[s * self.ring + (seq as usize & (self.ring - 1))] = self.per_msg[s];
        }
        self.senders[s].sent += 1;
        seq
    }

    /// Records that `receiver`, in room `room` (the room [`Tally::with_rooms`]
    /// was given for it; 0 from [`Tally::new`]), found line `seq` of
    /// `sender`, written at `ts_us`, at time `now_us`.
    ///
    /// The receiver's room comes from the caller rather than a table here:
    /// the caller has it at hand for a whole read, and this runs for every
    /// delivery.
    #[inline]
    pub fn delivered(
        &mut self,
        receiver: usize,
        room: u32,
        sender: u32,
        seq: u64,
        ts_us: u64,
        now_us: u64,
    ) {
        let s = sender as usize;
        let Some(&Sender {
            sent,
            room: sender_room,
            local,
            node: sender_node,
        }) = self.senders.get(s)
        else {
            self.foreign += 1;
            return;
        };
        let slot = receiver * self.width + local as usize;
        if seq >= sent || slot >= self.next_seq.len() {
            self.foreign += 1;
            return;
        }
        if room != sender_room {
            if room == NO_ROOM {
                self.foreign += 1;
            } else {
                self.cross_room += 1;
            }
            return;
        }
        let latency = now_us.saturating_sub(ts_us).max(1);
        let cross = self
            .receiver_node
            .get(receiver)
            .is_some_and(|&node| node != sender_node);
        if latency == self.run.0 && cross == self.run.1 {
            self.run.2 += 1;
        } else {
            self.end_run();
            self.run = (latency, cross, 1);
        }
        let next = &mut self.next_seq[slot];
        if seq < u64::from(*next) {
            self.out_of_order += 1;
            return;
        }
        *next = (seq + 1) as u32;
        self.received += 1;
        if now_us <= self.window_end_us {
            self.received_in_window += 1;
        }
        // In-flight tracking. The slot is only this line's if no later line
        // has reused it, which holds while every sender keeps to its window
        // (at most `ring` lines in flight).
        let ring = self.ring;
        if ring > 0 && seq + ring as u64 >= sent {
            let left = &mut self.remaining[s * ring + (seq as usize & (ring - 1))];
            if *left > 0 {
                *left -= 1;
                if *left == 0 {
                    self.completed[s] += 1;
                    if !self.is_woken[s] {
                        self.is_woken[s] = true;
                        self.woken.push(sender);
                    }
                }
            }
        }
    }

    /// Records that `receiver` got a line of `sender` written at `ts_us`
    /// that arrived in its socket at `at_us` (the kernel's stamp), beside
    /// [`Tally::delivered`]'s record of when it was read.
    pub fn arrived(&mut self, receiver: usize, sender: u32, ts_us: u64, at_us: u64) {
        let Some(s) = self.senders.get(sender as usize) else {
            return;
        };
        let cross = (self.receiver_node.get(receiver)).is_some_and(|&node| node != s.node);
        let latency = at_us.saturating_sub(ts_us).max(1);
        self.arrival[usize::from(cross)].saturating_record(latency);
    }

    /// The arrival latency of every stamped delivery ([`Tally::arrived`]),
    /// then that of same-node and of cross-node ones, in µs.
    pub fn arrival(&self) -> [Histogram<u64>; 3] {
        let mut all = self.arrival[0].clone();
        all.add(&self.arrival[1])
            .expect("histograms of equal bounds add up");
        [all, self.arrival[0].clone(), self.arrival[1].clone()]
    }

    /// Moves the current run of equal latencies into its histogram.
    fn end_run(&mut self) {
        let (latency, cross, count) = std::mem::take(&mut self.run);
        if count > 0 {
            self.latency[usize::from(cross)].saturating_record_n(latency, count);
        }
    }

    /// The latency of every delivery so far, in µs.
    pub fn latency(&mut self) -> Histogram<u64> {
        self.end_run();
        let mut all = self.latency[0].clone();
        all.add(&self.latency[1])
            .expect("histograms of equal bounds add up");
        all
    }

    /// The latency so far of same-node deliveries and of cross-node ones,
    /// in µs.
    pub fn latency_by_node(&mut self) -> (&Histogram<u64>, &Histogram<u64>) {
        self.end_run();
        (&self.latency[0], &self.latency[1])
    }

    /// Lines of `sender` not yet seen by every receiver.
    pub fn in_flight(&self, sender: u32) -> u64 {
        self.senders[sender as usize].sent - self.completed[sender as usize]
    }

    /// Takes the senders whose window gained room since the last call.
    pub fn take_woken(&mut self, into: &mut Vec<u32>) {
        for &s in &self.woken {
            self.is_woken[s as usize] = false;
        }
        into.append(&mut self.woken);
    }

    /// Sender `s` is ignored by `receivers(s)` of its room (`--ignore`):
    /// its lines are expected at that many fewer.
    pub fn ignored_by(&mut self, receivers: impl Fn(u64) -> u32) {
        for (s, per_msg) in self.per_msg.iter_mut().enumerate() {
            *per_msg = per_msg.saturating_sub(receivers(s as u64));
        }
    }

    /// Lines written by each sender.
    pub fn sent_each(&self) -> Vec<u64> {
        self.senders.iter().map(|s| s.sent).collect()
    }

    /// Lines written by all senders.
    pub fn total_sent(&self) -> u64 {
        self.senders.iter().map(|s| s.sent).sum()
    }

    /// Deliveries expected for everything sent so far.
    pub fn expected(&self) -> u64 {
        self.senders
            .iter()
            .zip(&self.per_msg)
            .map(|(s, &per_msg)| s.sent * u64::from(per_msg))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_completes_when_every_other_client_has_it() {
        // Three clients; client 0 is sender 0.
        let mut t = Tally::new(3, 1, 4);
        let seq = t.sent(0);
        assert_eq!((seq, t.in_flight(0), t.expected()), (0, 1, 2));
        t.delivered(1, 0, 0, seq, 100, 150);
        assert_eq!(t.in_flight(0), 1);
        t.delivered(2, 0, 0, seq, 100, 400);
        assert_eq!((t.in_flight(0), t.received), (0, 2));
        let mut woken = Vec::new();
        t.take_woken(&mut woken);
        assert_eq!(woken, [0]);
        let h = t.latency();
        assert_eq!((h.len(), h.max()), (2, h.highest_equivalent(300)));
    }

    #[test]
    fn runs_of_equal_latency_all_reach_the_histogram() {
        let mut t = Tally::new(2, 1, 0);
        for _ in 0..6 {
            t.sent(0);
        }
        for seq in 0..3 {
            t.delivered(1, 0, 0, seq, 100, 150);
        }
        t.delivered(1, 0, 0, 3, 100, 400);
        assert_eq!(t.latency().len(), 4);
        // Reading the histogram ends the run; later ones still count.
        t.delivered(1, 0, 0, 4, 100, 400);
        t.delivered(1, 0, 0, 5, 100, 400);
        let h = t.latency();
        assert_eq!((h.len(), h.count_at(50), h.count_at(300)), (6, 3, 3));
    }

    #[test]
    fn a_window_that_is_no_power_of_two_still_completes_every_line() {
        // Window 3 rings over 4 slots; the sender keeps 3 lines in flight.
        let mut t = Tally::new(2, 1, 3);
        let mut woken = Vec::new();
        for seq in 0..20 {
            while t.in_flight(0) < 3 {
                t.sent(0);
            }
            t.delivered(1, 0, 0, seq, 0, 1);
            t.take_woken(&mut woken);
        }
        assert_eq!((t.in_flight(0), t.received), (2, 20));
        assert_eq!(woken.len(), 20);
    }

    #[test]
    fn late_and_duplicate_lines_are_out_of_order_not_received() {
        let mut t = Tally::new(2, 1, 0);
        for _ in 0..3 {
            t.sent(0);
        }
        t.delivered(1, 0, 0, 0, 0, 1);
        t.delivered(1, 0, 0, 2, 0, 1);
        t.delivered(1, 0, 0, 1, 0, 1);
        t.delivered(1, 0, 0, 2, 0, 1);
        assert_eq!((t.received, t.out_of_order), (2, 2));
        assert_eq!(t.expected() - t.received, 1);
    }

    #[test]
    fn lines_never_sent_or_from_unknown_senders_are_foreign() {
        let mut t = Tally::new(2, 1, 0);
        t.delivered(1, 0, 0, 0, 0, 1);
        t.delivered(1, 0, 5, 0, 0, 1);
        t.delivered(9, 0, 0, 0, 0, 1);
        assert_eq!((t.foreign, t.received), (3, 0));
    }

    #[test]
    fn with_rooms_a_line_is_expected_only_in_its_room() {
        // Receivers 0..6 in rooms 0,1,2,0,1,2; senders 0 and 1 are clients
        // 0 and 1 (rooms 0 and 1), sender 2 is client 3 (room 0 again).
        let rooms = [0, 1, 2, 0, 1, 2];
        let mut t = Tally::with_rooms(&rooms, &[0, 1, 0], 4);
        let at = |t: &mut Tally, receiver: usize, sender, seq| {
            t.delivered(receiver, rooms[receiver], sender, seq, 0, 1);
        };
        assert_eq!((t.senders.len(), t.width), (3, 2));
        let (a, b, c) = (t.sent(0), t.sent(1), t.sent(2));
        // Each line is expected at the one other member of its room.
        assert_eq!(t.expected(), 3);
        at(&mut t, 3, 0, a);
        at(&mut t, 4, 1, b);
        at(&mut t, 0, 2, c);
        assert_eq!((t.received, t.cross_room, t.foreign), (3, 0, 0));
        assert_eq!((t.in_flight(0), t.in_flight(1), t.in_flight(2)), (0, 0, 0));
        // A line reaching another room is counted apart, not received, and
        // leaves that room's order untouched.
        let a = t.sent(0);
        at(&mut t, 1, 0, a);
        at(&mut t, 2, 0, a);
        assert_eq!((t.received, t.cross_room, t.out_of_order), (3, 2, 0));
        assert_eq!(t.in_flight(0), 1);
        at(&mut t, 3, 0, a);
        assert_eq!((t.received, t.in_flight(0), t.expected()), (4, 0, 4));
    }

    #[test]
    fn senders_of_one_room_keep_separate_order() {
        // Two senders (clients 0 and 1) in room 0 with receiver 2; client 3
        // is in room 1 and hears nobody; index 4 is no receiver.
        let mut t = Tally::with_rooms(&[0, 0, 0, 1, NO_ROOM], &[0, 0], 0);
        for _ in 0..2 {
            t.sent(0);
            t.sent(1);
        }
        for (sender, seq) in [(1, 0), (0, 0), (0, 1), (1, 1), (1, 0)] {
            t.delivered(2, 0, sender, seq, 0, 1);
        }
        assert_eq!((t.received, t.out_of_order), (4, 1));
        t.delivered(4, NO_ROOM, 0, 0, 0, 1);
        t.delivered(5, 0, 0, 0, 0, 1);
        t.delivered(3, 1, 0, 0, 0, 1);
        assert_eq!((t.foreign, t.cross_room), (2, 1));
        // Each line is expected at the other sender and at receiver 2.
        assert_eq!(t.expected(), 8);
    }

    #[test]
    fn latency_is_kept_apart_by_node_pair() {
        // Receivers 0..4 on nodes 0,1,0,1; sender 0 is client 0 (node 0),
        // sender 1 is client 1 (node 1).
        let mut t = Tally::new(4, 2, 0);
        t.set_nodes(&[0, 1, 0, 1], &[0, 1]);
        let (a, b) = (t.sent(0), t.sent(1));
        // Same-node: 0 -> 2 and 1 -> 3; cross-node: the rest.
        t.delivered(2, 0, 0, a, 0, 100);
        t.delivered(3, 0, 1, b, 0, 100);
        t.delivered(1, 0, 0, a, 0, 900);
        t.delivered(3, 0, 0, a, 0, 900);
        t.delivered(0, 0, 1, b, 0, 900);
        t.delivered(2, 0, 1, b, 0, 900);
        let (same, cross) = t.latency_by_node();
        assert_eq!((same.len(), cross.len()), (2, 4));
        assert_eq!(same.max(), same.highest_equivalent(100));
        assert_eq!(cross.min(), cross.lowest_equivalent(900));
        let all = t.latency();
        assert_eq!((all.len(), t.received), (6, 6));
        // Without nodes every delivery is same-node.
        let mut t = Tally::new(2, 1, 0);
        let a = t.sent(0);
        t.delivered(1, 0, 0, a, 0, 5);
        assert_eq!(t.latency_by_node().1.len(), 0);
        assert_eq!(t.latency().len(), 1);
    }

    #[test]
    fn only_deliveries_inside_the_window_count_for_the_rate() {
        let mut t = Tally::new(2, 1, 0);
        t.window_end_us = 1_000;
        t.sent(0);
        t.sent(0);
        t.delivered(1, 0, 0, 0, 0, 999);
        t.delivered(1, 0, 0, 1, 0, 1_001);
        assert_eq!((t.received, t.received_in_window), (2, 1));
    }
}

//! Accounting for measured lines: what was sent, what arrived where, in what
//! order and how late, and how many lines each sender still has in flight.
//!
//! Pure bookkeeping: the engine calls [`Tally::sent`] when it writes a line
//! and [`Tally::delivered`] when a receiver finds one; no sockets here.

use hdrhistogram::Histogram;

/// Highest latency the histogram resolves, in µs (ten minutes, far beyond any
/// bounded run); later deliveries are recorded at this value.
const MAX_LATENCY_US: u64 = 600_000_000;

/// Everything known about the measured lines of one run.
#[derive(Debug)]
pub struct Tally {
    /// Number of senders; marks naming a higher sender index are foreign.
    senders: usize,
    /// Deliveries each message should get: every logged-in client but its
    /// sender, since neither linechat nor `ncat --chat` echoes a line back.
    per_msg: u32,
    /// Next sequence number each receiver expects from each sender, indexed
    /// `receiver * senders + sender`. `u32` keeps clients × senders small.
    next_seq: Vec<u32>,
    /// Slots per sender in `remaining`: the in-flight window rounded up to a
    /// power of two, so a line's slot is `seq & (ring - 1)` rather than a
    /// division on every delivery; 0 when the send rate is fixed instead.
    ring: usize,
    /// Receivers still to see each in-flight message, a ring of `ring` slots
    /// per sender indexed by `seq % ring`.
    remaining: Vec<u32>,
    /// Lines written per sender.
    sent: Vec<u64>,
    /// Lines seen by every receiver, per sender.
    completed: Vec<u64>,
    /// Senders whose window has room again, to be refilled after this batch.
    woken: Vec<u32>,
    /// Whether a sender is already in `woken`.
    is_woken: Vec<bool>,
    /// Latency of every delivery, in µs, except the current run below; read
    /// it through [`Tally::latency`], which adds that run first.
    latency: Histogram<u64>,
    /// A run of deliveries with the same latency, not yet in `latency`:
    /// (latency in µs, count). A read's lines share one arrival time, and a
    /// sender's window refill shares one send time, so consecutive
    /// deliveries often have equal latency; recording a run in one call
    /// keeps every delivery in the histogram at a fraction of the cost.
    run: (u64, u64),
    /// Deliveries of lines not seen before by that receiver (in order or after
    /// a gap). Late and duplicate ones count in `out_of_order` instead.
    pub received: u64,
    /// The part of `received` that arrived before `window_end_us`.
    pub received_in_window: u64,
    /// Deliveries that arrived after a later line of the same sender.
    pub out_of_order: u64,
    /// Marks naming a sender or receiver this run does not have.
    pub foreign: u64,
    /// End of the measurement window, in µs since the run's start.
    pub window_end_us: u64,
}

impl Tally {
    /// Bookkeeping for `senders` senders, each line expected at `receivers - 1`
    /// clients (receiver indexes `0..receivers`); `window` 0 means no
    /// in-flight tracking.
    pub fn new(receivers: usize, senders: usize, window: usize) -> Tally {
        let ring = if window == 0 {
            0
        } else {
            window.next_power_of_two()
        };
        Tally {
            senders,
            per_msg: u32::try_from(receivers.saturating_sub(1)).unwrap_or(u32::MAX),
            next_seq: vec![0; receivers * senders],
            ring,
            remaining: vec![0; senders * ring],
            sent: vec![0; senders],
            completed: vec![0; senders],
            woken: Vec::with_capacity(senders),
            is_woken: vec![false; senders],
            latency: Histogram::new_with_bounds(1, MAX_LATENCY_US, 3)
                .expect("constant histogram bounds are valid"),
            run: (0, 0),
            received: 0,
            received_in_window: 0,
            out_of_order: 0,
            foreign: 0,
            window_end_us: u64::MAX,
        }
    }

    /// Records that `sender` writes its next line; returns the line's `seq`.
    pub fn sent(&mut self, sender: u32) -> u64 {
        let s = sender as usize;
        let seq = self.sent[s];
        if self.ring > 0 {
            self.remaining[s * self.ring + (seq as usize & (self.ring - 1))] = self.per_msg;
        }
        self.sent[s] += 1;
        seq
    }

    /// Records that `receiver` found line `seq` of `sender`, written at
    /// `ts_us`, at time `now_us`.
    #[inline]
    pub fn delivered(&mut self, receiver: usize, sender: u32, seq: u64, ts_us: u64, now_us: u64) {
        let s = sender as usize;
        if s >= self.senders || seq >= self.sent[s] {
            self.foreign += 1;
            return;
        }
        let slot = receiver * self.senders + s;
        if slot >= self.next_seq.len() {
            self.foreign += 1;
            return;
        }
        let latency = now_us.saturating_sub(ts_us).max(1);
        if latency == self.run.0 {
            self.run.1 += 1;
        } else {
            self.end_run();
            self.run = (latency, 1);
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
        if ring > 0 && seq + ring as u64 >= self.sent[s] {
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

    /// Moves the current run of equal latencies into the histogram.
    fn end_run(&mut self) {
        let (latency, count) = std::mem::take(&mut self.run);
        if count > 0 {
            self.latency.saturating_record_n(latency, count);
        }
    }

    /// The latency of every delivery so far, in µs.
    pub fn latency(&mut self) -> &Histogram<u64> {
        self.end_run();
        &self.latency
    }

    /// Lines of `sender` not yet seen by every receiver.
    pub fn in_flight(&self, sender: u32) -> u64 {
        self.sent[sender as usize] - self.completed[sender as usize]
    }

    /// Takes the senders whose window gained room since the last call.
    pub fn take_woken(&mut self, into: &mut Vec<u32>) {
        for &s in &self.woken {
            self.is_woken[s as usize] = false;
        }
        into.append(&mut self.woken);
    }

    /// Lines written by all senders.
    pub fn total_sent(&self) -> u64 {
        self.sent.iter().sum()
    }

    /// Deliveries expected for everything sent so far.
    pub fn expected(&self) -> u64 {
        self.total_sent() * u64::from(self.per_msg)
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
        t.delivered(1, 0, seq, 100, 150);
        assert_eq!(t.in_flight(0), 1);
        t.delivered(2, 0, seq, 100, 400);
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
            t.delivered(1, 0, seq, 100, 150);
        }
        t.delivered(1, 0, 3, 100, 400);
        assert_eq!(t.latency().len(), 4);
        // Reading the histogram ends the run; later ones still count.
        t.delivered(1, 0, 4, 100, 400);
        t.delivered(1, 0, 5, 100, 400);
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
            t.delivered(1, 0, seq, 0, 1);
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
        t.delivered(1, 0, 0, 0, 1);
        t.delivered(1, 0, 2, 0, 1);
        t.delivered(1, 0, 1, 0, 1);
        t.delivered(1, 0, 2, 0, 1);
        assert_eq!((t.received, t.out_of_order), (2, 2));
        assert_eq!(t.expected() - t.received, 1);
    }

    #[test]
    fn lines_never_sent_or_from_unknown_senders_are_foreign() {
        let mut t = Tally::new(2, 1, 0);
        t.delivered(1, 0, 0, 0, 1);
        t.delivered(1, 5, 0, 0, 1);
        t.delivered(9, 0, 0, 0, 1);
        assert_eq!((t.foreign, t.received), (3, 0));
    }

    #[test]
    fn only_deliveries_inside_the_window_count_for_the_rate() {
        let mut t = Tally::new(2, 1, 0);
        t.window_end_us = 1_000;
        t.sent(0);
        t.sent(0);
        t.delivered(1, 0, 0, 0, 999);
        t.delivered(1, 0, 1, 0, 1_001);
        assert_eq!((t.received, t.received_in_window), (2, 1));
    }
}

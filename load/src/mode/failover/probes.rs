//! Probes: logins with a killed node's users' names, one attempt at a
//! time each, again [`PROBE_EVERY`] after each refusal, until the names
//! are free (failover without resume).

use std::time::{Duration, Instant};

use crate::engine::{Engine, ProbeNews};

/// Pause between a refused login with a victim's name and the next try.
const PROBE_EVERY: Duration = Duration::from_millis(50);

/// One name being tried until it is free.
#[derive(Debug)]
struct Probe {
    /// The victim's client number: the name is `<prefix><number>`.
    number: u64,
    /// When to try again (`None` while a try is under way or once in).
    next: Option<Instant>,
    /// When it got in, in the engine's µs.
    in_us: Option<u64>,
}

/// The probes of the first and the last victim's names.
#[derive(Debug)]
pub(super) struct Probes {
    probes: Vec<Probe>,
    /// The first node, where they log in.
    node: u32,
    /// Tries so far.
    pub(super) attempts: u64,
}

impl Probes {
    /// Probes for the first and last of `victims` users of node
    /// `victim`, due now, logging in at node 0.
    pub(super) fn new(victims: u64, nodes: u32, victim: u32, now: Instant) -> Probes {
        let first = u64::from(victim);
        let last = first + (victims - 1) * u64::from(nodes);
        let mut numbers = vec![first];
        if last != first {
            numbers.push(last);
        }
        Probes {
            probes: numbers
                .into_iter()
                .map(|number| Probe {
                    number,
                    next: Some(now),
                    in_us: None,
                })
                .collect(),
            node: 0,
            attempts: 0,
        }
    }

    /// Takes the news of ended tries, then starts the tries that are due.
    pub(super) fn step(&mut self, e: &mut Engine) {
        let now = Instant::now();
        for (number, news) in e.take_probe_news() {
            let Some(p) = self.probes.iter_mut().find(|p| p.number == number) else {
                continue;
            };
            match news {
                ProbeNews::In => p.in_us = Some(e.now_us()),
                ProbeNews::Refused | ProbeNews::Failed => p.next = Some(now + PROBE_EVERY),
            }
        }
        for p in &mut self.probes {
            if p.next.is_some_and(|t| t <= now) {
                p.next = None;
                self.attempts += 1;
                e.start_probe(p.number, self.node);
            }
        }
    }

    /// When the next try is due, if one is waiting.
    pub(super) fn next(&self) -> Option<Instant> {
        self.probes.iter().filter_map(|p| p.next).min()
    }

    /// When the last name got in, once all have.
    pub(super) fn all_in_us(&self) -> Option<u64> {
        self.probes
            .iter()
            .map(|p| p.in_us)
            .collect::<Option<Vec<u64>>>()?
            .into_iter()
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_and_last_victims_names_are_probed() {
        let now = Instant::now();
        let p = Probes::new(1000, 2, 1, now);
        let numbers: Vec<u64> = p.probes.iter().map(|p| p.number).collect();
        assert_eq!(numbers, [1, 1999]);
        assert_eq!(p.next(), Some(now));
        let p = Probes::new(1, 3, 2, now);
        assert_eq!(p.probes.len(), 1);
        assert_eq!(p.all_in_us(), None);
    }
}

//! Admission: connection counts in total, the connections waiting at the
//! prompt, and each address's record (its connections open and budgets,
//! kept by [`crate::limits::addresses`]). Pure bookkeeping; the accept
//! loop (`admit`) asks it and acts on the answer.

use crate::chat::Refusal;
use crate::config::Config;
use crate::limits::addresses::{Addresses, source};
use crate::limits::flood::{AddressFlood, Flood};
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::Instant;

/// A connection at the name prompt (or in its TLS handshake, or at the
/// password prompt): what evicting it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pending {
    /// Its slab key.
    pub(super) key: usize,
    /// Its id, so a key reused since is never closed instead.
    pub(super) id: u64,
}

/// A connection let in, and the pending connection to close for it, if
/// the prompt was full (see [`Admission::admit`]).
#[derive(Debug)]
pub(super) struct Admitted {
    pub(super) id: u64,
    pub(super) evict: Option<Pending>,
}

/// Connection counts against their limits, and per-address budgets.
#[derive(Debug)]
pub(super) struct Admission {
    /// `--max-clients`, resolved.
    max_clients: usize,
    /// `--max-per-ip`; 0 is off.
    max_per_ip: usize,
    /// `--max-pending`; 0 is off.
    max_pending: usize,
    /// `--max-pending-per-ip`; 0 is off.
    max_pending_per_ip: usize,
    /// Connections not yet logged in, oldest first, by address (only
    /// addresses with some; kept only when a pending limit is on).
    pending: HashMap<IpAddr, VecDeque<Pending>>,
    /// All of `pending` together.
    pending_total: usize,
    /// Chat connections open (at the prompt or chatting).
    clients: usize,
    /// Each source address's connections open and budgets.
    addresses: Addresses,
    /// Id of the last connection (its chat member id too), counted from
    /// `node << 48` so that ids are unique across nodes sharing a Redis
    /// (the node id is 0 without one).
    next_id: u64,
}

impl Admission {
    pub(super) fn new(max_clients: usize, config: &Config, node: u16) -> Admission {
        Admission {
            max_clients,
            max_per_ip: config.max_per_ip,
            max_pending: config.max_pending,
            max_pending_per_ip: config.max_pending_per_ip,
            pending: HashMap::new(),
            pending_total: 0,
            clients: 0,
            addresses: Addresses::new(Flood::new(config)),
            next_id: u64::from(node) << 48,
        }
    }

    pub(super) fn max_clients(&self) -> usize {
        self.max_clients
    }

    /// Chat connections open.
    pub(super) fn clients(&self) -> usize {
        self.clients
    }

    /// Counts a connection from `ip` in and returns its id, or says why not.
    /// When `--max-pending` connections are at the prompt, the oldest
    /// pending connection of the address holding the most is to be closed
    /// for it, if that address holds more than the newcomer's; else the
    /// newcomer is refused. So a few addresses with handshakes that never
    /// finish cannot keep everyone else out.
    pub(super) fn admit(&mut self, ip: IpAddr, now: Instant) -> Result<Admitted, Refusal> {
        if self.clients >= self.max_clients {
            return Err(Refusal::Full);
        }
        self.addresses.prune(self.clients, now);
        let ip = source(ip);
        let waiting = self.pending.get(&ip).map_or(0, VecDeque::len);
        if self.max_pending_per_ip > 0 && waiting >= self.max_pending_per_ip {
            return Err(Refusal::Pending);
        }
        let evict = match self.max_pending > 0 && self.pending_total >= self.max_pending {
            true => Some(self.busiest_pending(waiting).ok_or(Refusal::Pending)?),
            false => None,
        };
        self.addresses.open(ip, self.max_per_ip, now)?;
        self.clients += 1;
        self.next_id += 1;
        let evict = evict.and_then(|(from, _)| self.forget_pending(from, None));
        Ok(Admitted {
            id: self.next_id,
            evict,
        })
    }

    /// The address with the most connections at the prompt, and its
    /// oldest, if it holds more than `than`.
    fn busiest_pending(&self, than: usize) -> Option<(IpAddr, Pending)> {
        let (&ip, queue) = self.pending.iter().max_by_key(|(_, q)| q.len())?;
        (queue.len() > than).then(|| (ip, queue[0]))
    }

    /// Whether connections at the prompt are tracked (a limit on them is on).
    fn tracks_pending(&self) -> bool {
        self.max_pending > 0 || self.max_pending_per_ip > 0
    }

    /// Counts the connection `id` at `key`, just admitted from `ip`, as
    /// pending until it logs in or closes.
    pub(super) fn pending_started(&mut self, ip: IpAddr, key: usize, id: u64) {
        if self.tracks_pending() {
            let queue = self.pending.entry(source(ip)).or_default();
            queue.push_back(Pending { key, id });
            self.pending_total += 1;
        }
    }

    /// The connection `id` from `ip` logged in: it no longer counts as
    /// pending.
    pub(super) fn logged_in(&mut self, ip: IpAddr, id: u64) {
        self.forget_pending(source(ip), Some(id));
    }

    /// Removes connection `id` (the oldest if `None`) from `ip`'s pending
    /// connections; returns it if it was there.
    fn forget_pending(&mut self, ip: IpAddr, id: Option<u64>) -> Option<Pending> {
        let queue = self.pending.get_mut(&ip)?;
        // Logins come roughly in connection order: the search is short.
        let at = match id {
            None => 0,
            Some(id) => queue.iter().position(|p| p.id == id)?,
        };
        let gone = queue.remove(at)?;
        self.pending_total -= 1;
        if queue.is_empty() {
            self.pending.remove(&ip);
        }
        Some(gone)
    }

    /// Counts the connection `id` from `ip` out.
    pub(super) fn release(&mut self, ip: IpAddr, id: u64) {
        self.clients -= 1;
        let ip = source(ip);
        self.forget_pending(ip, Some(id));
        self.addresses.closed(ip);
    }

    /// Counts a wrong password from `ip`; false once the address has given
    /// more than [`ADDRESS_FAILURES`](crate::limits::passwords::ADDRESS_FAILURES)
    /// allows.
    pub(super) fn password_failed(&mut self, ip: IpAddr, now: Instant) -> bool {
        self.addresses.password_failed(ip, now)
    }

    /// The flood rates in force, built from the configuration once.
    pub(super) fn rates(&self) -> Flood {
        self.addresses.rates()
    }

    /// The flood budgets of `ip`'s address (see [`crate::limits::flood`]),
    /// if lines are limited per address; else no lookup is made.
    pub(super) fn flood(&mut self, ip: IpAddr) -> Option<&mut AddressFlood> {
        if !self.rates().limits_address_lines() {
            return None;
        }
        self.addresses.flood(ip)
    }
}

//! Admission: connection counts per source address and in total, the
//! connections waiting at the prompt, and each address's budgets (connects,
//! lines, wrong passwords). Pure bookkeeping; the accept loop (`admit`)
//! asks it and acts on the answer.

use crate::bucket::{Rate, TokenBucket};
use crate::chat::Refusal;
use crate::config::{Config, LOGIN_BURST};
use crate::limits::passwords::ADDRESS_FAILURES;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::Instant;

/// Addresses remembered (beyond twice the open connections) before those
/// with nothing open and every budget full again are forgotten.
const SWEEP_ABOVE: usize = 1024;

/// What is remembered about one source address.
#[derive(Debug)]
struct Address {
    /// Connections open from it.
    open: u32,
    /// New connections it may still open (`--login-rate`).
    connects: TokenBucket,
    /// Lines its connections may still send together (`--ip-rate`).
    lines: TokenBucket,
    /// Wrong passwords it may still give (see [`ADDRESS_FAILURES`]).
    passwords: TokenBucket,
}

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
    /// `--login-rate`, if on.
    connect_rate: Option<Rate>,
    /// `--ip-rate`, if on.
    line_rate: Option<Rate>,
    /// Chat connections open (at the prompt or chatting).
    clients: usize,
    /// Addresses with connections open, or with a budget not yet refilled
    /// (forgetting those would reset a reconnect loop's rate).
    addresses: HashMap<IpAddr, Address>,
    /// Size of `addresses` that triggers the next sweep.
    sweep_above: usize,
    /// Id of the last connection (its chat member id too), counted from
    /// `node << 48` so that ids are unique across nodes sharing a Redis
    /// (the node id is 0 without one).
    next_id: u64,
}

impl Admission {
    pub(super) fn new(max_clients: usize, config: &Config, node: u16) -> Admission {
        let on = |n: u32, rate: Rate| (n > 0).then_some(rate);
        Admission {
            max_clients,
            max_per_ip: config.max_per_ip,
            max_pending: config.max_pending,
            max_pending_per_ip: config.max_pending_per_ip,
            pending: HashMap::new(),
            pending_total: 0,
            connect_rate: on(
                config.login_rate,
                Rate::per_minute(config.login_rate, LOGIN_BURST),
            ),
            line_rate: on(
                config.ip_rate,
                Rate::per_sec(config.ip_rate, config.ip_rate.saturating_mul(2)),
            ),
            clients: 0,
            addresses: HashMap::new(),
            sweep_above: SWEEP_ABOVE,
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
        if self.addresses.len() > self.sweep_above {
            // Amortised O(1): the next sweep waits until the map doubles.
            self.sweep(now);
            self.sweep_above = (2 * self.addresses.len()).max(2 * self.clients + SWEEP_ABOVE);
        }
        let ip = source(ip);
        let waiting = self.pending.get(&ip).map_or(0, VecDeque::len);
        if self.max_pending_per_ip > 0 && waiting >= self.max_pending_per_ip {
            return Err(Refusal::Pending);
        }
        let evict = match self.max_pending > 0 && self.pending_total >= self.max_pending {
            true => Some(self.busiest_pending(waiting).ok_or(Refusal::Pending)?),
            false => None,
        };
        let (connect_rate, line_rate) = (self.connect_rate, self.line_rate);
        let address = self.addresses.entry(ip).or_insert_with(|| Address {
            open: 0,
            connects: TokenBucket::full(connect_rate.unwrap_or(UNUSED), now),
            lines: TokenBucket::full(line_rate.unwrap_or(UNUSED), now),
            passwords: TokenBucket::full(ADDRESS_FAILURES, now),
        });
        if self.max_per_ip > 0 && address.open as usize >= self.max_per_ip {
            return Err(Refusal::PerAddress);
        }
        if let Some(rate) = connect_rate
            && address.connects.try_take(rate, now).is_err()
        {
            return Err(Refusal::TooFast);
        }
        address.open += 1;
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
        if let Some(address) = self.addresses.get_mut(&ip) {
            address.open = address.open.saturating_sub(1);
        }
    }

    /// Counts a wrong password from `ip`; false once the address has given
    /// more than [`ADDRESS_FAILURES`] allows.
    pub(super) fn password_failed(&mut self, ip: IpAddr, now: Instant) -> bool {
        self.addresses
            .get_mut(&source(ip))
            .is_none_or(|a| a.passwords.try_take(ADDRESS_FAILURES, now).is_ok())
    }

    /// Whether `ip` may send one more line now; if not, when it may.
    pub(super) fn check_line(&mut self, ip: IpAddr, now: Instant) -> Result<(), Instant> {
        let (Some(rate), Some(address)) = (self.line_rate, self.addresses.get_mut(&source(ip)))
        else {
            return Ok(());
        };
        address.lines.check(rate, now)
    }

    /// Spends one line of `ip`'s budget (after [`check_line`](Self::check_line)).
    pub(super) fn spend_line(&mut self, ip: IpAddr) {
        if self.line_rate.is_some()
            && let Some(address) = self.addresses.get_mut(&source(ip))
        {
            address.lines.take();
        }
    }

    /// Forgets addresses with nothing open and every budget full again.
    fn sweep(&mut self, now: Instant) {
        let (connect, line) = (
            self.connect_rate.unwrap_or(UNUSED),
            self.line_rate.unwrap_or(UNUSED),
        );
        self.addresses.retain(|_, a| {
            a.open > 0
                || !a.connects.is_full_at(connect, now)
                || !a.lines.is_full_at(line, now)
                || !a.passwords.is_full_at(ADDRESS_FAILURES, now)
        });
    }
}

/// The source a connection is counted under: its IPv4 address, or the /64
/// of its IPv6 address (one host or home usually has a whole /64).
pub(super) fn source(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
    }
}

/// The rate of a budget that is off: never consulted, always full.
const UNUSED: Rate = Rate {
    per_sec: 1.0,
    burst: 0.0,
};

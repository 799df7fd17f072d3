//! What is remembered about each source address: its connections open and
//! its budgets (connections and lines from [`super::flood`], wrong
//! passwords from [`super::passwords`]), and when it may be forgotten.
//! Pure: the reactor's admission keeps one and passes the time in.

use super::flood::{AddressFlood, Flood};
use super::passwords::ADDRESS_FAILURES;
use crate::bucket::TokenBucket;
use crate::chat::Refusal;
use std::collections::HashMap;
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
    /// Connections and lines it may still open and send.
    flood: AddressFlood,
    /// Wrong passwords it may still give (see [`ADDRESS_FAILURES`]).
    passwords: TokenBucket,
}

/// Every source address with connections open, or with a budget not yet
/// refilled (forgetting those would reset a reconnect loop's rate).
#[derive(Debug)]
pub struct Addresses {
    /// The flood rates in force.
    flood: Flood,
    /// By source address (see [`source`]).
    map: HashMap<IpAddr, Address>,
    /// Size of `map` that triggers the next sweep.
    sweep_above: usize,
}

impl Addresses {
    /// None yet, under the rates of `flood`.
    pub fn new(flood: Flood) -> Addresses {
        Addresses {
            flood,
            map: HashMap::new(),
            sweep_above: SWEEP_ABOVE,
        }
    }

    /// Forgets rested addresses once the map has doubled since the last
    /// sweep (amortised O(1)); `clients` is the connections open in all.
    pub fn prune(&mut self, clients: usize, now: Instant) {
        if self.map.len() > self.sweep_above {
            self.sweep(now);
            self.sweep_above = (2 * self.map.len()).max(2 * clients + SWEEP_ABOVE);
        }
    }

    /// Counts a new connection from `ip` open, or says why not: it has
    /// `max_per_ip` open already (0 is no limit), or has opened too many
    /// lately.
    pub fn open(&mut self, ip: IpAddr, max_per_ip: usize, now: Instant) -> Result<(), Refusal> {
        let flood = self.flood;
        let address = self.map.entry(source(ip)).or_insert_with(|| Address {
            open: 0,
            flood: flood.address(now),
            passwords: TokenBucket::full(ADDRESS_FAILURES, now),
        });
        if max_per_ip > 0 && address.open as usize >= max_per_ip {
            return Err(Refusal::PerAddress);
        }
        if flood.connect(&mut address.flood, now).is_err() {
            return Err(Refusal::TooFast);
        }
        address.open += 1;
        Ok(())
    }

    /// Counts a connection from `ip` closed.
    pub fn closed(&mut self, ip: IpAddr) {
        if let Some(address) = self.map.get_mut(&source(ip)) {
            address.open = address.open.saturating_sub(1);
        }
    }

    /// Counts a wrong password from `ip`; false once the address has given
    /// more than [`ADDRESS_FAILURES`] allows.
    pub fn password_failed(&mut self, ip: IpAddr, now: Instant) -> bool {
        self.map
            .get_mut(&source(ip))
            .is_none_or(|a| a.passwords.try_take(ADDRESS_FAILURES, now).is_ok())
    }

    /// The flood rates in force (from the configuration, built once).
    pub fn rates(&self) -> Flood {
        self.flood
    }

    /// The flood budgets of `ip`, if it is remembered.
    pub fn flood(&mut self, ip: IpAddr) -> Option<&mut AddressFlood> {
        self.map.get_mut(&source(ip)).map(|a| &mut a.flood)
    }

    /// Forgets addresses with nothing open and every budget full again.
    fn sweep(&mut self, now: Instant) {
        let flood = self.flood;
        self.map.retain(|_, a| {
            a.open > 0
                || !flood.is_rested(&a.flood, now)
                || !a.passwords.is_full_at(ADDRESS_FAILURES, now)
        });
    }
}

/// The source a connection is counted under: its IPv4 address, or the /64
/// of its IPv6 address (one host or home usually has a whole /64).
pub fn source(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::time::Duration;

    fn addresses(ip_rate: u32, login_rate: u32) -> Addresses {
        let config = Config {
            ip_rate,
            login_rate,
            ..Config::default()
        };
        Addresses::new(Flood::new(&config))
    }

    fn v4(n: u32) -> IpAddr {
        IpAddr::V4(n.into())
    }

    #[test]
    fn an_ipv6_slash_64_is_one_source() {
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let b: IpAddr = "2001:db8::ffff:2".parse().unwrap();
        let c: IpAddr = "2001:db8:0:1::1".parse().unwrap();
        assert_eq!(source(a), source(b));
        assert_ne!(source(a), source(c));
        let mut addresses = addresses(0, 0);
        let now = Instant::now();
        assert!(addresses.open(a, 1, now).is_ok());
        assert_eq!(addresses.open(b, 1, now), Err(Refusal::PerAddress));
        assert!(addresses.open(c, 1, now).is_ok());
        addresses.closed(b);
        assert!(addresses.open(a, 1, now).is_ok());
    }

    #[test]
    fn too_many_connects_are_too_fast() {
        let mut addresses = addresses(0, 1);
        let now = Instant::now();
        for _ in 0..crate::config::LOGIN_BURST {
            assert!(addresses.open(v4(1), 0, now).is_ok());
        }
        assert_eq!(addresses.open(v4(1), 0, now), Err(Refusal::TooFast));
        assert!(addresses.open(v4(2), 0, now).is_ok());
    }

    #[test]
    fn pruning_forgets_only_rested_addresses_with_nothing_open() {
        let mut addresses = addresses(1, 0);
        let now = Instant::now();
        for n in 0..=SWEEP_ABOVE as u32 {
            addresses.open(v4(n), 0, now).unwrap();
            addresses.closed(v4(n));
        }
        addresses.open(v4(0), 0, now).unwrap(); // Still open.
        let flood = addresses.flood;
        let budget = addresses.flood(v4(1)).unwrap();
        flood.spend_line(&mut flood.connection_bucket(now), Some(budget));
        addresses.prune(1, now);
        assert_eq!(addresses.map.len(), 2);
        assert!(addresses.flood(v4(0)).is_some() && addresses.flood(v4(1)).is_some());
        // Rested, the second goes at the next sweep.
        addresses.sweep(now + Duration::from_secs(5));
        assert_eq!(addresses.map.len(), 1);
    }
}

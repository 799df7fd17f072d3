//! Flood control on lines, in one place: what a line costs a connection
//! (`--rate`, `--burst`) and its address (`--ip-rate`), what a telnet
//! command costs, when a connection is paused and until when, and the
//! connections an address may open (`--login-rate`). Pure policy: the
//! reactor asks and acts (pauses the connection, schedules its refill,
//! refuses the connection); the buckets live in the connection
//! ([`crate::conn::Conn`]) and in the per-address record
//! ([`super::addresses`]).

use crate::bucket::{Rate, TokenBucket};
use crate::config::{Config, LOGIN_BURST};
use std::time::Instant;

/// Bytes read at once from a connection under flood control. What a read
/// brings beyond the lines its budget allows is held until tokens return,
/// so this (plus one unfinished line) bounds the input held per connection.
pub const LIMITED_READ: usize = 4096;

/// The rate of a budget that is off: never consulted, always full.
pub(crate) const UNUSED: Rate = Rate {
    per_sec: 1.0,
    burst: 0.0,
};

/// The flood rates in force, from the configuration; `None` is off.
#[derive(Debug, Clone, Copy)]
pub struct Flood {
    /// Lines per connection (`--rate` per second, `--burst` at once).
    line: Option<Rate>,
    /// Lines per address over all its connections (`--ip-rate` per
    /// second, twice that at once).
    address_line: Option<Rate>,
    /// New connections per address (`--login-rate` per minute,
    /// [`LOGIN_BURST`] at once).
    connect: Option<Rate>,
}

/// An address's flood budgets (see [`Flood`]).
#[derive(Debug, Clone, Copy)]
pub struct AddressFlood {
    /// New connections it may still open.
    connects: TokenBucket,
    /// Lines its connections may still send together.
    lines: TokenBucket,
}

impl Flood {
    /// The rates `config` asks for.
    pub fn new(config: &Config) -> Flood {
        let on = |n: u32, rate: Rate| (n > 0).then_some(rate);
        Flood {
            line: on(config.rate, Rate::per_sec(config.rate, config.burst)),
            address_line: on(
                config.ip_rate,
                Rate::per_sec(config.ip_rate, config.ip_rate.saturating_mul(2)),
            ),
            connect: on(
                config.login_rate,
                Rate::per_minute(config.login_rate, LOGIN_BURST),
            ),
        }
    }

    /// Whether lines are limited at all (per connection or per address).
    pub fn limits_lines(&self) -> bool {
        self.line.is_some() || self.address_line.is_some()
    }

    /// Whether lines are limited per address (`--ip-rate`).
    pub fn limits_address_lines(&self) -> bool {
        self.address_line.is_some()
    }

    /// How much to read at once into a scratch buffer of `scratch` bytes:
    /// under flood control only [`LIMITED_READ`], so what waits for tokens
    /// waits in the kernel, which pushes back on the client.
    pub fn read_size(&self, scratch: usize) -> usize {
        if self.limits_lines() {
            LIMITED_READ.min(scratch)
        } else {
            scratch
        }
    }

    /// A new connection's own line budget, full.
    pub fn connection_bucket(&self, now: Instant) -> TokenBucket {
        TokenBucket::full(self.line.unwrap_or(UNUSED), now)
    }

    /// Whether a connection with budget `own` may send one more line now,
    /// its address's budget allowing too; if not, the connection pauses
    /// (is not read) until the returned instant, when a token is back.
    pub fn check_line(
        &self,
        own: &mut TokenBucket,
        address: Option<&mut AddressFlood>,
        now: Instant,
    ) -> Result<(), Instant> {
        if let Some(rate) = self.line {
            own.check(rate, now)?;
        }
        match (self.address_line, address) {
            (Some(rate), Some(address)) => address.lines.check(rate, now),
            _ => Ok(()),
        }
    }

    /// Spends one line of both budgets (after [`check_line`](Self::check_line)).
    pub fn spend_line(&self, own: &mut TokenBucket, address: Option<&mut AddressFlood>) {
        if self.line.is_some() {
            own.take();
        }
        if self.address_line.is_some()
            && let Some(address) = address
        {
            address.lines.take();
        }
    }

    /// Spends the connection's budget for `commands` telnet commands in a
    /// read. They are not lines, but each costs one: a negotiation flood is
    /// paced like a line flood. The budget may go below zero, which pauses
    /// the connection at its next line until it is back above one.
    pub fn spend_commands(&self, own: &mut TokenBucket, commands: u32) {
        if self.line.is_some() {
            own.take_n(commands);
        }
    }

    /// A new address's budgets, full.
    pub fn address(&self, now: Instant) -> AddressFlood {
        AddressFlood {
            connects: TokenBucket::full(self.connect.unwrap_or(UNUSED), now),
            lines: TokenBucket::full(self.address_line.unwrap_or(UNUSED), now),
        }
    }

    /// Spends one connection of the address's budget; if none is left,
    /// when the next one will be.
    pub fn connect(&self, address: &mut AddressFlood, now: Instant) -> Result<(), Instant> {
        match self.connect {
            Some(rate) => address.connects.try_take(rate, now),
            None => Ok(()),
        }
    }

    /// Whether the address's budgets are full again at `now`, so forgetting
    /// it loses nothing (a reconnect loop keeps its rate otherwise).
    pub fn is_rested(&self, address: &AddressFlood, now: Instant) -> bool {
        address
            .connects
            .is_full_at(self.connect.unwrap_or(UNUSED), now)
            && address
                .lines
                .is_full_at(self.address_line.unwrap_or(UNUSED), now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn flood(rate: u32, burst: u32, ip_rate: u32, login_rate: u32) -> Flood {
        let config = Config {
            rate,
            burst,
            ip_rate,
            login_rate,
            ..Config::default()
        };
        Flood::new(&config)
    }

    #[test]
    fn off_allows_everything_and_reads_whole_buffers() {
        let flood = flood(0, 0, 0, 0);
        let now = Instant::now();
        let mut own = flood.connection_bucket(now);
        let mut address = flood.address(now);
        assert!(!flood.limits_lines());
        assert_eq!(flood.read_size(65536), 65536);
        for _ in 0..1000 {
            assert!(flood.check_line(&mut own, Some(&mut address), now).is_ok());
            flood.spend_line(&mut own, Some(&mut address));
            flood.spend_commands(&mut own, 10);
            assert!(flood.connect(&mut address, now).is_ok());
        }
        assert!(flood.is_rested(&address, now));
    }

    #[test]
    fn a_connection_pauses_after_its_burst_until_a_token_is_back() {
        let flood = flood(10, 3, 0, 0);
        let now = Instant::now();
        let mut own = flood.connection_bucket(now);
        assert_eq!(flood.read_size(65536), LIMITED_READ);
        for _ in 0..3 {
            assert!(flood.check_line(&mut own, None, now).is_ok());
            flood.spend_line(&mut own, None);
        }
        let until = flood.check_line(&mut own, None, now).unwrap_err();
        let pause = until - now;
        assert!(pause > Duration::from_millis(90) && pause <= Duration::from_millis(101));
        assert!(flood.check_line(&mut own, None, until).is_ok());
    }

    #[test]
    fn a_telnet_command_costs_a_line() {
        let flood = flood(10, 5, 0, 0);
        let now = Instant::now();
        let mut own = flood.connection_bucket(now);
        flood.spend_commands(&mut own, 5);
        // Spent in full, even beyond the bucket: 5 more take a second.
        flood.spend_commands(&mut own, 5);
        let until = flood.check_line(&mut own, None, now).unwrap_err();
        assert!(((until - now).as_secs_f32() - 0.6).abs() < 0.01);
    }

    #[test]
    fn an_address_shares_one_line_budget() {
        let flood = flood(0, 0, 2, 0);
        let now = Instant::now();
        let (mut a, mut b) = (flood.connection_bucket(now), flood.connection_bucket(now));
        let mut address = flood.address(now);
        // Twice the rate at once, over all its connections.
        for _ in 0..2 {
            for own in [&mut a, &mut b] {
                assert!(flood.check_line(own, Some(&mut address), now).is_ok());
                flood.spend_line(own, Some(&mut address));
            }
        }
        assert!(flood.check_line(&mut a, Some(&mut address), now).is_err());
        assert!(flood.check_line(&mut b, Some(&mut address), now).is_err());
        // A connection not counted under an address is not held by it.
        assert!(flood.check_line(&mut a, None, now).is_ok());
        assert!(!flood.is_rested(&address, now));
        assert!(flood.is_rested(&address, now + Duration::from_secs(2)));
    }

    #[test]
    fn connects_per_address_per_minute() {
        let flood = flood(0, 0, 0, 6);
        let now = Instant::now();
        let mut address = flood.address(now);
        for _ in 0..LOGIN_BURST {
            assert!(flood.connect(&mut address, now).is_ok());
        }
        let next = flood.connect(&mut address, now).unwrap_err();
        assert!(((next - now).as_secs_f32() - 10.0).abs() < 0.1);
        assert!(flood.connect(&mut address, next).is_ok());
        assert!(!flood.is_rested(&address, next));
    }
}

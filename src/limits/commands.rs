//! Per-user command budgets, the chat core's flood control: what one
//! user's command costs everyone else. Name changes and topic sets (each a
//! notice to a whole room), room moves (two), rooms made (each holds a
//! slot of `--max-rooms` and memory), and `/history` lines (each request a
//! few bytes, each answer up to `--history` lines). Every budget is a token
//! bucket kept per user, and per source address, so that ten connections
//! from one address cannot buy ten times as much. Pure: the core keeps a
//! `UserBudget` per user and one `Addresses`, and asks `spend`
//! (`chat/throttle.rs`).
//!
//! Per-address budgets on moves, topics and history are on with
//! `--ip-rate` (they are the address's share of talk, like its lines); the
//! budget of rooms made is `--rooms-per-ip`.

use super::flood::UNUSED;
use crate::bucket::{Rate, TokenBucket};
use crate::config::Config;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Name changes a user may make: 3 at once, then one per 20 s, so `/nick`
/// cannot be used to flood everyone with rename notices.
const NICK_RATE: Rate = Rate {
    per_sec: 1.0 / 20.0,
    burst: 3.0,
};

/// Room moves one user may make: 5 at once, then one per 10 s. Moves past
/// the first [`TOLD_MOVES`] in [`FOLD_MOVES`] are also told only in the
/// digest.
const MOVE_RATE: Rate = Rate {
    per_sec: 1.0 / 10.0,
    burst: 5.0,
};

/// Room moves one address may make over all its connections: 10 at once,
/// then one per 6 s.
const ADDRESS_MOVE_RATE: Rate = Rate {
    per_sec: 1.0 / 6.0,
    burst: 10.0,
};

/// Topic sets one user may make: 3 at once, then one per 20 s (like names).
const TOPIC_RATE: Rate = Rate {
    per_sec: 1.0 / 20.0,
    burst: 3.0,
};

/// Topic sets one address may make: 6 at once, then one per 10 s.
const ADDRESS_TOPIC_RATE: Rate = Rate {
    per_sec: 1.0 / 10.0,
    burst: 6.0,
};

/// History lines one user may ask for: 300 at once (three full
/// `/history 100`), then 300 a minute.
const HISTORY_RATE: Rate = Rate {
    per_sec: 300.0 / 60.0,
    burst: 300.0,
};

/// History lines one address may ask for: 1,000 at once, then 1,000 a
/// minute (about 1 MB a minute at the longest lines).
const ADDRESS_HISTORY_RATE: Rate = Rate {
    per_sec: 1000.0 / 60.0,
    burst: 1000.0,
};

/// Moves of one user told line by line within [`FOLD_MOVES`]; later ones
/// are counted in the digest of both rooms instead: hopping costs each
/// bystander one digest line per interval, not two lines per hop.
const TOLD_MOVES: u32 = 4;

/// The window [`TOLD_MOVES`] counts in.
const FOLD_MOVES: Duration = Duration::from_secs(60);

/// One user's recent moves: when the window began, and how many in it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Moves {
    since: Instant,
    count: u32,
}

impl Moves {
    /// Counts a move at `now` into `moves`; true if it is one too many to
    /// be told line by line.
    pub(crate) fn hopping(moves: &mut Option<Moves>, now: Instant) -> bool {
        let m = moves.get_or_insert(Moves {
            since: now,
            count: 0,
        });
        if now >= m.since + FOLD_MOVES {
            *m = Moves {
                since: now,
                count: 0,
            };
        }
        m.count += 1;
        m.count > TOLD_MOVES
    }
}

/// Addresses remembered (beyond twice the open connections) before those
/// with nothing open and every budget full again are forgotten.
const SWEEP_ABOVE: usize = 1024;

/// What a user may still do: name changes, moves, topics and history
/// lines. A budget nobody has spent from is full, and needs no memory:
/// the buckets are made (full) at the first spend, so an idle user holds
/// one null pointer instead of four buckets (96 bytes).
#[derive(Debug, Default)]
pub(crate) struct UserBudget(Option<Box<UserBuckets>>);

#[derive(Debug)]
struct UserBuckets {
    nicks: TokenBucket,
    moves: TokenBucket,
    topics: TokenBucket,
    history: TokenBucket,
}

impl UserBudget {
    fn buckets(&mut self, now: Instant) -> &mut UserBuckets {
        self.0.get_or_insert_with(|| {
            Box::new(UserBuckets {
                nicks: TokenBucket::full(NICK_RATE, now),
                moves: TokenBucket::full(MOVE_RATE, now),
                topics: TokenBucket::full(TOPIC_RATE, now),
                history: TokenBucket::full(HISTORY_RATE, now),
            })
        })
    }

    /// Takes a name change if one is left; if not, when the next one is.
    pub(crate) fn rename(&mut self, now: Instant) -> Result<(), Instant> {
        self.buckets(now).nicks.try_take(NICK_RATE, now)
    }
}

/// What one source address may still do, over all its connections.
#[derive(Debug)]
struct AddressBudget {
    /// Connections the core knows from it.
    open: u32,
    moves: TokenBucket,
    topics: TokenBucket,
    history: TokenBucket,
    rooms: TokenBucket,
}

/// Which budget a command spends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spend {
    /// A `/join` to another room.
    Move,
    /// A `/topic` that sets or clears it.
    Topic,
    /// `/history`, this many lines.
    History(u32),
    /// A `/join` that makes a room.
    Room,
}

/// The per-address budgets, and whether each is on.
#[derive(Debug)]
pub(crate) struct Addresses {
    map: HashMap<IpAddr, AddressBudget>,
    /// Moves, topics and history per address (`--ip-rate` on).
    talk: bool,
    /// Rooms made per address (`--rooms-per-ip`), if on.
    rooms: Option<Rate>,
    sweep_above: usize,
}

impl Addresses {
    pub(crate) fn new(config: &Config) -> Addresses {
        Addresses {
            map: HashMap::new(),
            talk: config.ip_rate > 0,
            rooms: (config.rooms_per_ip > 0)
                .then(|| Rate::per_hour(config.rooms_per_ip, config.rooms_per_ip)),
            sweep_above: SWEEP_ABOVE,
        }
    }

    /// Counts a connection from `ip` in.
    pub(crate) fn open(&mut self, ip: IpAddr, open_now: usize, now: Instant) {
        if self.map.len() > self.sweep_above {
            // Amortised O(1): the next sweep waits until the map doubles.
            self.sweep(now);
            self.sweep_above = (2 * self.map.len()).max(2 * open_now + SWEEP_ABOVE);
        }
        let rooms = self.rooms.unwrap_or(UNUSED);
        let address = self.map.entry(ip).or_insert_with(|| AddressBudget {
            open: 0,
            moves: TokenBucket::full(ADDRESS_MOVE_RATE, now),
            topics: TokenBucket::full(ADDRESS_TOPIC_RATE, now),
            history: TokenBucket::full(ADDRESS_HISTORY_RATE, now),
            rooms: TokenBucket::full(rooms, now),
        });
        address.open += 1;
    }

    /// Counts a connection from `ip` out.
    pub(crate) fn close(&mut self, ip: IpAddr) {
        if let Some(address) = self.map.get_mut(&ip) {
            address.open = address.open.saturating_sub(1);
        }
    }

    /// The address's bucket for `spend` and its rate, if that budget is on.
    fn bucket(&mut self, ip: IpAddr, spend: Spend) -> Option<(&mut TokenBucket, Rate)> {
        let talk = self.talk;
        let rooms = self.rooms;
        let a = self.map.get_mut(&ip)?;
        match spend {
            Spend::Move if talk => Some((&mut a.moves, ADDRESS_MOVE_RATE)),
            Spend::Topic if talk => Some((&mut a.topics, ADDRESS_TOPIC_RATE)),
            Spend::History(_) if talk => Some((&mut a.history, ADDRESS_HISTORY_RATE)),
            Spend::Room => Some((&mut a.rooms, rooms?)),
            _ => None,
        }
    }

    /// Forgets addresses with nothing open and every budget full again.
    fn sweep(&mut self, now: Instant) {
        let rooms = self.rooms.unwrap_or(UNUSED);
        self.map.retain(|_, a| {
            a.open > 0
                || !a.moves.is_full_at(ADDRESS_MOVE_RATE, now)
                || !a.topics.is_full_at(ADDRESS_TOPIC_RATE, now)
                || !a.history.is_full_at(ADDRESS_HISTORY_RATE, now)
                || !a.rooms.is_full_at(rooms, now)
        });
    }
}

/// Spends `spend` from a user's budget `own` and from its address's (if
/// it has one and that budget is on), if both allow it; else nothing is
/// spent and the error says when to try again, in whole seconds from `at`.
pub(crate) fn spend(
    own: &mut UserBudget,
    addresses: &mut Addresses,
    address: Option<IpAddr>,
    spend: Spend,
    at: Instant,
) -> Result<(), u64> {
    let n = match spend {
        Spend::History(n) => n,
        _ => 1,
    };
    let mut own = match spend {
        Spend::Move => Some((&mut own.buckets(at).moves, MOVE_RATE)),
        Spend::Topic => Some((&mut own.buckets(at).topics, TOPIC_RATE)),
        Spend::History(_) => Some((&mut own.buckets(at).history, HISTORY_RATE)),
        Spend::Room => None,
    };
    let mut shared = address.and_then(|ip| addresses.bucket(ip, spend));
    for (bucket, rate) in [own.as_mut(), shared.as_mut()].into_iter().flatten() {
        if let Err(next) = bucket.check_n(*rate, n, at) {
            let wait = next
                .saturating_duration_since(at)
                .as_millis()
                .div_ceil(1000);
            return Err((wait as u64).max(1));
        }
    }
    for (bucket, _) in [own, shared].into_iter().flatten() {
        bucket.take_n(n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(ip_rate: u32, rooms_per_ip: u32) -> Addresses {
        let config = Config {
            ip_rate,
            rooms_per_ip,
            ..Config::default()
        };
        Addresses::new(&config)
    }

    #[test]
    fn renames_burst_then_one_per_twenty_seconds() {
        let mut budget = UserBudget::default();
        let now = Instant::now();
        for _ in 0..3 {
            assert!(budget.rename(now).is_ok());
        }
        let next = budget.rename(now).unwrap_err();
        assert!(((next - now).as_secs_f32() - 20.0).abs() < 0.1);
    }

    #[test]
    fn an_address_shares_its_moves_and_nothing_is_spent_when_refused() {
        let mut addresses = addresses(1, 0);
        let ip = IpAddr::from([192, 0, 2, 1]);
        let now = Instant::now();
        addresses.open(ip, 1, now);
        addresses.open(ip, 2, now);
        let mut users: Vec<UserBudget> = (0..3).map(|_| UserBudget::default()).collect();
        // Two users spend the address's ten moves, five each.
        for user in &mut users[..2] {
            for _ in 0..5 {
                assert!(spend(user, &mut addresses, Some(ip), Spend::Move, now).is_ok());
            }
        }
        // The third has its own five, but the address has none: 6 s.
        let third = &mut users[2];
        assert_eq!(
            spend(third, &mut addresses, Some(ip), Spend::Move, now),
            Err(6)
        );
        // Without an address only its own budget counts, untouched.
        for _ in 0..5 {
            assert!(spend(third, &mut addresses, None, Spend::Move, now).is_ok());
        }
        assert_eq!(
            spend(third, &mut addresses, None, Spend::Move, now),
            Err(10)
        );
    }

    #[test]
    fn history_costs_its_lines_and_rooms_are_per_address_only() {
        let mut addresses = addresses(0, 1);
        let ip = IpAddr::from([192, 0, 2, 1]);
        let now = Instant::now();
        addresses.open(ip, 1, now);
        let mut user = UserBudget::default();
        assert!(
            spend(
                &mut user,
                &mut addresses,
                Some(ip),
                Spend::History(300),
                now
            )
            .is_ok()
        );
        assert_eq!(
            spend(&mut user, &mut addresses, Some(ip), Spend::History(5), now),
            Err(1)
        );
        assert!(spend(&mut user, &mut addresses, Some(ip), Spend::Room, now).is_ok());
        assert_eq!(
            spend(&mut user, &mut addresses, Some(ip), Spend::Room, now),
            Err(3600)
        );
        addresses.close(ip);
    }
}

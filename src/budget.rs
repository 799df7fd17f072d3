//! Splitting a memory budget into the limits that keep the worst case of
//! every connection at once inside it. Pure arithmetic; `main` applies the
//! split to the flags the user did not give.
//!
//! The worst case the split plans for: every connection at the cap of its
//! kernel buffers (a reader that never reads fills its send buffer, a
//! flooder held by flood control fills its receive buffer; Linux charges
//! twice the size set, for bookkeeping) and of its held input, all output
//! queues together at `--max-output-memory`, every room's history full,
//! plus a fixed reserve for the binary, the heap's base and the shared
//! scratch buffer, and headroom.

use crate::config::Config;

/// Memory kept for the process itself: code, the heap's base, the 64 KiB
/// scratch buffer, logging; measured idle RSS is 3–4 MiB, so this is wide.
const RESERVE: usize = 24 * 1024 * 1024;

/// Share of the budget left unplanned, for allocator slack and
/// fragmentation: the budget is a ceiling, not a target.
const HEADROOM_PERCENT: usize = 10;

/// Share of what remains that all output queues together may use.
const OUTPUT_PERCENT: usize = 30;

/// What one connection costs besides buffers: its slot, reader, queue
/// slots, name and the room's indexes (measured 0.6–0.7 KiB idle), rounded up.
const CONNECTION_FIXED: usize = 2 * 1024;

/// Share of what remains (after the reserve) that room histories may use.
const HISTORY_PERCENT: usize = 10;

/// What one room costs besides its history: its name, indexes, digest.
const ROOM_FIXED: usize = 1024;

/// What one history line costs besides its bytes: its ring slot and time,
/// and its share of the buffer it was broadcast in.
const HISTORY_LINE_OVERHEAD: usize = 64;

/// Input a connection may hold beyond one unfinished line: one bounded read.
pub const HELD_READ: usize = 4096;

/// The limits derived from a budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    /// The budget itself, in bytes.
    pub budget: usize,
    /// `--max-output-memory`: all output queues together.
    pub max_output_memory: usize,
    /// `SO_SNDBUF` and `SO_RCVBUF` of each chat socket.
    pub socket_buffer: usize,
    /// Worst-case memory of one connection, output queue not included.
    pub per_connection: usize,
    /// `--max-clients`: as many worst-case connections as fit.
    pub max_clients: usize,
    /// `--max-outbuf`: one reader's share of the output budget, at most 1 MiB.
    pub max_outbuf: usize,
    /// `--max-rooms`: as many rooms with full histories as fit their share.
    pub max_rooms: usize,
}

/// Splits `budget` bytes for connections with lines up to `max_line` and
/// rooms keeping `history` lines each, once `hashing` bytes are set aside
/// for password hashing (the hasher's working memory, with accounts on).
pub fn split(budget: usize, max_line: usize, history: usize, hashing: usize) -> Split {
    let planned = budget - budget * HEADROOM_PERCENT / 100;
    let after_reserve = planned.saturating_sub(RESERVE + hashing);
    let max_output_memory = (after_reserve * OUTPUT_PERCENT / 100).max(64 * 1024);
    let for_history = after_reserve * HISTORY_PERCENT / 100;
    let per_room = ROOM_FIXED + history * (max_line + 2 + HISTORY_LINE_OVERHEAD);
    // Big enough for a whole iteration of fan-out to a fast reader, small
    // enough that thousands of stalled sockets fit: 16 KiB at 256 MiB.
    let socket_buffer = (budget / 16384).clamp(4096, 128 * 1024) / 1024 * 1024;
    let per_connection = 4 * socket_buffer + max_line + HELD_READ + CONNECTION_FIXED;
    let for_connections = after_reserve.saturating_sub(max_output_memory + for_history);
    Split {
        budget,
        max_output_memory,
        socket_buffer,
        per_connection,
        max_clients: (for_connections / per_connection).max(1),
        max_outbuf: (max_output_memory / 4).clamp(4096, 1024 * 1024),
        max_rooms: (for_history / per_room).max(1),
    }
}

/// Which of the limits a budget sets were given as flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct Given {
    /// `--max-clients` was given.
    pub max_clients: bool,
    /// `--max-outbuf` was given.
    pub max_outbuf: bool,
    /// `--max-output-memory` was given.
    pub max_output_memory: bool,
    /// `--max-rooms` was given.
    pub max_rooms: bool,
}

/// Applies `split` to `config` for every limit not `given`, capping the
/// client count at what `fd_clients` descriptors allow. Returns a warning
/// for each given limit that exceeds what the budget allows: flags win.
pub fn apply(split: &Split, config: &mut Config, given: Given, fd_clients: usize) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut check = |flag: &str, set: usize, derived: usize| {
        if set > derived {
            warnings.push(format!(
                "{flag} {set} exceeds the {derived} the memory budget allows; \
                 the process may outgrow its budget"
            ));
        }
    };
    config.memory_budget = Some(split.budget);
    config.socket_buffer = split.socket_buffer;
    if given.max_output_memory {
        check(
            "--max-output-memory",
            config.max_output_memory,
            split.max_output_memory,
        );
    } else {
        config.max_output_memory = split.max_output_memory;
    }
    if given.max_outbuf {
        check("--max-outbuf", config.max_outbuf, split.max_outbuf);
    } else {
        config.max_outbuf = split.max_outbuf;
    }
    if given.max_rooms {
        check("--max-rooms", config.max_rooms, split.max_rooms);
    } else {
        config.max_rooms = config.max_rooms.min(split.max_rooms);
    }
    match config.max_clients {
        Some(n) if given.max_clients => check("--max-clients", n, split.max_clients),
        _ => config.max_clients = Some(split.max_clients.min(fd_clients)),
    }
    warnings
}

/// `n` bytes in the largest whole binary unit, for logs.
pub fn human(n: usize) -> String {
    match n {
        n if n >= 1 << 30 && n % (1 << 30) == 0 => format!("{} GiB", n >> 30),
        n if n >= 1 << 20 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 => format!("{} KiB", n >> 10),
        n => format!("{n} B"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_with_a_warning() {
        let split = split(256 << 20, 1024, 100, 0);
        let mut config = Config::default();
        let warnings = apply(&split, &mut config, Given::default(), 19_968);
        assert!(warnings.is_empty());
        assert_eq!(config.max_clients, Some(split.max_clients));
        assert_eq!(config.socket_buffer, 16 * 1024);
        let mut config = Config {
            max_clients: Some(50_000),
            max_output_memory: 1 << 30,
            ..Config::default()
        };
        let given = Given {
            max_clients: true,
            max_output_memory: true,
            ..Given::default()
        };
        let warnings = apply(&split, &mut config, given, 19_968);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert_eq!(config.max_clients, Some(50_000));
        assert_eq!(config.max_output_memory, 1 << 30);
        assert_eq!(config.max_outbuf, split.max_outbuf);
    }

    #[test]
    fn the_worst_case_fits_the_budget() {
        // With accounts on, the hasher's 19 MiB count too.
        let hashing = crate::accounts::HASH_MEMORY;
        for budget in [64 << 20, 256 << 20, 1 << 30, 8 << 30] {
            for hashing in [0, hashing] {
                let s = split(budget, 1024, 100, hashing);
                let history = s.max_rooms * (ROOM_FIXED + 100 * (1024 + 2 + HISTORY_LINE_OVERHEAD));
                let worst = RESERVE
                    + hashing
                    + s.max_output_memory
                    + history
                    + s.max_clients * s.per_connection;
                assert!(worst <= budget * 9 / 10, "{budget}: {worst}");
                assert!(s.max_outbuf <= s.max_output_memory);
            }
        }
        let (off, on) = (
            split(256 << 20, 1024, 100, 0),
            split(256 << 20, 1024, 100, hashing),
        );
        assert!(on.max_clients < off.max_clients);
    }

    #[test]
    fn the_deployment_budget() {
        let s = split(256 << 20, 1024, 100, 0);
        assert_eq!(s.socket_buffer, 16 * 1024);
        assert!(s.max_rooms > 100 && s.max_rooms < 1000, "{}", s.max_rooms);
        assert_eq!(s.max_outbuf, 1024 * 1024);
        assert!(
            s.max_clients > 1500 && s.max_clients < 3000,
            "{}",
            s.max_clients
        );
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(256 << 20), "256 MiB");
        assert_eq!(human(2 << 30), "2 GiB");
        assert_eq!(human(16 * 1024), "16 KiB");
        assert_eq!(human(100), "100 B");
    }
}

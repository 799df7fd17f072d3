//! Reading: a client's bytes, scanned for markers, barrier tokens, room
//! answers and leave notices, and its login moved along.

use std::io::{self, Read};
use std::time::Instant;

use super::barrier::BARRIER_ROOMS;
use super::client::{End, Phase};
use super::{Engine, Login, MAX_CARRY, ProbeNews};
use crate::login;
use crate::rooms::{self, Answer};
use crate::tally::NO_ROOM;
use crate::tls;
use crate::wire::{self, Mark};

impl Engine {
    /// Reads what client `key` has, scans it for markers, and moves the
    /// client along its login on any bytes.
    pub(super) fn read(&mut self, key: usize, to_the_end: bool) {
        let Engine {
            target,
            clients,
            buf,
            tally,
            barrier,
            epoch,
            cross_room,
            leaves,
            ..
        } = self;
        let Some(c) = clients.get_mut(key) else {
            return;
        };
        if c.phase == Phase::Closed {
            return;
        }
        // Before and right after the name, what the server says is kept to
        // judge the answer (bounded; see `login.rs`).
        let hearing =
            target.login == Login::Name && matches!(c.phase, Phase::AwaitPrompt | Phase::NameSent);
        let mut got = 0;
        let mut ended: Option<End> = None;
        let mut joined: Option<Answer> = None;
        loop {
            let keep = c.carry.len();
            buf[..keep].copy_from_slice(&c.carry);
            // `short`: the socket has nothing more for now.
            let read = match c.tls.as_deref_mut() {
                None => c
                    .stream
                    .read(&mut buf[keep..])
                    .map(|n| (n, keep + n < buf.len())),
                Some(session) => tls::read(session, &mut c.stream, &mut buf[keep..]),
            };
            let (n, short) = match read {
                Ok((0, _)) => {
                    ended = Some(End::Closed);
                    break;
                }
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    ended = Some(End::Failed(format!("read: {e}")));
                    break;
                }
            };
            // One timestamp per read: every line in it arrived together.
            let now = epoch.elapsed().as_micros() as u64;
            got += n;
            if hearing {
                c.heard.push(&buf[keep..keep + n]);
            }
            c.carry.clear();
            let data = &buf[..keep + n];
            let mut from = 0;
            if c.skipping {
                match memchr::memchr(b'\n', data) {
                    Some(i) => {
                        from = i + 1;
                        c.skipping = false;
                    }
                    None => from = data.len(),
                }
            }
            let end = memchr::memrchr(b'\n', &data[from..]).map_or(from, |i| from + i + 1);
            if c.phase == Phase::Joining && joined.is_none() {
                joined = rooms::answer(&data[from..end], c.room);
            }
            if let Some(leaves) = leaves.as_mut().filter(|_| !c.probe) {
                leaves.scan(c.number, &data[from..end], now);
            }
            let seen = &mut c.seen_barrier;
            let room = c.room;
            let tally_room = if c.tallied { room } else { NO_ROOM };
            wire::scan(&data[from..end], |mark| match mark {
                Mark::Data { sender, seq, ts_us } => {
                    tally.delivered(key, tally_room, sender, seq, ts_us, now)
                }
                Mark::Barrier(token) => {
                    if barrier.token == 0 || token.wrapping_sub(barrier.token) >= BARRIER_ROOMS {
                        // Not this run's.
                    } else if token != barrier.token + u64::from(room) {
                        *cross_room += 1;
                    } else if barrier.running && !*seen {
                        *seen = true;
                        barrier.seen += 1;
                    }
                }
            });
            let tail = &data[end..];
            if tail.len() > MAX_CARRY {
                c.skipping = true;
            } else {
                c.carry.extend_from_slice(tail);
            }
            if !to_the_end && short {
                break;
            }
        }
        if got > 0 {
            match c.phase {
                Phase::AwaitPrompt if self.target.login == Login::Greeting => self.logged_in(key),
                Phase::AwaitPrompt => {
                    c.prompt = login::prompt(&std::mem::take(&mut c.heard));
                    c.out.extend_from_slice(self.target.prefix.as_bytes());
                    wire::put_u64(&mut c.out, c.number);
                    c.out.extend_from_slice(b"\r\n");
                    c.phase = Phase::NameSent;
                    c.since = Instant::now();
                    self.flush(key);
                }
                Phase::NameSent => {
                    let answer = std::mem::take(&mut c.heard);
                    let prompt = c.prompt.take();
                    let refused = login::refused(prompt.as_deref(), &answer);
                    if refused && c.probe {
                        // An answer for the caller, not a failed run.
                        self.probe_news.push((c.number, ProbeNews::Refused));
                        return self.lose(key, End::Refused);
                    }
                    if refused {
                        let name = format!("{}{}", self.target.prefix, c.number);
                        let why = format!(
                            "the server refused the name `{name}`: it answered `{}`. \
                             Another user has that name, or the server does not accept it; \
                             run again with names no one uses, e.g. --prefix load{}-",
                            answer.first_line(),
                            std::process::id() % 1000,
                        );
                        self.note_failure(why.clone());
                        self.refusal.get_or_insert(why);
                        return self.lose(key, End::Refused);
                    }
                    self.logged_in(key);
                }
                Phase::Joining => match joined {
                    Some(Answer::Joined) => self.in_room(key),
                    Some(Answer::Refused(line)) => {
                        let why = format!(
                            "the server refused `/join #load{}`: it answered `{line}`",
                            c.room
                        );
                        self.note_failure(why.clone());
                        self.refusal.get_or_insert(why);
                        return self.lose(key, End::Refused);
                    }
                    None => {}
                },
                _ => {}
            }
        }
        if let Some(end) = ended {
            self.lose(key, end);
        }
    }
}

//! Reading: a client's bytes, scanned for markers, barrier tokens, room
//! answers and leave notices, and its login moved along.

use std::io::{self, Read as _};
use std::os::fd::AsRawFd;
use std::time::{Instant, SystemTime};

use super::barrier::{BARRIER_ROOMS, Barrier};
use super::client::{Client, End, Phase};
use super::{Engine, Login, MAX_CARRY, ProbeNews};
use crate::irc;
use crate::login;
use crate::rooms::{self, Answer};
use crate::tally::{NO_ROOM, Tally};
use crate::tls;
use crate::wire::{self, Mark};

/// What [`Engine::read_socket`] found.
struct Reading {
    /// Bytes read.
    got: usize,
    /// How the connection ended, if it did.
    ended: Option<End>,
    /// The answer to the client's `/join`, if one came.
    joined: Option<Answer>,
    /// Over IRC, the answer to its registration or its `JOIN`, if one came.
    irc: Option<irc::Answer>,
}

impl Engine {
    /// Reads what client `key` has, scans it for markers, and moves the
    /// client along its login on any bytes.
    pub(super) fn read(&mut self, key: usize, to_the_end: bool) {
        let Some(reading) = self.read_socket(key, to_the_end) else {
            return;
        };
        if reading.got > 0 {
            match self.target.login {
                Login::Irc => self.answered_irc(key, reading.irc),
                _ => self.answered(key, reading.joined),
            }
        }
        // A client the answer closed is not closed twice: `lose` skips it.
        if let Some(end) = reading.ended {
            self.lose(key, end);
        }
    }

    /// Reads client `key`'s socket until it is empty for now (or, with
    /// `to_the_end`, until its end or an error), scanning each read's
    /// whole lines; `None` for a client gone or closed.
    fn read_socket(&mut self, key: usize, to_the_end: bool) -> Option<Reading> {
        let Engine {
            target,
            clients,
            buf,
            tally,
            barrier,
            epoch,
            epoch_wall,
            stamping,
            cross_room,
            leaves,
            resumes,
            ..
        } = self;
        let c = clients.get_mut(key).filter(|c| c.phase != Phase::Closed)?;
        // Before and right after the name, what the server says is kept to
        // judge the answer (bounded; see `login.rs`).
        let hearing =
            target.login == Login::Name && matches!(c.phase, Phase::AwaitPrompt | Phase::NameSent);
        let mut r = Reading {
            got: 0,
            ended: None,
            joined: None,
            irc: None,
        };
        let irc = target.login == Login::Irc;
        loop {
            let keep = c.carry.len();
            buf[..keep].copy_from_slice(&c.carry);
            // `short`: the socket has nothing more for now.
            let (n, short, stamp) = match read_some(c, &mut buf[keep..], *stamping) {
                Ok((0, _, _)) => {
                    r.ended = Some(End::Closed);
                    break;
                }
                Ok(read) => read,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    r.ended = Some(End::Failed(format!("read: {e}")));
                    break;
                }
            };
            // One timestamp per read: every line in it arrived together.
            let now = epoch.elapsed().as_micros() as u64;
            let arrived = stamp
                .and_then(|t| t.duration_since(*epoch_wall).ok())
                .map(|d| d.as_micros() as u64);
            r.got += n;
            if hearing {
                c.heard.push(&buf[keep..keep + n]);
            }
            c.carry.clear();
            let data = &buf[..keep + n];
            let (from, end) = whole_lines(c, data);
            let lines = &data[from..end];
            if irc && r.irc.is_none() {
                r.irc = match c.phase {
                    Phase::NameSent => irc::registration(lines, &mut c.out),
                    Phase::Joining => irc::join(lines, c.room),
                    _ => None,
                };
            } else if c.phase == Phase::Joining && r.joined.is_none() {
                r.joined = rooms::answer(lines, c.room);
            }
            if let Some(leaves) = leaves.as_mut().filter(|_| !c.probe) {
                leaves.scan(c.number, lines, now);
            }
            if let Some(resumes) = resumes.as_mut().filter(|_| !c.probe) {
                resumes.scan(c.number, lines, now);
            }
            count_marks(lines, key, c, tally, barrier, cross_room, (now, arrived));
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
        Some(r)
    }

    /// Moves client `key` along its login on the bytes it just read: the
    /// prompt gets the name, the answer to the name logs it in (or fails
    /// the run when it refuses the name), the answer to `/join` puts it in
    /// its room.
    fn answered(&mut self, key: usize, joined: Option<Answer>) {
        let Some(c) = self.clients.get_mut(key) else {
            return;
        };
        match c.phase {
            Phase::AwaitPrompt if self.target.login == Login::Greeting => self.logged_in(key),
            Phase::AwaitPrompt => {
                c.prompt = login::prompt(&std::mem::take(&mut c.heard));
                match c.resume.as_deref() {
                    Some(code) => {
                        c.out.extend_from_slice(b"/resume ");
                        c.out.extend_from_slice(code.as_bytes());
                    }
                    None => {
                        c.out.extend_from_slice(self.target.prefix.as_bytes());
                        wire::put_u64(&mut c.out, c.number);
                    }
                }
                c.out.extend_from_slice(b"\r\n");
                c.phase = Phase::NameSent;
                c.since = Instant::now();
                self.flush(key);
            }
            Phase::NameSent => {
                let answer = std::mem::take(&mut c.heard);
                let prompt = c.prompt.take();
                if !login::refused(prompt.as_deref(), &answer) {
                    return self.logged_in(key);
                }
                if c.probe {
                    // An answer for the caller, not a failed run.
                    self.probe_news.push((c.number, ProbeNews::Refused));
                    return self.lose(key, End::Refused);
                }
                if c.resume.is_some() {
                    let number = c.number;
                    self.resumed(number, Some(false));
                    return self.lose(key, End::Refused);
                }
                let name = format!("{}{}", self.target.prefix, c.number);
                let why = format!(
                    "the server refused the name `{name}`: it answered `{}`. \
                     Another user has that name, or the server does not accept it; \
                     run again with names no one uses, e.g. --prefix load{}-",
                    answer.first_line(),
                    std::process::id() % 1000,
                );
                self.refuse(key, why);
            }
            Phase::Joining => match joined {
                Some(Answer::Joined) => self.in_room(key),
                Some(Answer::Refused(line)) => {
                    let why = format!(
                        "the server refused `/join #load{}`: it answered `{line}`",
                        c.room
                    );
                    self.refuse(key, why);
                }
                None => {}
            },
            _ => {}
        }
    }

    /// Moves IRC client `key` along on the server's `answer` to its
    /// registration (logged in; it then joins its channel) or to its `JOIN`
    /// (in), or fails the run when the answer refuses. A registration `PING`
    /// has put its `PONG` in the client's output.
    fn answered_irc(&mut self, key: usize, answer: Option<irc::Answer>) {
        let Some(c) = self.clients.get_mut(key) else {
            return;
        };
        let phase = c.phase;
        match (phase, answer) {
            (Phase::NameSent, Some(irc::Answer::Yes)) => self.logged_in(key),
            (Phase::Joining, Some(irc::Answer::Yes)) => self.in_room(key),
            (Phase::NameSent | Phase::Joining, Some(irc::Answer::No(line))) => {
                if c.probe && phase == Phase::NameSent {
                    self.probe_news.push((c.number, ProbeNews::Refused));
                    return self.lose(key, End::Refused);
                }
                let why = match phase {
                    Phase::NameSent => format!(
                        "the server refused the nick `{}{}`: it answered `{line}`. Another \
                         user has that name, or the server does not accept it; run again \
                         with names no one uses, e.g. --prefix load{}-",
                        self.target.prefix,
                        c.number,
                        std::process::id() % 1000,
                    ),
                    _ => format!(
                        "the server refused `JOIN #load{}`: it answered `{line}`",
                        c.room
                    ),
                };
                self.refuse(key, why);
            }
            (Phase::NameSent, None) if !c.out.is_empty() => self.flush(key),
            _ => {}
        }
    }

    /// The server refused what client `key` asked for: the run cannot
    /// succeed ([`Engine::pump`] returns `why` as its error).
    fn refuse(&mut self, key: usize, why: String) {
        self.note_failure(why.clone());
        self.refusal.get_or_insert(why);
        self.lose(key, End::Refused);
    }
}

/// What one read gave: the bytes read, whether the read was short (the
/// socket has nothing more for now), and when the kernel says they arrived.
type Read = (usize, bool, Option<SystemTime>);

/// One read from client `c`'s socket (through its TLS session if it has
/// one) into `buf`; `stamped`: a plain socket's read asks for the time its
/// bytes arrived (see [`Engine::stamp_arrivals`]).
fn read_some(c: &mut Client, buf: &mut [u8], stamped: bool) -> io::Result<Read> {
    let len = buf.len();
    if let Some(ws) = c.ws.as_deref_mut() {
        return crate::websocket::read(ws, &mut c.stream, buf).map(|(n, short)| (n, short, None));
    }
    match c.tls.as_deref_mut() {
        None if stamped => crate::os::read_stamped(c.stream.as_raw_fd(), buf)
            .map(|(n, arrived)| (n, n < len, arrived)),
        None => c.stream.read(buf).map(|n| (n, n < len, None)),
        Some(session) => tls::read(session, &mut c.stream, buf).map(|(n, short)| (n, short, None)),
    }
}

/// The span of `data` (the carried partial line, then what was read) that
/// holds whole lines: from past the rest of a line being skipped, to the
/// last newline.
fn whole_lines(c: &mut Client, data: &[u8]) -> (usize, usize) {
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
    (from, end)
}

/// Counts the markers in `lines`, read by client `c` (key `key`) at `now`
/// (and arrived at `arrived`, if the kernel said: see
/// [`Engine::stamp_arrivals`]): measured lines into the tally (foreign
/// unless `c` is tallied), this
/// run's barrier tokens as seen, or as `cross_room` when they are another
/// room's.
fn count_marks(
    lines: &[u8],
    key: usize,
    c: &mut Client,
    tally: &mut Tally,
    barrier: &mut Barrier,
    cross_room: &mut u64,
    (now, arrived): (u64, Option<u64>),
) {
    let seen = &mut c.seen_barrier;
    let room = c.room;
    let tally_room = if c.tallied { room } else { NO_ROOM };
    wire::scan(lines, |mark| match mark {
        Mark::Data { sender, seq, ts_us } => {
            tally.delivered(key, tally_room, sender, seq, ts_us, now);
            if let Some(at) = arrived {
                tally.arrived(key, sender, ts_us, at);
            }
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
}

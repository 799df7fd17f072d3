//! Starting clients: connecting (paced, from spread source addresses),
//! logging in, joining a room; probes; and a killed node's clients.

use std::io;
use std::time::{Duration, Instant};

use mio::{Interest, Token};

use super::client::{Client, Phase};
use super::{Engine, Login, ProbeNews, Role};
use crate::irc;
use crate::login::Heard;
use crate::os;
use crate::rooms;
use crate::tls::Tls;
use crate::wire;

/// Cap on an attacker's own socket buffers (send, and receive for one that
/// never reads), in bytes; the kernel doubles it. The server cannot bound
/// the memory of the client's end, which on a real network sits on another
/// machine, so the generator keeps its end small: then the system-wide TCP
/// memory it samples is mostly the server's end.
const ATTACKER_BUFFER: libc::c_int = 16 * 1024;

/// The node index that stands for the balancer (`Target::balancer`).
const BALANCER: u32 = u32::MAX;

impl Engine {
    /// From now on the lines that clients of `node` find are not tallied
    /// (they count as foreign); call before building the tally, whose
    /// receivers come from [`Engine::receiver_rooms`].
    pub fn untally_node(&mut self, node: u32) {
        for (_, c) in self.clients.iter_mut() {
            if c.node == node {
                c.tallied = false;
            }
        }
    }

    /// Closes every client of `node`, whose server has just been killed,
    /// without counting any as failed or dropped (logged-in ones count in
    /// `forgotten`). Call it between pumps, so none of their closes has
    /// been seen yet.
    pub fn forget_node(&mut self, node: u32) {
        let keys: Vec<usize> = self
            .clients
            .iter()
            .filter(|(_, c)| c.node == node && c.phase != Phase::Closed)
            .map(|(k, _)| k)
            .collect();
        for key in keys {
            let c = &mut self.clients[key];
            match c.phase {
                Phase::Ready if !c.probe => {
                    self.counts.ready -= 1;
                    self.counts.forgotten += 1;
                }
                _ if c.probe => {}
                // Not logged in yet: it will never be.
                _ => self.counts.failed += 1,
            }
            c.phase = Phase::Closed;
            self.to_close.push(key);
        }
        self.close_marked();
    }

    /// Starts one more client connecting.
    pub fn start_client(&mut self) {
        let number = self.counts.started;
        self.counts.started += 1;
        let node = self.node_of(number);
        self.connect(number, node, false, None);
    }

    /// Starts a probe: a client named `<prefix><number>` that logs in to
    /// the server at address index `node`. It counts in no total and no
    /// tally; how its login ends comes out of [`Engine::take_probe_news`].
    /// Once in, it stays logged in and reads (and ignores) everything.
    pub fn start_probe(&mut self, number: u64, node: u32) {
        self.connect(number, node, true, None);
    }

    /// Starts client `number`, a killed node's user, reconnecting through
    /// the balancer to send `/resume code` at the prompt. How it ends goes
    /// to [`Engine::resumes`]; once back it reads on, outside every total.
    pub fn start_resume(&mut self, number: u64, code: Box<str>) {
        self.connect(number, BALANCER, false, Some(code));
    }

    /// A resuming client `number`'s login ended: `Some(true)` in,
    /// `Some(false)` its code refused, `None` failed.
    pub(super) fn resumed(&mut self, number: u64, answer: Option<bool>) {
        let now = self.now_us();
        if let Some(r) = self.resumes.as_mut() {
            r.reconnected(number, answer, now);
        }
    }

    /// Probe logins that have ended since the last call, in order.
    pub fn take_probe_news(&mut self) -> Vec<(u64, ProbeNews)> {
        std::mem::take(&mut self.probe_news)
    }

    /// Starts client `number` connecting to address `node` (a probe, a
    /// resume with its code, or an ordinary client).
    fn connect(&mut self, number: u64, node: u32, probe: bool, resume: Option<Box<str>>) {
        let src = os::source_for(number, self.target.sources);
        let role = match probe {
            true => Role::default(),
            false => self.roles.get(number as usize).cloned().unwrap_or_default(),
        };
        let small = role.is_attacker().then_some(os::Buffers {
            bytes: ATTACKER_BUFFER,
            rcvbuf_too: role.mute,
        });
        let addr = match self.target.addrs.get(node as usize) {
            Some(&addr) => addr,
            None => self
                .target
                .balancer
                .expect("only resumes connect past the nodes"),
        };
        let session = match self.target.tls.as_ref().map(Tls::session).transpose() {
            Ok(s) => s.map(Box::new),
            Err(e) => return self.not_started(number, probe, resume, format!("TLS session: {e}")),
        };
        let mut stream = match os::connect(addr, src, small) {
            Ok(s) => s,
            Err(e) => return self.not_started(number, probe, resume, format!("connect: {e}")),
        };
        let entry = self.clients.vacant_entry();
        let interest = Interest::READABLE | Interest::WRITABLE;
        // Both interests, once: mio is edge-triggered, so WRITABLE costs
        // nothing while the socket stays writable, and no re-registration is
        // ever needed when output backs up.
        if let Err(e) = self
            .poll
            .registry()
            .register(&mut stream, Token(entry.key()), interest)
        {
            return self.note_failure(format!("register: {e}"));
        }
        let ws = self
            .target
            .websocket
            .then(|| Box::new(crate::websocket::Session::new(addr.into(), number)));
        entry.insert(Client {
            stream,
            tls: session,
            ws,
            phase: Phase::Connecting,
            number,
            room: rooms::room_of(number, self.target.rooms),
            node,
            // A probe may reuse the slab key of a client in the tally.
            tallied: !probe && resume.is_none(),
            probe,
            since: Instant::now(),
            carry: Vec::new(),
            skipping: false,
            out: Vec::new(),
            shut: false,
            seen_barrier: false,
            heard: Heard::default(),
            prompt: None,
            role,
            muted: false,
            pattern_at: 0,
            say: match self.target.login {
                Login::Irc => irc::say_prefix(rooms::room_of(number, self.target.rooms)),
                _ => Box::default(),
            },
            resume,
        });
    }

    /// Client `number` could not even start connecting, because `why`.
    fn not_started(&mut self, number: u64, probe: bool, resume: Option<Box<str>>, why: String) {
        match (probe, resume) {
            (true, _) => self.probe_news.push((number, ProbeNews::Failed)),
            (false, Some(_)) => self.resumed(number, None),
            (false, None) => self.note_failure(why),
        }
    }

    /// When the next connect may start under the connect rate.
    pub fn next_start(&self) -> Instant {
        match self.target.connect_rate {
            Some(rate) => self.epoch + Duration::from_secs_f64(self.counts.started as f64 / rate),
            None => self.epoch,
        }
    }

    /// When to wake from polling: at `deadline`, or earlier for the next
    /// paced connect if one is `wanted` (and only blocked by the rate).
    pub fn wake_for_start(&self, wanted: bool, deadline: Instant) -> Instant {
        if wanted && self.target.connect_rate.is_some() {
            deadline.min(self.next_start())
        } else {
            deadline
        }
    }

    /// Whether another connect may start now under the connect rate.
    pub fn may_start(&self) -> bool {
        Instant::now() >= self.next_start()
    }

    /// Connects and logs in clients until `n` are logged in, keeping at most
    /// `concurrency` in progress so the server's listen backlog never
    /// overflows (an overflowed SYN is retried only after a second). True if
    /// all `n` logged in before `deadline`.
    pub fn open(&mut self, n: u64, concurrency: u64, deadline: Instant) -> io::Result<bool> {
        loop {
            while self.counts.started < n && self.in_progress() < concurrency && self.may_start() {
                self.start_client();
            }
            if self.counts.logins + self.counts.failed >= n {
                return Ok(self.counts.failed == 0);
            }
            if Instant::now() >= deadline {
                self.note_error("deadline passed while logging in".into());
                return Ok(false);
            }
            let more = self.counts.started < n && self.in_progress() < concurrency;
            self.pump(self.wake_for_start(more, deadline))?;
        }
    }

    /// Client `key` has logged in: it joins its room if there are rooms,
    /// else it is in.
    pub(super) fn logged_in(&mut self, key: usize) {
        let Some(c) = self.clients.get_mut(key) else {
            return;
        };
        // An IRC user starts in no channel: it joins one even to say churn's
        // one line.
        let irc = self.target.login == Login::Irc;
        if (self.target.rooms > 1 && !self.leave_after_login) || irc {
            match irc {
                true => irc::put_join(&mut c.out, c.room),
                false => rooms::put_join(&mut c.out, c.room),
            }
            c.phase = Phase::Joining;
            c.since = Instant::now();
            return self.flush(key);
        }
        self.in_room(key);
    }

    /// Client `key` has logged in and, with rooms, is in its room.
    pub(super) fn in_room(&mut self, key: usize) {
        let Some(c) = self.clients.get_mut(key) else {
            return;
        };
        if c.probe {
            c.phase = Phase::Ready;
            self.probe_news.push((c.number, ProbeNews::In));
            return;
        }
        if c.resume.is_some() {
            c.phase = Phase::Ready;
            let number = c.number;
            return self.resumed(number, Some(true));
        }
        self.counts.logins += 1;
        if self.leave_after_login {
            if self.churn_line {
                c.out.extend_from_slice(&c.say);
                c.out.extend_from_slice(b"churn line from ");
                c.out.extend_from_slice(self.target.prefix.as_bytes());
                wire::put_u64(&mut c.out, c.number);
                c.out.extend_from_slice(b"\r\n");
            }
            c.phase = Phase::Leaving;
            c.since = Instant::now();
            self.flush(key);
        } else {
            c.phase = Phase::Ready;
            c.muted = c.role.mute;
            let (ignore, clients) = self.target.ignore;
            for i in 1..=u64::from(ignore) {
                c.out.extend_from_slice(b"/ignore ");
                c.out.extend_from_slice(self.target.prefix.as_bytes());
                wire::put_u64(&mut c.out, crate::ignore::target(c.number, i, clients));
                c.out.extend_from_slice(b"\r\n");
            }
            if ignore > 0 {
                self.flush(key);
            }
            self.counts.ready += 1;
            if self.flooding {
                self.flush(key);
            }
        }
    }
}

//! The engine's two links in the reactor's loop: registered in its poll,
//! driven on readiness and timers, flushed at the end of each iteration;
//! what they report (up, down, replies, lost commands) is handled here.

use super::{Redis, Role, Told, limited_warn};
use crate::chat::Now;
use crate::redis::{DownLine, Event, Link, State, Why};
use log::{info, warn};
use mio::{Registry, Token};
use std::io;
use std::time::Instant;

impl Redis {
    /// Registers the link of `role` in the poll under `token`.
    pub(in crate::engine) fn register(
        &mut self,
        role: Role,
        registry: &Registry,
        token: Token,
    ) -> io::Result<()> {
        if role == Role::Reader {
            info!("node {:04x}: sharing rooms through Redis", self.node);
        }
        self.link(role).register(registry, token)
    }

    /// Readiness of one of the links.
    pub(in crate::engine) fn ready(&mut self, role: Role, event: &mio::event::Event, now: &Now) {
        let readable = event.is_readable() || event.is_read_closed() || event.is_error();
        let mut events = std::mem::take(&mut self.events);
        (self.link(role)).on_ready(readable, event.is_writable(), now.instant, &mut events);
        self.link_events(role, &mut events, now);
    }

    /// Timeouts and reconnects of the links that are due, and the
    /// heartbeat (none once the node is `stopping`).
    pub(in crate::engine) fn timers(&mut self, now: &Now, stopping: bool) {
        if self.can_beat() && self.store.next_heartbeat <= now.instant && !stopping {
            self.heartbeat(now);
        }
        if self.commands.state() == State::Ready {
            self.sweep_rooms(now);
            self.resume_timers(now);
        }
        for role in [Role::Commands, Role::Reader] {
            let link = self.link(role);
            if link.next_deadline().is_some_and(|at| at <= now.instant) {
                let mut events = std::mem::take(&mut self.events);
                let link = self.link(role);
                if link.state() == State::Ready {
                    // A reply may be waiting unseen: after this process was
                    // stopped (SIGSTOP, a stall), poll can return EINTR with
                    // no events, and the reply timeout would blame Redis.
                    link.on_ready(true, false, now.instant, &mut events);
                }
                link.on_timer(now.instant, &mut events);
                self.link_events(role, &mut events, now);
            }
        }
    }

    /// At the end of the iteration: keeps one read out, writes what was
    /// queued, and brings the poll in line with the links.
    pub(in crate::engine) fn flush(
        &mut self,
        registry: &Registry,
        now: &Now,
        readers_ready: &dyn Fn() -> bool,
    ) {
        if self.rooms_changed {
            self.rooms_changed = false;
            self.follow_rooms(now);
        }
        self.keep_reading(now, readers_ready);
        for role in [Role::Commands, Role::Reader] {
            let mut events = std::mem::take(&mut self.events);
            self.link(role).flush(now.instant, &mut events);
            if let Err(e) = self.link(role).reregister(registry) {
                limited_warn!(self, now, "redis: cannot register a link: {e}");
            }
            self.link_events(role, &mut events, now);
        }
    }

    /// Handles what a link reported, then gives the vector back.
    fn link_events(&mut self, role: Role, events: &mut Vec<Event>, now: &Now) {
        for event in events.drain(..) {
            match (event, role) {
                (Event::Up, _) => {
                    if self.down_logs[role as usize].up() {
                        info!("redis: {role:?} link up ({})", self.redis_at);
                    }
                    match role {
                        Role::Commands => self.store.up_since = Some(now.instant),
                        Role::Reader => {
                            self.check_gap = self.last_id.is_some();
                            self.catching_up = self.catch_up_works;
                        }
                    }
                }
                (Event::Down { why, .. }, _) => {
                    self.counts.reconnects += 1;
                    self.log_down(role, &why, now.instant);
                    match role {
                        Role::Commands => self.store.down(),
                        Role::Reader => self.reading = false,
                    }
                }
                (Event::Lost { tag }, Role::Commands) => self.store_lost(tag, now),
                (Event::Lost { .. }, Role::Reader) => {}
                (Event::Reply { tag, frame }, Role::Commands) => self.store_reply(tag, frame, now),
                (Event::Reply { tag, frame }, Role::Reader) => self.read_reply(tag, frame, now),
            }
        }
        self.counts.up = self.up();
        self.counts.linked = self.linked();
        if self.linked() != self.linked_told {
            self.linked_told = self.linked();
            self.told.push(Told::Linked(self.linked_told));
        }
        self.events = std::mem::take(events);
    }

    /// Logs a link's failure, if [`DownLog`] says it is due: the first
    /// says whether a working link dropped or Redis cannot be reached,
    /// later ones count the attempts. While the commands link is not
    /// ready, the reader's failures are the same outage and are not told
    /// twice.
    pub(super) fn log_down(&mut self, role: Role, why: &Why, now: Instant) {
        let link = match role {
            Role::Commands => &self.commands,
            Role::Reader if self.commands.state() != State::Ready => return,
            Role::Reader => &self.reader,
        };
        let (failures, stepped) = (link.failures(), link.backoff_stepped());
        let Some(line) = self.down_logs[role as usize].failed(failures, stepped, now) else {
            return;
        };
        let at = &self.redis_at;
        // Reached, but it refuses us (a password, protected mode, ...).
        let verb = match why {
            Why::Refused(_) | Why::SelectRefused(_) => "use",
            _ => "reach",
        };
        match line {
            DownLine::Dropped => warn!("redis: {role:?} link to {at} down: {why}; retrying"),
            DownLine::Unreachable => warn!("cannot {verb} Redis at {at}: {why}; retrying"),
            DownLine::Still => {
                warn!("still cannot {verb} Redis at {at} after {failures} attempts: {why}")
            }
        }
    }

    fn link(&mut self, role: Role) -> &mut Link {
        match role {
            Role::Commands => &mut self.commands,
            Role::Reader => &mut self.reader,
        }
    }
}

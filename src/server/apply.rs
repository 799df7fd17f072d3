//! The seam to the chat core, both ways: [`Server::core`] (and the engine's
//! answers through [`Server::core_once`]) is the only place that hands the
//! core an [`Input`], and [`Server::apply`] the only place that acts on
//! what it returns. So "apply the output after every call"
//! holds by construction: a room delivery reaches exactly the members in
//! the room when it was made.

use super::timers::{ConnTimer, Timer};
use super::{Server, Slot};
use crate::chat::{Delivery, Farewell, Input, MemberId, Message, Output, RoomEvent, RoomNames};

impl Server {
    /// Hands `input` to the core at this iteration's time and applies what
    /// it returns, then everything applying it brought back for the core
    /// (see [`Server::answer_later`] and [`Server::hand_in_told`]). Returns
    /// whether the core used the input (see
    /// [`Chat::handle`](crate::chat::Chat::handle)).
    pub(super) fn core(&mut self, input: Input<'_>) -> bool {
        let used = self.core_once(input);
        self.hand_in_told();
        used
    }

    /// What the engine has to tell (answers, other nodes' events) goes to
    /// the core, each output applied before the next: until neither has
    /// more. Also called after the engine's own turn in the loop.
    pub(super) fn hand_in_told(&mut self) {
        while self.engine.has_told() {
            self.engine_told();
        }
        self.output_peak = self.output_peak.max(self.output_cost);
    }

    /// One input handed in and its output applied, then the answers that
    /// applying it learnt, in order.
    pub(super) fn core_once(&mut self, input: Input<'_>) -> bool {
        let used = self.handle_and_apply(input);
        while !self.answers.is_empty() {
            for answer in std::mem::take(&mut self.answers) {
                self.handle_and_apply(answer);
            }
        }
        used
    }

    fn handle_and_apply(&mut self, input: Input<'_>) -> bool {
        let mut out = std::mem::take(&mut self.chat_out);
        let used = self.chat.handle(input, &self.now, &mut out);
        self.apply(&mut out);
        self.chat_out = out;
        used
    }

    /// Queues an answer for the core, handed in once the output being
    /// applied is done: what a delivery learns goes back in order, after
    /// the deliveries made before it.
    fn answer_later(&mut self, answer: Input<'static>) {
        self.answers.push(answer);
    }

    /// Applies the core's output, in order: the one place that does.
    fn apply(&mut self, out: &mut Output) {
        // Events first: with `--redis` each has its rooms' names and is
        // published, and what a delivery asks of Redis (a `/history`) must
        // come after the lines that were said before it.
        let mut names = out.rooms.drain(..);
        for event in out.events.drain(..) {
            self.note(event, names.next());
        }
        drop(names);
        for delivery in out.deliveries.drain(..) {
            self.apply_delivery(delivery);
        }
    }

    fn apply_delivery(&mut self, delivery: Delivery) {
        match delivery {
            Delivery::To { to, message, at } => self.show(to, &message, at),
            Delivery::Room {
                room,
                except,
                message,
                at,
                lines,
            } => self.broadcast(room, except, &message, at, lines),
            Delivery::Members { to, message, at } => self.tell_members(&to, &message, at),
            Delivery::Private {
                to,
                line,
                sender,
                echo,
                refused,
                at,
            } => self.send_private(to, [line, refused.into()], echo, sender, at),
            Delivery::RemotePrivate { to, line, from, at } => {
                if !self.send_remote_private(to, &line, at)
                    && let Some(Slot::Client(conn)) = self.slots.get(to)
                {
                    let reader = MemberId(conn.id);
                    self.answer_later(Input::Unread {
                        reader,
                        sender: from,
                    });
                }
            }
            Delivery::Reply {
                to,
                head,
                lines,
                refused,
                at,
            } => self.send_reply(to, head, &lines, refused, at),
            Delivery::LoggedIn(key, member) => self.logged_in(key, member),
            Delivery::WakeAt(at) => self.timers.schedule(at, Timer::Digest),
            Delivery::Claim {
                member,
                name,
                release,
                verified,
            } => self.claim(member, &name, release.as_deref(), verified),
            Delivery::Deadline(key, at) => self.conn_timer(key, at, ConnTimer::Login),
            Delivery::IdleAt(key, at) => self.conn_timer(key, at, ConnTimer::Idle),
            Delivery::Resume(key) => self.later.backlog.insert(key),
            Delivery::History { member, room, ask } => {
                self.engine.history(member, room, ask, &self.now)
            }
            Delivery::HistoryBatch { to, room, lines } => {
                self.send_history_batch(to, &room, &lines)
            }
            Delivery::Topic(room) => self.engine.topic(room, &self.now),
            Delivery::Suspend { key, record, open } => {
                self.engine.suspend(key, record, open, &self.now)
            }
            Delivery::Forget { key, member } => self.engine.forget(key, member, &self.now),
            Delivery::Recall { member, key } => self.engine.recall(member, key, &self.now),
            Delivery::Typing(local, typing) => self.typing(local, typing),
            Delivery::Account { member, name, ask } => self.ask_accounts(member, name, ask),
            Delivery::OwnedRooms(job) => self.rooms_job(job),
            Delivery::Close(key, why) => self.mark_close(key, why),
            Delivery::LastWords(key, last) => self.last_words(key, &last),
        }
    }

    /// The connection at `key` (member `member`) logged in: counted, its
    /// idle timer started, no longer pending admission.
    fn logged_in(&mut self, key: usize, member: MemberId) {
        self.metrics.logins += 1;
        self.forget_login_timer();
        if let Some(idle) = self.config.idle_timeout {
            let at = self.now.instant + idle;
            let idle = Timer::conn(ConnTimer::Idle, key, member.0);
            self.timers.schedule(at, idle);
        }
        if let Some(Slot::Client(conn)) = self.slots.get(key) {
            let (peer, id) = (conn.peer, conn.id);
            self.admission.logged_in(peer.ip(), id);
        }
    }

    /// Queues a closing connection's last words (its queue is not counted
    /// any more: it is freed when the socket is closed, right after).
    fn last_words(&mut self, key: usize, last: &[Message]) {
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return;
        };
        if !last.is_empty() && conn.closing == Some(Farewell::TooSlow) {
            // It cannot take what it has; keep only a started line so the
            // notice begins on a line of its own.
            conn.drop_unstarted();
        }
        if conn.irc_ref().is_some() {
            // IRC's last words are an ERROR line, whatever the notice.
            let why = conn.closing.unwrap_or(Farewell::Error);
            if let Some(error) = crate::dialect::irc::farewell(why) {
                conn.queue_own(&error);
            }
            return;
        }
        let dialect = self.dialects.get(conn.dialect());
        for message in last {
            conn.queue_rendered(dialect.render(message, self.now.wall));
        }
    }

    /// Schedules a timer of the connection at `key`, if it is still there.
    fn conn_timer(&mut self, key: usize, at: std::time::Instant, kind: ConnTimer) {
        if let Some(Slot::Client(conn)) = self.slots.get(key) {
            self.timers.schedule(at, Timer::conn(kind, key, conn.id));
        }
    }

    /// Sends a job to the accounts worker; if it cannot take it, the core
    /// hears the refusal at once.
    fn ask_accounts(&mut self, member: MemberId, name: Box<str>, ask: crate::chat::Ask) {
        use crate::accounts::Refused;
        use crate::chat::Answer;
        let source = match self.chat.local_of(member).map(|k| self.slots.get(k)) {
            Some(Some(Slot::Client(conn))) => conn.peer.ip(),
            _ => std::net::Ipv4Addr::UNSPECIFIED.into(),
        };
        let job = crate::accounts::Job { member, name, ask };
        let now = self.now.instant;
        let refused = match self.accounts.as_mut().map(|w| w.send(job, source, now)) {
            Some(Ok(())) => None,
            Some(Err(Refused::Busy)) => Some(Answer::Busy),
            Some(Err(Refused::TooManyRegistrations)) => {
                self.metrics.registrations_refused += 1;
                Some(Answer::TooManyRegistrations)
            }
            None => Some(Answer::Failed),
        };
        if let Some(answer) = refused {
            self.answer_later(Input::Answered { member, answer });
        }
    }

    /// Publishes one room event to other nodes (with `--redis`), counts and
    /// logs it; starts a local joiner's idle timer.
    fn note(&mut self, event: RoomEvent, names: Option<RoomNames>) {
        if let Some(names) = names {
            self.engine.publish(&event, &names, &self.now);
        }
        match event {
            RoomEvent::Joined { member, name, .. } => {
                if let Some(key) = self.chat.local_of(member)
                    && let Some(Slot::Client(conn)) = self.slots.get(key)
                {
                    let peer = conn.peer;
                    conn_log!(self, Info, "{name} joined from {peer}");
                }
            }
            RoomEvent::Said { turn, .. } => self.metrics.messages += turn.len() as u64,
            RoomEvent::Private { .. } => self.metrics.messages += 1,
            // Logged by the core with who did it (see chat/operators.rs).
            RoomEvent::Unread { .. } | RoomEvent::Admin { .. } => {}
            RoomEvent::Moved { name, .. } => {
                conn_log!(self, Debug, "{name} moved rooms");
            }
            RoomEvent::Topic { .. }
            | RoomEvent::Parted { .. }
            | RoomEvent::Away { .. }
            | RoomEvent::RealName { .. }
            | RoomEvent::Online { .. }
            | RoomEvent::Invited { .. } => {}
            // Moderation is logged with who did it.
            RoomEvent::Mode { name, changes, .. } => {
                conn_log!(self, Info, "{name} changed modes: {changes:?}");
            }
            RoomEvent::Kicked {
                name,
                target_name,
                reason,
                ..
            } => {
                let reason = reason.as_deref().unwrap_or("");
                conn_log!(self, Info, "{name} kicked {target_name}: {reason}");
            }
            RoomEvent::Renamed { old, new, .. } => {
                conn_log!(self, Info, "{old} is now known as {new}");
            }
            RoomEvent::Left { name, why, .. } => {
                if why == Farewell::TooSlow {
                    conn_log!(self, Warn, "{name} dropped: too slow");
                } else {
                    conn_log!(self, Info, "{name} left ({})", why.describe());
                }
            }
        }
    }
}

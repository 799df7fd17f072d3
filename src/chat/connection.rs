//! A connection's life as the core sees it: opened, each line, a line too
//! long, the end of its turn, the login deadline, the idle check, closed,
//! and the server's shutdown. [`Chat::handle`] routes each [`Input`] here
//! (`input.rs`); what follows a line is the session's or a command's.

use super::tick::Tick;
use super::*;

/// Chat lines and actions from one sender in the current turn. They
/// become one `Said` event when the turn ends, or before anything that
/// must follow them, so a recipient's queue gets one entry per sender per
/// turn rather than one per line.
#[derive(Debug, Default)]
pub(super) struct Batch {
    pub(super) turn: Option<Turn>,
    /// The sender, once the batch holds a line.
    pub(super) from: Option<MemberId>,
    /// The room it is said in (a client of requests may be in several).
    pub(super) room: Option<RoomId>,
    /// The ids of this node's turns.
    pub(super) ids: msgid::TurnIds,
}

impl Chat {
    /// A connection opened: greet it and prompt for a name (a client of
    /// requests is told nothing: it logs in with a request).
    pub(super) fn open(&mut self, local: Local, member: MemberId, protocol: Protocol, now: &Now) {
        self.end_turn(now);
        if self.clients.len() <= local {
            self.clients.resize_with(local + 1, || None);
        }
        self.clients[local] = Some(Client {
            member,
            state: State::AwaitingName {
                prompt_pending: protocol == Protocol::Lines,
            },
            errands: errands::Errands::default(),
            asked: false,
            secure: false,
            budget: throttle::UserBudget::default(),
            address: None,
            login_until: Tick::at(now.instant + self.login_timeout),
            protocol,
            echo: false,
            free_joins: u8::try_from(self.max_rooms_per_user).unwrap_or(u8::MAX),
            last_request: Tick::at(now.instant),
            registered: false,
            code: None,
        });
        self.seats.set_local(member, local);
        if protocol == Protocol::Lines {
            self.to(local, Message::Greeting, now);
        }
    }

    /// A cleaned line arrived from `local`.
    pub(super) fn line(&mut self, local: Local, text: &str, now: &Now) {
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        let member = client.member;
        match client.state {
            State::AwaitingName { .. } => {
                client.state = State::AwaitingName {
                    prompt_pending: false,
                };
                self.end_turn(now);
                self.at_prompt(local, member, text, now);
            }
            State::AwaitingPassword { .. } => self.password(local, member, text, now),
            State::Chatting => self.command(local, member, text, now),
            State::Leaving => {}
        }
    }

    /// A line from `local` was over `--max-line` and was dropped.
    pub(super) fn too_long(&mut self, local: Local, now: &Now) {
        self.end_turn(now);
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        if let State::AwaitingName { .. } = client.state {
            client.state = State::AwaitingName {
                prompt_pending: false,
            };
        }
        let max = self.max_line;
        self.tell(local, now, Notice::LineTooLong { max });
    }

    /// The turn of the connection being served is over: its batched lines
    /// go out as one `Said` event.
    pub(super) fn end_turn(&mut self, now: &Now) {
        let room = self.batch.room.take();
        if let Some(member) = self.batch.from.take()
            && let Some(mut turn) = self.batch.turn.take()
        {
            let Some(room) = room.filter(|&room| self.seats.in_room(&member, room)) else {
                return;
            };
            turn.id = self.batch.ids.next(turn.at, super::node_of(member));
            let turn = Arc::new(turn);
            self.apply(RoomEvent::Said { room, member, turn }, now);
        }
    }

    /// A login deadline of `local` may have passed (`--login-timeout`, or
    /// a password prompt's own, see [`Delivery::Deadline`]): close it if it
    /// is still at a prompt past its deadline.
    pub(super) fn login_expired(&mut self, local: Local, now: &Now) {
        self.end_turn(now);
        let Some(client) = self.client(local) else {
            return;
        };
        // Compared in ticks: the timer fires at the exact instant, which
        // may fall short of the tick's (rounded up) by a tenth.
        let due = match client.state {
            State::AwaitingName { .. } => client.login_until,
            // A password being checked was given in time.
            State::AwaitingPassword { .. } if client.asked => client.login_until,
            State::AwaitingPassword { .. } => (client.errands.password_until())
                .map_or(client.login_until, |p| Tick::at(p).min(client.login_until)),
            State::Chatting | State::Leaving => return,
        };
        if Tick::at(now.instant) >= due {
            self.close_with(local, Farewell::LoginTimeout);
        }
    }

    /// The idle deadline of `local` may have passed: close it if it has
    /// been silent for `--idle-timeout`, else return when to look again.
    pub(super) fn idle_check(&mut self, local: Local, now: &Now) -> Option<Instant> {
        let idle = self.idle_timeout?;
        let client = self.client(local)?;
        let (member, chatting) = (client.member, client.state == State::Chatting);
        // Since it last sent something in any of its rooms, or, in none (a
        // client of requests), since its last request.
        let last = (self.seats.rooms(&member))
            .filter_map(|room| self.rooms.get(room)?.members.last_active(member))
            .max();
        let last = match last {
            Some(last) => last,
            None if chatting => client.last_request.instant(),
            None => return None,
        };
        if now.instant < last + idle {
            return Some(last + idle);
        }
        self.end_turn(now);
        self.close_with(local, Farewell::IdleTimeout);
        None
    }

    /// `local` is being closed for `why`: it leaves the room (everyone
    /// else is told) and the returned messages are its last words, if any.
    pub(super) fn close(&mut self, local: Local, why: Farewell, now: &Now) -> Vec<Message> {
        self.end_turn(now);
        let Some(client) = self.clients.get_mut(local).and_then(Option::take) else {
            return Vec::new();
        };
        self.seats.clear_local(&client.member);
        self.operator_gone(client.member);
        self.forget_address(client.address);
        self.watches.clear(local);
        self.ignores.clear(local);
        if client.state == State::Chatting {
            self.chatting -= 1;
        }
        for name in [client.errands.claim(), client.errands.account()]
            .into_iter()
            .flatten()
        {
            self.unreserve(name, client.member);
        }
        let chatting = client.state == State::Chatting;
        self.suspend(client.member, client.code, chatting, why, now);
        let name = self.name_of(client.member).filter(|_| chatting);
        let name: Option<Box<str>> = name.map(Into::into);
        self.gave_up(client.member, name.as_deref(), now.wall, true);
        if chatting && let Some(name) = name {
            let left = RoomEvent::Left {
                room: self.first_room(client.member),
                member: client.member,
                name,
                why,
                reason: client.errands.quit_reason().map(Into::into),
            };
            self.apply(left, now);
        }
        if !why.told() {
            return Vec::new();
        }
        let notice = Message::Notice(Notice::Farewell(why));
        // A prompt nothing was typed after: the cursor sits after it.
        match client.state {
            State::AwaitingName {
                prompt_pending: true,
            } => vec![Message::LineEnd, notice],
            State::AwaitingPassword { .. } if !client.asked && why == Farewell::LoginTimeout => {
                vec![Message::LineEnd, notice]
            }
            _ => vec![notice],
        }
    }

    /// The server is stopping: everyone is told.
    pub(super) fn shutdown(&mut self, now: &Now) {
        self.end_turn(now);
        let notice = Notice::ShuttingDown {
            reconnect: self.shared,
        };
        for (local, client) in self.clients.iter().enumerate() {
            let Some(client) = client else { continue };
            let at = now.wall;
            if client.state
                == (State::AwaitingName {
                    prompt_pending: true,
                })
            {
                let message = Message::LineEnd;
                let line_end = Delivery::To {
                    to: local,
                    message,
                    at,
                };
                self.out.deliveries.push(line_end);
            }
            let message = Message::Notice(notice.clone());
            self.out.deliveries.push(Delivery::To {
                to: local,
                message,
                at,
            });
        }
    }
}

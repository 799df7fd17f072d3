//! The core's one entry: everything the reactor tells the chat is an
//! [`Input`], handed to [`Chat::handle`] with the time, and everything the
//! chat answers is in the [`Output`] it fills. The reactor applies that
//! output in one place, and never changes a connection's chat state itself.

use super::{Answer, Chat, Claimed, Delivery, Farewell, Local, MemberId, Now, Output, Presence};
use super::{HistoryAsk, HistoryLine, Protocol, Request, RoomEvent, RoomNames};
use std::net::IpAddr;

/// Something that happened, for the core to handle.
#[derive(Debug)]
pub enum Input<'a> {
    /// A connection was accepted: greet it and prompt for a name.
    Opened {
        /// Its handle.
        local: Local,
        /// The member it becomes.
        member: MemberId,
        /// The source address it is counted under (its IPv4 address, or
        /// its IPv6 /64): its per-address budgets apply.
        address: IpAddr,
        /// Whether it came over TLS.
        secure: bool,
        /// Whether it types lines (telnet) or sends requests (IRC).
        protocol: Protocol,
    },
    /// A cleaned line arrived (from a connection of
    /// [`Protocol::Lines`]).
    Line {
        /// From whom.
        local: Local,
        /// The line, without its line end.
        text: &'a str,
    },
    /// A request (from a connection of [`Protocol::Requests`]).
    Request {
        /// From whom.
        local: Local,
        /// What it asks.
        request: Request<'a>,
    },
    /// Whether `local` is shown its own lines (IRC's `echo-message`): its
    /// room lines (the same bytes as everyone's) and its private messages
    /// ([`Message::PrivateEcho`](super::Message::PrivateEcho)).
    Echo {
        /// Which connection.
        local: Local,
        /// On or off.
        on: bool,
    },
    /// A line over `--max-line` arrived and was dropped.
    TooLong(Local),
    /// The turn of the connection being served is over: its batched lines
    /// go out as one `Said` event.
    EndTurn,
    /// A login deadline of this connection may have passed.
    LoginExpired(Local),
    /// The idle deadline of this connection may have passed.
    IdleCheck(Local),
    /// The connection is being closed: it leaves its room, and its last
    /// words come back as [`Delivery::LastWords`].
    Closed {
        /// Which.
        local: Local,
        /// Why.
        why: Farewell,
    },
    /// The server is stopping: everyone is told.
    Shutdown,
    /// The time asked for by [`Delivery::WakeAt`] has come: the rooms'
    /// digests of joins and leaves are told.
    DigestDue,
    /// The accounts worker's answer (or the reactor's, when the worker
    /// could not be asked) about `member`.
    Answered {
        /// Who asked.
        member: MemberId,
        /// The answer.
        answer: Answer,
    },
    /// The shared store's answer to a [`Delivery::Claim`].
    Claimed {
        /// Who claimed.
        member: MemberId,
        /// The answer.
        answer: Claimed,
    },
    /// With `--redis`: whether this node is linked with the others now.
    Linked(bool),
    /// With `--redis`: a local user's name went to another node while this
    /// node was cut off.
    NameLost(MemberId),
    /// With `--redis`: another node's members as it lists them (empty: the
    /// node stopped answering, its users have left).
    Listing {
        /// The node.
        node: u16,
        /// Its members.
        members: &'a [Presence],
    },
    /// With `--redis`: a registered name logged in elsewhere; its session
    /// here, if any, is put out.
    Displaced(MemberId),
    /// With `--redis`: a room event from another node, with the names of
    /// its rooms.
    Remote {
        /// The event, its room ids not yet resolved.
        event: RoomEvent,
        /// Its rooms' names.
        rooms: &'a RoomNames,
    },
    /// With `--redis`: the store's answer to a [`Delivery::History`].
    History {
        /// Who asked.
        member: MemberId,
        /// The room's name.
        room: &'a str,
        /// The stored lines, oldest first.
        lines: &'a [HistoryLine],
        /// Lines of the window past those, counted, not read
        /// ([`HistoryAsk::counted`]).
        more: usize,
        /// Which lines were asked for.
        ask: HistoryAsk,
    },
    /// The engine's answer to a [`Delivery::Recall`](super::Delivery::Recall):
    /// the session kept under its key, now forgotten there, if any.
    Recalled {
        /// Who resumes.
        member: MemberId,
        /// The session.
        record: Option<super::Suspended>,
    },
    /// With `--redis`: a [`Delivery::History`] that cannot be read now.
    HistoryBusy(MemberId),
    /// With `--redis`: the store's answer to a [`Delivery::Topic`].
    Topic {
        /// The room's name.
        room: &'a str,
        /// The topic, cleaned.
        topic: &'a str,
    },
    /// The accounts worker's answer about owned rooms.
    OwnedRooms(super::owned::RoomsDone),
    /// `--admins` was read (at start, and again on SIGHUP): the accounts
    /// that may be server operators, lower-cased.
    Admins(&'a [Box<str>]),
    /// A private message from `sender`, a user of another node, was not
    /// delivered to the local user `reader`, who is not keeping up (see
    /// [`Delivery::RemotePrivate`]).
    Unread {
        /// The local recipient.
        reader: MemberId,
        /// The sender.
        sender: MemberId,
    },
}

impl Chat {
    /// Handles one input at `now` and swaps everything produced since the
    /// last call into `out` (which should be empty, so both sides keep
    /// reusing their vectors). Returns whether the input was used: false
    /// for an answer nobody waits for any more, or a remote event that
    /// does not fit this node.
    pub fn handle(&mut self, input: Input<'_>, now: &Now, out: &mut Output) -> bool {
        let used = self.take_input(input, now);
        self.take_output(out);
        used
    }

    fn take_input(&mut self, input: Input<'_>, now: &Now) -> bool {
        match input {
            Input::Opened {
                local,
                member,
                address,
                secure,
                protocol,
            } => {
                self.open(local, member, protocol, now);
                self.set_address(local, address, now);
                // A server-wide ban of its network: refused at the door.
                self.globally_banned(local, "", now);
                if secure {
                    self.set_secure(local);
                }
            }
            Input::Line { local, text } => self.line(local, text, now),
            Input::Request { local, request } => self.request(local, request, now),
            Input::Echo { local, on } => self.set_echo(local, on),
            Input::TooLong(local) => self.too_long(local, now),
            Input::EndTurn => self.end_turn(now),
            Input::LoginExpired(local) => self.login_expired(local, now),
            Input::IdleCheck(local) => {
                if let Some(at) = self.idle_check(local, now) {
                    self.out.deliveries.push(Delivery::IdleAt(local, at));
                }
            }
            Input::Closed { local, why } => {
                let last = self.close(local, why, now);
                if !last.is_empty() {
                    self.out.deliveries.push(Delivery::LastWords(local, last));
                }
            }
            Input::Shutdown => self.shutdown(now),
            Input::Admins(names) => self.set_admins(names, now),
            Input::DigestDue => self.digest_due(now),
            Input::Answered {
                member,
                answer: Answer::IgnoreList(kept),
            } => self.ignores_loaded(member, &kept, now),
            Input::Answered {
                answer: Answer::IgnoresKept,
                ..
            } => {}
            Input::Answered { member, answer } => {
                let used = self.answered(member, answer, now);
                self.resume(member);
                return used;
            }
            Input::Claimed { member, answer } => {
                let used = self.claimed(member, answer, now);
                self.resume(member);
                return used;
            }
            Input::Linked(linked) => self.set_linked(linked, now),
            Input::NameLost(member) => self.name_lost(member),
            Input::Listing { node, members } => self.reconcile(node, members, now),
            Input::Displaced(member) => self.displace(member, now),
            Input::Remote { event, rooms } => return self.apply_named(event, rooms, now),
            Input::History {
                member,
                room,
                lines,
                more,
                ask,
            } => self.stored_history(member, room, lines, more, ask, now),
            Input::HistoryBusy(member) => self.history_busy(member, now),
            Input::Recalled { member, record } => {
                let used = self.recalled(member, record, now);
                self.resume(member);
                return used;
            }
            Input::Topic { room, topic } => self.stored_topic(room, topic, now),
            Input::OwnedRooms(done) => self.rooms_done(done, now),
            Input::Unread { reader, sender } => self.unread(reader, sender),
        }
        true
    }

    /// An answer `member`'s lines waited for came: its held input is
    /// served again.
    fn resume(&mut self, member: MemberId) {
        if let Some(local) = self.local_of(member) {
            self.out.deliveries.push(Delivery::Resume(local));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::net::Ipv4Addr;
    use std::time::{Instant, SystemTime};

    fn now() -> Now {
        Now {
            instant: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    fn opened(local: Local) -> Input<'static> {
        Input::Opened {
            local,
            member: MemberId(local as u64 + 1),
            address: Ipv4Addr::LOCALHOST.into(),
            secure: false,
            protocol: Protocol::Lines,
        }
    }

    #[test]
    fn each_input_hands_back_only_its_own_output() {
        let (mut chat, now, mut out) = (Chat::new(&Config::default()), now(), Output::default());
        assert!(chat.handle(opened(1), &now, &mut out));
        assert!(matches!(out.deliveries[..], [Delivery::To { to: 1, .. }]));
        out.deliveries.clear();
        chat.handle(Input::EndTurn, &now, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn a_close_answers_with_the_last_words() {
        let (mut chat, now, mut out) = (Chat::new(&Config::default()), now(), Output::default());
        chat.handle(opened(3), &now, &mut out);
        out.deliveries.clear();
        let why = Farewell::Quit;
        chat.handle(Input::Closed { local: 3, why }, &now, &mut out);
        let last = match &out.deliveries[..] {
            [Delivery::LastWords(3, last)] => last,
            other => panic!("{other:?}"),
        };
        assert!(!last.is_empty());
        out.deliveries.clear();
        // Closed twice: nothing is left to say.
        chat.handle(Input::Closed { local: 3, why }, &now, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn an_answer_nobody_waits_for_is_not_used() {
        let (mut chat, now, mut out) = (Chat::new(&Config::default()), now(), Output::default());
        let answer = Answer::Verified(true);
        let member = MemberId(99);
        assert!(!chat.handle(Input::Answered { member, answer }, &now, &mut out));
        assert!(out.is_empty(), "{out:?}");
    }
}

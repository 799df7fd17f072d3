//! The protocol spoken to the core directly: connections are plain numbers,
//! the clock is fixed, and every text a user can receive is checked.
//! `engine`: the core through the memory engine. `texts`: the name prompt, chat and commands; `lifecycle`: leaving,
//! timeouts, shutdown, timestamps, throttles and digests; `rooms`: moving,
//! listing, topics, history; `shared`: claims, the link and listings of
//! other nodes (with `--redis`). Clients of requests (IRC): `logins`,
//! `requests` (several rooms, parts, echo, CTCP), `lists` (topics, NAMES,
//! LIST, WHO, WHOIS, away), `remote_members` (other nodes' members in
//! several rooms or none). `owned`: owned rooms.

mod engine;
mod lifecycle;
mod lists;
mod logins;
mod monitor;
mod owned;
mod real_name;
mod remote_members;
mod requests;
mod rooms;
mod shared;
mod texts;

use super::*;
use crate::dialect::{Dialects, Kind};
use std::time::UNIX_EPOCH;

/// A core and the clock it is told.
pub(super) struct Harness {
    pub(super) chat: Chat,
    /// The engine the core's requests go to and whose answers come back
    /// through the seam, as the reactor does; `None` leaves them to the
    /// test (as a shared store that has not answered yet).
    pub(super) engine: Option<crate::engine::Engine>,
    pub(super) now: Now,
    /// Connection handle to member id, as the reactor would keep.
    pub(super) next_id: u64,
    /// `--timestamps`: how the telnet dialect renders what is taken.
    timestamps: bool,
}

impl Harness {
    pub(super) fn new(config: Config) -> Harness {
        Harness {
            timestamps: config.timestamps,
            chat: Chat::new(&config),
            engine: Some(crate::engine::Engine::Memory(crate::engine::Memory::new(
                config.history,
                config.max_rooms,
            ))),
            now: Now {
                instant: Instant::now(),
                wall: UNIX_EPOCH + Duration::from_secs(86_400 + 3723),
            },
            next_id: 100,
        }
    }

    pub(super) fn plain() -> Harness {
        Harness::new(Config::default())
    }

    /// Takes the output and renders what each local connection received,
    /// resolving room deliveries against the room as it is now (the reactor
    /// applies each call's output before the next call).
    pub(super) fn take(&mut self) -> Taken {
        let mut taken = Taken::default();
        while !self.chat.out.is_empty() {
            self.take_into(&mut taken);
            self.engine_answers();
        }
        taken
    }

    /// Hands what the engine has to tell to the core, as the reactor does.
    fn engine_answers(&mut self) {
        use crate::engine::Told;
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        let mut told = Vec::new();
        engine.take_told(&mut told);
        for one in told {
            match one {
                Told::Claimed {
                    member,
                    name,
                    answer,
                } => {
                    if !self.chat.claimed(member, answer, &self.now) {
                        engine.release(member, &name, &self.now);
                    }
                }
                Told::Topic { room, topic } => self.chat.stored_topic(&room, &topic, &self.now),
                Told::History {
                    member,
                    room,
                    lines,
                    more,
                    ask,
                } => (self.chat).stored_history(member, &room, &lines, more, ask, &self.now),
                Told::Recalled { member, record } => {
                    self.chat.recalled(member, record, &self.now);
                }
                other => panic!("a memory engine told {other:?}"),
            }
        }
    }

    /// One take of the core's output, added to `taken`; claims, history and
    /// topic reads go to the engine, if there is one.
    fn take_into(&mut self, taken: &mut Taken) {
        let mut out = Output::default();
        self.chat.take_output(&mut out);
        // Events first, as the reactor publishes them before the deliveries.
        if let Some(engine) = self.engine.as_mut() {
            for (event, names) in out.events.iter().zip(&out.rooms) {
                engine.publish(event, names, &self.now);
            }
        }
        let telnet = Dialects::new(self.timestamps);
        let telnet = telnet.get(Kind::Telnet);
        for delivery in out.deliveries {
            match delivery {
                // IRC's: telnet readers never ask for one.
                Delivery::HistoryBatch { .. } => {}
                Delivery::To { to, message, at } => {
                    if let Message::Notice(Notice::Reply(reply)) = &message {
                        taken.replies.push((to, reply.clone()));
                    }
                    taken.add(to, &telnet.render(&message, at));
                }
                Delivery::Room {
                    except,
                    message,
                    at,
                    room,
                    ..
                } => {
                    let bytes = telnet.render(&message, at);
                    for &local in self.chat.locals(room) {
                        if Some(local) != except {
                            taken.add(local, &bytes);
                        }
                    }
                }
                Delivery::Private {
                    to,
                    line,
                    sender,
                    echo,
                    at,
                    ..
                } => {
                    taken.add(to, &telnet.render(&line, at));
                    if let Some(echo) = echo {
                        taken.add(sender, &telnet.render(&echo, at));
                    }
                }
                Delivery::Members { to, message, at } => {
                    let bytes = telnet.render(&message, at);
                    for local in to {
                        taken.add(local, &bytes);
                    }
                }
                Delivery::RemotePrivate { to, line, at, .. } => {
                    taken.add(to, &telnet.render(&line, at))
                }
                Delivery::Reply {
                    to,
                    head,
                    lines,
                    at,
                    ..
                } => {
                    taken.add(to, &telnet.render(&head.into(), at));
                    taken.add(to, &telnet.history(&lines));
                }
                Delivery::WakeAt(at) => taken.wake.push(at),
                Delivery::Close(local, why) => taken.closed.push((local, why)),
                Delivery::Claim {
                    member,
                    name,
                    release,
                    verified,
                } => match self.engine.as_mut() {
                    Some(engine) => {
                        let release = release.as_deref();
                        engine.claim(member, &name, release, verified, &self.now);
                    }
                    None => taken.claims.push((member, name, release)),
                },
                Delivery::Deadline(..) | Delivery::IdleAt(..) | Delivery::Resume(_) => {}
                Delivery::LoggedIn(local, _) => taken.logged_in.push(local),
                Delivery::LastWords(local, last) => {
                    for message in &last {
                        taken.add(local, &telnet.render(message, self.now.wall));
                    }
                }
                Delivery::History { member, room, ask } => match self.engine.as_mut() {
                    Some(engine) => engine.history(member, room, ask, &self.now),
                    None => taken.reads.push(format!("{room} {}", ask.count)),
                },
                Delivery::Suspend { key, record, open } => {
                    if let Some(engine) = self.engine.as_mut() {
                        engine.suspend(key, record, open, &self.now);
                    }
                }
                Delivery::Forget { key, member } => {
                    if let Some(engine) = self.engine.as_mut() {
                        engine.forget(key, member, &self.now);
                    }
                }
                Delivery::Recall { member, key } => {
                    if let Some(engine) = self.engine.as_mut() {
                        engine.recall(member, key, &self.now);
                    }
                }
                Delivery::Topic(room) => match self.engine.as_mut() {
                    Some(engine) => engine.topic(room, &self.now),
                    None => taken.reads.push(format!("topic {room}")),
                },
                Delivery::Typing(..) => {}
                Delivery::Account { name, ask, .. } => {
                    taken.reads.push(format!("account {name} {ask:?}"));
                }
                Delivery::OwnedRooms(job) => taken.reads.push(format!("rooms {job:?}")),
            }
        }
        taken.events.extend(out.events);
    }

    /// Closes `local` for `why`: its last words as the telnet dialect
    /// renders them, if it has any.
    pub(super) fn close(&mut self, local: Local, why: Farewell) -> Option<Vec<u8>> {
        let last = self.chat.close(local, why, &self.now);
        let telnet = Dialects::new(self.timestamps);
        let rendered = last
            .iter()
            .map(|m| telnet.get(Kind::Telnet).render(m, self.now.wall));
        let bytes: Vec<u8> = rendered.flat_map(|b| b.to_vec()).collect();
        (!last.is_empty()).then_some(bytes)
    }

    /// The line a connection turned away for `why` reads.
    pub(super) fn refusal(&self, why: Refusal) -> bytes::Bytes {
        let notice = Message::Notice(Notice::Refusal(why));
        let telnet = Dialects::new(self.timestamps);
        telnet.get(Kind::Telnet).render(&notice, self.now.wall)
    }

    pub(super) fn open(&mut self, local: Local) -> String {
        self.open_as(local, Protocol::Lines);
        self.take().text(local)
    }

    /// Opens `local`, speaking `protocol`; its output is left to take.
    pub(super) fn open_as(&mut self, local: Local, protocol: Protocol) {
        self.next_id += 1;
        self.chat
            .open(local, MemberId(self.next_id), protocol, &self.now);
    }

    pub(super) fn line(&mut self, local: Local, text: &str) -> Taken {
        self.chat.line(local, text, &self.now);
        self.chat.end_turn(&self.now);
        self.take()
    }

    /// One request from `local`, its turn then over.
    pub(super) fn request(&mut self, local: Local, request: Request<'_>) -> Taken {
        self.chat.request(local, request, &self.now);
        self.chat.end_turn(&self.now);
        self.take()
    }

    /// Opens `local` as a client of requests (IRC) and logs it in as `name`.
    pub(super) fn irc(&mut self, local: Local, name: &str) -> Taken {
        self.open_as(local, Protocol::Requests);
        let password = None;
        self.request(local, Request::Login { name, password })
    }

    /// Opens `local` and logs it in as `name`.
    pub(super) fn login(&mut self, local: Local, name: &str) -> Taken {
        self.open(local);
        self.line(local, name)
    }
}

#[derive(Debug, Default)]
pub(super) struct Taken {
    pub(super) by_local: Vec<(Local, String)>,
    pub(super) closed: Vec<(Local, Farewell)>,
    pub(super) wake: Vec<Instant>,
    pub(super) events: Vec<RoomEvent>,
    pub(super) claims: Vec<(MemberId, Box<str>, Option<Box<str>>)>,
    /// Every reply told, with whom to.
    pub(super) replies: Vec<(Local, Reply)>,
    /// The connections told to have logged in.
    pub(super) logged_in: Vec<Local>,
    /// What the store is asked to read: `ROOM COUNT` (history) or
    /// `topic ROOM`.
    pub(super) reads: Vec<String>,
}

impl Taken {
    pub(super) fn add(&mut self, local: Local, bytes: &[u8]) {
        let text = String::from_utf8_lossy(bytes);
        match self.by_local.iter_mut().find(|(l, _)| *l == local) {
            Some((_, all)) => all.push_str(&text),
            None => self.by_local.push((local, text.into_owned())),
        }
    }

    /// The replies `local` was told.
    pub(super) fn replies(&self, local: Local) -> Vec<&Reply> {
        let to = self.replies.iter().filter(|(l, _)| *l == local);
        to.map(|(_, reply)| reply).collect()
    }

    /// Everything `local` received.
    pub(super) fn text(&self, local: Local) -> String {
        self.by_local
            .iter()
            .find(|(l, _)| *l == local)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }
}

/// Whether `got` is `want` to a tenth of a second: the core keeps when a
/// member last spoke in ticks of a tenth, rounded up (`chat/tick.rs`).
#[track_caller]
pub(super) fn assert_within_a_tenth(got: Option<Instant>, want: Instant) {
    let got = got.expect("a time");
    let late = got.checked_duration_since(want);
    assert!(
        late.is_some_and(|late| late < Duration::from_millis(100)),
        "{got:?} is not {want:?} or up to a tenth later"
    );
}

/// `text` without the one resume code line a welcome is followed by
/// (`*** Resume code: XXXX-XXXX-XXXX (type /resume XXXX-XXXX-XXXX after
/// reconnecting)`, perhaps stamped), which must be there, well formed.
#[track_caller]
pub(super) fn without_code(text: &str) -> String {
    let mut found = 0;
    let kept: Vec<&str> = (text.split_inclusive("\r\n"))
        .filter(|line| {
            let Some((_, rest)) = line.split_once("*** Resume code: ") else {
                return true;
            };
            let code = &rest[..14.min(rest.len())];
            let tail = format!(" (type /resume {code} after reconnecting)\r\n");
            assert!(crate::chat::Code::parse(code).is_some(), "{line:?}");
            assert_eq!(&rest[14..], tail, "{line:?}");
            found += 1;
            false
        })
        .collect();
    assert_eq!(found, 1, "one code line in {text:?}");
    kept.concat()
}

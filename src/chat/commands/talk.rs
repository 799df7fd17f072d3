//! Talk: chat lines, `/me` and `/msg`. Chat lines and actions join the
//! sender's turn (see `Batch` in the core) and leave as one `Said` event.

use super::{Args, Caller, Command, Needs, Role, Shape, WordEnd};
use crate::chat::{
    Chat, Delivery, LineKind, MemberId, Message, Notice, Now, Reply, RoomEvent, RoomId, RoomNames,
    Turn,
};

pub(super) const COMMANDS: &[Command] = &[
    Command {
        name: "msg",
        aliases: &[],
        params: "NAME TEXT",
        help: "send TEXT to NAME only, in any room",
        shape: Shape::WordText(WordEnd::Whitespace),
        before_login: false,
        in_turn: false,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::private,
    },
    Command {
        name: "me",
        aliases: &[],
        params: "TEXT",
        help: "describe an action: * yourname TEXT",
        shape: Shape::Text,
        before_login: false,
        in_turn: true,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::me,
    },
];

impl Chat {
    /// A chat line from `member`, into the turn's batch.
    pub(super) fn say(&mut self, member: MemberId, text: &str, now: &Now) {
        self.say_here(member, LineKind::Say, text, now);
    }

    /// `/me text`: an action, into the turn's batch.
    fn me(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.say_here(by.member, LineKind::Act, args.text(), now);
    }

    /// A line to the room `member` is in, if they may speak there (a
    /// moderated room, a ban); else they are told why not.
    fn say_here(&mut self, member: MemberId, kind: LineKind, text: &str, now: &Now) {
        let Some(room) = self.seats.room(&member) else {
            return;
        };
        if self.may_speak(room, member, now.wall) {
            return self.batch_line(member, room, kind, text, now);
        }
        if let Some(local) = self.seats.local(&member) {
            let room = self
                .rooms
                .get(room)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            let refused = crate::chat::moderation::Answer::CannotSpeak { room };
            self.reply_to(local, now, crate::chat::Reply::Moderation(refused));
        }
    }

    /// Adds a line to the turn's batch of `member` in `room` (the caller
    /// has ended any other turn, see `keep_turn`).
    pub(in crate::chat) fn batch_line(
        &mut self,
        member: MemberId,
        room: RoomId,
        kind: LineKind,
        text: &str,
        now: &Now,
    ) {
        let name = (self.rooms.get(room)).and_then(|room| room.members.name_of(member));
        let Some(name) = name else {
            return;
        };
        let turn = self
            .batch
            .turn
            .get_or_insert_with(|| Turn::new(name, now.wall));
        turn.push(kind, text);
        self.batch.from = Some(member);
        self.batch.room = Some(room);
    }

    /// `/msg to text`.
    fn private(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let (to, text) = args.word_text();
        self.send_private(by, to, (LineKind::Say, text), "", now);
    }

    /// A private message from `by` to the user called `to`, wherever they
    /// are (`/msg`, IRC's `PRIVMSG nick`). Its sender sees it sent unless
    /// it is a client of requests without echo on.
    pub(in crate::chat) fn send_private(
        &mut self,
        by: Caller,
        to: &str,
        (kind, text): (LineKind, &str),
        client_tags: &str,
        now: &Now,
    ) {
        let (local, member) = (by.local, by.member);
        let recipient = match self.find(to) {
            // A notice is never answered.
            None if kind.is_notice() => return,
            Some(id) if id == member && kind.is_notice() => return,
            None => {
                let name = to.into();
                return self.reply_to(local, now, Reply::NoSuchUser { name });
            }
            Some(id) if id == member => {
                return self.reply_to(local, now, Reply::MessageToSelf);
            }
            Some(id) => id,
        };
        let (Some(from), Some(to_name)) = (self.name_of(member), self.name_of(recipient)) else {
            return;
        };
        let (name, text): (Box<str>, Box<str>) = (from.into(), text.into());
        let to_name: Box<str> = to_name.into();
        let tags = crate::chat::PrivateTags {
            id: self.batch.ids.next(now.wall, crate::chat::node_of(member)),
            client: client_tags.into(),
        };
        let echo = self.echoes_privates(local).then(|| Message::PrivateEcho {
            from: name.clone(),
            to: to_name.clone(),
            kind,
            text: text.clone(),
            tags: tags.clone(),
        });
        let ignored = (self.seats.local(&recipient)).is_some_and(|to| self.ignores_name(to, &name));
        if self.globally_muted(member, now.wall) {
            let muted = crate::chat::AdminNotice::Muted { by: None };
            return self.tell(local, now, Notice::Admin(muted));
        }
        if ignored {
            // Dropped without a word: the sender is not told who ignores.
            if let Some(echo) = echo {
                self.to(local, echo, now);
            }
        } else if let Some(to) = self.seats.local(&recipient) {
            let refused = Notice::NotReading {
                name: Some(to_name.clone()),
            };
            let line = Message::Private {
                from: name.clone(),
                kind,
                text: text.clone(),
                tags: tags.clone(),
            };
            self.out.deliveries.push(Delivery::Private {
                to,
                line,
                sender: local,
                echo,
                refused,
                at: now.wall,
            });
        } else if let Some(echo) = echo {
            // On another node: the event, published, takes it there.
            self.to(local, echo, now);
        }
        if let Some(away) = self.away.get(&recipient).filter(|_| !kind.is_notice()) {
            let (name, text) = (to_name, away.clone());
            self.reply_to(local, now, Reply::IsAway { name, text });
        }
        if let Some(room) = self.seats.room(&member)
            && let Some(r) = self.rooms.get_mut(room)
        {
            r.members.touch(member, now.instant);
        }
        let private = RoomEvent::Private {
            from: member,
            to: recipient,
            name,
            kind,
            text,
            tags,
            at: now.wall,
        };
        let names = Some(RoomNames::default());
        self.record(private, names);
    }

    /// Whether `local` sees its private messages sent: always in telnet,
    /// with echo on for a client of requests.
    fn echoes_privates(&self, local: crate::chat::Local) -> bool {
        self.client(local)
            .is_some_and(|c| c.echo || c.protocol == crate::chat::Protocol::Lines)
    }

    /// The local user `reader` was not sent a private message from
    /// `sender`, a user of another node, because `reader` is not keeping
    /// up: recorded, so the reactor tells the sender's node.
    pub(in crate::chat) fn unread(&mut self, reader: MemberId, sender: MemberId) {
        let unread = RoomEvent::Unread { reader, sender };
        let names = Some(RoomNames::default());
        self.record(unread, names);
    }
}

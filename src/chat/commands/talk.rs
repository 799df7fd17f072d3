//! Talk: chat lines, `/me` and `/msg`. Chat lines and actions join the
//! sender's turn (see `Batch` in the core) and leave as one `Said` event.

use super::{Args, Caller, Command, Needs, Role, Shape, WordEnd};
use crate::chat::{Chat, Delivery, MemberId, Now, RoomEvent, RoomNames};

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
        self.batch_line(member, ["", ": "], text, now);
    }

    /// `/me text`: an action, into the turn's batch.
    fn me(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.batch_line(by.member, ["* ", " "], args.text(), now);
    }

    /// Renders `before` name `after` text (`name: text`, or `* name text`
    /// for an action) into the turn's batch.
    fn batch_line(&mut self, member: MemberId, [before, after]: [&str; 2], text: &str, now: &Now) {
        let name = self
            .member_room
            .get(&member)
            .and_then(|&room| self.rooms.get(room))
            .and_then(|room| room.members.name_of(member));
        let Some(name) = name else {
            return;
        };
        let parts = [before, name, after, text];
        self.render.push_line(&mut self.batch.buf, now.wall, &parts);
        self.batch.count += 1;
        self.batch.from = Some(member);
    }

    /// `/msg to text`.
    fn private(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let (local, member) = (by.local, by.member);
        let (to, text) = args.word_text();
        let recipient = match self.find(to) {
            None => return self.notice_to(local, now, &["No such user '", to, "'"]),
            Some(id) if id == member => {
                return self.notice_to(local, now, &["You cannot /msg yourself"]);
            }
            Some(id) => id,
        };
        let (Some(from), Some(to_name)) = (self.name_of(member), self.name_of(recipient)) else {
            return;
        };
        let line = self.render.line(now.wall, &["[pm] ", from, ": ", text]);
        let echo = self
            .render
            .line(now.wall, &["[pm -> ", to_name, "] ", text]);
        if let Some(to) = self
            .room_of(recipient)
            .and_then(|r| r.members.local_of(recipient))
        {
            let refused = self.render.notice(
                now.wall,
                &[to_name, " is not reading fast enough; message not sent"],
            );
            self.out.deliveries.push(Delivery::Private {
                to,
                line: line.clone(),
                sender: local,
                echo,
                refused,
            });
        } else {
            // On another node: the event, published, takes it there.
            self.to(local, echo);
        }
        if let Some(&room) = self.member_room.get(&member)
            && let Some(r) = self.rooms.get_mut(room)
        {
            r.members.touch(member, now.instant);
        }
        let private = RoomEvent::Private {
            from: member,
            to: recipient,
            line,
        };
        let names = self.naming.then(RoomNames::default);
        self.record(private, names);
    }

    /// The local user `reader` was not sent a private message from
    /// `sender`, a user of another node, because `reader` is not keeping
    /// up: recorded, so the reactor tells the sender's node.
    pub fn unread(&mut self, reader: MemberId, sender: MemberId) {
        let unread = RoomEvent::Unread { reader, sender };
        let names = self.naming.then(RoomNames::default);
        self.record(unread, names);
    }
}

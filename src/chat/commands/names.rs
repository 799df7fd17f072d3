//! Names: `/nick`. A new name is checked here, then with the accounts
//! worker (is it registered?) and the other nodes (is it claimed?), each
//! of which answers through [`Chat::nick_free`] or [`Chat::rename`].

use super::{Args, Caller, Command, Needs, Role, Shape};
use crate::chat::{Ask, Chat, Local, MemberId, Now, Protocol, Reply, RoomEvent, naming};

pub(super) const COMMANDS: &[Command] = &[Command {
    name: "nick",
    aliases: &[],
    params: "NAME",
    help: "change your name",
    shape: Shape::Text,
    before_login: false,
    in_turn: false,
    needs: Needs::Nothing,
    role: Role::Everyone,
    run: Chat::nick,
}];

impl Chat {
    /// `/nick new`.
    fn nick(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.change_name(by, args.text(), now);
    }

    /// A chatting user asks to be called `new` (`/nick`, IRC's `NICK`).
    pub(in crate::chat) fn change_name(&mut self, by: Caller, new: &str, now: &Now) {
        let (local, member) = (by.local, by.member);
        let Some(old) = self.name_of(member) else {
            return;
        };
        if old == new {
            if self
                .client(local)
                .is_some_and(|c| c.protocol == Protocol::Requests)
            {
                return; // IRC servers say nothing to a NICK to one's nick.
            }
            let name = new.into();
            return self.reply_to(local, now, Reply::AlreadyNamed { name });
        }
        if let Err(why) = naming::valid_name(new) {
            return self.reply_to(local, now, Reply::InvalidName { why });
        }
        if self.find_or_claimed(new).is_some_and(|id| id != member) {
            let name = new.into();
            return self.reply_to(local, now, Reply::NameTaken { name });
        }
        let old: Box<str> = old.into();
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut)
            && let Err(next) = client.budget.rename(now.instant)
        {
            let wait = next
                .saturating_duration_since(now.instant)
                .as_millis()
                .div_ceil(1000);
            let wait = wait as u64;
            return self.reply_to(local, now, Reply::TooManyNameChanges { wait });
        }
        // A change of case keeps the (lower-cased) name, registered or not.
        if !self.linked {
            return self.claim(local, member, new, Some(old), now); // Refused.
        }
        if self.accounts() && !old.eq_ignore_ascii_case(new) {
            return self.ask(local, member, new, Ask::Lookup);
        }
        self.nick_free(local, member, new, now);
    }

    /// `/nick new` once `new` is known to be free here and not registered:
    /// claimed from the engine (a change of case is no new name).
    pub(in crate::chat) fn nick_free(
        &mut self,
        local: Local,
        member: MemberId,
        new: &str,
        now: &Now,
    ) {
        let Some(old) = self.name_of(member).map(Box::<str>::from) else {
            return;
        };
        if !old.eq_ignore_ascii_case(new) {
            return self.claim(local, member, new, Some(old), now);
        }
        self.rename(local, member, old, new, now);
    }

    /// `member`, whose new name is theirs, takes it.
    pub(in crate::chat) fn rename(
        &mut self,
        local: Local,
        member: MemberId,
        old: Box<str>,
        new: &str,
        now: &Now,
    ) {
        self.gave_up(member, Some(&old), now.wall, false);
        // Only its owner changes a registered name's case; any other new
        // name is a guest's.
        if !old.eq_ignore_ascii_case(new) {
            self.set_registered(local, false);
        }
        let event = RoomEvent::Renamed {
            room: self.first_room(member),
            member,
            old: old.clone(),
            new: new.into(),
        };
        self.apply(event, now);
        let name = new.into();
        self.reply_to(local, now, Reply::NowKnownAs { old, name });
    }
}

//! Names through the engine, and what the core adds for a node among
//! others (`--redis`):
//!
//! - Names are claimed from the engine before they are used, in both
//!   modes: a login or a `/nick` that passes the local checks becomes a
//!   [`Delivery::Claim`], the name is reserved here meanwhile, and the
//!   engine's answer ([`Chat::claimed`]) lets the user in, or not. The
//!   memory engine grants at once; Redis asks the shared store.
//! - The link (the only Redis-only state the core knows): while this node
//!   is cut off from the others it cannot claim names, so logins and
//!   `/nick` are refused; every local user is told once when the link goes
//!   and once when it is back. A node on its own is always linked.
//! - A node's members as that node lists them in the store
//!   ([`Chat::reconcile`]): the other nodes' view of them is corrected to
//!   the listing, which is how a node that started late learns who is
//!   there, how a node that was cut off is seen again, and (with an empty
//!   listing) how a node that died is seen to leave.

use super::{
    Chat, Claimed, Delivery, Farewell, HistoryAsk, HistoryLine, Local, MemberId, Message, Notice,
    Now, Reply, RoomEvent, RoomNames, State, node_of,
};

impl Chat {
    /// Asks the engine for `name` on behalf of `member`; `release` is the
    /// name it gives up once it has the new one (a `/nick`).
    pub(super) fn claim(
        &mut self,
        local: Local,
        member: MemberId,
        name: &str,
        release: Option<Box<str>>,
        now: &Now,
    ) {
        if !self.linked {
            return self.unlinked(local, release.is_none(), now);
        }
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        client.errands.set_claim(name);
        // A login past its name's password prompt: the password was right;
        // or a session resumed: its code was.
        let verified = release.is_none()
            && (matches!(client.state, State::AwaitingPassword { .. })
                || self.resume.restoring(&member));
        self.claiming.insert(name.into(), member);
        self.out.deliveries.push(Delivery::Claim {
            member,
            name: name.into(),
            release,
            verified,
        });
    }

    /// Whether `local` waits for the answer to a claim: its next lines
    /// must wait too, or they would overtake its login or rename.
    pub fn waiting(&self, local: Local) -> bool {
        self.client(local)
            .is_some_and(|c| c.errands.claim().is_some() || c.asked || self.resume.busy(&c.member))
    }

    /// The store's answer to `member`'s claim. False if nobody waits for
    /// it any more (the user left): a granted name must then be released.
    pub(super) fn claimed(&mut self, member: MemberId, answer: Claimed, now: &Now) -> bool {
        let Some(local) = self.seats.local(&member) else {
            return false;
        };
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return false;
        };
        let Some(name) = client.errands.take_claim() else {
            return false;
        };
        let state = client.state;
        self.unreserve(&name, member);
        // At the name prompt, or past a registered name's password.
        let login = state != State::Chatting;
        match answer {
            Claimed::Granted => {
                // The store is the judge: whoever this node still shows
                // under the name is a leftover of a node cut off or gone.
                let resuming = self.resume.restoring(&member);
                if let Some(stale) = self.find(&name).filter(|&id| id != member) {
                    match (state, login) {
                        (State::AwaitingPassword { .. }, _) => {
                            self.take_over(member, stale, now);
                            self.displace_before(local, stale, now);
                        }
                        (_, true) if resuming => self.displace_before(local, stale, now),
                        (_, true) => {
                            let mark = self.out.deliveries.len();
                            self.evict(stale, now);
                            self.not_to(local, mark);
                        }
                        (_, false) => self.evict(stale, now),
                    }
                }
                match (login, self.name_of(member).map(Box::<str>::from)) {
                    (true, _) => {
                        let password = matches!(state, State::AwaitingPassword { .. });
                        self.set_registered(local, password);
                        // A registered name's session is asked for first.
                        if !(password && self.recall_account(local, member, &name)) {
                            self.enter_chat(local, member, &name, now);
                        }
                        if password && !self.resume.busy(&member) {
                            self.password_login(local, member, &name, now);
                            self.ignores_of_account(local, &name);
                        }
                    }
                    (false, Some(old)) => self.rename(local, member, old, &name, now),
                    (false, None) => {}
                }
            }
            Claimed::Taken if login => {
                self.restore_refused(member);
                self.retry(local, now, Reply::NameTaken { name });
            }
            Claimed::Taken => self.reply_to(local, now, Reply::NameTaken { name }),
            Claimed::Unavailable => {
                self.restore_refused(member);
                self.unlinked(local, login, now);
            }
        }
        true
    }

    /// Tells `local` that a name cannot be checked now (the node was never
    /// linked, or lost the link), and at a `login` prompts again.
    fn unlinked(&mut self, local: Local, login: bool, now: &Now) {
        let ever_linked = self.ever_linked;
        self.tell(local, now, Notice::Unlinked { ever_linked });
        if login {
            self.prompt_again(local, now);
        }
    }

    /// Whether users on other nodes cannot be reached now: shared rooms
    /// and no link. `/who` and the welcome list mark them.
    pub(super) fn others_unreachable(&self) -> bool {
        self.shared && !self.linked
    }

    /// Whether this node is linked with the others. Every local user is
    /// told when that changes.
    pub(super) fn set_linked(&mut self, linked: bool, now: &Now) {
        if self.linked == linked {
            return;
        }
        self.linked = linked;
        self.ever_linked |= linked;
        if linked {
            self.reload_owned();
        }
        let notice = Notice::Link { up: linked };
        for (local, client) in self.clients.iter().enumerate() {
            if client.as_ref().is_some_and(|c| c.state == State::Chatting) {
                let message = Message::Notice(notice.clone());
                let at = now.wall;
                self.out.deliveries.push(Delivery::To {
                    to: local,
                    message,
                    at,
                });
            }
        }
    }

    /// `member`'s name was found taken when this node registered again
    /// after a cut: the local user with it has to go.
    pub(super) fn name_lost(&mut self, member: MemberId) {
        if let Some(local) = self.seats.local(&member) {
            self.close_with(local, Farewell::NameLost);
        }
    }

    /// Removes a remote member, announcing that they left.
    pub(super) fn evict(&mut self, member: MemberId, now: &Now) {
        self.evict_for(member, Farewell::NodeLost, now);
    }

    fn evict_for(&mut self, member: MemberId, why: Farewell, now: &Now) {
        let Some(name) = self.name_of(member) else {
            return;
        };
        let left = RoomEvent::Left {
            room: self.first_room(member),
            member,
            name: name.into(),
            why,
            reason: None,
        };
        self.apply_remote(left, now);
    }

    /// [`Chat::displace`] for `claimant`'s login: the room is told before
    /// the claimant is in it.
    pub(super) fn displace_before(&mut self, claimant: Local, member: MemberId, now: &Now) {
        let mark = self.out.deliveries.len();
        self.displace(member, now);
        self.not_to(claimant, mark);
    }

    /// Room deliveries from `mark` on leave out `local`, who enters the
    /// room before the reactor sends them.
    fn not_to(&mut self, local: Local, mark: usize) {
        for delivery in &mut self.out.deliveries[mark..] {
            if let Delivery::Room { except, .. } = delivery {
                *except = Some(local);
            }
        }
    }

    /// `member`'s registered name logged in with its password elsewhere:
    /// a local session leaves its room now (so the name is free at once)
    /// and is closed with `*** You logged in from elsewhere`; a remote one
    /// is removed here (its own node closes it when told, see
    /// [`Delivery::Claim`]).
    pub(super) fn displace(&mut self, member: MemberId, now: &Now) {
        let Some(local) = self.seats.local(&member) else {
            return self.evict_for(member, Farewell::LoggedInElsewhere, now);
        };
        self.end_turn(now);
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        if client.state != State::Chatting {
            return;
        }
        client.state = State::Leaving;
        self.chatting -= 1;
        if let Some(name) = self.name_of(member) {
            let left = RoomEvent::Left {
                room: self.first_room(member),
                member,
                name: name.into(),
                why: Farewell::LoggedInElsewhere,
                reason: None,
            };
            self.apply(left, now);
        }
        self.close_with(local, Farewell::LoggedInElsewhere);
    }

    /// The other nodes this node shows members of.
    pub fn remote_nodes(&self) -> Vec<u16> {
        let mut nodes: Vec<u16> = (self.seats.chatting())
            .chain(self.roomless.keys().copied())
            .filter(|m| !self.seats.is_local(m))
            .map(node_of)
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }

    /// The engine's history of `room` for `member` (see
    /// [`Delivery::History`]): the lines of `lines` (oldest first) that
    /// `ask` picks, under a heading or as a batch; `more` lines of the
    /// window were counted past them (`ask.counted`).
    pub(super) fn stored_history(
        &mut self,
        member: MemberId,
        room: &str,
        lines: &[HistoryLine],
        more: usize,
        ask: HistoryAsk,
        now: &Now,
    ) {
        let Some(local) = self.seats.local(&member) else {
            return;
        };
        if ask.missed {
            return self.missed(local, room, lines, more, ask, now);
        }
        let lines = ask.pick(lines).into_iter().cloned().collect();
        match ask.batch {
            true => self.out.deliveries.push(Delivery::HistoryBatch {
                to: local,
                room: room.into(),
                lines,
            }),
            false => self.reply(local, room.into(), lines, now),
        }
    }

    /// A `/history` with `--redis` that the node cannot take now: too many
    /// are being read from the store already.
    pub(super) fn history_busy(&mut self, member: MemberId, now: &Now) {
        if let Some(local) = self.seats.local(&member) {
            self.tell(local, now, Notice::HistoryBusy);
        }
    }

    /// The topic the store keeps for `room`: set here if the room has none
    /// yet, and shown to its local members (who just entered it).
    pub(super) fn stored_topic(&mut self, room: &str, topic: &str, now: &Now) {
        let Some(id) = self.rooms.find(room) else {
            return;
        };
        let Some(r) = self.rooms.get_mut(id).filter(|r| r.topic.is_none()) else {
            return;
        };
        r.topic = Some(topic.into());
        let told = Notice::Topic {
            topic: topic.into(),
        };
        self.broadcast(id, None, told.into(), 1, now);
    }

    /// A `Left` for every chatting local user, for the other nodes when
    /// this one stops; nothing changes here.
    pub fn leaves(&self, why: Farewell) -> Vec<(RoomEvent, RoomNames)> {
        self.seats
            .local_members()
            .filter_map(|member| {
                let name = self.name_of(member)?.into();
                let left = RoomEvent::Left {
                    room: self.first_room(member),
                    member,
                    name,
                    why,
                    reason: None,
                };
                let names = self.room_names(&left);
                Some((left, names))
            })
            .collect()
    }

    /// The name of chatting user `member` as the server-wide table holds
    /// it (shared, no copy), or `name` made shared if it holds none.
    pub(super) fn shared_name(&self, name: &str) -> super::name::Name {
        match self.names.get_key_value(super::name::key(&name)) {
            Some((shared, _)) => shared.clone(),
            None => super::name::Name::from(name),
        }
    }

    /// Drops `member`'s reservation of `name`, if it still has it.
    pub(super) fn unreserve(&mut self, name: &str, member: MemberId) {
        // One lookup: taken out, and put back in the rare case that
        // another member holds it now.
        if let Some((name, holder)) = self.claiming.remove_entry(super::name::key(&name))
            && holder != member
        {
            self.claiming.insert(name, holder);
        }
    }

    /// The user called `name`, or the local user claiming it.
    pub(super) fn find_or_claimed(&self, name: &str) -> Option<MemberId> {
        let key = super::name::key(&name);
        (self.names.get(key))
            .or_else(|| self.claiming.get(key))
            .copied()
    }
}

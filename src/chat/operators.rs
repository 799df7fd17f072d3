//! Server operators: the accounts named in `--admins` (re-read on SIGHUP)
//! and what they may do on every node: disconnect a user (`/kill`, IRC
//! `KILL`), tell every room something (`/announce`), and write to the
//! other operators (IRC `WALLOPS`).
//!
//! Who is one: a registered name listed in `--admins`, whose password
//! was given on this connection. A telnet user becomes one by logging in
//! with the password (the prompt already asked for it, so a second
//! `/oper` step would ask the same thing again). An IRC client asks with
//! `OPER account password`, as IRC clients and bots expect; its nick need
//! not be the account. Either way the password is checked by the
//! accounts worker (Argon2id stays off the loop), wrong ones count
//! towards the same lockout as a login's, and passwords go only over TLS
//! unless `--allow-plaintext-passwords`.
//!
//! Operator status belongs to the connection (a member id), not the name:
//! it goes with the connection, and when a SIGHUP drops the account from
//! the file. Actions travel as one [`RoomEvent::Admin`], published like
//! any room event, so a kill reaches the user's own node. Each is logged
//! at info level with who did it.

use super::commands::Caller;
use super::{
    AdminAction, AdminNotice, Ask, Chat, Delivery, Farewell, Local, MemberId, Message, Notice, Now,
    OperReply, Protocol, Reply, RoomEvent, Secret, State,
};
use log::{info, warn};
use std::collections::{HashMap, HashSet};

/// The operators of this node and the accounts that may become one.
#[derive(Debug, Default)]
pub(super) struct Operators {
    /// Whether `--admins` was given (the operator commands are listed).
    on: bool,
    /// The accounts of `--admins`, lower-cased (names ignore case).
    admins: HashSet<Box<str>>,
    /// Local members who are operators, with the account they proved.
    raised: HashMap<MemberId, Box<str>>,
    /// Other nodes' members who are operators, as those nodes said: shown
    /// in WHO and WHOIS, never a right here.
    elsewhere: HashSet<MemberId>,
}

impl Chat {
    /// `--admins` was (re-)read: these accounts may be operators. An
    /// operator whose account is no longer listed stops being one, and is
    /// told.
    pub(super) fn set_admins(&mut self, names: &[Box<str>], now: &Now) {
        let ops = &mut self.operators;
        ops.on = true;
        ops.admins = names.iter().cloned().collect();
        let gone: Vec<(MemberId, Box<str>)> = (ops.raised.iter())
            .filter(|(_, account)| !ops.admins.contains(*account))
            .map(|(&member, account)| (member, account.clone()))
            .collect();
        for (member, account) in gone {
            info!("admin: {account} is no longer in --admins: its operator is lowered");
            self.lower(member, now);
        }
    }

    /// Whether `--admins` was given.
    pub(super) fn admins_on(&self) -> bool {
        self.operators.on
    }

    /// Whether `member` is a server operator of this node.
    pub(super) fn is_operator(&self, member: MemberId) -> bool {
        self.operators.raised.contains_key(&member)
    }

    /// Runs `act` if `by` is a server operator; else tells them that
    /// `command` is for operators.
    pub(super) fn as_operator(
        &mut self,
        by: Caller,
        command: &'static str,
        now: &Now,
        act: impl FnOnce(&mut Chat),
    ) {
        match self.is_operator(by.member) {
            true => act(self),
            false => {
                let refusal = Reply::Oper(OperReply::NeedsOperator { command });
                self.reply_to(by.local, now, refusal);
            }
        }
    }

    /// Server operators on this node (LUSERS 252).
    pub fn operators_online(&self) -> usize {
        self.operators.raised.len()
    }

    /// Whether the local connection `local` is a server operator.
    pub fn is_operator_at(&self, local: Local) -> bool {
        self.client(local)
            .is_some_and(|c| self.is_operator(c.member))
    }

    /// IRC `MODE nick -o`: an operator steps down (anyone else: nothing).
    pub(super) fn unoper(&mut self, by: Caller, now: &Now) {
        if let Some(account) = self.operators.raised.get(&by.member) {
            let who = self.name_of(by.member).unwrap_or("?");
            info!("admin: {who} is no longer a server operator (account {account}): asked");
            self.lower(by.member, now);
        }
    }

    /// `member` is not an operator any more: it is told, and other nodes.
    fn lower(&mut self, member: MemberId, now: &Now) {
        self.operators.raised.remove(&member);
        if let Some(local) = self.seats.local(&member) {
            self.reply_to(local, now, Reply::Oper(OperReply::Lowered));
        }
        self.tell_nodes(member, false, now);
    }

    /// Publishes whether `member` is an operator, for other nodes' WHO.
    fn tell_nodes(&mut self, member: MemberId, operator: bool, now: &Now) {
        if let Some(name) = self.name_of(member).map(Box::<str>::from) {
            let action = AdminAction::Operator(operator);
            self.apply(
                RoomEvent::Admin {
                    member,
                    name,
                    action,
                },
                now,
            );
        }
    }

    /// Whether WHO and WHOIS show `member` as an operator (of any node).
    pub(super) fn shown_operator(&self, member: MemberId) -> bool {
        self.is_operator(member) || self.operators.elsewhere.contains(&member)
    }

    /// The connection of `member` is gone: so is its operator status.
    pub(super) fn operator_gone(&mut self, member: MemberId) {
        self.operators.raised.remove(&member);
        self.operators.elsewhere.remove(&member);
    }

    /// The local connections of this node's server operators.
    pub(super) fn operators_here(&self) -> impl Iterator<Item = Local> + '_ {
        (self.operators.raised.keys()).filter_map(|m| self.seats.local(m))
    }

    /// A telnet user logged in as `name` with its password: if the name
    /// is in `--admins`, they are an operator now.
    pub(super) fn password_login(&mut self, local: Local, member: MemberId, name: &str, now: &Now) {
        let lines = self.client(local).map(|c| c.protocol) == Some(Protocol::Lines);
        let account = name.to_ascii_lowercase();
        if lines && self.operators.admins.contains(account.as_str()) {
            self.raise(local, member, account.into(), now);
        }
    }

    /// IRC `OPER name password`: `name`'s password is checked by the
    /// accounts worker if it is listed in `--admins`.
    pub(super) fn oper(&mut self, by: Caller, name: &str, password: Secret, now: &Now) {
        let account = name.to_ascii_lowercase();
        if !self.accounts() || !self.operators.admins.contains(account.as_str()) {
            let name = name.into();
            return self.reply_to(by.local, now, Reply::Oper(OperReply::NoOperHost { name }));
        }
        if let Some(refusal) = self.plaintext_refusal(by.local) {
            return self.reply_to(by.local, now, refusal);
        }
        let source = self.source(by.local);
        if let Some(until) = (self.lockouts).locked_until(&account, source, now.instant) {
            let wait = until.saturating_duration_since(now.instant);
            let wait = wait.as_millis().div_ceil(1000) as u64;
            let locked = Reply::LockedOut {
                name: account.into(),
                wait,
            };
            return self.reply_to(by.local, now, locked);
        }
        self.ask(by.local, by.member, &account, Ask::Verify(password));
    }

    /// The worker's answer to an `OPER` of `account` (a chatting user's
    /// only password check).
    pub(super) fn oper_checked(&mut self, local: Local, account: Box<str>, right: bool, now: &Now) {
        let Some(member) = self.client(local).map(|c| c.member) else {
            return;
        };
        let who = self.name_of(member).unwrap_or("?").to_owned();
        let source = self.source(local);
        if !right {
            warn!("admin: {who} gave a wrong password for operator {account}");
            self.lockouts.count_failure(&account, source, now.instant);
            return self.reply_to(local, now, Reply::WrongPassword);
        }
        self.lockouts.clear(&account, source);
        // Listed when asked, and still (a SIGHUP may have come between).
        if self.operators.admins.contains(&account) {
            self.raise(local, member, account, now);
        } else {
            let name = account;
            self.reply_to(local, now, Reply::Oper(OperReply::NoOperHost { name }));
        }
    }

    fn raise(&mut self, local: Local, member: MemberId, account: Box<str>, now: &Now) {
        let who = self.name_of(member).unwrap_or("?");
        info!("admin: {who} is a server operator (account {account})");
        self.operators.raised.insert(member, account);
        self.reply_to(local, now, Reply::Oper(OperReply::Opered));
        self.tell_nodes(member, true, now);
    }

    /// The address wrong passwords of `local` are counted under.
    fn source(&self, local: Local) -> std::net::IpAddr {
        let address = self.client(local).and_then(|c| c.address);
        address.unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    /// `/kill NAME [reason]` and IRC `KILL`, from an operator: the user
    /// called `name`, on any node, is disconnected.
    pub(super) fn kill(&mut self, by: Caller, name: &str, reason: &str, now: &Now) {
        let Some(target) = self.find(name) else {
            let name = name.into();
            return self.reply_to(by.local, now, Reply::NoSuchUser { name });
        };
        let name: Box<str> = self.name_of(target).unwrap_or(name).into();
        let reason = reason.trim().into();
        self.admin(by, AdminAction::Kill { target, reason }, now);
        if self.seats.local(&target) != Some(by.local) {
            self.reply_to(by.local, now, Reply::Oper(OperReply::Killed { name }));
        }
    }

    /// `/announce TEXT`, `WALLOPS :text`: published to every node.
    pub(super) fn admin(&mut self, by: Caller, action: AdminAction, now: &Now) {
        let Some(name) = self.name_of(by.member).map(Box::<str>::from) else {
            return;
        };
        let account = self.operators.raised.get(&by.member).cloned();
        let account = account.as_deref().unwrap_or("?");
        match &action {
            AdminAction::Kill { target, reason } => {
                let whom = self.name_of(*target).unwrap_or("?");
                info!("admin: {name} (account {account}) killed {whom}: {reason}");
            }
            AdminAction::Announce(text) => {
                info!("admin: {name} (account {account}) announced: {text}");
            }
            AdminAction::Wallops(text) => {
                info!("admin: {name} (account {account}) wallops: {text}");
            }
            AdminAction::Operator(_) => {}
            AdminAction::Global { mask, until, on } => {
                let done = if *on { "set" } else { "lifted" };
                info!(
                    "admin: {name} (account {account}) {done} server-wide {mask} until {until:?}"
                );
            }
        }
        let member = by.member;
        self.apply(
            RoomEvent::Admin {
                member,
                name,
                action,
            },
            now,
        );
    }

    /// What an operator's action does on this node (theirs or another).
    pub(super) fn admin_effects(
        &mut self,
        op: MemberId,
        by: &str,
        action: &AdminAction,
        now: &Now,
    ) {
        let by: Box<str> = by.into();
        match action {
            AdminAction::Kill { target, reason } => {
                self.tell_kill(op, *target, &by, reason, now);
                let Some(local) = self.seats.local(target) else {
                    return;
                };
                let said = match reason.is_empty() {
                    true => format!("Killed ({by})"),
                    false => format!("Killed ({by} ({reason}))"),
                };
                if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
                    client.errands.set_quit_reason(&said);
                }
                let reason = reason.clone();
                let told = Notice::Admin(AdminNotice::Killed { by, reason });
                self.tell(local, now, told);
                self.close_with(local, Farewell::Killed);
            }
            AdminAction::Announce(text) => {
                let chatting = |(local, client): (Local, &Option<super::Client>)| {
                    let chatting = client.as_ref()?.state == State::Chatting;
                    chatting.then_some(local)
                };
                let to: Vec<Local> = self
                    .clients
                    .iter()
                    .enumerate()
                    .filter_map(chatting)
                    .collect();
                let text = text.clone();
                self.tell_all(
                    to,
                    Notice::Admin(AdminNotice::Announcement { by, text }),
                    now,
                );
            }
            AdminAction::Wallops(text) => {
                let raised = self.operators.raised.keys();
                let to: Vec<Local> = raised.filter_map(|m| self.seats.local(m)).collect();
                let text = text.clone();
                self.tell_all(to, Notice::Admin(AdminNotice::Wallops { by, text }), now);
            }
            AdminAction::Operator(_) if self.seats.is_local(&op) => {}
            AdminAction::Operator(true) => drop(self.operators.elsewhere.insert(op)),
            AdminAction::Operator(false) => drop(self.operators.elsewhere.remove(&op)),
            AdminAction::Global { mask, until, on } => {
                self.global_effects(op, &by, (mask, *until, *on), now);
            }
        }
    }

    /// The local readers of `target`'s rooms (but it and the operator `op`,
    /// who are told otherwise) learn that `by` disconnected it: a kill is
    /// visible. (IRC readers see its QUIT with the reason instead.)
    pub(super) fn tell_kill(
        &mut self,
        op: MemberId,
        target: MemberId,
        by: &str,
        reason: &str,
        now: &Now,
    ) {
        let Some(name) = self.name_of(target).map(Box::<str>::from) else {
            return;
        };
        let mut to: Vec<Local> = (self.seats.rooms(&target))
            .filter_map(|room| self.rooms.get(room))
            .flat_map(|room| room.members.locals().iter().copied())
            .collect();
        to.sort_unstable();
        to.dedup();
        let (them, it) = (self.seats.local(&op), self.seats.local(&target));
        to.retain(|&local| Some(local) != them && Some(local) != it);
        let (by, reason) = (by.into(), reason.into());
        let notice = AdminNotice::Removed { name, by, reason };
        self.tell_all(to, Notice::Admin(notice), now);
    }

    /// One notice for each of `to`, rendered once per dialect.
    fn tell_all(&mut self, to: Vec<Local>, notice: Notice, now: &Now) {
        if !to.is_empty() {
            let message = Message::Notice(notice);
            let at = now.wall;
            self.out
                .deliveries
                .push(Delivery::Members { to, message, at });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::Harness;
    use super::super::{Answer, RoomId};
    use super::*;

    /// A core with accounts, `operuser` in --admins, and IRC user `baz`
    /// logged in at 1 (member `baz`).
    fn with_baz() -> (Harness, MemberId) {
        let mut h = Harness::plain();
        h.irc(1, "baz");
        let baz = MemberId(h.next_id);
        h.chat.accounts_on();
        let now = h.now;
        h.chat.set_admins(&["operuser".into()], &now);
        (h, baz)
    }

    fn oper(h: &mut Harness, password: &str) -> super::super::tests::Taken {
        let password = Secret(password.into());
        let name = "OperUser";
        h.request(1, super::super::Request::Oper { name, password })
    }

    #[test]
    fn oper_asks_the_worker_only_for_a_listed_account() {
        let (mut h, baz) = with_baz();
        let name = "nobody";
        let password = Secret("x".into());
        let out = h.request(1, super::super::Request::Oper { name, password });
        let refused = Reply::Oper(OperReply::NoOperHost { name: name.into() });
        assert_eq!(out.replies(1), [&refused]);
        assert!(out.reads.is_empty(), "no password job for an unlisted name");
        let out = oper(&mut h, "right");
        assert_eq!(out.reads, ["account operuser Verify(Secret(..))"]);
        assert!(h.chat.waiting(1), "its next requests wait for the answer");
        assert!(h.chat.answered(baz, Answer::Verified(true), &h.now));
        let out = h.take();
        assert_eq!(out.replies(1), [&Reply::Oper(OperReply::Opered)]);
        assert!(h.chat.is_operator(baz));
        // Closed: no longer an operator.
        h.close(1, Farewell::Quit);
        assert!(!h.chat.is_operator(baz));
    }

    #[test]
    fn oper_in_the_clear_is_refused_when_passwords_need_tls() {
        let (mut h, _) = with_baz();
        h.chat.passwords_need_tls(6697);
        let out = oper(&mut h, "right");
        assert_eq!(out.replies(1), [&Reply::UseTls { port: 6697 }]);
        assert!(out.reads.is_empty(), "never sent to the worker");
    }

    #[test]
    fn wrong_oper_passwords_lock_the_account_out_as_logins_do() {
        let (mut h, baz) = with_baz();
        for _ in 0..5 {
            let out = oper(&mut h, "wrong");
            assert_eq!(out.reads.len(), 1);
            assert!(h.chat.answered(baz, Answer::Verified(false), &h.now));
            assert_eq!(h.take().replies(1), [&Reply::WrongPassword]);
        }
        let out = oper(&mut h, "right");
        assert!(out.reads.is_empty(), "locked out: not asked");
        assert!(
            matches!(out.replies(1)[..], [Reply::LockedOut { .. }]),
            "{:?}",
            out.replies(1)
        );
        assert!(!h.chat.is_operator(baz));
    }

    #[test]
    fn an_operator_leaves_the_file_and_is_lowered() {
        let (mut h, baz) = with_baz();
        oper(&mut h, "right");
        h.chat.answered(baz, Answer::Verified(true), &h.now);
        h.take();
        let now = h.now;
        h.chat.set_admins(&["someone".into()], &now);
        let out = h.take();
        assert_eq!(out.replies(1), [&Reply::Oper(OperReply::Lowered)]);
        assert!(!h.chat.is_operator(baz));
        let out = h.request(1, super::super::Request::Wallops("hi"));
        let refused = Reply::Oper(OperReply::NeedsOperator { command: "wallops" });
        assert_eq!(out.replies(1), [&refused]);
        assert!(out.events.is_empty(), "nothing published");
    }

    #[test]
    fn another_nodes_operators_are_shown_until_they_go() {
        let mut h = Harness::plain();
        h.login(1, "alice");
        let op = MemberId(7 << 48 | 1);
        let name: Box<str> = "boss".into();
        let online = RoomEvent::Online {
            member: op,
            name: name.clone(),
        };
        assert!(h.chat.apply_remote(online, &h.now));
        let raised = AdminAction::Operator(true);
        let event = RoomEvent::Admin {
            member: op,
            name: name.clone(),
            action: raised,
        };
        assert!(h.chat.apply_remote(event, &h.now));
        assert!(
            h.chat.shown_operator(op) && !h.chat.is_operator(op),
            "shown, no right here"
        );
        let why = Farewell::Quit;
        let (room, reason) = (RoomId(u32::MAX), None);
        let left = RoomEvent::Left {
            room,
            member: op,
            name,
            why,
            reason,
        };
        assert!(h.chat.apply_remote(left, &h.now));
        assert!(!h.chat.shown_operator(op), "forgotten when it leaves");
    }

    #[test]
    fn another_nodes_kill_closes_a_local_user_and_its_announcement_reaches_all() {
        let mut h = Harness::plain();
        h.login(1, "alice");
        h.irc(2, "bob");
        let bob = MemberId(h.next_id);
        let op = MemberId(7 << 48 | 1);
        let name: Box<str> = "boss".into();
        let action = AdminAction::Announce("restart soon".into());
        let event = RoomEvent::Admin {
            member: op,
            name: name.clone(),
            action,
        };
        assert!(h.chat.apply_remote(event, &h.now));
        let out = h.take();
        let told = "*** Announcement from boss: restart soon\r\n";
        assert_eq!((out.text(1), out.text(2)), (told.into(), told.into()));
        let action = AdminAction::Kill {
            target: bob,
            reason: "spam".into(),
        };
        let event = RoomEvent::Admin {
            member: op,
            name,
            action,
        };
        assert!(h.chat.apply_remote(event, &h.now));
        let out = h.take();
        assert_eq!(out.text(2), "*** You were disconnected by boss: spam\r\n");
        assert_eq!(out.closed, [(2, Farewell::Killed)]);
        assert_eq!(h.close(2, Farewell::Killed), None, "no farewell of its own");
        let out = h.take();
        let quit = out.events.iter().find_map(|e| match e {
            RoomEvent::Left { reason, room, .. } => Some((reason.clone(), *room)),
            _ => None,
        });
        let reason = Some("Killed (boss (spam))".into());
        assert_eq!(quit, Some((reason, RoomId(u32::MAX))));
    }
}

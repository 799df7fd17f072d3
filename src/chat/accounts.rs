//! With `--data-dir`, registered names. A name given at the prompt (or to
//! `/nick`) is first looked up by the accounts worker; a registered one
//! asks `Password: ` before the welcome, and is never given to `/nick`.
//! `/register PASSWORD` registers the name a user is logged in under.
//!
//! Each step that needs the worker becomes a [`Delivery::Account`]; the
//! connection's next lines wait for the answer ([`Chat::answered`]). A
//! lookup reserves the name meanwhile, so nobody else takes it.
//!
//! A password prompt holds nothing against the name's owner: anyone may be
//! at it, and the first right password wins the name: from a prompt left
//! open by someone else (told, and sent back to the name prompt), and from
//! a session left behind, here or on another node (closed with
//! `*** You logged in from elsewhere`). A guest can do neither. The prompt
//! has its own deadline (`--password-timeout`, 20 s), shorter than
//! `--login-timeout`: one kept open costs a connection slot.
//!
//! Wrong passwords lock the attempt, not the owner: they are counted per
//! name and address, so a stranger's guesses never keep the owner out
//! from another address (and each address's wrong passwords overall are
//! limited by the reactor's admission).

use super::{
    Answer, Ask, Chat, Delivery, Farewell, Local, MemberId, Message, Now, Protocol, Reply, Secret,
    State, Typing,
};
use std::net::IpAddr;

/// Wrong passwords a connection may give before it is closed.
const MAX_FAILURES: u8 = 3;

/// The address wrong passwords are counted under (none: the core's own
/// tests, which open connections without one).
fn source_of(address: Option<IpAddr>) -> IpAddr {
    address.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

impl Chat {
    /// Turns registered names on (`--data-dir`).
    pub fn accounts_on(&mut self) {
        self.accounts = true;
    }

    /// Whether a name is checked against registered names first.
    pub(super) fn accounts(&self) -> bool {
        self.accounts
    }

    /// Sends `ask` about `name` to the worker for `member`; a lookup
    /// reserves the name until the answer.
    pub(super) fn ask(&mut self, local: Local, member: MemberId, name: &str, ask: Ask) {
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        client.errands.set_account(name);
        client.asked = true;
        if ask == Ask::Lookup {
            self.claiming.insert(name.into(), member);
        }
        let name = name.into();
        self.out
            .deliveries
            .push(Delivery::Account { member, name, ask });
    }

    /// The name a user at the prompt chose is free here (and, with accounts,
    /// not registered, or its password was right): claimed from the engine,
    /// whose answer ([`Chat::claimed`]) lets the user in (putting out a
    /// session the name's password takes it from).
    pub(super) fn take_name(&mut self, local: Local, member: MemberId, name: &str, now: &Now) {
        self.claim(local, member, name, None, now);
    }

    /// A line at the password prompt.
    pub(super) fn password(&mut self, local: Local, member: MemberId, text: &str, now: &Now) {
        let Some(name) = self
            .client(local)
            .and_then(|c| c.errands.account().map(Box::<str>::from))
        else {
            return;
        };
        self.end_turn(now);
        if let Some(locked) = self.locked(local, &name, now) {
            // This address failed on this name meanwhile.
            if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
                client.errands.take_account();
            }
            self.typing(local, Typing::Show);
            return self.retry(local, now, locked);
        }
        let secret = Secret(text.into());
        self.ask(local, member, &name, Ask::Verify(secret));
    }

    /// Asks the reactor to hide or show what `local` types (telnet only:
    /// a client of requests has no prompt to hide).
    fn typing(&mut self, local: Local, typing: Typing) {
        if self
            .client(local)
            .is_some_and(|c| c.protocol == Protocol::Lines)
        {
            self.out.deliveries.push(Delivery::Typing(local, typing));
        }
    }

    /// With a TLS listener, passwords are taken only over TLS (unless
    /// `--allow-plaintext-passwords`): `port` is named to users on the
    /// plain port.
    pub fn passwords_need_tls(&mut self, port: u16) {
        self.tls_port = Some(port);
    }

    /// `local` came over TLS.
    pub(super) fn set_secure(&mut self, local: Local) {
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
            client.secure = true;
        }
    }

    /// What a plain connection is told instead of being asked for a
    /// password, when passwords need TLS.
    pub(super) fn plaintext_refusal(&self, local: Local) -> Option<Reply> {
        let port = self.tls_port?;
        let secure = self.client(local).is_some_and(|c| c.secure);
        (!secure).then_some(Reply::UseTls { port })
    }

    /// The worker's answer for `member`. False if nobody waits for it.
    pub(super) fn answered(&mut self, member: MemberId, answer: Answer, now: &Now) -> bool {
        let Some(local) = self.seats.local(&member) else {
            return false;
        };
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return false;
        };
        let Some(name) = client.errands.take_account().filter(|_| client.asked) else {
            return false;
        };
        client.asked = false;
        let (state, source) = (client.state, source_of(client.address));
        let requests = client.protocol == Protocol::Requests;
        if answer != Answer::Looked(true) {
            // A password kept for a name that turned out free, or spent.
            client.errands.take_password();
        }
        self.unreserve(&name, member);
        match (state, answer) {
            (State::AwaitingName { .. }, Answer::Looked(false)) => {
                // Held by a guest: only a registered name's password
                // takes a name from its holder.
                if self.find(&name).is_some_and(|id| id != member) {
                    self.retry(local, now, Reply::NameTaken { name });
                } else {
                    self.take_name(local, member, &name, now);
                }
            }
            (State::AwaitingPassword { .. }, Answer::Verified(true)) => {
                self.typing(local, Typing::Show);
                self.lockouts.clear(&name, source);
                self.close_other_prompts(local, &name, now);
                self.take_name(local, member, &name, now);
            }
            (State::AwaitingName { .. }, Answer::Looked(true)) if requests => {
                self.password_given(local, member, &name, now);
            }
            (State::AwaitingPassword { .. }, Answer::Busy) if requests => {
                self.retry(local, now, Reply::PasswordsBusy);
            }
            (State::AwaitingPassword { .. }, Answer::Verified(false)) if requests => {
                self.count_failure(&name, source, now);
                self.retry(local, now, Reply::WrongPassword);
            }
            (State::AwaitingName { .. }, Answer::Looked(true)) => {
                if let Some(refusal) = self.plaintext_refusal(local) {
                    self.retry(local, now, refusal);
                } else if let Some(locked) = self.locked(local, &name, now) {
                    self.retry(local, now, locked);
                } else {
                    self.ask_password(local, &name, 0, None, now);
                }
            }
            (State::AwaitingPassword { failures }, Answer::Verified(false)) => {
                self.count_failure(&name, source, now);
                let failures = failures + 1;
                if failures >= MAX_FAILURES {
                    self.typing(local, Typing::Show);
                    self.close_with(local, Farewell::WrongPassword);
                } else {
                    let told = Reply::WrongPassword;
                    self.ask_password(local, &name, failures, Some(told), now);
                }
            }
            // A chatting user's only password check is an `OPER`.
            (State::Chatting, Answer::Verified(right)) => {
                self.oper_checked(local, name, right, now)
            }
            (State::Chatting, answer) => self.answered_chatting(local, member, name, answer, now),
            (State::AwaitingPassword { failures }, Answer::Busy) => {
                self.ask_password(local, &name, failures, Some(Reply::PasswordsBusy), now);
            }
            (State::AwaitingPassword { .. }, _) => {
                self.typing(local, Typing::Show);
                self.retry(local, now, Reply::AccountsUnavailable);
            }
            (State::AwaitingName { .. }, _) => self.retry(local, now, Reply::AccountsUnavailable),
            (State::Leaving, _) => {}
        }
        true
    }

    /// A client of requests logging in as `name`, which is registered: the
    /// password it gave (if any) is checked, as at the prompt.
    fn password_given(&mut self, local: Local, member: MemberId, name: &str, now: &Now) {
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        let Some(password) = client.errands.take_password() else {
            let name = name.into();
            return self.retry(local, now, Reply::PasswordNeeded { name });
        };
        if let Some(refusal) = self.plaintext_refusal(local) {
            return self.retry(local, now, refusal);
        }
        if let Some(locked) = self.locked(local, name, now) {
            return self.retry(local, now, locked);
        }
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
            client.state = State::AwaitingPassword { failures: 0 };
        }
        self.ask(local, member, name, Ask::Verify(password));
    }

    /// Records whether `local` holds a registered name it proved (see
    /// `Client::registered`).
    pub(super) fn set_registered(&mut self, local: Local, registered: bool) {
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
            client.registered = registered;
        }
    }

    /// Whether `member`, a user of this node, holds a registered name it
    /// proved.
    pub(super) fn holds_registered(&self, member: MemberId) -> bool {
        let local = self.seats.local(&member);
        local
            .and_then(|l| self.client(l))
            .is_some_and(|c| c.registered)
    }

    /// The worker's answer to a chatting user's `/nick`, `/register`,
    /// `/password` or `/unregister` about `name`.
    fn answered_chatting(
        &mut self,
        local: Local,
        member: MemberId,
        name: Box<str>,
        answer: Answer,
        now: &Now,
    ) {
        let reply = match answer {
            Answer::Looked(false) => return self.nick_free(local, member, &name, now),
            Answer::Looked(true) => Reply::NameRegistered { name },
            Answer::Registered(true) => {
                self.set_registered(local, true);
                // What the guest ignored is kept with the account now.
                self.ignores_of_account(local, &name);
                // And its session with the name (see `resume/`).
                self.resume_account(local, member, &name, true, now);
                Reply::Registered { name }
            }
            Answer::Registered(false) => Reply::AlreadyRegistered { name },
            Answer::Changed(true) => Reply::PasswordChanged { name },
            Answer::Unregistered(true) => {
                self.set_registered(local, false);
                self.resume_account(local, member, &name, false, now);
                Reply::Unregistered { name }
            }
            Answer::Changed(false) | Answer::Unregistered(false) => {
                Reply::WrongPasswordOrUnregistered { name }
            }
            Answer::Busy => Reply::PasswordsBusy,
            Answer::TooManyRegistrations => Reply::TooManyRegistrations,
            Answer::StoreFull => Reply::StoreFull,
            Answer::Verified(_) | Answer::Failed | Answer::IgnoreList(_) | Answer::IgnoresKept => {
                Reply::AccountsUnavailable
            }
        };
        self.reply_to(local, now, reply);
    }

    /// Someone gave `name`'s password on `winner`: every other connection
    /// sitting at its password prompt (not waiting for a check of its
    /// own) is told and sent back to the name prompt.
    fn close_other_prompts(&mut self, winner: Local, name: &str, now: &Now) {
        let sitting: Vec<Local> = (self.clients.iter().enumerate())
            .filter(|&(local, client)| {
                local != winner
                    && client.as_ref().is_some_and(|c| {
                        matches!(c.state, State::AwaitingPassword { .. })
                            && !c.asked
                            && c.errands
                                .account()
                                .is_some_and(|a| a.eq_ignore_ascii_case(name))
                    })
            })
            .map(|(local, _)| local)
            .collect();
        let key = name.to_ascii_lowercase();
        for local in sitting {
            if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
                client.errands.end_account();
            }
            self.typing(local, Typing::Withdrawn);
            let name = key.as_str().into();
            self.retry(local, now, Reply::LoggedInWithPassword { name });
        }
    }

    /// If `local`'s address is locked out of `name` after too many wrong
    /// passwords, what to say (naming the name as registered: lower-cased).
    fn locked(&self, local: Local, name: &str, now: &Now) -> Option<Reply> {
        let source = source_of(self.client(local)?.address);
        let key = name.to_ascii_lowercase();
        let until = self.lockouts.locked_until(&key, source, now.instant)?;
        let wait = until.saturating_duration_since(now.instant);
        let wait = wait.as_millis().div_ceil(1000) as u64;
        let name = key.into();
        Some(Reply::LockedOut { name, wait })
    }

    /// Counts a wrong password for `name` from `source`, and locks that
    /// address out of the name past the free ones.
    fn count_failure(&mut self, name: &str, source: IpAddr, now: &Now) {
        self.lockouts.count_failure(name, source, now.instant);
    }

    /// Asks for `name`'s password (again, after `told`), keeping the name
    /// reserved.
    fn ask_password(
        &mut self,
        local: Local,
        name: &str,
        failures: u8,
        told: Option<Reply>,
        now: &Now,
    ) {
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        client.state = State::AwaitingPassword { failures };
        client.errands.set_account(name);
        let mut deadline = None;
        if told.is_none() {
            let at = now.instant + self.password_timeout;
            client.errands.set_password_until(at);
            deadline = Some(Delivery::Deadline(local, at));
        }
        self.out.deliveries.extend(deadline);
        let typing = if told.is_some() {
            Typing::StillHidden
        } else {
            Typing::Hide
        };
        self.out.deliveries.push(Delivery::Typing(local, typing));
        if let Some(told) = told {
            self.reply_to(local, now, told);
        }
        self.to(local, Message::PasswordPrompt, now);
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::Harness;
    use super::super::{Answer, Ask, Delivery, MemberId, Secret};

    #[test]
    fn a_password_never_shows_in_debug_output() {
        let ask = Delivery::Account {
            member: MemberId(1),
            name: "alice".into(),
            ask: Ask::Verify(Secret("hunter2".into())),
        };
        assert!(!format!("{ask:?}").contains("hunter2"));
    }

    #[test]
    fn the_prompt_waits_for_the_worker() {
        let mut h = Harness::plain();
        h.chat.accounts_on();
        h.open(1);
        let alice = MemberId(h.next_id);
        let out = h.line(1, "alice");
        assert_eq!(out.text(1), "", "nothing until the lookup answers");
        assert!(h.chat.waiting(1));
        assert!(h.chat.answered(alice, Answer::Looked(true), &h.now));
        assert_eq!(h.take().text(1), "Password: ");
        assert!(!h.chat.waiting(1));
        h.line(1, "guess");
        assert!(h.chat.waiting(1), "the password is being checked");
        assert!(h.chat.answered(alice, Answer::Failed, &h.now));
        let out = h.take();
        assert!(out.text(1).contains("Accounts are unavailable right now"));
        assert!(out.text(1).ends_with("Enter your name: "));
    }
}

//! How a session is resumed, step by step (see the module doc of
//! `resume`): the code at the welcome, the record at the close, `/resume`
//! at the prompt, the engine's answer, the room entered and the lines
//! missed.

use super::{Code, Position, Recall, ResumeKey, Suspended};
use crate::chat::{
    Chat, Delivery, Farewell, Local, MemberId, Notice, Now, Protocol, Reply, RoomId,
};
use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU64;

/// What wrong codes are counted under in the per-address lockouts (not a
/// valid name, so no registered name shares its count).
const LOCK: &str = "/resume";

/// The keys a session is kept under: its code's hash, and a registered
/// name (lower-cased).
fn keys(
    name: &str,
    hash: Option<u64>,
    registered: bool,
) -> impl Iterator<Item = ResumeKey> + use<> {
    let account = registered.then(|| ResumeKey::Account(name.to_ascii_lowercase().into()));
    hash.map(ResumeKey::Code).into_iter().chain(account)
}

/// The code after `/resume` (any case) typed at the name prompt, or
/// `None` if the line is something else.
fn typed(text: &str) -> Option<&str> {
    let text = text.trim();
    let (verb, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    verb.eq_ignore_ascii_case("/resume").then_some(rest.trim())
}

impl Chat {
    /// A code for `local` (a telnet user logging in, in its room now), if
    /// resuming is on: the notice that tells it, shown after the welcome
    /// line. Among nodes, the open session is kept in Redis too, so that
    /// another node can resume it should this one die.
    pub(in crate::chat) fn give_code(
        &mut self,
        local: Local,
        member: MemberId,
        now: &Now,
    ) -> Option<Notice> {
        let lines = (self.client(local)).is_some_and(|c| c.protocol == Protocol::Lines);
        if !self.resume.on() || !lines {
            return None;
        }
        let old = self.client_mut(local)?.code.take();
        self.resume.forget(old);
        let (code, hash) = self.resume.give(member)?;
        self.client_mut(local)?.code = Some(hash);
        if self.shared {
            let registered = self.resume.registered.contains_key(&member);
            self.keep(member, Some(hash.get()), registered, true, now);
        }
        Some(Notice::ResumeCode { code })
    }

    /// The address wrong codes from `local` are counted under.
    fn code_source(&self, local: Local) -> IpAddr {
        let address = self.client(local).and_then(|c| c.address);
        address.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    /// A line at the name prompt: `/resume CODE` is taken here (true);
    /// anything else is not (false).
    pub(in crate::chat) fn resume_typed(
        &mut self,
        local: Local,
        member: MemberId,
        text: &str,
        now: &Now,
    ) -> bool {
        let Some(typed) = typed(text) else {
            return false;
        };
        if !self.resume.on() {
            self.retry(local, now, Reply::ResumeOff);
            return true;
        }
        let source = self.code_source(local);
        if let Some(until) = self.lockouts.locked_until(LOCK, source, now.instant) {
            let wait = until.saturating_duration_since(now.instant);
            let wait = wait.as_millis().div_ceil(1000) as u64;
            self.retry(local, now, Reply::ResumeLocked { wait });
            return true;
        }
        let Some(code) = Code::parse(typed) else {
            self.resume_failed(local, now);
            return true;
        };
        let hash = code.hash();
        // A session still open here: taken over, nothing missed.
        if let Some(&holder) = self.resume.by_hash.get(&hash)
            && let Some(record) = self.snapshot(holder, now)
        {
            let code = self.live_code(holder);
            self.resume.forget(code);
            if let Some(holder) = self.seats.local(&holder).and_then(|l| self.client_mut(l)) {
                holder.code = None;
            }
            self.start_restore(local, member, record, now);
            return true;
        }
        self.resume.recalling.insert(member, Recall::Code);
        let key = ResumeKey::Code(hash);
        self.out.deliveries.push(Delivery::Recall { member, key });
        true
    }

    /// A wrong code: counted, and the prompt again.
    fn resume_failed(&mut self, local: Local, now: &Now) {
        self.resume.counts.failures += 1;
        let source = self.code_source(local);
        self.lockouts.count_failure(LOCK, source, now.instant);
        self.retry(local, now, Reply::ResumeUnknown);
    }

    /// What resuming `member` (chatting now) would restore: its name and
    /// rooms, each at its last turn (nothing missed): the id of the last
    /// turn said there, or, in a room where nothing was said yet, an id of
    /// this moment (ids are times, see `msgid`).
    fn snapshot(&self, member: MemberId, now: &Now) -> Option<Suspended> {
        let name = self.name_of(member)?.into();
        let here = crate::chat::msgid::stamp(now.wall, 0);
        let rooms = (self.seats.rooms(&member))
            .filter_map(|id| self.rooms.get(id))
            .map(|r| {
                let mut said = r.said;
                if said.last_turn == 0 {
                    said.last_turn = here;
                }
                let room = r.name.clone();
                Position { room, said }
            })
            .collect();
        let until = now.wall + self.resume.window;
        Some(Suspended {
            name,
            member,
            rooms,
            until,
        })
    }

    /// Claims `record`'s name for `member` to resume it, taking it from
    /// the session it resumes if that still holds it (here or on a node
    /// that died); [`Chat::claimed`] enters it. Someone else who took the
    /// name after the session went keeps it: the code is not theirs.
    fn start_restore(&mut self, local: Local, member: MemberId, record: Suspended, now: &Now) {
        let name = record.name.clone();
        // A name banned server-wide meanwhile does not come back.
        if self.globally_banned(local, &name, now) {
            return;
        }
        let held = self.find_or_claimed(&name);
        if held.is_some_and(|holder| holder != record.member) {
            return self.retry(local, now, Reply::NameTaken { name });
        }
        self.resume.restoring.insert(member, record);
        self.claim(local, member, &name, None, now);
    }

    /// `member`'s name claim failed: it resumes nothing.
    pub(in crate::chat) fn restore_refused(&mut self, member: MemberId) {
        self.resume.restoring.remove(&member);
    }

    /// `local` (member `member`) is closing for `why`, `chatting` or not:
    /// its code is forgotten, and a chatting session that dropped is handed
    /// to the engine to be resumed within the window. One that ended on
    /// purpose (`/quit`, a kill, a kick out, a password login elsewhere,
    /// a code used elsewhere) is not.
    pub(in crate::chat) fn suspend(
        &mut self,
        member: MemberId,
        code: Option<NonZeroU64>,
        chatting: bool,
        why: Farewell,
        now: &Now,
    ) {
        self.resume.forget(code);
        let hash = code.map(NonZeroU64::get);
        let registered = self.resume.registered.remove(&member).is_some();
        self.resume.recalling.remove(&member);
        self.resume.restoring.remove(&member);
        self.resume.missing.remove(&member);
        self.resume.since.remove(&member);
        let dropped = matches!(
            why,
            Farewell::Eof
                | Farewell::Error
                | Farewell::TooSlow
                | Farewell::IdleTimeout
                | Farewell::Shutdown
        );
        if !chatting || !self.resume.on() {
            return;
        }
        if dropped {
            return self.keep(member, hash, registered, false, now);
        }
        // Its record as an open session, kept by Redis, goes.
        if let Some(name) = self.name_of(member).filter(|_| self.shared) {
            let forget = keys(name, hash, registered).map(|key| Delivery::Forget { key, member });
            let forget: Vec<Delivery> = forget.collect();
            self.out.deliveries.extend(forget);
        }
    }

    /// `member` registered its name `name` (`registered`), or gave it up:
    /// its session is kept under the name too from now on, or no longer.
    pub(in crate::chat) fn resume_account(
        &mut self,
        local: Local,
        member: MemberId,
        name: &str,
        registered: bool,
        now: &Now,
    ) {
        let lines = (self.client(local)).is_some_and(|c| c.protocol == Protocol::Lines);
        if !self.resume.on() || !lines {
            return;
        }
        if registered {
            self.resume.registered.insert(member, ());
            if self.shared {
                self.keep(member, None, true, true, now);
            }
        } else if self.resume.registered.remove(&member).is_some() && self.shared {
            let key = ResumeKey::Account(name.to_ascii_lowercase().into());
            self.out.deliveries.push(Delivery::Forget { key, member });
        }
    }

    /// `member` moved to another room: among nodes, its record as an open
    /// session follows (so a node resuming it after this one died puts it
    /// in the room it was in).
    pub(in crate::chat) fn resume_moved(&mut self, member: MemberId, now: &Now) {
        if !self.shared {
            return;
        }
        if let Some(hash) = self.live_code(member) {
            let registered = self.resume.registered.contains_key(&member);
            self.keep(member, Some(hash.get()), registered, true, now);
        }
    }

    /// The hash of `member`'s live code, if it is a local session with one.
    fn live_code(&self, member: MemberId) -> Option<NonZeroU64> {
        self.client(self.seats.local(&member)?)?.code
    }

    /// Hands `member`'s session (chatting now) to the engine under its
    /// code's hash and (`registered`) its name: as it is now, `open` or
    /// closing.
    fn keep(
        &mut self,
        member: MemberId,
        hash: Option<u64>,
        registered: bool,
        open: bool,
        now: &Now,
    ) {
        let Some(record) = self.snapshot(member, now) else {
            return;
        };
        // Most sessions have one key: its record is moved, not copied.
        let mut keys = keys(&record.name, hash, registered).peekable();
        while let Some(key) = keys.next() {
            let record = match keys.peek() {
                Some(_) => record.clone(),
                None => return self.hand_to_engine(key, record, open),
            };
            self.hand_to_engine(key, record, open);
        }
    }

    /// Hands `record` to the engine to keep under `key`.
    fn hand_to_engine(&mut self, key: ResumeKey, record: Suspended, open: bool) {
        (self.out.deliveries).push(Delivery::Suspend { key, record, open });
    }

    /// The engine's answer to a [`Delivery::Recall`] for `member`: the
    /// record, if one is kept. False if nobody waits for it.
    pub(in crate::chat) fn recalled(
        &mut self,
        member: MemberId,
        record: Option<Suspended>,
        now: &Now,
    ) -> bool {
        let Some(local) = self.seats.local(&member) else {
            return false;
        };
        let Some(recall) = self.resume.recalling.remove(&member) else {
            return false;
        };
        // A registered name's record outlives the window (by
        // `ACCOUNT_KEPT`): past it, the login is told what it missed.
        let (record, past) = match record {
            Some(r) if r.until > now.wall => (Some(r), None),
            r => (None, r),
        };
        match (recall, record) {
            (Recall::Code, Some(record)) => self.start_restore(local, member, record, now),
            (Recall::Code, None) => self.resume_failed(local, now),
            (Recall::Account(name), record) => {
                self.unreserve(&name, member);
                if let Some(record) = record {
                    self.resume.restoring.insert(member, record);
                }
                self.enter_chat(local, member, &name, now);
                // As `claimed` does for a password login.
                self.password_login(local, member, &name, now);
                self.ignores_of_account(local, &name);
                if let Some(past) = past {
                    self.since_you_left(member, past);
                }
            }
        }
        true
    }

    /// A registered name's password was right and its claim granted: its
    /// session, if one is kept, is asked for first (true: the login waits
    /// for [`Chat::recalled`]).
    pub(in crate::chat) fn recall_account(
        &mut self,
        local: Local,
        member: MemberId,
        name: &str,
    ) -> bool {
        let lines = self
            .client(local)
            .is_some_and(|c| c.protocol == Protocol::Lines);
        if !self.resume.on() || !lines {
            return false;
        }
        self.resume.registered.insert(member, ());
        if self.resume.restoring(&member) {
            return false; // Taken over from a session open here.
        }
        self.claiming.insert(name.into(), member);
        let recall = Recall::Account(name.into());
        self.resume.recalling.insert(member, recall);
        let key = ResumeKey::Account(name.to_ascii_lowercase().into());
        self.out.deliveries.push(Delivery::Recall { member, key });
        true
    }

    /// A registered name's password takes it from `holder`, a session
    /// open here: what `member` resumes, unless it resumes something
    /// already.
    pub(in crate::chat) fn take_over(&mut self, member: MemberId, holder: MemberId, now: &Now) {
        let local = self.seats.local(&member);
        let lines =
            (local.and_then(|l| self.client(l))).is_some_and(|c| c.protocol == Protocol::Lines);
        if !self.resume.on() || !lines || self.resume.restoring(&member) {
            return;
        }
        if let Some(record) = self.snapshot(holder, now) {
            self.resume.restoring.insert(member, record);
        }
    }

    /// The room `member` resumes into, if it resumes: its first room, if
    /// it exists or can be made and admits it.
    pub(in crate::chat) fn resume_room(&mut self, member: MemberId, now: &Now) -> Option<RoomId> {
        let record = self.resume.restoring.get(&member)?;
        let (room, name) = (record.rooms.first()?.room.clone(), record.name.clone());
        let id = self.rooms.open(&room).ok()?;
        // Admitted as a newcomer would be (bans, keys, invites), named.
        self.roomless.insert(member, self.shared_name(&name));
        let barred = self.barred(id, member, None, now);
        self.roomless.remove(&member);
        barred.is_none().then_some(id)
    }

    /// Whether `member` is entering its room as a session resumed: the
    /// room is told `*** name is back` rather than a join.
    pub(in crate::chat) fn coming_back(&self, member: &MemberId) -> bool {
        self.resume.restoring(member)
    }
}

#[cfg(test)]
mod tests {
    use super::typed;

    #[test]
    fn the_command_at_the_prompt() {
        assert_eq!(typed("/resume ABCD-EFGH-JKMN"), Some("ABCD-EFGH-JKMN"));
        assert_eq!(typed("  /RESUME   abcd efgh jkmn "), Some("abcd efgh jkmn"));
        assert_eq!(typed("/resume"), Some(""));
        assert_eq!(typed("/resumes x"), None);
        assert_eq!(typed("alice"), None);
    }
}

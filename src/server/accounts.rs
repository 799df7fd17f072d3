//! Registered names (`--data-dir`, or the shared Redis): the accounts
//! worker thread, whose answers come back through a waker in this poll.

use super::{Server, Slot};
use crate::chat::Input;
use crate::chat::owned::{RoomJob, RoomsDone};
use mio::{Token, Waker};
use std::io;
use std::sync::Arc;

impl Server {
    /// Registered names: starts the worker thread over `store` (the file
    /// of `--data-dir`, or the shared Redis), which answers through a waker
    /// in this poll.
    pub fn serve_accounts(&mut self, mut store: crate::accounts::Store) -> io::Result<()> {
        // Owned rooms are there before the first user.
        let kept = crate::accounts::load_owned(&mut store);
        let count = kept.as_ref().map_or(0, Vec::len);
        // And server-wide bans, before the first connection.
        let server_bans = crate::accounts::load_server_bans(&mut store);
        let key = self.slots.insert(Slot::AccountsWaker);
        let waker = Arc::new(Waker::new(self.poll.registry(), Token(key))?);
        let (max, rate) = (self.config.max_accounts, self.config.register_rate);
        let worker =
            crate::accounts::Worker::start(store, max, rate, waker).map_err(io::Error::other)?;
        self.accounts = Some(worker);
        self.chat.accounts_on();
        self.chat
            .hold_server_bans(&server_bans, std::time::SystemTime::now());
        self.core(Input::OwnedRooms(RoomsDone::Loaded(kept)));
        log::info!("{count} owned rooms loaded");
        Ok(())
    }

    /// Hands a job about owned rooms to the worker (there is one whenever
    /// the core asks: rooms are owned only with registered names).
    pub(super) fn rooms_job(&mut self, job: RoomJob) {
        if let Some(worker) = &self.accounts {
            worker.rooms_job(job);
        }
    }

    /// The accounts worker's answers, each handed to the core; the
    /// connection's input, held meanwhile, is served again.
    pub(super) fn accounts_answered(&mut self) {
        while let Some(done) = self.accounts.as_ref().and_then(|w| w.rooms_answer()) {
            self.core(Input::OwnedRooms(done));
        }
        while let Some(done) = self.accounts.as_mut().and_then(|w| w.answer()) {
            match done.answer {
                crate::chat::Answer::Registered(true) => self.metrics.registrations += 1,
                crate::chat::Answer::StoreFull => self.metrics.registrations_refused += 1,
                _ => {}
            }
            // Marked before the answer is applied: a connection closed for
            // its address's wrong passwords is told only that.
            if done.answer == crate::chat::Answer::Verified(false)
                && let Some(local) = self.chat.local_of(done.member)
                && let Some(Slot::Client(conn)) = self.slots.get(local)
            {
                // A security event: never dropped by the log limit
                // (each address's wrong passwords are limited anyway).
                let (peer, name) = (conn.peer, &done.name);
                log::warn!("wrong password for {name} from {peer}");
                if !self.admission.password_failed(peer.ip(), self.now.instant) {
                    use crate::chat::Farewell;
                    self.mark_close(local, Farewell::TooManyFailures);
                }
            }
            let (member, answer) = (done.member, done.answer);
            self.core(Input::Answered { member, answer });
        }
    }
}

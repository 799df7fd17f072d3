//! Registered names (`--data-dir`, or with `--redis` in Redis: `store.rs`):
//! each is kept with an Argon2id hash of its password, and checked by the
//! worker threads, so hashing (tens of milliseconds by design) and disk
//! writes never hold up the loop:
//!
//! - the hasher (at nice 19): every job that checks or sets a password,
//!   one at a time. At most [`MAX_HASH_JOBS`] wait for it; past that the
//!   loop answers [`Answer::Busy`] at once, so a storm of password logins
//!   cannot make everyone's logins wait for minutes;
//! - the lookup thread: only "is this name registered?", on a store handle
//!   of its own, so a login with a name nobody registered (and the first
//!   step of every login) never waits behind the hashing;
//! - the owned rooms' thread (`rooms.rs`): loads, saves and drops owned
//!   rooms, and vets their owners' and operators' names.
//!
//! The store is `redb` (`DIR/accounts.redb`): a pure-Rust B-tree whose
//! commits are atomic and crash-safe (copy-on-write pages and a checksummed
//! commit slot), so a kill in the middle of `/register` leaves the name
//! registered or not, never a damaged file; and it needs no C library,
//! which keeps the static build simple.
//!
//! The loop sends [`Job`]s; each thread answers with [`Done`] on a channel
//! and wakes the loop through its `mio::Waker`. Passwords are only ever in
//! jobs, never in a log line, a metric or an error.

use mio::Waker;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use crate::limits::passwords::Registrants;
use std::sync::mpsc::{Receiver, Sender, channel};

use crate::chat::{Answer, Ask, MemberId};

mod hash;
mod rooms;
mod store;
pub use hash::HASH_MEMORY;
use hash::{Memory, hash, opens};
pub use rooms::load_owned;
pub use store::Store;

/// Where the server-wide bans and mutes are kept: beside the ignore lists
/// (the redb table `ignores`, the Redis hash `linechat:ignores`), under a
/// key no name can be (names hold no `*`).
const SERVER_BANS: &str = "*server-bans";

/// The server-wide bans and mutes kept in `store`, one a line (empty if
/// none, or if it cannot be read, which is logged). Read once before the
/// server serves anyone, as owned rooms are.
pub fn load_server_bans(store: &mut Store) -> String {
    store.ignores(SERVER_BANS).map_or_else(
        |e| {
            log::error!("server-wide bans not read: {e}");
            String::new()
        },
        Option::unwrap_or_default,
    )
}

/// Work for the worker, on behalf of one member.
#[derive(Debug)]
pub struct Job {
    /// Who it is for (the answer names them).
    pub member: MemberId,
    /// The name it is about.
    pub name: Box<str>,
    /// What to do.
    pub ask: Ask,
}

/// Why a job was not handed to its thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The hasher has [`MAX_HASH_JOBS`] already.
    Busy,
    /// The address used up its registrations (`--register-rate`).
    TooManyRegistrations,
}

/// Password jobs (checks, registrations, changes) that may wait for the
/// hasher at once, the one running included: about 1.3 s of work at 40 ms
/// a hash. Past it a job is answered [`Answer::Busy`] at once.
pub const MAX_HASH_JOBS: usize = 32;

/// The worker's answer to a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    /// Who the job was for.
    pub member: MemberId,
    /// The name it was about.
    pub name: Box<str>,
    /// What came of it.
    pub answer: Answer,
}

/// The loop's side of the two worker threads.
#[derive(Debug)]
pub struct Worker {
    lookups: Sender<Job>,
    looked: Receiver<Done>,
    jobs: Sender<Job>,
    done: Receiver<Done>,
    /// Jobs with the hasher, not answered yet.
    hashing: usize,
    /// Registrations left per address; `None` when there is no limit.
    registrants: Option<Registrants>,
    /// The owned rooms' thread (see `rooms.rs`).
    rooms: rooms::RoomsThread,
}

impl Worker {
    /// Starts the hasher over `store` and the lookup thread over a second
    /// handle of it; both wake the loop through `waker` after each answer.
    /// `max_accounts` (0: no limit) bounds how many names the store keeps,
    /// `register_per_hour` (0: no limit) how many one address registers.
    pub fn start(
        store: Store,
        max_accounts: usize,
        register_per_hour: u32,
        waker: Arc<Waker>,
    ) -> Result<Worker, String> {
        let lookup_store = store.twin();
        let rooms = rooms::RoomsThread::start(store.twin(), waker.clone())?;
        let (lookups, looked) = spawn("accounts-lookup", lookup_store, 0, waker.clone(), false)?;
        let (jobs, done) = spawn("accounts", store, max_accounts, waker, true)?;
        Ok(Worker {
            lookups,
            looked,
            jobs,
            done,
            hashing: 0,
            registrants: Registrants::new(register_per_hour),
            rooms,
        })
    }

    /// Hands `job`, from a user at `source`, to its thread; refuses it if
    /// the hasher already has [`MAX_HASH_JOBS`], or if it registers a name
    /// and `source` has used up its registrations.
    pub fn send(&mut self, job: Job, source: IpAddr, now: Instant) -> Result<(), Refused> {
        // Quick jobs, never behind the hashing: lookups and ignore lists.
        if matches!(
            job.ask,
            Ask::Lookup | Ask::LoadIgnores | Ask::SaveIgnores(_) | Ask::SaveServerBans(_)
        ) {
            let _ = self.lookups.send(job);
            return Ok(());
        }
        if self.hashing >= MAX_HASH_JOBS {
            return Err(Refused::Busy);
        }
        if let (Ask::Register(_), Some(registrants)) = (&job.ask, &mut self.registrants)
            && !registrants.try_take(source, now)
        {
            return Err(Refused::TooManyRegistrations);
        }
        self.hashing += 1;
        let _ = self.jobs.send(job);
        Ok(())
    }

    /// The next answer, if one is ready (lookups first: they are quick).
    pub fn answer(&mut self) -> Option<Done> {
        if let Ok(done) = self.looked.try_recv() {
            return Some(done);
        }
        let done = self.done.try_recv().ok()?;
        self.hashing -= 1;
        Some(done)
    }

    /// Jobs waiting for the hasher or being hashed.
    pub fn hashing(&self) -> usize {
        self.hashing
    }
}

/// Starts one worker thread named `name` over `store` (at nice 19 if
/// `low`): its job sender and answer receiver.
fn spawn(
    name: &str,
    mut store: Store,
    max_accounts: usize,
    waker: Arc<Waker>,
    low: bool,
) -> Result<(Sender<Job>, Receiver<Done>), String> {
    let (jobs, job_rx) = channel();
    let (done_tx, done) = channel();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            if low {
                crate::sys::lower_thread_priority();
            }
            // Only the hasher ever fills it.
            let mut memory = Memory::default();
            for job in job_rx {
                let answer = run(&mut store, max_accounts, &mut memory, job);
                if done_tx.send(answer).is_err() || waker.wake().is_err() {
                    return; // The loop is gone.
                }
            }
        })
        .map_err(|e| format!("cannot start the {name} worker: {e}"))?;
    Ok((jobs, done))
}

/// Runs one job against the store.
fn run(store: &mut Store, max_accounts: usize, memory: &mut Memory, job: Job) -> Done {
    let key = job.name.to_ascii_lowercase();
    // An ignore list's job that fails is answered as one (logged): the
    // core's answer to a failed password job is a refusal to a prompt.
    let failed = match job.ask {
        Ask::LoadIgnores => Answer::IgnoreList("".into()),
        Ask::SaveIgnores(_) | Ask::SaveServerBans(_) => Answer::IgnoresKept,
        _ => Answer::Failed,
    };
    let answer = match job.ask {
        Ask::Lookup => store.get(&key).map(|hash| Answer::Looked(hash.is_some())),
        Ask::Verify(password) => store
            .get(&key)
            .map(|kept| Answer::Verified(kept.is_some_and(|h| opens(&h, &password.0, memory)))),
        Ask::Register(_) if max_accounts > 0 && store.count().is_ok_and(|n| n >= max_accounts) => {
            Ok(Answer::StoreFull)
        }
        Ask::Register(password) => hash(&password.0, memory)
            .and_then(|h| store.insert_new(&key, &h).map(Answer::Registered)),
        Ask::Change(old, new) => {
            change(store, memory, &key, &old.0, Some(&new.0)).map(Answer::Changed)
        }
        Ask::Unregister(password) => {
            change(store, memory, &key, &password.0, None).and_then(|gone| {
                // An unregistered name's ignore list goes with it.
                if gone {
                    store.set_ignores(&key, "")?;
                }
                Ok(Answer::Unregistered(gone))
            })
        }
        Ask::LoadIgnores => store
            .ignores(&key)
            .map(|list| Answer::IgnoreList(list.unwrap_or_default().into())),
        Ask::SaveIgnores(list) => store.set_ignores(&key, &list).map(|()| Answer::IgnoresKept),
        Ask::SaveServerBans(list) => {
            (store.set_ignores(SERVER_BANS, &list)).map(|()| Answer::IgnoresKept)
        }
    };
    Done {
        member: job.member,
        name: job.name,
        answer: answer.unwrap_or_else(|e| {
            log::error!("accounts store: {e}");
            failed
        }),
    }
}

/// Sets `key`'s password to `new` (or, with `None`, unregisters it) if
/// `old` opens it: false if it does not (or the name is not registered).
/// The store replaces only the hash the password was checked against.
fn change(
    store: &mut Store,
    memory: &mut Memory,
    key: &str,
    old: &str,
    new: Option<&str>,
) -> Result<bool, String> {
    let Some(kept) = store.get(key)? else {
        return Ok(false);
    };
    if !opens(&kept, old, memory) {
        return Ok(false);
    }
    let new = new.map(|new| hash(new, memory)).transpose()?;
    store.replace(key, &kept, new.as_deref())
}

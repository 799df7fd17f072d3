//! Owned rooms in the store (see `crate::chat::owned`): a third worker
//! thread, on a store handle of its own, loads them, saves a room's whole
//! record after each change and forgets a dropped one, and vets names
//! ("is this name registered?") for owners and operators. It never waits
//! behind the password hashing.
//!
//! A record is a few lines of text, the same in the `--data-dir` file
//! (the table `rooms`: name → record) and in Redis (the hash
//! `linechat:rooms`):
//!
//! ```text
//! owner alice
//! op bob
//! created 1765000000000
//! flags nt
//! key sesame
//! limit 10
//! ban - eve!*@*
//! ban 1765003600000 m:bob!*@*
//! topic Rust and more
//! ```
//!
//! Names, keys and masks hold no spaces (the core checks them); a topic
//! is cleaned, so holds no line end. A line the reader does not know is
//! skipped, so a record written by a newer node still loads.

use super::{Store, Worker};
use crate::chat::modes::{Ban, Flag, RoomModes};
use crate::chat::owned::{OwnedRoom, RoomJob, RoomsDone};
use mio::Waker;
use redb::{ReadableTable, TableDefinition};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Room name → record, in the file.
const ROOMS: TableDefinition<&str, &str> = TableDefinition::new("rooms");

/// The loop's side of the owned rooms' thread.
#[derive(Debug)]
pub(super) struct RoomsThread {
    jobs: Sender<RoomJob>,
    done: Receiver<RoomsDone>,
}

impl RoomsThread {
    /// Starts the thread over `store`, waking the loop through `waker`
    /// after each answer.
    pub(super) fn start(mut store: Store, waker: Arc<Waker>) -> Result<RoomsThread, String> {
        let (jobs, job_rx) = channel::<RoomJob>();
        let (done_tx, done) = channel();
        std::thread::Builder::new()
            .name("owned-rooms".into())
            .spawn(move || {
                for job in job_rx {
                    let Some(answer) = run(&mut store, job) else {
                        continue;
                    };
                    if done_tx.send(answer).is_err() || waker.wake().is_err() {
                        return; // The loop is gone.
                    }
                }
            })
            .map_err(|e| format!("cannot start the owned rooms worker: {e}"))?;
        Ok(RoomsThread { jobs, done })
    }
}

impl Worker {
    /// Hands a job about owned rooms to its thread.
    pub fn rooms_job(&self, job: RoomJob) {
        let _ = self.rooms.jobs.send(job);
    }

    /// The next answer about owned rooms, if one is ready.
    pub fn rooms_answer(&self) -> Option<RoomsDone> {
        self.rooms.done.try_recv().ok()
    }
}

/// Every owned room kept in `store`; `None` (logged) if it cannot be read.
/// The server reads them once before it serves anyone, so a room is back
/// before its first user; later loads go through the thread.
pub fn load_owned(store: &mut Store) -> Option<Vec<OwnedRoom>> {
    let redis = matches!(store, Store::Redis(_));
    let rooms = store.owned_rooms().map_err(|e| match redis {
        // Told by the engine's links already, once; read again when the
        // link comes up.
        true => log::info!("owned rooms not read from Redis yet: {e}"),
        false => log::error!("owned rooms: {e}"),
    });
    let rooms = rooms.ok()?.into_iter();
    Some(
        rooms
            .filter_map(|(name, text)| decode(&name, &text))
            .collect(),
    )
}

/// Runs one job; saving and forgetting answer nothing (a failure is
/// logged: the room stays as it is in memory).
fn run(store: &mut Store, job: RoomJob) -> Option<RoomsDone> {
    match job {
        RoomJob::Load => Some(RoomsDone::Loaded(load_owned(store))),
        RoomJob::Save(room) => {
            if let Err(e) = store.keep_room(&room.name, &encode(&room)) {
                log::error!("owned room {} not saved: {e}", room.name);
            }
            None
        }
        RoomJob::Drop(name) => {
            if let Err(e) = store.forget_room(&name) {
                log::error!("owned room {name} not forgotten: {e}");
            }
            None
        }
        RoomJob::Check {
            member,
            room,
            name,
            purpose,
        } => {
            let key = name.to_ascii_lowercase();
            let registered = store.get(&key).map(|hash| hash.is_some());
            let registered = registered.map_err(|e| log::error!("accounts store: {e}"));
            Some(RoomsDone::Checked {
                member,
                room,
                name,
                purpose,
                registered: registered.ok(),
            })
        }
    }
}

impl Store {
    /// Every owned room kept: name and record.
    fn owned_rooms(&mut self) -> Result<Vec<(String, String)>, String> {
        match self {
            Store::File(db) => {
                let read = db.begin_read().map_err(|e| e.to_string())?;
                let table = match read.open_table(ROOMS) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                    Err(e) => return Err(e.to_string()),
                };
                let mut all = Vec::new();
                for entry in table.iter().map_err(|e| e.to_string())? {
                    let (name, record) = entry.map_err(|e| e.to_string())?;
                    all.push((name.value().to_owned(), record.value().to_owned()));
                }
                Ok(all)
            }
            Store::Redis(redis) => redis.owned_rooms(),
        }
    }

    /// Keeps `record` for the room `name`.
    fn keep_room(&mut self, name: &str, record: &str) -> Result<(), String> {
        match self {
            Store::File(db) => {
                let write = db.begin_write().map_err(|e| e.to_string())?;
                {
                    let mut table = write.open_table(ROOMS).map_err(|e| e.to_string())?;
                    table.insert(name, record).map_err(|e| e.to_string())?;
                }
                write.commit().map_err(|e| e.to_string())
            }
            Store::Redis(redis) => redis.keep_room(name, record),
        }
    }

    /// Forgets the room `name`.
    fn forget_room(&mut self, name: &str) -> Result<(), String> {
        match self {
            Store::File(db) => {
                let write = db.begin_write().map_err(|e| e.to_string())?;
                {
                    let mut table = write.open_table(ROOMS).map_err(|e| e.to_string())?;
                    table.remove(name).map_err(|e| e.to_string())?;
                }
                write.commit().map_err(|e| e.to_string())
            }
            Store::Redis(redis) => redis.forget_room(name),
        }
    }
}

/// Milliseconds since 1970 of `at`.
fn millis(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The time `ms` milliseconds after 1970.
fn at_millis(ms: &str) -> Option<SystemTime> {
    Some(UNIX_EPOCH + Duration::from_millis(ms.parse().ok()?))
}

/// A room's record (see the module doc).
pub fn encode(room: &OwnedRoom) -> String {
    let mut lines = vec![format!("owner {}", room.owned.owner)];
    lines.extend(room.owned.operators.iter().map(|op| format!("op {op}")));
    let modes = &room.modes;
    lines.push(format!("created {}", millis(modes.created)));
    lines.push(format!(
        "flags {}",
        modes.flags().map(Flag::letter).collect::<String>()
    ));
    lines.extend(modes.key.as_ref().map(|key| format!("key {key}")));
    lines.extend(modes.limit.map(|limit| format!("limit {limit}")));
    for ban in &modes.bans {
        let until = ban.until.map_or("-".into(), |at| millis(at).to_string());
        lines.push(format!("ban {until} {}", ban.mask));
    }
    lines.extend(room.topic.as_ref().map(|topic| format!("topic {topic}")));
    lines.join("\n")
}

/// The room `name`'s record; `None` (logged) if it has no owner.
pub fn decode(name: &str, text: &str) -> Option<OwnedRoom> {
    let mut room = OwnedRoom {
        name: name.into(),
        owned: Default::default(),
        topic: None,
        modes: RoomModes::new(UNIX_EPOCH),
    };
    let mut flags = None;
    for line in text.lines() {
        let (word, value) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "owner" => room.owned.owner = value.into(),
            "op" => room.owned.operators.push(value.into()),
            "created" => room.modes.created = at_millis(value).unwrap_or(UNIX_EPOCH),
            "flags" => flags = Some(value.to_owned()),
            "key" => room.modes.key = Some(value.into()),
            "limit" => room.modes.limit = value.parse().ok(),
            "ban" => {
                let Some((until, mask)) = value.split_once(' ') else {
                    continue;
                };
                let until = at_millis(until);
                room.modes.bans.push(Ban {
                    mask: mask.into(),
                    until,
                });
            }
            "topic" => room.topic = Some(value.into()),
            _ => {}
        }
    }
    for flag in Flag::ALL {
        let on = flags.as_deref().is_some_and(|f| f.contains(flag.letter()));
        room.modes.set(flag, on);
    }
    if room.owned.owner.is_empty() {
        log::warn!("owned room {name}: no owner in its record; not loaded");
        return None;
    }
    Some(room)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::owned::Owned;

    #[test]
    fn a_record_reads_back_as_written() {
        let mut modes = RoomModes::new(UNIX_EPOCH + Duration::from_secs(1_765_000_000));
        modes.set(Flag::TopicLock, true);
        modes.set(Flag::NoOutside, false);
        modes.set(Flag::Moderated, true);
        modes.key = Some("sesame".into());
        modes.limit = Some(10);
        modes.bans.push(Ban {
            mask: "eve!*@*".into(),
            until: None,
        });
        modes.bans.push(Ban {
            mask: "m:bob!*@*".into(),
            until: Some(UNIX_EPOCH + Duration::from_millis(1_765_003_600_123)),
        });
        let room = OwnedRoom {
            name: "#den".into(),
            owned: Owned {
                owner: "alice".into(),
                operators: vec!["bob".into(), "carol".into()],
            },
            topic: Some("Rust: and more".into()),
            modes,
        };
        let text = encode(&room);
        assert_eq!(decode("#den", &text), Some(room));
        assert!(text.contains("flags mt"), "{text}");
    }

    #[test]
    fn a_record_without_an_owner_or_with_strange_lines_is_read_carefully() {
        assert_eq!(decode("#den", "op bob\nflags t"), None);
        let room = decode("#den", "owner alice\nshiny new thing\nban garbage\nlimit x").unwrap();
        assert_eq!(&*room.owned.owner, "alice");
        assert!(room.modes.bans.is_empty() && room.modes.limit.is_none());
        assert!(!room.modes.has(Flag::NoOutside), "no flags line: none on");
    }
}

//! Where registered names are kept: a `redb` file (`--data-dir`), or, with
//! `--redis`, the hash `linechat:accounts` in the Redis the nodes share, so
//! a name registered on one node asks for its password on every node
//! (kept safe from a Redis that loses its data: see [`RedisAccounts`]).
//!
//! Only the accounts worker uses a store, so both speak in blocking calls.
//! The Redis one is the Redis engine's ([`RedisAccounts`]), so that every
//! RESP command is built in `src/engine/redis/`.

use crate::engine::RedisAccounts;
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use std::path::Path;
use std::sync::Arc;

/// Lower-cased name → PHC string (`$argon2id$v=19$m=...`), in the file.
const ACCOUNTS: TableDefinition<&str, &str> = TableDefinition::new("accounts");

/// Lower-cased name → the names it ignores, one a line (see
/// `chat/ignore.rs`); no entry for an empty list.
const IGNORES: TableDefinition<&str, &str> = TableDefinition::new("ignores");

/// A store of registered names.
#[derive(Debug)]
pub enum Store {
    /// `DIR/accounts.redb` (one handle shared by the worker threads: redb
    /// reads run beside a write).
    File(Arc<Database>),
    /// The shared Redis.
    Redis(RedisAccounts),
}

impl Store {
    /// Opens (or creates) the file in `dir`. The password hashes are for
    /// the server's eyes only: a directory it creates is 0700, and the file
    /// is 0600 (made so if it was not).
    pub fn file(dir: &Path) -> Result<Store, String> {
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
        let shown = dir.display();
        if dir.exists() && !dir.is_dir() {
            return Err(format!("{shown}: not a directory"));
        }
        (std::fs::DirBuilder::new().recursive(true).mode(0o700))
            .create(dir)
            .map_err(|e| format!("{shown}: {e}"))?;
        let path = dir.join("accounts.redb");
        let shown = path.display();
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .and_then(|file| file.set_permissions(std::fs::Permissions::from_mode(0o600)))
            .map_err(|e| format!("{shown}: {e}"))?;
        let db = Database::create(&path).map_err(|e| format!("{shown}: {e}"))?;
        Ok(Store::File(Arc::new(db)))
    }

    /// A second handle on the same store, for another thread: the same
    /// file, or a connection of its own to the same Redis.
    pub fn twin(&self) -> Store {
        match self {
            Store::File(db) => Store::File(db.clone()),
            Store::Redis(redis) => Store::Redis(redis.twin()),
        }
    }

    /// The Redis at `url` (connected, with its `AUTH`, at the first job).
    pub fn redis(url: crate::redis::RedisUrl) -> Result<Store, String> {
        Ok(Store::Redis(RedisAccounts::new(url)))
    }

    /// The hash kept for `key` (a lower-cased name).
    pub fn get(&mut self, key: &str) -> Result<Option<String>, String> {
        match self {
            Store::File(db) => {
                let read = db.begin_read().map_err(|e| e.to_string())?;
                let table = match read.open_table(ACCOUNTS) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                    Err(e) => return Err(e.to_string()),
                };
                let hash = table.get(key).map_err(|e| e.to_string())?;
                Ok(hash.map(|h| h.value().to_string()))
            }
            Store::Redis(redis) => redis.get(key),
        }
    }

    /// How many names are registered.
    pub fn count(&mut self) -> Result<usize, String> {
        match self {
            Store::File(db) => {
                let read = db.begin_read().map_err(|e| e.to_string())?;
                match read.open_table(ACCOUNTS) {
                    Ok(table) => table.len().map(|n| n as usize).map_err(|e| e.to_string()),
                    Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
                    Err(e) => Err(e.to_string()),
                }
            }
            Store::Redis(redis) => redis.count(),
        }
    }

    /// Keeps `hash` for `key` unless it has one; whether it did.
    pub fn insert_new(&mut self, key: &str, hash: &str) -> Result<bool, String> {
        match self {
            Store::File(db) => {
                let write = db.begin_write().map_err(|e| e.to_string())?;
                {
                    let mut table = write.open_table(ACCOUNTS).map_err(|e| e.to_string())?;
                    if table.get(key).map_err(|e| e.to_string())?.is_some() {
                        return Ok(false);
                    }
                    table.insert(key, hash).map_err(|e| e.to_string())?;
                }
                write.commit().map_err(|e| e.to_string())?;
                Ok(true)
            }
            Store::Redis(redis) => redis.insert_new(key, hash),
        }
    }

    /// Replaces `key`'s hash `old` with `new` (or, with `None`, removes it)
    /// if it is still `old`; whether it did.
    pub fn replace(&mut self, key: &str, old: &str, new: Option<&str>) -> Result<bool, String> {
        match self {
            Store::File(db) => {
                let write = db.begin_write().map_err(|e| e.to_string())?;
                {
                    let mut table = write.open_table(ACCOUNTS).map_err(|e| e.to_string())?;
                    let still = table
                        .get(key)
                        .map_err(|e| e.to_string())?
                        .is_some_and(|h| h.value() == old);
                    if !still {
                        return Ok(false);
                    }
                    match new {
                        Some(new) => table.insert(key, new).map(drop),
                        None => table.remove(key).map(drop),
                    }
                    .map_err(|e| e.to_string())?;
                }
                write.commit().map_err(|e| e.to_string())?;
                Ok(true)
            }
            Store::Redis(redis) => redis.replace(key, old, new),
        }
    }
}

impl Store {
    /// The ignore list kept with `key` (a lower-cased name), one name a
    /// line.
    pub fn ignores(&mut self, key: &str) -> Result<Option<String>, String> {
        match self {
            Store::File(db) => {
                let read = db.begin_read().map_err(|e| e.to_string())?;
                let table = match read.open_table(IGNORES) {
                    Ok(table) => table,
                    Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
                    Err(e) => return Err(e.to_string()),
                };
                let list = table.get(key).map_err(|e| e.to_string())?;
                Ok(list.map(|l| l.value().to_string()))
            }
            Store::Redis(redis) => redis.ignores(key),
        }
    }

    /// Keeps `list` (one name a line; empty: none) as `key`'s ignore list.
    pub fn set_ignores(&mut self, key: &str, list: &str) -> Result<(), String> {
        match self {
            Store::File(db) => {
                let write = db.begin_write().map_err(|e| e.to_string())?;
                {
                    let mut table = write.open_table(IGNORES).map_err(|e| e.to_string())?;
                    match list {
                        "" => table.remove(key).map(drop),
                        list => table.insert(key, list).map(drop),
                    }
                    .map_err(|e| e.to_string())?;
                }
                write.commit().map_err(|e| e.to_string())
            }
            Store::Redis(redis) => redis.set_ignores(key, list),
        }
    }
}

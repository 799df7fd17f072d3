//! Where registered names are kept: a `redb` file (`--data-dir`), or, with
//! `--redis`, the hash `linechat:accounts` in the Redis the nodes share, so
//! a name registered on one node asks for its password on every node.
//!
//! Redis may lose its data (restarted without persistence): then every
//! name would log in without a password, and anyone could register it
//! anew. So each node keeps every name → hash it has seen in Redis
//! ([`Seen`]), and before each command checks the epoch the heartbeats
//! keep in `linechat:epoch`: when it changed (or went), the node puts back
//! what it has seen (`HSETNX`, so a newer registration wins) before it
//! answers, so no login is let in without a password on a lost name.
//!
//! Only the accounts worker uses a store, so both speak in blocking calls:
//! the Redis one is its own connection (not one of the loop's links), with
//! timeouts, reconnected at the next job after a failure. RESP goes through
//! `redis-protocol`, as on the loop's links.

use bytes::BytesMut;
use redb::{Database, ReadableTable, ReadableTableMetadata, TableDefinition};
use redis_protocol::resp2::decode::decode_bytes_mut;
use redis_protocol::resp2::types::BytesFrame;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Lower-cased name → PHC string (`$argon2id$v=19$m=...`), in the file.
const ACCOUNTS: TableDefinition<&str, &str> = TableDefinition::new("accounts");

/// The same, in Redis.
const KEY: &[u8] = b"linechat:accounts";

/// Replaces (or, with no new value, deletes) a field only if it still
/// holds the value the worker checked the password against.
const REPLACE: &str = r"
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
if ARGV[3] == '' then redis.call('HDEL', KEYS[1], ARGV[1])
else redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) end
return 1
";

/// How long a Redis call may take before the job fails.
const TIMEOUT: Duration = Duration::from_secs(3);

/// A store of registered names.
#[derive(Debug)]
pub enum Store {
    /// `DIR/accounts.redb` (one handle shared by the worker threads: redb
    /// reads run beside a write).
    File(Arc<Database>),
    /// The shared Redis.
    Redis(Blocking),
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
            Store::Redis(redis) => Store::Redis(Blocking {
                url: redis.url.clone(),
                stream: None,
                buf: BytesMut::new(),
                seen: redis.seen.clone(),
            }),
        }
    }

    /// The Redis at `url` (connected, with its `AUTH`, at the first job).
    pub fn redis(url: crate::redis::RedisUrl) -> Result<Store, String> {
        Ok(Store::Redis(Blocking {
            url,
            stream: None,
            buf: BytesMut::new(),
            seen: Arc::default(),
        }))
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
            Store::Redis(redis) => {
                redis.check_epoch()?;
                let hash = match redis.call(&[b"HGET", KEY, key.as_bytes()])? {
                    BytesFrame::BulkString(hash) => Some(String::from_utf8_lossy(&hash).into()),
                    BytesFrame::Null => None,
                    other => return Err(format!("unexpected HGET answer: {other:?}")),
                };
                redis.saw(key, hash.as_deref());
                Ok(hash)
            }
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
            Store::Redis(redis) => match redis.call(&[b"HLEN", KEY])? {
                BytesFrame::Integer(n) => Ok(usize::try_from(n).unwrap_or(0)),
                other => Err(format!("unexpected HLEN answer: {other:?}")),
            },
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
            Store::Redis(redis) => {
                redis.check_epoch()?;
                let args: [&[u8]; 4] = [b"HSETNX", KEY, key.as_bytes(), hash.as_bytes()];
                let added = redis.call(&args)? == BytesFrame::Integer(1);
                if added {
                    redis.saw(key, Some(hash));
                }
                Ok(added)
            }
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
            Store::Redis(redis) => {
                redis.check_epoch()?;
                let args: [&[u8]; 7] = [
                    b"EVAL",
                    REPLACE.as_bytes(),
                    b"1",
                    KEY,
                    key.as_bytes(),
                    old.as_bytes(),
                    new.unwrap_or("").as_bytes(),
                ];
                let replaced = redis.call(&args)? == BytesFrame::Integer(1);
                if replaced {
                    redis.saw(key, new);
                }
                Ok(replaced)
            }
        }
    }
}

/// A blocking connection to Redis for the worker.
#[derive(Debug)]
pub struct Blocking {
    url: crate::redis::RedisUrl,
    stream: Option<TcpStream>,
    buf: BytesMut,
    /// Shared by the worker threads' connections.
    seen: Arc<Mutex<Seen>>,
}

/// What this node has seen of the accounts in Redis, to put back if Redis
/// loses its data (see the module doc). At most every registered name:
/// `--max-accounts` bounds them.
#[derive(Debug, Default)]
struct Seen {
    /// Lower-cased name → hash.
    hashes: HashMap<Box<str>, Box<str>>,
    /// `linechat:epoch` when last checked.
    epoch: Option<Vec<u8>>,
}

impl Blocking {
    /// Notes what Redis holds for `key` now.
    fn saw(&self, key: &str, hash: Option<&str>) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        match hash {
            Some(hash) => seen.hashes.insert(key.into(), hash.into()),
            None => seen.hashes.remove(key),
        };
    }

    /// Puts back every account seen if the epoch changed since the last
    /// check (Redis lost its data), before any answer is given.
    fn check_epoch(&mut self) -> Result<(), String> {
        let epoch = match self.call(&[b"GET", b"linechat:epoch"])? {
            BytesFrame::BulkString(epoch) => Some(epoch.to_vec()),
            _ => None,
        };
        let seen = self.seen.clone();
        let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
        let lost = seen.epoch.is_some() && seen.epoch != epoch;
        if lost && !seen.hashes.is_empty() {
            for (key, hash) in &seen.hashes {
                let args: [&[u8]; 4] = [b"HSETNX", KEY, key.as_bytes(), hash.as_bytes()];
                self.call(&args)?;
            }
            log::warn!(
                "accounts: Redis lost its data; put back the {} registered names this node had seen",
                seen.hashes.len()
            );
        }
        if epoch.is_some() || lost {
            seen.epoch = epoch;
        }
        Ok(())
    }

    /// Sends one command and returns its answer. On a failure the
    /// connection is dropped; if it was an old one (Redis may have restarted
    /// since), the command is tried once more on a new one.
    fn call(&mut self, args: &[&[u8]]) -> Result<BytesFrame, String> {
        let reused = self.stream.is_some();
        let mut result = self.try_call(args);
        if result.is_err() {
            self.stream = None;
            self.buf.clear();
            if reused {
                result = self.try_call(args);
                if result.is_err() {
                    self.stream = None;
                    self.buf.clear();
                }
            }
        }
        result
    }

    fn try_call(&mut self, args: &[&[u8]]) -> Result<BytesFrame, String> {
        if self.stream.is_none() {
            let addr = (self.url.host.as_str(), self.url.port)
                .to_socket_addrs()
                .map_err(|e| format!("resolve: {e}"))?
                .next()
                .ok_or("resolve: no address")?;
            let stream =
                TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("connect: {e}"))?;
            stream
                .set_read_timeout(Some(TIMEOUT))
                .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
                .map_err(|e| e.to_string())?;
            self.stream = Some(stream);
            if let Some(auth) = self.url.auth.clone() {
                let answer = self.exchange(&auth.command())?;
                if let BytesFrame::Error(e) = answer {
                    return Err(format!("AUTH: {e}"));
                }
            }
            if self.url.db != 0 {
                let db = self.url.db.to_string();
                let answer = self.exchange(&[b"SELECT", db.as_bytes()])?;
                if let BytesFrame::Error(e) = answer {
                    return Err(format!("SELECT: {e}"));
                }
            }
        }
        match self.exchange(args)? {
            BytesFrame::Error(e) => Err(format!("Redis refused: {e}")),
            answer => Ok(answer),
        }
    }

    fn exchange(&mut self, args: &[&[u8]]) -> Result<BytesFrame, String> {
        let stream = self.stream.as_mut().ok_or("not connected")?;
        let mut out = BytesMut::new();
        crate::redis::encode_command(&mut out, args, usize::MAX)
            .map_err(|e| format!("encode: {e:?}"))?;
        stream.write_all(&out).map_err(|e| format!("write: {e}"))?;
        loop {
            if let Some((frame, _, _)) =
                decode_bytes_mut(&mut self.buf).map_err(|e| format!("decode: {e}"))?
            {
                return Ok(frame);
            }
            let mut chunk = [0u8; 4096];
            match stream.read(&mut chunk) {
                Ok(0) => return Err("closed by Redis".into()),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(format!("read: {e}")),
            }
        }
    }
}

//! Registered names in the shared Redis, for the accounts worker: the hash
//! `linechat:accounts` (lower-cased name → PHC string), so a name registered
//! on one node asks for its password on every node.
//!
//! Redis may lose its data (restarted without persistence): then every
//! name would log in without a password, and anyone could register it
//! anew. So each node keeps every name → hash it has seen in Redis
//! ([`Seen`]), and before each command checks the epoch the heartbeats
//! keep in `linechat:epoch`: when it changed (or went), the node puts back
//! what it has seen (`HSETNX`, so a newer registration wins) before it
//! answers, so no login is let in without a password on a lost name.
//!
//! The worker speaks in blocking calls, so this is a connection of its own
//! (not one of the loop's links), with timeouts, reconnected at the next
//! job after a failure. RESP goes through `redis-protocol`, as on the
//! loop's links.

use bytes::BytesMut;
use redis_protocol::resp2::decode::decode_bytes_mut;
use redis_protocol::resp2::types::BytesFrame;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The hash of registered names.
const KEY: &[u8] = b"linechat:accounts";

/// The hash of ignore lists: lower-cased name → the names it ignores, one
/// a line (see `chat/ignore.rs`).
const IGNORES: &[u8] = b"linechat:ignores";

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

/// A blocking connection to Redis for the accounts worker.
#[derive(Debug)]
pub struct RedisAccounts {
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

impl RedisAccounts {
    /// The Redis at `url` (connected, with its `AUTH`, at the first job).
    pub fn new(url: crate::redis::RedisUrl) -> RedisAccounts {
        RedisAccounts {
            url,
            stream: None,
            buf: BytesMut::new(),
            seen: Arc::default(),
        }
    }

    /// A connection of its own to the same Redis, for another worker
    /// thread, sharing what this one has seen.
    pub fn twin(&self) -> RedisAccounts {
        RedisAccounts {
            url: self.url.clone(),
            stream: None,
            buf: BytesMut::new(),
            seen: self.seen.clone(),
        }
    }

    /// The hash kept for `key` (a lower-cased name).
    pub fn get(&mut self, key: &str) -> Result<Option<String>, String> {
        self.check_epoch()?;
        let hash = match self.call(&[b"HGET", KEY, key.as_bytes()])? {
            BytesFrame::BulkString(hash) => Some(String::from_utf8_lossy(&hash).into()),
            BytesFrame::Null => None,
            other => return Err(format!("unexpected HGET answer: {other:?}")),
        };
        self.saw(key, hash.as_deref());
        Ok(hash)
    }

    /// How many names are registered.
    pub fn count(&mut self) -> Result<usize, String> {
        match self.call(&[b"HLEN", KEY])? {
            BytesFrame::Integer(n) => Ok(usize::try_from(n).unwrap_or(0)),
            other => Err(format!("unexpected HLEN answer: {other:?}")),
        }
    }

    /// Keeps `hash` for `key` unless it has one; whether it did.
    pub fn insert_new(&mut self, key: &str, hash: &str) -> Result<bool, String> {
        self.check_epoch()?;
        let args: [&[u8]; 4] = [b"HSETNX", KEY, key.as_bytes(), hash.as_bytes()];
        let added = self.call(&args)? == BytesFrame::Integer(1);
        if added {
            self.saw(key, Some(hash));
        }
        Ok(added)
    }

    /// Replaces `key`'s hash `old` with `new` (or, with `None`, removes it)
    /// if it is still `old`; whether it did.
    pub fn replace(&mut self, key: &str, old: &str, new: Option<&str>) -> Result<bool, String> {
        self.check_epoch()?;
        let args: [&[u8]; 7] = [
            b"EVAL",
            REPLACE.as_bytes(),
            b"1",
            KEY,
            key.as_bytes(),
            old.as_bytes(),
            new.unwrap_or("").as_bytes(),
        ];
        let replaced = self.call(&args)? == BytesFrame::Integer(1);
        if replaced {
            self.saw(key, new);
        }
        Ok(replaced)
    }

    /// The ignore list kept with `key`, one name a line.
    pub fn ignores(&mut self, key: &str) -> Result<Option<String>, String> {
        match self.call(&[b"HGET", IGNORES, key.as_bytes()])? {
            BytesFrame::BulkString(list) => Ok(Some(String::from_utf8_lossy(&list).into())),
            BytesFrame::Null => Ok(None),
            other => Err(format!("unexpected HGET answer: {other:?}")),
        }
    }

    /// Keeps `list` as `key`'s ignore list (empty: deletes it).
    pub fn set_ignores(&mut self, key: &str, list: &str) -> Result<(), String> {
        match list {
            "" => self.call(&[b"HDEL", IGNORES, key.as_bytes()]),
            list => self.call(&[b"HSET", IGNORES, key.as_bytes(), list.as_bytes()]),
        }
        .map(drop)
    }

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
    pub(super) fn call(&mut self, args: &[&[u8]]) -> Result<BytesFrame, String> {
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

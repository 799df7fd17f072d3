//! Owned rooms in the shared Redis, for the accounts worker: the hash
//! `linechat:rooms`, a room's name → its record (the text of
//! `crate::accounts::rooms`), beside the registered names, on the worker's
//! own blocking connection. Every node loads it when it starts and when
//! its link comes up; the node whose user changes an owned room writes
//! the whole record again. Like every key of linechat, it outlives a
//! Redis restart only with persistence (AOF) on.

use super::accounts::RedisAccounts;
use redis_protocol::resp2::types::BytesFrame;

/// The hash of owned rooms.
const KEY: &[u8] = b"linechat:rooms";

impl RedisAccounts {
    /// Every owned room kept: name and record.
    pub fn owned_rooms(&mut self) -> Result<Vec<(String, String)>, String> {
        let BytesFrame::Array(items) = self.call(&[b"HGETALL", KEY])? else {
            return Err("unexpected HGETALL answer".into());
        };
        let text = |frame: &BytesFrame| match frame {
            BytesFrame::BulkString(b) => Ok(String::from_utf8_lossy(b).into_owned()),
            other => Err(format!("unexpected HGETALL item: {other:?}")),
        };
        let pairs = items.chunks_exact(2);
        pairs.map(|p| Ok((text(&p[0])?, text(&p[1])?))).collect()
    }

    /// Keeps `record` for the room `name`.
    pub fn keep_room(&mut self, name: &str, record: &str) -> Result<(), String> {
        let args: [&[u8]; 4] = [b"HSET", KEY, name.as_bytes(), record.as_bytes()];
        match self.call(&args)? {
            BytesFrame::Integer(_) => Ok(()),
            other => Err(format!("unexpected HSET answer: {other:?}")),
        }
    }

    /// Forgets the room `name`.
    pub fn forget_room(&mut self, name: &str) -> Result<(), String> {
        match self.call(&[b"HDEL", KEY, name.as_bytes()])? {
            BytesFrame::Integer(_) => Ok(()),
            other => Err(format!("unexpected HDEL answer: {other:?}")),
        }
    }
}

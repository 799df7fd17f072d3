//! IRCv3 draft/read-marker: the time up to which a client has read each
//! channel or nick (`MARKREAD target [timestamp=...]`). Kept for the
//! connection, as linechat has one connection per user: a reconnect
//! starts with none. A marker only moves forward. Pure.

use super::render::OwnedMessage;
use super::server_time;
use std::collections::HashMap;

/// Targets a connection may hold markers for; one more is refused.
pub const MAX_MARKERS: usize = 64;

/// One connection's markers: lower-cased target -> `timestamp=...`.
#[derive(Debug, Default)]
pub struct ReadMarkers {
    markers: HashMap<Box<str>, Box<str>>,
}

impl ReadMarkers {
    /// What MARKREAD says of `target`: `timestamp=...`, or `*` for none.
    pub fn get(&self, target: &str) -> &str {
        let key = target.to_ascii_lowercase();
        self.markers.get(key.as_str()).map_or("*", |m| m)
    }

    /// The answer to `MARKREAD params` from `server`: the target's marker
    /// (after moving it forward to a newer `timestamp=`), or a FAIL.
    pub fn markread(&mut self, server: &str, params: &[&str]) -> OwnedMessage {
        let fail =
            |code: &str, text: &str| OwnedMessage::new(server, "FAIL", &["MARKREAD", code, text]);
        let Some(&target) = params.first().filter(|t| !t.is_empty()) else {
            return fail("NEED_MORE_PARAMS", "MARKREAD needs a target");
        };
        if let Some(&stamp) = params.get(1) {
            let parsed = stamp
                .strip_prefix("timestamp=")
                .and_then(server_time::parse);
            let Some(at) = parsed else {
                return fail("INVALID_PARAMS", "Give timestamp=YYYY-MM-DDThh:mm:ss.sssZ");
            };
            let key: Box<str> = target.to_ascii_lowercase().into();
            let newer = match self.markers.get(&key) {
                Some(old) => old
                    .strip_prefix("timestamp=")
                    .and_then(server_time::parse)
                    .is_none_or(|old| at > old),
                None if self.markers.len() >= MAX_MARKERS => {
                    return fail("INTERNAL_ERROR", "Too many read markers");
                }
                None => true,
            };
            if newer {
                self.markers.insert(key, stamp.into());
            }
        }
        OwnedMessage::new(server, "MARKREAD", &[target, self.get(target)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(m: OwnedMessage) -> String {
        String::from_utf8(m.to_bytes().unwrap()).unwrap()
    }

    #[test]
    fn markers_are_set_read_and_only_move_forward() {
        let mut markers = ReadMarkers::default();
        let new = "timestamp=2019-06-01T12:00:00.000Z";
        let old = "timestamp=2019-01-01T00:00:00.000Z";
        assert_eq!(wire(markers.markread("s", &["#a"])), ":s MARKREAD #a *\r\n");
        assert_eq!(
            wire(markers.markread("s", &["#A", new])),
            format!(":s MARKREAD #A {new}\r\n")
        );
        assert_eq!(
            wire(markers.markread("s", &["#a", old])),
            format!(":s MARKREAD #a {new}\r\n")
        );
        assert_eq!(markers.get("#a"), new);
        assert_eq!(
            wire(markers.markread("s", &[])),
            ":s FAIL MARKREAD NEED_MORE_PARAMS :MARKREAD needs a target\r\n"
        );
        for bad in ["*", "timestamp=nope", "2019-01-01T00:00:00.000Z"] {
            let answer = wire(markers.markread("s", &["#a", bad]));
            assert!(
                answer.starts_with(":s FAIL MARKREAD INVALID_PARAMS "),
                "{answer}"
            );
        }
        for i in 1..MAX_MARKERS {
            markers.markread("s", &[&format!("#r{i}"), new]);
        }
        let full = wire(markers.markread("s", &["#one-too-many", new]));
        assert!(full.contains("INTERNAL_ERROR"), "{full}");
    }
}

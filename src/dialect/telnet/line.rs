//! Lines for the wire: the optional `[HH:MM:SS] ` stamp (UTC), the text,
//! CRLF.

use std::time::{SystemTime, UNIX_EPOCH};

/// Bytes of a `[HH:MM:SS] ` stamp.
pub const STAMP_LEN: usize = 11;

/// Bytes a line end takes.
pub(super) const CRLF_LEN: usize = 2;

/// Appends one line: the stamp for `at` if `stamp`, `parts`
/// concatenated, CRLF.
pub(super) fn push_line(buf: &mut Vec<u8>, stamp: bool, at: SystemTime, parts: &[&str]) {
    if stamp {
        push_stamp(buf, at);
    }
    for part in parts {
        buf.extend_from_slice(part.as_bytes());
    }
    buf.extend_from_slice(b"\r\n");
}

/// Appends `[HH:MM:SS] ` for `at` in UTC.
fn push_stamp(buf: &mut Vec<u8>, at: SystemTime) {
    let secs = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) % 86_400;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let digits = |n: u64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    buf.push(b'[');
    buf.extend_from_slice(&digits(h));
    buf.push(b':');
    buf.extend_from_slice(&digits(m));
    buf.push(b':');
    buf.extend_from_slice(&digits(s));
    buf.extend_from_slice(b"] ");
}

/// `s` without its leading `[HH:MM:SS] ` stamp, if it has one (a line
/// rendered by a node with `--timestamps`).
pub fn without_stamp(s: &str) -> &str {
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let stamped = b.len() >= STAMP_LEN
        && b[0] == b'['
        && [1, 2, 4, 5, 7, 8].into_iter().all(digit)
        && b[3] == b':'
        && b[6] == b':'
        && &b[9..11] == b"] ";
    if stamped { &s[STAMP_LEN..] } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn lines_end_in_crlf_and_carry_an_optional_stamp() {
        let at = UNIX_EPOCH + Duration::from_secs(86_400 + 3723);
        let mut buf = Vec::new();
        push_line(&mut buf, false, at, &["a", ": ", "hi"]);
        assert_eq!(buf, b"a: hi\r\n");
        buf.clear();
        push_line(&mut buf, true, at, &["a"]);
        push_line(&mut buf, true, at + Duration::from_secs(1), &["b"]);
        assert_eq!(buf, b"[01:02:03] a\r\n[01:02:04] b\r\n");
    }

    #[test]
    fn a_stamp_is_taken_off_only_when_whole() {
        assert_eq!(without_stamp("[01:02:03] bob: hi"), "bob: hi");
        assert_eq!(without_stamp("[01:02:0x] bob: hi"), "[01:02:0x] bob: hi");
        assert_eq!(without_stamp("[01:02"), "[01:02");
        assert_eq!(without_stamp("bob: hi"), "bob: hi");
    }
}

//! Rendering lines for the wire: the optional `[HH:MM:SS] ` stamp, the
//! parts, CRLF. Each line is built once; every recipient shares it.

use bytes::Bytes;
use std::time::{SystemTime, UNIX_EPOCH};

/// How lines are rendered.
#[derive(Debug, Clone, Copy, Default)]
pub struct Render {
    /// Prefix every line with `[HH:MM:SS] ` (UTC).
    pub timestamps: bool,
}

impl Render {
    /// One line: the optional stamp for `at`, `parts` concatenated, CRLF.
    pub fn line(&self, at: SystemTime, parts: &[&str]) -> Bytes {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let mut buf = Vec::with_capacity(len + 2 + if self.timestamps { 11 } else { 0 });
        self.push_line(&mut buf, at, parts);
        Bytes::from(buf)
    }

    /// Appends one line to `buf` as [`line`](Self::line) renders it, so
    /// several lines can share one buffer.
    pub fn push_line(&self, buf: &mut Vec<u8>, at: SystemTime, parts: &[&str]) {
        if self.timestamps {
            push_timestamp(buf, at);
        }
        for part in parts {
            buf.extend_from_slice(part.as_bytes());
        }
        buf.extend_from_slice(b"\r\n");
    }

    /// A server notice: `*** <parts>` as one line.
    pub fn notice(&self, at: SystemTime, parts: &[&str]) -> Bytes {
        let mut all = Vec::with_capacity(parts.len() + 1);
        all.push("*** ");
        all.extend_from_slice(parts);
        self.line(at, &all)
    }
}

/// Bytes of a `[HH:MM:SS] ` stamp.
pub const STAMP_LEN: usize = 11;

/// `lines`, each with the stamp of when it was said in front, as one
/// buffer: a `/history` answer, built once it is known to fit.
pub fn stamped(lines: &[(SystemTime, Bytes)]) -> Bytes {
    let len: usize = lines.iter().map(|(_, l)| STAMP_LEN + l.len()).sum();
    let mut out = Vec::with_capacity(len);
    for (at, line) in lines {
        push_timestamp(&mut out, *at);
        out.extend_from_slice(line);
    }
    Bytes::from(out)
}

/// Appends `[HH:MM:SS] ` for `at` in UTC.
pub(super) fn push_timestamp(buf: &mut Vec<u8>, at: SystemTime) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn lines_end_in_crlf_and_carry_an_optional_stamp() {
        let at = UNIX_EPOCH + Duration::from_secs(86_400 + 3723);
        let plain = Render { timestamps: false };
        assert_eq!(&plain.line(at, &["a", ": ", "hi"])[..], b"a: hi\r\n");
        assert_eq!(
            &plain.notice(at, &["x has joined"])[..],
            b"*** x has joined\r\n"
        );
        let stamped = Render { timestamps: true };
        assert_eq!(&stamped.line(at, &["x"])[..], b"[01:02:03] x\r\n");
        let mut buf = Vec::new();
        stamped.push_line(&mut buf, at, &["a"]);
        stamped.push_line(&mut buf, at + Duration::from_secs(1), &["b"]);
        assert_eq!(buf, b"[01:02:03] a\r\n[01:02:04] b\r\n");
    }
}

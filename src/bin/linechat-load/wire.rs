//! The marker lines the generator sends, and finding them in what comes back.
//!
//! The generator knows nothing of a server's reply format. It sends lines that
//! carry a marker, and looks for the marker anywhere in what it receives:
//! linechat delivers `u3: #L 3 17 123456`, `ncat --chat` delivers
//! `<user5> #L 3 17 123456`, a server with timestamps adds `[12:00:00] `.
//! Everything without a marker (prompts, join and leave notices) is skipped
//! without being looked at twice.
//!
//! Two markers exist:
//!
//! - `#L <sender> <seq> <ts_us>[ <pad>]`: message `seq` of sender number
//!   `sender`, written at `ts_us` microseconds after the run's start.
//! - `#R <token>`: the readiness barrier; `token` is unique to one run.
//!
//! Nothing here touches a socket, so all of it is tested below on bytes.

/// What one marker says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A measured chat line.
    Data {
        /// Index of the sending client among the senders.
        sender: u32,
        /// The sender's message number, from 0, one more per line.
        seq: u64,
        /// Microseconds after the run's start at which it was written.
        ts_us: u64,
    },
    /// The readiness barrier, with its token.
    Barrier(u64),
}

/// Appends one measured chat line, CRLF-terminated as a telnet client sends it.
///
/// `pad` adds that many `x` bytes after the fields, to measure bigger lines.
pub fn put_data(out: &mut Vec<u8>, sender: u32, seq: u64, ts_us: u64, pad: usize) {
    out.extend_from_slice(b"#L ");
    put_u64(out, u64::from(sender));
    out.push(b' ');
    put_u64(out, seq);
    out.push(b' ');
    put_u64(out, ts_us);
    if pad > 0 {
        out.push(b' ');
        out.resize(out.len() + pad, b'x');
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends one barrier line.
pub fn put_barrier(out: &mut Vec<u8>, token: u64) {
    out.extend_from_slice(b"#R ");
    put_u64(out, token);
    out.extend_from_slice(b"\r\n");
}

/// Appends `v` in decimal. By hand, because `write!` into a `Vec` goes
/// through the formatting machinery on the hottest path of the sender.
pub fn put_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Calls `on_mark` for every marker in `lines`, in order.
///
/// `lines` must hold whole lines only (the caller keeps a partial last line
/// for the next read), so a marker is never cut in half. The scan jumps from
/// one `#` to the next with `memchr`; a `#` that does not start a well-formed
/// marker is skipped.
pub fn scan(lines: &[u8], mut on_mark: impl FnMut(Mark)) {
    for at in memchr::memchr_iter(b'#', lines) {
        if let Some(mark) = parse(&lines[at..]) {
            on_mark(mark);
        }
    }
}

/// Parses the marker at the start of `s` (which starts with `#`).
fn parse(s: &[u8]) -> Option<Mark> {
    match s.get(..3)? {
        b"#L " => {
            let (sender, rest) = number(&s[3..])?;
            let (seq, rest) = number(rest.strip_prefix(b" ")?)?;
            let (ts_us, _) = number(rest.strip_prefix(b" ")?)?;
            Some(Mark::Data {
                sender: u32::try_from(sender).ok()?,
                seq,
                ts_us,
            })
        }
        b"#R " => Some(Mark::Barrier(number(&s[3..])?.0)),
        _ => None,
    }
}

/// Reads the decimal number at the start of `s`: its value and what follows.
/// `None` if `s` does not start with a digit or the number overflows.
fn number(s: &[u8]) -> Option<(u64, &[u8])> {
    let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || digits > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &b in &s[..digits] {
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some((v, &s[digits..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(bytes: &[u8]) -> Vec<Mark> {
        let mut found = Vec::new();
        scan(bytes, |m| found.push(m));
        found
    }

    #[test]
    fn a_data_line_reads_back_whatever_the_server_puts_in_front() {
        let mut line = Vec::new();
        put_data(&mut line, 7, 42, 123_456, 0);
        assert_eq!(line, b"#L 7 42 123456\r\n");
        let want = Mark::Data {
            sender: 7,
            seq: 42,
            ts_us: 123_456,
        };
        for prefix in [&b""[..], b"u3: ", b"<user5> ", b"[12:00:00] u3: "] {
            let delivered = [prefix, &line[..]].concat();
            assert_eq!(marks(&delivered), [want]);
        }
    }

    #[test]
    fn padding_does_not_change_the_fields() {
        let mut line = Vec::new();
        put_data(&mut line, 0, u64::MAX, 0, 5);
        assert_eq!(line, format!("#L 0 {} 0 xxxxx\r\n", u64::MAX).as_bytes());
        assert_eq!(
            marks(&line),
            [Mark::Data {
                sender: 0,
                seq: u64::MAX,
                ts_us: 0
            }]
        );
    }

    #[test]
    fn barrier_lines_are_found() {
        let mut line = b"<user1> ".to_vec();
        put_barrier(&mut line, 987_654_321);
        assert_eq!(marks(&line), [Mark::Barrier(987_654_321)]);
    }

    #[test]
    fn many_lines_in_one_read_come_out_in_order_and_notices_are_skipped() {
        let mut bytes = b"*** u9 has joined\r\n".to_vec();
        for seq in 0..5 {
            bytes.extend_from_slice(b"u1: ");
            put_data(&mut bytes, 1, seq, 10 + seq, 0);
            bytes.extend_from_slice(b"u2: # not a marker #L nope\r\n");
        }
        let seqs: Vec<u64> = marks(&bytes)
            .into_iter()
            .map(|m| match m {
                Mark::Data { seq, .. } => seq,
                Mark::Barrier(_) => panic!("no barrier was sent"),
            })
            .collect();
        assert_eq!(seqs, [0, 1, 2, 3, 4]);
    }

    #[test]
    fn malformed_markers_are_ignored() {
        for bad in [
            &b"#L\r\n"[..],
            b"#L 1 2\r\n",
            b"#L 1  2 3\r\n",
            b"#L a 2 3\r\n",
            b"#L 99999999999 2 3\r\n",
            b"#L 1 2 99999999999999999999999\r\n",
            b"#R \r\n",
            b"#X 1 2 3\r\n",
        ] {
            assert_eq!(marks(bad), [], "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn numbers_round_trip() {
        for v in [0, 1, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            let mut s = Vec::new();
            put_u64(&mut s, v);
            assert_eq!(s, v.to_string().as_bytes());
            assert_eq!(number(&s), Some((v, &b""[..])));
        }
    }
}

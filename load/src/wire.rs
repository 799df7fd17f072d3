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
/// for the next read), so a marker is never cut in half. Every `#` is looked
/// at once; one that does not start a well-formed marker is skipped.
///
/// This is the generator's hottest loop: under fanout every received line
/// holds a marker, a few bytes after the end of the previous one, and a
/// byte-at-a-time scan (a mispredicted branch at the end of every number
/// and every name) bounded the deliveries per second the generator could
/// count. So:
///
/// - the scan resumes right behind a marker's last digit (no marker can
///   start inside one) and works eight bytes at a time: [`find_hash`] finds
///   the next `#` within a word or two (a CRLF and a name), and [`number`]
///   finds where a number ends without a branch per digit;
/// - converting digits to a value is the costly part, and consecutive lines
///   mostly repeat the sender and timestamp (a sender writes its whole
///   window at once, stamped once, and the server relays it in one piece),
///   so each field remembers its last digits and value ([`Memo`]) and
///   converts only when the digits differ. Only `seq` changes every line.
pub fn scan(lines: &[u8], mut on_mark: impl FnMut(Mark)) {
    let mut memos = Memos::default();
    let mut at = 0;
    while let Some(hash) = find_hash(lines, at) {
        match parse(&lines[hash..], &mut memos) {
            Some((mark, used)) => {
                on_mark(mark);
                at = hash + used;
            }
            None => at = hash + 1,
        }
    }
}

/// Each byte of a word set to 0x01, and to 0x80: for the byte-wise tricks.
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// Words searched for the next `#` before handing over to `memchr`, whose
/// vectorised set-up costs more than it saves over a short gap.
const SHORT_WORDS: usize = 4;

/// The eight bytes of `s` from `at` as a little-endian word (the byte at
/// `at` lowest), if there are eight.
#[inline(always)]
fn word(s: &[u8], at: usize) -> Option<u64> {
    let bytes = s.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

/// The index of the first `#` in `lines` at or after `from`.
#[inline(always)]
fn find_hash(lines: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    for _ in 0..SHORT_WORDS {
        let Some(w) = word(lines, at) else { break };
        // A byte of `x` is zero where `w` has a `#`. Subtracting 1 from each
        // byte sets the high bit of a zero byte; a borrow can only mark
        // bytes above a true zero, so the lowest mark is exact.
        let x = w ^ (ONES * u64::from(b'#'));
        let found = x.wrapping_sub(ONES) & !x & HIGHS;
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = lines.get(at..)?;
    memchr::memchr(b'#', rest).map(|i| at + i)
}

/// Parses the marker at the start of `s` (which starts with `#`): the mark
/// and how many bytes of `s` it spans (up to its last digit).
#[inline(always)]
fn parse(s: &[u8], memos: &mut Memos) -> Option<(Mark, usize)> {
    match s.get(..3)? {
        b"#L " => {
            let (sender, at) = number(s, 3, &mut memos.sender)?;
            let (seq, at) = number(s, space(s, at)?, &mut memos.seq)?;
            let (ts_us, at) = number(s, space(s, at)?, &mut memos.ts)?;
            let sender = u32::try_from(sender).ok()?;
            Some((Mark::Data { sender, seq, ts_us }, at))
        }
        b"#R " => {
            let (token, at) = number(s, 3, &mut Memo::default())?;
            Some((Mark::Barrier(token), at))
        }
        _ => None,
    }
}

/// The index just past the space at `s[at]`, if that byte is a space.
#[inline(always)]
fn space(s: &[u8], at: usize) -> Option<usize> {
    (s.get(at) == Some(&b' ')).then_some(at + 1)
}

/// Most digits a number may have: `u64::MAX` has 20.
const MAX_DIGITS: usize = 20;

/// 10^n for n in 0..=8.
const POW10: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// The last number read in one field of a marker: its digits as a key, and
/// its value. Equal keys mean equal values: a key holds the digit values
/// themselves, with their count wherever leading zeros would not pin it.
/// The default key is that of `00000000`, whose value is the default 0.
#[derive(Debug, Default, Clone, Copy)]
struct Memo {
    key: (u64, u64),
    value: u64,
}

/// One [`Memo`] per field, kept across the lines of one [`scan`].
#[derive(Debug, Default)]
struct Memos {
    sender: Memo,
    seq: Memo,
    ts: Memo,
}

/// Second half of a [`Memo`] key for numbers under eight digits; a longer
/// number's second half has its extra digit count in the top byte, 0..=7.
const SHORT: u64 = u64::MAX;

/// Reads the decimal number starting at `s[at]`: its value and the index
/// just past its last digit. `None` if no digit is there, or the number has
/// over 20 digits or overflows. The value comes from `memo` when the digits
/// are the same as last time, which then remembers these.
///
/// Eight bytes at a time: the digits in a word are found without a branch
/// per digit, and converted with three multiplies. Up to 15 digits take one
/// or two words; longer numbers (the barrier token) and the last few bytes
/// of `s` go to [`number_long`].
///
/// Inlined by force, as are the helpers of [`scan`]: left to itself the
/// compiler kept it out of line, and a call per field cost about a quarter
/// of the scan.
#[inline(always)]
fn number(s: &[u8], at: usize, memo: &mut Memo) -> Option<(u64, usize)> {
    let Some(w) = word(s, at) else {
        return number_long(s, at);
    };
    let (t, n) = digits(w);
    if n == 0 {
        return None;
    }
    let (key, len) = if n < 8 {
        // Keep the `n` digits, moved to the top as if led by zeros.
        ((t << (64 - 8 * n), SHORT), n)
    } else {
        let Some(w) = word(s, at + 8) else {
            return number_long(s, at);
        };
        let (t2, n2) = digits(w);
        if n2 == 8 {
            return number_long(s, at);
        }
        // The `n2` further digits, kept in place, tagged with their count
        // (a trailing zero changes the value, not the masked bytes).
        let rest = t2 & ((1 << (8 * n2)) - 1);
        ((t, rest | ((n2 as u64) << 56)), 8 + n2)
    };
    if key != memo.key {
        memo.key = key;
        memo.value = match key.1 {
            SHORT => eight_digits(key.0),
            rest => {
                let n2 = (rest >> 56) as usize;
                let low = if n2 == 0 {
                    0
                } else {
                    eight_digits(rest << (64 - 8 * n2))
                };
                eight_digits(key.0) * POW10[n2] + low
            }
        };
    }
    Some((memo.value, at + len))
}

/// The bytes of `w` as digit values (any non-digit byte becomes 10 or
/// more), and how many digits it starts with.
#[inline(always)]
fn digits(w: u64) -> (u64, usize) {
    let t = w ^ (ONES * u64::from(b'0'));
    // High bit of each byte over 9: adding 0x76 lifts 10..=0x7f past 0x7f,
    // and bytes already past it show in `t` itself. A carry out of a byte
    // comes only from a non-digit and only spoils bytes above it.
    let non_digit = (t.wrapping_add(ONES * 0x76) | t) & HIGHS;
    (t, (non_digit.trailing_zeros() / 8) as usize)
}

/// [`number`] without the memo, for what it does not take: word by word
/// while eight bytes remain, then byte by byte; numbers that reach 20
/// digits, where overflow is possible, go to [`number_bytewise`].
#[cold]
fn number_long(s: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    let mut i = at;
    while let Some(w) = word(s, i) {
        let (t, n) = digits(w);
        if i - at + n >= MAX_DIGITS {
            return number_bytewise(s, at);
        }
        if n == 0 {
            return (i > at).then_some((v, i));
        }
        v = v * POW10[n] + eight_digits(t << (64 - 8 * n));
        i += n;
        if n < 8 {
            return Some((v, i));
        }
    }
    // Fewer than eight bytes are left.
    if i == at {
        return number_bytewise(s, at);
    }
    // Whole words of digits ran into the last few bytes: finish those,
    // fewer than eight, one at a time.
    let Some((rest, end)) = number_bytewise(s, i) else {
        return Some((v, i));
    };
    if end - at >= MAX_DIGITS {
        return number_bytewise(s, at);
    }
    Some((v * POW10[end - i] + rest, end))
}

/// The value of eight digits, one per byte (0..=9), the most significant in
/// the lowest byte: pairs, then fours, then all eight, each step one
/// multiply that adds the upper half of every lane to ten (hundred, ten
/// thousand) times the lower half.
#[inline(always)]
fn eight_digits(d: u64) -> u64 {
    let pairs = (d.wrapping_mul(10 * 256 + 1) >> 8) & 0x00ff_00ff_00ff_00ff;
    let fours = (pairs.wrapping_mul(100 * 65_536 + 1) >> 16) & 0x0000_ffff_0000_ffff;
    fours.wrapping_mul(10_000 * (1 << 32) + 1) >> 32
}

/// [`number`] one byte at a time, with overflow checks from the 20th digit.
fn number_bytewise(s: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    let mut i = at;
    while let Some(&b) = s.get(i) {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            break;
        }
        let digits = i - at;
        if digits + 1 < MAX_DIGITS {
            v = v * 10 + u64::from(d);
        } else if digits + 1 == MAX_DIGITS {
            v = v.checked_mul(10)?.checked_add(u64::from(d))?;
        } else {
            return None;
        }
        i += 1;
    }
    (i > at).then_some((v, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`number`] with nothing remembered.
    fn fresh(s: &[u8], at: usize) -> Option<(u64, usize)> {
        number(s, at, &mut Memo::default())
    }

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
    fn markers_back_to_back_and_far_into_long_lines_are_found() {
        let mut bytes = b"#L 1 2 3#L 4 5 6#R 7".to_vec();
        bytes.extend_from_slice(&[b'y'; 100]);
        bytes.extend_from_slice(b"#L 8 9 10 ");
        bytes.extend_from_slice(&[b'x'; 100]);
        bytes.extend_from_slice(b"#R 11\r\n");
        let data = |sender, seq, ts_us| Mark::Data { sender, seq, ts_us };
        assert_eq!(
            marks(&bytes),
            [
                data(1, 2, 3),
                data(4, 5, 6),
                Mark::Barrier(7),
                data(8, 9, 10),
                Mark::Barrier(11)
            ]
        );
    }

    #[test]
    fn over_twenty_digits_is_no_number_even_with_leading_zeros() {
        assert_eq!(fresh(b"00000000000000000001", 0), Some((1, 20)));
        assert_eq!(fresh(b"000000000000000000001", 0), None);
        assert_eq!(fresh(b"18446744073709551616", 0), None);
        assert_eq!(fresh(b"x1", 0), None);
        assert_eq!(fresh(b"12x", 0), Some((12, 2)));
    }

    proptest::proptest! {
        /// The scan, which skips over each marker it parses, finds exactly
        /// what parsing at every `#` on its own would find.
        #[test]
        fn scan_finds_what_parsing_every_hash_finds(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    &b"#"[..], b"#L ", b"#R ", b" ", b"0", b"7", b"42",
                    b"99999999999999999999", b"\r\n", b"u1: ", b"x",
                ]),
                0..60,
            )
        ) {
            let bytes = pieces.concat();
            let want: Vec<Mark> = memchr::memchr_iter(b'#', &bytes)
                .filter_map(|at| parse(&bytes[at..], &mut Memos::default()).map(|(m, _)| m))
                .collect();
            proptest::prop_assert_eq!(marks(&bytes), want);
        }
    }

    proptest::proptest! {
        /// Word-at-a-time number parsing agrees with the byte-at-a-time
        /// reference wherever the number starts and whatever follows it,
        /// and so does a memo carried from number to number (the numbers
        /// drawn from few digits, so that some repeat and some differ only
        /// in length or a trailing zero).
        #[test]
        fn number_agrees_with_bytewise(
            cases in proptest::collection::vec(
                (
                    "(0|1|9){0,17}|[0-9]{18,24}",
                    "[ \r\n#x0-9/:]{0,10}",
                    0usize..3,
                ),
                1..20,
            )
        ) {
            let mut memo = Memo::default();
            for (digits, after, lead) in cases {
                let s = [&b"ab"[..lead], digits.as_bytes(), after.as_bytes()].concat();
                let want = number_bytewise(&s, lead);
                proptest::prop_assert_eq!(fresh(&s, lead), want);
                proptest::prop_assert_eq!(number(&s, lead, &mut memo), want);
            }
        }
    }

    #[test]
    fn eight_digits_reads_most_significant_first() {
        let t = u64::from_le_bytes(*b"12345678") ^ (ONES * u64::from(b'0'));
        assert_eq!(eight_digits(t), 12_345_678);
        assert_eq!(eight_digits(0), 0);
        let t = u64::from_le_bytes(*b"99999999") ^ (ONES * u64::from(b'0'));
        assert_eq!(eight_digits(t), 99_999_999);
    }

    #[test]
    fn numbers_round_trip() {
        for v in [0, 1, 9, 10, 99, 100, 12_345, u64::from(u32::MAX), u64::MAX] {
            let mut s = Vec::new();
            put_u64(&mut s, v);
            assert_eq!(s, v.to_string().as_bytes());
            assert_eq!(fresh(&s, 0), Some((v, s.len())));
        }
    }
}

use super::*;

fn parse(line: &str) -> Result<Message<'_>, ParseError> {
    Message::parse(line.as_bytes())
}

#[test]
fn full_line() {
    let m = parse(
        "@time=2026-12-06T10:00:00.000Z;+x :alice!alice@linechat PRIVMSG #lobby :hi there\r\n",
    )
    .unwrap();
    assert_eq!(m.tag("time").as_deref(), Some("2026-12-06T10:00:00.000Z"));
    assert_eq!(m.tag("+x").as_deref(), Some(""));
    assert_eq!(m.tag("nope"), None);
    assert_eq!(m.prefix, Some("alice!alice@linechat"));
    assert!(m.is("privmsg"));
    assert_eq!(m.params(), ["#lobby", "hi there"]);
    assert_eq!(m.param(2), None);
}

#[test]
fn simple_forms() {
    let m = parse("NICK alice").unwrap();
    assert_eq!(
        (m.prefix, m.command, m.params()),
        (None, "NICK", &["alice"][..])
    );
    let m = parse("QUIT").unwrap();
    assert!(m.params().is_empty());
    let m = parse("USER u 0 * :Real Name").unwrap();
    assert_eq!(m.params(), ["u", "0", "*", "Real Name"]);
    // An empty trailing parameter is a parameter.
    assert_eq!(parse("TOPIC #a :").unwrap().params(), ["#a", ""]);
    // Extra spaces separate nothing.
    assert_eq!(parse("  PING   a  b  ").unwrap().params(), ["a", "b"]);
    // A trailing keeps its colons and spaces.
    assert_eq!(
        parse("PRIVMSG x ::) a  b").unwrap().params(),
        ["x", ":) a  b"]
    );
    assert_eq!(parse("001 me :Welcome").unwrap().command, "001");
    assert_eq!(parse("PING a\n").unwrap().params(), ["a"]);
}

#[test]
fn escaped_tag_values() {
    let m = parse("@a=x\\sy\\:z;b=\\\\ CMD").unwrap();
    assert_eq!(m.tag("a").as_deref(), Some("x y;z"));
    let all: Vec<_> = m.tags().collect();
    assert_eq!(all, [("a", Cow::from("x y;z")), ("b", Cow::from("\\"))]);
    assert_eq!(m.raw_tags(), "a=x\\sy\\:z;b=\\\\");
    // A repeated key: the last wins.
    assert_eq!(
        parse("@a=1;a=2 CMD").unwrap().tag("a").as_deref(),
        Some("2")
    );
}

#[test]
fn errors_are_values() {
    use ParseError::*;
    let cases: &[(&[u8], ParseError)] = &[
        (b"", Empty),
        (b"   \r\n", Empty),
        (b"PRIVMSG a :b\0c", ForbiddenByte),
        (b"PRIVMSG a\rb", ForbiddenByte),
        (b"PRIVMSG \xff", NotUtf8),
        (b"@a=1", BadTags),
        (b"@a=1 ", BadTags),
        (b"@=1 CMD", BadTags),
        (b"@a 1b", BadCommand),
        (b":", NoCommand),
        (b": CMD", NoCommand),
        (b":prefix", NoCommand),
        (b":prefix   ", NoCommand),
        (b"PRIV-MSG", BadCommand),
        (b"1234", BadCommand),
        (b"12", BadCommand),
        (b"A1", BadCommand),
    ];
    for (line, error) in cases {
        assert_eq!(
            Message::parse(line),
            Err(*error),
            "{:?}",
            String::from_utf8_lossy(line)
        );
    }
}

#[test]
fn parameter_cap() {
    let fifteen = format!("CMD{}", " p".repeat(15));
    assert_eq!(parse(&fifteen).unwrap().params().len(), 15);
    let fifteen_trailing = format!("CMD{} :last one", " p".repeat(14));
    assert_eq!(
        parse(&fifteen_trailing).unwrap().param(14),
        Some("last one")
    );
    let sixteen = format!("CMD{}", " p".repeat(16));
    assert_eq!(parse(&sixteen), Err(ParseError::TooManyParams));
    let sixteen_trailing = format!("CMD{} :x", " p".repeat(15));
    assert_eq!(parse(&sixteen_trailing), Err(ParseError::TooManyParams));
}

#[test]
fn size_caps() {
    // 510 bytes of body pass; 511 do not. CRLF is not counted.
    let body = format!("PRIVMSG #a :{}", "x".repeat(510 - 12));
    assert_eq!(body.len(), MAX_BODY);
    assert!(parse(&format!("{body}\r\n")).is_ok());
    assert_eq!(parse(&format!("{body}x")), Err(ParseError::BodyTooLong));
    // Tags have their own budget: 8191 with '@' and the space.
    let tags_ok = format!("@a={} {body}", "v".repeat(tags::MAX_TAGS - 4));
    assert_eq!(parse(&tags_ok).unwrap().params()[1].len(), 498);
    let tags_over = format!("@a={} PING", "v".repeat(tags::MAX_TAGS - 3));
    assert_eq!(parse(&tags_over), Err(ParseError::TagsTooLong));
}

#[test]
fn write_round_trip() {
    let line = "@a=x\\sy :n!u@h PRIVMSG #a :hello world\r\n";
    let m = parse(line).unwrap();
    let mut out = Vec::new();
    assert_eq!(m.write(&mut out), Ok(line.len()));
    assert_eq!(out, line.as_bytes());
    let mut out = bytes::BytesMut::new();
    parse("PING   x").unwrap().write(&mut out).unwrap();
    assert_eq!(&out[..], b"PING x\r\n");
}

/// xorshift64*: a small deterministic generator, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> usize {
        (self.next() % n) as usize
    }
}

/// Random lines, biased toward the bytes the grammar cares about. Half of
/// them use only bytes a well-formed line may hold, so many of them parse.
fn random_line(rng: &mut Rng) -> Vec<u8> {
    const INTERESTING: &[u8] = b" :@;=\\/+!#-0A9zP\r\n\0\xff\xc3\xa9";
    const WELL_FORMED: &[u8] = b"  :@;=\\/+!#-09AZazPx.";
    let clean = rng.below(2) == 0;
    let len = match rng.below(10) {
        0 => 500 + rng.below(9000),
        _ => rng.below(40),
    };
    (0..len)
        .map(|_| match (clean, rng.below(3)) {
            (true, _) => WELL_FORMED[rng.below(WELL_FORMED.len() as u64)],
            (false, 0) => rng.next() as u8,
            (false, _) => INTERESTING[rng.below(INTERESTING.len() as u64)],
        })
        .collect()
}

/// Property: any bytes parse to a message or an error, never a panic; a
/// parsed message writes back within the caps and parses to itself.
#[test]
fn random_bytes_never_panic_and_round_trip() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut parsed = 0;
    for _ in 0..20_000 {
        let mut line = random_line(&mut rng);
        if rng.below(2) == 0 && !line.is_empty() {
            // Give half the lines a plausible start so more of them parse.
            line.splice(0..0, b"CMD ".iter().copied());
        }
        let Ok(message) = Message::parse(&line) else {
            continue;
        };
        parsed += 1;
        let mut out = Vec::new();
        let written = message.write(&mut out).expect("a parsed message writes");
        assert_eq!(written, out.len());
        assert!(out.ends_with(b"\r\n"));
        let again = Message::parse(&out).expect("written line parses");
        assert_eq!(again, message, "{:?}", String::from_utf8_lossy(&line));
    }
    assert!(parsed > 2_000, "only {parsed} random lines parsed");
}

#[test]
fn owned_copy_and_error_numerics() {
    let m = parse("@k=a\\sb :n PRIVMSG #a :x y").unwrap();
    let owned = m.to_owned_message();
    assert_eq!(owned.tags, [("k".to_owned(), "a b".to_owned())]);
    assert_eq!(
        owned.to_bytes().unwrap(),
        b"@k=a\\sb :n PRIVMSG #a :x y\r\n"
    );
    assert_eq!(ParseError::Empty.numeric(), None);
    assert_eq!(
        ParseError::BodyTooLong.numeric(),
        Some(Numeric::InputTooLong)
    );
    assert_eq!(
        ParseError::TagsTooLong.numeric(),
        Some(Numeric::InputTooLong)
    );
    assert_eq!(
        ParseError::TooManyParams.numeric(),
        Some(Numeric::UnknownCommand)
    );
}

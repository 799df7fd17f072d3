use super::*;

/// Standard base64, for building test input only.
fn encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let bits = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((bits >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn verify(account: &str, password: &str) -> Step {
    Step::Verify(Credentials {
        account: account.into(),
        password: password.into(),
    })
}

#[test]
fn base64() {
    assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
    assert_eq!(decode_base64("Zm9v").as_deref(), Some(&b"foo"[..]));
    assert_eq!(decode_base64("Zm9vYg==").as_deref(), Some(&b"foob"[..]));
    assert_eq!(decode_base64("Zm9vYmE=").as_deref(), Some(&b"fooba"[..]));
    assert_eq!(
        decode_base64("+/+/").as_deref(),
        Some(&[0xfb, 0xff, 0xbf][..])
    );
    for bad in ["Zm9", "Zm9v=", "Zg==Zm9v", "Z===", "Zm9*", "Zm 9"] {
        assert_eq!(decode_base64(bad), None, "{bad}");
    }
    for len in 0..40u8 {
        let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37)).collect();
        assert_eq!(decode_base64(&encode(&bytes)), Some(bytes));
    }
}

#[test]
fn plain_exchange() {
    let mut sasl = Sasl::default();
    assert_eq!(sasl.authenticate("PLAIN"), Step::Continue);
    assert!(sasl.in_progress());
    // irctest's own payload: "jilles\0jilles\0sesame".
    assert_eq!(
        sasl.authenticate("amlsbGVzAGppbGxlcwBzZXNhbWU="),
        verify("jilles", "sesame")
    );
    assert!(!sasl.in_progress());
    // No authzid.
    assert_eq!(sasl.authenticate("plain"), Step::Continue);
    assert_eq!(
        sasl.authenticate("AGppbGxlcwBzZXNhbWU="),
        verify("jilles", "sesame")
    );
}

#[test]
fn chunks_of_400() {
    let password = "p".repeat(500);
    let encoded = encode(format!("alice\0alice\0{password}").as_bytes());
    assert!(encoded.len() > 400 && encoded.len() < 800);
    let mut sasl = Sasl::default();
    sasl.authenticate("PLAIN");
    assert_eq!(sasl.authenticate(&encoded[..400]), Step::More);
    assert_eq!(
        sasl.authenticate(&encoded[400..]),
        verify("alice", &password)
    );
    // Exactly 400: a `+` ends it.
    let password = "q".repeat(295);
    let encoded = encode(format!("\0bob\0{password}").as_bytes());
    assert_eq!(encoded.len(), 400);
    sasl.authenticate("PLAIN");
    assert_eq!(sasl.authenticate(&encoded), Step::More);
    assert_eq!(sasl.authenticate("+"), verify("bob", &password));
}

#[test]
fn failures() {
    let mut sasl = Sasl::default();
    assert_eq!(
        sasl.authenticate("SCRAM-SHA-256"),
        Step::Fail(Failure::UnknownMechanism)
    );
    assert_eq!(sasl.authenticate("*"), Step::Fail(Failure::Aborted));
    sasl.authenticate("PLAIN");
    assert_eq!(sasl.authenticate("*"), Step::Fail(Failure::Aborted));
    assert!(!sasl.in_progress());
    sasl.authenticate("PLAIN");
    assert_eq!(
        sasl.authenticate(&"A".repeat(500)),
        Step::Fail(Failure::ChunkTooLong)
    );
    sasl.authenticate("PLAIN");
    assert_eq!(sasl.authenticate("+"), Step::Fail(Failure::BadResponse));
    let bad = [
        encode(b"no-nuls"),
        encode(b"a\0b\0c\0d"),
        encode(b"a\0\0pw"),
        encode(b"mallory\0alice\0pw"),
        encode(b"\0al\xffice\0pw"),
        "not base64!".into(),
    ];
    for response in bad {
        sasl.authenticate("PLAIN");
        assert_eq!(
            sasl.authenticate(&response),
            Step::Fail(Failure::BadResponse),
            "{response}"
        );
    }
    // The same account in another case may be its own authzid.
    sasl.authenticate("PLAIN");
    assert_eq!(
        sasl.authenticate(&encode(b"ALICE\0alice\0pw")),
        verify("alice", "pw")
    );
}

#[test]
fn endless_chunks_stop_at_the_cap() {
    let mut sasl = Sasl::default();
    sasl.authenticate("PLAIN");
    let chunk = "A".repeat(CHUNK);
    let mut steps = 0;
    let last = loop {
        steps += 1;
        match sasl.authenticate(&chunk) {
            Step::More => assert!(steps < 100),
            other => break other,
        }
    };
    assert_eq!(last, Step::Fail(Failure::TooLong));
    assert_eq!(steps, MAX_ENCODED / CHUNK + 1);
    assert!(!sasl.in_progress());
}

#[test]
fn replies() {
    let lines = |messages: Vec<OwnedMessage>| -> Vec<String> {
        messages
            .iter()
            .map(|m| String::from_utf8(m.to_bytes().unwrap()).unwrap())
            .collect()
    };
    assert_eq!(
        lines(Failure::UnknownMechanism.replies("s", "*")),
        [
            ":s 908 * PLAIN :are available SASL mechanisms\r\n",
            ":s 904 * :SASL authentication failed\r\n"
        ]
    );
    assert_eq!(
        lines(Failure::ChunkTooLong.replies("s", "*")),
        [":s 905 * :SASL message too long\r\n"]
    );
    assert_eq!(
        lines(Failure::Aborted.replies("s", "a")),
        [":s 906 a :SASL authentication aborted\r\n"]
    );
    assert_eq!(
        lines(logged_in("s", "a", "a!a@linechat", "a")),
        [
            ":s 900 a a!a@linechat a :You are now logged in as a\r\n",
            ":s 903 a :SASL authentication successful\r\n"
        ]
    );
    assert_eq!(
        lines(vec![failed("s", "*")]),
        [":s 904 * :SASL authentication failed\r\n"]
    );
    let secret = format!(
        "{:?}",
        Credentials {
            account: "a".into(),
            password: "hunter2".into()
        }
    );
    assert!(!secret.contains("hunter2"), "{secret}");
}

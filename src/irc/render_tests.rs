use super::*;

fn line(
    tag_list: &[(&str, &str)],
    prefix: Option<&str>,
    command: &str,
    params: &[&str],
) -> Result<String, RenderError> {
    let mut out = Vec::new();
    let n = write(&mut out, tag_list, prefix, command, params)?;
    assert_eq!(n, out.len());
    Ok(String::from_utf8(out).unwrap())
}

#[test]
fn trailing_rules() {
    let t = |params: &[&str]| line(&[], None, "PRIVMSG", params);
    assert_eq!(t(&["#a", "hi"]).unwrap(), "PRIVMSG #a hi\r\n");
    assert_eq!(t(&["#a", "hi there"]).unwrap(), "PRIVMSG #a :hi there\r\n");
    assert_eq!(t(&["#a", ":)"]).unwrap(), "PRIVMSG #a ::)\r\n");
    assert_eq!(t(&["#a", ""]).unwrap(), "PRIVMSG #a :\r\n");
    assert_eq!(t(&[]).unwrap(), "PRIVMSG\r\n");
    assert_eq!(t(&["a b", "x"]), Err(RenderError::BadMiddle(0)));
    assert_eq!(t(&["", "x"]), Err(RenderError::BadMiddle(0)));
    assert_eq!(t(&["#a", ":x", "y"]), Err(RenderError::BadMiddle(1)));
    assert_eq!(t(&["#a", "x\ny"]), Err(RenderError::ForbiddenByte));
    assert_eq!(t(&["#a", "x\0"]), Err(RenderError::ForbiddenByte));
    assert_eq!(t(&["p"; 16]), Err(RenderError::TooManyParams));
}

#[test]
fn prefix_command_and_tags() {
    assert_eq!(
        line(
            &[("time", "2026-12-06T10:00:00.000Z"), ("+flag", "")],
            Some("n!u@h"),
            "PRIVMSG",
            &["#a", "a;b c"]
        )
        .unwrap(),
        "@time=2026-12-06T10:00:00.000Z;+flag :n!u@h PRIVMSG #a :a;b c\r\n"
    );
    assert_eq!(
        line(&[("k", "a b;c\\")], None, "X", &[]).unwrap(),
        "@k=a\\sb\\:c\\\\ X\r\n"
    );
    assert_eq!(line(&[], Some(""), "X", &[]), Err(RenderError::BadPrefix));
    assert_eq!(
        line(&[], Some("a b"), "X", &[]),
        Err(RenderError::BadPrefix)
    );
    assert_eq!(line(&[], None, "X-Y", &[]), Err(RenderError::BadCommand));
    assert_eq!(line(&[], None, "", &[]), Err(RenderError::BadCommand));
    assert_eq!(
        line(&[("bad key", "")], None, "X", &[]),
        Err(RenderError::BadTag)
    );
    let huge = "v".repeat(MAX_TAGS);
    assert_eq!(
        line(&[("k", &huge)], None, "X", &[]),
        Err(RenderError::TagsTooLong)
    );
}

#[test]
fn body_cap_and_untouched_buffer() {
    let fits = "x".repeat(MAX_BODY - "PRIVMSG #a :".len());
    assert_eq!(
        line(&[], None, "PRIVMSG", &["#a", &format!("{fits} ")]),
        Err(RenderError::TooLong)
    );
    let ok = line(&[], None, "PRIVMSG", &["#a", &format!(":{}", &fits[1..])]).unwrap();
    assert_eq!(ok.len(), MAX_BODY + 2);
    // A refused line writes nothing.
    let mut out = b"before".to_vec();
    assert!(write(&mut out, &[], None, "PRIVMSG", &["a b", "c"]).is_err());
    assert_eq!(out, b"before");
}

#[test]
fn owned_messages() {
    let welcome = OwnedMessage::numeric(
        "linechat",
        Numeric::Welcome,
        "alice",
        &["Welcome to linechat, alice"],
    );
    assert_eq!(
        welcome.to_bytes().unwrap(),
        b":linechat 001 alice :Welcome to linechat, alice\r\n"
    );
    let mut pong = OwnedMessage::new("linechat", "PONG", &["linechat", "tok"]);
    pong.tags.push(("time".into(), "t".into()));
    let mut out = bytes::BytesMut::new();
    pong.write(&mut out).unwrap();
    assert_eq!(&out[..], b"@time=t :linechat PONG linechat tok\r\n");
}

#[test]
fn raw_tags_are_checked() {
    let mut out = Vec::new();
    assert_eq!(
        write_raw(&mut out, "a b", None, "X", &[]),
        Err(RenderError::BadTag)
    );
    assert_eq!(
        write_raw(&mut out, "=x", None, "X", &[]),
        Err(RenderError::BadTag)
    );
    assert!(out.is_empty());
}

#[test]
fn long_text_is_cut_to_fit() {
    let prefix = Some("alice!alice@linechat");
    let budget = text_budget(prefix, "PRIVMSG", &["#lobby"]);
    assert_eq!(
        budget,
        MAX_BODY - ":alice!alice@linechat PRIVMSG #lobby :".len()
    );
    let text = "é".repeat(700) + " end";
    let pieces: Vec<&str> = split_text(&text, budget).collect();
    assert_eq!(pieces.concat(), text);
    for piece in &pieces {
        assert!(!piece.is_empty() && piece.len() <= budget);
        let mut out = Vec::new();
        write(&mut out, &[], prefix, "PRIVMSG", &["#lobby", piece]).unwrap();
        assert!(out.len() <= MAX_BODY + 2);
    }
    assert_eq!(pieces.len(), 3);
    // Degenerate budgets still end.
    assert_eq!(split_text("éa", 1).collect::<Vec<_>>(), ["é", "a"]);
    assert_eq!(split_text("", 10).count(), 0);
    assert_eq!(text_budget(Some(&"p".repeat(600)), "X", &[]), 0);
}

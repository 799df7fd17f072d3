use super::*;

fn ctx(registered: bool) -> CapContext<'static> {
    CapContext {
        server: "linechat",
        nick: "*",
        registered,
        offered: CapSet::all().without(Cap::Chathistory),
    }
}

fn send(state: &mut CapState, ctx: &CapContext, line: &str) -> Vec<String> {
    let message = Message::parse(line.as_bytes()).unwrap();
    state
        .handle(ctx, &message)
        .iter()
        .map(|m| String::from_utf8(m.to_bytes().unwrap()).unwrap())
        .collect()
}

#[test]
fn names_and_sets() {
    for cap in Cap::ALL {
        assert_eq!(Cap::from_name(cap.name()), Some(*cap));
    }
    assert_eq!(Cap::from_name("SASL"), None);
    let set = CapSet::NONE.with(Cap::Sasl).with(Cap::EchoMessage);
    assert!(set.contains(Cap::Sasl) && !set.contains(Cap::ServerTime));
    assert_eq!(
        set.iter().collect::<Vec<_>>(),
        [Cap::EchoMessage, Cap::Sasl]
    );
    assert_eq!(set.without(Cap::Sasl).iter().count(), 1);
    assert_eq!(CapSet::all().iter().count(), Cap::ALL.len());
}

#[test]
fn ls_302_holds_registration_until_end() {
    let ctx = ctx(false);
    let mut state = CapState::default();
    assert!(!state.holds_registration());
    let ls = send(&mut state, &ctx, "CAP LS 302");
    assert_eq!(
        ls,
        [
            ":linechat CAP * LS :away-notify batch cap-notify echo-message extended-monitor \
          message-tags multi-prefix draft/read-marker sasl=PLAIN server-time setname \
          userhost-in-names\r\n"
        ]
    );
    assert!(state.holds_registration());
    assert!(state.wants_cap_notify());
    assert!(send(&mut state, &ctx, "CAP END").is_empty());
    assert!(!state.holds_registration());
}

#[test]
fn ls_without_version_has_no_values() {
    let mut state = CapState::default();
    let ls = send(&mut state, &ctx(false), "CAP LS");
    assert!(ls[0].contains(" sasl "), "{}", ls[0]);
    assert!(!state.wants_cap_notify());
}

#[test]
fn req_is_all_or_nothing() {
    let ctx = ctx(false);
    let mut state = CapState::default();
    let ack = send(&mut state, &ctx, "CAP REQ :multi-prefix");
    assert_eq!(ack, [":linechat CAP * ACK multi-prefix\r\n"]);
    assert!(state.holds_registration(), "REQ alone starts negotiation");
    let nak = send(&mut state, &ctx, "CAP REQ :foo multi-prefix bar");
    assert_eq!(nak, [":linechat CAP * NAK :foo multi-prefix bar\r\n"]);
    // Not offered here: NAK as if unknown.
    let nak = send(&mut state, &ctx, "CAP REQ :echo-message draft/chathistory");
    assert_eq!(
        nak,
        [":linechat CAP * NAK :echo-message draft/chathistory\r\n"]
    );
    assert_eq!(
        state.enabled().iter().collect::<Vec<_>>(),
        [Cap::MultiPrefix]
    );
    send(&mut state, &ctx, "CAP REQ :server-time echo-message");
    assert_eq!(
        send(&mut state, &ctx, "CAP LIST"),
        [":linechat CAP * LIST :echo-message multi-prefix server-time\r\n"]
    );
    assert_eq!(
        send(&mut state, &ctx, "cap req :-multi-prefix"),
        [":linechat CAP * ACK -multi-prefix\r\n"]
    );
    assert!(!state.enabled().contains(Cap::MultiPrefix));
}

#[test]
fn after_registration_nothing_is_held() {
    let ctx = ctx(true);
    let mut state = CapState::default();
    send(&mut state, &ctx, "CAP LS 302");
    send(&mut state, &ctx, "CAP REQ sasl");
    assert!(!state.holds_registration());
    assert!(state.enabled().contains(Cap::Sasl));
}

#[test]
fn bad_subcommands() {
    let ctx = ctx(false);
    let mut state = CapState::default();
    assert_eq!(
        send(&mut state, &ctx, "CAP NOTACOMMAND"),
        [":linechat 410 * NOTACOMMAND :Invalid CAP command\r\n"]
    );
    assert_eq!(
        send(&mut state, &ctx, "CAP"),
        [":linechat 461 * CAP :Not enough parameters\r\n"]
    );
    assert!(!state.holds_registration());
    let empty = CapContext {
        offered: CapSet::NONE,
        ..ctx
    };
    assert_eq!(
        send(&mut state, &empty, "CAP LIST"),
        [":linechat CAP * LIST :\r\n"]
    );
}

#[test]
fn long_lists_continue_with_star_for_302_only() {
    let ctx = CapContext {
        nick: "alice",
        ..ctx(false)
    };
    let mut state = CapState::default();
    let all = state.list_lines(&ctx, "LS", CapSet::all());
    assert_eq!(all.len(), 1, "the real list fits one line");
    assert!(all[0].to_bytes().unwrap().len() <= 512);
    // A 40-byte budget forces a split.
    state.version = 302;
    let lines = state.split_list(&ctx, "LS", CapSet::all(), 40);
    assert!(lines.len() > 2, "{lines:?}");
    let last = lines.len() - 1;
    let mut names = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let params: Vec<&str> = line.params.iter().map(String::as_str).collect();
        if i < last {
            assert_eq!(params[..3], ["alice", "LS", "*"]);
        } else {
            assert_eq!(params[..2], ["alice", "LS"]);
            assert_eq!(params.len(), 3);
        }
        assert!(params.last().unwrap().len() <= 40);
        names.extend(params.last().unwrap().split(' ').map(str::to_owned));
    }
    assert_eq!(names.len(), Cap::ALL.len(), "each cap once: {names:?}");
    // A 301 client cannot take continuation lines: it gets what fits.
    state.version = 301;
    let lines = state.split_list(&ctx, "LS", CapSet::all(), 40);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].params.len(), 3);
}

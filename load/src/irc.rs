//! The generator over IRC (`--irc`, pure): what a client sends to register
//! and join its channel, what it puts before each of its lines, and what
//! the server's answers mean.
//!
//! An IRC client registers with `NICK <prefix><n>` and `USER`, at once on
//! connect (an IRC server sends nothing first); it is logged in at `001`
//! (RPL_WELCOME), and refused at `432`/`433` (a bad or taken nick) or an
//! `ERROR`. A `PING` before that is answered, for servers that send one as
//! a registration cookie. Then it joins `#load<n mod rooms>` (`#load0`
//! with one room: IRC users start in no channel) and is in at `366`
//! (RPL_ENDOFNAMES) naming that channel; a `4xx` naming it refuses.
//!
//! Each line it says is `PRIVMSG #load<room> :` followed by the marker
//! (`wire.rs`), which the readers find wherever it sits in the line the
//! server delivers (`:u3!u3@host PRIVMSG #load0 :#L 3 17 123456`): the
//! channel name `#load` is no marker. Once in, a client does not answer
//! the server's keepalive `PING`s: the runs are shorter than any server's
//! ping interval (linechat's `--keepalive`, 60 s by default; ngIRCd's and
//! InspIRCd's 120 s in `tests/peers/`).

use crate::wire;

/// Appends the registration: `NICK` and `USER`, both `<prefix><n>`.
pub fn put_register(out: &mut Vec<u8>, prefix: &str, n: u64) {
    for head in [&b"NICK "[..], b"USER "] {
        out.extend_from_slice(head);
        out.extend_from_slice(prefix.as_bytes());
        wire::put_u64(out, n);
        if head == b"USER " {
            out.extend_from_slice(b" 0 * :linechat-load");
        }
        out.extend_from_slice(b"\r\n");
    }
}

/// Appends `JOIN #load<room>`.
pub fn put_join(out: &mut Vec<u8>, room: u32) {
    out.extend_from_slice(b"JOIN ");
    put_channel(out, room);
    out.extend_from_slice(b"\r\n");
}

/// What a client puts before each line it says in `room`.
pub fn say_prefix(room: u32) -> Box<[u8]> {
    let mut out = b"PRIVMSG ".to_vec();
    put_channel(&mut out, room);
    out.extend_from_slice(b" :");
    out.into_boxed_slice()
}

fn put_channel(out: &mut Vec<u8>, room: u32) {
    out.extend_from_slice(b"#load");
    wire::put_u64(out, u64::from(room));
}

/// What a batch of server lines said to a registering or joining client.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// Registered (`001`), or in the channel (`366`).
    Yes,
    /// Refused, with the line that said so.
    No(String),
}

/// The answer to the registration in `lines` (whole lines, as read), if
/// any; a `PING` among them gets its `PONG` appended to `out`.
pub fn registration(lines: &[u8], out: &mut Vec<u8>) -> Option<Answer> {
    for line in lines_of(lines) {
        let (command, params) = command_of(line);
        match command {
            b"001" => return Some(Answer::Yes),
            b"432" | b"433" | b"ERROR" => return Some(Answer::No(text(line))),
            b"PING" => {
                out.extend_from_slice(b"PONG ");
                out.extend_from_slice(params);
                out.extend_from_slice(b"\r\n");
            }
            _ => {}
        }
    }
    None
}

/// The answer to `JOIN #load<room>` in `lines`, if any: `366` naming the
/// channel, or an error numeric (4xx) naming it.
pub fn join(lines: &[u8], room: u32) -> Option<Answer> {
    let mut channel = Vec::new();
    put_channel(&mut channel, room);
    for line in lines_of(lines) {
        let (command, params) = command_of(line);
        let names_it = || {
            params
                .split(|&b| b == b' ')
                .any(|p| p.eq_ignore_ascii_case(&channel))
        };
        match command {
            b"366" if names_it() => return Some(Answer::Yes),
            [b'4', _, _] if names_it() => return Some(Answer::No(text(line))),
            _ => {}
        }
    }
    None
}

/// The lines of `bytes`, without their CR LF.
fn lines_of(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
}

/// A line's command and what follows it, past any tags and prefix.
fn command_of(line: &[u8]) -> (&[u8], &[u8]) {
    let mut rest = line;
    for lead in [b'@', b':'] {
        if rest.first() == Some(&lead) {
            rest = rest
                .iter()
                .position(|&b| b == b' ')
                .map_or(&[][..], |i| &rest[i + 1..]);
        }
    }
    match rest.iter().position(|&b| b == b' ') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[]),
    }
}

fn text(line: &[u8]) -> String {
    String::from_utf8_lossy(line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_and_join_lines() {
        let mut out = Vec::new();
        put_register(&mut out, "u", 42);
        put_join(&mut out, 3);
        assert_eq!(
            out,
            b"NICK u42\r\nUSER u42 0 * :linechat-load\r\nJOIN #load3\r\n"
        );
        assert_eq!(&*say_prefix(0), b"PRIVMSG #load0 :");
    }

    #[test]
    fn welcome_registers_and_a_taken_nick_refuses() {
        let mut out = Vec::new();
        let notices = b":srv NOTICE * :*** Looking up your hostname\r\n";
        assert_eq!(registration(notices, &mut out), None);
        let welcome = b":srv NOTICE * :hi\r\n@time=x :srv 001 u1 :Welcome u1\r\n";
        assert_eq!(registration(welcome, &mut out), Some(Answer::Yes));
        let taken = b":srv 433 * u1 :Nickname is already in use\r\n";
        assert_eq!(
            registration(taken, &mut out),
            Some(Answer::No(
                ":srv 433 * u1 :Nickname is already in use".into()
            ))
        );
        assert!(matches!(
            registration(b"ERROR :Closing link\r\n", &mut out),
            Some(Answer::No(_))
        ));
        assert!(out.is_empty());
    }

    #[test]
    fn a_ping_before_the_welcome_is_answered() {
        let mut out = Vec::new();
        assert_eq!(registration(b"PING :cookie42\r\n", &mut out), None);
        assert_eq!(out, b"PONG :cookie42\r\n");
    }

    #[test]
    fn join_is_answered_by_the_end_of_its_channels_names() {
        let names = b":srv 353 u1 = #load3 :u1 u2\r\n";
        assert_eq!(join(names, 3), None);
        assert_eq!(
            join(b":srv 366 u1 #load3 :End of /NAMES list.\r\n", 3),
            Some(Answer::Yes)
        );
        assert_eq!(join(b":srv 366 u1 #LOAD3 :End\r\n", 3), Some(Answer::Yes));
        assert_eq!(join(b":srv 366 u1 #load30 :End\r\n", 3), None);
        assert_eq!(
            join(
                b":srv 405 u1 #load3 :You have joined too many channels\r\n",
                3
            ),
            Some(Answer::No(
                ":srv 405 u1 #load3 :You have joined too many channels".into()
            ))
        );
        assert_eq!(join(b":srv 421 u1 FOO :Unknown command\r\n", 3), None);
    }

    #[test]
    fn delivered_lines_carry_markers_the_scan_finds() {
        let mut line = b":u3!u3@127.0.0.1 ".to_vec();
        line.extend_from_slice(&say_prefix(0));
        wire::put_data(&mut line, 3, 17, 123_456, 0);
        let mut found = Vec::new();
        wire::scan(&line, |m| found.push(m));
        assert_eq!(
            found,
            [wire::Mark::Data {
                sender: 3,
                seq: 17,
                ts_us: 123_456
            }]
        );
    }
}

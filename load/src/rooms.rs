//! Rooms for `fanout --rooms K` (pure): which room a client goes to, the
//! `/join` it sends, and whether what the server answers says it is in.
//!
//! Client number `n` goes to room `n mod K`, named `#load<n mod K>`, so the
//! first `S` clients (the senders) are spread evenly over the rooms: each
//! room gets `S / K` of them, the first `S mod K` rooms one more. With
//! `K = 1` nobody joins anything and every client stays where the server
//! puts it, as on a server without rooms.
//!
//! The answer is linechat's: the welcome line names the room followed by a
//! colon (`*** Welcome, u5! #load5: 3 online: ...`), which no other line
//! does (a leave notice names it at the end of the line, `*** u5 has left
//! for #load5`); `*** You are already in #load5` also means in. A refusal
//! (`Invalid room name`, `Too many rooms`, or `Unknown command` from a
//! server without rooms) stops the run: every client would get it.

/// The room of client number `n` among `rooms`.
pub fn room_of(n: u64, rooms: u32) -> u32 {
    (n % u64::from(rooms.max(1))) as u32
}

/// Appends the name of room `room`: `#load<room>`.
pub fn put_name(out: &mut Vec<u8>, room: u32) {
    out.extend_from_slice(b"#load");
    crate::wire::put_u64(out, u64::from(room));
}

/// Appends the line that moves a client into room `room`.
pub fn put_join(out: &mut Vec<u8>, room: u32) {
    out.extend_from_slice(b"/join ");
    put_name(out, room);
    out.extend_from_slice(b"\r\n");
}

/// What the server said to a `/join`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The client is in the room.
    Joined,
    /// The server refused, with the line that said so.
    Refused(String),
}

/// Words of a line that refuses a `/join`.
const REFUSALS: [&[u8]; 3] = [b"Invalid room name", b"Too many rooms", b"Unknown command"];

/// The answer to a `/join` to room `room` among whole `lines`, if they hold
/// one; lines about anything else are skipped.
pub fn answer(lines: &[u8], room: u32) -> Option<Answer> {
    let mut welcome = Vec::with_capacity(16);
    put_name(&mut welcome, room);
    let name_len = welcome.len();
    welcome.push(b':');
    let mut already = b"already in ".to_vec();
    already.extend_from_slice(&welcome[..name_len]);
    let welcome = memchr::memmem::Finder::new(&welcome);
    for line in lines.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if welcome.find(line).is_some() || line.ends_with(&already) {
            return Some(Answer::Joined);
        }
        if REFUSALS
            .iter()
            .any(|w| memchr::memmem::find(line, w).is_some())
        {
            return Some(Answer::Refused(String::from_utf8_lossy(line).into_owned()));
        }
    }
    None
}

/// Senders per room at most, when `senders` are spread over `rooms`.
pub fn senders_per_room(senders: u64, rooms: u32) -> u64 {
    senders.div_ceil(u64::from(rooms.max(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_and_senders_spread_evenly() {
        let mut members = [0u32; 4];
        for n in 0..10 {
            members[room_of(n, 4) as usize] += 1;
        }
        assert_eq!(members, [3, 3, 2, 2]);
        // The senders are the first clients: 6 over 4 rooms.
        let mut senders = [0u32; 4];
        for n in 0..6 {
            senders[room_of(n, 4) as usize] += 1;
        }
        assert_eq!(senders, [2, 2, 1, 1]);
        assert_eq!(senders_per_room(6, 4), 2);
        assert_eq!(senders_per_room(100, 100), 1);
        assert!((0..50).all(|n| room_of(n, 1) == 0 && room_of(n, 0) == 0));
    }

    #[test]
    fn the_join_line_names_the_room() {
        let mut out = Vec::new();
        put_join(&mut out, 37);
        assert_eq!(out, b"/join #load37\r\n");
    }

    #[test]
    fn only_the_welcome_to_this_room_answers() {
        let other = b"*** u9 has joined\r\n*** u4 has left for #load5\r\n\
                      *** Welcome, u5! #lobby: 3 online: u1, u5, u9\r\n\
                      *** Welcome, u6! #load50: 2 online: u6, u7\r\n";
        assert_eq!(answer(other, 5), None);
        let with = [
            &other[..],
            b"[12:00:00] *** Welcome, u5! #load5: 1 online: u5\r\n",
        ]
        .concat();
        assert_eq!(answer(&with, 5), Some(Answer::Joined));
        assert_eq!(answer(&with, 50), Some(Answer::Joined));
        assert_eq!(
            answer(b"*** You are already in #load5\r\n", 5),
            Some(Answer::Joined)
        );
        assert_eq!(answer(b"*** You are already in #load50\r\n", 5), None);
    }

    #[test]
    fn refusals_stop_with_their_line() {
        let line = b"*** Too many rooms (max 10); join one that exists, see /rooms\r\n";
        assert_eq!(
            answer(line, 3),
            Some(Answer::Refused(
                "*** Too many rooms (max 10); join one that exists, see /rooms".into()
            ))
        );
        assert!(matches!(
            answer(b"*** Unknown command '/join', try /help\r\n", 0),
            Some(Answer::Refused(_))
        ));
    }
}

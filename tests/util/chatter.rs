//! A well-behaved chat user for the tests that attack the server while
//! others talk (soak, budget): it says numbered lines at a steady pace and
//! checks that every other chatter's lines reach it, all of them, in order.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long a chatter that has said `done` waits for its peers' `done`.
const GRACE: Duration = Duration::from_secs(30);

/// One chatter, logged in as `me`, in a room with `peers` (other chatters).
pub struct Chatter {
    pub me: String,
    pub peers: Vec<String>,
    /// Between two of its lines.
    pub every: Duration,
}

/// What a chatter did: lines sent, and lines received from each peer (in
/// the order of [`Chatter::peers`]), all checked complete and in order.
#[derive(Debug)]
pub struct Chatted {
    pub sent: u64,
    pub got: Vec<u64>,
}

impl Chatter {
    /// Says `N from ME` every [`Chatter::every`] until `stop()`, then
    /// `done`, reading all the while, and returns once every peer's `done`
    /// has arrived. Each line that is not a peer's goes to `other` (a
    /// notice, an attacker's line). An error says what went wrong: a line
    /// of a peer lost, cut or out of order, a control character, a
    /// disconnect, or a peer's `done` not seen within 30 s of its own.
    pub fn run(
        &self,
        s: &mut TcpStream,
        stop: impl Fn() -> bool,
        mut other: impl FnMut(&str),
    ) -> Result<Chatted, String> {
        let me = &self.me;
        s.set_read_timeout(Some(Duration::from_millis(20)))
            .map_err(|e| format!("{me}: {e}"))?;
        let mut got = vec![0u64; self.peers.len()];
        let mut done = vec![false; self.peers.len()];
        let mut sent = 0u64;
        let mut next = Instant::now();
        let mut done_at: Option<Instant> = None;
        let mut buf: Vec<u8> = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        // Until this one has said `done` itself and seen every peer's: the
        // peers' may all arrive before it has seen `stop()` itself.
        while done_at.is_none() || !done.iter().all(|&d| d) {
            let now = Instant::now();
            match done_at {
                None if stop() => {
                    s.write_all(b"done\n").map_err(|e| format!("{me}: {e}"))?;
                    done_at = Some(now);
                }
                None if now >= next => {
                    s.write_all(format!("{sent} from {me}\n").as_bytes())
                        .map_err(|e| format!("{me}: {e}"))?;
                    sent += 1;
                    next = now + self.every;
                }
                Some(at) if now > at + GRACE => {
                    let waiting: Vec<_> = self.peers.iter().zip(&done).filter(|p| !p.1).collect();
                    return Err(format!(
                        "{me} never saw the done of {waiting:?}; lines got {got:?}"
                    ));
                }
                _ => {}
            }
            match s.read(&mut chunk) {
                Ok(0) => return Err(format!("{me} was disconnected; lines got {got:?}")),
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Err(format!("{me}: {e}")),
            }
            let mut start = 0;
            while let Some(end) = buf[start..].windows(2).position(|w| w == b"\r\n") {
                let line = String::from_utf8_lossy(&buf[start..start + end]).into_owned();
                start += end + 2;
                if line.starts_with("*** Disconnected") || line.chars().any(char::is_control) {
                    return Err(format!("{me}: {line:?}"));
                }
                let peer = line.split_once(": ").and_then(|(from, text)| {
                    Some((self.peers.iter().position(|p| p == from)?, from, text))
                });
                let Some((i, from, text)) = peer else {
                    other(&line);
                    continue;
                };
                if text == "done" {
                    done[i] = true;
                } else if done[i] || text != format!("{} from {from}", got[i]) {
                    return Err(format!(
                        "{me}: lost, cut or reordered line from {from}: expected line {} \
                         of it, got {text:?}",
                        got[i]
                    ));
                } else {
                    got[i] += 1;
                }
            }
            buf.drain(..start);
        }
        Ok(Chatted { sent, got })
    }
}

//! Resuming after a node is killed (pure): each of the killed node's users
//! (the victims) keeps the resume code of its welcome, notes which
//! measured lines it read before its connection dropped and which after it
//! came back with `/resume CODE`, and when it came back; the other nodes'
//! users (the watchers) are watched for `*** NAME is back` for each victim.
//!
//! Lines from one sender reach a reader in order, so what a victim read
//! before the drop is, per sender, every sequence number below a mark (a
//! number skipped there is missed at once). After the resume each number
//! at or past the mark is noted once in a bit set: seen again, or below the
//! mark, it was seen twice (telnet cannot say which lines the dead node's
//! client had read: the replay starts after the last position the node
//! wrote, up to a second old). Missed is, per sender, every number from the
//! mark to the last one sent that never came.
//!
//! Reconnects are scheduled here too: a victim is due at its drop, and
//! again [`RETRY_EVERY`] after a connection that failed before the server
//! answered (the balancer may still have sent it to the dead node); a
//! refused code is final.

use crate::leaves::{self, Leaves};
use crate::wire::{self, Mark};

/// Pause before trying again after a reconnect that failed (µs).
pub const RETRY_EVERY: u64 = 100_000;

/// Reconnects a victim may try before it gives up.
pub const ATTEMPTS: u32 = 50;

/// Highest sequence number noted after a resume: a bound on the bit sets.
const MAX_SEQ: u64 = 1 << 24;

/// What the welcome says the code is after.
const CODE_HEAD: &[u8] = b"Resume code: ";

/// The heading of the lines replayed after `/resume`: `*** Missed in #room
/// while you were away, N lines:`, or `*** Nothing was said in #room while
/// you were away`.
const REPLAY_HEAD: &[u8] = b" while you were away";

/// What follows the count of missed lines the replay left out, in the
/// heading `*** Missed in #room while you were away, N lines (and M earlier
/// lines not shown):`.
const NOT_SHOWN: &[u8] = b" earlier lines not shown";

/// Longest code kept.
const MAX_CODE: usize = 32;

/// Where one victim is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// On its first connection.
    First,
    /// Dropped; reconnects at this time (µs).
    Due(u64),
    /// A reconnect is under way.
    Reconnecting,
    /// Back, at this time (µs): its welcome came after `/resume`.
    Back(u64),
    /// Its code was refused, it had none, or it ran out of attempts.
    Lost,
}

/// One victim.
#[derive(Debug)]
struct Victim {
    code: Option<Box<str>>,
    stage: Stage,
    /// Per sender: the next number expected on the first connection.
    mark: Vec<u64>,
    /// Per sender: numbers at or past the mark read after the resume, one
    /// bit each from the mark on.
    after: Vec<Vec<u64>>,
    /// Distinct numbers at or past the marks read after the resume.
    fresh: u64,
    /// Numbers skipped on the first connection.
    gaps: u64,
    /// Lines read twice.
    twice: u64,
    /// Missed lines the server said it left out of the replay.
    not_shown: u64,
    /// When the heading of its replay came (µs).
    replay_us: Option<u64>,
    attempts: u32,
}

/// Every victim, and the watchers' `is back` notices.
#[derive(Debug)]
pub struct Resumes {
    nodes: u64,
    victim_node: u64,
    senders: usize,
    victims: Vec<Victim>,
    /// Which watcher has seen which victim back.
    pub backs: Leaves,
    /// The node is dead: a victim's closed connection is a drop to resume.
    pub armed: bool,
    /// Lines each sender had sent when the node was killed.
    pub sent_at_kill: Vec<u64>,
    /// Reconnects started.
    pub reconnects: u64,
    /// Codes the server refused.
    pub refused: u64,
}

/// What the victims came to, for the report.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outcome {
    /// Victims whose first connection dropped.
    pub dropped: u64,
    /// Of them, back through `/resume`.
    pub resumed: u64,
    /// Lines sent that a resumed victim never read.
    pub missed: u64,
    /// Lines a resumed victim read twice.
    pub twice: u64,
    /// Of the missed lines, those the server said it left out (its
    /// replay is capped at `--history` lines a room).
    pub not_shown: u64,
    /// Of the missed lines, those sent before the kill.
    pub missed_before_kill: u64,
    /// Each resumed victim's time from `from_us` to its welcome (µs),
    /// sorted.
    pub back_us: Vec<u64>,
    /// The same to the heading of its replay (µs), sorted; a victim whose
    /// replay never came is left out.
    pub replay_us: Vec<u64>,
    /// One of the missed lines, for the report: (victim's number, sender,
    /// sequence number).
    pub example: Option<(u64, usize, u64)>,
}

impl Resumes {
    /// The victims are the clients of `victim_node` among `clients` spread
    /// over `nodes`, named `<prefix><n>`, reading `senders` senders' lines.
    pub fn new(prefix: &str, clients: u64, nodes: u32, victim_node: u32, senders: usize) -> Self {
        let count = leaves::count_on(clients, u64::from(nodes), u64::from(victim_node));
        let victims = (0..count)
            .map(|_| Victim {
                code: None,
                stage: Stage::First,
                mark: vec![0; senders],
                after: vec![Vec::new(); senders],
                fresh: 0,
                gaps: 0,
                twice: 0,
                not_shown: 0,
                replay_us: None,
                attempts: 0,
            })
            .collect();
        let mut backs = Leaves::watching(prefix, clients, nodes, victim_node, " is back");
        backs.arm();
        Resumes {
            nodes: u64::from(nodes),
            victim_node: u64::from(victim_node),
            senders,
            victims,
            backs,
            armed: false,
            sent_at_kill: vec![0; senders],
            reconnects: 0,
            refused: 0,
        }
    }

    /// Client `number`'s victim index, if it is one.
    fn index(&self, number: u64) -> Option<usize> {
        let i = (number / self.nodes) as usize;
        (number % self.nodes == self.victim_node && i < self.victims.len()).then_some(i)
    }

    /// Notes what client `number` read in `lines` (whole lines) at `now_us`:
    /// a victim's code and measured lines; a watcher's `is back` notices.
    pub fn scan(&mut self, number: u64, lines: &[u8], now_us: u64) {
        let Some(i) = self.index(number) else {
            return self.backs.scan(number, lines, now_us);
        };
        let v = &mut self.victims[i];
        if v.stage == Stage::First
            && let Some(code) = code_in(lines)
        {
            v.code = Some(code);
        } else if v.stage != Stage::First && memchr::memmem::find(lines, REPLAY_HEAD).is_some() {
            v.not_shown += not_shown_in(lines);
            v.replay_us.get_or_insert(now_us);
        }
        let senders = self.senders;
        wire::scan(lines, |mark| {
            if let Mark::Data { sender, seq, .. } = mark
                && (sender as usize) < senders
            {
                v.read(sender as usize, seq);
            }
        });
    }

    /// Victim `number`'s first connection closed at `now_us`: it is due to
    /// reconnect (or lost, without a code). False if it is no victim on
    /// its first connection.
    pub fn dropped(&mut self, number: u64, now_us: u64) -> bool {
        let Some(v) = self.index(number).map(|i| &mut self.victims[i]) else {
            return false;
        };
        if v.stage != Stage::First {
            return false;
        }
        v.stage = match v.code {
            Some(_) => Stage::Due(now_us),
            None => Stage::Lost,
        };
        true
    }

    /// Victims due to reconnect at `now_us`, with their codes; each is
    /// counted as reconnecting from now.
    pub fn take_due(&mut self, now_us: u64) -> Vec<(u64, Box<str>)> {
        let mut due = Vec::new();
        for (i, v) in self.victims.iter_mut().enumerate() {
            if matches!(v.stage, Stage::Due(at) if at <= now_us) {
                v.stage = Stage::Reconnecting;
                v.attempts += 1;
                let number = i as u64 * self.nodes + self.victim_node;
                due.push((number, v.code.clone().expect("due only with a code")));
            }
        }
        self.reconnects += due.len() as u64;
        due
    }

    /// When the next reconnect is due (µs), if one waits.
    pub fn next_due(&self) -> Option<u64> {
        self.victims
            .iter()
            .filter_map(|v| match v.stage {
                Stage::Due(at) => Some(at),
                _ => None,
            })
            .min()
    }

    /// Victim `number`'s reconnect ended at `now_us`: `Some(true)` back in,
    /// `Some(false)` its code refused, `None` failed before an answer
    /// (tried again later, while attempts last).
    pub fn reconnected(&mut self, number: u64, answer: Option<bool>, now_us: u64) {
        let Some(v) = self.index(number).map(|i| &mut self.victims[i]) else {
            return;
        };
        if v.stage != Stage::Reconnecting {
            return;
        }
        v.stage = match answer {
            Some(true) => Stage::Back(now_us),
            Some(false) => {
                self.refused += 1;
                Stage::Lost
            }
            None if v.attempts < ATTEMPTS => Stage::Due(now_us + RETRY_EVERY),
            None => Stage::Lost,
        };
    }

    /// Whether every victim has dropped and come to an end (back or lost).
    pub fn settled(&self) -> bool {
        self.victims
            .iter()
            .all(|v| matches!(v.stage, Stage::Back(_) | Stage::Lost))
    }

    /// Whether every victim is back with every line of `sent` (per sender)
    /// that it had not read before the drop.
    pub fn complete(&self, sent: &[u64]) -> bool {
        self.victims
            .iter()
            .all(|v| matches!(v.stage, Stage::Back(_)) && v.missed(sent) == 0 && v.gaps == 0)
    }

    /// What the victims came to, their times counted from `from_us`, given
    /// the lines each sender sent.
    pub fn outcome(&self, sent: &[u64], from_us: u64) -> Outcome {
        let mut o = Outcome::default();
        for (i, v) in self.victims.iter().enumerate() {
            if v.stage == Stage::First {
                continue;
            }
            if o.example.is_none()
                && let Some((sender, seq)) = v.first_missed(sent)
            {
                o.example = Some((i as u64 * self.nodes + self.victim_node, sender, seq));
            }
            o.dropped += 1;
            if let Stage::Back(at) = v.stage {
                o.resumed += 1;
                o.missed += v.missed(sent) + v.gaps;
                o.missed_before_kill += v.missed_below(&self.sent_at_kill) + v.gaps;
                o.twice += v.twice;
                o.not_shown += v.not_shown;
                o.back_us.push(at.saturating_sub(from_us));
                o.replay_us
                    .extend(v.replay_us.map(|at| at.saturating_sub(from_us)));
            }
        }
        o.back_us.sort_unstable();
        o.replay_us.sort_unstable();
        o
    }
}

impl Victim {
    /// Notes line `seq` of `sender`, read now.
    fn read(&mut self, sender: usize, seq: u64) {
        let mark = &mut self.mark[sender];
        if self.stage == Stage::First {
            match seq.cmp(mark) {
                std::cmp::Ordering::Less => self.twice += 1,
                std::cmp::Ordering::Equal => *mark += 1,
                std::cmp::Ordering::Greater => {
                    self.gaps += seq - *mark;
                    *mark = seq + 1;
                }
            }
            return;
        }
        if seq < *mark {
            self.twice += 1;
            return;
        }
        let bit = seq - *mark;
        if bit >= MAX_SEQ {
            return;
        }
        let words = &mut self.after[sender];
        let (word, mask) = ((bit / 64) as usize, 1u64 << (bit % 64));
        if words.len() <= word {
            words.resize(word + 1, 0);
        }
        if words[word] & mask != 0 {
            self.twice += 1;
        } else {
            words[word] |= mask;
            self.fresh += 1;
        }
    }

    /// The first line of `sent` (per sender) past its marks not read after
    /// the resume: (sender, sequence number).
    fn first_missed(&self, sent: &[u64]) -> Option<(usize, u64)> {
        (self.mark.iter().zip(sent).enumerate()).find_map(|(s, (&mark, &sent))| {
            let words = &self.after[s];
            (mark..sent)
                .find(|&seq| {
                    let bit = seq - mark;
                    words
                        .get((bit / 64) as usize)
                        .is_none_or(|w| w & (1 << (bit % 64)) == 0)
                })
                .map(|seq| (s, seq))
        })
    }

    /// Lines below `limit` (per sender) past its marks not read after the
    /// resume.
    fn missed_below(&self, limit: &[u64]) -> u64 {
        let senders = self.mark.iter().zip(limit).zip(&self.after);
        (senders.map(|((&mark, &limit), words)| {
            let read = (mark..limit.max(mark)).filter(|&seq| {
                let bit = seq - mark;
                words
                    .get((bit / 64) as usize)
                    .is_some_and(|w| w & (1 << (bit % 64)) != 0)
            });
            limit.saturating_sub(mark) - read.count() as u64
        }))
        .sum()
    }

    /// Lines of `sent` (per sender) past its marks not read after the
    /// resume.
    fn missed(&self, sent: &[u64]) -> u64 {
        let owed: u64 = (self.mark.iter().zip(sent))
            .map(|(&mark, &sent)| sent.saturating_sub(mark))
            .sum();
        owed.saturating_sub(self.fresh)
    }
}

/// The resume code in `lines`, from linechat's `*** Resume code: CODE
/// (type /resume CODE after reconnecting)`.
pub fn code_in(lines: &[u8]) -> Option<Box<str>> {
    let at = memchr::memmem::find(lines, CODE_HEAD)? + CODE_HEAD.len();
    let rest = &lines[at..];
    let end = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'-'))
        .unwrap_or(rest.len());
    let code = &rest[..end];
    (!code.is_empty() && code.len() <= MAX_CODE).then(|| String::from_utf8_lossy(code).into())
}

/// How many missed lines the headings in `lines` say were left out.
fn not_shown_in(lines: &[u8]) -> u64 {
    memchr::memmem::find_iter(lines, NOT_SHOWN)
        .filter_map(|at| {
            let before = &lines[..at];
            let digits = before
                .iter()
                .rev()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let number = &before[before.len() - digits..];
            let head = &before[..before.len() - digits];
            (head.ends_with(b"(and ") && (1..=19).contains(&digits)).then(|| {
                number
                    .iter()
                    .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
            })
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    const WELCOME: &[u8] = b"*** Welcome, u1! #lobby: 2 online: u0, u1\r\n\
        *** Resume code: 7KQM-Z4P2-XH8C (type /resume 7KQM-Z4P2-XH8C after reconnecting)\r\n";

    #[test]
    fn the_code_comes_from_the_welcome() {
        assert_eq!(code_in(WELCOME).as_deref(), Some("7KQM-Z4P2-XH8C"));
        assert_eq!(
            code_in(b"[12:00:00] *** Resume code: AB-CD\r\n").as_deref(),
            Some("AB-CD")
        );
        assert_eq!(code_in(b"*** Welcome, u1!\r\n"), None);
        assert_eq!(code_in(b"*** Resume code: \r\n"), None);
    }

    /// Two nodes, four clients: u1 and u3 are the victims; two senders.
    fn four() -> Resumes {
        let mut r = Resumes::new("u", 4, 2, 1, 2);
        r.armed = true;
        for n in [1, 3] {
            r.scan(n, WELCOME, 0);
        }
        r
    }

    fn lines(marks: &[(u32, u64)]) -> Vec<u8> {
        let mut out = Vec::new();
        for &(sender, seq) in marks {
            out.extend_from_slice(b"u0: ");
            wire::put_data(&mut out, sender, seq, 5, 0);
        }
        out
    }

    #[test]
    fn a_victim_that_resumes_with_every_line_missed_nothing() {
        let mut r = four();
        r.scan(1, &lines(&[(0, 0), (1, 0), (0, 1)]), 1);
        assert!(r.dropped(1, 10) && r.dropped(3, 10));
        assert!(!r.dropped(0, 10) && !r.dropped(1, 10));
        assert_eq!(r.take_due(5), []);
        let due = r.take_due(10);
        assert_eq!(due.len(), 2);
        assert_eq!((due[0].0, &*due[0].1), (1, "7KQM-Z4P2-XH8C"));
        r.reconnected(1, Some(true), 500);
        r.reconnected(3, Some(true), 700);
        // u1 gets the line it had again, then the rest; u3 everything.
        r.scan(1, &lines(&[(0, 1), (1, 1), (0, 2)]), 800);
        r.scan(3, &lines(&[(0, 0), (0, 1), (0, 2), (1, 0), (1, 1)]), 800);
        assert!(r.complete(&[3, 2]));
        let o = r.outcome(&[3, 2], 10);
        assert_eq!((o.dropped, o.resumed, o.missed, o.twice), (2, 2, 0, 1));
        assert_eq!(o.back_us, [490, 690]);
        assert!(r.settled());
    }

    #[test]
    fn a_line_never_read_is_missed_and_one_read_again_is_twice() {
        let mut r = four();
        r.scan(1, &lines(&[(0, 0)]), 1);
        r.dropped(1, 10);
        r.take_due(10);
        r.reconnected(1, Some(true), 20);
        r.scan(1, &lines(&[(0, 2), (0, 2), (0, 0)]), 30);
        // Sender 0 sent 3 (0 read before, 2 twice after, 1 never), sender
        // 1 sent 1 (never).
        assert!(!r.complete(&[3, 1]));
        r.sent_at_kill = vec![2, 0];
        let o = r.outcome(&[3, 1], 0);
        assert_eq!((o.dropped, o.resumed, o.missed, o.twice), (1, 1, 2, 2));
        // Line 1 of sender 0 was sent before the kill.
        assert_eq!(o.missed_before_kill, 1);
        assert_eq!(o.example, Some((1, 0, 1)));
        // u3 never dropped: it is not settled, and not counted.
        assert!(!r.settled());
    }

    #[test]
    fn the_lines_the_server_left_out_are_counted() {
        let head = b"*** Missed in #lobby while you were away, 100 lines (and 240 earlier \
            lines not shown):\r\n";
        assert_eq!(not_shown_in(head), 240);
        assert_eq!(not_shown_in(b"u0: (and 7 earlier lines not shown\r\n"), 7);
        assert_eq!(
            not_shown_in(b"*** Missed in #lobby while you were away, 3 lines:\r\n"),
            0
        );
        assert_eq!(not_shown_in(b"u0: 5 earlier lines not shown\r\n"), 0);
        let mut r = four();
        r.dropped(1, 0);
        r.take_due(0);
        r.reconnected(1, Some(true), 5);
        r.scan(1, head, 6);
        let o = r.outcome(&[340], 0);
        assert_eq!((o.missed, o.not_shown), (340, 240));
        assert_eq!(o.replay_us, [6]);
    }

    #[test]
    fn a_gap_before_the_drop_is_missed() {
        let mut r = four();
        r.scan(1, &lines(&[(0, 0), (0, 3)]), 1);
        r.dropped(1, 10);
        r.take_due(10);
        r.reconnected(1, Some(true), 20);
        assert_eq!(r.outcome(&[4, 0], 0).missed, 2);
    }

    #[test]
    fn failed_reconnects_are_retried_and_refused_codes_are_final() {
        let mut r = four();
        r.dropped(1, 0);
        r.dropped(3, 0);
        r.take_due(0);
        r.reconnected(1, None, 50);
        r.reconnected(3, Some(false), 50);
        assert_eq!(r.next_due(), Some(50 + RETRY_EVERY));
        assert_eq!(r.take_due(50 + RETRY_EVERY).len(), 1);
        assert_eq!((r.reconnects, r.refused), (3, 1));
        for _ in 1..ATTEMPTS {
            r.reconnected(1, None, 0);
            r.take_due(u64::MAX);
        }
        r.reconnected(1, None, 0);
        assert!(r.settled());
        assert_eq!(r.outcome(&[0, 0], 0).resumed, 0);
    }

    #[test]
    fn a_victim_without_a_code_is_lost_at_its_drop() {
        let mut r = Resumes::new("u", 4, 2, 1, 1);
        assert!(r.dropped(1, 0));
        assert_eq!(r.take_due(0), []);
        let o = r.outcome(&[0], 0);
        assert_eq!((o.dropped, o.resumed), (1, 0));
    }

    #[test]
    fn watchers_see_victims_back() {
        let mut r = four();
        r.scan(0, b"*** u1 is back\r\n*** u3 is back\r\n", 5);
        r.scan(2, b"*** u1 is back\r\n[12:00:00] *** u3 is back\r\n", 9);
        assert!(r.backs.done());
        assert_eq!(r.backs.all_us, Some(9));
    }
}

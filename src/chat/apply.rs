//! Applying a room event: the room changes, and what local members see is
//! rendered once. Local events and (later) events from elsewhere take the
//! same path. Above `--quiet-joins`, joins and leaves are counted into a
//! digest instead of being told one by one.

use super::{Chat, Delivery, LOBBY, Now, RoomEvent};
use std::time::Instant;

/// Joins and leaves counted while a room is above `--quiet-joins`, told as
/// one line when the digest interval has passed since the first of them.
#[derive(Debug, Default)]
pub(super) struct Digest {
    joined: u32,
    left: u32,
    /// When the line is due; `None` while nothing is counted.
    due: Option<Instant>,
}

impl Chat {
    /// Applies a room event: updates the room, renders what local members
    /// see, and records the event in the output.
    pub fn apply(&mut self, event: RoomEvent, now: &Now) {
        match &event {
            RoomEvent::Joined { room, member, name } => {
                let local = self.locals.get(member).copied();
                self.room.join(*member, name, local, now.instant);
                if self.is_quiet() {
                    self.digest.joined += 1;
                    self.start_digest(now);
                } else {
                    let joined = self.render.notice(now.wall, &[name, " has joined"]);
                    self.broadcast(*room, local, joined, 1);
                }
            }
            RoomEvent::Said {
                room,
                member,
                lines,
                count,
            } => {
                self.room.touch(*member, now.instant);
                let except = self.room.local_of(*member);
                self.broadcast(*room, except, lines.clone(), *count);
            }
            RoomEvent::Renamed {
                room,
                member,
                old,
                new,
            } => {
                self.room.rename(*member, new);
                let told = self
                    .render
                    .notice(now.wall, &[old, " is now known as ", new]);
                let except = self.room.local_of(*member);
                self.broadcast(*room, except, told, 1);
            }
            RoomEvent::Left {
                room, member, name, ..
            } => {
                let quiet = self.is_quiet();
                self.room.leave(*member);
                if quiet {
                    self.digest.left += 1;
                    self.start_digest(now);
                } else {
                    let left = self.render.notice(now.wall, &[name, " has left"]);
                    self.broadcast(*room, None, left, 1);
                }
            }
            RoomEvent::Private { from, to, line } => {
                self.room.touch(*from, now.instant);
                if let Some(local) = self.room.local_of(*to) {
                    self.to(local, line.clone());
                }
            }
        }
        self.out.events.push(event);
    }

    /// The digest of joins and leaves is due: tell the room.
    pub fn digest_due(&mut self, now: &Now) {
        let Some(due) = self.digest.due else {
            return;
        };
        if now.instant < due {
            self.out.deliveries.push(Delivery::WakeAt(due));
            return;
        }
        self.end_turn(now);
        let Digest { joined, left, .. } = std::mem::take(&mut self.digest);
        let secs = self.digest_interval.as_secs().to_string();
        let (joined, left) = (joined.to_string(), left.to_string());
        let counts: &[&str] = match (joined.as_str(), left.as_str()) {
            (j, "0") => &[j, " joined"],
            ("0", l) => &[l, " left"],
            (j, l) => &[j, " joined, ", l, " left"],
        };
        let mut parts = counts.to_vec();
        parts.extend_from_slice(&[" in the last ", &secs, " s"]);
        let line = self.render.notice(now.wall, &parts);
        self.broadcast(LOBBY, None, line, 1);
    }

    /// Whether the room is big enough that joins and leaves are digested.
    fn is_quiet(&self) -> bool {
        self.quiet_joins > 0 && self.room.len() > self.quiet_joins
    }

    /// Starts the digest's interval unless it is running.
    fn start_digest(&mut self, now: &Now) {
        if self.digest.due.is_none() {
            let due = now.instant + self.digest_interval;
            self.digest.due = Some(due);
            self.out.deliveries.push(Delivery::WakeAt(due));
        }
    }
}

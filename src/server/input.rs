//! Reading: each ready connection is read into the shared scratch buffer,
//! framed into lines within its per-turn budget and its flood bucket, and
//! each line is handed to the chat core. What is not handled this turn
//! stays in the connection's reader.

use super::timers::{ConnTimer, Timer};
use super::{Server, Slot};
use crate::chat::{Farewell, Input};
use crate::conn::Received;
use crate::framing::Frame;
use log::debug;
use std::time::Instant;

/// Lines one connection may have handled per turn, so a flooder cannot
/// starve the others; the rest waits in its reader for the next iteration.
const LINES_PER_TURN: usize = 64;

/// Reads (of up to the scratch buffer's size) one connection may do per turn.
const READS_PER_TURN: usize = 4;

/// Where one connection's turn stands.
#[derive(Debug)]
enum Turn {
    /// Go on.
    More,
    /// The turn is over (budget spent, paused, drained, or closing).
    Over,
}

impl Server {
    /// Serves connections whose input was left over last time.
    pub(super) fn serve_backlog(&mut self) {
        if self.shutdown_deadline.is_some() {
            self.later.backlog.take();
            return;
        }
        let backlog = self.later.backlog.take();
        self.handshakes.serving_backlog(true);
        for &key in &backlog {
            if let Some(Slot::Client(conn)) = self.slots.get(key)
                && !conn.paused
            {
                self.serve_input(key);
            }
        }
        self.handshakes.serving_backlog(false);
        self.later.backlog.recycle(backlog);
    }

    /// One turn of a connection: lines already held first, then fresh reads
    /// until `WouldBlock`, within the turn's budget and the flood bucket.
    /// The core hears the end of the turn, which sends the batched lines.
    pub(super) fn serve_input(&mut self, key: usize) {
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut line = std::mem::take(&mut self.line);
        self.read_lines(key, &mut scratch, &mut line);
        self.scratch = scratch;
        self.line = line;
        self.core(Input::EndTurn);
    }

    fn read_lines(&mut self, key: usize, scratch: &mut [u8], line: &mut String) {
        let flood = self.admission.rates();
        let read_size = flood.read_size(scratch.len());
        let mut lines_left = LINES_PER_TURN;
        let mut reads_left = READS_PER_TURN;
        let mut filled = 0;
        loop {
            let mut input = &scratch[..filled];
            while let Turn::More = self.next_frame(key, &mut input, &mut lines_left, line) {}
            if !input.is_empty() {
                return; // Stashed: the turn ended inside the input.
            }
            if self.web_done_reading(key) {
                return; // Answered, or the WebSocket closed: nothing more is read.
            }
            let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
                return;
            };
            if !conn.readable || conn.closing.is_some() || conn.paused || self.chat.waiting(key) {
                return;
            }
            if lines_left == 0 || reads_left == 0 {
                self.later.backlog.insert(key);
                return;
            }
            // A TLS handshake step is pure CPU: within this turn's share.
            let handshaking = conn.handshaking();
            if handshaking && !self.handshakes.allows() {
                self.later.backlog.insert(key);
                return;
            }
            reads_left -= 1;
            let cost_before = conn.queued_cost();
            let started = handshaking.then(Instant::now);
            let received = conn.receive(&mut scratch[..read_size]);
            if let Some(started) = started {
                self.handshakes.spend(started.elapsed());
            }
            // A read can queue telnet replies: they count like any output.
            super::output::recount(&mut self.output_cost, cost_before, conn.queued_cost());
            filled = match received {
                Ok(Received::Data {
                    len,
                    replied,
                    commands,
                }) => {
                    if replied {
                        self.later.flush.insert(key);
                    }
                    if let Some(event) = conn.web().and_then(crate::web::Web::take_event) {
                        super::web::count(&mut self.metrics, event);
                    }
                    flood.spend_commands(&mut conn.bucket, commands);
                    len
                }
                Ok(Received::Drained) => {
                    if conn.wants_flush() {
                        self.later.flush.insert(key); // A TLS handshake's answer.
                    }
                    return;
                }
                Ok(Received::Eof) => {
                    // The client is gone: a last unterminated line still counts.
                    let mut end: &[u8] = b"\n";
                    if let Some(frame) = conn.next_line(&mut end, self.config.max_line, line) {
                        self.handle_frame(key, frame, line);
                    }
                    self.mark_close(key, Farewell::Eof);
                    return;
                }
                Err(e) => {
                    debug!("read from {} failed: {e}", conn.peer);
                    self.mark_close(key, Farewell::Error);
                    return;
                }
            };
        }
    }

    /// Frames and handles the next line of `input` (held bytes first). When
    /// the turn ends inside the input, what is left is stashed in the reader.
    fn next_frame(
        &mut self,
        key: usize,
        input: &mut &[u8],
        lines_left: &mut usize,
        line: &mut String,
    ) -> Turn {
        let max_line = self.config.max_line;
        let now = self.now.instant;
        let Some(Slot::Client(conn)) = self.slots.get_mut(key) else {
            return Turn::Over;
        };
        if conn.closing.is_some() {
            *input = &[];
            return Turn::Over;
        }
        if *lines_left == 0 {
            conn.stash(input);
            self.later.backlog.insert(key);
            return Turn::Over;
        }
        if self.chat.waiting(key) {
            // A claim is out: what follows waits for its answer, which
            // puts the connection in the backlog again.
            conn.stash(input);
            return Turn::Over;
        }
        // Out of tokens (its own, or its address's) means not reading: what
        // the client sends next waits in the kernel, which pushes back.
        let flood = self.admission.rates();
        let address = self.admission.flood(conn.peer.ip());
        if let Err(refill) = flood.check_line(&mut conn.bucket, address, now) {
            conn.stash(input);
            conn.paused = true;
            self.metrics.flood_pauses += 1;
            self.timers
                .schedule(refill, Timer::conn(ConnTimer::Refill, key, conn.id));
            return Turn::Over;
        }
        let Some(frame) = conn.next_line(input, max_line, line) else {
            return Turn::Over; // Held: an unfinished line, `input` is empty.
        };
        flood.spend_line(&mut conn.bucket, self.admission.flood(conn.peer.ip()));
        *lines_left -= 1;
        self.handle_frame(key, frame, line);
        Turn::More
    }

    /// Hands one framed line from the connection at `key` to the core (an
    /// IRC connection's goes to the IRC edge first).
    fn handle_frame(&mut self, key: usize, frame: Frame, line: &str) {
        if let Some(Slot::Client(conn)) = self.slots.get(key)
            && conn.irc_ref().is_some()
        {
            return self.irc_frame(key, frame, line);
        }
        let input = match frame {
            Frame::TooLong => Input::TooLong(key),
            Frame::Line => Input::Line {
                local: key,
                text: line,
            },
        };
        self.core(input);
    }
}

//! The reactor's side of the engine (`crate::engine`): its sockets in the
//! slab and the poll, its timers and flush in the loop, the core's
//! requests handed to it, and what it tells handed to the core.

use super::{Server, Slot};
use crate::chat::{Farewell, Input, MemberId};
use crate::engine::{Role, Told};
use log::info;
use mio::Token;
use std::io;

impl Server {
    /// Registers the engine's sockets (none for memory) in the slab and
    /// the poll, and tells the core whether rooms are shared.
    pub(super) fn start_engine(&mut self) -> io::Result<()> {
        for &role in self.engine.roles() {
            let key = self.slots.insert(Slot::Engine(role));
            (self.engine).register(role, self.poll.registry(), Token(key))?;
        }
        self.chat.share_rooms(self.engine.shared());
        self.metrics.redis = self.engine.counts();
        Ok(())
    }

    /// Readiness of one of the engine's sockets.
    pub(super) fn engine_ready(&mut self, role: Role, event: &mio::event::Event) {
        self.engine.ready(role, event, &self.now);
        self.hand_in_told();
    }

    /// The engine's timers that are due.
    pub(super) fn engine_timers(&mut self) {
        let stopping = self.shutdown_deadline.is_some();
        self.engine.timers(&self.now, stopping);
        self.hand_in_told();
    }

    /// Before and after the clients' output is flushed: the engine writes
    /// what was queued.
    pub(super) fn engine_flush(&mut self) {
        let half = self.config.max_outbuf / 2;
        let (slots, output_cost) = (&self.slots, self.output_cost);
        // Whether every reader has room for another page of catching up.
        let readers_ready = || {
            output_cost <= half
                || (slots.iter()).all(|(_, slot)| match slot {
                    Slot::Client(conn) => conn.queued_cost() <= half,
                    _ => true,
                })
        };
        (self.engine).flush(self.poll.registry(), &self.now, &readers_ready);
        self.hand_in_told();
        self.metrics.redis = self.engine.counts();
    }

    /// A stopping node: the other nodes are told its users left.
    pub(super) fn leave_cluster(&mut self) {
        if self.engine.shared() {
            let leaves = self.chat.leaves(Farewell::Shutdown);
            self.engine.leave(&leaves, &self.now);
        }
    }

    /// Hands what the engine has to tell to the core, the core's output
    /// applied after each (`hand_in_told` calls this until none is left).
    pub(super) fn engine_told(&mut self) {
        let mut told = Vec::new();
        self.engine.take_told(&mut told);
        for one in told {
            self.tell_core(one);
        }
    }

    fn tell_core(&mut self, told: Told) {
        match told {
            Told::Claimed {
                member,
                name,
                answer,
            } => {
                let waited = self.core_once(Input::Claimed { member, answer });
                if !waited && answer == crate::chat::Claimed::Granted {
                    self.engine.release(member, &name, &self.now); // Its claimant left.
                }
            }
            Told::History {
                member,
                room,
                lines,
                more,
                ask,
            } => {
                let (room, lines) = (&*room, &lines[..]);
                self.core_once(Input::History {
                    member,
                    room,
                    lines,
                    more,
                    ask,
                });
            }
            Told::Recalled { member, record } => {
                self.core_once(Input::Recalled { member, record });
            }
            Told::HistoryBusy(member) => {
                self.core_once(Input::HistoryBusy(member));
            }
            Told::Topic { room, topic } => {
                let (room, topic) = (&*room, &*topic);
                self.core_once(Input::Topic { room, topic });
            }
            Told::Event { event, rooms } => {
                let fitted = self.core_once(Input::Remote {
                    event,
                    rooms: &rooms,
                });
                self.engine.applied(fitted);
            }
            Told::Listing { node, members } => {
                let members = &members[..];
                self.core_once(Input::Listing { node, members });
            }
            Told::Alive(live) => self.nodes_alive(&live),
            Told::NameLost(member) => {
                self.core_once(Input::NameLost(member));
            }
            Told::Displaced(member) => {
                self.core_once(Input::Displaced(member));
            }
            Told::Linked(linked) => {
                self.core_once(Input::Linked(linked));
            }
        }
    }

    /// Nodes this node shows members of that are not alive have stopped:
    /// their members leave.
    fn nodes_alive(&mut self, live: &[u16]) {
        for node in self.chat.remote_nodes() {
            if !live.contains(&node) {
                info!("node {node:04x} stopped answering: its users have left");
                self.engine.nodes_lost(1);
                self.core_once(Input::Listing { node, members: &[] });
            }
        }
    }

    /// Sends a claim the core asked for.
    pub(super) fn claim(
        &mut self,
        member: MemberId,
        name: &str,
        release: Option<&str>,
        verified: bool,
    ) {
        (self.engine).claim(member, name, release, verified, &self.now);
    }
}

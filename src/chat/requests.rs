//! How the core answers each [`Request`] of a client that speaks in
//! requests (IRC). Each action is the same function telnet's command
//! table calls; what differs is only how the answer is asked for.

use super::{Chat, Farewell, Local, Now, Request};

impl Chat {
    /// One request from `local`.
    pub(super) fn request(&mut self, local: Local, request: Request<'_>, now: &Now) {
        self.end_turn(now);
        // The rest are answered as they land (see irc-seam.md).
        if let Request::Quit(_) = request {
            self.close_with(local, Farewell::Quit);
        }
    }

    /// Whether `local` is shown its own lines (IRC's `echo-message`).
    pub(super) fn set_echo(&mut self, local: Local, on: bool) {
        if let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) {
            client.echo = on;
        }
    }

    /// The name of room `room`, for rendering a delivery to it (IRC names
    /// the channel in every line); `None` once the room is gone (then
    /// nobody local is in it either).
    pub fn room_name(&self, room: super::RoomId) -> Option<&str> {
        self.rooms.get(room).map(|r| &*r.name)
    }
}

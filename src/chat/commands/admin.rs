//! Server operators' commands: `/kill NAME [REASON]` and `/announce TEXT`,
//! on every node. They need `--admins` (without it `/help` does not list
//! them) and the [`Role::ServerOperator`] role: anyone else is told the
//! role they need. See `chat/operators.rs`.

use super::{Args, Caller, Command, Needs, Role, Shape};
use crate::chat::{AdminAction, Chat, Now};

pub(super) const COMMANDS: &[Command] = &[
    Command {
        name: "kill",
        aliases: &[],
        params: "NAME [REASON]",
        help: "disconnect a user, on any node (server operators)",
        shape: Shape::Text,
        before_login: false,
        in_turn: false,
        needs: Needs::Admins,
        role: Role::ServerOperator,
        run: Chat::kill_command,
    },
    Command {
        name: "announce",
        aliases: &[],
        params: "TEXT",
        help: "tell every room on every node (server operators)",
        shape: Shape::Text,
        before_login: false,
        in_turn: false,
        needs: Needs::Admins,
        role: Role::ServerOperator,
        run: Chat::announce,
    },
];

impl Chat {
    /// `/kill NAME [REASON]`.
    fn kill_command(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let (name, reason) = match args.text().split_once(char::is_whitespace) {
            Some((name, reason)) => (name, reason),
            None => (args.text(), ""),
        };
        self.kill(by, name, reason, now);
    }

    /// `/announce TEXT`.
    fn announce(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let action = AdminAction::Announce(args.text().into());
        self.admin(by, action, now);
    }
}

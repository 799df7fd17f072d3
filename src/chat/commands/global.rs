//! Server-wide bans and mutes, for server operators (see
//! `chat/global_bans.rs`): `/gban`, `/gunban`, `/gmute`, `/gunmute`. They
//! need `--admins` and the [`Role::ServerOperator`] role: anyone else is
//! told the role they need.

use super::{Args, Caller, Command, Needs, Role, Shape};
use crate::chat::{Chat, Now};

/// One command of the family: everything but its name, help and handler
/// is the same.
const fn global(
    name: &'static str,
    params: &'static str,
    help: &'static str,
    run: super::Handler,
) -> Command {
    Command {
        name,
        aliases: &[],
        params,
        help,
        shape: Shape::Text,
        before_login: false,
        in_turn: false,
        needs: Needs::Admins,
        role: Role::ServerOperator,
        run,
    }
}

pub(super) const COMMANDS: &[Command] = &[
    global(
        "gban",
        "NAME|MASK|CIDR [LENGTH]",
        "ban from the whole server, on every node (server operators)",
        Chat::gban,
    ),
    global(
        "gunban",
        "NAME|MASK|CIDR",
        "lift a server-wide ban (server operators)",
        Chat::gunban,
    ),
    global(
        "gmute",
        "NAME|MASK [LENGTH]",
        "let nobody on the server hear NAME (server operators)",
        Chat::gmute,
    ),
    global(
        "gunmute",
        "NAME|MASK",
        "lift a server-wide mute (server operators)",
        Chat::gunmute,
    ),
];

impl Chat {
    /// `/gban NAME|MASK|CIDR [LENGTH]`.
    fn gban(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.global_ban(by, args.text(), false, true, now);
    }

    /// `/gunban NAME|MASK|CIDR`.
    fn gunban(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.global_ban(by, args.text(), false, false, now);
    }

    /// `/gmute NAME|MASK [LENGTH]`.
    fn gmute(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.global_ban(by, args.text(), true, true, now);
    }

    /// `/gunmute NAME|MASK`.
    fn gunmute(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.global_ban(by, args.text(), true, false, now);
    }
}

//! The session's own commands: `/help` and `/quit`. `/quit` is the one
//! command also taken at the name prompt.

use super::{Args, Caller, Command, Needs, Role, Shape, help_lines};
use crate::chat::{Chat, Farewell, Message, Notice, Now};

pub(super) const COMMANDS: &[Command] = &[
    Command {
        name: "help",
        aliases: &[],
        params: "",
        help: "this list",
        shape: Shape::Nothing,
        before_login: false,
        in_turn: false,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::help,
    },
    Command {
        name: "quit",
        aliases: &[],
        params: "",
        help: "leave",
        shape: Shape::Nothing,
        before_login: true,
        in_turn: false,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::quit,
    },
];

impl Chat {
    /// `/help`: the table's commands, those of accounts only when on.
    fn help(&mut self, by: Caller, _: Args<'_>, now: &Now) {
        let help =
            help_lines(self.accounts, self.admins_on()).map(|line| Notice::Help(line.into()));
        self.to(by.local, Message::Notices(help.collect()), now);
    }

    /// `/quit`: goodbye.
    fn quit(&mut self, by: Caller, _: Args<'_>, _: &Now) {
        self.close_with(by.local, Farewell::Quit);
    }
}

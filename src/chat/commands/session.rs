//! The session's own commands: `/help` and `/quit`. `/quit` is the one
//! command also taken at the name prompt.

use super::{Args, Caller, Command, Needs, Role, Shape, help_lines};
use crate::chat::{Chat, Farewell, Now};
use bytes::Bytes;

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
        let mut text = Vec::new();
        for line in help_lines(self.accounts) {
            self.render.push_line(&mut text, now.wall, &["*** ", &line]);
        }
        self.to(by.local, Bytes::from(text));
    }

    /// `/quit`: goodbye.
    fn quit(&mut self, by: Caller, _: Args<'_>, _: &Now) {
        self.close_with(by.local, Farewell::Quit);
    }
}

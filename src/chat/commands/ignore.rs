//! Ignore lists: `/ignore NAME`, `/unignore NAME`, and `/ignore` alone to
//! list them (IRC's SILENCE asks the same, see `chat/ignore.rs`).

use super::{Args, Caller, Command, Needs, Role, Shape};
use crate::chat::{Chat, Now};

pub(super) const COMMANDS: &[Command] = &[
    Command {
        name: "ignore",
        aliases: &[],
        params: "[NAME]",
        help: "stop seeing NAME's lines and private messages; alone, list whom you ignore",
        shape: Shape::MaybeText,
        before_login: false,
        in_turn: false,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::ignore_command,
    },
    Command {
        name: "unignore",
        aliases: &[],
        params: "NAME",
        help: "see NAME's lines and private messages again",
        shape: Shape::Text,
        before_login: false,
        in_turn: false,
        needs: Needs::Nothing,
        role: Role::Everyone,
        run: Chat::unignore_command,
    },
];

impl Chat {
    /// `/ignore [NAME]`.
    fn ignore_command(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        match args.maybe_text() {
            Some(name) => self.ignore(by.local, name, now),
            None => self.ignore_list(by.local, now),
        }
    }

    /// `/unignore NAME`.
    fn unignore_command(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.unignore(by.local, args.text(), now);
    }
}

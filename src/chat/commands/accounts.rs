//! Account commands: `/register`, `/password`, `/unregister`, about the
//! name the user is logged in under. They need registered names
//! (`--data-dir`): without them `/help` does not list them, and the
//! dispatcher answers that accounts are off. The answers come back from
//! the accounts worker (see `chat/accounts.rs`).

use super::{Args, Caller, Command, Needs, Role, Shape, WordEnd};
use crate::chat::{Ask, Chat, Now, Secret};

pub(super) const COMMANDS: &[Command] = &[
    Command {
        name: "register",
        aliases: &[],
        params: "PASSWORD",
        help: "register your name: logging in as it will ask for the password",
        shape: Shape::Text,
        before_login: false,
        in_turn: false,
        needs: Needs::Accounts,
        role: Role::Everyone,
        run: Chat::register,
    },
    Command {
        name: "password",
        aliases: &[],
        params: "OLD NEW",
        help: "change your registered name's password",
        shape: Shape::WordText(WordEnd::Space),
        before_login: false,
        in_turn: false,
        needs: Needs::Accounts,
        role: Role::Everyone,
        run: Chat::change_password,
    },
    Command {
        name: "unregister",
        aliases: &[],
        params: "PASSWORD",
        help: "unregister your name",
        shape: Shape::Text,
        before_login: false,
        in_turn: false,
        needs: Needs::Accounts,
        role: Role::Everyone,
        run: Chat::unregister,
    },
];

impl Chat {
    /// `/register PASSWORD`.
    fn register(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let ask = Ask::Register(Secret(args.text().into()));
        self.account_command(by, ask, now);
    }

    /// `/password OLD NEW`.
    fn change_password(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let (old, new) = args.word_text();
        let ask = Ask::Change(Secret(old.into()), Secret(new.into()));
        self.account_command(by, ask, now);
    }

    /// `/unregister PASSWORD`.
    fn unregister(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        if self.keeps_caller(by, now) {
            return;
        }
        let ask = Ask::Unregister(Secret(args.text().into()));
        self.account_command(by, ask, now);
    }

    /// `ask` about the user's own name, unless the password would cross
    /// in the clear.
    fn account_command(&mut self, by: Caller, ask: Ask, now: &Now) {
        if let Some(refusal) = self.plaintext_refusal(by.local) {
            return self.reply_to(by.local, now, refusal);
        }
        let Some(name) = self.name_of(by.member).map(Box::<str>::from) else {
            return;
        };
        self.ask(by.local, by.member, &name, ask);
    }
}

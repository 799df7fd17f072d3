//! The moderation commands: `/op`, `/deop`, `/voice`, `/devoice`, `/kick`,
//! `/ban`, `/unban`, `/mute`, `/unmute`, `/bans`, `/invite` and `/room`, each the same core
//! action as IRC's `MODE`, `KICK` and `INVITE` (see `chat/moderation/`),
//! on the room the user is in.

use super::{Args, Caller, Command, Needs, Role, Shape};
use crate::chat::moderation::Answer;
use crate::chat::modes::{self, Flag, MUTE, Rank};
use crate::chat::{Chat, ModeAsk, Now, Reply};

/// A command of this family with the usual switches.
const fn command(
    name: &'static str,
    params: &'static str,
    help: &'static str,
    shape: Shape,
    role: Role,
    run: super::Handler,
) -> Command {
    Command {
        name,
        aliases: &[],
        params,
        help,
        shape,
        before_login: false,
        in_turn: false,
        needs: Needs::Nothing,
        role,
        run,
    }
}

pub(super) const COMMANDS: &[Command] = &[
    command(
        "op",
        "NAME",
        "make NAME an operator of this room",
        Shape::Text,
        Role::RoomOperator,
        Chat::op,
    ),
    command(
        "deop",
        "NAME",
        "take away NAME's operator rank",
        Shape::Text,
        Role::RoomOperator,
        Chat::deop,
    ),
    command(
        "voice",
        "NAME",
        "let NAME speak in this room when it is moderated",
        Shape::Text,
        Role::RoomOperator,
        Chat::voice,
    ),
    command(
        "devoice",
        "NAME",
        "take away NAME's voice",
        Shape::Text,
        Role::RoomOperator,
        Chat::devoice,
    ),
    command(
        "kick",
        "NAME [REASON]",
        "put NAME out of this room",
        Shape::Text,
        Role::RoomOperator,
        Chat::kick_command,
    ),
    command(
        "ban",
        "NAME|MASK [LENGTH]",
        "keep NAME (or nick!user@host MASK) out of this room, for good or for LENGTH (10m, 2h, 7d)",
        Shape::Text,
        Role::RoomOperator,
        Chat::ban,
    ),
    command(
        "unban",
        "NAME|MASK",
        "lift a ban",
        Shape::Text,
        Role::RoomOperator,
        Chat::unban,
    ),
    command(
        "mute",
        "NAME|MASK [LENGTH]",
        "let NAME stay in this room but be heard by nobody, for good or for LENGTH",
        Shape::Text,
        Role::RoomOperator,
        Chat::mute,
    ),
    command(
        "unmute",
        "NAME|MASK",
        "lift a mute",
        Shape::Text,
        Role::RoomOperator,
        Chat::unmute,
    ),
    command(
        "bans",
        "",
        "list this room's bans and mutes",
        Shape::Nothing,
        Role::Everyone,
        Chat::bans,
    ),
    command(
        "invite",
        "NAME",
        "invite NAME into this room",
        Shape::Text,
        Role::Everyone,
        Chat::invite_command,
    ),
    command(
        "room",
        // `/room register`, `drop` and `info` (owned rooms, `owned.rs`)
        // are told in PROTOCOL.md: /help's bytes stay as they were.
        "[SETTING on|off]",
        "show this room's settings, or change one (operators)",
        Shape::MaybeText,
        Role::Everyone,
        Chat::room_command,
    ),
];

impl Chat {
    /// Changes the caller's room with `asks`.
    fn change_here(&mut self, by: Caller, asks: &[ModeAsk<'_>], now: &Now) {
        let Some(room) = self.room_of(by.member).map(|r| r.name.clone()) else {
            return;
        };
        self.change_modes(by, &room, asks, now);
    }

    fn rank(&mut self, by: Caller, name: &str, rank: Rank, on: bool, now: &Now) {
        self.change_here(by, &[ModeAsk::Rank { rank, on, name }], now);
    }

    fn op(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.rank(by, args.text(), Rank::OPERATOR, true, now);
    }

    fn deop(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.rank(by, args.text(), Rank::OPERATOR, false, now);
    }

    fn voice(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.rank(by, args.text(), Rank::VOICE, true, now);
    }

    fn devoice(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.rank(by, args.text(), Rank::VOICE, false, now);
    }

    /// `/ban NAME [LENGTH]`, `/mute NAME [LENGTH]` (`mute`: IRC's mute
    /// prefix, `m:NAME!*@*`): for good, or for a length (`10m`, `2h`).
    fn ban_for(&mut self, by: Caller, args: Args<'_>, mute: bool, now: &Now) {
        let (mask, length) = match args.text().split_once(char::is_whitespace) {
            Some((mask, typed)) => match modes::ban_length(typed.trim()) {
                Some(length) => (mask, Some(length)),
                None => {
                    let form = if mute {
                        "/mute NAME|MASK [LENGTH: 30s, 10m, 2h, 7d]"
                    } else {
                        "/ban NAME|MASK [LENGTH: 30s, 10m, 2h, 7d]"
                    };
                    return self.reply_to(by.local, now, Reply::Usage { form: form.into() });
                }
            },
            None => (args.text(), None),
        };
        let mask = match mute {
            true => format!("{MUTE}{mask}"),
            false => mask.to_owned(),
        };
        let ask = ModeAsk::Ban {
            mask: &mask,
            on: true,
            length,
        };
        self.change_here(by, &[ask], now);
    }

    /// `/unban NAME`, `/unmute NAME`.
    fn lift(&mut self, by: Caller, args: Args<'_>, mute: bool, now: &Now) {
        let mask = match mute {
            true => format!("{MUTE}{}", args.text()),
            false => args.text().to_owned(),
        };
        let ask = ModeAsk::Ban {
            mask: &mask,
            on: false,
            length: None,
        };
        self.change_here(by, &[ask], now);
    }

    fn ban(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.ban_for(by, args, false, now);
    }

    fn unban(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.lift(by, args, false, now);
    }

    fn mute(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.ban_for(by, args, true, now);
    }

    fn unmute(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        self.lift(by, args, true, now);
    }

    /// `/kick NAME [reason]`.
    fn kick_command(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let (name, reason) = match args.text().split_once(char::is_whitespace) {
            Some((name, reason)) => (name, Some(reason.trim())),
            None => (args.text(), None),
        };
        let Some(room) = self.room_of(by.member).map(|r| r.name.clone()) else {
            return;
        };
        self.kick(by, &room, name, reason, now);
    }

    fn bans(&mut self, by: Caller, _: Args<'_>, now: &Now) {
        let Some(room) = self.room_of(by.member).map(|r| r.name.clone()) else {
            return;
        };
        self.bans_of(by, &room, now);
    }

    fn invite_command(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let Some(room) = self.room_of(by.member).map(|r| r.name.clone()) else {
            return;
        };
        self.invite(by, args.text(), &room, now);
    }

    /// `/room`: the settings; `/room SETTING on|off`, `/room key KEY|off`,
    /// `/room limit N|off`: a change (operators).
    fn room_command(&mut self, by: Caller, args: Args<'_>, now: &Now) {
        let Some(room) = self.room_of(by.member).map(|r| r.name.clone()) else {
            return;
        };
        let Some(text) = args.maybe_text() else {
            self.modes_of(by, &room, now);
            return self.room_owner(by, now);
        };
        if let Some(ask) = crate::chat::owned::OwnAsk::from_word(text) {
            return self.own_here(by, ask, now);
        }
        let (word, value) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let value = value.trim();
        let off = value.eq_ignore_ascii_case("off");
        let ask = match (word.to_ascii_lowercase().as_str(), value) {
            (_, "") => None,
            ("key", key) => Some(ModeAsk::Key((!off).then_some(key))),
            ("limit", limit) => Some(ModeAsk::Limit((!off).then_some(limit))),
            (word, value) => match (Flag::from_word(word), value.to_ascii_lowercase().as_str()) {
                (Some(flag), "on") => Some(ModeAsk::Flag { flag, on: true }),
                (Some(flag), "off") => Some(ModeAsk::Flag { flag, on: false }),
                _ => None,
            },
        };
        match ask {
            Some(ask) => self.change_modes(by, &room, &[ask], now),
            None => self.reply_to(by.local, now, Reply::Moderation(Answer::RoomSettings)),
        }
    }
}

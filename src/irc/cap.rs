//! IRCv3 capability negotiation (`CAP LS 302`, `LIST`, `REQ`, `END`), as a
//! pure state machine: a `CAP` message and the connection's context in,
//! reply messages out, and whether registration is held back.
//!
//! Registration waits from the first `CAP LS` or `CAP REQ` sent before
//! registration until `CAP END`. A `REQ` is all or nothing: one unknown or
//! unoffered name NAKs the whole list, as the spec and irctest require.

use super::message::Message;
use super::numeric::Numeric;
use super::render::OwnedMessage;

/// Defines [`Cap`] with its wire names from one table.
macro_rules! caps {
    ($($variant:ident = $name:literal,)*) => {
        /// A capability linechat can offer.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Cap {
            $(
                #[doc = $name]
                $variant,
            )*
        }

        impl Cap {
            /// Every capability, in the order `CAP LS` lists them.
            pub const ALL: &'static [Cap] = &[$(Cap::$variant),*];

            /// The name on the wire.
            pub const fn name(self) -> &'static str {
                match self { $(Cap::$variant => $name,)* }
            }
        }
    };
}

caps! {
    AwayNotify = "away-notify",
    Batch = "batch",
    CapNotify = "cap-notify",
    Chathistory = "draft/chathistory",
    EchoMessage = "echo-message",
    ExtendedMonitor = "extended-monitor",
    MessageTags = "message-tags",
    MultiPrefix = "multi-prefix",
    ReadMarker = "draft/read-marker",
    Sasl = "sasl",
    ServerTime = "server-time",
    Setname = "setname",
    UserhostInNames = "userhost-in-names",
}

impl Cap {
    /// The capability with this exact name.
    pub fn from_name(name: &str) -> Option<Cap> {
        Cap::ALL.iter().copied().find(|cap| cap.name() == name)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of capabilities, as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CapSet(u16);

impl CapSet {
    /// The empty set.
    pub const NONE: CapSet = CapSet(0);

    /// Every capability.
    pub fn all() -> CapSet {
        Cap::ALL
            .iter()
            .fold(CapSet::NONE, |set, cap| set.with(*cap))
    }

    /// This set plus `cap`.
    pub fn with(self, cap: Cap) -> CapSet {
        CapSet(self.0 | cap.bit())
    }

    /// This set without `cap`.
    pub fn without(self, cap: Cap) -> CapSet {
        CapSet(self.0 & !cap.bit())
    }

    /// Whether `cap` is in the set.
    pub fn contains(self, cap: Cap) -> bool {
        self.0 & cap.bit() != 0
    }

    /// The members, in [`Cap::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Cap> {
        Cap::ALL
            .iter()
            .copied()
            .filter(move |cap| self.contains(*cap))
    }
}

/// What the machine needs to know about the connection.
#[derive(Debug, Clone, Copy)]
pub struct CapContext<'a> {
    /// The server name, the prefix of every reply.
    pub server: &'a str,
    /// The client's nick, or `*` before it has one.
    pub nick: &'a str,
    /// Whether the client finished registration (then `CAP` holds nothing).
    pub registered: bool,
    /// What this listener offers (e.g. no `sasl` where passwords are refused).
    pub offered: CapSet,
}

/// Longest capability list in one `CAP LS`/`LIST` line, leaving room for the
/// prefix and nick under the 512-byte cap.
const MAX_LIST: usize = 400;

/// One connection's negotiation state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CapState {
    enabled: CapSet,
    /// 302 if the client sent `CAP LS 302` (or higher): values in `LS`,
    /// multi-line replies, and cap-notify implied.
    version: u16,
    /// Between the first pre-registration `LS`/`REQ` and `END`.
    negotiating: bool,
}

impl CapState {
    /// The capabilities the client has enabled.
    pub fn enabled(&self) -> CapSet {
        self.enabled
    }

    /// Whether registration must wait for `CAP END`.
    pub fn holds_registration(&self) -> bool {
        self.negotiating
    }

    /// Whether the client wants `CAP NEW`/`DEL` (asked for, or implied by 302).
    pub fn wants_cap_notify(&self) -> bool {
        self.version >= 302 || self.enabled.contains(Cap::CapNotify)
    }

    /// Handles one `CAP` message and returns the replies.
    pub fn handle(&mut self, ctx: &CapContext, message: &Message) -> Vec<OwnedMessage> {
        let Some(sub) = message.param(0) else {
            return vec![numeric(
                ctx,
                Numeric::NeedMoreParams,
                &["CAP", "Not enough parameters"],
            )];
        };
        match sub.to_ascii_uppercase().as_str() {
            "LS" => {
                let version = message
                    .param(1)
                    .and_then(|v| v.parse::<u16>().ok())
                    .unwrap_or(0);
                self.version = self.version.max(if version >= 302 { 302 } else { 301 });
                self.start(ctx);
                self.list_lines(ctx, "LS", ctx.offered)
            }
            "LIST" => self.list_lines(ctx, "LIST", self.enabled),
            "REQ" => {
                self.start(ctx);
                vec![self.request(ctx, message.param(1).unwrap_or(""))]
            }
            "END" => {
                self.negotiating = false;
                Vec::new()
            }
            _ => vec![numeric(
                ctx,
                Numeric::InvalidCapCmd,
                &[sub, "Invalid CAP command"],
            )],
        }
    }

    fn start(&mut self, ctx: &CapContext) {
        if !ctx.registered {
            self.negotiating = true;
        }
    }

    /// Applies a `REQ` list all or nothing; the reply echoes the list.
    fn request(&mut self, ctx: &CapContext, list: &str) -> OwnedMessage {
        let mut enabled = self.enabled;
        for item in list.split(' ').filter(|item| !item.is_empty()) {
            let (remove, name) = match item.strip_prefix('-') {
                Some(name) => (true, name),
                None => (false, item),
            };
            match Cap::from_name(name).filter(|cap| ctx.offered.contains(*cap)) {
                Some(cap) if remove => enabled = enabled.without(cap),
                Some(cap) => enabled = enabled.with(cap),
                None => return cap_reply(ctx, "NAK", None, list),
            }
        }
        self.enabled = enabled;
        cap_reply(ctx, "ACK", None, list)
    }

    /// `LS` or `LIST` lines; a 302 client gets `*` on every line but the
    /// last when the list is long, an older one gets everything that fits.
    fn list_lines(&self, ctx: &CapContext, sub: &str, caps: CapSet) -> Vec<OwnedMessage> {
        self.split_list(ctx, sub, caps, MAX_LIST)
    }

    /// [`CapState::list_lines`] with the line budget as a parameter.
    fn split_list(
        &self,
        ctx: &CapContext,
        sub: &str,
        caps: CapSet,
        max: usize,
    ) -> Vec<OwnedMessage> {
        let mut chunks: Vec<String> = vec![String::new()];
        for cap in caps.iter() {
            let item = self.list_item(sub, cap);
            let current = chunks.last_mut().expect("never empty");
            if !current.is_empty() && current.len() + 1 + item.len() > max {
                if self.version < 302 {
                    break;
                }
                chunks.push(String::new());
            }
            let current = chunks.last_mut().expect("never empty");
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(&item);
        }
        let last = chunks.len() - 1;
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| cap_reply(ctx, sub, (i < last).then_some("*"), chunk))
            .collect()
    }

    fn list_item(&self, sub: &str, cap: Cap) -> String {
        match cap {
            Cap::Sasl if sub == "LS" && self.version >= 302 => "sasl=PLAIN".to_owned(),
            cap => cap.name().to_owned(),
        }
    }
}

fn cap_reply(ctx: &CapContext, sub: &str, more: Option<&str>, text: &str) -> OwnedMessage {
    let mut params = vec![ctx.nick, sub];
    params.extend(more);
    params.push(text);
    OwnedMessage::new(ctx.server, "CAP", &params)
}

fn numeric(ctx: &CapContext, numeric: Numeric, params: &[&str]) -> OwnedMessage {
    OwnedMessage::numeric(ctx.server, numeric, ctx.nick, params)
}

#[cfg(test)]
#[path = "cap_tests.rs"]
mod tests;

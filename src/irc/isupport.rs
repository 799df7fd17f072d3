//! RPL_ISUPPORT (005): the tokens that tell a client linechat's rules, and
//! their split into lines that fit IRC's caps (512 bytes and 15 parameters:
//! the nick, at most [`TOKENS_PER_LINE`] tokens and the closing text).

use super::casemap::{CHANNELLEN, NICKLEN};
use super::message::MAX_BODY;
use super::numeric::Numeric;
use super::render::{OwnedMessage, body_len};

/// Tokens per 005 line: 15 parameters minus the nick and the trailing text.
pub const TOKENS_PER_LINE: usize = 13;

/// The closing text of every 005 line.
const ARE_SUPPORTED: &str = "are supported by this server";

/// The values behind the tokens; the fixed ones (`CHANTYPES=#`,
/// `PREFIX=(ov)@+`, `CASEMAPPING=ascii`, `NICKLEN`, `CHANNELLEN`) follow
/// from linechat's name rules and need no input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Isupport {
    /// NETWORK: the network's name (spaces are escaped).
    pub network: String,
    /// TOPICLEN: the longest topic, in bytes.
    pub topiclen: usize,
    /// CHANLIMIT=#:n: how many rooms an IRC user may be in
    /// (`--max-rooms-per-user`).
    pub chanlimit: usize,
    /// More tokens as written (e.g. `CHATHISTORY=100`), after the fixed ones.
    pub extra: Vec<String>,
}

impl Isupport {
    /// Every token, in the order sent.
    pub fn tokens(&self) -> Vec<String> {
        let mut tokens = vec![
            // User mode +B marks a bot (WHO flag B, WHOIS 335).
            "BOT=B".to_owned(),
            "CASEMAPPING=ascii".to_owned(),
            format!("CHANLIMIT=#:{}", self.chanlimit),
            // A list, a key, a limit, and flags (see `irc/modes.rs`).
            "CHANMODES=b,k,l,imnRst".to_owned(),
            format!("CHANNELLEN={CHANNELLEN}"),
            // Mutes are ban masks after `m:` (see `chat/modes.rs`).
            "EXTBAN=,m".to_owned(),
            "CHANTYPES=#".to_owned(),
            // LIST takes masks, !masks and <n / >n members.
            "ELIST=MNU".to_owned(),
            format!("NETWORK={}", escape_value(&self.network)),
            format!("MAXLIST=b:{}", crate::chat::modes::MAX_BANS),
            format!("MODES={}", super::modes::MAX_MODES),
            format!("NICKLEN={NICKLEN}"),
            "PREFIX=(ov)@+".to_owned(),
            // Comma lists are bounded by the 512-byte line alone.
            "TARGMAX=JOIN:,NAMES:,NOTICE:,PART:,PRIVMSG:,USERHOST:5,WHOIS:1".to_owned(),
            format!("TOPICLEN={}", self.topiclen),
            // Bytes that are not UTF-8 are cleaned into U+FFFD, with a
            // `WARN <command> INVALID_UTF8` to their sender.
            "UTF8ONLY".to_owned(),
            // WHO mask %fields[,token]: 354 (`dialect/irc/whox.rs`).
            "WHOX".to_owned(),
        ];
        tokens.extend(self.extra.iter().cloned());
        tokens
    }

    /// The 005 lines for `nick` from `server`: as many tokens per line as
    /// fit both the parameter cap and the byte cap.
    pub fn lines(&self, server: &str, nick: &str) -> Vec<OwnedMessage> {
        let mut lines = Vec::new();
        let mut line: Vec<String> = Vec::new();
        for token in self.tokens() {
            line.push(token);
            if line.len() > TOKENS_PER_LINE || !fits(server, nick, &line) {
                let token = line.pop().unwrap_or_default();
                if !line.is_empty() {
                    lines.push(message(server, nick, &line));
                }
                // A token too long for a line of its own is dropped.
                line = if fits(server, nick, std::slice::from_ref(&token)) {
                    vec![token]
                } else {
                    Vec::new()
                };
            }
        }
        if !line.is_empty() {
            lines.push(message(server, nick, &line));
        }
        lines
    }
}

fn params<'a>(nick: &'a str, tokens: &'a [String]) -> Vec<&'a str> {
    let mut params = vec![nick];
    params.extend(tokens.iter().map(String::as_str));
    params.push(ARE_SUPPORTED);
    params
}

fn fits(server: &str, nick: &str, tokens: &[String]) -> bool {
    body_len(
        Some(server),
        Numeric::ISupport.code_str(),
        &params(nick, tokens),
    )
    .is_ok_and(|len| len <= MAX_BODY)
}

fn message(server: &str, nick: &str, tokens: &[String]) -> OwnedMessage {
    OwnedMessage::new(server, Numeric::ISupport.code_str(), &params(nick, tokens))
}

/// An ISUPPORT value with `\`, space and `=` as `\xHH` (modern.ircdocs),
/// and other control characters dropped.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' | ' ' | '=' => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::irc::Message;

    fn support(extra: usize) -> Isupport {
        Isupport {
            network: "line chat".into(),
            topiclen: 200,
            chanlimit: 20,
            extra: (0..extra)
                .map(|i| format!("X{i}={}", "v".repeat(40)))
                .collect(),
        }
    }

    #[test]
    fn tokens() {
        let tokens = support(0).tokens();
        for want in [
            "CASEMAPPING=ascii",
            "CHANLIMIT=#:20",
            "CHANNELLEN=33",
            "CHANTYPES=#",
            "NETWORK=line\\x20chat",
            "NICKLEN=24",
            "PREFIX=(ov)@+",
            "TOPICLEN=200",
            "UTF8ONLY",
        ] {
            assert!(
                tokens.iter().any(|t| t == want),
                "{want} missing from {tokens:?}"
            );
        }
        assert_eq!(escape_value("a=b\\c\u{7}"), "a\\x3Db\\x5Cc");
    }

    #[test]
    fn lines_of_at_most_thirteen_tokens() {
        let lines = support(0).lines("linechat", "alice");
        assert_eq!(
            lines.len(),
            support(0).tokens().len().div_ceil(TOKENS_PER_LINE)
        );
        let bytes = lines[0].to_bytes().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            text.starts_with(":linechat 005 alice BOT=B CASEMAPPING=ascii "),
            "{text}"
        );
        assert!(
            text.ends_with(" :are supported by this server\r\n"),
            "{text}"
        );
    }

    #[test]
    fn split_by_parameter_and_byte_caps() {
        let support = support(40);
        let lines = support.lines("linechat.example.org", &"n".repeat(24));
        let mut seen = Vec::new();
        for line in &lines {
            let bytes = line.to_bytes().unwrap();
            assert!(bytes.len() <= 512, "{} bytes", bytes.len());
            let parsed = Message::parse(&bytes).unwrap();
            assert!(parsed.params().len() <= 15);
            assert_eq!(parsed.param(0), Some("n".repeat(24).as_str()));
            let tokens = &parsed.params()[1..parsed.params().len() - 1];
            assert!(!tokens.is_empty());
            seen.extend(tokens.iter().map(|t| t.to_string()));
        }
        assert_eq!(seen, support.tokens(), "every token once, in order");
        assert!(lines.len() >= 4, "{} lines", lines.len());
    }

    #[test]
    fn a_token_too_long_for_any_line_is_dropped() {
        let mut support = support(1);
        support.extra.push(format!("HUGE={}", "v".repeat(600)));
        support.extra.push("LAST".into());
        let lines = support.lines("s", "n");
        let all: Vec<String> = lines
            .iter()
            .flat_map(|l| l.params[1..l.params.len() - 1].to_vec())
            .collect();
        assert!(all.iter().all(|t| !t.starts_with("HUGE")));
        assert_eq!(all.last().map(String::as_str), Some("LAST"));
    }
}

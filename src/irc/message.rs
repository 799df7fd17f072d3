//! One IRC line parsed: `@tags :prefix COMMAND middle middle :trailing`.
//!
//! The grammar is RFC 1459/2812 as modern.ircdocs.horse restates it, with
//! IRCv3 message tags in front. [`Message::parse`] borrows from the line and
//! allocates nothing; every malformed input is a [`ParseError`] value, never
//! a panic. The caps are the protocol's: 510 bytes of body (512 with CRLF),
//! [`tags::MAX_TAGS`] of tag section, and [`MAX_PARAMS`] parameters.
//!
//! Rendering is in `render`; this module only reads.

use std::borrow::Cow;

use bytes::BufMut;

use super::numeric::Numeric;
use super::render::{self, OwnedMessage, RenderError};
use super::tags;

/// The longest body (prefix, command and parameters, without tags and
/// without CRLF): RFC 1459's 512 bytes minus the CRLF.
pub const MAX_BODY: usize = 510;

/// RFC 2812 allows at most 15 parameters. A line with more is refused (as
/// [`ParseError::TooManyParams`]) rather than folding the rest into the 15th,
/// so a client learns that its line was not understood.
pub const MAX_PARAMS: usize = 15;

/// Why a line is not a message. The wiring answers each with a numeric
/// (417 for the size errors, 421/461 for the others) or ignores it (`Empty`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// Nothing but spaces (RFC: silently ignored).
    Empty,
    /// NUL, CR or LF inside the line.
    ForbiddenByte,
    /// The bytes are not UTF-8 (the wiring cleans lines before parsing).
    NotUtf8,
    /// The tag section is over [`tags::MAX_TAGS`] bytes.
    TagsTooLong,
    /// The body is over [`MAX_BODY`] bytes.
    BodyTooLong,
    /// A tag key is malformed, or the tag section is not followed by a body.
    BadTags,
    /// A `:` prefix with no name, or a prefix with no command after it.
    NoCommand,
    /// The command is neither letters nor three digits.
    BadCommand,
    /// More than [`MAX_PARAMS`] parameters.
    TooManyParams,
}

impl ParseError {
    /// The numeric that answers this error, or `None` for a line to ignore
    /// silently (a blank line). Size errors get 417 ERR_INPUTTOOLONG; the
    /// others cannot name a command and get 421 ERR_UNKNOWNCOMMAND.
    pub fn numeric(self) -> Option<Numeric> {
        match self {
            ParseError::Empty => None,
            ParseError::TagsTooLong | ParseError::BodyTooLong => Some(Numeric::InputTooLong),
            ParseError::ForbiddenByte
            | ParseError::NotUtf8
            | ParseError::BadTags
            | ParseError::NoCommand
            | ParseError::BadCommand
            | ParseError::TooManyParams => Some(Numeric::UnknownCommand),
        }
    }
}

/// A parsed line, borrowing its text. Parameters are stored inline (no
/// allocation); a trailing parameter is stored without its `:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message<'a> {
    /// The raw tag section without `@` (still escaped), or empty.
    raw_tags: &'a str,
    /// The source, without `:` (`nick!user@host` or a server name).
    pub prefix: Option<&'a str>,
    /// The command as sent; compare with [`Message::is`] (case-insensitive).
    pub command: &'a str,
    params: [&'a str; MAX_PARAMS],
    param_count: u8,
}

impl<'a> Message<'a> {
    /// Parses one line. A final CRLF or LF, if present, is ignored.
    pub fn parse(line: &'a [u8]) -> Result<Message<'a>, ParseError> {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n')) {
            return Err(ParseError::ForbiddenByte);
        }
        let text = std::str::from_utf8(line).map_err(|_| ParseError::NotUtf8)?;
        let (raw_tags, body) = split_tags(text)?;
        if body.len() > MAX_BODY {
            return Err(ParseError::BodyTooLong);
        }
        let mut rest = body.trim_start_matches(' ');
        if rest.is_empty() {
            return Err(if raw_tags.is_empty() {
                ParseError::Empty
            } else {
                ParseError::BadTags
            });
        }
        let prefix = match rest.strip_prefix(':') {
            Some(after) => {
                let (name, tail) = after.split_once(' ').unwrap_or((after, ""));
                if name.is_empty() {
                    return Err(ParseError::NoCommand);
                }
                rest = tail.trim_start_matches(' ');
                Some(name)
            }
            None => None,
        };
        let (command, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        if command.is_empty() {
            return Err(ParseError::NoCommand);
        }
        if !valid_command(command) {
            return Err(ParseError::BadCommand);
        }
        let mut message = Message {
            raw_tags,
            prefix,
            command,
            params: [""; MAX_PARAMS],
            param_count: 0,
        };
        message.parse_params(tail)?;
        Ok(message)
    }

    /// Splits the parameters: space-separated middles, then an optional
    /// `:trailing` that keeps its spaces.
    fn parse_params(&mut self, mut rest: &'a str) -> Result<(), ParseError> {
        loop {
            rest = rest.trim_start_matches(' ');
            if rest.is_empty() {
                return Ok(());
            }
            let (param, tail) = match rest.strip_prefix(':') {
                Some(trailing) => (trailing, ""),
                None => rest.split_once(' ').unwrap_or((rest, "")),
            };
            let slot = self
                .params
                .get_mut(usize::from(self.param_count))
                .ok_or(ParseError::TooManyParams)?;
            *slot = param;
            self.param_count += 1;
            rest = tail;
        }
    }

    /// Whether the command is `name`, ignoring ASCII case (`privmsg` is
    /// `PRIVMSG`).
    pub fn is(&self, name: &str) -> bool {
        self.command.eq_ignore_ascii_case(name)
    }

    /// The parameters, trailing one included (without its `:`).
    pub fn params(&self) -> &[&'a str] {
        &self.params[..usize::from(self.param_count)]
    }

    /// Parameter `i`, if sent.
    pub fn param(&self, i: usize) -> Option<&'a str> {
        self.params().get(i).copied()
    }

    /// The tags as `(key, value)`, values unescaped.
    pub fn tags(&self) -> impl Iterator<Item = (&'a str, Cow<'a, str>)> {
        tags::iter(self.raw_tags).map(|(k, v)| (k, tags::unescape(v)))
    }

    /// One tag's unescaped value (the last one wins if a key repeats).
    pub fn tag(&self, key: &str) -> Option<Cow<'a, str>> {
        tags::iter(self.raw_tags)
            .filter(|(k, _)| *k == key)
            .last()
            .map(|(_, v)| tags::unescape(v))
    }

    /// The raw tag section, still escaped, without `@` (empty if none).
    pub fn raw_tags(&self) -> &'a str {
        self.raw_tags
    }

    /// An owned copy, tags unescaped, to keep past the read buffer.
    pub fn to_owned_message(&self) -> OwnedMessage {
        OwnedMessage {
            tags: self
                .tags()
                .map(|(k, v)| (k.to_owned(), v.into_owned()))
                .collect(),
            prefix: self.prefix.map(str::to_owned),
            command: Cow::Owned(self.command.to_owned()),
            params: self.params().iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    /// Writes the message back as a line with CRLF, tags as received.
    pub fn write(&self, out: &mut impl BufMut) -> Result<usize, RenderError> {
        render::write_raw(out, self.raw_tags, self.prefix, self.command, self.params())
    }
}

/// A command is letters (`PRIVMSG`) or a three-digit numeric (`001`).
pub fn valid_command(command: &str) -> bool {
    let bytes = command.as_bytes();
    if bytes.is_empty() {
        return false;
    }
    bytes.iter().all(u8::is_ascii_alphabetic)
        || (bytes.len() == 3 && bytes.iter().all(u8::is_ascii_digit))
}

/// Separates `@tags ` from the body, checking the tag cap and keys.
fn split_tags(text: &str) -> Result<(&str, &str), ParseError> {
    let Some(after_at) = text.strip_prefix('@') else {
        return Ok(("", text));
    };
    let (raw, body) = after_at.split_once(' ').unwrap_or((after_at, ""));
    // The cap counts the '@' and the space.
    if raw.len() + 2 > tags::MAX_TAGS {
        return Err(ParseError::TagsTooLong);
    }
    if !tags::valid_section(raw) {
        return Err(ParseError::BadTags);
    }
    Ok((raw, body))
}

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;

//! Writing IRC lines, with the parameter rules checked before any byte is
//! written (so a refused line leaves the buffer untouched):
//! - a parameter that is empty, holds a space or starts with `:` can only be
//!   the last one, and is then written as `:trailing`;
//! - no parameter, prefix or command holds NUL, CR or LF;
//! - the body fits [`MAX_BODY`] bytes and the tags [`MAX_TAGS`].
//!
//! Writers are generic over [`BufMut`], so the same code fills a `Vec<u8>`
//! or the `BytesMut` that becomes a shared `Bytes` for a room.

use std::borrow::Cow;

use bytes::BufMut;

use super::message::{MAX_BODY, MAX_PARAMS, valid_command};
use super::numeric::Numeric;
use super::tags::{self, MAX_TAGS};

/// Why a message cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderError {
    /// The command is neither letters nor three digits.
    BadCommand,
    /// A prefix that is empty or holds a space.
    BadPrefix,
    /// Parameter `n` is not last but is empty, holds a space or starts
    /// with `:`.
    BadMiddle(usize),
    /// NUL, CR or LF somewhere in the line.
    ForbiddenByte,
    /// More than [`MAX_PARAMS`] parameters.
    TooManyParams,
    /// A malformed tag key.
    BadTag,
    /// The body is over [`MAX_BODY`] bytes (callers split long text first).
    TooLong,
    /// The tag section is over [`MAX_TAGS`] bytes.
    TagsTooLong,
}

fn forbidden(text: &str) -> bool {
    text.bytes().any(|b| matches!(b, 0 | b'\r' | b'\n'))
}

/// Checks the body and returns its length (without CRLF).
pub fn body_len(
    prefix: Option<&str>,
    command: &str,
    params: &[&str],
) -> Result<usize, RenderError> {
    if !valid_command(command) {
        return Err(RenderError::BadCommand);
    }
    if params.len() > MAX_PARAMS {
        return Err(RenderError::TooManyParams);
    }
    let mut len = command.len();
    if let Some(prefix) = prefix {
        if prefix.is_empty() || prefix.contains(' ') {
            return Err(RenderError::BadPrefix);
        }
        if forbidden(prefix) {
            return Err(RenderError::ForbiddenByte);
        }
        len += 2 + prefix.len();
    }
    for (i, param) in params.iter().enumerate() {
        if forbidden(param) {
            return Err(RenderError::ForbiddenByte);
        }
        let needs_colon = needs_colon(param);
        if needs_colon && i + 1 < params.len() {
            return Err(RenderError::BadMiddle(i));
        }
        len += 1 + usize::from(needs_colon) + param.len();
    }
    if len > MAX_BODY {
        return Err(RenderError::TooLong);
    }
    Ok(len)
}

/// `typed`, something a client sent, made fit to echo as a middle
/// parameter (432's nick): up to its first space, or `*` if nothing of it
/// fits. Echoed whole, a nick like `bad name` would make the reply a line
/// that cannot be written, and the client would get no answer at all.
pub fn as_middle(typed: &str) -> &str {
    let head = typed.split(' ').next().unwrap_or("");
    if needs_colon(head) { "*" } else { head }
}

fn needs_colon(param: &str) -> bool {
    param.is_empty() || param.contains(' ') || param.starts_with(':')
}

/// Writes a checked body and CRLF.
fn write_body(out: &mut impl BufMut, prefix: Option<&str>, command: &str, params: &[&str]) {
    if let Some(prefix) = prefix {
        out.put_u8(b':');
        out.put_slice(prefix.as_bytes());
        out.put_u8(b' ');
    }
    out.put_slice(command.as_bytes());
    for param in params {
        out.put_u8(b' ');
        if needs_colon(param) {
            out.put_u8(b':');
        }
        out.put_slice(param.as_bytes());
    }
    out.put_slice(b"\r\n");
}

/// Writes a line whose tag section is already escaped (as parsed). Returns
/// the bytes written.
pub fn write_raw(
    out: &mut impl BufMut,
    raw_tags: &str,
    prefix: Option<&str>,
    command: &str,
    params: &[&str],
) -> Result<usize, RenderError> {
    let body = body_len(prefix, command, params)?;
    let tag_len = if raw_tags.is_empty() {
        0
    } else {
        raw_tags.len() + 2
    };
    if tag_len > MAX_TAGS {
        return Err(RenderError::TagsTooLong);
    }
    if forbidden(raw_tags) || raw_tags.contains(' ') || !tags::valid_section(raw_tags) {
        return Err(RenderError::BadTag);
    }
    if tag_len > 0 {
        out.put_u8(b'@');
        out.put_slice(raw_tags.as_bytes());
        out.put_u8(b' ');
    }
    write_body(out, prefix, command, params);
    Ok(tag_len + body + 2)
}

/// The length of `@k=v;k2=v2 ` with values escaped, or 0 without tags.
fn tags_len(tag_list: &[(&str, &str)]) -> Result<usize, RenderError> {
    if tag_list.is_empty() {
        return Ok(0);
    }
    let mut len = 1;
    for (key, value) in tag_list {
        if !tags::valid_key(key) {
            return Err(RenderError::BadTag);
        }
        if value.contains('\0') {
            return Err(RenderError::ForbiddenByte);
        }
        len += key.len()
            + 1
            + if value.is_empty() {
                0
            } else {
                1 + tags::escaped_len(value)
            };
    }
    if len > MAX_TAGS {
        return Err(RenderError::TagsTooLong);
    }
    Ok(len)
}

/// Writes a line with tags given as `(key, unescaped value)`; an empty value
/// is written as a bare key. Returns the bytes written.
pub fn write(
    out: &mut impl BufMut,
    tag_list: &[(&str, &str)],
    prefix: Option<&str>,
    command: &str,
    params: &[&str],
) -> Result<usize, RenderError> {
    let tag_len = tags_len(tag_list)?;
    let body = body_len(prefix, command, params)?;
    for (i, (key, value)) in tag_list.iter().enumerate() {
        out.put_u8(if i == 0 { b'@' } else { b';' });
        out.put_slice(key.as_bytes());
        if !value.is_empty() {
            out.put_u8(b'=');
            tags::escape_into(value, out);
        }
    }
    if tag_len > 0 {
        out.put_u8(b' ');
    }
    write_body(out, prefix, command, params);
    Ok(tag_len + body + 2)
}

/// How many bytes of text fit as the trailing parameter after `leading`
/// parameters, so long text can be cut into several lines first (0 if even
/// an empty trailing does not fit).
pub fn text_budget(prefix: Option<&str>, command: &str, leading: &[&str]) -> usize {
    let mut params = leading.to_vec();
    params.push("");
    // The empty trailing is written as ":", which a non-empty text also needs
    // in the worst case (a space inside).
    body_len(prefix, command, &params).map_or(0, |len| MAX_BODY - len)
}

/// Cuts `text` into pieces of at most `max` bytes on UTF-8 character
/// boundaries (never an empty piece; a `max` under 4 still advances by one
/// character so the cut always ends).
pub fn split_text(text: &str, max: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = max.min(rest.len());
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        if end == 0 {
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let (piece, tail) = rest.split_at(end);
        rest = tail;
        Some(piece)
    })
}

/// A message the server builds and owns (a reply, a numeric), for code that
/// returns messages as values, such as the CAP and SASL machines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OwnedMessage {
    /// `(key, unescaped value)` pairs.
    pub tags: Vec<(String, String)>,
    /// The source, without `:`.
    pub prefix: Option<String>,
    /// The command or three-digit numeric.
    pub command: Cow<'static, str>,
    /// The parameters; the writer decides which needs a `:`.
    pub params: Vec<String>,
}

impl OwnedMessage {
    /// A message from `prefix` with a command and its parameters.
    pub fn new(prefix: &str, command: impl Into<Cow<'static, str>>, params: &[&str]) -> Self {
        OwnedMessage {
            tags: Vec::new(),
            prefix: Some(prefix.to_owned()),
            command: command.into(),
            params: params.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    /// A numeric reply from `server` to `target` (`*` before a nick is set).
    pub fn numeric(server: &str, numeric: Numeric, target: &str, params: &[&str]) -> Self {
        let mut message = Self::new(server, numeric.code_str(), &[target]);
        message
            .params
            .extend(params.iter().map(|p| (*p).to_owned()));
        message
    }

    /// Writes the line with CRLF.
    pub fn write(&self, out: &mut impl BufMut) -> Result<usize, RenderError> {
        let tag_list: Vec<(&str, &str)> = self
            .tags
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let params: Vec<&str> = self.params.iter().map(String::as_str).collect();
        write(
            out,
            &tag_list,
            self.prefix.as_deref(),
            &self.command,
            &params,
        )
    }

    /// The line as bytes with CRLF (for tests and one-off replies).
    pub fn to_bytes(&self) -> Result<Vec<u8>, RenderError> {
        let mut out = Vec::new();
        self.write(&mut out)?;
        Ok(out)
    }
}

#[cfg(test)]
#[path = "render_tests.rs"]
mod tests;

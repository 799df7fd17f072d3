//! IRCv3 message tags: the `@key=value;key2` section in front of a line.
//!
//! Values travel escaped: `;` as `\:`, space as `\s`, `\` as `\\`, CR as
//! `\r` and LF as `\n`. Unescaping is lenient as the spec asks: a backslash
//! before any other character yields that character, and a lone backslash at
//! the end is dropped. Pure: no allocation unless a value really changes.

use std::borrow::Cow;

use bytes::BufMut;

/// The longest tag section the server accepts, counting the leading `@` and
/// the space after it (IRCv3 message-tags: 8191 bytes).
pub const MAX_TAGS: usize = 8191;

/// The most tag data a client may send: 4096 bytes counting the `@` and
/// the space after it (IRCv3 message-tags); more is answered with 417.
pub const MAX_CLIENT_TAGS: usize = 4096;

/// Whether `key` is a well-formed tag name: an optional client-only `+`, an
/// optional vendor (`example.com/`), then letters, digits and `-`.
pub fn valid_key(key: &str) -> bool {
    let name = key.strip_prefix('+').unwrap_or(key);
    let (vendor, name) = match name.rsplit_once('/') {
        Some((vendor, name)) => (Some(vendor), name),
        None => (None, name),
    };
    let vendor_ok = vendor.is_none_or(|v| {
        !v.is_empty()
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    });
    vendor_ok && !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Checks a raw tag section (without `@`): every non-empty item has a valid
/// key. Empty items (`a;;b`, a final `;`) are tolerated and skipped.
pub fn valid_section(raw: &str) -> bool {
    raw.split(';')
        .filter(|item| !item.is_empty())
        .all(|item| valid_key(item.split_once('=').map_or(item, |(k, _)| k)))
}

/// Iterates a raw tag section as `(key, escaped value)`; a key without `=`
/// has the empty value, as the spec says.
pub fn iter(raw: &str) -> impl Iterator<Item = (&str, &str)> {
    raw.split(';')
        .filter(|item| !item.is_empty())
        .map(|item| item.split_once('=').unwrap_or((item, "")))
}

/// The client-only items (`+key=value`) of a raw tag section, still
/// escaped, `;` between them: what a server relays of a client's tags.
pub fn client_only(raw: &str) -> String {
    let mut out = String::new();
    for item in raw.split(';').filter(|item| item.starts_with('+')) {
        if !out.is_empty() {
            out.push(';');
        }
        out.push_str(item);
    }
    out
}

/// A tag value as the sender meant it.
pub fn unescape(value: &str) -> Cow<'_, str> {
    if !value.contains('\\') {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(':') => out.push(';'),
            Some('s') => out.push(' '),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    Cow::Owned(out)
}

/// The escaped form's length, to check a line's size before writing it.
pub fn escaped_len(value: &str) -> usize {
    value.len()
        + value
            .bytes()
            .filter(|b| matches!(b, b';' | b' ' | b'\\' | b'\r' | b'\n'))
            .count()
}

/// Writes `value` escaped.
pub fn escape_into(value: &str, out: &mut impl BufMut) {
    let mut start = 0;
    for (i, b) in value.bytes().enumerate() {
        let code = match b {
            b';' => b':',
            b' ' => b's',
            b'\\' => b'\\',
            b'\r' => b'r',
            b'\n' => b'n',
            _ => continue,
        };
        out.put_slice(&value.as_bytes()[start..i]);
        out.put_slice(&[b'\\', code]);
        start = i + 1;
    }
    out.put_slice(&value.as_bytes()[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(value: &str) -> String {
        let mut out = Vec::new();
        escape_into(value, &mut out);
        assert_eq!(out.len(), escaped_len(value));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escaping_round_trips() {
        let plain = "a;b c\\d\re\nf é";
        assert_eq!(escaped(plain), "a\\:b\\sc\\\\d\\re\\nf\\sé");
        assert_eq!(unescape(&escaped(plain)), plain);
        assert_eq!(escaped("plain"), "plain");
        assert!(matches!(unescape("plain"), Cow::Borrowed("plain")));
    }

    #[test]
    fn unescaping_is_lenient() {
        // The spec's own examples: unknown escapes drop the backslash and a
        // trailing backslash disappears.
        assert_eq!(unescape("a\\bc"), "abc");
        assert_eq!(unescape("abc\\"), "abc");
        assert_eq!(unescape("\\\\\\:"), "\\;");
    }

    #[test]
    fn keys() {
        for good in ["time", "+draft/reply", "example.com/x-y", "msgid", "a1"] {
            assert!(valid_key(good), "{good}");
        }
        for bad in ["", "+", "/x", "a b", "x/", "é", "a=b", "++a"] {
            assert!(!valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn only_client_tags_are_kept() {
        assert_eq!(client_only("+a=1;b=2;;+c;d"), "+a=1;+c");
        assert_eq!(client_only("time=x;msgid=y"), "");
        assert_eq!(client_only("+x=a\\sb"), "+x=a\\sb", "still escaped");
    }

    #[test]
    fn sections() {
        assert!(valid_section("a=1;b;;c="));
        assert!(!valid_section("a=1;=2"));
        let items: Vec<_> = iter("a=1;b;c=x=y;").collect();
        assert_eq!(items, [("a", "1"), ("b", ""), ("c", "x=y")]);
    }
}

//! Cleaning one framed line for display: [`clean`] drops control characters
//! and whole escape sequences, and [`clean_checked`] re-applies the length cap.

use super::Frame;
use std::str::Chars;

/// Cleans `raw` into `line`, reporting [`Frame::TooLong`] if cleaning made it
/// longer than the cap (each invalid UTF-8 byte becomes a 3-byte U+FFFD).
pub(super) fn clean_checked(raw: &[u8], max_line: usize, line: &mut String) -> Frame {
    clean(raw, line);
    if line.len() > max_line {
        line.clear();
        Frame::TooLong
    } else {
        Frame::Line
    }
}

/// Makes one line of user input safe to show on other terminals, writing the
/// result into `out` (which is cleared first).
///
/// Invalid UTF-8 becomes U+FFFD. Backspace and DEL erase the character before
/// them, as character-mode telnet clients send them for corrections. TAB
/// becomes a space. Every other control character is removed, and ESC (or the
/// one-character CSI, U+009B) takes the whole escape sequence it starts with
/// it, so nobody can move the cursor, clear or recolour anyone's screen.
pub fn clean(raw: &[u8], out: &mut String) {
    out.clear();
    if raw.iter().all(|b| (0x20..0x7f).contains(b)) {
        // Printable ASCII, by far the common case: nothing to change.
        out.push_str(std::str::from_utf8(raw).unwrap_or_default());
        return;
    }
    let text = String::from_utf8_lossy(raw);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(' '),
            '\u{8}' | '\u{7f}' => {
                out.pop();
            }
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            // C1 string introducers (DCS, SOS, OSC, PM, APC) run up to a terminator.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

/// Skips the rest of an escape sequence after ESC.
fn skip_escape(chars: &mut Chars<'_>) {
    let mut ahead = chars.clone();
    match ahead.next() {
        Some('[') => {
            *chars = ahead;
            skip_csi(chars);
        }
        Some(']' | 'P' | 'X' | '^' | '_') => {
            *chars = ahead;
            skip_string(chars);
        }
        Some(_) => {
            // nF / Fp / Fe / Fs forms: intermediates 0x20-0x2f, then one final byte.
            while let Some('\u{20}'..='\u{2f}') = ahead.clone().next() {
                ahead.next();
            }
            let mut after_final = ahead.clone();
            if let Some('\u{30}'..='\u{7e}') = after_final.next() {
                ahead = after_final;
            }
            *chars = ahead;
        }
        None => {}
    }
}

/// Skips a control sequence's parameters, intermediates and final byte.
fn skip_csi(chars: &mut Chars<'_>) {
    let mut ahead = chars.clone();
    while let Some('\u{20}'..='\u{3f}') = ahead.clone().next() {
        ahead.next();
    }
    let mut after_final = ahead.clone();
    if let Some('\u{40}'..='\u{7e}') = after_final.next() {
        ahead = after_final;
    }
    *chars = ahead;
}

/// Skips an OSC/DCS-style string up to BEL, ST (U+009C) or ESC \.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                let mut ahead = chars.clone();
                if ahead.next() == Some('\\') {
                    *chars = ahead;
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cleaned(raw: &[u8]) -> String {
        let mut out = String::new();
        clean(raw, &mut out);
        out
    }

    #[test]
    fn control_characters_and_escapes_are_removed() {
        assert_eq!(cleaned(b"a\x07b\x00c"), "abc");
        assert_eq!(cleaned(b"\x1b[2J\x1b[31mred\x1b[0m"), "red");
        assert_eq!(cleaned(b"\x1b]0;title\x07x"), "x");
        assert_eq!(cleaned(b"\x1b]0;title\x1b\\y"), "y");
        assert_eq!(cleaned(b"\x1b(Bz"), "z");
        assert_eq!(cleaned("\u{9b}1;2Hq".as_bytes()), "q");
        assert_eq!(cleaned("a\u{85}b".as_bytes()), "ab");
    }

    #[test]
    fn tab_backspace_and_del_are_interpreted() {
        assert_eq!(cleaned(b"a\tb"), "a b");
        assert_eq!(cleaned(b"helo\x08lo"), "hello");
        assert_eq!(cleaned(b"ab\x7f\x7f\x7fc"), "c");
        assert_eq!(cleaned("h\u{e9}\x08e".as_bytes()), "he");
    }

    #[test]
    fn invalid_utf8_becomes_replacement_characters() {
        assert_eq!(cleaned(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(cleaned("caf\u{e9}".as_bytes()), "caf\u{e9}");
    }

    #[test]
    fn cleaning_that_grows_a_line_past_the_cap_is_too_long() {
        let raw = [0xfe_u8; 10]; // ten invalid bytes become 30 bytes of U+FFFD
        let mut line = String::new();
        assert_eq!(clean_checked(&raw, 20, &mut line), Frame::TooLong);
        assert_eq!(clean_checked(&raw, 30, &mut line), Frame::Line);
    }
}

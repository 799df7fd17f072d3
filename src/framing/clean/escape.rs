//! Escape sequences: ESC (or the one-character CSI) takes the whole
//! sequence it starts with it, so nobody can move the cursor, clear or
//! recolour anyone's screen; and only that, so the text after it stays.

use std::str::Chars;

/// Skips the rest of an escape sequence after ESC.
pub(super) fn skip_escape(chars: &mut Chars<'_>) {
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
        // Fp / Fe / Fs: ESC and one final character (ESC 7, ESC c, ...).
        Some('\u{30}'..='\u{7e}') => *chars = ahead,
        // nF: ESC, intermediates 0x20-0x2f, then one final character.
        Some('\u{20}'..='\u{2f}') => {
            while let Some('\u{20}'..='\u{2f}') = ahead.clone().next() {
                ahead.next();
            }
            let mut after_final = ahead.clone();
            if let Some('\u{30}'..='\u{7e}') = after_final.next() {
                ahead = after_final;
            }
            *chars = ahead;
        }
        // Not an escape sequence: only the ESC goes, and what follows it
        // (a letter of any script, say) stays.
        Some(_) => {}
        None => {}
    }
}

/// Skips a control sequence's parameters, intermediates and final byte.
pub(super) fn skip_csi(chars: &mut Chars<'_>) {
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
pub(super) fn skip_string(chars: &mut Chars<'_>) {
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
    use super::super::cleaned;

    #[test]
    fn an_escape_takes_only_what_belongs_to_it() {
        assert_eq!(cleaned("a\x1b\u{e9}b".as_bytes()), "a\u{e9}b");
        assert_eq!(cleaned(b"\x1b7hello"), "hello");
        assert_eq!(cleaned(b"\x1b(Bok"), "ok");
        assert_eq!(
            cleaned("\x1b\u{65e5}\u{672c}".as_bytes()),
            "\u{65e5}\u{672c}"
        );
    }
}

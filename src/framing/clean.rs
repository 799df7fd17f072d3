//! Cleaning one framed line for display: [`clean`] drops control characters,
//! whole escape sequences and invisible Unicode that could spoof what others
//! see, and [`clean_checked`] re-applies the length cap.
//!
//! The Unicode properties come from `icu_properties` (ICU4X, maintained by
//! the Unicode Consortium) with its compiled data, so the sets follow the
//! Unicode Character Database instead of ranges copied by hand.

use super::Frame;
use icu_properties::props::{
    Alphabetic, BidiControl, DefaultIgnorableCodePoint, EmojiModifier, ExtendedPictographic,
    GeneralCategory, GeneralCategoryGroup,
};
use icu_properties::{
    CodePointMapData, CodePointMapDataBorrowed, CodePointSetData, CodePointSetDataBorrowed,
};
use std::str::Chars;

/// Bidi_Control: the embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) and the marks (U+061C, U+200E, U+200F). They can reorder
/// the rest of a line, or the text after it on another user's screen.
const BIDI_CONTROL: CodePointSetDataBorrowed<'static> = CodePointSetData::new::<BidiControl>();

/// Default_Ignorable_Code_Point: characters that render as nothing (zero-width
/// spaces and joiners, word joiner, BOM, soft hyphen, Hangul fillers, variation
/// selectors, tags, ...), so they can hide inside or make up a line.
const DEFAULT_IGNORABLE: CodePointSetDataBorrowed<'static> =
    CodePointSetData::new::<DefaultIgnorableCodePoint>();

// What [`joinable`] looks up.
const ALPHABETIC: CodePointSetDataBorrowed<'static> = CodePointSetData::new::<Alphabetic>();
const PICTOGRAPHIC: CodePointSetDataBorrowed<'static> =
    CodePointSetData::new::<ExtendedPictographic>();
const EMOJI_MODIFIER: CodePointSetDataBorrowed<'static> = CodePointSetData::new::<EmojiModifier>();
const CATEGORY: CodePointMapDataBorrowed<'static, GeneralCategory> =
    CodePointMapData::<GeneralCategory>::new();

/// ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER: default-ignorable, but kept
/// between two [`joinable`] characters, where scripts and emoji need them.
const ZWNJ: char = '\u{200c}';
const ZWJ: char = '\u{200d}';

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
///
/// Beyond ASCII, nothing invisible or reordering survives: LINE SEPARATOR and
/// PARAGRAPH SEPARATOR (U+2028, U+2029), which some clients show as a line
/// break, become a space, so no line can seem to start mid-way; bidi controls
/// are removed; so is every default-ignorable character, except a ZWJ or ZWNJ
/// between two joinable characters (the last one kept and the next one):
/// letters, combining marks or emoji parts, as `joinable` decides.
///
/// A run of more than [`MAX_SPACES`] spaces (tabs and separators count) is
/// cut to that many, so nobody can push text to the next row of a
/// terminal, where it would seem to start a line of its own.
pub fn clean(raw: &[u8], out: &mut String) {
    out.clear();
    if raw.iter().all(|b| (0x20..0x7f).contains(b)) && memchr::memmem::find(raw, LONG_RUN).is_none()
    {
        // Printable ASCII, by far the common case: nothing to change.
        out.push_str(std::str::from_utf8(raw).unwrap_or_default());
        return;
    }
    let text = String::from_utf8_lossy(raw);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '\t' | ' ' | '\u{2028}' | '\u{2029}' => push_space(out),
            '\u{8}' | '\u{7f}' => {
                out.pop();
                // A joiner was kept for the character just erased: drop it too.
                if out.ends_with([ZWNJ, ZWJ]) {
                    out.pop();
                }
            }
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            // C1 string introducers (DCS, SOS, OSC, PM, APC) run up to a terminator.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {}
            // No ASCII character is a separator, bidi control or ignorable.
            c if c.is_ascii() => out.push(c),
            c if BIDI_CONTROL.contains(c) => {}
            ZWNJ | ZWJ
                if out.chars().next_back().is_some_and(joinable)
                    && chars.clone().next().is_some_and(joinable) =>
            {
                out.push(c)
            }
            // One emoji-presentation selector right after an emoji keeps
            // ❤️ red; anywhere else it is an invisible character like others.
            VS16 if out
                .chars()
                .next_back()
                .is_some_and(|p| PICTOGRAPHIC.contains(p)) =>
            {
                out.push(VS16)
            }
            c if DEFAULT_IGNORABLE.contains(c) => {}
            c => out.push(c),
        }
    }
}

/// Longest run of spaces kept: enough for indentation and alignment.
const MAX_SPACES: usize = 4;

/// One space more than [`MAX_SPACES`]: a run that must be cut.
const LONG_RUN: &[u8] = b"     ";

/// Appends a space unless the line already ends in [`MAX_SPACES`] of them.
fn push_space(out: &mut String) {
    if !out.as_bytes().ends_with(&LONG_RUN[..MAX_SPACES]) {
        out.push(' ');
    }
}

/// VARIATION SELECTOR-16: show the character before it as an emoji.
const VS16: char = '\u{fe0f}';

/// Whether a ZWJ or ZWNJ next to `c` can do its job: a letter (Alphabetic,
/// which covers every script's letters and most vowel signs), a combining mark
/// (a virama before a joiner asks for a half-form or an explicit virama), or
/// an emoji part (Extended_Pictographic, Emoji_Modifier), as in 👨‍👩‍👧.
fn joinable(c: char) -> bool {
    ALPHABETIC.contains(c)
        || GeneralCategoryGroup::Mark.contains(CATEGORY.get(c))
        || PICTOGRAPHIC.contains(c)
        || EMOJI_MODIFIER.contains(c)
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
    fn every_bidi_control_is_removed() {
        let controls = ('\u{202a}'..='\u{202e}')
            .chain('\u{2066}'..='\u{2069}')
            .chain(['\u{61c}', '\u{200e}', '\u{200f}']);
        for c in controls {
            assert_eq!(
                cleaned(format!("a{c}b").as_bytes()),
                "ab",
                "U+{:04X}",
                c as u32
            );
        }
        // The classic: an override that shows "exe.txt" for "txt.exe".
        assert_eq!(cleaned("doc\u{202e}txt.exe".as_bytes()), "doctxt.exe");
    }

    #[test]
    fn line_and_paragraph_separators_become_spaces() {
        assert_eq!(cleaned("a\u{2028}b\u{2029}c".as_bytes()), "a b c");
        // Shown as a line break, it would fake a server notice on its own line.
        assert_eq!(
            cleaned("hi\u{2028}*** alice has left".as_bytes()),
            "hi *** alice has left"
        );
    }

    #[test]
    fn default_ignorable_characters_are_removed() {
        for c in [
            '\u{200b}',  // ZERO WIDTH SPACE
            '\u{2060}',  // WORD JOINER
            '\u{feff}',  // ZERO WIDTH NO-BREAK SPACE (BOM)
            '\u{ad}',    // SOFT HYPHEN
            '\u{3164}',  // HANGUL FILLER
            '\u{fe0f}',  // VARIATION SELECTOR-16
            '\u{e0041}', // TAG LATIN CAPITAL LETTER A
        ] {
            assert_eq!(
                cleaned(format!("a{c}b").as_bytes()),
                "ab",
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn long_runs_of_spaces_are_cut() {
        let spoof = format!("hi{}*** alice has left", " ".repeat(75));
        assert_eq!(cleaned(spoof.as_bytes()), "hi    *** alice has left");
        assert_eq!(cleaned(b"a\t\t\t\t\t\tb"), "a    b");
        assert_eq!(cleaned(b"  indented    twice"), "  indented    twice");
        assert_eq!(
            cleaned("a \u{2028}\u{2029}   \u{e9}".as_bytes()),
            "a    \u{e9}"
        );
    }

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

    #[test]
    fn one_emoji_selector_stays_after_an_emoji() {
        assert_eq!(cleaned("\u{2764}\u{fe0f}".as_bytes()), "\u{2764}\u{fe0f}");
        assert_eq!(
            cleaned("\u{2764}\u{fe0f}\u{fe0f}\u{fe0f}".as_bytes()),
            "\u{2764}\u{fe0f}"
        );
        let rainbow = "\u{1f3f3}\u{fe0f}\u{200d}\u{1f308}"; // 🏳️‍🌈
        assert_eq!(cleaned(rainbow.as_bytes()), rainbow);
    }

    #[test]
    fn joiners_stay_between_letters_and_emoji() {
        let family = "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}"; // 👨‍👩‍👧
        assert_eq!(cleaned(family.as_bytes()), family);
        let coder = "\u{1f469}\u{1f3fd}\u{200d}\u{1f4bb}"; // 👩🏽‍💻, skin tone first
        assert_eq!(cleaned(coder.as_bytes()), coder);
        let persian = "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}"; // می‌خواهم
        assert_eq!(cleaned(persian.as_bytes()), persian);
        let ksha = "\u{915}\u{94d}\u{200d}\u{937}"; // क्‍ष: a joiner after a virama
        assert_eq!(cleaned(ksha.as_bytes()), ksha);
        assert_eq!(cleaned("a\u{200d}b".as_bytes()), "a\u{200d}b");
    }

    #[test]
    fn joiners_elsewhere_are_removed() {
        for c in ['\u{200c}', '\u{200d}'] {
            for (raw, want) in [
                (format!("{c}hi"), "hi"),
                (format!("hi{c}"), "hi"),
                (format!("a {c} b"), "a  b"),
                (format!("a{c} b"), "a b"),
                (format!("1{c}2"), "12"),
                (format!("{c}{c}{c}"), ""),
            ] {
                assert_eq!(cleaned(raw.as_bytes()), want, "{raw:?}");
            }
        }
        // A run of joiners between letters leaves one.
        assert_eq!(
            cleaned("a\u{200d}\u{200d}\u{200c}b".as_bytes()),
            "a\u{200c}b"
        );
        // A removed character next to a joiner does not make it joinable.
        assert_eq!(cleaned("a\u{200d}\u{200b}b".as_bytes()), "ab");
        // Erasing the letter after a joiner erases the joiner with it.
        assert_eq!(cleaned("a\u{200d}b\x08 c".as_bytes()), "a c");
    }

    #[test]
    fn a_line_of_only_invisible_characters_is_empty() {
        let raw = "\u{202e}\u{200b}\u{200d}\u{2066}\u{feff}\u{2069}\u{200c}\u{2060}";
        assert_eq!(cleaned(raw.as_bytes()), "");
    }

    #[test]
    fn cleaning_that_grows_a_line_past_the_cap_is_too_long() {
        let raw = [0xfe_u8; 10]; // ten invalid bytes become 30 bytes of U+FFFD
        let mut line = String::new();
        assert_eq!(clean_checked(&raw, 20, &mut line), Frame::TooLong);
        assert_eq!(clean_checked(&raw, 30, &mut line), Frame::Line);
    }
}

//! Cleaning one framed line for display: [`clean`] drops control characters,
//! whole escape sequences and invisible Unicode that could spoof what others
//! see, and [`clean_checked`] re-applies the length cap.
//!
//! The Unicode properties come from `icu_properties` (ICU4X, maintained by
//! the Unicode Consortium) with its compiled data, so the sets follow the
//! Unicode Character Database instead of ranges copied by hand.
//!
//! Submodules, one concern each:
//! - `blank`: runs of blanks (spaces of any width) cut short.
//! - `marks`: combining marks bounded per character, and the joiners and
//!   emoji selector kept only where they join something.
//! - `lookalike`: asterisk lookalikes folded at the start of a word.
//! - `escape`: skipping escape sequences (CSI, OSC/DCS strings, nF/Fp/Fe/Fs).

mod blank;
mod escape;
mod lookalike;
mod marks;

use super::Frame;
use blank::{BRAILLE_BLANK, LONG_RUN, push_blank};
use escape::{skip_csi, skip_escape, skip_string};
use icu_properties::props::{BidiControl, DefaultIgnorableCodePoint, GeneralCategory};
use icu_properties::{
    CodePointMapData, CodePointMapDataBorrowed, CodePointSetData, CodePointSetDataBorrowed,
};
use lookalike::asterisk_like;
use marks::{PICTOGRAPHIC, VS16, ZWJ, ZWNJ, drop_joiner, joinable, push_mark};

/// Bidi_Control: the embeddings, overrides and isolates (U+202A–U+202E,
/// U+2066–U+2069) and the marks (U+061C, U+200E, U+200F). They can reorder
/// the rest of a line, or the text after it on another user's screen.
const BIDI_CONTROL: CodePointSetDataBorrowed<'static> = CodePointSetData::new::<BidiControl>();

/// Default_Ignorable_Code_Point: characters that render as nothing (zero-width
/// spaces and joiners, word joiner, BOM, soft hyphen, Hangul fillers, variation
/// selectors, tags, ...), so they can hide inside or make up a line.
const DEFAULT_IGNORABLE: CodePointSetDataBorrowed<'static> =
    CodePointSetData::new::<DefaultIgnorableCodePoint>();

/// General_Category, which decides blanks, marks and format characters.
const CATEGORY: CodePointMapDataBorrowed<'static, GeneralCategory> =
    CodePointMapData::<GeneralCategory>::new();

/// Cleans `raw` into `line`, reporting [`Frame::TooLong`] if cleaning made it
/// longer than the cap (each invalid UTF-8 byte becomes a 3-byte U+FFFD),
/// and whether `raw` was valid UTF-8.
pub(super) fn clean_checked(
    raw: &[u8],
    max_line: usize,
    line: &mut String,
    keep: Keep,
) -> (Frame, bool) {
    let valid = clean_keeping(raw, line, keep);
    if line.len() > max_line {
        line.clear();
        (Frame::TooLong, valid)
    } else {
        (Frame::Line, valid)
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
/// A run of more than `blank::MAX_SPACES` blank characters (spaces of any
/// width, tabs, separators, U+2800 BRAILLE PATTERN BLANK) is cut to that
/// many, so nobody can push text to the next row of a terminal, where it
/// would seem to start a line of its own. A character carries at most
/// `marks::MAX_MARKS` combining marks, so no pile of them covers the rows
/// around it. The interlinear annotation characters (U+FFF9–U+FFFB), which
/// can hide the text between them, are removed. And asterisk lookalikes
/// (`＊`, `∗`, `✱`, ...: see `lookalike`) that start the line or a
/// word become ASCII `*`, so no line, `/me` or topic starts with a star
/// that is not the one it shows: what looks like the server's `***` is
/// `***`, which others see after the sender's name like any text.
///
/// Every step looks back a bounded number of characters, so cleaning is
/// linear in the line and allocates nothing beyond `out` (and the copy
/// `from_utf8_lossy` makes of invalid UTF-8).
pub fn clean(raw: &[u8], out: &mut String) {
    let _ = clean_keeping(raw, out, Keep::Nothing);
}

/// The control characters a line codec keeps through [`clean_keeping`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// None: telnet lines, shown on terminals as they are.
    Nothing,
    /// IRC: `\x01`, which brackets CTCP (`/me` is CTCP ACTION), and NUL,
    /// which the IRC parser refuses with a numeric rather than have it
    /// vanish unseen. Neither reaches a terminal: the IRC edge takes them
    /// out of what it hands the core.
    Irc,
}

impl Keep {
    fn keeps(self, c: char) -> bool {
        self == Keep::Irc && matches!(c, '\0' | '\u{1}')
    }
}

/// [`clean`], keeping the control characters `keep` names. Returns whether
/// `raw` was valid UTF-8 (IRC's UTF8ONLY warns a client that sent bytes
/// that were not).
pub fn clean_keeping(raw: &[u8], out: &mut String, keep: Keep) -> bool {
    out.clear();
    if raw.iter().all(|b| (0x20..0x7f).contains(b)) && memchr::memmem::find(raw, LONG_RUN).is_none()
    {
        // Printable ASCII, by far the common case: nothing to change.
        out.push_str(std::str::from_utf8(raw).unwrap_or_default());
        return true;
    }
    let text = String::from_utf8_lossy(raw);
    // A borrowed answer means nothing had to be replaced.
    let valid = matches!(text, std::borrow::Cow::Borrowed(_));
    let mut chars = text.chars();
    // Where `out` would be at the start of a word (at its end, or after
    // blanks and the stars that follow them): there, asterisk lookalikes
    // are folded.
    let mut word_start = 0;
    while let Some(c) = chars.next() {
        let before = out.len();
        match c {
            '\t' | ' ' | '\u{2028}' | '\u{2029}' => {
                push_blank(out, ' ');
                word_start = out.len();
            }
            '\u{8}' | '\u{7f}' => {
                out.pop();
                // A joiner was kept for the character just erased: drop it too.
                if out.ends_with([ZWNJ, ZWJ]) {
                    out.pop();
                }
                word_start = word_start.min(out.len());
            }
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            // C1 string introducers (DCS, SOS, OSC, PM, APC) run up to a terminator.
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            c if c.is_control() => {
                if keep.keeps(c) {
                    out.push(c);
                }
            }
            // No ASCII character is a separator, bidi control or ignorable.
            c if c.is_ascii() => {
                out.push(c);
                if c == '*' && word_start == before {
                    word_start = out.len();
                }
            }
            // Interlinear annotation anchor, separator, terminator.
            '\u{fff9}'..='\u{fffb}' => {}
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
            c => push_other(out, c, &mut word_start),
        }
    }
    valid
}

/// Pushes a character that is not ASCII, a control or one of the joiners
/// kept, by its general category: one lookup decides whether it is a
/// blank or a mark (and a second, only for a format character, whether it
/// is a bidi control), so a line of letters costs two lookups a character
/// (this and default-ignorable), as before blanks and marks were bounded.
fn push_other(out: &mut String, c: char, word_start: &mut usize) {
    let category = CATEGORY.get(c);
    // Every Bidi_Control character is a format character (Cf).
    if category == GeneralCategory::Format && BIDI_CONTROL.contains(c) {
        return;
    }
    if DEFAULT_IGNORABLE.contains(c) {
        drop_joiner(out);
        return;
    }
    match category {
        GeneralCategory::SpaceSeparator => {
            push_blank(out, c);
            *word_start = out.len();
        }
        _ if c == BRAILLE_BLANK => {
            push_blank(out, c);
            *word_start = out.len();
        }
        GeneralCategory::NonspacingMark
        | GeneralCategory::SpacingMark
        | GeneralCategory::EnclosingMark => push_mark(out, c),
        _ if out.len() == *word_start && asterisk_like(c) => {
            out.push('*');
            *word_start = out.len();
        }
        _ => out.push(c),
    }
}

/// What [`clean`] makes of `raw`: the submodules' tests speak through it.
#[cfg(test)]
fn cleaned(raw: &[u8]) -> String {
    let mut out = String::new();
    clean(raw, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::blank::{MAX_SPACES, blank};
    use super::marks::MAX_MARKS;
    use super::*;
    use icu_properties::props::GeneralCategoryGroup;

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

    /// What [`push_other`] and [`blank`] rely on to save lookups.
    #[test]
    fn the_categories_stand_for_the_properties() {
        use icu_properties::props::WhiteSpace;
        let white_space = CodePointSetData::new::<WhiteSpace>();
        // Planes 0-3 and 14 hold every assigned character but private use.
        let assigned = (0..0x40000_u32).chain(0xe0000..0xf0000);
        for c in assigned.filter_map(char::from_u32) {
            if !c.is_control() && !matches!(c, '\u{2028}' | '\u{2029}') {
                let zs = CATEGORY.get(c) == GeneralCategory::SpaceSeparator;
                assert_eq!(white_space.contains(c), zs, "U+{:04X}", c as u32);
            }
            if BIDI_CONTROL.contains(c) {
                assert_eq!(
                    CATEGORY.get(c),
                    GeneralCategory::Format,
                    "U+{:04X}",
                    c as u32
                );
            }
        }
    }

    #[test]
    fn interlinear_annotations_are_removed() {
        assert_eq!(
            cleaned("ok\u{fff9}hidden\u{fffa}shown\u{fffb}!".as_bytes()),
            "okhiddenshown!"
        );
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
        assert_eq!(
            clean_checked(&raw, 20, &mut line, Keep::Nothing).0,
            Frame::TooLong
        );
        assert_eq!(
            clean_checked(&raw, 30, &mut line, Keep::Nothing).0,
            Frame::Line
        );
    }

    /// Characters that exercise every rule: ASCII, blanks of every kind,
    /// marks, joiners, lookalikes, annotations, backspace, invisibles.
    fn spicy() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let c = prop_oneof![
            4 => proptest::char::range('a', 'e'),
            2 => Just(' '),
            2 => prop::sample::select(vec!['\u{a0}', '\u{3000}', '\u{2007}', '\u{205f}', '\u{2800}', '\t', '\u{2028}']),
            3 => prop::sample::select(vec!['\u{301}', '\u{94d}', '\u{20dd}', '\u{93e}', '\u{fe0f}']),
            1 => prop::sample::select(vec![ZWJ, ZWNJ, '\u{200b}', '\u{feff}', '\u{202e}']),
            2 => prop::sample::select(vec!['*', '\u{ff0a}', '\u{2217}', '\u{2731}', '\u{66d}']),
            1 => prop::sample::select(vec!['\u{fff9}', '\u{fffa}', '\u{fffb}', '\u{8}', '\u{7f}', '\u{1b}']),
            1 => proptest::char::any(),
        ];
        proptest::collection::vec(c, 0..120).prop_map(|v| v.into_iter().collect())
    }

    fn is_mark(c: char) -> bool {
        GeneralCategoryGroup::Mark.contains(CATEGORY.get(c))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Whatever comes in: no run of more than MAX_SPACES blanks, no
        /// character with more than MAX_MARKS marks, no annotation
        /// character, no lookalike star starting a word, and cleaning
        /// again changes nothing.
        #[test]
        fn cleaned_lines_keep_every_bound(text in spicy()) {
            let out = cleaned(text.as_bytes());
            let (mut blanks, mut marks) = (0, 0);
            for c in out.chars() {
                blanks = if blank(c) { blanks + 1 } else { 0 };
                proptest::prop_assert!(blanks <= MAX_SPACES, "{:?} -> {:?}", text, out);
                if c != ZWJ && c != ZWNJ {
                    marks = if is_mark(c) { marks + 1 } else { 0 };
                }
                proptest::prop_assert!(marks <= MAX_MARKS, "{:?} -> {:?}", text, out);
                let annotation = ('\u{fff9}'..='\u{fffb}').contains(&c);
                proptest::prop_assert!(!annotation, "{:?} -> {:?}", text, out);
            }
            // After the start or a blank, and the ASCII stars there.
            let mut at_word_start = true;
            for c in out.chars() {
                proptest::prop_assert!(
                    !(at_word_start && asterisk_like(c)),
                    "{:?} -> {:?}",
                    text,
                    out
                );
                at_word_start = blank(c) || (at_word_start && c == '*');
            }
            proptest::prop_assert_eq!(cleaned(out.as_bytes()), out.clone(), "not idempotent");
        }
    }
}

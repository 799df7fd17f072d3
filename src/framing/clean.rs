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
/// A run of more than [`MAX_SPACES`] blank characters (spaces of any
/// width, tabs, separators, U+2800 BRAILLE PATTERN BLANK) is cut to that
/// many, so nobody can push text to the next row of a terminal, where it
/// would seem to start a line of its own. A character carries at most
/// [`MAX_MARKS`] combining marks, so no pile of them covers the rows
/// around it. The interlinear annotation characters (U+FFF9–U+FFFB), which
/// can hide the text between them, are removed. And asterisk lookalikes
/// (`＊`, `∗`, `✱`, ...: see [`asterisk_like`]) that start the line or a
/// word become ASCII `*`, so no line, `/me` or topic starts with a star
/// that is not the one it shows: what looks like the server's `***` is
/// `***`, which others see after the sender's name like any text.
///
/// Every step looks back a bounded number of characters, so cleaning is
/// linear in the line and allocates nothing beyond `out` (and the copy
/// `from_utf8_lossy` makes of invalid UTF-8).
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
            c if c.is_control() => {}
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

/// Longest run of blanks kept: enough for indentation and alignment.
const MAX_SPACES: usize = 4;

/// One space more than [`MAX_SPACES`]: a run of ASCII spaces that must be
/// cut (the fast path's check).
const LONG_RUN: &[u8] = b"     ";

/// U+2800 BRAILLE PATTERN BLANK: not a space to Unicode, but it looks like one.
const BRAILLE_BLANK: char = '\u{2800}';

/// Whether `c` shows as empty space: a space separator (General_Category
/// Zs: the ASCII space, NBSP, U+2000–U+200A, U+3000, ...; with the
/// controls and line separators, handled before, these are exactly the
/// White_Space characters), or [`BRAILLE_BLANK`]. Blanks are kept as they
/// are, so a no-break space still does not break. The invisible ones that
/// take no room at all (zero-width space, Hangul fillers, ...) are
/// default-ignorable and gone before this is asked.
fn blank(c: char) -> bool {
    c == ' '
        || (!c.is_ascii()
            && (c == BRAILLE_BLANK || CATEGORY.get(c) == GeneralCategory::SpaceSeparator))
}

/// Appends `blank` unless the line already ends in [`MAX_SPACES`] blanks:
/// a run of any mix of them is cut, looking back at most that far.
fn push_blank(out: &mut String, blank_char: char) {
    let run = out.chars().rev().take(MAX_SPACES).take_while(|&c| blank(c));
    if run.count() < MAX_SPACES {
        out.push(blank_char);
    }
}

/// Most combining marks kept on one character: enough for any script's
/// stack (a Vietnamese vowel's two, Hebrew's points and accent, a Tibetan
/// stack), not for a pile that draws over the lines above and below.
const MAX_MARKS: usize = 4;

/// Appends the combining mark `mark` unless the character it would join
/// already carries [`MAX_MARKS`] of them (a joiner between two marks does
/// not end the count). A mark dropped takes with it the joiner kept for
/// it, which would otherwise be left joining nothing.
fn push_mark(out: &mut String, mark: char) {
    let carried = out
        .chars()
        .rev()
        .take(2 * MAX_MARKS) // At most one joiner between two marks.
        .filter(|&c| c != ZWJ && c != ZWNJ)
        .take_while(|&c| !c.is_ascii() && GeneralCategoryGroup::Mark.contains(CATEGORY.get(c)))
        .count();
    if carried < MAX_MARKS {
        out.push(mark);
    } else {
        drop_joiner(out);
    }
}

/// Called when a character is dropped: a joiner that `out` ends with was
/// kept because this character (joinable) came next, and would now join
/// nothing, so it goes too.
fn drop_joiner(out: &mut String) {
    if out.ends_with([ZWNJ, ZWJ]) {
        out.pop();
    }
}

/// Whether `c` looks like an asterisk, the server notices' `***`: its
/// compatibility forms (U+FE61 SMALL, U+FF0A FULLWIDTH), its confusables
/// in Unicode's UTS #39 list (U+066D ARABIC FIVE POINTED STAR, U+204E LOW
/// ASTERISK, U+2217 ASTERISK OPERATOR, U+1031F OLD ITALIC LETTER ESS), and
/// the symbols named asterisk or drawn as one (U+2042 ASTERISM, U+2051,
/// U+2055, U+22C6 STAR OPERATOR, U+26B9 SEXTILE, the dingbat asterisks and
/// stars U+2722–U+2725, U+2731–U+273D, U+2743, U+2749–U+274B, U+A673
/// SLAVONIC ASTERISK, U+1F7AF–U+1F7BF).
fn asterisk_like(c: char) -> bool {
    matches!(
        c,
        '\u{066d}'
            | '\u{2042}'
            | '\u{204e}'
            | '\u{2051}'
            | '\u{2055}'
            | '\u{2217}'
            | '\u{22c6}'
            | '\u{26b9}'
            | '\u{2722}'..='\u{2725}'
            | '\u{2731}'..='\u{273d}'
            | '\u{2743}'
            | '\u{2749}'..='\u{274b}'
            | '\u{a673}'
            | '\u{fe61}'
            | '\u{ff0a}'
            | '\u{1031f}'
            | '\u{1f7af}'..='\u{1f7bf}'
    )
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
    fn runs_of_any_blank_are_cut_like_spaces() {
        // The soft-wrap fake, padded with spaces that are not ASCII.
        for pad in [
            '\u{a0}', '\u{3000}', '\u{2007}', '\u{205f}', '\u{2800}', '\u{202f}',
        ] {
            let spoof = format!("hi{}*** alice has left", pad.to_string().repeat(75));
            let want = format!("hi{}*** alice has left", pad.to_string().repeat(MAX_SPACES));
            assert_eq!(cleaned(spoof.as_bytes()), want, "U+{:04X}", pad as u32);
        }
        // Mixed kinds make one run; single no-break spaces stay as they are.
        assert_eq!(
            cleaned("a \u{a0}\u{3000}\t\u{2800}\u{2007} b".as_bytes()),
            "a \u{a0}\u{3000} b"
        );
        assert_eq!(cleaned("10\u{a0}km".as_bytes()), "10\u{a0}km");
        // A removed invisible character does not split a run.
        assert_eq!(
            cleaned("a\u{a0}\u{a0}\u{200b}\u{a0}\u{a0}\u{feff}\u{a0}b".as_bytes()),
            "a\u{a0}\u{a0}\u{a0}\u{a0}b"
        );
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
    fn combining_marks_are_bounded_per_character() {
        let zalgo = format!("a{}b", "\u{301}".repeat(300));
        assert_eq!(
            cleaned(zalgo.as_bytes()),
            format!("a{}b", "\u{301}".repeat(MAX_MARKS))
        );
        // Each character has its own allowance; real stacks are untouched.
        let two = format!("x{0}y{0}", "\u{300}\u{323}\u{302}");
        assert_eq!(cleaned(two.as_bytes()), two);
        let vietnamese = "Vi\u{1ec7}t Nam ti\u{1ebf}ng vi\u{1ec7}t"; // precomposed
        assert_eq!(cleaned(vietnamese.as_bytes()), vietnamese);
        let tibetan = "\u{f56}\u{f66}\u{f92}\u{fb2}\u{f74}\u{f56}\u{f66}"; // བསྒྲུབས
        assert_eq!(cleaned(tibetan.as_bytes()), tibetan);
        // Joiners between marks neither hide marks from the count nor stay
        // behind when the mark they joined is dropped.
        let joined = format!("a{}", "\u{94d}\u{200d}".repeat(50));
        let got = cleaned(joined.as_bytes());
        assert_eq!(got.chars().filter(|&c| c == '\u{94d}').count(), MAX_MARKS);
        assert!(!got.ends_with('\u{200d}'), "{got:?}");
        // Marks with no character before them are bounded too.
        let bare = "\u{301}".repeat(20);
        assert_eq!(cleaned(bare.as_bytes()), "\u{301}".repeat(MAX_MARKS));
    }

    #[test]
    fn interlinear_annotations_are_removed() {
        assert_eq!(
            cleaned("ok\u{fff9}hidden\u{fffa}shown\u{fffb}!".as_bytes()),
            "okhiddenshown!"
        );
    }

    #[test]
    fn asterisk_lookalikes_starting_a_word_become_ascii() {
        for star in [
            '\u{ff0a}',
            '\u{fe61}',
            '\u{2217}',
            '\u{204e}',
            '\u{2731}',
            '\u{066d}',
            '\u{2733}',
            '\u{273d}',
            '\u{22c6}',
            '\u{1f7af}',
        ] {
            let fake = format!("{star}{star}{star} bob has left");
            assert_eq!(
                cleaned(fake.as_bytes()),
                "*** bob has left",
                "U+{:04X}",
                star as u32
            );
            // After leading blanks, and mixed with ASCII stars, too.
            let mixed = format!("\u{3000}*{star}* bob has left");
            assert_eq!(cleaned(mixed.as_bytes()), "\u{3000}*** bob has left");
        }
        // A word's start is folded too (a `/me`, a topic), not its inside.
        assert_eq!(cleaned("/me \u{ff0a}\u{ff0a}".as_bytes()), "/me **");
        assert_eq!(cleaned("2 \u{2217} 3".as_bytes()), "2 * 3");
        assert_eq!(cleaned("\u{645}\u{66d}".as_bytes()), "\u{645}\u{66d}");
        assert_eq!(cleaned("*a\u{2731}".as_bytes()), "*a\u{2731}");
        // Erasing back to a word's start makes it one again.
        assert_eq!(cleaned("x\x08\u{ff0a}".as_bytes()), "*");
        assert_eq!(cleaned("a bc\x08\x08\u{ff0a}".as_bytes()), "a *");
        assert_eq!(cleaned("ab\x08\u{ff0a}".as_bytes()), "a\u{ff0a}");
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
        // A joiner kept for a character that is then removed goes with it.
        assert_eq!(cleaned("a\u{200d}\u{fe0f} ".as_bytes()), "a ");
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

//! Runs of blanks: any mix of spaces, of any width, is cut to
//! [`MAX_SPACES`], so nobody can push text to the next row of a terminal,
//! where it would seem to start a line of its own.

use super::CATEGORY;
use icu_properties::props::GeneralCategory;

/// Longest run of blanks kept: enough for indentation and alignment.
pub(super) const MAX_SPACES: usize = 4;

/// One space more than [`MAX_SPACES`]: a run of ASCII spaces that must be
/// cut (the fast path's check).
pub(super) const LONG_RUN: &[u8] = b"     ";

/// U+2800 BRAILLE PATTERN BLANK: not a space to Unicode, but it looks like one.
pub(super) const BRAILLE_BLANK: char = '\u{2800}';

/// Whether `c` shows as empty space: a space separator (General_Category
/// Zs: the ASCII space, NBSP, U+2000–U+200A, U+3000, ...; with the
/// controls and line separators, handled before, these are exactly the
/// White_Space characters), or [`BRAILLE_BLANK`]. Blanks are kept as they
/// are, so a no-break space still does not break. The invisible ones that
/// take no room at all (zero-width space, Hangul fillers, ...) are
/// default-ignorable and gone before this is asked.
pub(super) fn blank(c: char) -> bool {
    c == ' '
        || (!c.is_ascii()
            && (c == BRAILLE_BLANK || CATEGORY.get(c) == GeneralCategory::SpaceSeparator))
}

/// Appends `blank` unless the line already ends in [`MAX_SPACES`] blanks:
/// a run of any mix of them is cut, looking back at most that far.
pub(super) fn push_blank(out: &mut String, blank_char: char) {
    let run = out.chars().rev().take(MAX_SPACES).take_while(|&c| blank(c));
    if run.count() < MAX_SPACES {
        out.push(blank_char);
    }
}

#[cfg(test)]
mod tests {
    use super::super::cleaned;
    use super::*;

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
}

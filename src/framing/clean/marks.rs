//! Combining marks and joiners: a character carries at most [`MAX_MARKS`]
//! marks, so no pile of them covers the rows around it; a ZWJ or ZWNJ is
//! kept only between two [`joinable`] characters, and the emoji
//! presentation selector only after an emoji.

use super::CATEGORY;
use icu_properties::props::{
    Alphabetic, EmojiModifier, ExtendedPictographic, GeneralCategoryGroup,
};
use icu_properties::{CodePointSetData, CodePointSetDataBorrowed};

// What [`joinable`] looks up (and, for the emoji selector, [`super::clean`]).
const ALPHABETIC: CodePointSetDataBorrowed<'static> = CodePointSetData::new::<Alphabetic>();
pub(super) const PICTOGRAPHIC: CodePointSetDataBorrowed<'static> =
    CodePointSetData::new::<ExtendedPictographic>();
const EMOJI_MODIFIER: CodePointSetDataBorrowed<'static> = CodePointSetData::new::<EmojiModifier>();

/// ZERO WIDTH NON-JOINER and ZERO WIDTH JOINER: default-ignorable, but kept
/// between two [`joinable`] characters, where scripts and emoji need them.
pub(super) const ZWNJ: char = '\u{200c}';
pub(super) const ZWJ: char = '\u{200d}';

/// VARIATION SELECTOR-16: show the character before it as an emoji.
pub(super) const VS16: char = '\u{fe0f}';

/// Most combining marks kept on one character: enough for any script's
/// stack (a Vietnamese vowel's two, Hebrew's points and accent, a Tibetan
/// stack), not for a pile that draws over the lines above and below.
pub(super) const MAX_MARKS: usize = 4;

/// Appends the combining mark `mark` unless the character it would join
/// already carries [`MAX_MARKS`] of them (a joiner between two marks does
/// not end the count). A mark dropped takes with it the joiner kept for
/// it, which would otherwise be left joining nothing.
pub(super) fn push_mark(out: &mut String, mark: char) {
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
pub(super) fn drop_joiner(out: &mut String) {
    if out.ends_with([ZWNJ, ZWJ]) {
        out.pop();
    }
}

/// Whether a ZWJ or ZWNJ next to `c` can do its job: a letter (Alphabetic,
/// which covers every script's letters and most vowel signs), a combining mark
/// (a virama before a joiner asks for a half-form or an explicit virama), or
/// an emoji part (Extended_Pictographic, Emoji_Modifier), as in 👨‍👩‍👧.
pub(super) fn joinable(c: char) -> bool {
    ALPHABETIC.contains(c)
        || GeneralCategoryGroup::Mark.contains(CATEGORY.get(c))
        || PICTOGRAPHIC.contains(c)
        || EMOJI_MODIFIER.contains(c)
}

#[cfg(test)]
mod tests {
    use super::super::cleaned;
    use super::*;

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
}

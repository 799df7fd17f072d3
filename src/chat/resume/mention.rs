//! Whether a chat line names a user (`--notify-mentions`). Pure: text in,
//! yes or no out.
//!
//! A line names `alice` when `alice` is one of its words, in any ASCII
//! case, as names compare. A word is a run of the characters a name is
//! made of (`A-Z a-z 0-9 _ -`) and of any other letter or digit, so that
//! `malice`, `alice_2`, `alice-bot` and `aliceé` are other words. Anything
//! else ends a word: `@alice`, `alice:`, `alice,` and `(alice)` name her.

/// Whether `c` is part of a word (see the module doc).
fn in_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// Whether `text` names `name` (see the module doc). An empty name names
/// nothing.
pub fn names(text: &str, name: &str) -> bool {
    !name.is_empty()
        && text
            .split(|c: char| !in_word(c))
            .any(|word| word.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::names;

    #[test]
    fn a_whole_word_in_any_case() {
        for text in [
            "alice",
            "hi alice",
            "ALICE, look",
            "@Alice what do you think?",
            "alice: ping",
            "(alice)",
            "thanks alice.",
            "ask alice’s opinion",
            "bob\talice",
        ] {
            assert!(names(text, "alice"), "{text:?}");
        }
    }

    #[test]
    fn not_inside_another_word_nor_another_name() {
        for text in [
            "",
            "malice",
            "alices",
            "alice_2 is here",
            "alice-bot says hi",
            "-alice",
            "aliceé",
            "ali ce",
            "hi bob",
        ] {
            assert!(!names(text, "alice"), "{text:?}");
        }
    }

    #[test]
    fn names_with_digits_hyphens_and_underscores() {
        assert!(names("ping al-9_x!", "Al-9_X"));
        assert!(!names("ping al-9_xy", "al-9_x"));
        assert!(names("9 lives", "9"));
        assert!(!names("anything", ""));
    }
}

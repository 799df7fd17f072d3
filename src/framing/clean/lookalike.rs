//! Line-start folding: asterisk lookalikes that start the line or a word
//! become ASCII `*` (see [`super::clean`]), so what looks like the server's
//! `***` is `***`.

/// Whether `c` looks like an asterisk, the server notices' `***`: its
/// compatibility forms (U+FE61 SMALL, U+FF0A FULLWIDTH), its confusables
/// in Unicode's UTS #39 list (U+066D ARABIC FIVE POINTED STAR, U+204E LOW
/// ASTERISK, U+2217 ASTERISK OPERATOR, U+1031F OLD ITALIC LETTER ESS), and
/// the symbols named asterisk or drawn as one (U+2042 ASTERISM, U+2051,
/// U+2055, U+22C6 STAR OPERATOR, U+26B9 SEXTILE, the dingbat asterisks and
/// stars U+2722–U+2725, U+2731–U+273D, U+2743, U+2749–U+274B, U+A673
/// SLAVONIC ASTERISK, U+1F7AF–U+1F7BF).
pub(super) fn asterisk_like(c: char) -> bool {
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

#[cfg(test)]
mod tests {
    use super::super::cleaned;

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
}

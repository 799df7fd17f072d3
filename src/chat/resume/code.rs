//! Resume codes: twelve Crockford base32 characters (60 random bits from
//! the kernel), shown as `XXXX-XXXX-XXXX`; only a keyed hash of one is
//! ever stored.
//!
//! Why a keyed 64-bit hash is enough: the code is 60 bits from getrandom,
//! not a password a person chose, so there is no dictionary to try and no
//! two users share one. Guessing online is limited per address (like
//! passwords) and a record lives `--resume-window` (10 minutes); recovering
//! a code from a leaked hash takes about 2^59 SipHash evaluations, for a
//! record that is gone in minutes. The hash is the same on every node (a
//! fixed key), so any node finds a record another node stored.

use std::fmt::Write;
use std::hash::Hasher;

/// Crockford's base32 alphabet: no I, L, O or U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Characters in a code (5 bits each: 60 bits).
const CHARS: usize = 12;

/// The fixed SipHash key (the same in every node of a cluster).
const KEY: (u64, u64) = (0x6c69_6e65_6368_6174, 0x7265_7375_6d65_2121);

/// A code's 60 bits.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Code(u64);

impl std::fmt::Debug for Code {
    /// Never shown in a log line: the code is a bearer secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Code(..)")
    }
}

/// Codes drawn from the kernel's random source a batch at a time: one
/// `getrandom` per [`BATCH`] logins instead of one per login.
#[derive(Debug, Default)]
pub struct CodeSource {
    /// Random words not handed out yet (the last one first).
    words: Vec<u64>,
}

/// Codes fetched with one `getrandom`.
const BATCH: usize = 64;

impl CodeSource {
    /// The next code; `None` if the kernel has no random bytes to give
    /// (then no code is given: resuming is a convenience, not a must).
    pub fn next(&mut self) -> Option<Code> {
        if self.words.is_empty() {
            let mut bytes = [0u8; 8 * BATCH];
            crate::sys::random_bytes(&mut bytes).ok()?;
            let words = bytes.chunks_exact(8);
            self.words = words
                .map(|w| u64::from_le_bytes(w.try_into().unwrap_or_default()))
                .collect();
        }
        self.words.pop().map(|word| Code(word >> 4))
    }
}

impl Code {
    /// A new code from the kernel's random source (see [`CodeSource`]).
    #[cfg(test)]
    pub fn new() -> Option<Code> {
        CodeSource::default().next()
    }

    /// The code as typed: `XXXX-XXXX-XXXX`.
    pub fn display(self) -> String {
        String::from_utf8_lossy(&self.typed()).into_owned()
    }

    /// Writes the code as typed into `out` (a notice being rendered: no
    /// string of its own).
    pub fn write_to(self, out: &mut impl Write) -> std::fmt::Result {
        // The alphabet and the dashes are ASCII.
        out.write_str(std::str::from_utf8(&self.typed()).unwrap_or_default())
    }

    /// The code's characters, with a dash after every four.
    fn typed(self) -> [u8; CHARS + 2] {
        let mut out = [b'-'; CHARS + 2];
        for i in 0..CHARS {
            let shift = 5 * (CHARS - 1 - i);
            out[i + i / 4] = ALPHABET[((self.0 >> shift) & 31) as usize];
        }
        out
    }

    /// A typed code: case, dashes and spaces do not matter, and Crockford's
    /// look-alikes are read as what they look like (O as 0, I and L as 1).
    pub fn parse(typed: &str) -> Option<Code> {
        let mut value = 0u64;
        let mut count = 0;
        for c in typed.chars().filter(|c| !matches!(c, '-' | ' ')) {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let digit = ALPHABET.iter().position(|&a| a as char == c)?;
            count += 1;
            if count > CHARS {
                return None;
            }
            value = (value << 5) | digit as u64;
        }
        (count == CHARS).then_some(Code(value))
    }

    /// What is stored instead of the code (see the module doc).
    pub fn hash(self) -> u64 {
        #[allow(deprecated)] // SipHash-2-4: stable, and the same on every node.
        let mut hasher = std::hash::SipHasher::new_with_keys(KEY.0, KEY.1);
        hasher.write_u64(self.0);
        hasher.finish()
    }
}

/// A stored hash as text (the Redis key's tail).
pub fn hex(hash: u64) -> String {
    let mut out = String::with_capacity(16);
    let _ = write!(out, "{hash:016x}");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_as_typed_in_any_case() {
        let code = Code::new().expect("random");
        let shown = code.display();
        assert_eq!(shown.len(), 14);
        assert_eq!(shown.matches('-').count(), 2);
        assert_eq!(Code::parse(&shown), Some(code));
        assert_eq!(Code::parse(&shown.to_lowercase()), Some(code));
        assert_eq!(Code::parse(&shown.replace('-', "")), Some(code));
        assert_eq!(Code::parse(&shown).map(Code::hash), Some(code.hash()));
    }

    #[test]
    fn look_alikes_and_bad_codes() {
        assert_eq!(Code::parse("OOOO-IIII-LLLL"), Code::parse("0000-1111-1111"));
        for bad in [
            "",
            "ABCD",
            "ABCD-EFGH-JKMN-P",
            "ABCD-EFGH-JKMU",
            "ABCD-EFGH-JKM!",
        ] {
            assert_eq!(Code::parse(bad), None, "{bad:?}");
        }
        assert_ne!(Code(1).hash(), Code(2).hash());
        assert_eq!(format!("{:?}", Code(5)), "Code(..)");
    }

    #[test]
    fn codes_differ() {
        let a = Code::new().unwrap();
        let b = Code::new().unwrap();
        assert_ne!(a, b, "60 random bits twice alike: 2^-60");
    }
}

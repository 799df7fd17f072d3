//! What the server's answer to a name means (pure).
//!
//! The generator knows no server's wording, so it recognises a refused name
//! by two signs that hold for linechat and for most line-chat servers (and
//! for IRC's "Nickname is already in use"):
//!
//! - the answer has the word `taken`, or the words `in use`, in any case
//!   (a word: `taken0` or `mistaken` is not one), or
//! - the answer ends with the prompt that asked for the name: the server is
//!   asking again. A prompt is the text after the last newline of the
//!   server's first bytes, and counts only if it has a letter in it (a bare
//!   `> ` may well end every line a server sends).
//!
//! Only the first bytes after the name are judged, as they decide the login
//! (see `engine.rs`); linechat sends its refusal and the new prompt in one
//! write. Of a long answer (linechat's welcome lists everyone online) only
//! the first [`HEAD`] bytes and the last line are kept.

/// Bytes kept from the start of an answer: where a refusal notice is.
pub const HEAD: usize = 1024;

/// Longest last line kept; a longer one is no prompt.
pub const TAIL: usize = 256;

/// What a client has heard from the server in one login phase: the start
/// of it and its unfinished last line, both bounded.
#[derive(Debug, Default, Clone)]
pub struct Heard {
    head: Vec<u8>,
    /// The bytes after the last newline so far.
    tail: Vec<u8>,
    /// The last line grew over [`TAIL`]: `tail` is not all of it.
    tail_over: bool,
}

impl Heard {
    /// Adds bytes as they arrive.
    pub fn push(&mut self, bytes: &[u8]) {
        let room = HEAD.saturating_sub(self.head.len());
        self.head.extend_from_slice(&bytes[..room.min(bytes.len())]);
        let fresh = match memchr::memrchr(b'\n', bytes) {
            Some(i) => {
                self.tail.clear();
                self.tail_over = false;
                &bytes[i + 1..]
            }
            None => bytes,
        };
        if self.tail.len() + fresh.len() > TAIL {
            self.tail.clear();
            self.tail_over = true;
        } else if !self.tail_over {
            self.tail.extend_from_slice(fresh);
        }
    }

    /// The unfinished last line, if short enough to be a prompt.
    pub fn last_line(&self) -> Option<&[u8]> {
        (!self.tail_over).then_some(&self.tail[..])
    }

    /// The first line heard (up to [`HEAD`] bytes), for messages.
    pub fn first_line(&self) -> String {
        let end = memchr::memchr(b'\n', &self.head).unwrap_or(self.head.len());
        String::from_utf8_lossy(self.head[..end].trim_ascii()).into_owned()
    }
}

/// The prompt in the server's first bytes: their last line, trimmed, if it
/// has a letter in it.
pub fn prompt(first: &Heard) -> Option<Vec<u8>> {
    let line = first.last_line()?.trim_ascii();
    line.iter()
        .any(u8::is_ascii_alphabetic)
        .then(|| line.to_vec())
}

/// Whether `answer`, what the server sent right after our name, refuses it;
/// `prompt` is what [`prompt`] found in the bytes before the name.
pub fn refused(prompt: Option<&[u8]>, answer: &Heard) -> bool {
    let asks_again = prompt.is_some_and(|p| answer.last_line().map(<[u8]>::trim_ascii) == Some(p));
    asks_again || says_refused(&answer.head)
}

/// Whether `text` has the word `taken` or the words `in use`.
fn says_refused(text: &[u8]) -> bool {
    let mut previous: &[u8] = b"";
    for word in text
        .split(|b| !(b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-'))
        .filter(|w| !w.is_empty())
    {
        if word.eq_ignore_ascii_case(b"taken")
            || (previous.eq_ignore_ascii_case(b"in") && word.eq_ignore_ascii_case(b"use"))
        {
            return true;
        }
        previous = word;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heard(chunks: &[&[u8]]) -> Heard {
        let mut h = Heard::default();
        for c in chunks {
            h.push(c);
        }
        h
    }

    const GREETING: &[u8] = b"Welcome to linechat!\r\nEnter your name: ";

    fn judge(first: &[u8], answer: &[u8]) -> bool {
        let p = prompt(&heard(&[first]));
        refused(p.as_deref(), &heard(&[answer]))
    }

    #[test]
    fn linechat_refusals_are_refusals() {
        assert_eq!(
            prompt(&heard(&[GREETING])).as_deref(),
            Some(&b"Enter your name:"[..])
        );
        for answer in [
            &b"*** The name 'u0' is taken\r\nEnter your name: "[..],
            b"*** The name 'u0' is taken\r\n",
            b"*** Invalid name: use 1 to 24 characters\r\nEnter your name: ",
        ] {
            assert!(
                judge(GREETING, answer),
                "{}",
                String::from_utf8_lossy(answer)
            );
        }
    }

    #[test]
    fn welcomes_are_not_refusals() {
        for answer in [
            &b"*** Welcome, u0! 1 online: u0\r\n"[..],
            b"*** Welcome, taken0! 3 online: taken0, taken_1, mistaken\r\n",
            b"[12:00:00] *** Welcome, u7! 2 online: u0, u7\r\n",
            b"Hello u0\r\n> ",
        ] {
            assert!(
                !judge(GREETING, answer),
                "{}",
                String::from_utf8_lossy(answer)
            );
        }
    }

    #[test]
    fn other_servers_wordings() {
        // IRC-style, no prompt at all.
        assert!(judge(b"", b":srv 433 * u0 :Nickname is already in use\r\n"));
        // A prompt without letters is no prompt: a server may end every
        // line with it.
        assert!(!judge(b"hi\r\n> ", b"ok\r\n> "));
        assert!(judge(b"hi\r\nnick> ", b"nick> "));
        assert!(!judge(b"hi\r\n", b"hi\r\n"));
    }

    #[test]
    fn heard_keeps_the_last_line_across_chunks_and_bounds_both_parts() {
        let h = heard(&[b"Welcome\r\nEnter ", b"your ", b"name: "]);
        assert_eq!(h.last_line(), Some(&b"Enter your name: "[..]));
        assert_eq!(h.first_line(), "Welcome");
        let h = heard(&[b"x\r\n", &[b'a'; TAIL + 1]]);
        assert_eq!(h.last_line(), None);
        let h = heard(&[&[b'a'; TAIL + 1], b"\r\nName: "]);
        assert_eq!(h.last_line(), Some(&b"Name: "[..]));
        let long = vec![b'n'; 100_000];
        let h = heard(&[b"*** Welcome! online: ", &long, b"\r\n"]);
        assert_eq!(h.head.len(), HEAD);
        assert_eq!(h.last_line(), Some(&b""[..]));
    }
}

//! Telnet commands and options: [`Options`] removes telnet commands from
//! each chunk as it is read, in place, collects the refusals owed to the
//! client, and keeps the server's side of the ECHO option.

use super::super::Decoded;
use memchr::memchr;

/// Telnet "interpret as command": starts every telnet command.
pub(super) const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
pub(super) const WONT: u8 = 252;
pub(super) const WILL: u8 = 251;
/// Subnegotiation begin; everything up to IAC SE belongs to it.
const SB: u8 = 250;
const SE: u8 = 240;

/// Where the telnet parser is inside a command; survives across reads so a
/// command split between two packets is still recognised.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum TelnetState {
    #[default]
    Data,
    /// Seen IAC.
    Iac,
    /// Seen IAC and one of WILL/WONT/DO/DONT; the option byte comes next.
    Option(u8),
    /// Inside IAC SB ... (ignored until IAC SE).
    Sub,
    /// Seen IAC inside a subnegotiation.
    SubIac,
}

/// TIMING-MARK: telnet sends `IAC DO TIMING-MARK` on Ctrl-C and discards
/// output until it is answered, so it is answered every time.
const TIMING_MARK: u8 = 6;

/// Strips telnet commands out of the byte stream of one connection, and
/// negotiates its options.
#[derive(Debug, Default)]
pub struct Options {
    state: TelnetState,
    /// Options already refused, as bits: DO requests in the first 256, WILL
    /// offers in the next 256. Allocated at the first negotiation (plain
    /// `nc` clients never pay for it).
    refused: Option<Box<[u64; 8]>>,
    /// Where the server's side of the ECHO option stands.
    echo: Echo,
    /// An offer to echo was withdrawn before the client answered it: a
    /// `DO ECHO` that comes now is that late answer, and is refused even if
    /// `DO ECHO` was refused before, so the client echoes again.
    echo_late: bool,
    /// Asked to hide typing (a password prompt) and no line since: see
    /// [`Options::take_typing_notice`].
    typing_notice_due: bool,
}

/// The ECHO option (RFC 857).
pub(super) const ECHO: u8 = 1;

/// The server's side of the ECHO option, kept as RFC 1143's Q method does
/// (without its queue). The server offers to echo only while a password is
/// typed, and echoes nothing: a client that agrees stops showing what its
/// user types.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Echo {
    /// Not echoing (RFC 1143's NO).
    #[default]
    Off,
    /// `IAC WILL ECHO` sent, no answer yet (WANTYES). A raw `nc` never
    /// answers.
    Offered,
    /// The client answered `DO ECHO`: its typing is hidden (YES).
    On,
    /// `IAC WONT ECHO` sent, its `DONT` not yet seen (WANTNO).
    Withdrawn,
}

impl Options {
    /// Offers to echo (`IAC WILL ECHO`), so that a client that agrees stops
    /// showing what its user types; false (nothing to send) if the offer
    /// stands or was taken already. Sent whether or not the client has
    /// spoken telnet: telnet on a port other than 23 negotiates nothing
    /// until the server does.
    pub fn hide_typing(&mut self) -> bool {
        self.typing_notice_due = true;
        match self.echo {
            Echo::Off | Echo::Withdrawn => {
                self.echo = Echo::Offered;
                true
            }
            Echo::Offered | Echo::On => false,
        }
    }

    /// Withdraws the offer to echo; true if the client's typing was hidden
    /// until now, so it is owed `IAC WONT ECHO` (and its Enter showed no
    /// line end). Only a client that agreed is told: one that never
    /// answered is most likely a raw `nc`, which would show the three bytes;
    /// if it is a slow telnet after all, its late `DO ECHO` is refused then.
    pub fn show_typing(&mut self) -> bool {
        self.typing_notice_due = false;
        match self.echo {
            Echo::On => {
                self.echo = Echo::Withdrawn;
                true
            }
            Echo::Offered => {
                self.echo = Echo::Off;
                self.echo_late = true;
                false
            }
            Echo::Off | Echo::Withdrawn => false,
        }
    }

    /// A line arrived: typed already, so a notice now would land after it.
    pub fn line_typed(&mut self) {
        self.typing_notice_due = false;
    }

    /// Whether the client must now be told that its typing shows: it was
    /// asked to hide it, has not agreed, and has typed nothing since. Once
    /// only.
    pub fn take_typing_notice(&mut self) -> bool {
        std::mem::take(&mut self.typing_notice_due) && !self.typing_hidden()
    }

    /// Whether the client agreed to stop showing what its user types.
    pub fn typing_hidden(&self) -> bool {
        self.echo == Echo::On
    }

    /// The client's `DO ECHO` (`agree`) or `DONT ECHO`: an answer to the
    /// server's offer or withdrawal, or a request. Returns the reply owed,
    /// if any; at most one per request that changes something, so no loop
    /// can start.
    fn echo_answered(&mut self, agree: bool) -> Option<u8> {
        match (self.echo, agree) {
            (Echo::Offered, true) => self.echo = Echo::On,
            (Echo::Offered, false) | (Echo::Withdrawn, _) => self.echo = Echo::Off,
            (Echo::On, false) => {
                // The client turned it off itself: acknowledge (RFC 1143).
                self.echo = Echo::Off;
                return Some(WONT);
            }
            (Echo::On, true) => {}
            (Echo::Off, true) => {
                let first = self.first_time(usize::from(ECHO));
                return (std::mem::take(&mut self.echo_late) || first).then_some(WONT);
            }
            (Echo::Off, false) => self.echo_late = false,
        }
        None
    }

    /// Marks refusal `bit` as sent; whether it had not been before.
    fn first_time(&mut self, bit: usize) -> bool {
        let refused = self.refused.get_or_insert_with(|| Box::new([0; 8]));
        let (word, mask) = (bit / 64, 1u64 << (bit % 64));
        let first = refused[word] & mask == 0;
        refused[word] |= mask;
        first
    }

    /// Removes telnet commands from `buf` in place and returns how many data
    /// bytes remain at its front, and how many commands there were (for the
    /// flood budget). IAC IAC stands for a literal 0xFF byte.
    ///
    /// Every option the client offers (WILL) or asks for (DO) is refused by
    /// appending DONT or WONT to `replies`, once per option (RFC 1143: a
    /// request that changes nothing is not answered), so repeats queue
    /// nothing; refusals are never answered, so no negotiation loop can
    /// start. TIMING-MARK is answered every time, so telnet is never left
    /// waiting after Ctrl-C.
    pub fn strip(&mut self, buf: &mut [u8], replies: &mut Vec<u8>) -> Decoded {
        if self.state == TelnetState::Data && memchr(IAC, buf).is_none() {
            // The usual case: no telnet commands at all.
            return Decoded {
                data: buf.len(),
                commands: 0,
            };
        }
        let mut kept = 0;
        let mut commands = 0;
        let mut i = 0;
        while i < buf.len() {
            let byte = buf[i];
            match self.state {
                TelnetState::Data => {
                    // Copy the run of plain data up to the next IAC in one go.
                    let run = memchr(IAC, &buf[i..]).unwrap_or(buf.len() - i);
                    buf.copy_within(i..i + run, kept);
                    kept += run;
                    i += run;
                    if i < buf.len() {
                        self.state = TelnetState::Iac;
                        i += 1;
                    }
                    continue;
                }
                TelnetState::Iac => {
                    self.state = match byte {
                        IAC => {
                            buf[kept] = IAC;
                            kept += 1;
                            TelnetState::Data
                        }
                        WILL | WONT | DO | DONT => TelnetState::Option(byte),
                        SB => {
                            commands += 1;
                            TelnetState::Sub
                        }
                        // Any other command (IP, AYT, NOP, GA, ...) is two bytes.
                        _ => {
                            commands += 1;
                            TelnetState::Data
                        }
                    };
                }
                TelnetState::Option(verb) => {
                    commands += 1;
                    let answer = match verb {
                        DO | DONT if byte == ECHO => {
                            if let Some(reply) = self.echo_answered(verb == DO) {
                                replies.extend_from_slice(&[IAC, reply, ECHO]);
                            }
                            None
                        }
                        DO => Some((WONT, 0)),
                        WILL => Some((DONT, 256)),
                        _ => None,
                    };
                    if let Some((reply, base)) = answer
                        && (byte == TIMING_MARK || self.first_time(base + usize::from(byte)))
                    {
                        replies.extend_from_slice(&[IAC, reply, byte]);
                    }
                    self.state = TelnetState::Data;
                }
                TelnetState::Sub => {
                    if byte == IAC {
                        self.state = TelnetState::SubIac;
                    }
                }
                TelnetState::SubIac => {
                    self.state = if byte == SE {
                        TelnetState::Data
                    } else {
                        TelnetState::Sub
                    };
                }
            }
            i += 1;
        }
        Decoded {
            data: kept,
            commands,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telnet_commands_are_removed_and_options_refused() {
        let mut telnet = Options::default();
        let mut replies = Vec::new();
        // IAC DO ECHO, IAC WILL SGA, IAC WONT x, IAC IP, IAC SB ... IAC SE, IAC IAC.
        let mut buf =
            b"a\xff\xfd\x01b\xff\xfb\x03c\xff\xfc\x05\xff\xf4d\xff\xfa\x18\x01\xff\xf0e\xff\xff"
                .to_vec();
        let decoded = telnet.strip(&mut buf, &mut replies);
        assert_eq!(&buf[..decoded.data], b"abcde\xff");
        assert_eq!(replies, b"\xff\xfc\x01\xff\xfe\x03");
        assert_eq!(decoded.commands, 5);
    }

    #[test]
    fn each_option_is_refused_once_but_timing_mark_always() {
        let mut telnet = Options::default();
        let mut replies = Vec::new();
        let mut flood = b"\xff\xfd\x01".repeat(1000);
        flood.extend_from_slice(&b"\xff\xfb\x01".repeat(10));
        let decoded = telnet.strip(&mut flood, &mut replies);
        assert_eq!(decoded.data, 0);
        assert_eq!(
            replies, b"\xff\xfc\x01\xff\xfe\x01",
            "DO and WILL refused once each"
        );
        assert_eq!(decoded.commands, 1010);
        replies.clear();
        let mut ctrl_c = b"\xff\xf4\xff\xfd\x06".repeat(3);
        telnet.strip(&mut ctrl_c, &mut replies);
        assert_eq!(replies, b"\xff\xfc\x06".repeat(3));
    }

    /// Feeds `bytes` and returns the replies they are owed.
    fn replies_to(telnet: &mut Options, bytes: &[u8]) -> Vec<u8> {
        let mut replies = Vec::new();
        let mut buf = bytes.to_vec();
        assert_eq!(telnet.strip(&mut buf, &mut replies).data, 0);
        replies
    }

    #[test]
    fn an_echo_offer_taken_hides_typing_until_withdrawn() {
        let mut telnet = Options::default();
        assert!(telnet.hide_typing());
        assert!(!telnet.hide_typing(), "the offer stands");
        assert!(!telnet.typing_hidden());
        assert_eq!(replies_to(&mut telnet, b"\xff\xfd\x01"), b"", "DO: taken");
        assert!(telnet.typing_hidden());
        assert!(telnet.show_typing());
        assert!(!telnet.typing_hidden());
        assert_eq!(
            replies_to(&mut telnet, b"\xff\xfe\x01"),
            b"",
            "DONT: agreed"
        );
        // Offered again for the next prompt.
        assert!(telnet.hide_typing());
        assert_eq!(replies_to(&mut telnet, b"\xff\xfd\x01"), b"");
        assert!(telnet.typing_hidden());
    }

    #[test]
    fn an_unanswered_offer_is_withdrawn_silently_and_a_late_yes_refused() {
        let mut telnet = Options::default();
        telnet.hide_typing();
        // No answer (a raw `nc`): nothing it would show as garbage.
        assert!(!telnet.show_typing());
        // A slow telnet's DO arrives now: refused, so it echoes again.
        assert_eq!(replies_to(&mut telnet, b"\xff\xfd\x01"), b"\xff\xfc\x01");
        assert!(!telnet.typing_hidden());
        assert_eq!(replies_to(&mut telnet, b"\xff\xfd\x01"), b"", "once");
    }

    #[test]
    fn a_refused_offer_or_a_client_turning_echo_off_is_settled() {
        let mut telnet = Options::default();
        telnet.hide_typing();
        assert_eq!(
            replies_to(&mut telnet, b"\xff\xfe\x01"),
            b"",
            "DONT: refused"
        );
        assert!(!telnet.typing_hidden());
        assert!(!telnet.show_typing());
        telnet.hide_typing();
        replies_to(&mut telnet, b"\xff\xfd\x01");
        // The client turns it off itself: acknowledged once, never looped.
        assert_eq!(replies_to(&mut telnet, b"\xff\xfe\x01"), b"\xff\xfc\x01");
        assert_eq!(replies_to(&mut telnet, b"\xff\xfe\x01"), b"");
        assert!(!telnet.typing_hidden());
    }
}

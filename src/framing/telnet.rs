//! Telnet command stripping: [`Telnet`] removes telnet commands from each
//! chunk as it is read, in place, and collects the refusals owed to the client.

use memchr::memchr;

/// Telnet "interpret as command": starts every telnet command.
const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
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

/// Strips telnet commands out of the byte stream of one connection.
#[derive(Debug, Default)]
pub struct Telnet {
    state: TelnetState,
    /// Options already refused, as bits: DO requests in the first 256, WILL
    /// offers in the next 256. Allocated at the first negotiation (plain
    /// `nc` clients never pay for it).
    refused: Option<Box<[u64; 8]>>,
    /// Commands seen since [`take_commands`](Self::take_commands).
    commands: u32,
    /// Whether the client has sent any telnet command: a telnet client, not
    /// a raw `nc`.
    spoke_telnet: bool,
    /// Whether the server offered to echo (`IAC WILL ECHO`, while a
    /// password is typed): the client's DO or DONT ECHO is then the answer
    /// to that offer, not a request to refuse.
    echo_offered: bool,
}

/// The ECHO option (RFC 857).
const ECHO: u8 = 1;

impl Telnet {
    /// Telnet commands seen since the last call, for the flood budget.
    pub fn take_commands(&mut self) -> u32 {
        std::mem::take(&mut self.commands)
    }

    /// Whether the client speaks telnet (it has sent a telnet command).
    pub fn spoke_telnet(&self) -> bool {
        self.spoke_telnet
    }

    /// The bytes that offer (`hide`: the server will echo, so the client
    /// stops echoing what is typed) or withdraw the server's echo.
    pub fn offer_echo(&mut self, hide: bool) -> [u8; 3] {
        self.echo_offered = hide;
        [IAC, if hide { WILL } else { WONT }, ECHO]
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
    /// bytes remain at its front. IAC IAC stands for a literal 0xFF byte.
    ///
    /// Every option the client offers (WILL) or asks for (DO) is refused by
    /// appending DONT or WONT to `replies`, once per option (RFC 1143: a
    /// request that changes nothing is not answered), so repeats queue
    /// nothing; refusals are never answered, so no negotiation loop can
    /// start. TIMING-MARK is answered every time, so telnet is never left
    /// waiting after Ctrl-C.
    pub fn strip(&mut self, buf: &mut [u8], replies: &mut Vec<u8>) -> usize {
        if self.state == TelnetState::Data && memchr(IAC, buf).is_none() {
            return buf.len(); // The usual case: no telnet commands at all.
        }
        let mut kept = 0;
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
                            self.commands += 1;
                            TelnetState::Sub
                        }
                        // Any other command (IP, AYT, NOP, GA, ...) is two bytes.
                        _ => {
                            self.commands += 1;
                            TelnetState::Data
                        }
                    };
                }
                TelnetState::Option(verb) => {
                    self.commands += 1;
                    self.spoke_telnet = true;
                    let answer = match verb {
                        // The client's answer to our offer: nothing to say.
                        DO | DONT if byte == ECHO && self.echo_offered => None,
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
        kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telnet_commands_are_removed_and_options_refused() {
        let mut telnet = Telnet::default();
        let mut replies = Vec::new();
        // IAC DO ECHO, IAC WILL SGA, IAC WONT x, IAC IP, IAC SB ... IAC SE, IAC IAC.
        let mut buf =
            b"a\xff\xfd\x01b\xff\xfb\x03c\xff\xfc\x05\xff\xf4d\xff\xfa\x18\x01\xff\xf0e\xff\xff"
                .to_vec();
        let kept = telnet.strip(&mut buf, &mut replies);
        assert_eq!(&buf[..kept], b"abcde\xff");
        assert_eq!(replies, b"\xff\xfc\x01\xff\xfe\x03");
        assert_eq!(telnet.take_commands(), 5);
        assert_eq!(telnet.take_commands(), 0);
    }

    #[test]
    fn each_option_is_refused_once_but_timing_mark_always() {
        let mut telnet = Telnet::default();
        let mut replies = Vec::new();
        let mut flood = b"\xff\xfd\x01".repeat(1000);
        flood.extend_from_slice(&b"\xff\xfb\x01".repeat(10));
        assert_eq!(telnet.strip(&mut flood, &mut replies), 0);
        assert_eq!(
            replies, b"\xff\xfc\x01\xff\xfe\x01",
            "DO and WILL refused once each"
        );
        assert_eq!(telnet.take_commands(), 1010);
        replies.clear();
        let mut ctrl_c = b"\xff\xf4\xff\xfd\x06".repeat(3);
        telnet.strip(&mut ctrl_c, &mut replies);
        assert_eq!(replies, b"\xff\xfc\x06".repeat(3));
    }
}

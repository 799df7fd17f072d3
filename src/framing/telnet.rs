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

/// Strips telnet commands out of the byte stream of one connection.
#[derive(Debug, Default)]
pub struct Telnet {
    state: TelnetState,
}

impl Telnet {
    /// Removes telnet commands from `buf` in place and returns how many data
    /// bytes remain at its front. IAC IAC stands for a literal 0xFF byte.
    ///
    /// Every option the client offers (WILL) or asks for (DO) is refused by
    /// appending DONT or WONT to `replies`; refusals are never answered, so no
    /// negotiation loop can start, and a client that waits for an answer (as
    /// telnet does after Ctrl-C sends IAC DO TIMING-MARK) is not left hanging.
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
                        SB => TelnetState::Sub,
                        // Any other command (IP, AYT, NOP, GA, ...) is two bytes.
                        _ => TelnetState::Data,
                    };
                }
                TelnetState::Option(verb) => {
                    match verb {
                        DO => replies.extend_from_slice(&[IAC, WONT, byte]),
                        WILL => replies.extend_from_slice(&[IAC, DONT, byte]),
                        _ => {}
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
    }
}

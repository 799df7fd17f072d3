//! IRC's server-operator commands, each one request of the core (see
//! `chat/operators.rs`): `OPER account password`, `KILL nick [reason]`,
//! `WALLOPS text`. 461 when a parameter is missing; the rest (381, 491,
//! 464, 481, 401) is the core's answer.

use super::super::Server;
use crate::chat::{Request, Secret};
use crate::irc::{Message, Numeric};

impl Server {
    /// Answers `command` if it is an operator's; false if it is not one.
    pub(super) fn irc_oper(&mut self, key: usize, command: &str, message: &Message) -> bool {
        let needs = match command {
            "OPER" => 2,
            "KILL" | "WALLOPS" => 1,
            _ => return false,
        };
        let given = message.params().iter().filter(|p| !p.is_empty()).count();
        if given < needs {
            let text = "Not enough parameters";
            self.irc_numeric(key, Numeric::NeedMoreParams, &[command, text]);
            return true;
        }
        let p = |i| message.param(i).unwrap_or("");
        let request = match command {
            "OPER" => Request::Oper {
                name: p(0),
                password: Secret(p(1).into()),
            },
            "KILL" => {
                self.irc_asked(key, p(0), false);
                Request::Kill {
                    name: p(0),
                    reason: p(1),
                }
            }
            _ => Request::Wallops(p(0)),
        };
        self.irc_request(key, request);
        true
    }
}

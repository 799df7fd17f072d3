//! What a client reads once registration is over: 001-004, the 005
//! ISUPPORT lines, LUSERS (251-255) and the missing MOTD (422). Pure: the
//! counts are passed in.

use super::isupport::Isupport;
use super::numeric::Numeric;
use super::render::OwnedMessage;
use super::session::mask;

/// The counts LUSERS reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Users chatting (on this node).
    pub users: usize,
    /// Rooms in use.
    pub rooms: usize,
    /// Connections not logged in yet (at telnet's prompt, or registering).
    pub unregistered: usize,
}

/// The server's version, as 002 and 004 say it.
const VERSION: &str = concat!("linechat-", env!("CARGO_PKG_VERSION"));

/// The welcome burst for `nick`.
pub fn burst(server: &str, nick: &str, isupport: &Isupport, counts: Counts) -> Vec<OwnedMessage> {
    let n = |numeric, params: &[&str]| OwnedMessage::numeric(server, numeric, nick, params);
    let welcome = format!("Welcome to the linechat IRC network {}", mask(nick));
    let host = format!("Your host is {server}, running version {VERSION}");
    let mut lines = vec![
        n(Numeric::Welcome, &[&welcome]),
        n(Numeric::YourHost, &[&host]),
        n(Numeric::Created, &["This server was created at its start"]),
        n(Numeric::MyInfo, &[server, VERSION, "i", "b"]),
    ];
    lines.extend(isupport.lines(server, nick));
    lines.extend(lusers(server, nick, counts));
    lines.push(n(Numeric::NoMotd, &["MOTD File is missing"]));
    lines
}

/// The LUSERS reply (251-255) for `nick`.
pub fn lusers(server: &str, nick: &str, counts: Counts) -> Vec<OwnedMessage> {
    let n = |numeric, params: &[&str]| OwnedMessage::numeric(server, numeric, nick, params);
    let users = format!(
        "There are {} users and 0 invisible on 1 servers",
        counts.users
    );
    let rooms = counts.rooms.to_string();
    let unknown = counts.unregistered.to_string();
    let clients = format!("I have {} clients and 0 servers", counts.users);
    vec![
        n(Numeric::LuserClient, &[&users]),
        n(Numeric::LuserOp, &["0", "operator(s) online"]),
        n(Numeric::LuserUnknown, &[&unknown, "unknown connection(s)"]),
        n(Numeric::LuserChannels, &[&rooms, "channels formed"]),
        n(Numeric::LuserMe, &[&clients]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burst_is_001_to_005_then_lusers_then_422() {
        let isupport = Isupport {
            network: "linechat".into(),
            topiclen: 300,
            chanlimit: 20,
            extra: Vec::new(),
        };
        let lines = burst(
            "linechat",
            "alice",
            &isupport,
            Counts {
                users: 3,
                rooms: 2,
                unregistered: 0,
            },
        );
        let codes: Vec<&str> = lines.iter().map(|m| &*m.command).collect();
        assert_eq!(
            codes,
            [
                "001", "002", "003", "004", "005", "251", "252", "253", "254", "255", "422"
            ]
        );
        let first = String::from_utf8(lines[0].to_bytes().unwrap()).unwrap();
        assert_eq!(
            first,
            ":linechat 001 alice :Welcome to the linechat IRC network alice!alice@linechat\r\n"
        );
        assert!(lines.iter().all(|m| m.params[0] == "alice"));
        let channels = String::from_utf8(lines[8].to_bytes().unwrap()).unwrap();
        assert_eq!(channels, ":linechat 254 alice 2 :channels formed\r\n");
    }
}

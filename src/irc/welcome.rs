//! What a client reads once registration is over: 001-004, the 005
//! ISUPPORT lines, LUSERS (251-255, 265, 266) and the missing MOTD (422). Pure: the
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
    /// The most users chatting on this node at once.
    pub max_users: usize,
    /// Users of every node this node knows of.
    pub known: usize,
    /// The most users of every node this node knew of at once.
    pub max_known: usize,
    /// Of `known`, those known to be invisible (+i).
    pub invisible: usize,
    /// Rooms in use.
    pub rooms: usize,
    /// Connections not logged in yet (at telnet's prompt, or registering).
    pub unregistered: usize,
    /// Server operators on this node.
    pub operators: usize,
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
        n(Numeric::MyInfo, &[server, VERSION, "Bio", "b"]),
    ];
    lines.extend(isupport.lines(server, nick));
    lines.extend(lusers(server, nick, counts));
    lines.push(n(Numeric::NoMotd, &["MOTD File is missing"]));
    lines
}

/// The LUSERS reply (251-255, 265, 266) for `nick`: 251 and 266 count
/// every node's users this node knows of, 255 and 265 its own.
pub fn lusers(server: &str, nick: &str, counts: Counts) -> Vec<OwnedMessage> {
    let n = |numeric, params: &[&str]| OwnedMessage::numeric(server, numeric, nick, params);
    let invisible = counts.invisible.min(counts.known);
    let users = format!(
        "There are {} users and {invisible} invisible on 1 servers",
        counts.known - invisible
    );
    let rooms = counts.rooms.to_string();
    let operators = counts.operators.to_string();
    let unknown = counts.unregistered.to_string();
    let clients = format!("I have {} clients and 0 servers", counts.users);
    // The numbers are in the text only (the two number parameters are
    // optional in modern.ircdocs); the maxima are this node's since it
    // started.
    let local_text = format!(
        "Current local users {}, max {}",
        counts.users, counts.max_users
    );
    let known_text = format!(
        "Current global users {}, max {}",
        counts.known, counts.max_known
    );
    vec![
        n(Numeric::LuserClient, &[&users]),
        n(Numeric::LuserOp, &[&operators, "operator(s) online"]),
        n(Numeric::LuserUnknown, &[&unknown, "unknown connection(s)"]),
        n(Numeric::LuserChannels, &[&rooms, "channels formed"]),
        n(Numeric::LuserMe, &[&clients]),
        n(Numeric::LocalUsers, &[&local_text]),
        n(Numeric::GlobalUsers, &[&known_text]),
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
                max_users: 4,
                known: 5,
                max_known: 6,
                invisible: 1,
                rooms: 2,
                unregistered: 0,
                operators: 1,
            },
        );
        let codes: Vec<&str> = lines.iter().map(|m| &*m.command).collect();
        assert_eq!(
            codes,
            [
                "001", "002", "003", "004", "005", "005", "251", "252", "253", "254", "255", "265",
                "266", "422"
            ]
        );
        let first = String::from_utf8(lines[0].to_bytes().unwrap()).unwrap();
        assert_eq!(
            first,
            ":linechat 001 alice :Welcome to the linechat IRC network alice!alice@linechat\r\n"
        );
        assert!(lines.iter().all(|m| m.params[0] == "alice"));
        // After two 005 lines (the tokens take two).
        let channels = String::from_utf8(lines[9].to_bytes().unwrap()).unwrap();
        assert_eq!(channels, ":linechat 254 alice 2 :channels formed\r\n");
        let text = |i: usize| String::from_utf8(lines[i].to_bytes().unwrap()).unwrap();
        assert_eq!(
            text(6),
            ":linechat 251 alice :There are 4 users and 1 invisible on 1 servers\r\n"
        );
        assert_eq!(
            text(10),
            ":linechat 255 alice :I have 3 clients and 0 servers\r\n"
        );
        assert_eq!(
            text(11),
            ":linechat 265 alice :Current local users 3, max 4\r\n"
        );
        assert_eq!(
            text(12),
            ":linechat 266 alice :Current global users 5, max 6\r\n"
        );
    }
}

//! WHOX (`WHO mask %fields[,token]`): one 354 per user with the fields
//! asked for, in WHOX's fixed order `tcuihsnfdlaor` whatever order they
//! were asked in. What linechat does not know is written as WHOX's
//! conventions have it: the IP as `255.255.255.255`, hops and idle time
//! as `0`, no account as `0`, no op level as `n/a`.

/// The 354 parameters after the reader's nick, for one user: `token` for
/// `t`, then each field asked for. `fields` is what follows `%` (up to
/// a comma); `user` holds the user's values.
pub(super) fn params<'a>(spec: &'a str, user: &WhoxUser<'a>) -> Vec<&'a str> {
    let (fields, token) = spec
        .trim_start_matches('%')
        .split_once(',')
        .unwrap_or((spec.trim_start_matches('%'), ""));
    let mut out = Vec::new();
    for field in "tcuihsnfdlaor".chars().filter(|f| fields.contains(*f)) {
        out.push(match field {
            't' => token,
            'c' => user.channel,
            'u' => user.user,
            'i' => "255.255.255.255",
            'h' => user.host,
            's' => user.server,
            'n' => user.nick,
            'f' => user.flags,
            'd' | 'l' | 'a' => "0",
            'o' => "n/a",
            _ => user.real,
        });
    }
    out
}

/// One user's values for [`params`].
#[derive(Debug)]
pub(super) struct WhoxUser<'a> {
    pub channel: &'a str,
    pub user: &'a str,
    pub host: &'a str,
    pub server: &'a str,
    pub nick: &'a str,
    pub flags: &'a str,
    pub real: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_come_in_whox_order_with_the_token_first() {
        let user = WhoxUser {
            channel: "#chan",
            user: "ident",
            host: "linechat",
            server: "srv",
            nick: "ann",
            flags: "H@",
            real: "Ann Real",
        };
        assert_eq!(
            params("%tcuihsnfdlaor,123", &user),
            [
                "123",
                "#chan",
                "ident",
                "255.255.255.255",
                "linechat",
                "srv",
                "ann",
                "H@",
                "0",
                "0",
                "0",
                "n/a",
                "Ann Real"
            ]
        );
        assert_eq!(params("%rn", &user), ["ann", "Ann Real"]);
        assert_eq!(params("%", &user), Vec::<&str>::new());
    }
}

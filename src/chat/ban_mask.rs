//! Ban masks: completing what was typed to `nick!user@host`, and matching
//! a user against one. Every user is shown as `name!name@linechat`, so a
//! mask's nick part is what tells users apart, unless its host is an
//! address or a network: `*!*@203.0.113.0/24`, `*!*@2001:db8::/48`, or
//! one address (`*!*@203.0.113.7`). Such a mask matches a user whose
//! connection comes from inside it (and whose name matches the rest), so
//! a banned network cannot join from any address in it, whatever the
//! name. An IPv6 address alone stands for its /64: one host's
//! addresses are usually all of one /64, and it costs nothing to take
//! another inside it. Only a user of this node has a known address (the
//! node checks its own users at the door, and before their lines), so an
//! address mask never matches a user of another node. Pure.

use super::modes::{MAX_MASK, MUTE};
use crate::cidr::Cidr;
use std::net::IpAddr;

/// Whether `mask` may be a ban mask: 1 to [`MAX_MASK`] printable ASCII
/// bytes.
pub fn valid_mask(mask: &str) -> bool {
    (1..=MAX_MASK).contains(&mask.len()) && mask.bytes().all(|b| b.is_ascii_graphic())
}

/// A ban mask as given, completed to `nick!user@host`: `bob` is
/// `bob!*@*`, `*@host` is `*!*@host`; an address or network alone is
/// `*!*@` it, written as its network (`10.1.2.3/8` is `*!*@10.0.0.0/8`, an
/// IPv6 address alone its /64).
pub fn full_mask(mask: &str) -> String {
    if let Some(muted) = mask.strip_prefix(MUTE) {
        return format!("{MUTE}{}", full_mask(muted));
    }
    if let Some(network) = network(mask) {
        return format!("*!*@{network}");
    }
    match (mask.contains('!'), mask.rsplit_once('@')) {
        (true, Some((who, host))) => match network(host) {
            Some(network) => format!("{who}@{network}"),
            None => mask.into(),
        },
        (true, None) => format!("{mask}@*"),
        (false, Some(_)) => full_mask(&format!("*!{mask}")),
        (false, None) => format!("{mask}!*@*"),
    }
}

/// `text` as a network, if it is an address or one in CIDR notation (an
/// IPv4 address alone stays itself; an IPv6 one is its /64).
fn network(text: &str) -> Option<String> {
    // A name never holds '.' or ':', and an address always does.
    if !text.contains(['.', ':']) {
        return None;
    }
    let cidr: Cidr = text.parse().ok()?;
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => Some(v4.to_string()),
        Ok(IpAddr::V6(_)) => Some(format!("{}/64", text).parse::<Cidr>().ok()?.to_string()),
        Err(_) => Some(cidr.to_string()),
    }
}

/// Whether the (completed) `mask` matches the user called `name`,
/// connected from `address` (known for users of this node only).
pub fn matches(mask: &str, name: &str, address: Option<IpAddr>) -> bool {
    if let Some((who, host)) = mask.rsplit_once('@')
        && host.contains(['.', ':'])
        && let Ok(network) = host.parse::<Cidr>()
    {
        let shown = format!("{name}!{name}");
        return address.is_some_and(|a| network.contains(a)) && wildcard_matches(who, &shown);
    }
    wildcard_matches(mask, &format!("{name}!{name}@linechat"))
}

/// Whether `name` matches `mask`, ignoring ASCII case: `*` stands for any
/// run of characters, `?` for one. Greedy with one backtrack point (the
/// last `*`), so linear-ish and never recursive on client input.
pub fn wildcard_matches(mask: &str, name: &str) -> bool {
    let (mask, name) = (mask.as_bytes(), name.as_bytes());
    let same = |m: u8, n: u8| m == b'?' || m.eq_ignore_ascii_case(&n);
    let (mut m, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if m < mask.len() && mask[m] == b'*' {
            star = Some((m, n));
            m += 1;
        } else if m < mask.len() && same(mask[m], name[n]) {
            m += 1;
            n += 1;
        } else if let Some((star_m, star_n)) = star {
            // The last `*` takes one more character.
            star = Some((star_m, star_n + 1));
            m = star_m + 1;
            n = star_n + 1;
        } else {
            return false;
        }
    }
    mask[m..].iter().all(|&c| c == b'*')
}

/// A ban's length as typed (`30s`, `10m`, `2h`, `7d`): at most 366 days.
pub fn ban_length(typed: &str) -> Option<std::time::Duration> {
    let unit = match typed.as_bytes().last()? {
        b's' => 1,
        b'm' => 60,
        b'h' => 3600,
        b'd' => 86_400,
        _ => return None,
    };
    let n: u64 = typed[..typed.len() - 1].parse().ok()?;
    let secs = n
        .checked_mul(unit)
        .filter(|&s| s > 0 && s <= 366 * 86_400)?;
    Some(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn addresses_and_networks_become_host_masks() {
        assert_eq!(full_mask("bob"), "bob!*@*");
        assert_eq!(full_mask("127.0.0.0/8"), "*!*@127.0.0.0/8");
        assert_eq!(full_mask("10.1.2.3/8"), "*!*@10.0.0.0/8");
        assert_eq!(full_mask("203.0.113.7"), "*!*@203.0.113.7");
        assert_eq!(full_mask("2001:db8::1"), "*!*@2001:db8::/64");
        assert_eq!(full_mask("2001:db8::/32"), "*!*@2001:db8::/32");
        assert_eq!(full_mask("*@2001:db8:0:0:5::9"), "*!*@2001:db8::/64");
        assert_eq!(full_mask("bob!*@10.9.9.9/16"), "bob!*@10.9.0.0/16");
        assert_eq!(full_mask("m:10.0.0.0/8"), "m:*!*@10.0.0.0/8");
        assert_eq!(full_mask("*!*@host.example"), "*!*@host.example");
        assert_eq!(full_mask("10.0.0.0/99"), "10.0.0.0/99!*@*", "not a network");
    }

    #[test]
    fn a_network_mask_matches_addresses_inside_it_only() {
        let net = full_mask("127.0.0.0/8");
        assert!(matches(&net, "anyone", ip("127.0.0.1")));
        assert!(matches(&net, "anyone", ip("::ffff:127.9.9.9")));
        assert!(!matches(&net, "anyone", ip("10.0.0.1")));
        assert!(!matches(&net, "anyone", None), "another node's user");
        let v6 = full_mask("2001:db8::1");
        assert!(matches(&v6, "x", ip("2001:db8::ffff")));
        assert!(!matches(&v6, "x", ip("2001:db8:0:1::1")));
        let named = full_mask("bob!*@10.0.0.0/8");
        assert!(matches(&named, "BOB", ip("10.1.1.1")));
        assert!(!matches(&named, "carol", ip("10.1.1.1")));
        assert!(matches("bob!*@*", "bob", None));
        assert!(!matches("*!*@other", "bob", ip("10.1.1.1")));
    }
}

//! `fanout --ignore K` (pure): whom each client ignores, and how many
//! ignore each sender. Client 0 sends the readiness barrier, which every
//! client must see, so nobody ignores it: the others form a ring
//! `1..clients`, client n ≥ 1 ignores the K after it on that ring, and
//! client 0 ignores clients 1..=K.

/// The client that client `n` (of `clients`) ignores `i`-th, `i` in
/// `1..=k`.
pub fn target(n: u64, i: u64, clients: u64) -> u64 {
    let ring = clients - 1;
    let from = if n == 0 { 0 } else { n - 1 };
    (from + i - 1 + u64::from(n != 0)) % ring + 1
}

/// How many clients ignore client `s` when each ignores `k` (`k` at most
/// the clients less 2).
pub fn ignorers(s: u64, k: u32) -> u32 {
    if s == 0 || k == 0 {
        return 0;
    }
    k + u32::from(s <= u64::from(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sender_is_ignored_as_counted_and_nobody_ignores_0_or_itself() {
        for (clients, k) in [(100u64, 10u32), (5, 3), (12, 1)] {
            let mut count = vec![0u32; clients as usize];
            for n in 0..clients {
                let mut seen = Vec::new();
                for i in 1..=u64::from(k) {
                    let t = target(n, i, clients);
                    assert!(t != 0 && t != n && t < clients, "{n} -> {t}");
                    assert!(!seen.contains(&t), "{n} ignores {t} twice");
                    seen.push(t);
                    count[t as usize] += 1;
                }
            }
            for s in 0..clients {
                assert_eq!(count[s as usize], ignorers(s, k), "{clients} {k} {s}");
            }
        }
    }
}

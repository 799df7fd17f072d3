//! Where the chat core spends its per-user command budgets (renames,
//! moves, topics, rooms made, `/history` lines): the budgets and their
//! rates are pure flood control, in [`crate::limits::commands`]; here the
//! core finds a connection's budget and address. The reactor tells the
//! core each connection's address ([`Chat::set_address`]).

use super::{Chat, Local, Now};
pub(super) use crate::limits::commands::{Addresses, Moves, Spend, UserBudget};
use std::net::IpAddr;

impl Chat {
    /// Tells the core the source address `local` is counted under (its
    /// IPv4 address, or its IPv6 /64): its per-address budgets apply.
    pub(super) fn set_address(&mut self, local: Local, ip: IpAddr, now: &Now) {
        let open_now = self.seats.locals();
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return;
        };
        if let Some(old) = client.address.replace(ip) {
            self.addresses.close(old);
        }
        self.addresses.open(ip, open_now, now.instant);
    }

    /// Counts `local`'s address out as it closes.
    pub(super) fn forget_address(&mut self, ip: Option<IpAddr>) {
        if let Some(ip) = ip {
            self.addresses.close(ip);
        }
    }

    /// Spends `spend` from `local`'s budget and its address's, if both
    /// allow it; else nothing is spent and the error says when to try
    /// again, in whole seconds from now.
    pub(super) fn spend(&mut self, local: Local, spend: Spend, now: &Now) -> Result<(), u64> {
        let Some(client) = self.clients.get_mut(local).and_then(Option::as_mut) else {
            return Ok(());
        };
        let address = client.address;
        crate::limits::commands::spend(
            &mut client.budget,
            &mut self.addresses,
            address,
            spend,
            now.instant,
        )
    }
}

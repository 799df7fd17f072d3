//! What the web listener counts (`--web-addr`), and the connections by
//! dialect, in Prometheus text.

use crate::web::{Fault, Refusal};
use std::fmt::Write as _;

/// The web listener's counters.
#[derive(Debug, Default, Clone)]
pub struct WebCounts {
    /// Pages and `/healthz` answers served.
    pub served: u64,
    /// WebSocket handshakes that succeeded.
    pub upgraded: u64,
    /// Requests refused, by [`Refusal::index`].
    pub refused: [u64; Refusal::ALL.len()],
    /// WebSockets failed for breaking a frame rule, by [`Fault`].
    pub faults: [u64; Fault::ALL.len()],
}

/// Open chat connections by the protocol they speak.
#[derive(Debug, Default, Clone, Copy)]
pub struct ByDialect {
    /// Telnet (plain or TLS).
    pub telnet: usize,
    /// IRC on the IRC ports.
    pub irc: usize,
    /// IRC over an open WebSocket.
    pub websocket: usize,
}

impl WebCounts {
    /// Appends the web counters and `by_dialect` to `out`.
    pub fn render(&self, by_dialect: ByDialect, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP linechat_connections_by_dialect Open chat connections by protocol.\n\
             # TYPE linechat_connections_by_dialect gauge\n\
             linechat_connections_by_dialect{{dialect=\"telnet\"}} {}\n\
             linechat_connections_by_dialect{{dialect=\"irc\"}} {}\n\
             linechat_connections_by_dialect{{dialect=\"websocket\"}} {}",
            by_dialect.telnet, by_dialect.irc, by_dialect.websocket
        );
        let _ = writeln!(
            out,
            "# HELP linechat_web_served_total Pages and /healthz answers served.\n\
             # TYPE linechat_web_served_total counter\nlinechat_web_served_total {}\n\
             # HELP linechat_websocket_upgrades_total WebSocket handshakes that succeeded.\n\
             # TYPE linechat_websocket_upgrades_total counter\nlinechat_websocket_upgrades_total {}",
            self.served, self.upgraded
        );
        let _ = writeln!(
            out,
            "# HELP linechat_web_refused_total Web requests and WebSocket handshakes refused, by reason.\n\
             # TYPE linechat_web_refused_total counter"
        );
        for why in Refusal::ALL {
            let _ = writeln!(
                out,
                "linechat_web_refused_total{{reason=\"{}\"}} {}",
                why.label(),
                self.refused[why.index()]
            );
        }
        let _ = writeln!(
            out,
            "# HELP linechat_websocket_failed_total WebSockets closed for breaking a frame rule, by rule.\n\
             # TYPE linechat_websocket_failed_total counter"
        );
        for fault in Fault::ALL {
            let _ = writeln!(
                out,
                "linechat_websocket_failed_total{{reason=\"{}\"}} {}",
                fault.name(),
                self.faults[fault as usize]
            );
        }
    }
}

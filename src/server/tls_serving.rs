//! Serving TLS (`--tls-addr`): the listener, and the certificate and key
//! that SIGHUP loads again for new connections.

use super::{Server, Slot};
use log::info;
use std::io;
use std::net::SocketAddr;

/// What the TLS listener serves.
#[derive(Debug)]
pub(super) struct TlsServing {
    pub(super) config: std::sync::Arc<rustls::ServerConfig>,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

impl Server {
    /// Serves TLS (`--tls-addr`) on an already bound listener, with the
    /// configuration loaded from `cert` and `key` (see [`crate::transport::tls::load`]),
    /// which SIGHUP loads again. Returns the listener's address.
    pub fn serve_tls(
        &mut self,
        listener: std::net::TcpListener,
        config: std::sync::Arc<rustls::ServerConfig>,
        cert: &std::path::Path,
        key: &std::path::Path,
    ) -> io::Result<SocketAddr> {
        let addr = self.add_listener(listener, Slot::TlsListener, None)?;
        self.tls = Some(TlsServing {
            config,
            cert: cert.into(),
            key: key.into(),
        });
        if !self.config.allow_plaintext_passwords {
            self.chat.passwords_need_tls(addr.port());
        }
        info!("TLS listening on {addr}");
        Ok(addr)
    }

    /// SIGHUP: the TLS certificate and key are read again for new
    /// connections; a file that does not load keeps the ones in use.
    pub(super) fn reload_tls(&mut self) {
        let Some(serving) = self.tls.as_mut() else {
            info!("SIGHUP received: nothing to reload, still running");
            return;
        };
        match crate::transport::tls::load(&serving.cert, &serving.key) {
            Ok(config) => {
                serving.config = config;
                info!("SIGHUP: reloaded the TLS certificate and key for new connections");
            }
            Err(e) => log::warn!("SIGHUP: kept the TLS certificate in use: {e}"),
        }
    }
}

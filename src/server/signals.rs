//! Signals and the shutdown handle: the ways a running server is told to
//! stop, reload or report, each turned into a readiness event of the loop.

use super::{Server, Slot};
use log::info;
use mio::{Interest, Token, Waker};
use signal_hook::consts::{SIGHUP, SIGUSR1, SIGUSR2};
use std::io;
use std::sync::Arc;

/// The signal pipe (a newtype only to give it a `Debug`).
pub(super) struct SignalSource(signal_hook_mio::v1_0::Signals);

impl std::fmt::Debug for SignalSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignalSource")
    }
}

/// Lets another thread ask a running server to shut down as on SIGTERM.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    waker: Arc<Waker>,
}

impl ShutdownHandle {
    /// Starts the shutdown: notice to everyone, drain, `run` returns.
    pub fn shutdown(&self) -> io::Result<()> {
        self.waker.wake()
    }
}

impl Server {
    /// Makes SIGINT, SIGTERM and SIGQUIT start a graceful shutdown (users
    /// are told); SIGHUP reloads the TLS files and `--admins`; SIGUSR1 logs a summary of
    /// the server's state; SIGUSR2 is logged and ignored. Each of these
    /// would otherwise end the process at once, without a word to anyone.
    pub fn handle_signals(&mut self) -> io::Result<()> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2};
        let mut signals = signal_hook_mio::v1_0::Signals::new([
            SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGUSR1, SIGUSR2,
        ])?;
        let entry = self.slots.vacant_entry();
        self.poll
            .registry()
            .register(&mut signals, Token(entry.key()), Interest::READABLE)?;
        entry.insert(Slot::Signals(SignalSource(signals)));
        Ok(())
    }

    /// A handle another thread can use to shut the server down.
    pub fn shutdown_handle(&mut self) -> io::Result<ShutdownHandle> {
        let key = self.slots.insert(Slot::Waker);
        let waker = Arc::new(Waker::new(self.poll.registry(), Token(key))?);
        Ok(ShutdownHandle { waker })
    }

    /// The signal pipe is readable: every pending signal is taken.
    pub(super) fn signalled(&mut self, key: usize) {
        let Some(Slot::Signals(signals)) = self.slots.get_mut(key) else {
            return;
        };
        // Reading the pipe empty is what re-arms its readiness.
        let (mut stop, mut reload, mut report) = (false, false, false);
        for signal in signals.0.pending() {
            match signal {
                SIGHUP => reload = true,
                SIGUSR1 => report = true,
                SIGUSR2 => info!("SIGUSR2 received: ignored, still running"),
                _ => stop = true,
            }
        }
        if reload {
            self.reload_tls();
            self.reload_admins();
        }
        if report {
            self.log_state();
        }
        if stop {
            self.begin_shutdown();
        }
    }
}

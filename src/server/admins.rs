//! `--admins FILE`: the registered names that may be server operators,
//! read at start and again on SIGHUP, and handed to the core (which keeps
//! them and the operators: `chat/operators.rs`).

use super::Server;
use crate::chat::{Input, MAX_ADMINS, parse_admins};
use log::{info, warn};
use std::io::{self, Read};

impl Server {
    /// Reads `--admins` (if given) and gives its names to the core. An
    /// error (the file cannot be read) leaves the names the core has: at
    /// start it is fatal, on SIGHUP it is logged.
    pub fn load_admins(&mut self) -> io::Result<()> {
        let Some(path) = self.config.admins.clone() else {
            return Ok(());
        };
        let mut text = String::new();
        // A name is at most 24 bytes: a file much past the cap is a mistake.
        let cap = (MAX_ADMINS as u64 + 1) * 128;
        std::fs::File::open(&path)?
            .take(cap)
            .read_to_string(&mut text)?;
        let (names, problems) = parse_admins(&text);
        for problem in problems {
            warn!("--admins {}: {problem} (skipped)", path.display());
        }
        info!(
            "server operators: {} account(s) in {}",
            names.len(),
            path.display()
        );
        self.core(Input::Admins(&names));
        Ok(())
    }

    /// SIGHUP: `--admins` is read again; a file that cannot be read keeps
    /// the names in use.
    pub(super) fn reload_admins(&mut self) {
        if let Err(e) = self.load_admins() {
            let path = self.config.admins.as_deref().unwrap_or("?".as_ref());
            warn!(
                "SIGHUP: kept the server operators in use: {}: {e}",
                path.display()
            );
        }
    }
}

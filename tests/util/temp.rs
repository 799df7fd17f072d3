//! A fresh directory for one test's files (a store, certificates), removed
//! when dropped. Self-contained (std only): the load generator's tests
//! include this file too.
#![allow(dead_code)]

use std::ops::Deref;
use std::path::{Path, PathBuf};

/// An empty directory of its own under the system's temporary directory,
/// named after the process, the running test (its thread's name, which the
/// test harness sets) and `name`, so tests in one binary never share one.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let thread = std::thread::current();
        let test = thread.name().unwrap_or("test").replace("::", "-");
        let dir = std::env::temp_dir().join(format!(
            "linechat-test-{}-{test}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        TempDir(dir)
    }
}

impl Deref for TempDir {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

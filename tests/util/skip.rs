//! A test whose dependency is missing fails, loudly, unless the run says
//! explicitly that it may skip: a machine without redis-server or root must
//! not report green by doing nothing.
//!
//! The variables that allow a skip (CI never sets them):
//! - [`SKIP_REDIS`] `=1`: the tests that need a redis-server;
//! - [`SKIP_ROOT`] `=1`: the tests that need root (a memory cgroup, a
//!   network namespace).
//!
//! A skip is said on stderr (past the test harness's capture) and, when
//! `$LINECHAT_SKIP_LOG` names a file, appended to it as one line,
//! `TEST: WHY`, for `make tests` to count at the end.
#![allow(dead_code)]

use std::io::Write;

/// Set to `1` to let the tests that need a redis-server skip without one.
pub const SKIP_REDIS: &str = "LINECHAT_SKIP_REDIS";

/// Set to `1` to let the tests that need root (cgroups, network
/// namespaces) skip when they cannot have it.
pub const SKIP_ROOT: &str = "LINECHAT_SKIP_ROOT";

/// The test cannot run here because `why`. Fails the test (a panic naming
/// `allow`, the variable that would let it skip) unless `$allow` is `1`;
/// then records the skip and returns, and the caller returns too.
#[track_caller]
pub fn missing(allow: &str, why: &str) {
    let test = test_name();
    if std::env::var(allow).as_deref() != Ok("1") {
        panic!(
            "{test} cannot run: {why}. Install what it needs (`make test` installs what it \
             can), or set {allow}=1 to skip it on purpose"
        );
    }
    let line = format!("{test}: {why} ({allow}=1)");
    // Written to stderr itself rather than through `eprintln!`, which the
    // harness captures and shows only for failed tests.
    let _ = writeln!(std::io::stderr(), "SKIPPED {line}");
    if let Some(log) = std::env::var_os("LINECHAT_SKIP_LOG").filter(|p| !p.is_empty()) {
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| writeln!(f, "{line}"));
        if let Err(e) = appended {
            panic!("cannot record the skip in {}: {e}", log.to_string_lossy());
        }
    }
}

/// `binary::test` for the test running on this thread (the harness names
/// each test's thread after it).
fn test_name() -> String {
    let exe = std::env::current_exe().ok();
    // Cargo names test binaries `NAME-HASH`.
    let binary = exe
        .as_ref()
        .and_then(|p| p.file_stem())
        .and_then(|s| s.to_str())
        .map(|s| s.rsplit_once('-').map_or(s, |(name, _)| name).to_owned())
        .unwrap_or_default();
    let thread = std::thread::current();
    match thread.name() {
        Some(name) if name != "main" => format!("{binary}::{name}"),
        _ => binary,
    }
}

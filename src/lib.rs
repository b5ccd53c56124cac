//! herald: health and notification companion for Flux and Argo CD.

pub mod agent;
pub mod changes;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod events;
pub mod fake;
pub mod fixture;
pub mod health;
pub mod history;
pub mod http;
pub mod intervals;
pub mod lease;
pub mod listener;
pub mod load;
pub mod lua;
pub mod metrics;
pub mod notify;
pub mod object;
pub mod placement;
pub mod relations;
pub mod route;
pub mod store;
pub mod subscriptions;
pub mod tree;
pub mod warnings;
pub mod writes;

/// FNV-1a of `bytes`: a hash that stays the same across processes, versions and machines (the
/// standard library's does not), for what outlives one process: a history page's `continue`
/// token, the part of the hand-over state an object is in (which must not move when herald is
/// upgraded).
pub fn stable_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Removes what earlier test runs left in the temporary directory: entries named
/// `{prefix}{pid}-…` whose process has ended (files and directories alike). For the tests, which
/// give each run's files its process id; a run still going keeps its own.
#[doc(hidden)]
pub fn remove_ended_runs_files(prefix: &str) {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(prefix))
            .and_then(|rest| rest.split(['-', '.']).next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == std::process::id() || std::path::Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let path = entry.path();
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

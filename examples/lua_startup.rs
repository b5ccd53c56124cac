//! Start-up of many user Lua checks, in process: the time and memory to load herald's shipped
//! checks and every `<group>/<Kind>/health.lua` under DIR as user checks (what `herald run`,
//! `herald check` and `herald lua test` do with `--scripts DIR`), then to run every user check
//! once on an empty object of its kind (each gets its own Lua state then).
//!
//! `cargo run --release --example lua_startup -- DIR` (an Argo CD `resource_customizations`
//! tree; see BENCHMARKS.md, "Lua start-up"). `REPEAT=N` loads N times and prints each.

use std::path::PathBuf;
use std::time::Instant;

use herald::lua::{self, Limits, LuaChecks};
use serde_json::json;

/// Resident and peak resident memory of this process, in KiB.
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    let dir: PathBuf = std::env::args()
        .nth(1)
        .expect("usage: lua_startup DIR")
        .into();
    let repeat: usize = std::env::var("REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let (rss0, _) = rss();
    println!("before: RSS {rss0} KiB");
    for round in 0..repeat {
        let t0 = Instant::now();
        let mut checks = LuaChecks::shipped(Limits::default()).expect("shipped checks");
        let shipped = t0.elapsed();
        let t1 = Instant::now();
        let libs = lua::scan_libs(&dir).expect("lib/");
        checks.add_libs(libs).expect("library");
        let sources = lua::scan_dir(&dir).expect("scripts");
        let n = sources.len();
        let patterns: Vec<lua::KindPattern> = sources.iter().map(|s| s.pattern.clone()).collect();
        if let Err(errors) = checks.add_user(sources) {
            for e in errors {
                eprintln!("{e}");
            }
        }
        let user = t1.elapsed();
        let (rss_loaded, _) = rss();
        // Every check once: each gets its own state now.
        let t2 = Instant::now();
        let mut ran = 0;
        for p in &patterns {
            let group = p.group.replace('*', "x");
            let kind = p.kind.replace('*', "X");
            let api = if group.is_empty() {
                "v1".to_string()
            } else {
                format!("{group}/v1")
            };
            let obj = json!({"apiVersion": api, "kind": kind, "metadata": {"name": "a"}});
            if let Some(choice) = checks.user_choice(&group, &kind) {
                std::hint::black_box(checks.run(choice, &obj));
                ran += 1;
            }
        }
        let first = t2.elapsed();
        let (rss_ran, hwm) = rss();
        println!(
            "round {round}: shipped checks {:.1} ms; {n} user checks scanned and compiled {:.1} ms \
             (start-up {:.1} ms, RSS {rss_loaded} KiB); {ran} first runs {:.1} ms (RSS {rss_ran} KiB, \
             peak {hwm} KiB)",
            shipped.as_secs_f64() * 1e3,
            user.as_secs_f64() * 1e3,
            (shipped + user).as_secs_f64() * 1e3,
            first.as_secs_f64() * 1e3,
        );
    }
}

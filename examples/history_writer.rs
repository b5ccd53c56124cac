//! The history writer's CPU per record (issue 18): the `herald-history` thread's CPU time while
//! it writes cascades of transitions as the scale bench's bulk phase makes them (a Pod flips, and
//! its ReplicaSet, Deployment and Kustomization follow: four records, on 10,000 objects), into a
//! fresh history file, with herald's defaults (limits, batching, syncing).
//!
//! Records are handed over as the agent does (`History::record`, never waiting); when the queue
//! is full the example waits a millisecond and hands the record over again, so that none is
//! lost and the writer runs flat out. Prints the thread's CPU (user + system, from
//! `/proc/self/task/*/stat`) per record and per cascade, and the wall time.
//!
//! ```text
//! cargo run --release --example history_writer [-- --cascades 40000]
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use herald::clock::ManualClock;
use herald::config::EventKind;
use herald::health::Health;
use herald::history::{History, Limits, Record};
use herald::store::{ObjectKey, Verdict};
use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Parser)]
#[command(about = "CPU of herald's history writer per record")]
struct Args {
    /// Cascades (4 records each) to write.
    #[arg(long, default_value_t = 40_000)]
    cascades: u64,
}

fn verdict(h: Health, status: &str) -> Verdict {
    Verdict {
        health: h,
        ready: h == Health::Healthy,
        status: status.into(),
        revision: None,
        suspended: false,
        sync: None,
        from_children: true,
    }
}

/// CPU seconds of this process's thread named `name`.
fn thread_cpu(name: &str) -> f64 {
    let mut total = 0.0;
    for t in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if head.split_once('(').map(|(_, n)| n) != Some(name) {
            continue;
        }
        let f: Vec<f64> = rest
            .split_whitespace()
            .map(|v| v.parse().unwrap_or(0.0))
            .collect();
        total += (f[11] + f[12]) / 100.0;
    }
    total
}

fn main() {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("herald-history-writer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(t0));
    let h = History::open(&dir.join("history.redb"), Limits::default(), clock.clone()).unwrap();
    // 250 applications, each a Kustomization with 4 Deployments, 8 ReplicaSets, 8 Pods...
    // scaled to 10,000 objects: 500 apps × (1 + 4 + 8 + 8) ≈ 10,500.
    let apps = 500;
    let cascade = |i: u64| -> Vec<ObjectKey> {
        let app = (i * 7919) % apps;
        let dep = (i / 3) % 4;
        let pod = i % 2;
        let ns = format!("team-{app}");
        vec![
            ObjectKey::new("", "Pod", &ns, &format!("web-{dep}-7d9f8c6b5-{pod}x8z")),
            ObjectKey::new("apps", "ReplicaSet", &ns, &format!("web-{dep}-7d9f8c6b5")),
            ObjectKey::new("apps", "Deployment", &ns, &format!("web-{dep}")),
            ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "flux-system",
                &format!("app-{app}"),
            ),
        ]
    };
    let before = thread_cpu("herald-history");
    let started = Instant::now();
    let mut retries = 0u64;
    for i in 0..args.cascades {
        let keys = cascade(i);
        let at = t0 + SignedDuration::from_micros(i as i64 * 50);
        let down = i % 2 == 0;
        let (from, to, ev) = if down {
            (Health::Healthy, Health::Unhealthy, EventKind::Unhealthy)
        } else {
            (Health::Unhealthy, Health::Healthy, EventKind::Recovered)
        };
        for (n, key) in keys.iter().enumerate() {
            let record = Record::Transition {
                events: vec![ev],
                from: Some(verdict(from, "Ready")),
                to: Some(verdict(to, if down { "CrashLoopBackOff" } else { "Ready" })),
                message: if down {
                    "containers with unready status: [web]".into()
                } else {
                    "all containers ready".into()
                },
                via: (n > 0)
                    .then(|| format!("{}/{}/{}", keys[0].kind, keys[0].namespace, keys[0].name)),
                change: None,
            };
            loop {
                let dropped = h.dropped();
                h.record(key, at, record.clone());
                if h.dropped() == dropped {
                    break;
                }
                retries += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
    h.flush();
    let wall = started.elapsed().as_secs_f64();
    let cpu = thread_cpu("herald-history") - before;
    let records = args.cascades * 4;
    assert_eq!(h.len(), records.min(h.len()));
    h.close();
    let file = std::fs::metadata(dir.join("history.redb")).map_or(0, |m| m.len());
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "records {records} ({} cascades): herald-history CPU {cpu:.2} s = {:.2} µs/record, {:.2} µs/cascade; wall {wall:.2} s; queue full {retries} times; file {:.1} MiB",
        args.cascades,
        cpu * 1e6 / records as f64,
        cpu * 1e6 / args.cascades as f64,
        file as f64 / 1048576.0
    );
}

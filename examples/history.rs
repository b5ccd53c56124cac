//! Benchmark of herald's history (src/history.rs): how fast records are written, how large they
//! are on disk, how long pruning takes and how long a page takes to read. Prints a Markdown
//! table for BENCHMARKS.md.
//!
//! 1. Writes: `--records` records (transitions on 10,000 objects, each with a verdict and a
//!    message as herald writes them; one in ten a Warning Event), handed over as the agent does
//!    (`History::record`, never waiting), the queue flushed every 2,000 so that none is dropped;
//!    records per second from the first to the last synced.
//! 2. Size: the records' bytes as herald counts them (`herald_history_bytes`), per record, and
//!    the file's size.
//! 3. Pages (limit 100), each the median of 20: one object's records (by kind, namespace and
//!    name), one kind (a scan, within the budget), unfiltered, and the third page unfiltered.
//! 4. Pruning: the clock moved so that the oldest 10 % fall past the retention; one prune.
//!
//! ```text
//! cargo run --release --example history [-- --records 1000000]
//! ```

use std::sync::Arc;
use std::time::Instant;

use clap::Parser;
use herald::clock::ManualClock;
use herald::config::EventKind;
use herald::health::Health;
use herald::history::{History, Limits, Query, Record};
use herald::store::{ObjectKey, Verdict};
use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Parser)]
#[command(about = "Write rate, size, pruning and page latency of herald's history")]
struct Args {
    #[arg(long, default_value_t = 1_000_000)]
    records: u64,
}

fn verdict(h: Health, status: &str) -> Verdict {
    Verdict {
        health: h,
        ready: h == Health::Healthy,
        status: status.into(),
        revision: Some("main@sha1:0123456789abcdef0123456789abcdef01234567".into()),
        suspended: false,
        sync: None,
        from_children: false,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args = Args::parse();
    let dir = std::env::temp_dir().join(format!("herald-history-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("history.redb");
    let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let clock = Arc::new(ManualClock::new(t0));
    let limits = Limits {
        retention: SignedDuration::from_hours(14 * 24),
        max_bytes: 64 << 30,
        max_per_object: 1_000_000,
    };
    let h = History::open(&path, limits, clock.clone()).unwrap();
    let keys: Vec<ObjectKey> = (0..10_000)
        .map(|i| {
            if i % 2 == 0 {
                ObjectKey::new(
                    "kustomize.toolkit.fluxcd.io",
                    "Kustomization",
                    &format!("team-{}", i % 100),
                    &format!("app-{i}"),
                )
            } else {
                ObjectKey::new(
                    "apps",
                    "Deployment",
                    &format!("team-{}", i % 100),
                    &format!("web-{i}"),
                )
            }
        })
        .collect();
    let n = args.records;
    // Spread over 13 days, so that all are within the retention at the end.
    let step_us = (13 * 86_400 * 1_000_000) / n as i64;
    let started = Instant::now();
    let mut tenth = Instant::now();
    let mut tenths = Vec::new();
    for i in 0..n {
        let key = &keys[(i as usize * 7919) % keys.len()];
        let at = t0 + SignedDuration::from_micros(i as i64 * step_us);
        let record = if i % 10 == 9 {
            Record::Warning {
                reason: "BackOff".into(),
                note: "Back-off restarting failed container web in pod web-7d9f8c6b5-x2x8z".into(),
                count: 1 << (i % 12),
            }
        } else if i % 2 == 0 {
            Record::Transition {
                events: vec![EventKind::Unhealthy],
                from: Some(verdict(Health::Healthy, "ReconciliationSucceeded")),
                to: Some(verdict(Health::Unhealthy, "HealthCheckFailed")),
                message: "health check failed after 30s: timeout waiting for: [Deployment/web status: 'InProgress']".into(),
                via: None,
                change: None,
            }
        } else {
            Record::Transition {
                events: vec![EventKind::Recovered],
                from: Some(verdict(Health::Unhealthy, "HealthCheckFailed")),
                to: Some(verdict(Health::Healthy, "ReconciliationSucceeded")),
                message: "Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567"
                    .into(),
                via: None,
                change: None,
            }
        };
        h.record(key, at, record);
        if i % 2000 == 1999 {
            h.flush();
        }
        // The rate of each tenth: does a record cost more as the file fills?
        if (i + 1) % (n / 10).max(1) == 0 {
            h.flush();
            tenths.push(tenth.elapsed().as_secs_f64());
            tenth = Instant::now();
        }
    }
    h.flush();
    let write_s = started.elapsed().as_secs_f64();
    assert_eq!(h.dropped(), 0);
    let kept = h.len();
    let bytes = h.bytes();
    let file = std::fs::metadata(&path).unwrap().len();
    clock.set(t0 + SignedDuration::from_hours(13 * 24));

    let time = |q: &Query| {
        let runs: Vec<f64> = (0..20)
            .map(|_| {
                let s = Instant::now();
                let page = h.changes(q).unwrap();
                assert!(!page.items.is_empty());
                s.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        median(runs)
    };
    let one = &keys[42];
    let by_object = time(&Query {
        kind: Some(one.kind.to_string()),
        namespace: Some(one.namespace.to_string()),
        name: Some(one.name.to_string()),
        limit: 100,
        ..Query::default()
    });
    let by_kind = time(&Query {
        kind: Some("Deployment".into()),
        limit: 100,
        ..Query::default()
    });
    let all = Query {
        limit: 100,
        ..Query::default()
    };
    let unfiltered = time(&all);
    let second = h.changes(&all).unwrap().next.unwrap();
    let third = h
        .changes(&Query {
            before: Some(second),
            ..all.clone()
        })
        .unwrap()
        .next
        .unwrap();
    let third_page = time(&Query {
        before: Some(third),
        ..all.clone()
    });
    let timeline_keys: Vec<ObjectKey> = keys[..200].to_vec();
    let s = Instant::now();
    let tl = h.timeline(&timeline_keys, 50).unwrap();
    let timeline_ms = s.elapsed().as_secs_f64() * 1000.0;
    assert_eq!(tl.len(), 50);

    // The oldest 10 % past the retention.
    clock.set(
        t0 + SignedDuration::from_micros(n as i64 / 10 * step_us)
            + SignedDuration::from_hours(14 * 24),
    );
    let s = Instant::now();
    let pruned = h.prune().unwrap();
    let prune_s = s.elapsed().as_secs_f64();
    h.close();

    println!("| measure | value |");
    println!("|---|---|");
    println!("| records written | {kept} |");
    println!(
        "| write rate (handed over, batched, synced) | {:.0} records/s |",
        n as f64 / write_s
    );
    println!(
        "| bytes per record (as counted) | {:.0} |",
        bytes as f64 / kept as f64
    );
    println!(
        "| file size | {:.1} MiB ({:.0} B per record) |",
        file as f64 / 1048576.0,
        file as f64 / kept as f64
    );
    let rates: Vec<String> = tenths
        .iter()
        .map(|s| format!("{:.0}", (n / 10).max(1) as f64 / s))
        .collect();
    println!(
        "| write rate of each tenth, first to last | {} records/s |",
        rates.join(", ")
    );
    println!("| page, one object (limit 100) | {by_object:.2} ms |");
    println!("| page, one kind (scan) | {by_kind:.2} ms |");
    println!("| page, unfiltered | {unfiltered:.2} ms |");
    println!("| third page, unfiltered | {third_page:.2} ms |");
    println!("| timeline, 200 objects, newest 50 | {timeline_ms:.2} ms |");
    println!(
        "| prune {pruned} records past the retention | {:.2} s ({:.0} records/s) |",
        prune_s,
        pruned as f64 / prune_s
    );
    let _ = std::fs::remove_dir_all(&dir);
}

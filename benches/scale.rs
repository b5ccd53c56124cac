//! herald at scale (issue 18): a realistic cluster of 10,000 to 100,000 objects on the fake API
//! server (Flux Kustomizations with inventories, HelmReleases, Argo CD Applications, and what they
//! deployed: Deployments, ReplicaSets, Pods, Services, ConfigMaps, Nodes; about 2.4 KiB each with
//! `managedFields`), `herald run` (the release binary, a process of its own) watching it.
//!
//! Measures herald's own CPU and resident memory (from `/proc`): to ready with every object in
//! the store, then status flips in bulk (as fast as the fake server sends them) and trickling (one
//! at a time with a pause), each breaking an object or mending one, with one object in 100
//! broken at any time, then `GET /api/v1/objects` and `GET /metrics` and the memory each
//! takes while serving.
//!
//! `cargo bench --bench scale`; environment:
//! - `HERALD_BENCH_OBJECTS` (default 10000): objects in the cluster;
//! - `HERALD_BENCH_CHILDREN=off`: herald with `--no-children`, and the cluster is that many
//!   Flux and Argo CD objects (the same parents, nothing deployed);
//! - `HERALD_BENCH_UPDATES` (20000) and `HERALD_BENCH_TRICKLE` (2000): updates in bulk and
//!   trickling; `HERALD_BENCH_PAUSE_US` (1000): the pause between trickling updates;
//! - `HERALD_BENCH_HISTORY=off`: herald's history in memory instead of a file;
//!   `HERALD_BENCH_HISTORY_FILL=N`: the file holds N records of other objects over the last 13
//!   days before herald starts (a history after days of a busy cluster: the default `maxBytes`
//!   holds about 450,000), where it is otherwise new;
//! - `HERALD_BENCH_STOP=ready`: stop herald (SIGKILL) once ready and settled, skipping the
//!   updates; with `HERALD_BENCH_BIN` and `HERALD_BENCH_WRAP` (benches/common) for a heap
//!   profile at ready: what a killed process had not freed is what it held.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use herald::fake::{FakeApiServer, Options, gitops_resources};
use serde_json::Value;
#[path = "common/cluster.rs"]
mod cluster;
#[path = "common/mod.rs"]
mod common;

use cluster::{PODS_PER_DEPLOYMENT, Unit};
use common::{cpu_seconds, cpu_split, get, peak_rss_kib, reset_peak_rss, rss_kib, thread_cpu};

/// The fake API server's allocator (herald runs as a process of its own, with its own): the
/// system's spent a quarter of the server's time growing and consolidating its buffers, and a
/// server slower than herald spreads a burst of updates out, so that the bulk figure measured the
/// server's pace as much as herald.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env_usize(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// herald's path for an object as the fake server holds it.
fn path_of(o: &Value) -> String {
    let (group, _) = o["apiVersion"]
        .as_str()
        .unwrap_or_default()
        .rsplit_once('/')
        .unwrap_or(("core", ""));
    let m = &o["metadata"];
    format!(
        "/api/v1/objects/{group}/{}/{}/{}",
        o["kind"].as_str().unwrap_or_default(),
        m["namespace"].as_str().unwrap_or("_"),
        m["name"].as_str().unwrap_or_default()
    )
}

/// Waits until herald is idle (no CPU tick in 200 ms), each `(path, resourceVersion)` is in its
/// store and the history writer has committed its last batch; returns herald's CPU seconds then
/// and the time when it first went idle with every update in its store (the writer's last batch
/// may come seconds later), both read before the GETs that check.
async fn settle(pid: u32, addr: &str, checks: &[(String, String)]) -> (f64, Instant) {
    let mut stored = None;
    loop {
        let before = cpu_seconds(pid);
        let at = Instant::now();
        tokio::time::sleep(Duration::from_millis(200)).await;
        if cpu_seconds(pid) - before > 0.011 {
            continue;
        }
        let mut all = true;
        for (path, rv) in checks {
            let (status, body) = get(addr, path).await;
            if status != 200 || !body.contains(&format!("\"resourceVersion\":\"{rv}\"")) {
                all = false;
                break;
            }
        }
        if !all {
            continue;
        }
        let stored = *stored.get_or_insert(at);
        // The history writer commits what it was handed at most 5 s later: its last
        // batch belongs to these updates, not to whatever is measured next.
        tokio::time::sleep(HISTORY_BATCH).await;
        if cpu_seconds(pid) - before <= 0.011 {
            return (before, stored);
        }
    }
}

/// Writes `n` records into the history file at `path` as herald would have over the last 13
/// days: transitions (one in ten a Warning Event) of 10,000 objects the cluster does not have.
fn fill_history(path: &std::path::Path, n: usize) {
    use herald::config::EventKind;
    use herald::health::Health;
    use herald::history::{History, Limits, Record};
    use herald::store::{ObjectKey, Verdict};
    let verdict = |health: Health, status: &str| Verdict {
        health,
        ready: health == Health::Healthy,
        status: status.into(),
        revision: Some("main@sha1:0123456789abcdef0123456789abcdef01234567".into()),
        suspended: false,
        sync: None,
        from_children: false,
    };
    let h = History::open(
        path,
        Limits::default(),
        std::sync::Arc::new(herald::clock::SystemClock),
    )
    .unwrap();
    let now = jiff::Timestamp::now();
    let span = jiff::SignedDuration::from_hours(13 * 24);
    for i in 0..n {
        let o = (i * 7919) % 10_000;
        let key = ObjectKey::new(
            "apps",
            "Deployment",
            &format!("old-{}", o % 100),
            &format!("web-{o}"),
        );
        let at = now - span + span / n as i32 * i as i32;
        let record = match i % 10 {
            9 => Record::Warning {
                reason: "BackOff".into(),
                note: format!(
                    "Back-off restarting failed container web in pod web-{o}-7d9f8c6b5-x2x8z"
                ),
                count: 1,
            },
            k => {
                let (from, to, events) = if k % 2 == 0 {
                    (Health::Healthy, Health::Unhealthy, EventKind::Unhealthy)
                } else {
                    (Health::Unhealthy, Health::Healthy, EventKind::Recovered)
                };
                Record::Transition {
                    events: vec![events],
                    from: Some(verdict(from, "MinimumReplicasUnavailable")),
                    to: Some(verdict(to, "MinimumReplicasAvailable")),
                    message: "Deployment does not have minimum availability.".into(),
                    via: None,
                    change: None,
                }
            }
        };
        h.record(&key, at, record);
        // The queue never waits: flushed before it fills.
        if i % 2000 == 1999 {
            h.flush();
        }
    }
    h.close();
    assert_eq!(h.dropped(), 0, "history records dropped while filling");
}

/// Longer than herald's history writer keeps a batch open.
const HISTORY_BATCH: Duration = Duration::from_millis(5100);

/// Of every this many objects, one is broken at any time (after the warm-up).
const BROKEN_ONE_IN: usize = 100;

/// An object that the updates flip: (kind: 0 Pod, 1 Deployment, 2 parent; unit; Deployment;
/// Pod).
type Flip = (u8, usize, usize, usize);

/// The updates: each breaks an object or mends the one broken longest ago, so that the same
/// share of the cluster is broken at every size (`BROKEN_ONE_IN`) and an update's effects (how
/// many health changes it makes up the relationships) do not depend on the cluster's size. (Each
/// picking an object at random and flipping it did: at 100,000 objects almost every update broke
/// a healthy object under a healthy parent; at 10,000 many mended one or broke one under a
/// parent already broken, and an update turned 1.6 objects' health where it turned 2.2 at
/// 100,000.)
struct Updates {
    units: Vec<Unit>,
    /// (unit, deployment) of every Deployment, to pick Pods and Deployments uniformly.
    slots: Vec<(usize, usize)>,
    children: bool,
    states: HashMap<Flip, usize>,
    /// Broken now, the oldest first.
    broken: VecDeque<Flip>,
    /// How many are broken at once.
    keep: usize,
    seed: u64,
}

impl Updates {
    /// A random object of the mix: 70% Pods, 20% Deployments, 10% parents (parents only without
    /// children).
    fn pick(&mut self) -> Flip {
        self.seed = self
            .seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let r = (self.seed >> 33) as usize;
        let class = if self.children { r % 10 } else { 9 };
        match class {
            0..=6 => {
                let (u, d) = self.slots[(r / 10) % self.slots.len()];
                (0u8, u, d, (r / 7) % PODS_PER_DEPLOYMENT)
            }
            7 | 8 => {
                let (u, d) = self.slots[(r / 10) % self.slots.len()];
                (1, u, d, 0)
            }
            _ => (2, (r / 10) % self.units.len(), 0, 0),
        }
    }

    fn next(&mut self) -> Value {
        let flip = if self.broken.len() >= self.keep {
            self.broken.pop_front().expect("keep is at least 1")
        } else {
            // Ends: at most one object in `BROKEN_ONE_IN` is broken, so most picks are healthy.
            loop {
                let f = self.pick();
                if self.states.get(&f).is_none_or(|s| s.is_multiple_of(2)) {
                    self.broken.push_back(f);
                    break f;
                }
            }
        };
        let state = self.states.entry(flip).or_insert(0);
        *state += 1;
        let (kind, u, d, p) = flip;
        let unit = &self.units[u];
        match kind {
            0 => cluster::pod(unit, d, p, *state),
            1 => cluster::deployment(unit, d, *state),
            _ => cluster::parent(unit, *state),
        }
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let objects = env_usize("HERALD_BENCH_OBJECTS", 10_000);
    let bulk = env_usize("HERALD_BENCH_UPDATES", 20_000);
    let trickle = env_usize("HERALD_BENCH_TRICKLE", 2_000);
    let pause = Duration::from_micros(env_usize("HERALD_BENCH_PAUSE_US", 1000) as u64);
    let off = |var: &str| std::env::var(var).is_ok_and(|v| v == "off");
    let children = !off("HERALD_BENCH_CHILDREN");

    let options = Options {
        history_limit: bulk + trickle + 10_000,
        ..Options::default()
    };
    let server = FakeApiServer::start(gitops_resources(), options)
        .await
        .unwrap();
    let units = cluster::units(objects, children);
    // The object of each kind that herald lists last (the greatest namespace/name): when it is
    // in the store, so are the others of its kind.
    let mut last: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
    let (mut count, mut bytes, mut sampled) = (0usize, 0usize, 0usize);
    let t = Instant::now();
    let mut apply = |o: Value| {
        if count.is_multiple_of(17) {
            bytes += serde_json::to_vec(&o).unwrap().len();
            sampled += 1;
        }
        count += 1;
        let kind = o["kind"].as_str().unwrap_or_default().to_string();
        let key = format!(
            "{}/{}",
            o["metadata"]["namespace"].as_str().unwrap_or_default(),
            o["metadata"]["name"].as_str().unwrap_or_default()
        );
        *by_kind.entry(kind.clone()).or_default() += 1;
        let path = path_of(&o);
        let entry = last.entry(kind).or_default();
        if key > entry.0 {
            *entry = (key, path);
        }
        server.apply(o).unwrap();
    };
    if children {
        for n in 0..cluster::NODES {
            apply(cluster::node(n));
        }
    }
    for u in &units {
        cluster::unit_objects(u, children, &mut apply);
    }
    let setup = t.elapsed();
    let sentinels: Vec<String> = last.values().map(|(_, p)| p.clone()).collect();

    let dir = std::env::temp_dir().join(format!("herald-scale-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    let config = dir.join("herald.yaml");
    std::fs::write(&config, format!("watch: {{children: {children}}}\n")).unwrap();
    let mut args = vec![
        "run".to_string(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--config".into(),
        config.display().to_string(),
        // Not the default herald-outbox.redb in the working directory (the repository's).
        "--outbox".into(),
        dir.join("outbox.redb").display().to_string(),
    ];
    if !children {
        args.push("--no-children".into());
    }
    args.extend(common::history_args(&dir));
    let fill = env_usize("HERALD_BENCH_HISTORY_FILL", 0);
    if fill > 0 {
        fill_history(&dir.join("history.redb"), fill);
    }
    let started = Instant::now();
    let (mut child, addr) = common::start_herald(&args, &kubeconfig).await;
    let pid = common::herald_pid(&child);

    // Ready, and the last object of every kind in the store.
    let (ready_after, cpu_ready) = loop {
        let mut all = get(&addr, "/readyz").await.0 == 200;
        for p in &sentinels {
            if !all {
                break;
            }
            all = get(&addr, p).await.0 == 200;
        }
        if all {
            break (started.elapsed(), cpu_seconds(pid));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let rss_ready = rss_kib(pid);
    let ready_split = cpu_split(&BTreeMap::new(), &thread_cpu(pid));
    // What the start-up left to finish (the history, the first roll-ups) is not the updates'.
    settle(pid, &addr, &[]).await;
    // Resident memory once settled: a second after herald went idle. The allocator returns
    // what the first lists freed within about half a second of their end, so a reading taken
    // at once may or may not include it.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_settled = rss_kib(pid);
    if std::env::var("HERALD_BENCH_STOP").is_ok_and(|v| v == "ready") {
        // Resident memory by kind: anonymous (the heap, stacks) and file-backed (the code).
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let split: Vec<&str> = status
            .lines()
            .filter(|l| l.starts_with("RssAnon") || l.starts_with("RssFile"))
            .collect();
        println!("settled: {}", split.join(", ").replace('\t', " "));
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        let _ = child.wait();
        let _ = std::fs::remove_dir_all(&dir);
        println!(
            "ready (every object in the store, {count} objects): {:.2} s, herald CPU {:.2} s, RSS {:.1} MiB ({:.1} MiB once settled)",
            ready_after.as_secs_f64(),
            cpu_ready,
            mib(rss_ready),
            mib(rss_settled)
        );
        println!("  by thread: {ready_split}");
        return;
    }

    let mut updates = Updates {
        slots: units
            .iter()
            .enumerate()
            .flat_map(|(i, u)| (0..u.deployments).map(move |d| (i, d)))
            .collect(),
        units,
        children,
        states: HashMap::new(),
        broken: VecDeque::new(),
        keep: (count / BROKEN_ONE_IN).max(1),
        seed: 18,
    };
    let record = |c: herald::fake::Change, lasts: &mut BTreeMap<String, (String, String)>| {
        let o = &c.object;
        lasts.insert(
            o["kind"].as_str().unwrap_or_default().to_string(),
            (path_of(o), c.rv.to_string()),
        );
    };

    // The warm-up, not measured: the share of the cluster that stays broken, broken.
    let mut lasts = BTreeMap::new();
    for _ in 0..updates.keep {
        let o = updates.next();
        record(server.apply(o).unwrap(), &mut lasts);
    }
    let checks: Vec<(String, String)> = lasts.values().cloned().collect();
    settle(pid, &addr, &checks).await;

    // In bulk: built first, then sent as fast as the fake server takes them.
    let batch: Vec<Value> = (0..bulk).map(|_| updates.next()).collect();
    let mut lasts = BTreeMap::new();
    let changes0 = health_changes(&addr).await;
    let threads0 = thread_cpu(pid);
    let cpu0 = cpu_seconds(pid);
    let t = Instant::now();
    for o in batch {
        record(server.apply(o).unwrap(), &mut lasts);
    }
    let sent_in = t.elapsed();
    let checks: Vec<(String, String)> = lasts.values().cloned().collect();
    let (cpu1, idle) = settle(pid, &addr, &checks).await;
    let bulk_time = idle - t;
    let bulk_cpu = cpu1 - cpu0;
    let rss_bulk = rss_kib(pid);
    let bulk_split = cpu_split(&threads0, &thread_cpu(pid));
    let bulk_changes = health_changes(&addr).await - changes0;

    // Trickling: one at a time, a pause after each.
    let mut lasts = BTreeMap::new();
    let threads0 = thread_cpu(pid);
    let cpu0 = cpu_seconds(pid);
    let t = Instant::now();
    for _ in 0..trickle {
        let o = updates.next();
        record(server.apply(o).unwrap(), &mut lasts);
        tokio::time::sleep(pause).await;
    }
    let trickle_sent = t.elapsed();
    let checks: Vec<(String, String)> = lasts.values().cloned().collect();
    let (cpu1, _) = settle(pid, &addr, &checks).await;
    let trickle_cpu = cpu1 - cpu0;
    let rss_after = rss_kib(pid);
    let trickle_split = cpu_split(&threads0, &thread_cpu(pid));
    let trickle_changes = health_changes(&addr).await - changes0 - bulk_changes;
    // Records the history writer could not take are work it did not do: said, so that a
    // cheaper writer is not one that dropped more.
    let (_, metrics) = get(&addr, "/metrics").await;
    let dropped: f64 = dechunked(&metrics)
        .lines()
        .filter(|l| l.starts_with("herald_history_dropped_total"))
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum();

    // A Prometheus scrape, then the whole objects API: time, herald's CPU, bytes, and the most
    // memory herald held while answering (VmHWM, reset first) over what it held before. The
    // scrape first: memory the larger answer freed but kept would hide the scrape's rise.
    let mut serve = Vec::new();
    for path in ["/metrics", "/api/v1/objects"] {
        reset_peak_rss(pid);
        let before = rss_kib(pid);
        let cpu0 = cpu_seconds(pid);
        let t = Instant::now();
        let (status, body) = get(&addr, path).await;
        let took = t.elapsed();
        let cpu = cpu_seconds(pid) - cpu0;
        assert_eq!(status, 200, "GET {path}");
        let peak = peak_rss_kib(pid);
        serve.push((path, took, cpu, body.len(), before, peak, rss_kib(pid)));
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let kinds: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!(
        "== herald at scale: {count} objects, children {} ==",
        if children {
            "on"
        } else {
            "off (--no-children)"
        }
    );
    println!("objects: {}", kinds.join(", "));
    println!(
        "object size: {:.2} KiB on average (JSON, one in 17 measured); {} parents; fake server loaded in {:.1} s",
        bytes as f64 / sampled.max(1) as f64 / 1024.0,
        updates.units.len(),
        setup.as_secs_f64()
    );
    println!(
        "ready (every object in the store): {:.2} s, herald CPU {:.2} s, RSS {:.1} MiB ({:.1} MiB once settled)",
        ready_after.as_secs_f64(),
        cpu_ready,
        mib(rss_ready),
        mib(rss_settled)
    );
    println!("  by thread: {ready_split}");
    let mix = if children {
        "70% Pods' readiness, 20% Deployments' availableReplicas, 10% Flux/Argo CD Ready"
    } else {
        "Flux/Argo CD Ready"
    };
    let mix = format!(
        "{mix}; each breaks an object or mends the one broken longest ago, {} broken at a time",
        updates.keep
    );
    println!(
        "bulk: {bulk} updates ({mix}) sent in {:.2} s, all in herald's store after {:.2} s; herald CPU {:.2} s = {:.1} µs/update; RSS after {:.1} MiB",
        sent_in.as_secs_f64(),
        bulk_time.as_secs_f64(),
        bulk_cpu,
        bulk_cpu * 1e6 / bulk.max(1) as f64,
        mib(rss_bulk)
    );
    println!(
        "  by thread: {bulk_split}; health changes {:.2} per update",
        bulk_changes / bulk.max(1) as f64
    );
    println!(
        "trickle: {trickle} updates, {} µs pause, sent in {:.2} s; herald CPU {:.2} s = {:.1} µs/update ({:.2}x bulk); RSS after {:.1} MiB",
        pause.as_micros(),
        trickle_sent.as_secs_f64(),
        trickle_cpu,
        trickle_cpu * 1e6 / trickle.max(1) as f64,
        (trickle_cpu / trickle.max(1) as f64) / (bulk_cpu / bulk.max(1) as f64).max(1e-12),
        mib(rss_after)
    );
    println!(
        "  by thread: {trickle_split}; health changes {:.2} per update",
        trickle_changes / trickle.max(1) as f64
    );
    println!("history records dropped: {dropped}");
    for (path, took, cpu, len, before, peak, after) in serve {
        println!(
            "GET {path}: {:.0} ms, herald CPU {:.0} ms, {:.1} MiB; RSS {:.1} MiB before, peak {:.1} (+{:.1}), {:.1} after",
            took.as_secs_f64() * 1e3,
            cpu * 1e3,
            len as f64 / (1024.0 * 1024.0),
            mib(before),
            mib(peak),
            mib(peak.saturating_sub(before)),
            mib(after)
        );
    }
}

/// The health changes herald has counted (`herald_health_transitions_total`, objects it learnt
/// of left out): how far the updates' effects travelled up the relationships, which depends on
/// how many of the objects were already unhealthy, and so on the updates before.
async fn health_changes(addr: &str) -> f64 {
    let (_, body) = get(addr, "/metrics").await;
    dechunked(&body)
        .lines()
        .filter(|l| {
            l.starts_with("herald_health_transitions_total{") && !l.contains("from=\"none\"")
        })
        .filter_map(|l| l.rsplit_once(' ')?.1.parse::<f64>().ok())
        .sum()
}

/// A body sent in chunks, put back together.
fn dechunked(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            // Not chunked after all.
            return body.to_string();
        };
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

//! Benchmark of the hand-over state (issue 15): how large the ConfigMaps are that the leader
//! keeps its notifier state in, and how often and how much it writes under a steady stream of
//! changes. Prints Markdown tables for BENCHMARKS.md.
//!
//! 1. Size: a [`Mirror`] of 16 parts filled with 1,000, 10,000 and 100,000 objects as herald
//!    records them (Flux, Argo CD and workload keys; verdicts with status, revision and sync;
//!    about 5 % not ready, 2 % troubled), then the same at 10,000 objects with 1,000 pending
//!    notifications; each part encoded as it is written (gzipped JSON). Also the most objects,
//!    and the most pending notifications, one part takes before it reaches `MAX_PART_BYTES`.
//! 2. Write rate: the fake API server in-process, [`write_loop`] writing a 10,000-object
//!    mirror for a replica that always leads, while changes come at a steady rate on random
//!    objects; counts the ConfigMap writes and their bytes, and the time from each change to
//!    [`Mirror::persisted`] covering it.
//!
//! ```text
//! cargo run --release --example handover [-- --rate 1000 --seconds 10]
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use herald::config::EventKind;
use herald::fake::{FakeApiServer, Options, gitops_resources};
use herald::health::Health;
use herald::lease::Leadership;
use herald::metrics::Metrics;
use herald::notify::handover::{
    ClusterState, DEFAULT_PARTS, MAX_PART_BYTES, Mirror, PartData, Told, flushed, key_string,
    write_loop,
};
use herald::notify::{Event, Notification};
use herald::store::{ObjectKey, Verdict};
use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;
use tokio::time::Instant;

#[derive(Debug, Parser)]
#[command(about = "Size and write rate of herald's hand-over state")]
struct Args {
    /// Changes per second in the write-rate run.
    #[arg(long, default_value_t = 1000)]
    rate: u32,
    /// How long the write-rate run makes changes.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Objects in the write-rate run.
    #[arg(long, default_value_t = 10_000)]
    objects: usize,
    /// Percent of the changes a notification waits for (written at the next round, as the
    /// gate asks); the others are written lazily, at most every LAZY_EVERY.
    #[arg(long, default_value_t = 100)]
    urgent: u64,
    /// Skip the size tables (only the write-rate run).
    #[arg(long)]
    no_size: bool,
    /// Skip the write-rate run (only the size tables).
    #[arg(long)]
    no_writes: bool,
}

/// SplitMix64: deterministic, so every run builds the same state.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `p` percent.
    fn percent(&mut self, p: u64) -> bool {
        self.below(10_000) < p * 100
    }

    fn hex(&mut self, len: usize) -> String {
        let mut s = String::with_capacity(len);
        while s.len() < len {
            s.push_str(&format!("{:016x}", self.next()));
        }
        s.truncate(len);
        s
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Kustomization,
    HelmRelease,
    GitRepository,
    Application,
    Deployment,
    StatefulSet,
}

/// The kind of object `i`: a cluster where Flux and Argo CD objects are about half the watched
/// objects and workloads the rest.
fn kind_of(i: usize) -> Kind {
    match i % 20 {
        0..=4 => Kind::Kustomization,
        5..=7 => Kind::HelmRelease,
        8 => Kind::GitRepository,
        9..=11 => Kind::Application,
        12..=18 => Kind::Deployment,
        _ => Kind::StatefulSet,
    }
}

fn key_of(i: usize) -> ObjectKey {
    let team = format!("team-{:03}", (i / 7) % 250);
    match kind_of(i) {
        Kind::Kustomization => ObjectKey::new(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            &team,
            &format!("app-{i:04}"),
        ),
        Kind::HelmRelease => ObjectKey::new(
            "helm.toolkit.fluxcd.io",
            "HelmRelease",
            &team,
            &format!("chart-{i:04}"),
        ),
        Kind::GitRepository => ObjectKey::new(
            "source.toolkit.fluxcd.io",
            "GitRepository",
            "flux-system",
            &format!("repo-{i:04}"),
        ),
        Kind::Application => ObjectKey::new(
            "argoproj.io",
            "Application",
            "argocd",
            &format!("{team}-svc-{i:04}"),
        ),
        Kind::Deployment => ObjectKey::new("apps", "Deployment", &team, &format!("web-{i:04}")),
        Kind::StatefulSet => ObjectKey::new("apps", "StatefulSet", &team, &format!("db-{i:04}")),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Ready,
    /// Not ready, not (yet) trouble: progressing, rolling out.
    Progressing,
    /// Trouble told.
    Troubled,
}

/// A verdict as herald's checks make it for `kind` in `state`.
fn verdict(kind: Kind, state: State, rng: &mut Rng) -> Verdict {
    let (health, ready) = match state {
        State::Ready => (Health::Healthy, true),
        State::Progressing => (Health::Unknown, false),
        State::Troubled => (Health::Unhealthy, false),
    };
    let git = |rng: &mut Rng| Some(format!("main@sha1:{}", rng.hex(40)));
    let (status, revision, sync) = match (kind, state) {
        (Kind::Kustomization, State::Ready) => ("ReconciliationSucceeded", git(rng), None),
        (Kind::Kustomization, State::Progressing) => ("Progressing", git(rng), None),
        (Kind::Kustomization, State::Troubled) => ("HealthCheckFailed", git(rng), None),
        (Kind::HelmRelease, s) => (
            match s {
                State::Ready => "UpgradeSucceeded",
                State::Progressing => "Progressing",
                State::Troubled => "UpgradeFailed",
            },
            Some(format!(
                "{}.{}.{}",
                rng.below(8),
                rng.below(30),
                rng.below(20)
            )),
            None,
        ),
        (Kind::GitRepository, s) => (
            match s {
                State::Ready => "Succeeded",
                State::Progressing => "Progressing",
                State::Troubled => "GitOperationFailed",
            },
            git(rng),
            None,
        ),
        (Kind::Application, s) => (
            match s {
                State::Ready => "Healthy",
                State::Progressing => "Progressing",
                State::Troubled => "Degraded",
            },
            Some(rng.hex(40)),
            Some(
                if s == State::Troubled {
                    "OutOfSync"
                } else {
                    "Synced"
                }
                .to_string(),
            ),
        ),
        (Kind::Deployment | Kind::StatefulSet, s) => (
            match s {
                State::Ready => "Running",
                State::Progressing => "Rolling Out",
                State::Troubled => "PartiallyAvailable",
            },
            None,
            None,
        ),
    };
    Verdict {
        health,
        ready,
        status: status.to_string(),
        revision,
        suspended: false,
        sync,
        // A Kustomization's trouble is often its children's.
        from_children: kind == Kind::Kustomization && state == State::Troubled && rng.percent(50),
    }
}

/// The evaluation time all timestamps are around.
fn now() -> Timestamp {
    "2026-12-10T12:00:00Z".parse().expect("timestamp")
}

/// What the notifier records of an object in `state`.
fn told(kind: Kind, state: State, rng: &mut Rng) -> Told {
    let since = now() - SignedDuration::from_secs(60 + rng.below(6 * 3600) as i64);
    Told {
        verdict: Some(verdict(kind, state, rng)),
        not_ready: (state != State::Ready).then_some(since),
        troubled: state == State::Troubled,
        inhibited: false,
        withheld: Vec::new(),
        // Half the troubles have a repeat interval.
        repeat_due: (state == State::Troubled && rng.percent(50))
            .then(|| now() + SignedDuration::from_secs(rng.below(4 * 3600) as i64)),
    }
}

/// Object `i` as first recorded: about 5 % not ready, 2 % of all troubled.
fn object(i: usize, rng: &mut Rng) -> (ObjectKey, Told) {
    let r = rng.below(100);
    let state = match r {
        0..=1 => State::Troubled,
        2..=4 => State::Progressing,
        _ => State::Ready,
    };
    (key_of(i), told(kind_of(i), state, rng))
}

fn filled(parts: usize, objects: usize) -> Mirror {
    let m = Mirror::new(parts);
    let mut rng = Rng(42);
    for i in 0..objects {
        let (k, t) = object(i, &mut rng);
        m.set_told(&k, Some(t));
    }
    m
}

/// A pending notification about object `i`, as the route stage makes it: one receiver, the
/// event with the object's labels, its verdicts before and after, a message.
fn notification(id: u64, i: usize, rng: &mut Rng) -> Notification {
    let kind = kind_of(i);
    let object = key_of(i);
    let at = now() - SignedDuration::from_secs(rng.below(600) as i64);
    let (event_kind, from, to) = if rng.percent(70) {
        (
            EventKind::Unhealthy,
            verdict(kind, State::Ready, rng),
            verdict(kind, State::Troubled, rng),
        )
    } else {
        (
            EventKind::Recovered,
            verdict(kind, State::Troubled, rng),
            verdict(kind, State::Ready, rng),
        )
    };
    let (message, children, labels) = match kind {
        Kind::Kustomization => (
            format!(
                "Health check failed after 5m0.04s: timeout waiting for: [Deployment/{ns}/web-{i:04} status: 'InProgress']",
                ns = object.namespace
            ),
            vec![ObjectKey::new(
                "apps",
                "Deployment",
                &object.namespace,
                &format!("web-{i:04}"),
            )],
            BTreeMap::from([
                (
                    "kustomize.toolkit.fluxcd.io/name".to_string(),
                    "tenants".to_string(),
                ),
                (
                    "kustomize.toolkit.fluxcd.io/namespace".to_string(),
                    "flux-system".to_string(),
                ),
            ]),
        ),
        Kind::HelmRelease => (
            "Helm upgrade failed for release team/chart with chart app@1.4.2: context deadline exceeded".to_string(),
            Vec::new(),
            BTreeMap::from([("app.kubernetes.io/part-of".to_string(), "platform".to_string())]),
        ),
        Kind::GitRepository => (
            "failed to checkout and determine revision: unable to clone 'https://git.example.com/org/repo': authentication required".to_string(),
            Vec::new(),
            BTreeMap::new(),
        ),
        Kind::Application => (
            "Deployment \"web\" exceeded its progress deadline".to_string(),
            Vec::new(),
            BTreeMap::from([(
                "argocd.argoproj.io/instance".to_string(),
                object.name.to_string(),
            )]),
        ),
        Kind::Deployment | Kind::StatefulSet => (
            format!(
                "Waiting for rollout to finish: 1 of 3 updated replicas are available... (pod {}-7d9f8b6c4-x2k9p: back-off 5m0s restarting failed container)",
                object.name
            ),
            Vec::new(),
            BTreeMap::from([
                ("app.kubernetes.io/name".to_string(), object.name.to_string()),
                ("app.kubernetes.io/part-of".to_string(), object.namespace.to_string()),
            ]),
        ),
    };
    Notification {
        id,
        receiver: if id.is_multiple_of(3) {
            "pagerduty"
        } else {
            "slack-platform"
        }
        .to_string(),
        route: format!("routes[{}]", id % 4),
        event: Event {
            id: rng.hex(24),
            kind: event_kind,
            cluster: "prod-eu-1".to_string(),
            object,
            at,
            from: Some(from),
            to: Some(to),
            message,
            children,
            via: None,
            labels,
            annotations: BTreeMap::new(),
            test: false,
            repo: None,
            attempted: None,
            warnings: Vec::new(),
            affected: Vec::new(),
            affected_more: 0,
            change: None,
        },
        due: at,
        recheck: false,
        target: None,
        grouped: Vec::new(),
    }
}

fn pending(count: usize, objects: usize) -> Vec<Notification> {
    let mut rng = Rng(7);
    (0..count)
        .map(|n| notification(n as u64 + 1, rng.below(objects as u64) as usize, &mut rng))
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

/// Encodes every part of `m` (five times each, the median kept) and prints one table row.
fn size_row(label: &str, m: &Mirror, objects: usize, notes: &mut Vec<String>) {
    let mut json = 0;
    let mut total = 0;
    let mut largest = (0, 0);
    let mut times = Vec::new();
    let mut objects_in_largest = 0;
    for i in 0..m.parts() {
        let data = m.part_data(i);
        json += serde_json::to_vec(&data).expect("json").len();
        let mut runs = Vec::new();
        let mut bytes = Vec::new();
        for _ in 0..5 {
            let t = std::time::Instant::now();
            bytes = data.encode().expect("encode");
            runs.push(t.elapsed());
        }
        total += bytes.len();
        if bytes.len() > largest.0 {
            largest = (bytes.len(), i);
            objects_in_largest = data.told.len();
        }
        times.push(median(runs));
    }
    let round: Duration = times.iter().sum();
    let mean = round / times.len() as u32;
    let slowest = times.iter().max().copied().unwrap_or_default();
    println!(
        "| {label} | {} | {} | {} | {} ({} objects) | {:.1} | {} / {} | {} |",
        m.parts(),
        kib(json),
        kib(total),
        kib(largest.0),
        objects_in_largest,
        total as f64 / objects as f64,
        ms(mean),
        ms(slowest),
        ms(round),
    );
    notes.push(format!(
        "{label}: largest part {:.1} % of MAX_PART_BYTES ({} bytes)",
        largest.0 as f64 * 100.0 / MAX_PART_BYTES as f64,
        MAX_PART_BYTES
    ));
}

/// The largest `n` for which `make(n)` encodes within `MAX_PART_BYTES`, and its encoded size.
fn most_that_fit(make: impl Fn(usize) -> PartData) -> (usize, usize) {
    let size = |n: usize| make(n).encode().expect("encode").len();
    let mut lo = 0;
    let mut hi = 1024;
    while size(hi) <= MAX_PART_BYTES {
        lo = hi;
        hi *= 2;
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if size(mid) <= MAX_PART_BYTES {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo, size(lo))
}

fn sizes() {
    println!("### Size\n");
    println!(
        "| state | parts | JSON | gzipped, all parts | largest part | gzipped bytes per object | encode per part (mean / slowest) | encode, every part |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut notes = Vec::new();
    for n in [1_000, 10_000, 100_000] {
        let m = filled(DEFAULT_PARTS, n);
        size_row(&format!("{n} objects"), &m, n, &mut notes);
    }
    let m = filled(DEFAULT_PARTS, 10_000);
    let outbox = pending(1_000, 10_000);
    m.queued(&outbox);
    size_row(
        "10000 objects + 1000 pending notifications",
        &m,
        10_000,
        &mut notes,
    );
    println!();
    for n in notes {
        println!("- {n}");
    }

    // One part's capacity: the objects are those of the full sequence, so the mix is the same.
    let all: Vec<(ObjectKey, Told)> = {
        let mut rng = Rng(42);
        (0..200_000).map(|i| object(i, &mut rng)).collect()
    };
    let outbox = pending(20_000, 200_000);
    let part = |objects: usize, notifications: usize| {
        let mut d = PartData::default();
        for (k, t) in &all[..objects] {
            d.told.insert(key_string(k), t.clone());
        }
        for n in &outbox[..notifications] {
            d.outbox.insert(n.id, n.clone());
        }
        d
    };
    let per_part = 10_000 / DEFAULT_PARTS;
    let (objects, bytes) = most_that_fit(|n| part(n, 0));
    let (with_outbox, _) = most_that_fit(|n| part(n, 1_000 / DEFAULT_PARTS));
    let (notifications, nbytes) = most_that_fit(|n| part(per_part, n));
    println!();
    println!("### One part's capacity (MAX_PART_BYTES = {MAX_PART_BYTES})\n");
    println!("| a part holding | most that fit | gzipped then |");
    println!("|---|---|---|");
    println!(
        "| objects only | {objects} objects ({} at {DEFAULT_PARTS} even parts) | {} |",
        objects * DEFAULT_PARTS,
        kib(bytes)
    );
    println!(
        "| objects + {} pending notifications (1000 spread over {DEFAULT_PARTS}) | {with_outbox} objects | |",
        1_000 / DEFAULT_PARTS
    );
    println!(
        "| {per_part} objects (10000 over {DEFAULT_PARTS}) + pending notifications | {notifications} notifications ({} at {DEFAULT_PARTS} parts) | {} |",
        notifications * DEFAULT_PARTS,
        kib(nbytes)
    );
    println!();
}

/// User and system CPU time of this process so far (Linux), to compare before and after.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis(ticks * 10))
}

async fn writes(args: &Args) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .expect("fake API server");
    let kubeconfig =
        kube::config::Kubeconfig::from_yaml(&server.kubeconfig_as("herald-0")).expect("config");
    let mut config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .expect("config");
    config.default_retry = false;
    let client = kube::Client::try_from(config).expect("client");
    let state = ClusterState::new(client, "herald", "herald", None);

    let objects = args.objects;
    let mirror = Arc::new(filled(DEFAULT_PARTS, objects));
    let metrics = Arc::new(Metrics::new());
    let far = Instant::now() + Duration::from_secs(24 * 3600);
    let (_leadership_tx, leadership) = watch::channel(Leadership {
        holder: Some("herald-0".to_string()),
        leading: true,
        start_until: Some(far),
        finish_by: Some(far),
        epoch: 1,
    });
    let started = Instant::now();
    let writer = tokio::spawn(write_loop(
        Arc::clone(&mirror),
        state,
        leadership,
        "herald-0".to_string(),
        Arc::clone(&metrics),
    ));
    assert!(
        flushed(&mirror, Duration::from_secs(60)).await,
        "the first write never finished"
    );
    let first = started.elapsed();
    let (first_bytes, _) = mirror.size();

    // Every change and when it was made, until the write that covers it.
    let made: Arc<Mutex<VecDeque<(u64, Instant)>>> = Arc::default();
    let lags: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let written = Arc::new(Mutex::new((0usize, 0usize, 0usize))); // writes, bytes, rounds
    let (stop_tx, stop) = watch::channel(false);

    let sampler = {
        let mirror = Arc::clone(&mirror);
        let made = Arc::clone(&made);
        let lags = Arc::clone(&lags);
        let written = Arc::clone(&written);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let mut persisted = mirror.persisted();
            let mut versions: Vec<Option<String>> = (0..mirror.parts())
                .map(|i| mirror.part_written(i).0)
                .collect();
            loop {
                tokio::select! {
                    r = persisted.changed() => if r.is_err() { break },
                    _ = stop.changed() => break,
                }
                let p = *persisted.borrow_and_update();
                let now = Instant::now();
                {
                    let mut made = made.lock().expect("lock");
                    let mut lags = lags.lock().expect("lock");
                    while made.front().is_some_and(|(g, _)| *g <= p) {
                        let (_, at) = made.pop_front().expect("front");
                        lags.push(now - at);
                    }
                }
                let mut w = written.lock().expect("lock");
                w.2 += 1;
                for (i, v) in versions.iter_mut().enumerate() {
                    let (version, bytes) = mirror.part_written(i);
                    if version != *v {
                        w.0 += 1;
                        w.1 += bytes;
                        *v = version;
                    }
                }
            }
        })
    };

    let ok_before = metrics.handover_writes("ok");
    let cpu_before = cpu_time();
    let window = Instant::now();
    // From a change a delivery waits for to the round that wrote it (what the gate waits).
    let waited: Arc<Mutex<Vec<Duration>>> = Arc::default();
    let changer = {
        let mirror = Arc::clone(&mirror);
        let made = Arc::clone(&made);
        let waited = Arc::clone(&waited);
        // Every 10 ms, or less often below 100 changes per second.
        let ticks_per_second = args.rate.clamp(1, 100);
        let per_tick = (args.rate / ticks_per_second).max(1) as usize;
        let ticks = args.seconds * u64::from(ticks_per_second);
        let urgent = args.urgent.min(100);
        tokio::spawn(async move {
            let mut rng = Rng(99);
            let mut interval = tokio::time::interval(Duration::from_secs(1) / ticks_per_second);
            let mut changes = 0u64;
            for _ in 0..ticks {
                interval.tick().await;
                for _ in 0..per_tick {
                    let i = rng.below(objects as u64) as usize;
                    // Mostly a new revision applied; some objects go not ready or into trouble.
                    let state = match rng.below(100) {
                        0..=4 => State::Troubled,
                        5..=19 => State::Progressing,
                        _ => State::Ready,
                    };
                    let key = key_of(i);
                    let mut t = told(kind_of(i), state, &mut rng);
                    // A ready workload has no revision: ready again is no change, so it
                    // rolls out instead (every change must be one, or it is never written).
                    if mirror.told(&key).as_ref() == Some(&t) {
                        t = told(kind_of(i), State::Progressing, &mut rng);
                    }
                    // Under the lock, so the sampler cannot see the write that covers the
                    // change before the change is listed.
                    let mut made = made.lock().expect("lock");
                    let at = Instant::now();
                    let before = mirror.generation();
                    mirror.set_told(&key, Some(t));
                    assert!(mirror.generation() > before, "not a change");
                    if rng.below(100) < urgent {
                        let wanted = mirror.want([&key]);
                        let mirror = Arc::clone(&mirror);
                        let waited = Arc::clone(&waited);
                        tokio::spawn(async move {
                            mirror.written(&wanted).await;
                            waited.lock().expect("lock").push(at.elapsed());
                        });
                    }
                    made.push_back((mirror.generation(), at));
                    changes += 1;
                }
            }
            changes
        })
    };
    let changes = changer.await.expect("changer");
    let made_for = window.elapsed();
    assert!(
        flushed(&mirror, Duration::from_secs(30)).await,
        "the last changes were never written"
    );
    // Let the sampler see the last round.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let elapsed = window.elapsed();
    let cpu = cpu_time().zip(cpu_before).map(|(a, b)| a.saturating_sub(b));
    stop_tx.send_replace(true);
    sampler.await.expect("sampler");
    writer.abort();
    let ok = metrics.handover_writes("ok") - ok_before;
    let errors = metrics.handover_writes("error") + metrics.handover_writes("too_large");
    let (count, bytes, rounds) = *written.lock().expect("lock");
    let mut lags = std::mem::take(&mut *lags.lock().expect("lock"));
    lags.sort();
    let mut waited = std::mem::take(&mut *waited.lock().expect("lock"));
    waited.sort();
    let secs = elapsed.as_secs_f64();

    println!("### Write rate\n");
    println!(
        "{objects} objects in {DEFAULT_PARTS} parts; the first write (creating every part, {}) took {}.",
        kib(first_bytes),
        ms(first)
    );
    println!(
        "{changes} changes over {:.2} s ({:.0} per second), all written {:.2} s after the start.\n",
        made_for.as_secs_f64(),
        changes as f64 / made_for.as_secs_f64(),
        secs
    );
    println!(
        "| changes/s | waited for | writes (ok) | writes/s | rounds/s | parts per round | KiB/s written | bytes per write | change → persisted p50 / p90 / p99 / max | waited-for change → written p50 / p99 / max | CPU (whole process) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {} % | {ok} | {:.0} | {:.1} | {:.1} | {:.0} | {:.0} | {} / {} / {} / {} | {} | {} |",
        args.rate,
        args.urgent.min(100),
        ok as f64 / secs,
        rounds as f64 / secs,
        count as f64 / rounds.max(1) as f64,
        bytes as f64 / 1024.0 / secs,
        bytes as f64 / count.max(1) as f64,
        ms(percentile(&lags, 0.5)),
        ms(percentile(&lags, 0.9)),
        ms(percentile(&lags, 0.99)),
        ms(*lags.last().expect("samples")),
        if waited.is_empty() {
            "-".to_string()
        } else {
            format!(
                "{} / {} / {}",
                ms(percentile(&waited, 0.5)),
                ms(percentile(&waited, 0.99)),
                ms(*waited.last().expect("samples"))
            )
        },
        cpu.map_or("?".to_string(), |c| format!(
            "{:.0} % of one core",
            c.as_secs_f64() * 100.0 / secs
        )),
    );
    println!();
    println!(
        "- lag samples: {} of {changes} changes ({} waited for); writes seen by the sampler: {count} (metric: {ok}); failed writes: {errors}",
        lags.len(),
        waited.len()
    );
}

fn main() {
    let args = Args::parse();
    if !args.no_size {
        sizes();
    }
    if !args.no_writes {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(writes(&args));
    }
}

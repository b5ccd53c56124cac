//! An event storm: Kubernetes Warning Events at 10,000 a minute on the fake API server, watched
//! by `herald run` (the release binary, a process of its own), with 1,000 Pods they regard.
//!
//! Measures herald's CPU time and resident memory through the storm, and then how fast it takes
//! Events when they come as fast as the fake server streams them. Run with
//! `cargo bench --bench events`; `HERALD_BENCH_STORM_SECS` (default 60) sets the paced storm's
//! length, `HERALD_BENCH_BURST` (default 100,000) the events of the burst.

use std::time::{Duration, Instant};

use herald::fake::{FakeApiServer, Options, events_resource, gitops_resources};
use serde_json::{Value, json};
#[path = "common/mod.rs"]
mod common;

use common::{cpu_seconds, get, rss_kib};

const PODS: usize = 1_000;
const PER_MINUTE: u64 = 10_000;
const REASONS: [&str; 6] = [
    "BackOff",
    "Unhealthy",
    "FailedMount",
    "FailedScheduling",
    "FailedCreatePodSandBox",
    "FailedPull",
];

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn pod(i: usize) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": format!("web-{i}"), "namespace": format!("team-{}", i % 20),
                     "creationTimestamp": "2026-11-01T00:00:00Z"},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0,
                                          "state": {"running": {"startedAt": "2026-11-01T00:00:00Z"}}}]}})
}

/// Event `n`: about Pod `n % PODS`, one of six reasons, a note that varies in one of 50 ways
/// (so some repeat and are counted, most are evicted), about 300 bytes.
fn event(n: u64) -> Value {
    let i = (n as usize) % PODS;
    let reason = REASONS[(n as usize / PODS) % REASONS.len()];
    json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": format!("web-{i}.{n:x}"), "namespace": format!("team-{}", i % 20),
                     "uid": format!("uid-{n}")},
        "type": if n % 10 == 9 { "Normal" } else { "Warning" },
        "reason": reason, "action": "Sync", "reportingController": "kubelet", "reportingInstance": "node-1",
        "note": format!("{reason} for container web (attempt {}): {}", n % 50, "x".repeat(240)),
        "eventTime": "2026-12-03T05:00:00.000000Z",
        "regarding": {"apiVersion": "v1", "kind": "Pod", "namespace": format!("team-{}", i % 20),
                      "name": format!("web-{i}")}})
}

/// Waits until the Pod of event `n` shows that event's note.
async fn taken(addr: &str, n: u64) {
    let i = (n as usize) % PODS;
    let path = format!("/api/v1/objects/core/Pod/team-{}/web-{i}", i % 20);
    let Value::String(note) = event(n)["note"].clone() else {
        unreachable!()
    };
    loop {
        let (_, body) = get(addr, &path).await;
        if body.contains(&note) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let storm_secs = env("HERALD_BENCH_STORM_SECS", 60);
    let burst = env("HERALD_BENCH_BURST", 100_000);
    let mut resources = gitops_resources();
    resources.push(events_resource());
    let options = Options {
        history_limit: 200_000,
        ..Options::default()
    };
    let server = FakeApiServer::start(resources, options).await.unwrap();
    for i in 0..PODS {
        server.apply(pod(i)).unwrap();
    }
    // One Kustomization per namespace applied its 50 Pods: the Pods are watched as children.
    for ns in 0..20 {
        let entries: Vec<Value> = (0..PODS)
            .filter(|i| i % 20 == ns)
            .map(|i| json!({"id": format!("team-{ns}_web-{i}__Pod"), "v": "v1"}))
            .collect();
        server
            .apply(json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": {"name": "apps", "namespace": format!("team-{ns}")},
                "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded",
                                           "message": "applied"}],
                           "inventory": {"entries": entries}}}))
            .unwrap();
    }
    let dir = std::env::temp_dir().join(format!("herald-bench-events-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    // Events are watched by default (`watch.events`).
    let args: Vec<String> = ["run", "--listen", "127.0.0.1:0"]
        .iter()
        .map(|a| a.to_string())
        .collect();
    let (mut child, addr) = common::start_herald(&args, &kubeconfig).await;
    let pid = child.id();
    let last_pod = format!(
        "/api/v1/objects/core/Pod/team-{}/web-{}",
        (PODS - 1) % 20,
        PODS - 1
    );
    loop {
        if get(&addr, "/readyz").await.0 == 200 && get(&addr, &last_pod).await.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let rss_ready = rss_kib(pid);

    // The paced storm: 10,000 a minute, in batches every 100 ms.
    let total = PER_MINUTE * storm_secs / 60;
    let per_tick = PER_MINUTE / 600;
    let cpu_before = cpu_seconds(pid);
    let started = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut n = 0;
    let mut peak = rss_ready;
    while n < total {
        tick.tick().await;
        for _ in 0..per_tick.min(total - n) {
            server.apply(event(n)).unwrap();
            n += 1;
        }
        peak = peak.max(rss_kib(pid));
    }
    let last_warning = (0..n).rev().find(|k| k % 10 != 9).unwrap();
    taken(&addr, last_warning).await;
    let storm_wall = started.elapsed().as_secs_f64();
    let storm_cpu = cpu_seconds(pid) - cpu_before;
    let rss_storm = rss_kib(pid);

    // The burst: as fast as the fake server takes and streams them.
    let batch: Vec<Value> = (n..n + burst).map(event).collect();
    let cpu_before = cpu_seconds(pid);
    let t = Instant::now();
    for e in batch {
        server.apply(e).unwrap();
    }
    let last_warning = (n..n + burst).rev().find(|k| k % 10 != 9).unwrap();
    taken(&addr, last_warning).await;
    let burst_wall = t.elapsed().as_secs_f64();
    let burst_cpu = cpu_seconds(pid) - cpu_before;
    let rss_burst = rss_kib(pid);
    let (_, status) = get(&addr, "/api/v1/status").await;
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let mib = |k: u64| k as f64 / 1024.0;
    println!(
        "event storm: {PODS} Pods, Events over {} reasons, 1 in 10 Normal",
        REASONS.len()
    );
    println!("resident memory when ready: {:.1} MiB", mib(rss_ready));
    println!(
        "paced storm: {total} Events in {storm_wall:.1} s ({:.0}/min): herald CPU {storm_cpu:.2} s \
         ({:.1} % of one core, {:.1} µs per Event); peak {:.1} MiB, after {:.1} MiB",
        total as f64 / storm_wall * 60.0,
        storm_cpu / storm_wall * 100.0,
        storm_cpu / total as f64 * 1e6,
        mib(peak),
        mib(rss_storm)
    );
    println!(
        "burst: {burst} Events in {burst_wall:.2} s ({:.0}/s end to end): herald CPU {burst_cpu:.2} s \
         ({:.1} µs per Event); after {:.1} MiB",
        burst as f64 / burst_wall,
        burst_cpu / burst as f64 * 1e6,
        mib(rss_burst)
    );
    let objects = serde_json::from_str::<Value>(&status)
        .ok()
        .and_then(|v| v.get("objects").cloned())
        .unwrap_or(Value::Null);
    println!("objects in the store: {objects}");
}

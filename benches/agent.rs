//! The agent at scale: 10,000 Flux and Argo CD objects on the fake API server, `herald run` (the
//! release binary, a process of its own) watching them through a kubeconfig.
//!
//! Measures: time from start to ready with every object assessed (listed through paged lists),
//! herald's resident memory then, and how many updates per second it takes in afterwards.
//! Run with `cargo bench --bench agent`.

use std::time::{Duration, Instant};

use herald::fake::{FakeApiServer, Options, gitops_resources};
use serde_json::{Value, json};
#[path = "common/mod.rs"]
mod common;

use common::{cpu_seconds, get, rss_kib};

const OBJECTS: usize = 10_000;
/// Updates sent after ready; `HERALD_BENCH_UPDATES` changes it (to profile a longer run).
fn updates() -> usize {
    std::env::var("HERALD_BENCH_UPDATES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn object(i: usize, generation: usize) -> Value {
    let ready = if generation.is_multiple_of(2) {
        "True"
    } else {
        "False"
    };
    match i % 3 {
        0 => json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": format!("ks-{i}"), "namespace": format!("team-{}", i % 50), "generation": 3,
                         "labels": {"team": format!("t{}", i % 50)}, "finalizers": ["finalizers.fluxcd.io"]},
            "spec": {"interval": "10m", "path": format!("./apps/{i}"), "prune": true, "timeout": "5m",
                     "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}},
            "status": {"observedGeneration": 3, "lastAppliedRevision": "main@sha1:4f1c2a9e",
                "lastAttemptedRevision": "main@sha1:4f1c2a9e",
                "conditions": [{"type": "Ready", "status": ready, "reason": "ReconciliationSucceeded",
                    "message": "Applied revision: main@sha1:4f1c2a9e", "lastTransitionTime": "2026-11-23T10:00:00Z", "observedGeneration": 3},
                    {"type": "Healthy", "status": "True", "reason": "Succeeded", "message": "Health check passed",
                     "lastTransitionTime": "2026-11-23T10:00:00Z", "observedGeneration": 3}],
                "inventory": {"entries": (0..8).map(|j| json!({"id": format!("team-{}_svc-{j}_apps_Deployment", i % 50), "v": "v1"})).collect::<Vec<_>>()}}}),
        1 => json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": format!("hr-{i}"), "namespace": format!("team-{}", i % 50), "generation": 2},
            "spec": {"interval": "5m", "chart": {"spec": {"chart": "podinfo", "version": "6.7.1",
                "sourceRef": {"kind": "HelmRepository", "name": "charts", "namespace": "flux-system"}}}},
            "status": {"observedGeneration": 2, "history": [{"chartVersion": "6.7.1", "status": "deployed", "version": 4}],
                "conditions": [{"type": "Ready", "status": ready, "reason": "UpgradeSucceeded",
                    "message": "Helm upgrade succeeded for release podinfo.v4 with chart podinfo@6.7.1", "lastTransitionTime": "2026-11-23T10:00:00Z"},
                    {"type": "Released", "status": "True", "reason": "UpgradeSucceeded", "message": "Helm upgrade succeeded", "lastTransitionTime": "2026-11-23T10:00:00Z"}]}}),
        _ => json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": format!("app-{i}"), "namespace": "argocd"},
            "spec": {"project": "default", "destination": {"namespace": format!("team-{}", i % 50), "server": "https://kubernetes.default.svc"},
                     "source": {"repoURL": "https://git.example.com/apps", "path": format!("apps/{i}"), "targetRevision": "HEAD"}},
            "status": {"sync": {"status": "Synced", "revision": "9f2c1e7"},
                       "health": {"status": if ready == "True" { "Healthy" } else { "Degraded" }},
                       "resources": (0..6).map(|j| json!({"group": "apps", "kind": "Deployment", "namespace": format!("team-{}", i % 50),
                            "name": format!("svc-{j}"), "status": "Synced", "version": "v1"})).collect::<Vec<_>>()}}),
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let options = Options {
        history_limit: 100_000,
        ..Options::default()
    };
    let server = FakeApiServer::start(gitops_resources(), options)
        .await
        .unwrap();
    for i in 0..OBJECTS {
        server.apply(object(i, 0)).unwrap();
    }
    let dir = std::env::temp_dir().join(format!("herald-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();

    // `HERALD_BENCH_CHANGES=off`: spec changes not tracked; `HERALD_BENCH_HISTORY=off`: the
    // history in memory instead of its file (in the bench's temporary directory).
    let off = |var: &str| std::env::var(var).is_ok_and(|v| v == "off");
    let config = dir.join("herald.yaml");
    let track = if off("HERALD_BENCH_CHANGES") {
        "false"
    } else {
        "true"
    };
    std::fs::write(&config, format!("changes: {{track: {track}}}\n")).unwrap();
    let mut args = vec![
        "run".to_string(),
        "--listen".into(),
        "127.0.0.1:0".into(),
        "--config".into(),
        config.display().to_string(),
    ];
    args.extend(common::history_args(&dir));
    let started = Instant::now();
    let (mut child, addr) = common::start_herald(&args, &kubeconfig).await;
    let pid = child.id();
    // Ready, and every object in the store.
    let last_app = (0..OBJECTS)
        .rev()
        .find(|i| i % 3 == 2)
        .expect("an Application");
    let last = format!("/api/v1/objects/argoproj.io/Application/argocd/app-{last_app}");
    loop {
        if get(&addr, "/readyz").await.0 == 200 && get(&addr, &last).await.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let ready_after = started.elapsed();
    let rss_ready = rss_kib(pid);

    // Updates: every object flips; done when the last update is in the store. The objects are
    // built before the clock starts, so the producer's share is only the fake server's.
    let total = updates();
    let batch: Vec<Value> = (0..total)
        .map(|u| object(u % OBJECTS, 1 + u / OBJECTS))
        .collect();
    let cpu_before = cpu_seconds(pid);
    let t = Instant::now();
    let mut last_rv = String::new();
    let mut last_name = String::new();
    for o in batch {
        let c = server.apply(o).unwrap();
        last_rv = c.object["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .to_string();
        last_name = c.object["metadata"]["name"].as_str().unwrap().to_string();
    }
    let (kind, ns, group) = match last_name.split('-').next().unwrap() {
        "ks" => (
            "Kustomization",
            format!("team-{}", (total - 1) % OBJECTS % 50),
            "kustomize.toolkit.fluxcd.io",
        ),
        "hr" => (
            "HelmRelease",
            format!("team-{}", (total - 1) % OBJECTS % 50),
            "helm.toolkit.fluxcd.io",
        ),
        _ => ("Application", "argocd".to_string(), "argoproj.io"),
    };
    let path = format!("/api/v1/objects/{group}/{kind}/{ns}/{last_name}");
    loop {
        let (_, body) = get(&addr, &path).await;
        if body.contains(&format!("\"resourceVersion\":\"{last_rv}\"")) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let update_time = t.elapsed();
    let cpu_updates = cpu_seconds(pid) - cpu_before;
    let rss_after = rss_kib(pid);
    // A Prometheus scrape of 10,000 objects: five in a row, the median, and herald's CPU.
    let cpu_before_scrapes = cpu_seconds(pid);
    let mut scrapes = Vec::new();
    let mut scrape_bytes = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let (status, body) = get(&addr, "/metrics").await;
        scrapes.push(t.elapsed());
        assert_eq!(status, 200, "GET /metrics");
        scrape_bytes = body.len();
    }
    let cpu_scrape = (cpu_seconds(pid) - cpu_before_scrapes) / 5.0;
    let (_, metrics) = get(&addr, "/metrics").await;
    let gauge = |name: &str| {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let changes_bytes = gauge("herald_changes_bytes");
    let history = (
        gauge("herald_history_records"),
        gauge("herald_history_bytes"),
    );
    scrapes.sort();
    let rss_scraped = rss_kib(pid);
    let _ = child.kill();
    let _ = child.wait();

    println!("objects: {OBJECTS} (Kustomizations, HelmReleases, Applications; ~2 KiB each)");
    println!(
        "spec changes tracked: {track} ({:.2} MiB kept, herald_changes_bytes); history: {} ({:.0} records, {:.1} MiB)",
        changes_bytes / (1024.0 * 1024.0),
        if off("HERALD_BENCH_HISTORY") {
            "in memory"
        } else {
            "file"
        },
        history.0,
        history.1 / (1024.0 * 1024.0)
    );
    println!(
        "ready with every object assessed: {:.2} s",
        ready_after.as_secs_f64()
    );
    println!(
        "resident memory when ready: {:.1} MiB",
        rss_ready as f64 / 1024.0
    );
    println!(
        "updates: {total} in {:.2} s = {:.0} updates/s end to end (the fake server shares the 2 cores)",
        update_time.as_secs_f64(),
        total as f64 / update_time.as_secs_f64()
    );
    println!(
        "herald's CPU for them: {:.2} s = {:.1} µs per update = {:.0} updates/s per core",
        cpu_updates,
        cpu_updates * 1e6 / total as f64,
        total as f64 / cpu_updates.max(1e-9)
    );
    println!(
        "resident memory after the updates: {:.1} MiB",
        rss_after as f64 / 1024.0
    );
    println!(
        "GET /metrics: {:.1} ms (median of 5), {:.1} ms of herald's CPU each, {:.2} MiB of text; resident memory after: {:.1} MiB",
        scrapes[2].as_secs_f64() * 1e3,
        cpu_scrape * 1e3,
        scrape_bytes as f64 / (1024.0 * 1024.0),
        rss_scraped as f64 / 1024.0
    );
}

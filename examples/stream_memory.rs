//! What serving a big list costs herald's memory: a store of OBJECTS objects (100,000 unless
//! told; a third each Kustomizations, HelmReleases and the Deployments the Kustomizations
//! applied, so that lists show roll-ups and `/metrics` its compatibility series), served by
//! herald's HTTP API on loopback; then `GET /api/v1/objects` and `GET /metrics`, each read by a
//! client that keeps nothing but a 64 KiB buffer. For each: resident memory before, the peak
//! while serving (`VmHWM`, reset before each request through `/proc/self/clear_refs`), after,
//! the bytes and the time.
//!
//! `cargo run --release --example stream_memory` (OBJECTS=N; PATHS=/metrics,/api/v1/objects for
//! other requests, in that order, on the same store). herald's own allocator
//! (mimalloc) is used, as in the binary.

use std::sync::Arc;
use std::time::Instant;

use herald::relations::Links;
use herald::store::{Meta, ObjectKey, Observed};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn object(i: usize) -> Value {
    let ns = format!("team-{}", i % 50);
    let ready = if i.is_multiple_of(17) {
        "False"
    } else {
        "True"
    };
    let conditions = json!([{"type": "Ready", "status": ready, "reason": "ReconciliationSucceeded",
        "message": "Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567",
        "lastTransitionTime": "2026-11-23T12:00:00Z"}]);
    match i % 3 {
        0 => json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": format!("app-{}", i / 3), "namespace": ns, "generation": 1},
            "spec": {"sourceRef": {"kind": "GitRepository", "name": "fleet"}, "path": "./apps",
                     "interval": "10m"},
            "status": {"observedGeneration": 1,
                "lastAppliedRevision": "main@sha1:0123456789abcdef0123456789abcdef01234567",
                "conditions": conditions}}),
        1 => json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": format!("release-{}", i / 3), "namespace": ns, "generation": 1},
            "spec": {"chart": {"spec": {"chart": "podinfo", "version": "6.7.1",
                "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}}, "interval": "5m"},
            "status": {"observedGeneration": 1, "lastAttemptedRevision": "6.7.1",
                "conditions": conditions}}),
        _ => json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": format!("web-{}", i / 3), "namespace": ns, "generation": 1,
                "labels": {"kustomize.toolkit.fluxcd.io/name": format!("app-{}", i / 3),
                           "kustomize.toolkit.fluxcd.io/namespace": format!("team-{}", (i - 2) % 50)}},
            "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "replicas": 2, "readyReplicas": 2,
                "updatedReplicas": 2, "availableReplicas": 2,
                "conditions": [{"type": "Available", "status": "True"},
                               {"type": "Progressing", "status": "True",
                                "reason": "NewReplicaSetAvailable"}]}}),
    }
}

/// GETs `path`, keeping nothing of the answer: (status line, bytes read).
async fn get(addr: std::net::SocketAddr, path: &str) -> (String, usize) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0;
    let mut first = String::new();
    loop {
        let n = s.read(&mut buf).await.unwrap();
        if n == 0 {
            break;
        }
        if first.is_empty() {
            first = String::from_utf8_lossy(&buf[..n.min(15)]).into_owned();
        }
        total += n;
    }
    (first, total)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let objects: usize = std::env::var("OBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let _ = rustls::crypto::ring::default_provider().install_default();
    // An API server that is not there: no watch ever lists, so nothing reconciles the store
    // filled below.
    let client =
        herald::agent::client(kube::Config::new("http://127.0.0.1:9".parse().unwrap())).unwrap();
    let agent = herald::agent::start(
        client,
        herald::agent::Config::default(),
        herald::health::Assessor::builtin_only,
        Arc::new(herald::clock::SystemClock),
    );
    let t = Instant::now();
    {
        let now = jiff::Timestamp::now();
        let mut assessor = herald::health::Assessor::builtin_only();
        let mut store = agent.store.write().unwrap();
        for i in 0..objects {
            let o = object(i);
            let key = ObjectKey::of(&o).unwrap();
            store.apply(
                Observed {
                    links: Links::of(&o, &key),
                    key,
                    resource_version: format!("{}", 1000 + i),
                    meta: Meta::default(),
                    assessment: assessor.assess(&o, now),
                    initial: true,
                    compat: herald::metrics::Compat::of(&o),
                    spec: None,
                    images: Vec::new(),
                },
                now,
            );
        }
        println!(
            "store: {} objects loaded in {:.1} s",
            store.live().count(),
            t.elapsed().as_secs_f64()
        );
    }
    let addr = herald::http::start("127.0.0.1:0".parse().unwrap(), Arc::clone(&agent))
        .await
        .unwrap();
    // Once, so that the first request's one-time costs (the runtime's buffers) are not counted.
    let _ = get(addr, "/healthz").await;
    let paths = std::env::var("PATHS").unwrap_or_else(|_| "/api/v1/objects,/metrics".into());
    for path in paths.split(',').filter(|p| !p.is_empty()) {
        let before = status_kib("VmRSS:");
        // Resets VmHWM to the current resident size.
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let t = Instant::now();
        let (status, bytes) = get(addr, path).await;
        let took = t.elapsed();
        let peak = status_kib("VmHWM:");
        let after = status_kib("VmRSS:");
        println!(
            "GET {path}: {status:?} {:.1} MiB in {:.0} ms; RSS {:.1} MiB before, peak {:.1} (+{:.1}), after {:.1} (+{:.1})",
            bytes as f64 / 1048576.0,
            took.as_secs_f64() * 1000.0,
            mib(before),
            mib(peak),
            mib(peak.saturating_sub(before)),
            mib(after),
            mib(after.saturating_sub(before)),
        );
    }
}

//! herald's own CPU per update, in bulk and trickling: the agent (watchers and evaluator, children
//! on) against the fake API server in the same process, each on threads of its own, so that the
//! CPU of herald's threads (`/proc/self/task/*/stat`) is counted apart from the server's.
//!
//! OBJECTS= realistic Deployments (2,000 by default, the kind watched as an extra kind) are
//! loaded; then UPDATES= updates (2,000) are written all at once (bulk), then one every
//! GAP_US= microseconds (1,000: trickling), each time until the last is in herald's store.
//! PACE_US= sets how often at most the evaluator takes updates that trickle in
//! (`agent::PACE` by default, as herald runs; 0: as each comes).
//!
//! `cargo run --release --example trickle_cost`

use std::sync::Arc;
use std::time::{Duration, Instant};

use herald::agent::{self, Config};
use herald::clock::SystemClock;
use herald::fake::{FakeApiServer, Options, ResourceType, gitops_resources};
use herald::health::Assessor;
use herald::store::ObjectKey;
use serde_json::Value;

#[path = "common/deployment.rs"]
mod deployment;

/// The allocator of the herald binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// CPU seconds of this process's threads whose name starts with one of `prefixes`.
fn cpu_of(prefixes: &[&str]) -> f64 {
    let mut ns = 0.0;
    for task in std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !prefixes.iter().any(|p| name.starts_with(p)) {
            continue;
        }
        // The first field: time spent on a CPU, in nanoseconds.
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        ns += stat
            .split(' ')
            .next()
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0);
    }
    ns / 1e9
}

const HERALD_THREADS: &[&str] = &["herald-", "agent-rt"];

fn main() {
    let objects = env("OBJECTS", 2_000);
    let updates = env("UPDATES", 2_000);
    let gap = Duration::from_micros(env("GAP_US", 1_000) as u64);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("fake-api")
        .enable_all()
        .build()
        .unwrap();
    let agent_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("agent-rt")
        .enable_all()
        .build()
        .unwrap();
    let mut resources = gitops_resources();
    resources.push(ResourceType::new(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        true,
    ));
    let server = server_rt
        .block_on(FakeApiServer::start(
            resources,
            Options {
                history_limit: 100_000,
                ..Options::default()
            },
        ))
        .unwrap();
    for i in 0..objects {
        server.apply(strip(deployment::deployment(i, 1))).unwrap();
    }
    let url = server.url();
    let agent = agent_rt.block_on(async {
        let client = agent::client(kube::Config::new(url.parse().unwrap())).unwrap();
        let config = Config {
            extra_kinds: vec![("apps".into(), "Deployment".into())],
            history: None,
            pace: Duration::from_micros(env("PACE_US", agent::PACE.as_micros() as usize) as u64),
            ..Config::default()
        };
        agent::start(
            client,
            config,
            Assessor::builtin_only,
            Arc::new(SystemClock),
        )
    });
    let started = Instant::now();
    let key = |i: usize| {
        ObjectKey::new(
            "apps",
            "Deployment",
            &format!("team-{}", i % 50),
            &format!("web-{i}"),
        )
    };
    let in_store = |i: usize, rv: &str| {
        agent
            .store
            .read()
            .unwrap()
            .get(&key(i))
            .is_some_and(|e| e.resource_version == rv)
    };
    let wait = |i: usize, rv: String| {
        while !in_store(i, &rv) {
            std::thread::sleep(Duration::from_millis(1));
        }
    };
    while !agent.is_ready() || agent.store.read().unwrap().len() < objects {
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "{objects} Deployments ready in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let mut generation = 1;
    for (phase, pace) in [
        ("bulk", None),
        ("trickling", Some(gap)),
        ("bulk", None),
        ("trickling", Some(gap)),
    ] {
        generation += 1;
        let cpu = cpu_of(HERALD_THREADS);
        let started = Instant::now();
        let mut last = String::new();
        for u in 0..updates {
            let i = u % objects;
            let change = server
                .apply(strip(deployment::deployment(i, generation)))
                .unwrap();
            last = change.rv.to_string();
            if let Some(gap) = pace {
                std::thread::sleep(gap);
            }
        }
        wait((updates - 1) % objects, last);
        let took = started.elapsed().as_secs_f64();
        let used = cpu_of(HERALD_THREADS) - cpu;
        println!(
            "{phase:>9}: {updates} updates in {took:.2} s, herald's CPU {:.1} µs per update",
            used * 1e6 / updates as f64
        );
    }
}

/// The object as a client writes it (the server sets the resourceVersion).
fn strip(mut o: Value) -> Value {
    o["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    o
}

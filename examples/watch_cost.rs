//! What one watch event costs herald before the store: reading the event as the watch does
//! (`herald::agent::raw::split_event` on one line of the watch stream: the object's head read,
//! its text kept), parsing that text as the evaluator does, and the evaluator's work on
//! the object ([`herald::agent::observe`]: key, check, links, metadata, compatibility labels,
//! placement). The objects are realistic Deployments: `managedFields` of three managers, Flux's
//! labels, a `kubectl.kubernetes.io/last-applied-configuration` annotation, a pod template and
//! status conditions.
//!
//! `cargo run --release --example watch_cost` (N= events, 20,000 by default; ROUNDS= 5).

use std::sync::Arc;

use kube::api::WatchEvent;
use serde_json::Value;

#[path = "common/deployment.rs"]
mod deployment;
use deployment::deployment;

/// The allocator of the herald binary.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// CPU time of this thread so far, in seconds (the host is shared: wall time would count other
/// processes' turns).
fn cpu() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns: f64 = stat
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0.0);
    ns / 1e9
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n = env("N", 20_000);
    let rounds = env("ROUNDS", 5);
    let sample = deployment(7, 4);
    let mut bare = sample.clone();
    let meta = bare["metadata"].as_object_mut().unwrap();
    let managed = meta.remove("managedFields").unwrap();
    let applied = meta["annotations"]
        .as_object_mut()
        .unwrap()
        .remove("kubectl.kubernetes.io/last-applied-configuration")
        .unwrap();
    println!(
        "one Deployment: {} B as sent; {} B without managedFields ({} B) and last-applied ({} B)",
        sample.to_string().len(),
        bare.to_string().len(),
        managed.to_string().len(),
        applied.as_str().unwrap().len(),
    );
    let lines: Vec<String> = (0..n)
        // `type` first, as the API server writes it (kube-rs buffers an `object` that comes first).
        .map(|i| format!(r#"{{"type":"MODIFIED","object":{}}}"#, deployment(i, 4)))
        .collect();
    let bytes: usize = lines.iter().map(String::len).sum();
    let now = jiff::Timestamp::now();
    let mut assessor = herald::health::Assessor::builtin_only();
    let origin = Arc::new(herald::agent::raw::Origin {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        malformed: prometheus::IntCounter::new("malformed", "malformed").unwrap(),
    });
    let (mut parse_best, mut observe_best, mut before_best) = (f64::MAX, f64::MAX, f64::MAX);
    for round in 0..rounds {
        // As herald parsed before issue 18: the whole object into a Value, then managedFields
        // removed (the metadata checks, the same in both, left out).
        let started = cpu();
        for l in &lines {
            let WatchEvent::Modified(mut v) = serde_json::from_str::<WatchEvent<Value>>(l).unwrap()
            else {
                unreachable!()
            };
            v["metadata"]
                .as_object_mut()
                .unwrap()
                .remove("managedFields");
            std::hint::black_box(v);
        }
        let before = (cpu() - started) * 1e6 / n as f64;
        before_best = before_best.min(before);
        let started = cpu();
        let objects: Vec<Arc<Value>> = lines
            .iter()
            .map(|l| {
                match herald::agent::raw::split_event(l).expect("an event as API servers write it")
                {
                    WatchEvent::Modified(o) => {
                        assert!(o.malformed.is_none());
                        Arc::new(
                            herald::agent::raw::Unparsed {
                                text: o.text,
                                origin: Arc::clone(&origin),
                            }
                            .parse()
                            .unwrap(),
                        )
                    }
                    _ => unreachable!(),
                }
            })
            .collect();
        let parse = (cpu() - started) * 1e6 / n as f64;
        let started = cpu();
        let mut kept = 0;
        for o in &objects {
            let seen = herald::agent::observe(o, false, &mut assessor, true, true, now).unwrap();
            kept += seen.observed.links.parents.len();
        }
        let observe = (cpu() - started) * 1e6 / n as f64;
        assert_eq!(kept, n, "every Deployment names its Kustomization");
        println!(
            "round {round}: whole Value {before:.2} µs/event, parse {parse:.2} µs/event, observe {observe:.2} µs/object"
        );
        parse_best = parse_best.min(parse);
        observe_best = observe_best.min(observe);
    }
    println!(
        "{n} events, {:.0} B each: whole Value {before_best:.2} µs/event; parse {parse_best:.2} µs/event ({:.0} MB/s), observe {observe_best:.2} µs/object (best of {rounds}, CPU time)",
        bytes as f64 / n as f64,
        bytes as f64 / n as f64 / parse_best,
    );
}

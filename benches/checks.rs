//! Throughput of the built-in checks on corpus objects: one assessment per iteration, the
//! object already parsed (as the agent holds it in its store).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use herald::health::assess;
use herald::load::parse_objects;
use jiff::Timestamp;
use serde_json::Value;

const CASES: &[(&str, &str)] = &[
    ("Kustomization", "gitops-states/ks-healthcheck-failed.yaml"),
    (
        "HelmRelease",
        "gitops-states/hr-upgrade-failed-retrying.yaml",
    ),
    ("Application", "gitops-states/app-sync-failed.yaml"),
    (
        "Pod",
        "is-healthy/pkg/health/testdata/Kubernetes/Pod/crashloopbackoff.yaml",
    ),
];

fn load(rel: &str) -> Value {
    let path = format!("{}/tests/corpus/{rel}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("corpus file");
    let (mut docs, errors) = parse_objects(&path, &text);
    assert!(errors.is_empty(), "{errors:?}");
    docs.remove(0).value
}

fn builtin_checks(c: &mut Criterion) {
    let now: Timestamp = "2026-11-23T12:00:00Z".parse().unwrap();
    let mut group = c.benchmark_group("builtin");
    group.throughput(Throughput::Elements(1));
    for (name, rel) in CASES {
        let obj = load(rel);
        group.bench_function(*name, |b| b.iter(|| assess(black_box(&obj), now)));
    }
    group.finish();
}

criterion_group!(benches, builtin_checks);
criterion_main!(benches);

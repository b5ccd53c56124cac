//! Lua checks: herald's engine (compiled once, state reused, the object pushed straight from
//! parsed JSON) against what Argo CD does (a fresh interpreter per evaluation; here it also
//! loads the helper library the check uses).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use herald::load::parse_objects;
use herald::lua::{Limits, LuaChecks, Trust, Vm, outcome, shipped_libs, shipped_source};
use serde_json::Value;

const INPUT: &str = "lua-checks/cert-manager.io/Certificate/testdata/healthy_issued.yaml";

fn load(rel: &str) -> Value {
    let path = format!("{}/{rel}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("corpus file");
    let (mut docs, errors) = parse_objects(&path, &text);
    assert!(errors.is_empty(), "{errors:?}");
    docs.remove(0).value
}

fn certificate(c: &mut Criterion) {
    let obj = load(INPUT);
    let mut group = c.benchmark_group("lua/cert-manager.io/Certificate");
    group.throughput(Throughput::Elements(1));

    let mut checks = LuaChecks::shipped(Limits::default()).unwrap();
    let choice = checks
        .shipped_choice("cert-manager.io", "Certificate")
        .expect("a shipped Certificate check");
    let a = checks.run(choice, &obj);
    assert_eq!(a.status, "Healthy", "{a:?}");
    group.bench_function("herald", |b| b.iter(|| checks.run(choice, black_box(&obj))));

    let source = shipped_source("cert-manager.io", "Certificate").unwrap();
    let libs = shipped_libs();
    group.bench_function("fresh interpreter", |b| {
        b.iter(|| {
            let mut vm = Vm::new(Trust::Shipped, Limits::default()).unwrap();
            vm.install_libs(&libs).unwrap();
            let script = vm.compile("health.lua", source).unwrap();
            vm.eval(&script, black_box(&obj), |v| outcome::read(v, "health.lua"))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, certificate);
criterion_main!(benches);

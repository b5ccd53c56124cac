//! Lua checks: herald's engine (compiled once, state reused, the object pushed straight from
//! parsed JSON) against what Argo CD does (a fresh interpreter per evaluation; here it also
//! loads the helper library the check uses).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use herald::load::parse_objects;
use herald::lua::{
    KindPattern, Limits, LuaChecks, ScriptSource, Trust, Vm, outcome, shipped_libs, shipped_source,
};
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

/// herald's pattern matcher (Rust, under the deadline) on what checks do with messages: a plain
/// search, an anchored capture, and a substitution.
fn patterns(c: &mut Criterion) {
    let obj: Value = serde_json::json!({
        "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
        "status": {"message": "Back-off pulling image \"registry.example.com/team/api:1.42.0\": ErrImagePull 3 times"}
    });
    let mut group = c.benchmark_group("lua/patterns");
    group.throughput(Throughput::Elements(1));
    for (name, expr) in [
        ("baseline (no pattern)", "#msg"),
        ("plain find", "string.find(msg, 'ErrImagePull', 1, true)"),
        (
            "match with captures",
            "msg:match('^(%a+)%-(%a+) .-\"([^\"]+):(%d+)%.(%d+)')",
        ),
        ("gsub", "(msg:gsub('%s+', ' '))"),
    ] {
        let mut checks = LuaChecks::shipped(Limits::default()).unwrap();
        checks
            .add_user(vec![ScriptSource {
                pattern: KindPattern {
                    group: "example.com".into(),
                    kind: "Widget".into(),
                },
                origin: "bench.lua".into(),
                source: format!(
                    "local msg = obj.status.message local r = {expr} \
                     return {{status = 'Healthy', message = tostring(r)}}"
                ),
            }])
            .unwrap();
        let choice = checks.user_choice("example.com", "Widget").unwrap();
        assert_eq!(checks.run(choice, &obj).status, "Healthy");
        group.bench_function(name, |b| b.iter(|| checks.run(choice, black_box(&obj))));
    }
    group.finish();
}

criterion_group!(benches, certificate, patterns);
criterion_main!(benches);

//! The shipped Lua checks on malformed objects: every test object of every shipped check, with
//! one field replaced by a value of the wrong type (a string where a table is expected, a
//! number, a list, a map, a boolean, null), must get a verdict from its check, never a Lua error
//! or an invalid status. An operator, an old release or a hand-written manifest can put anything
//! in `status`; a check that raises turns that into a message about Lua instead of the object.

use std::path::{Path, PathBuf};

use herald::cli::lua::UserChecks;
use herald::health::{Assessment, CheckSource};
use herald::load::parse_objects;
use herald::lua::outcome::INVALID_STATUS;
use serde_json::{Value, json};

use crate::util::now;

/// Values of every JSON type but the one a field has.
fn wrong_values() -> [(&'static str, Value); 6] {
    [
        ("a string", json!("x")),
        ("a number", json!(7)),
        ("a list", json!([1, "two"])),
        ("a map", json!({"k": 1})),
        ("a boolean", json!(true)),
        ("null", Value::Null),
    ]
}

/// The test objects of the shipped checks (`lua-checks/<group>/<Kind>/testdata/*.yaml`).
fn seeds() -> Vec<(PathBuf, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("lua-checks");
    let mut files = Vec::new();
    for group in std::fs::read_dir(&root).unwrap().filter_map(Result::ok) {
        let Ok(kinds) = std::fs::read_dir(group.path()) else {
            continue;
        };
        for kind in kinds.filter_map(Result::ok) {
            let Ok(data) = std::fs::read_dir(kind.path().join("testdata")) else {
                continue;
            };
            files.extend(
                data.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml")),
            );
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let (docs, _) = parse_objects(&f.display().to_string(), &text);
        out.extend(docs.into_iter().map(|d| (f.clone(), d.value)));
    }
    out
}

/// One-field changes of `obj` to a value of another type: `status` itself, each field of
/// `status`, the first condition and each of its fields, each field of `spec`, and the
/// metadata fields checks read. The value types rotate so every type is tried across fields.
fn mutations(obj: &Value) -> Vec<(String, Value)> {
    let values = wrong_values();
    let mut out = Vec::new();
    let mut turn = 0usize;
    let mut next = |avoid: &Value| -> (&'static str, Value) {
        loop {
            let (name, v) = values[turn % values.len()].clone();
            turn += 1;
            if std::mem::discriminant(&v) != std::mem::discriminant(avoid) {
                return (name, v);
            }
        }
    };
    let mut set = |path: &[&str], idx: Option<usize>, field: Option<&str>, out: &mut Vec<_>| {
        let mut v = obj.clone();
        let mut target = &mut v;
        for p in path {
            target = &mut target[*p];
        }
        if let Some(i) = idx {
            target = &mut target[i];
        }
        if let Some(f) = field {
            target = &mut target[f];
        }
        let (name, wrong) = next(target);
        *target = wrong;
        let mut label = path.join(".");
        if let Some(i) = idx {
            label.push_str(&format!("[{i}]"));
        }
        if let Some(f) = field {
            label.push_str(&format!(".{f}"));
        }
        out.push((format!("{label} as {name}"), v));
    };
    set(&["status"], None, None, &mut out);
    set(&["spec"], None, None, &mut out);
    if let Some(status) = obj["status"].as_object() {
        for key in status.keys() {
            set(&["status", key], None, None, &mut out);
        }
    }
    if let Some(first) = obj["status"]["conditions"].get(0) {
        set(&["status", "conditions"], Some(0), None, &mut out);
        if let Some(c) = first.as_object() {
            for key in c.keys() {
                set(&["status", "conditions"], Some(0), Some(key), &mut out);
            }
        }
    }
    if let Some(spec) = obj["spec"].as_object() {
        for key in spec.keys() {
            set(&["spec", key], None, None, &mut out);
        }
    }
    for key in ["annotations", "labels", "generation"] {
        set(&["metadata", key], None, None, &mut out);
    }
    out
}

/// A verdict that is about Lua rather than the object.
fn lua_failure(a: &Assessment) -> bool {
    matches!(a.check, CheckSource::Lua(_))
        && a.status == "Unknown"
        && (a.message.contains(INVALID_STATUS) || a.message.contains(".lua:"))
}

#[test]
fn shipped_checks_give_a_verdict_on_fields_of_the_wrong_type() {
    let mut assessor = UserChecks {
        scripts: Vec::new(),
        argocd_cm: None,
        lua_timeout_ms: 1000,
        lua_memory_mib: 16,
        extra: Vec::new(),
    }
    .assessor()
    .unwrap();
    let seeds = seeds();
    assert!(seeds.len() > 500, "only {} test objects found", seeds.len());
    let (mut judged, mut failures) = (0usize, Vec::new());
    for (file, obj) in &seeds {
        for (change, v) in mutations(obj) {
            judged += 1;
            let a = assessor.assess(&v, now());
            if lua_failure(&a) && failures.len() < 20 {
                failures.push(format!("{} with {change}: {}", file.display(), a.message));
            }
        }
    }
    assert!(judged > 10 * seeds.len(), "only {judged} variants");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_mutations_change_one_field_to_another_type() {
    let obj = json!({
        "apiVersion": "example.io/v1",
        "kind": "Widget",
        "metadata": {"name": "w", "generation": 2},
        "spec": {"replicas": 3},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
    });
    let ms = mutations(&obj);
    let labels: Vec<&str> = ms.iter().map(|(l, _)| l.as_str()).collect();
    for want in [
        "status as",
        "spec as",
        "status.phase as",
        "status.conditions as",
        "status.conditions[0] as",
        "status.conditions[0].type as",
        "status.conditions[0].status as",
        "spec.replicas as",
        "metadata.annotations as",
        "metadata.generation as",
    ] {
        assert!(
            labels.iter().any(|l| l.starts_with(want)),
            "{want} missing from {labels:?}"
        );
    }
    for (label, v) in &ms {
        assert_ne!(v, &obj, "{label} changed nothing");
    }
    // A string field never becomes another string.
    let (_, phase) = ms
        .iter()
        .find(|(l, _)| l.starts_with("status.phase"))
        .unwrap();
    assert!(!phase["status"]["phase"].is_string());
}

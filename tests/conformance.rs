//! The health model against the corpus of real objects with known expected health.

use std::collections::BTreeMap;
use std::fs;

use herald::fixture::{Expectation, expand_time_tokens, parse_offset};
use herald::health::{Health, assess, has_builtin};
use herald::load::parse_objects;
use herald::object::TypeRef;
use serde_json::Value;

use crate::util::{corpus, now};

#[test]
fn gitops_states_all_pass() {
    let dir = corpus().join("gitops-states");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut failures = Vec::new();
    for path in &files {
        let text = expand_time_tokens(&fs::read_to_string(path).unwrap(), now());
        let (docs, errors) = parse_objects(&path.display().to_string(), &text);
        assert!(errors.is_empty(), "{errors:?}");
        for doc in docs {
            let expected = Expectation::from_annotations(&doc.value);
            assert!(
                expected.health.is_some(),
                "{} has no expected-health",
                path.display()
            );
            for m in expected.mismatches(&assess(&doc.value, now())) {
                failures.push(format!(
                    "{}: {m}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    println!("gitops-states: {} files", files.len());
    assert!(files.len() >= 24);
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

/// One row of the is-healthy INDEX.tsv.
struct Case {
    file: String,
    kind: String,
    expected: Expectation,
    /// Go-table cases compare the message by substring, fixture annotations by prefix.
    message_contains: Option<String>,
    notes: String,
}

fn is_healthy_cases() -> Vec<Case> {
    let index = fs::read_to_string(corpus().join("is-healthy/INDEX.tsv")).unwrap();
    index
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let col = |i: usize| {
                cols.get(i)
                    .map(|s| s.trim().trim_matches('"'))
                    .filter(|s| !s.is_empty())
            };
            let notes = col(7).unwrap_or_default().to_string();
            let message = col(6).map(|m| m.replace("\\n", "\n"));
            let contains = notes
                .split_once("message CONTAINS: ")
                .map(|(_, m)| m.to_string());
            Case {
                file: cols[1].to_string(),
                kind: cols[2].to_string(),
                expected: Expectation {
                    health: col(3).and_then(Health::parse),
                    status: col(4).map(str::to_owned),
                    ready: col(5).and_then(|r| r.parse().ok()),
                    message: if contains.is_some() { None } else { message },
                },
                message_contains: contains,
                notes,
            }
        })
        .collect()
}

/// Apply the INDEX notes that say how the upstream test changed the fixture before judging it:
/// `@now->now-5m` moves the token base, `override T->now-10m` replaces a literal time,
/// `notBefore->now-1h` (and `renewalTime`, `notAfter`, `creation`) set a field.
fn load_case(case: &Case) -> Value {
    let mut text = fs::read_to_string(corpus().join("is-healthy").join(&case.file)).unwrap();
    let mut base = now();
    let mut fields = Vec::new();
    for note in case.notes.split(';').map(str::trim) {
        for part in note.split(", ") {
            let part = part.trim_start_matches("override ").trim();
            let Some((what, to)) = part.split_once("->now") else {
                continue;
            };
            let Some((offset, _)) = parse_offset(to) else {
                continue;
            };
            let at = now().saturating_add(offset).unwrap();
            match what.rsplit(' ').next().unwrap() {
                "@now" => base = at,
                "notBefore" => fields.push((vec!["status", "notBefore"], at)),
                "notAfter" => fields.push((vec!["status", "notAfter"], at)),
                "renewalTime" => fields.push((vec!["status", "renewalTime"], at)),
                "creation" => fields.push((vec!["metadata", "creationTimestamp"], at)),
                literal => text = text.replace(literal, &at.to_string()),
            }
        }
    }
    let text = expand_time_tokens(&text, base);
    let (mut docs, errors) = parse_objects(&case.file, &text);
    assert!(errors.is_empty(), "{errors:?}");
    let mut obj = docs.remove(0).value;
    for (path, at) in fields {
        let (last, parents) = path.split_last().unwrap();
        let mut v = &mut obj;
        for p in parents {
            v = &mut v[*p];
        }
        v[*last] = Value::String(at.to_string());
    }
    obj
}

/// Reasons for disagreeing with a fixture, from HEALTH-MODEL-NOTES.md's table rows
/// `| pkg/...file | field | reason |`.
fn documented_disagreements() -> BTreeMap<(String, String), String> {
    let notes = fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/HEALTH-MODEL-NOTES.md"
    ))
    .unwrap_or_default();
    notes
        .lines()
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('|').map(|c| c.trim().trim_matches('`')).collect();
            (cols.len() >= 5 && cols[1].starts_with("pkg/")).then(|| {
                (
                    (cols[1].to_string(), cols[2].to_string()),
                    cols[3].to_string(),
                )
            })
        })
        .collect()
}

#[derive(Default)]
struct Rate {
    matched: usize,
    total: usize,
}

impl Rate {
    fn add(&mut self, ok: bool) {
        self.total += 1;
        self.matched += usize::from(ok);
    }

    fn percent(&self) -> f64 {
        100.0 * self.matched as f64 / self.total.max(1) as f64
    }
}

#[test]
fn is_healthy_builtin_kinds_conform() {
    let reasons = documented_disagreements();
    let (mut health, mut status, mut ready, mut message) = (
        Rate::default(),
        Rate::default(),
        Rate::default(),
        Rate::default(),
    );
    let mut report = Vec::new();
    let mut undocumented = Vec::new();
    for case in is_healthy_cases() {
        let Some((gv, kind)) = case.kind.rsplit_once('/') else {
            continue;
        };
        let group = gv.rsplit_once('/').map_or("", |(g, _)| g);
        if !has_builtin(group, kind) {
            continue;
        }
        let obj = load_case(&case);
        assert_eq!(TypeRef::of(&obj).kind, kind, "{}", case.file);
        let got = assess(&obj, now());
        let e = &case.expected;
        let mut wrong = Vec::new();
        if let Some(h) = e.health {
            health.add(h == got.health);
            if h != got.health {
                wrong.push(("health", format!("expected {h}, got {}", got.health)));
            }
        }
        if let Some(s) = &e.status {
            status.add(*s == got.status);
            if *s != got.status {
                wrong.push(("status", format!("expected {s:?}, got {:?}", got.status)));
            }
        }
        if let Some(r) = e.ready {
            ready.add(r == got.ready);
            if r != got.ready {
                wrong.push(("ready", format!("expected {r}, got {}", got.ready)));
            }
        }
        let expected_message = e.message.as_deref().or(case.message_contains.as_deref());
        if let Some(m) = expected_message {
            let ok = if case.message_contains.is_some() {
                got.message.contains(m)
            } else {
                got.message.starts_with(m.trim_end())
            };
            message.add(ok);
            if !ok {
                wrong.push(("message", format!("expected {m:?}, got {:?}", got.message)));
            }
        }
        for (field, what) in wrong {
            let reason = reasons.get(&(case.file.clone(), field.to_string()));
            if field == "health" && reason.is_none() {
                undocumented.push(format!("{} {field}", case.file));
            }
            report.push(format!(
                "  {} [{}] {field}: {what}\n      reason: {}",
                case.file,
                case.kind,
                reason.map_or("(none recorded)", String::as_str)
            ));
        }
    }
    println!(
        "is-healthy, built-in kinds: health {}/{} ({:.1}%), status {}/{} ({:.1}%), ready {}/{} ({:.1}%), message {}/{} ({:.1}%)",
        health.matched,
        health.total,
        health.percent(),
        status.matched,
        status.total,
        status.percent(),
        ready.matched,
        ready.total,
        ready.percent(),
        message.matched,
        message.total,
        message.percent(),
    );
    println!("mismatches:\n{}", report.join("\n"));
    assert!(health.total >= 60, "too few cases found: {}", health.total);
    assert!(health.percent() >= 95.0, "health conformance below 95%");
    assert!(
        undocumented.is_empty(),
        "health mismatches without a reason in HEALTH-MODEL-NOTES.md: {undocumented:?}"
    );
}

/// A Pod the evaluator reads trimmed (herald::agent::raw::POD_SPEC_UNREAD and the lists beside
/// it) is judged, placed, linked and its images read exactly as the whole Pod: every Pod of the
/// corpus, and one carrying every field the trimming leaves out.
#[test]
fn a_pod_read_trimmed_is_judged_placed_and_linked_as_read_whole() {
    use herald::agent::raw::{CONTAINER_UNREAD, Origin, POD_SPEC_UNREAD, Unparsed, VOLUME_UNREAD};
    use std::sync::Arc;

    let mut pods: Vec<(String, Value)> = is_healthy_cases()
        .into_iter()
        .filter(|c| c.kind == "v1/Pod")
        .map(|c| (c.file.clone(), load_case(&c)))
        .collect();
    assert!(pods.len() >= 10, "the corpus's Pods: {}", pods.len());
    let unread = |names: &[&str]| -> serde_json::Map<String, Value> {
        names
            .iter()
            .map(|n| ((*n).to_string(), serde_json::json!([{"x": {"y": 1}}])))
            .collect()
    };
    let mut container = unread(CONTAINER_UNREAD);
    container.insert("name".into(), "app".into());
    container.insert("image".into(), "registry.example.com/app:1".into());
    container.insert(
        "readinessProbe".into(),
        serde_json::json!({"initialDelaySeconds": 1200, "periodSeconds": 10}),
    );
    container.insert("restartPolicy".into(), "Always".into());
    let mut volume = unread(VOLUME_UNREAD);
    volume.insert("name".into(), "data".into());
    volume.insert(
        "persistentVolumeClaim".into(),
        serde_json::json!({"claimName": "data-0"}),
    );
    let mut spec = unread(POD_SPEC_UNREAD);
    spec.insert("nodeName".into(), "node-1".into());
    spec.insert("restartPolicy".into(), "Always".into());
    spec.insert(
        "containers".into(),
        Value::Array(vec![Value::Object(container.clone())]),
    );
    spec.insert(
        "initContainers".into(),
        Value::Array(vec![Value::Object(container)]),
    );
    spec.insert(
        "volumes".into(),
        Value::Array(vec![
            Value::Object(volume),
            serde_json::json!({"name": "config", "configMap": {"name": "app"}}),
        ]),
    );
    // Past the 10 minutes any Pod is given to start, within its readiness probe's window.
    let created = now()
        .checked_sub(jiff::SignedDuration::from_mins(15))
        .unwrap();
    let full = serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "app-0", "namespace": "apps", "creationTimestamp": created.to_string(),
            "labels": {"app": "app"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "app-7d9f8", "uid": "u", "controller": true}]},
        "spec": spec,
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [{"name": "app", "ready": false, "restartCount": 0, "imageID": "registry.example.com/app@sha256:ab",
                "state": {"running": {"startedAt": created.to_string()}}}]}});
    pods.push(("every field left out".into(), full));

    let origin = Arc::new(Origin {
        api_version: "v1".into(),
        kind: "Pod".into(),
        malformed: prometheus::IntCounter::new("malformed", "malformed").unwrap(),
    });
    for (name, pod) in &pods {
        let unparsed = Unparsed {
            text: pod.to_string().into_boxed_str(),
            origin: Arc::clone(&origin),
        };
        let whole = unparsed.parse_as(false).unwrap();
        let trimmed = unparsed.parse_as(true).unwrap();
        let key = herald::store::ObjectKey::of(&whole).unwrap();
        let read = |o: &Value| {
            format!(
                "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
                assess(o, now()),
                herald::placement::Placed::of(o, &key),
                herald::relations::Links::of(o, &key),
                herald::changes::pod_images(o),
                herald::store::Meta::of(o),
                herald::metrics::Compat::of(o),
            )
        };
        assert_eq!(read(&trimmed), read(&whole), "{name}");
    }
    // The last one lost what it had to lose, and kept its claim.
    let (_, full) = pods.last().unwrap();
    let trimmed = Unparsed {
        text: full.to_string().into_boxed_str(),
        origin,
    }
    .parse_as(true)
    .unwrap();
    assert!(trimmed.to_string().len() < full.to_string().len() / 2);
    for field in POD_SPEC_UNREAD {
        assert!(trimmed["spec"].get(*field).is_none(), "{field}");
    }
    for field in CONTAINER_UNREAD {
        assert!(
            trimmed["spec"]["containers"][0].get(*field).is_none(),
            "{field}"
        );
        assert!(
            trimmed["spec"]["initContainers"][0].get(*field).is_none(),
            "{field}"
        );
    }
    assert_eq!(trimmed["spec"]["containers"][0]["restartPolicy"], "Always");
    assert_eq!(
        trimmed["spec"]["volumes"],
        serde_json::json!([{"name": "data", "persistentVolumeClaim": {"claimName": "data-0"}}, {"name": "config"}])
    );
}

//! What one watch event costs herald before the store: reading the event as the watch does
//! (`herald::agent::raw::split_event` on one line of the watch stream: the object's head read,
//! its text kept), parsing that text as the evaluator does, and the evaluator's work on
//! the object ([`herald::agent::observe`]: key, check, links, metadata, compatibility labels,
//! placement). The objects are realistic Deployments: `managedFields` of three managers, Flux's
//! labels, a `kubectl.kubernetes.io/last-applied-configuration` annotation, a pod template and
//! status conditions.
//!
//! Then Pods, parsed whole and as the evaluator reads them when no user check judges Pods (the
//! spec without what herald never reads: `herald::agent::raw::POD_SPEC_UNREAD`), each dropped
//! after.
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
    pods(n, rounds);
}

/// A Pod as a Deployment's ReplicaSet makes it and the kubelet reports it.
fn pod(i: usize) -> Value {
    let name = format!("api-{}-7d9f8c6b5d-{:05}", i % 97, i);
    serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": format!("team-{:03}", i % 50), "uid": format!("00000000-0000-4000-8000-{i:012}"),
            "resourceVersion": (1000 + i).to_string(), "creationTimestamp": "2026-12-01T10:00:00Z",
            "generateName": "api-7d9f8c6b5d-", "labels": {"app.kubernetes.io/name": "api", "pod-template-hash": "7d9f8c6b5d"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-7d9f8c6b5d", "uid": "r", "controller": true, "blockOwnerDeletion": true}],
            "managedFields": [{"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2026-12-01T10:00:05Z",
                "fieldsType": "FieldsV1", "subresource": "status", "fieldsV1": {"f:status": {"f:conditions": {}, "f:phase": {}}}}]},
        "spec": {"nodeName": format!("node-{:03}", i % 50), "restartPolicy": "Always", "serviceAccountName": "default",
            "containers": [{"name": "app", "image": "registry.example.com/api:1.8.3",
                "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
                "livenessProbe": {"httpGet": {"path": "/livez", "port": 8080}, "periodSeconds": 10},
                "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
                        {"name": "LOG_LEVEL", "value": "info"}],
                "envFrom": [{"configMapRef": {"name": "api-config"}}],
                "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access-x2k9p", "readOnly": true}],
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent",
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}}],
            "tolerations": [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}],
            "volumes": [{"name": "kube-api-access-x2k9p", "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}],
            "dnsPolicy": "ClusterFirst", "enableServiceLinks": true, "priority": 0,
            "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30},
        "status": {"phase": "Running", "hostIP": "10.0.0.12", "podIP": "10.244.1.7", "qosClass": "Burstable",
            "startTime": "2026-12-01T10:00:01Z",
            "conditions": [{"type": "Initialized", "status": "True", "lastTransitionTime": "2026-12-01T10:00:01Z"},
                {"type": "Ready", "status": "True", "lastTransitionTime": "2026-12-01T10:00:05Z"},
                {"type": "ContainersReady", "status": "True", "lastTransitionTime": "2026-12-01T10:00:05Z"},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-12-01T10:00:00Z"}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "started": true,
                "image": "registry.example.com/api:1.8.3", "imageID": "registry.example.com/api@sha256:0123abcd",
                "containerID": "containerd://4f2a", "state": {"running": {"startedAt": "2026-12-01T10:00:02Z"}}}]}})
}

/// Pods parsed (and dropped) whole, then trimmed as the evaluator reads them.
fn pods(n: usize, rounds: usize) {
    let texts: Vec<Box<str>> = (0..n)
        .map(|i| pod(i).to_string().into_boxed_str())
        .collect();
    let origin = Arc::new(herald::agent::raw::Origin {
        api_version: "v1".into(),
        kind: "Pod".into(),
        malformed: prometheus::IntCounter::new("malformed", "malformed").unwrap(),
    });
    let unparsed: Vec<herald::agent::raw::Unparsed> = texts
        .into_iter()
        .map(|text| herald::agent::raw::Unparsed {
            text,
            origin: Arc::clone(&origin),
        })
        .collect();
    let mut best = [f64::MAX; 2];
    for _ in 0..rounds {
        for (trim, best) in [false, true].into_iter().zip(best.iter_mut()) {
            let started = cpu();
            for u in &unparsed {
                std::hint::black_box(u.parse_as(trim).unwrap());
            }
            *best = best.min((cpu() - started) * 1e6 / n as f64);
        }
    }
    println!(
        "{n} Pods, {} B each: parsed and dropped whole {:.2} µs, trimmed {:.2} µs (best of {rounds}, CPU time)",
        unparsed[0].text.len(),
        best[0],
        best[1]
    );
}

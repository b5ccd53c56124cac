//! Kubernetes Warning Events through the fake API server: attached to the object they regard,
//! shown in its API answer and its ancestors', told in an ancestor's trouble, and bounded in a
//! storm.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use herald::agent::{self, Config};
use herald::clock::SystemClock;
use herald::fake::{FakeApiServer, Options, events_resource, gitops_resources};
use herald::health::Assessor;
use herald::store::ObjectKey;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

use crate::util::{Answers, eventually, herald_run_logged, request, serve};

/// A webhook receiver that keeps every body.
#[derive(Clone, Default)]
struct Hook(Arc<Mutex<Vec<Value>>>);

impl Answers for Hook {
    async fn answer(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<Full<Bytes>> {
        let raw = req.into_body().collect().await.unwrap().to_bytes();
        self.0
            .lock()
            .unwrap()
            .push(serde_json::from_slice(&raw).unwrap_or(Value::Null));
        hyper::Response::new(Full::new(Bytes::from_static(b"{}")))
    }
}

async fn cluster() -> FakeApiServer {
    let mut resources = gitops_resources();
    resources.push(events_resource());
    FakeApiServer::start(resources, Options::default())
        .await
        .unwrap()
}

/// A Kustomization `apps` that applied Deployment `api`, its ReplicaSet and its Pod `api-5f-x`.
fn deploy(server: &FakeApiServer) {
    server
        .apply(
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "apps"},
            "status": {"conditions": [{"type": "Ready", "status": "True",
                           "reason": "ReconciliationSucceeded", "message": "applied"}],
                       "inventory": {"entries": [{"id": "apps_api_apps_Deployment", "v": "v1"}]}}}),
        )
        .unwrap();
    server
        .apply(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "apps", "generation": 1},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
                       "availableReplicas": 1, "conditions": [{"type": "Available", "status": "True"}]}}))
        .unwrap();
    server
        .apply(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "api-5f", "namespace": "apps", "generation": 1,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}]},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "availableReplicas": 1}}))
        .unwrap();
    server.apply(pod(false)).unwrap();
}

fn pod(crashing: bool) -> Value {
    let state = if crashing {
        json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}})
    } else {
        json!({"running": {"startedAt": "2026-11-01T00:00:00Z"}})
    };
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "api-5f-x", "namespace": "apps", "creationTimestamp": "2026-11-01T00:00:00Z",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-5f"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if crashing {"False"} else {"True"}}],
                   "containerStatuses": [{"name": "api", "ready": !crashing, "restartCount": 3, "state": state}]}})
}

/// An Event of `kind` (`Warning`, `Normal`) about the Pod.
fn event(name: &str, kind: &str, reason: &str, note: &str) -> Value {
    json!({"apiVersion": "events.k8s.io/v1", "kind": "Event",
        "metadata": {"name": name, "namespace": "apps", "uid": format!("uid-{name}")},
        "type": kind, "reason": reason, "note": note, "action": "Restarting",
        "reportingController": "kubelet", "reportingInstance": "node-1",
        "eventTime": jiff::Timestamp::now().to_string(),
        "regarding": {"apiVersion": "v1", "kind": "Pod", "namespace": "apps", "name": "api-5f-x"}})
}

async fn get(addr: &str, path: &str) -> Value {
    let (status, _, body) = request(addr, "GET", path).await;
    if status != 200 {
        return Value::Null;
    }
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

const POD: &str = "/api/v1/objects/core/Pod/apps/api-5f-x";
const KS: &str = "/api/v1/objects/kustomize.toolkit.fluxcd.io/Kustomization/apps/apps";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pods_warning_shows_on_it_and_in_its_kustomizations_trouble() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let hook = Hook::default();
    let hook_addr = serve(hook.clone()).await;
    let server = cluster().await;
    deploy(&server);

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("warnings_e2e");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("herald.yaml");
    std::fs::write(
        &config,
        format!(
            r#"cluster: e2e
receivers:
  - name: hook
    webhook: {{url: "http://{hook_addr}/hook"}}
routes:
  - match: {{kind: Kustomization}}
    events: [unhealthy]
    receivers: [hook]
delivery: {{outbox: "{}", retryInitial: 50ms, retryMax: 200ms, timeout: 5s}}
"#,
            dir.join("outbox.redb").display()
        ),
    )
    .unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    let (_herald, addr, _log) = herald_run_logged(
        &kubeconfig,
        &[std::ffi::OsStr::new("--config"), config.as_os_str()],
    );
    let addr = addr.trim_end_matches('/').to_string();

    eventually("herald knows the Pod", || async {
        get(&addr, POD).await["name"] == "api-5f-x"
    })
    .await;
    // A Normal event first, then two warnings, one of them twice.
    server
        .apply(event("e0", "Normal", "Pulled", "image pulled"))
        .unwrap();
    server
        .apply(event(
            "e1",
            "Warning",
            "Unhealthy",
            "Readiness probe failed: 503",
        ))
        .unwrap();
    server
        .apply(event(
            "e2",
            "Warning",
            "BackOff",
            "Back-off restarting failed container api",
        ))
        .unwrap();
    let mut again = event(
        "e2",
        "Warning",
        "BackOff",
        "Back-off restarting failed container api",
    );
    again["series"] = json!({"count": 4, "lastObservedTime": jiff::Timestamp::now().to_string()});
    server.apply(again).unwrap();

    eventually("the Pod's warnings", || async {
        let v = get(&addr, POD).await;
        v["warnings"].as_array().is_some_and(|w| {
            w.iter()
                .any(|w| w["reason"] == "BackOff" && w["count"] == 4)
        })
    })
    .await;
    let v = get(&addr, POD).await;
    let reasons: Vec<&str> = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2, "{v}");
    assert!(
        reasons.contains(&"Unhealthy") && !reasons.contains(&"Pulled"),
        "{reasons:?}"
    );
    assert_eq!(v["warnings"][0]["object"], "Pod apps/api-5f-x");
    // Its ancestors show it too.
    let k = get(&addr, KS).await;
    assert!(
        k["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["reason"] == "BackOff" && w["object"] == "Pod apps/api-5f-x"),
        "{k}"
    );

    // The Pod crash-loops: the Kustomization's trouble says why.
    server.apply(pod(true)).unwrap();
    eventually("the Kustomization's trouble", || async {
        !hook.0.lock().unwrap().is_empty()
    })
    .await;
    let body = hook.0.lock().unwrap()[0].clone();
    assert_eq!(body["event"], "unhealthy", "{body}");
    assert_eq!(body["object"]["kind"], "Kustomization", "{body}");
    let warnings = body["warnings"].as_array().expect("warnings");
    let backoff = warnings
        .iter()
        .find(|w| w["reason"] == "BackOff")
        .unwrap_or_else(|| panic!("{body}"));
    assert_eq!(backoff["object"], "Pod apps/api-5f-x");
    assert_eq!(backoff["count"], 4);
    assert_eq!(
        backoff["note"], "Back-off restarting failed container api",
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_storm_on_one_object_keeps_its_few_warnings() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = cluster().await;
    deploy(&server);
    let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let agent = agent::start(
        client,
        Config::default(),
        Assessor::builtin_only,
        Arc::new(SystemClock),
    );
    const STORM: u64 = 10_000;
    for i in 0..STORM {
        // Every note differs: nothing is deduplicated, everything but the latest is evicted.
        server
            .apply(event(
                &format!("storm-{i}"),
                "Warning",
                "BackOff",
                &format!("back-off {i} {}", "x".repeat(2000)),
            ))
            .unwrap();
        if i % 100 == 0 {
            server
                .apply(event(&format!("normal-{i}"), "Normal", "Pulled", "pulled"))
                .unwrap();
        }
    }
    let pod = ObjectKey::new("", "Pod", "apps", "api-5f-x");
    let last = format!("back-off {} ", STORM - 1);
    let taken = || {
        let store = agent.store.read().unwrap();
        store
            .warnings
            .of(&pod)
            .iter()
            .any(|w| w.note.starts_with(&last))
    };
    tokio::time::timeout(Duration::from_secs(60), async {
        while !taken() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("the storm's last warning taken");
    let store = agent.store.read().unwrap();
    assert!(store.warnings.evicted >= STORM - herald::warnings::PER_OBJECT as u64);
    assert_eq!(store.warnings.len(), herald::warnings::PER_OBJECT);
    assert_eq!(store.warnings.objects(), 1);
    let kept = store.warnings.of(&pod);
    assert_eq!(kept.len(), herald::warnings::PER_OBJECT);
    assert!(kept.iter().all(|w| w.reason == "BackOff"), "Normal dropped");
    assert!(
        kept.iter()
            .all(|w| w.note.len() <= herald::warnings::NOTE_BYTES + 3),
        "notes bounded"
    );
}

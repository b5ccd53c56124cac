//! Where Pods run, through the fake API server: a Node going NotReady names the Kustomization
//! whose Pod runs there (and not the one whose Pod runs elsewhere), and a Pod walks to its
//! Node, claim, volume and Services in the API answer.

use std::sync::Arc;
use std::time::Duration;

use crate::agent::next;
use herald::agent::{self, Config};
use herald::clock::SystemClock;
use herald::fake::{FakeApiServer, Options, gitops_resources};
use herald::health::{Assessor, Health};
use herald::store::ObjectKey;
use serde_json::{Value, json};

/// An API answer, as JSON.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> Value {
    let body = crate::util::request(&addr.to_string(), "GET", path).await.2;
    serde_json::from_str(&body).unwrap()
}

pub fn node(name: &str, ready: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
        "status": {"conditions": [{"type": "Ready", "status": ready, "message": "kubelet stopped posting node status"}]}})
}

/// A Kustomization `name` in flux-system that applied the Deployment `name` in apps (and,
/// for `web`, the Service `web`).
fn ks(name: &str) -> Value {
    let mut entries = vec![json!({"id": format!("apps_{name}_apps_Deployment"), "v": "v1"})];
    if name == "web" {
        entries.push(json!({"id": "apps_web__Service", "v": "v1"}));
    }
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": name, "namespace": "flux-system", "labels": {"team": "web"}},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "ok"}],
                   "inventory": {"entries": entries}}})
}

/// The Deployment `name`, its ReplicaSet and one running Pod on `node` (with a claim
/// `<name>-data`), as the kubelet reports it.
fn workload(name: &str, node: &str) -> Vec<Value> {
    vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "apps", "generation": 1},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
                       "availableReplicas": 1, "conditions": [{"type": "Available", "status": "True"}]}}),
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("{name}-5f"), "namespace": "apps", "generation": 1,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name}]},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "availableReplicas": 1}}),
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": format!("{name}-5f-x"), "namespace": "apps", "labels": {"app": name},
                         "creationTimestamp": "2026-11-01T00:00:00Z",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{name}-5f")}]},
            "spec": {"nodeName": node, "containers": [{"name": "app", "image": "app:1"}],
                     "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": format!("{name}-data")}}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0,
                                              "state": {"running": {"startedAt": "2026-11-01T00:00:00Z"}}}]}}),
        json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": format!("{name}-data"), "namespace": "apps"},
            "spec": {"volumeName": format!("pv-{name}")}, "status": {"phase": "Bound"}}),
        json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": format!("pv-{name}")},
            "status": {"phase": "Bound"}}),
    ]
}

/// Two Nodes; Kustomization `web` runs a Pod on n1, `api` one on n2; a Service selects web.
pub async fn cluster() -> FakeApiServer {
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    server.apply(node("n1", "True")).unwrap();
    server.apply(node("n2", "True")).unwrap();
    for (name, node) in [("web", "n1"), ("api", "n2")] {
        server.apply(ks(name)).unwrap();
        for o in workload(name, node) {
            server.apply(o).unwrap();
        }
    }
    server
        .apply(json!({"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "web", "namespace": "apps"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}))
        .unwrap();
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_going_not_ready_names_the_kustomization_whose_pod_runs_there() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = cluster().await;
    let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let agent = agent::start(
        client,
        Config::default(),
        Assessor::builtin_only,
        Arc::new(SystemClock),
    );
    let mut rx = agent.subscribe_from_start();
    // Everything watched: the Nodes from the start, the rest on demand (Deployments, then their
    // ReplicaSets and Pods, then the Pods' claims, then the claims' volumes).
    let key = |kind: &str, ns: &str, name: &str| ObjectKey::new("", kind, ns, name);
    let everything = [
        key("Node", "", "n1"),
        key("Node", "", "n2"),
        key("Pod", "apps", "web-5f-x"),
        key("Pod", "apps", "api-5f-x"),
        key("Service", "apps", "web"),
        key("PersistentVolumeClaim", "apps", "web-data"),
        key("PersistentVolume", "", "pv-web"),
    ];
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            {
                let store = agent.store.read().unwrap();
                if everything
                    .iter()
                    .all(|k| store.get(k).is_some_and(|e| e.is_live()))
                    && store.placement.volume(&everything[5]).is_some()
                {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("Nodes, Pods, the Service, the claim and its volume all watched");

    server.apply(node("n1", "False")).unwrap();
    let t = loop {
        let t = next(&mut rx).await;
        if t.key.kind == "Node" && t.to.as_ref().is_some_and(|v| v.health != Health::Healthy) {
            break t;
        }
    };
    assert_eq!(t.key.name, "n1");
    assert_eq!(t.to.as_ref().unwrap().status, "NotReady");
    let affected = t
        .affected
        .as_deref()
        .expect("the Node names what it affects");
    let names: Vec<(&str, u32)> = affected
        .objects
        .iter()
        .map(|a| (a.object.name.as_str(), a.pods))
        .collect();
    assert_eq!(names, [("web", 1)], "not api, whose Pod runs on n2");
    assert_eq!(affected.objects[0].object.kind, "Kustomization");
    assert_eq!(affected.more, 0);

    // The walk through the API: the Pod to its Node, claim, volume and Service.
    let addr = herald::http::start("127.0.0.1:0".parse().unwrap(), Arc::clone(&agent))
        .await
        .unwrap();
    let pod = http_get(addr, "/api/v1/objects/core/Pod/apps/web-5f-x").await;
    assert_eq!(pod["node"]["name"], "n1", "{pod}");
    assert_eq!(pod["node"]["health"], "unhealthy");
    assert_eq!(pod["claims"][0]["name"], "web-data");
    assert_eq!(pod["claims"][0]["health"], "healthy");
    assert_eq!(pod["services"][0]["name"], "web");
    assert_eq!(pod["services"].as_array().unwrap().len(), 1);
    let claim = http_get(
        addr,
        "/api/v1/objects/core/PersistentVolumeClaim/apps/web-data",
    )
    .await;
    assert_eq!(claim["volume"]["name"], "pv-web", "{claim}");
    assert_eq!(claim["volume"]["health"], "healthy");
    let svc = http_get(addr, "/api/v1/objects/core/Service/apps/web").await;
    assert_eq!(svc["pods"][0]["name"], "web-5f-x", "{svc}");
    assert_eq!(svc["podsTotal"], 1);
    let n1 = http_get(addr, "/api/v1/objects/core/Node/_/n1").await;
    assert_eq!(n1["hosts"]["pods"][0]["name"], "web-5f-x", "{n1}");
    assert_eq!(n1["hosts"]["podsTotal"], 1);
    assert_eq!(n1["hosts"]["objects"][0]["name"], "web");
    assert_eq!(n1["hosts"]["objects"][0]["pods"], 1);
    assert_eq!(n1["hosts"]["objects"][0]["health"], "healthy");
    let ns = http_get(addr, "/api/v1/objects/core/Namespace/_/apps").await;
    assert!(
        ns.get("error").is_some(),
        "no Namespace object, no answer: {ns}"
    );
    // Out of the roll-up: the Kustomization whose Pod runs on the NotReady Node is as healthy
    // as its Pod.
    let ks = http_get(
        addr,
        "/api/v1/objects/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/web",
    )
    .await;
    assert_eq!(ks["assessment"]["health"], "healthy", "{ks}");
}

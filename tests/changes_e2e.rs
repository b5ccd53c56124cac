//! Spec changes (`changed`) through the fake API server: which paths a new generation changed,
//! with their values unless they may be secret; nothing for a status update.

use std::sync::Arc;
use std::time::Duration;

use crate::agent::until_match as until;
use herald::agent::{self, Config};
use herald::changes::{Change, Op};
use herald::clock::SystemClock;
use herald::fake::{FakeApiServer, Options, gitops_resources};
use herald::health::Assessor;
use herald::store::{ObjectKey, Transition};
use serde_json::{Value, json};

/// An API answer's body.
async fn http_get(addr: std::net::SocketAddr, path: &str) -> String {
    crate::util::request(&addr.to_string(), "GET", path).await.2
}

fn kustomization(name: &str, path: &str, ready: &str) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": name, "namespace": "flux-system"},
           "spec": {"path": path, "interval": "5m", "prune": true,
                    "sourceRef": {"kind": "GitRepository", "name": "flux-system"}},
           "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "R", "message": name}],
                      "inventory": {"entries": [{"id": "apps_api_apps_Deployment", "v": "v1"}]}}})
}

fn deployment(image: &str, password: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": "api", "namespace": "apps"},
           "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "api"}},
                    "template": {"metadata": {"labels": {"app": "api"}},
                                 "spec": {"containers": [{"name": "api", "image": image,
                                     "env": [{"name": "DB_PASSWORD", "value": password},
                                             {"name": "MODE", "value": "fast"}]}]}}},
           "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
                      "availableReplicas": 1, "conditions": [{"type": "Available", "status": "True"}]}})
}

fn spec_of(t: &Transition) -> &herald::changes::SpecDiff {
    match t.change.as_deref() {
        Some(Change::Spec(d)) => d,
        other => panic!("not a spec change: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spec_change_yields_its_changed_paths() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    server.apply(kustomization("apps", "./a", "True")).unwrap();
    server.apply(deployment("nginx:1.0", "hunter1")).unwrap();

    let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let agent = agent::start(
        client,
        Config::default(),
        Assessor::builtin_only,
        Arc::new(SystemClock),
    );
    let mut rx = agent.subscribe_from_start();
    let ks_key = ObjectKey::new(
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "flux-system",
        "apps",
    );
    let deploy_key = ObjectKey::new("apps", "Deployment", "apps", "api");
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            {
                let store = agent.store.read().unwrap();
                if [&ks_key, &deploy_key]
                    .iter()
                    .all(|k| store.get(k).is_some_and(|e| e.spec.is_some()))
                {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("both objects' specs recorded (silently: first sight)");

    // The Kustomization's path: one `changed`, both values, generation 1 → 2.
    server.apply(kustomization("apps", "./b", "True")).unwrap();
    let seen = until(&mut rx, |t| t.change.is_some()).await;
    let t = seen.last().unwrap();
    assert_eq!(*t.key, ks_key);
    assert_eq!(t.from, t.to, "a change leaves the verdict as it was");
    let d = spec_of(t);
    assert_eq!((d.from_generation, d.to_generation), (Some(1), Some(2)));
    assert_eq!(d.paths.len(), 1, "{d:?}");
    assert_eq!(d.paths[0].path, "spec.path");
    assert_eq!(d.paths[0].op, Op::Changed);
    assert_eq!(d.paths[0].old.as_deref(), Some("./a"));
    assert_eq!(d.paths[0].new.as_deref(), Some("./b"));
    assert_eq!(t.message, "spec.path: ./a → ./b");

    // The Deployment's image shows its values; its password does not.
    server.apply(deployment("nginx:1.1", "hunter2")).unwrap();
    let seen = until(&mut rx, |t| t.change.is_some()).await;
    let t = seen.last().unwrap();
    assert_eq!(*t.key, deploy_key);
    let d = spec_of(t);
    let paths: Vec<(&str, Option<&str>, Option<&str>)> = d
        .paths
        .iter()
        .map(|p| (p.path.as_str(), p.old.as_deref(), p.new.as_deref()))
        .collect();
    assert_eq!(
        paths,
        [
            (
                "spec.template.spec.containers[api].env[DB_PASSWORD].value",
                None,
                None
            ),
            (
                "spec.template.spec.containers[api].image",
                Some("nginx:1.0"),
                Some("nginx:1.1")
            ),
        ]
    );

    // A status update alone tells nothing (the next transition is the sentinel's).
    server.apply(kustomization("apps", "./b", "False")).unwrap();
    server
        .apply(kustomization("sentinel", "./s", "True"))
        .unwrap();
    let seen = until(&mut rx, |t| t.key.name == "sentinel").await;
    assert!(
        seen.iter().all(|t| t.change.is_none()),
        "{:?}",
        seen.iter().map(|t| &t.message).collect::<Vec<_>>()
    );

    // The secret is in no answer of the API.
    let addr = herald::http::start("127.0.0.1:0".parse().unwrap(), Arc::clone(&agent))
        .await
        .unwrap();
    let events = http_get(addr, "/api/v1/events?limit=1000").await;
    assert!(events.contains("nginx:1.1"), "{events}");
    assert!(events.contains("\"changed\""), "{events}");
    for path in [
        "/api/v1/events?limit=1000",
        "/api/v1/objects/apps/Deployment/apps/api",
        "/api/v1/objects/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps",
        "/api/v1/objects",
    ] {
        let body = http_get(addr, path).await;
        assert!(
            !body.contains("hunter1") && !body.contains("hunter2"),
            "{path}: {body}"
        );
    }
}

fn pod(name: &str, digest: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "apps", "creationTimestamp": "2026-11-01T00:00:00Z",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-5f"}]},
        "spec": {"containers": [{"name": "api", "image": "nginx:latest"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "api", "ready": true, "restartCount": 0,
                       "image": "docker.io/library/nginx:latest",
                       "imageID": format!("docker.io/library/nginx@{digest}"),
                       "state": {"running": {"startedAt": "2026-11-01T00:00:00Z"}}}]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repulled_digest_under_the_same_tag_is_one_image_changed_event() {
    const A: &str = "sha256:aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111";
    const B: &str = "sha256:bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222";
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    server.apply(kustomization("apps", "./a", "True")).unwrap();
    server.apply(deployment("nginx:latest", "x")).unwrap();
    server
        .apply(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "api-5f", "namespace": "apps",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}]},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "availableReplicas": 1}}))
        .unwrap();
    server.apply(pod("api-1", A)).unwrap();

    let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let agent = agent::start(
        client,
        Config::default(),
        Assessor::builtin_only,
        Arc::new(SystemClock),
    );
    let mut rx = agent.subscribe_from_start();
    let deploy_key = ObjectKey::new("apps", "Deployment", "apps", "api");
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            {
                // All four objects; the digest is kept on the Deployment, or on the Pod when it
                // was listed before its owners.
                let store = agent.store.read().unwrap();
                if store.len() == 4 {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("all four objects recorded");

    // The Pod is replaced by one that pulled the same tag again and got another digest.
    server.delete("v1", "Pod", "apps", "api-1").unwrap();
    server.apply(pod("api-2", B)).unwrap();
    // Then a Pod that reports B too (the same watch, so after api-2): nothing more.
    server.apply(pod("api-3", B)).unwrap();
    let seen = until(&mut rx, |t| t.key.name == "api-3").await;
    let changes: Vec<(String, herald::changes::ImageChange)> = seen
        .iter()
        .filter_map(|t| match t.change.as_deref() {
            Some(Change::Image(i)) => Some((t.key.kind.to_string(), i.clone())),
            _ => None,
        })
        .collect();
    let kinds: Vec<&str> = changes.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(kinds, ["Deployment", "Kustomization"]);
    for (_, i) in &changes {
        assert_eq!(i.workload, deploy_key);
        assert_eq!(i.container, "api");
        assert_eq!(i.image, "nginx:latest");
        assert_eq!((i.old_digest.as_str(), i.new_digest.as_str()), (A, B));
    }
    let t = seen.iter().find(|t| t.change.is_some()).unwrap();
    assert_eq!(t.from, t.to);
    assert!(t.message.contains("sha256:aaaa1111aaaa…"), "{}", t.message);

    // A late report of the old Pod, with the old digest: nothing.
    server.apply(pod("api-1", A)).unwrap();
    server.apply(pod("api-4", B)).unwrap();
    let seen = until(&mut rx, |t| t.key.name == "api-4").await;
    assert!(
        seen.iter().all(|t| t.change.is_none()),
        "{:?}",
        seen.iter().map(|t| &t.message).collect::<Vec<_>>()
    );
}

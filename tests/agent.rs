//! The agent against the fake API server: every transition seen exactly once, through dropped
//! connections, a restart with lost history (410 Gone) and a malformed object.

use std::sync::Arc;
use std::time::Duration;

use herald::agent::{self, Config};
use herald::clock::SystemClock;
use herald::fake::{FakeApiServer, Options, gitops_resources};
use herald::health::{Assessor, Health};
use herald::store::Transition;
use serde_json::json;
use tokio::sync::broadcast;

use crate::util::eventually;

fn ks(name: &str, ready: &str) -> serde_json::Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": name, "namespace": "flux-system"},
           "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "Test", "message": name}]}})
}

pub(crate) async fn next(rx: &mut broadcast::Receiver<Transition>) -> Transition {
    tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("a transition within 30 s")
        .expect("transitions channel open")
}

/// Transitions up to and including the one of `name`.
async fn until(
    rx: &mut broadcast::Receiver<Transition>,
    name: &str,
) -> Vec<(String, Option<Health>)> {
    let mut seen = Vec::new();
    loop {
        let t = next(rx).await;
        let done = t.key.name == name;
        seen.push((t.key.name.to_string(), t.to.as_ref().map(|v| v.health)));
        if done {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transition_once_through_drops_restarts_and_bad_objects() {
    every_transition_once(|config| agent::client(config).unwrap().into()).await;
}

/// The same through the watches' own client, whose connections are read at a pace while their
/// events trickle in (as `herald run` watches).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transition_once_through_paced_watches() {
    every_transition_once(|config| agent::clients(config, agent::PACE).unwrap()).await;
}

async fn every_transition_once(clients: impl FnOnce(kube::Config) -> agent::Clients) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    server.apply(ks("apps", "Unknown")).unwrap();
    server.apply(ks("infra", "True")).unwrap();
    let mut bad = ks("bad", "True");
    bad["metadata"]["labels"] = json!("not a map");
    server.apply(bad).unwrap();

    let agent = agent::start(
        clients(kube::Config::new(server.url().parse().unwrap())),
        Config::default(),
        Assessor::builtin_only,
        Arc::new(SystemClock),
    );
    let mut rx = agent.subscribe_from_start();

    let mut first = [next(&mut rx).await, next(&mut rx).await];
    first.sort_by(|a, b| a.key.name.cmp(&b.key.name));
    assert_eq!(first[0].key.name, "apps");
    assert_eq!(first[1].key.name, "infra");
    assert!(first.iter().all(|t| t.from.is_none()));
    assert!(agent.metrics.watch_events("Kustomization", "malformed") >= 1);

    // A plain update.
    server.apply(ks("apps", "True")).unwrap();
    assert_eq!(
        until(&mut rx, "apps").await,
        [("apps".to_string(), Some(Health::Healthy))]
    );

    // Updates one after the other: each is a transition, in order.
    for i in 0..40 {
        server
            .apply(ks("apps", if i % 2 == 0 { "False" } else { "True" }))
            .unwrap();
    }
    let flips: Vec<Option<Health>> = (0..40)
        .map(|i| {
            Some(if i % 2 == 0 {
                Health::Unhealthy
            } else {
                Health::Healthy
            })
        })
        .collect();
    let mut seen = Vec::new();
    while seen.len() < flips.len() {
        let t = next(&mut rx).await;
        assert_eq!(t.key.name, "apps", "{t:?}");
        seen.push(t.to.as_ref().map(|v| v.health));
    }
    assert_eq!(seen, flips);

    // An update that changes nothing the model cares about is no transition.
    let mut same = ks("apps", "True");
    same["metadata"]["annotations"] = json!({"touched": "yes"});
    server.apply(same).unwrap();

    // Dropped connections: the watch resumes; nothing lost, nothing doubled.
    server.drop_connections();
    server.apply(ks("infra", "False")).unwrap();
    assert_eq!(
        until(&mut rx, "infra").await,
        [("infra".to_string(), Some(Health::Unhealthy))]
    );

    // Down, changes made meanwhile, history lost: the relist finds the deletion and the newcomer.
    server.set_down(true);
    server
        .delete(
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization",
            "flux-system",
            "apps",
        )
        .unwrap();
    server.apply(ks("late", "True")).unwrap();
    server.compact();
    server.set_down(false);
    let mut seen = [next(&mut rx).await, next(&mut rx).await];
    seen.sort_by(|a, b| a.key.name.cmp(&b.key.name));
    assert_eq!(
        (seen[0].key.name.as_str(), seen[0].to.is_none()),
        ("apps", true)
    );
    assert_eq!(
        (seen[1].key.name.as_str(), seen[1].from.is_none()),
        ("late", true)
    );

    // A sentinel: every transition before it has arrived, and there were no others.
    server.apply(ks("sentinel", "True")).unwrap();
    assert_eq!(
        until(&mut rx, "sentinel").await,
        [("sentinel".to_string(), Some(Health::Healthy))]
    );

    // The store equals the server.
    let mut server_state: Vec<(String, String)> = server
        .snapshot()
        .into_iter()
        .filter(|(_, kind, _, name, _)| kind == "Kustomization" && name != "bad")
        .map(|(_, _, _, name, rv)| (name, rv))
        .collect();
    server_state.sort();
    let store = agent.store.read().unwrap();
    let mut ours: Vec<(String, String)> = store
        .live()
        .map(|(k, e)| (k.name.to_string(), e.resource_version.clone()))
        .collect();
    ours.sort();
    assert_eq!(ours, server_state);
    assert!(agent.is_ready());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_event_past_its_bound_is_read_past_and_the_watch_goes_on() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    server.apply(ks("a", "True")).unwrap();
    let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let agent = agent::start(
        client,
        Config {
            max_event_bytes: 16 << 10,
            ..Config::default()
        },
        Assessor::builtin_only,
        Arc::new(SystemClock),
    );
    let mut rx = agent.subscribe_from_start();
    assert_eq!(
        until(&mut rx, "a").await,
        [("a".to_string(), Some(Health::Healthy))]
    );

    // Two events past the bound (a new object, a change of a known one), then one within it.
    let blob = json!({"blob": "x".repeat(64 << 10)});
    for (name, ready) in [("big", "False"), ("a", "False")] {
        let mut o = ks(name, ready);
        o["metadata"]["annotations"] = blob.clone();
        server.apply(o).unwrap();
    }
    server.apply(ks("after", "True")).unwrap();
    assert_eq!(
        until(&mut rx, "after").await,
        [("after".to_string(), Some(Health::Healthy))],
        "the events past the bound made no transition"
    );
    assert_eq!(agent.metrics.watch_events("Kustomization", "malformed"), 2);
    {
        let store = agent.store.read().unwrap();
        let live: Vec<(String, Health)> = store
            .live()
            .map(|(k, e)| (k.name.to_string(), e.health()))
            .collect();
        assert!(
            live.contains(&("a".to_string(), Health::Healthy)),
            "{live:?}"
        );
        assert!(!live.iter().any(|(n, _)| n == "big"), "{live:?}");
    }
    assert!(kustomizations(&agent).up);

    // The same watch goes on: the next change of the known object is seen.
    server.apply(ks("a", "False")).unwrap();
    assert_eq!(
        until(&mut rx, "a").await,
        [("a".to_string(), Some(Health::Unhealthy))]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_page_past_its_bound_is_asked_again_smaller_and_an_object_alone_past_it_fails() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    // 40 objects of about 2 KiB: a page of them all is about 80 KiB, past the 16 KiB bound.
    let pad = json!({"pad": "p".repeat(2 << 10)});
    for i in 0..40 {
        let mut o = ks(&format!("k{i:02}"), "True");
        o["metadata"]["annotations"] = pad.clone();
        server.apply(o).unwrap();
    }
    let start = |server: &FakeApiServer| {
        let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
        agent::start(
            client,
            Config {
                max_page_bytes: 16 << 10,
                ..Config::default()
            },
            Assessor::builtin_only,
            Arc::new(SystemClock),
        )
    };
    let agent = start(&server);
    eventually("every object listed, in smaller pages", || {
        let done = agent.is_ready() && agent.store.read().unwrap().live().count() == 40;
        async move { done }
    })
    .await;
    assert_eq!(agent.metrics.watch_events("Kustomization", "malformed"), 0);
    assert!(kustomizations(&agent).up);
    drop(agent);

    // One object alone past the bound: the list fails, and says why; herald is not ready.
    let mut huge = ks("huge", "True");
    huge["metadata"]["annotations"] = json!({"pad": "p".repeat(32 << 10)});
    server.apply(huge).unwrap();
    let agent = start(&server);
    eventually("the list's failure told", || {
        let told = agent
            .watches()
            .into_iter()
            .find(|w| w.kind == "Kustomization")
            .and_then(|w| w.last_error)
            .is_some_and(|e| e.contains("past the limit of 16384 bytes"));
        async move { told }
    })
    .await;
    let watch = kustomizations(&agent);
    assert!(!watch.up && !watch.listed, "{watch:?}");
    assert!(!agent.is_ready());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_scope_the_watch_and_a_crd_installed_later_is_picked_up() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let resources: Vec<_> = gitops_resources()
        .into_iter()
        .filter(|r| r.kind != "HelmRelease")
        .collect();
    let server = FakeApiServer::start(resources, Options::default())
        .await
        .unwrap();
    let mut other = ks("elsewhere", "True");
    other["metadata"]["namespace"] = json!("team-b");
    server.apply(other).unwrap();
    server.apply(ks("apps", "True")).unwrap();

    let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let config = Config {
        namespaces: vec!["flux-system".into()],
        rediscover_every: Duration::from_millis(100),
        ..Config::default()
    };
    let agent = agent::start(
        client,
        config,
        Assessor::builtin_only,
        Arc::new(SystemClock),
    );
    let mut rx = agent.subscribe_from_start();
    assert_eq!(next(&mut rx).await.key.name, "apps");

    // HelmRelease's CRD appears: the next discovery starts a watch for it.
    server.serve(herald::fake::ResourceType::new(
        "helm.toolkit.fluxcd.io",
        "v2",
        "HelmRelease",
        "helmreleases",
        true,
    ));
    server
        .apply(json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "podinfo", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "InstallSucceeded", "message": "ok"}]}}))
        .unwrap();
    let t = next(&mut rx).await;
    assert_eq!(
        (t.key.kind.as_str(), t.key.name.as_str()),
        ("HelmRelease", "podinfo")
    );

    let store = agent.store.read().unwrap();
    assert!(store.live().all(|(k, _)| k.namespace == "flux-system"));
    assert_eq!(store.live().count(), 2);
}

/// Waits for the transition that `want` accepts, returning everything seen up to it.
pub(crate) async fn until_match(
    rx: &mut broadcast::Receiver<Transition>,
    want: impl Fn(&Transition) -> bool,
) -> Vec<Transition> {
    let mut seen = Vec::new();
    loop {
        let t = next(rx).await;
        let done = want(&t);
        seen.push(t);
        if done {
            return seen;
        }
    }
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let body = raw.split_once("\r\n\r\n").unwrap().1;
    serde_json::from_str(body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_are_watched_on_demand_and_roll_up_into_their_kustomization() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    let mut apps = ks("apps", "True");
    apps["status"]["inventory"] =
        json!({"entries": [{"id": "apps_api_apps_Deployment", "v": "v1"}]});
    server.apply(apps).unwrap();
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
    let pod = |crashing: bool| {
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
    };
    server.apply(pod(false)).unwrap();

    let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let agent = agent::start(
        client,
        Config::default(),
        Assessor::builtin_only,
        Arc::new(SystemClock),
    );
    let mut rx = agent.subscribe_from_start();
    // The Kustomization first; then its Deployment's kind, and the ReplicaSets and Pods that
    // Deployments own, are watched on demand.
    let seen = until_match(&mut rx, |t| t.key.kind == "Pod").await;
    assert_eq!(seen[0].key.kind, "Kustomization");
    let ks_key = herald::store::ObjectKey::new(
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "flux-system",
        "apps",
    );
    let pod_key = herald::store::ObjectKey::new("", "Pod", "apps", "api-5f-x");
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            if agent.store.read().unwrap().len() == 4 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("all four objects watched");

    // The Pod crash-loops: Flux still calls the Kustomization Ready, herald does not. (Objects
    // that were still arriving from the first lists may be announced meanwhile: skipped.)
    server.apply(pod(true)).unwrap();
    let mut seen = until_match(&mut rx, |t| t.key.kind == "Kustomization").await;
    seen.retain(|t| t.from.is_some());
    let kinds: Vec<&str> = seen.iter().map(|t| t.key.kind.as_str()).collect();
    assert_eq!(kinds, ["Pod", "ReplicaSet", "Deployment", "Kustomization"]);
    let to = seen[3].to.as_ref().unwrap();
    assert_eq!(to.health, Health::Unhealthy);
    assert!(to.ready);
    assert!(
        seen[3].message.starts_with("apps/Deployment apps/api: "),
        "{}",
        seen[3].message
    );

    // The walk up and down, through the HTTP API.
    let addr = herald::http::start("127.0.0.1:0".parse().unwrap(), Arc::clone(&agent))
        .await
        .unwrap();
    let v = http_get(
        addr,
        "/api/v1/objects/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps",
    )
    .await;
    assert_eq!(v["assessment"]["health"], "unhealthy");
    assert_eq!(v["own"]["health"], "healthy");
    assert_eq!(v["children"][0]["name"], "api");
    assert_eq!(v["children"][0]["health"], "unhealthy");
    // Each child it was rolled up from, with its verdict.
    let from = &v["rolledUpFrom"][0];
    assert_eq!(from["name"], "api");
    assert_eq!(from["health"], "unhealthy");
    assert_eq!(from["ready"], json!(false), "{from}");
    assert_eq!(from["status"], "Running", "{from}");
    assert!(
        from["message"]
            .as_str()
            .unwrap()
            .starts_with("apps/ReplicaSet apps/api-5f: Pod apps/api-5f-x: back-off"),
        "{from}"
    );
    // The event names the child behind the trouble, and the status as the object's own.
    let events = http_get(addr, "/api/v1/events?kind=Kustomization&event=unhealthy").await;
    let event = &events["items"][0];
    assert_eq!(
        event["via"],
        "apps/Deployment apps/api: Pod apps/api-5f-x: back-off 5m0s restarting failed container"
    );
    assert_eq!(
        event["summary"],
        "Kustomization flux-system/apps: unhealthy via apps/Deployment apps/api: Pod \
         apps/api-5f-x: back-off 5m0s restarting failed container (own: ready, Test)"
    );
    let mut at = pod_key.clone();
    let mut path = Vec::new();
    loop {
        let group = if at.group.is_empty() {
            "core"
        } else {
            &at.group
        };
        let v = http_get(
            addr,
            &format!(
                "/api/v1/objects/{group}/{}/{}/{}",
                at.kind, at.namespace, at.name
            ),
        )
        .await;
        let Some(p) = v["parents"].as_array().and_then(|p| p.first()).cloned() else {
            break;
        };
        path.push(format!(
            "{}/{}",
            p["kind"].as_str().unwrap(),
            p["name"].as_str().unwrap()
        ));
        at = herald::store::ObjectKey::new(
            p["group"].as_str().unwrap(),
            p["kind"].as_str().unwrap(),
            p["namespace"].as_str().unwrap(),
            p["name"].as_str().unwrap(),
        );
    }
    assert_eq!(
        path,
        ["ReplicaSet/api-5f", "Deployment/api", "Kustomization/apps"]
    );
    assert_eq!(at, ks_key);

    // Recovery travels up the same way.
    server.apply(pod(false)).unwrap();
    let seen = until_match(&mut rx, |t| t.key.kind == "Kustomization").await;
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert_eq!(seen[3].to.as_ref().unwrap().health, Health::Healthy);
}

/// Polls `check` every 20 ms until it holds, for at most 30 s.
async fn http_status(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let (status, _, body) = crate::util::request(&addr.to_string(), "GET", path).await;
    (status, body)
}

/// The value of the one line of `/metrics` that starts with `series `.
async fn metric(addr: std::net::SocketAddr, series: &str) -> Option<f64> {
    crate::util::metric(&addr.to_string(), series).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_server_down_is_told_and_herald_is_ready_again_when_it_is_back() {
    let (server, agent, addr) = ready(Duration::ZERO, Duration::from_secs(120)).await;
    let up = "herald_watch_up{kind=\"Kustomization\",watch_namespace=\"\"}";
    assert_eq!(metric(addr, "herald_ready").await, Some(1.0));
    assert_eq!(metric(addr, up).await, Some(1.0));
    let status: serde_json::Value =
        serde_json::from_str(&http_status(addr, "/api/v1/status").await.1).unwrap();
    assert_eq!(status["stale"], false, "{status}");
    let watch = status["watches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "Kustomization")
        .unwrap();
    assert_eq!(watch["up"], true, "{watch}");
    assert!(
        watch["lastEventAgeSeconds"].as_f64().unwrap() < 30.0,
        "{watch}"
    );

    // The API server goes down: herald says so instead of serving old data as current.
    server.set_down(true);
    blind(addr).await;
    assert_eq!(metric(addr, "herald_ready").await, Some(0.0));
    assert_eq!(metric(addr, up).await, Some(0.0));
    let errors = "herald_watch_events_total{kind=\"Kustomization\",type=\"error\"}";
    assert!(metric(addr, errors).await.unwrap() >= 1.0);
    let status: serde_json::Value =
        serde_json::from_str(&http_status(addr, "/api/v1/status").await.1).unwrap();
    assert_eq!(status["ready"], false, "{status}");
    assert_eq!(status["stale"], true, "{status}");
    assert!(
        status["notReady"].as_str().unwrap().contains("blind"),
        "{status}"
    );
    let watch = status["watches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["kind"] == "Kustomization")
        .unwrap();
    assert_eq!(watch["up"], false, "{watch}");
    assert!(watch["downSince"].is_string(), "{watch}");
    assert!(
        watch["lastError"].as_str().unwrap().contains("restarting"),
        "the server's own words: {watch}"
    );
    assert!(watch["lastEventAgeSeconds"].is_number(), "{watch}");

    // Back: ready again, and what changed meanwhile is seen.
    server.apply(ks("apps", "False")).unwrap();
    server.set_down(false);
    eventually("ready again", || async {
        http_status(addr, "/readyz").await.0 == 200
    })
    .await;
    assert_eq!(metric(addr, "herald_ready").await, Some(1.0));
    eventually("every watch up", || async {
        agent
            .watches()
            .iter()
            .all(|w| w.up && w.down_since.is_none())
    })
    .await;
    assert_eq!(metric(addr, up).await, Some(1.0));
    apps_unhealthy(&agent).await;
}

/// A server holding the Kustomization `apps` (Ready) and herald watching it through clients
/// paced at `pace`, not ready after a watch is down 300 ms, a request failed after
/// `answer_wait` without an answer; returned once herald is ready.
async fn ready(
    pace: Duration,
    answer_wait: Duration,
) -> (FakeApiServer, Arc<agent::Agent>, std::net::SocketAddr) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    server.apply(ks("apps", "True")).unwrap();
    let clients = agent::clients(kube::Config::new(server.url().parse().unwrap()), pace).unwrap();
    let config = Config {
        not_ready_after: Duration::from_millis(300),
        answer_wait,
        ..Config::default()
    };
    let agent = agent::start(
        clients,
        config,
        Assessor::builtin_only,
        Arc::new(SystemClock),
    );
    let addr = herald::http::start("127.0.0.1:0".parse().unwrap(), Arc::clone(&agent))
        .await
        .unwrap();
    eventually("ready", || async {
        http_status(addr, "/readyz").await.0 == 200
    })
    .await;
    (server, agent, addr)
}

/// Until `/readyz` says herald is blind, naming the Kustomizations' watch.
async fn blind(addr: std::net::SocketAddr) {
    eventually("/readyz 503 naming the Kustomizations' watch", || async {
        let (status, why) = http_status(addr, "/readyz").await;
        status == 503 && why.contains("blind") && why.contains("Kustomization")
    })
    .await;
}

/// Until herald sees `apps` unhealthy (a change made while it was blind).
async fn apps_unhealthy(agent: &agent::Agent) {
    eventually("the change made meanwhile", || async {
        agent
            .store
            .read()
            .unwrap()
            .live()
            .any(|(k, e)| k.name == "apps" && e.health() == Health::Unhealthy)
    })
    .await;
}

/// A watch request the API server takes and never answers (a hung server, a connection gone
/// half-open) fails after `answer_wait`, through either client: herald says it is blind instead
/// of serving old data as current, and is ready again once the server answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watch_request_never_answered_fails_and_herald_is_blind_until_it_is() {
    for pace in [Duration::ZERO, agent::PACE] {
        let (server, agent, addr) = ready(pace, Duration::from_millis(500)).await;

        // The watches' connections drop, and the server no longer answers a watch.
        server.set_watches_unanswered(true);
        server.drop_connections();
        blind(addr).await;
        let watch = kustomizations(&agent);
        assert!(!watch.up, "pace {pace:?}: {watch:?}");
        assert!(
            watch
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("no answer from the API server in 0.5 s")),
            "pace {pace:?}: {watch:?}"
        );

        // Answered again: ready, and what changed meanwhile is seen.
        server.apply(ks("apps", "False")).unwrap();
        server.set_watches_unanswered(false);
        eventually("ready again", || async {
            http_status(addr, "/readyz").await.0 == 200
        })
        .await;
        apps_unhealthy(&agent).await;
    }
}

/// A server with three Kustomizations, herald watching it with `config`; the server's backup
/// before herald sees a deletion, a change and an addition.
async fn diverging(
    options: Options,
    config: Config,
) -> (FakeApiServer, Arc<agent::Agent>, herald::fake::Backup) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), options)
        .await
        .unwrap();
    for name in ["a", "b", "c"] {
        server.apply(ks(name, "True")).unwrap();
    }
    let backup = server.backup();
    let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let agent = agent::start(
        client,
        config,
        Assessor::builtin_only,
        Arc::new(SystemClock),
    );
    let mut rx = agent.subscribe_from_start();
    until(&mut rx, "c").await;
    server
        .delete(
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization",
            "flux-system",
            "a",
        )
        .unwrap();
    server.apply(ks("b", "False")).unwrap();
    server.apply(ks("d", "True")).unwrap();
    until(&mut rx, "d").await;
    (server, agent, backup)
}

/// Waits until herald holds exactly the server's Kustomizations at the server's versions.
async fn in_step(server: &FakeApiServer, agent: &agent::Agent) {
    eventually("the store equals the server", || async {
        let mut theirs: Vec<(String, String)> = server
            .snapshot()
            .into_iter()
            .filter(|(_, kind, ..)| kind == "Kustomization")
            .map(|(_, _, _, name, rv)| (name, rv))
            .collect();
        theirs.sort();
        let mut ours: Vec<(String, String)> = agent
            .store
            .read()
            .unwrap()
            .live()
            .filter(|(k, _)| k.kind == "Kustomization")
            .map(|(k, e)| (k.name.to_string(), e.resource_version.clone()))
            .collect();
        ours.sort();
        ours == theirs
    })
    .await;
}

fn kustomizations(agent: &agent::Agent) -> agent::WatchStatus {
    agent
        .watches()
        .into_iter()
        .find(|w| w.kind == "Kustomization")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restored_older_history_is_repaired_by_the_periodic_relist() {
    // No bookmarks and no writes after the restore: nothing tells the watch that the server
    // went back, only the periodic relist finds it.
    let options = Options {
        bookmark_interval: Duration::from_secs(3600),
        ..Options::default()
    };
    let config = Config {
        relist_every: Some(Duration::from_millis(500)),
        ..Config::default()
    };
    let (server, agent, backup) = diverging(options, config).await;
    server.restore(&backup);
    in_step(&server, &agent).await;
    // a is back (added), b is the older version (changed), d is gone (deleted).
    eventually("the relist reported", || async {
        kustomizations(&agent).last_relist.is_some_and(|r| {
            r.reason == agent::RelistReason::Periodic
                && (r.added, r.changed, r.deleted) == (1, 1, 1)
        })
    })
    .await;
    assert!(agent.is_ready());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resource_version_going_back_is_a_relist_at_once() {
    // Bookmarks tell the server's resourceVersion; the periodic relist is far away.
    let options = Options {
        bookmark_interval: Duration::from_millis(100),
        ..Options::default()
    };
    let (server, agent, backup) = diverging(options, Config::default()).await;
    server.restore(&backup);
    in_step(&server, &agent).await;
    let relist = kustomizations(&agent).last_relist.expect("a relist");
    assert_eq!(relist.reason, agent::RelistReason::Restored);
    assert_eq!((relist.added, relist.changed, relist.deleted), (1, 1, 1));
}

/// The evaluator reads a Pod's spec trimmed to what herald's own checks read, unless a user
/// check judges Pods: that check is given the whole object.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_check_of_pods_sees_the_whole_pod_and_the_built_in_one_judges_it_alike() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-0", "namespace": "apps"},
        "spec": {"nodeName": "node-1", "tolerations": [{"key": "dedicated", "operator": "Exists"}],
            "containers": [{"name": "app", "image": "app:1", "env": [{"name": "MODE", "value": "x"}]}]},
        "status": {"phase": "Running",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "ContainersReady", "status": "True"}],
            "containerStatuses": [{"name": "app", "ready": true, "restartCount": 0, "state": {"running": {}}}]}});
    let user = || {
        let mut checks = herald::lua::LuaChecks::shipped(herald::lua::Limits::default()).unwrap();
        checks
            .add_user(vec![herald::lua::ScriptSource {
                pattern: herald::lua::KindPattern {
                    group: String::new(),
                    kind: "Pod".into(),
                },
                origin: "checks/_/Pod/health.lua".into(),
                source:
                    "if obj.spec.tolerations ~= nil and obj.spec.containers[1].env ~= nil then \
                         return {status = 'Degraded', message = 'tolerations and env seen'} end \
                         return {status = 'Healthy', message = 'trimmed'}"
                        .into(),
            }])
            .unwrap();
        Assessor::new(checks)
    };
    for (make, expected) in [
        (
            Box::new(user) as Box<dyn Fn() -> Assessor + Send + Sync>,
            Health::Unhealthy,
        ),
        (Box::new(Assessor::builtin_only), Health::Healthy),
    ] {
        let server = FakeApiServer::start(gitops_resources(), Options::default())
            .await
            .unwrap();
        server.apply(pod.clone()).unwrap();
        let client = agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
        let agent = agent::start(
            client,
            Config {
                extra_kinds: vec![(String::new(), "Pod".into())],
                ..Config::default()
            },
            make,
            Arc::new(SystemClock),
        );
        let mut rx = agent.subscribe_from_start();
        assert_eq!(
            until(&mut rx, "web-0").await,
            [("web-0".to_string(), Some(expected))]
        );
    }
}

//! `herald run` as deployed: a kubeconfig pointing at a cluster (the fake API server here), the
//! HTTP API answering probes and queries.

use std::path::Path;
use std::time::Duration;

use crate::util::{eventually, herald_run, metric, request};
use herald::fake::{FakeApiServer, Options, gitops_resources};
use serde_json::{Value, json};

/// A GET and its JSON body (null when it has none).
async fn get(addr: &str, path: &str) -> (u16, Value) {
    let (status, _, body) = request(addr, "GET", path).await;
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_serves_probes_and_objects_from_a_kubeconfig_cluster() {
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    server
        .apply(json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "kustomize build failed"},
                                      {"type": "Stalled", "status": "True", "reason": "BuildFailed", "message": "kustomize build failed"}]}}))
        .unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run_cli");
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    let (_herald, addr) = tokio::task::spawn_blocking(move || herald_run(&kubeconfig, &[]))
        .await
        .unwrap();

    assert_eq!(get(&addr, "/healthz").await.0, 200);
    let mut ready = false;
    for _ in 0..200 {
        if get(&addr, "/readyz").await.0 == 200 {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "never ready");
    let (status, list) = get(&addr, "/api/v1/objects?kind=Kustomization&health=unhealthy").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0]["name"], "apps");
    assert_eq!(list["items"][0]["assessment"]["status"], "BuildFailed");
    let (status, one) = get(
        &addr,
        "/api/v1/objects/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(one["transitions"].as_array().unwrap().len(), 1);
    assert_eq!(get(&addr, "/api/v1/objects/core/Pod/x/y").await.0, 404);

    // What herald learned at start is no event; a fix is.
    let (status, events) = get(&addr, "/api/v1/events").await;
    assert_eq!(status, 200);
    assert_eq!(events["items"], json!([]));
    server
        .apply(json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision: main@sha1:1"}]}}))
        .unwrap();
    let mut events = Value::Null;
    for _ in 0..200 {
        events = get(
            &addr,
            "/api/v1/events?kind=Kustomization&namespace=flux-system",
        )
        .await
        .1;
        if !events["items"].as_array().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let items = events["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{events}");
    assert_eq!(items[0]["event"], "recovered");
    assert_eq!(items[0]["object"]["name"], "apps");
    assert_eq!(items[0]["from"]["health"], "unhealthy");
    assert_eq!(items[0]["to"]["status"], "ReconciliationSucceeded");
    let (_, none) = get(&addr, "/api/v1/events?event=unhealthy").await;
    assert_eq!(none["items"], json!([]));
    assert_eq!(get(&addr, "/api/v1/events?event=exploded").await.0, 400);
    assert_eq!(get(&addr, "/api/v1/events?limit=many").await.0, 400);
    // A filter that cannot match is a mistake, answered with what is allowed, not an empty list.
    let (status, sick) = get(&addr, "/api/v1/objects?health=sick").await;
    assert_eq!(status, 400, "{sick}");
    assert_eq!(
        sick["allowed"],
        json!(["healthy", "unknown", "warning", "unhealthy"])
    );
    let (status, typo) = get(&addr, "/api/v1/objects?helth=unhealthy").await;
    assert_eq!(status, 400, "{typo}");
    assert_eq!(
        typo["allowed"],
        json!([
            "kind",
            "namespace",
            "health",
            "grouped",
            "owner",
            "limit",
            "continue"
        ])
    );
    let (status, zero) = get(&addr, "/api/v1/events?limit=0").await;
    assert_eq!(status, 400, "{zero}");
    assert_eq!(zero["allowed"], json!({"min": 1, "max": 1000}));
    for bad in [
        "/api/v1/events?kind=apps/Deployment",
        "/api/v1/events?namespace=Flux",
    ] {
        assert_eq!(get(&addr, bad).await.0, 400, "{bad}");
    }
}

/// Argo CD's ConfigMap with one health customization for a CRD kind.
fn argocd_cm(script: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "namespace": "argocd"},
        "data": {"resource.customizations.health.example.com_Widget": script}})
}

const WIDGET_CHECK: &str = r#"
hs = {status = "Healthy", message = "widget works"}
if obj.status ~= nil and obj.status.broken then
  hs.status = "Degraded"
  hs.message = "widget broken: " .. obj.status.broken
end
return hs
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn argo_cds_config_map_is_read_from_the_cluster_and_followed() {
    let mut types = gitops_resources();
    types.push(herald::fake::ResourceType::new(
        "example.com",
        "v1",
        "Widget",
        "widgets",
        true,
    ));
    let server = FakeApiServer::start(types, Options::default())
        .await
        .unwrap();
    server.apply(argocd_cm(WIDGET_CHECK)).unwrap();
    // The Widget is a child of a Kustomization, so herald watches its kind.
    server
        .apply(json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded"}],
                       "inventory": {"entries": [{"id": "apps_w1_example.com_Widget", "v": "v1"}]}}}))
        .unwrap();
    server
        .apply(json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w1", "namespace": "apps"}, "status": {"broken": "gear missing"}}))
        .unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run_cli_argocd_cm");
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    let config = dir.join("herald.yaml");
    std::fs::write(
        &config,
        "health:\n  argoConfigMapRef: {namespace: argocd, name: argocd-cm}\n",
    )
    .unwrap();
    let args: Vec<std::ffi::OsString> = vec![
        "--config".into(),
        config.into_os_string(),
        "--outbox".into(),
        dir.join("outbox.redb").into_os_string(),
    ];
    let (kc, a) = (kubeconfig.clone(), args.clone());
    let (herald, addr) = tokio::task::spawn_blocking(move || {
        let a: Vec<&std::ffi::OsStr> = a.iter().map(|s| s.as_os_str()).collect();
        herald_run(&kc, &a)
    })
    .await
    .unwrap();
    let path = "/api/v1/objects/example.com/Widget/apps/w1";
    let mut widget = Value::Null;
    for _ in 0..200 {
        let (status, v) = get(&addr, path).await;
        if status == 200 {
            widget = v;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(widget["assessment"]["health"], "unhealthy", "{widget}");
    assert_eq!(
        widget["assessment"]["message"],
        "widget broken: gear missing"
    );
    assert_eq!(
        widget["assessment"]["check"],
        "lua:argocd/argocd-cm: data.resource.customizations.health.example.com_Widget"
    );

    // A new version of the ConfigMap: the Widget is judged by it at its next change.
    server
        .apply(argocd_cm(
            r#"return {status = "Healthy", message = "judged by version 2"}"#,
        ))
        .unwrap();
    let mut version = 0;
    let mut message = Value::Null;
    for _ in 0..400 {
        version += 1;
        server
            .apply(json!({"apiVersion": "example.com/v1", "kind": "Widget",
                "metadata": {"name": "w1", "namespace": "apps"},
                "status": {"broken": "gear missing", "seen": version}}))
            .unwrap();
        message = get(&addr, path).await.1["assessment"]["message"].clone();
        if message == "judged by version 2" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(message, "judged by version 2");
    // A version that does not compile is refused; the running checks stay.
    server.apply(argocd_cm("return {status = ")).unwrap();
    for seen in 0..20 {
        server
            .apply(json!({"apiVersion": "example.com/v1", "kind": "Widget",
                "metadata": {"name": "w1", "namespace": "apps"},
                "status": {"seen": 1000 + seen}}))
            .unwrap();
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let (_, w) = get(&addr, path).await;
    assert_eq!(w["assessment"]["message"], "judged by version 2", "{w}");
    drop(herald);

    // A script that does not compile stops start-up, named by ConfigMap and key.
    server.apply(argocd_cm("hs = {status = ")).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(crate::util::herald_bin())
            .args(["run", "--listen", "127.0.0.1:0"])
            .args(&args)
            .env("KUBECONFIG", &kubeconfig)
            .env("HERALD_HISTORY", crate::util::history_file())
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("argocd/argocd-cm: data.resource.customizations.health.example.com_Widget"),
        "{stderr}"
    );
}

/// Polls `check` every 25 ms until it holds, for at most 30 s.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blind_herald_says_so_and_expected_relists_and_drops_do_not_warn() {
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    let ks = |ready: &str| {
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "Test"}]}})
    };
    server.apply(ks("True")).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run_cli_blind");
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    let (_herald, addr, log) = tokio::task::spawn_blocking(move || {
        crate::util::herald_run_logged(&kubeconfig, &["--not-ready-after".as_ref(), "1s".as_ref()])
    })
    .await
    .unwrap();
    eventually("ready", || async { get(&addr, "/readyz").await.0 == 200 }).await;

    // Dropped connections, again and again: resumed without a word.
    for round in 0..5 {
        server.drop_connections();
        let mut touched = ks("True");
        touched["metadata"]["annotations"] = json!({"round": round.to_string()});
        let rv = server.apply(touched).unwrap().rv.to_string();
        eventually("the change after a drop", || async {
            get(&addr, "/api/v1/objects?kind=Kustomization").await.1["items"][0]["resourceVersion"]
                == rv.as_str()
        })
        .await;
    }
    // A restart that lost the history: every watch gets 410 Gone and relists.
    server.restart();
    server.apply(ks("False")).unwrap();
    eventually("the change after the restart", || async {
        get(&addr, "/api/v1/objects?kind=Kustomization").await.1["items"][0]["assessment"]["health"]
            == "unhealthy"
    })
    .await;
    eventually("410 told", || async {
        log.lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("410 Gone") && l.contains("Kustomization"))
    })
    .await;

    // The API server down: not ready, told by every means, once per watch in the log.
    let errors = "herald_watch_events_total{kind=\"Kustomization\",type=\"error\"}";
    // Failures before (a request that met the restart) are not this outage's.
    let before = metric(&addr, errors).await.unwrap_or(0.0);
    server.set_down(true);
    eventually("/readyz 503", || async {
        get(&addr, "/readyz").await.0 == 503
    })
    .await;
    assert_eq!(metric(&addr, "herald_ready").await, Some(0.0));
    let (_, status) = get(&addr, "/api/v1/status").await;
    assert_eq!(status["ready"], false, "{status}");
    assert_eq!(status["stale"], true, "{status}");
    // Retries with backoff meanwhile: each counted, none told but the first (told once they
    // have gone on for a second: three failures, 0.5 s then 1 s apart, are past it).
    eventually("three failures", || async {
        metric(&addr, errors)
            .await
            .is_some_and(|n| n >= before + 3.0)
    })
    .await;
    server.set_down(false);
    eventually("ready again", || async {
        get(&addr, "/readyz").await.0 == 200
    })
    .await;
    assert_eq!(metric(&addr, "herald_ready").await, Some(1.0));

    let log = log.lock().unwrap().clone();
    let text = log.join("\n");
    let gone: Vec<&String> = log.iter().filter(|l| l.contains("410 Gone")).collect();
    assert!(!gone.is_empty(), "{text}");
    assert!(
        gone.iter().all(|l| l.contains(" INFO ")),
        "410 Gone is expected after a restart: told at info\n{text}"
    );
    let gone_kustomizations = gone.iter().filter(|l| l.contains("Kustomization")).count();
    assert_eq!(gone_kustomizations, 1, "once per kind\n{text}");
    assert!(
        !text.contains("eof in poll") && !text.contains("kube_client"),
        "no raw client lines\n{text}"
    );
    // Each watch told its failure once (the next one after 5 minutes), and told it was back.
    let failed = |kind: &str| {
        log.iter()
            .filter(|l| l.contains(" WARN ") && l.contains("watch failed") && l.contains(kind))
            .count()
    };
    assert_eq!(failed("Kustomization"), 1, "{text}");
    assert!(
        log.iter().all(|l| !l.contains(" WARN ")
            || l.contains("watch failed")
            || l.contains("discovery")),
        "nothing else warned\n{text}"
    );
    assert!(
        log.iter()
            .any(|l| l.contains("watch back") && l.contains("Kustomization")),
        "{text}"
    );
}

/// herald's history is a file: three flips, `kill -9`, a restart, and `/api/v1/changes` still
/// lists them; a deleted object the store forgot answers from it; a short retention empties it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_survives_a_restart_and_respects_its_retention() {
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    let ks = |ready: bool| {
        let (status, reason) = if ready {
            ("True", "ReconciliationSucceeded")
        } else {
            ("False", "BuildFailed")
        };
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": status, "reason": reason, "message": reason}]}})
    };
    server.apply(ks(false)).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run_cli_history");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    let file = dir.join("history.redb");
    let start = |extra: Vec<std::ffi::OsString>| {
        let kubeconfig = kubeconfig.clone();
        let file = file.clone();
        tokio::task::spawn_blocking(move || {
            let mut args: Vec<std::ffi::OsString> = vec!["--history".into(), file.into()];
            args.extend(extra);
            let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
            herald_run(&kubeconfig, &args)
        })
    };
    let transitions = |addr: String| async move {
        let (status, v) = get(&addr, "/api/v1/changes?name=apps&limit=10").await;
        assert_eq!(status, 200, "{v}");
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["type"] == "transition")
            .count()
    };

    let (herald, addr) = start(vec![]).await.unwrap();
    eventually("ready", || async { get(&addr, "/readyz").await.0 == 200 }).await;
    for (n, ready) in [(1, true), (2, false), (3, true)] {
        server.apply(ks(ready)).unwrap();
        eventually(&format!("flip {n} in the history"), || {
            let addr = addr.clone();
            async move { transitions(addr).await == n }
        })
        .await;
    }
    // Synced (within 5 s), then killed without a chance to write anything more.
    eventually("the history synced", || async {
        metric(&addr, "herald_history_unsynced").await == Some(0.0)
    })
    .await;
    drop(herald);

    let (herald, addr) = start(vec![]).await.unwrap();
    eventually("ready again", || async {
        get(&addr, "/readyz").await.0 == 200
    })
    .await;
    let (_, v) = get(
        &addr,
        "/api/v1/changes?kind=Kustomization&namespace=flux-system&name=apps",
    )
    .await;
    let events: Vec<&Value> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| &i["events"][0])
        .collect();
    assert_eq!(
        events,
        [
            &json!("recovered"),
            &json!("unhealthy"),
            &json!("recovered")
        ],
        "newest first, and the restart's first list wrote nothing: {v}"
    );
    assert_eq!(v["items"][0]["to"]["status"], "ReconciliationSucceeded");
    let path = "/api/v1/objects/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps";
    let (_, live) = get(&addr, path).await;
    assert_eq!(live["timeline"].as_array().unwrap().len(), 3, "{live}");
    server
        .delete(
            "kustomize.toolkit.fluxcd.io/v1",
            "Kustomization",
            "flux-system",
            "apps",
        )
        .unwrap();
    eventually("the deletion in the history", || {
        let addr = addr.clone();
        async move { transitions(addr).await == 4 }
    })
    .await;
    eventually("the history synced", || async {
        metric(&addr, "herald_history_unsynced").await == Some(0.0)
    })
    .await;
    drop(herald);

    // After a restart the store never saw the object: it answers from the history.
    let (herald, addr) = start(vec![]).await.unwrap();
    eventually("ready a third time", || async {
        get(&addr, "/readyz").await.0 == 200
    })
    .await;
    let (status, gone) = get(&addr, path).await;
    assert_eq!(status, 200, "{gone}");
    assert_eq!(gone["gone"], true);
    assert!(gone["deletedAt"].is_string(), "{gone}");
    let timeline = gone["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 4, "{gone}");
    assert_eq!(timeline[0]["events"], json!(["deleted"]));
    assert!(
        timeline[0].get("object").is_none(),
        "the object's own records"
    );
    assert_eq!(
        get(
            &addr,
            "/api/v1/objects/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/never"
        )
        .await
        .0,
        404
    );
    drop(herald);

    // A retention of one second: what is older goes.
    let config = dir.join("herald.yaml");
    std::fs::write(&config, "history:\n  retention: 1s\n").unwrap();
    let (_herald, addr) = start(vec![
        "--config".into(),
        config.into(),
        "--outbox".into(),
        dir.join("outbox.redb").into(),
    ])
    .await
    .unwrap();
    eventually("the history emptied by its retention", || async {
        let (_, v) = get(&addr, "/api/v1/changes?name=apps").await;
        v["items"] == json!([])
    })
    .await;
}

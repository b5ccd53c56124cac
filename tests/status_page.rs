//! The status page in a real browser: Debian's Chromium, headless, loads it from `herald run`
//! watching the fake API server, runs its script, and the test reads the DOM it built.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::util::{exchange, herald_run, request, tool};
use herald::fake::{FakeApiServer, Options, gitops_resources};
use serde_json::{Value, json};

/// The DOM Chromium built for `url` once the page's script ran.
fn dom(url: &str, profile: &Path) -> String {
    let bin = tool(&["/usr/bin/chromium", "/usr/local/bin/chromium"]);
    let _ = std::fs::remove_dir_all(profile);
    let out = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Virtual time waits for the page's requests, then runs its script to completion.
            "--virtual-time-budget=4000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .stderr(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed on {url}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The values of `attr` on the elements of the DOM that carry it, in document order.
fn attrs(dom: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    dom.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &dom[i + needle.len()..];
            rest[..rest.find('"').unwrap()].replace("&amp;", "&")
        })
        .collect()
}

/// The inner HTML of the element with id `id` (one without a descendant of its own tag).
fn inner<'a>(dom: &'a str, id: &str) -> &'a str {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in:\n{dom}"));
    let open_end = start + dom[start..].find('>').unwrap() + 1;
    let tag = dom[..start]
        .rsplit('<')
        .next()
        .unwrap()
        .split(' ')
        .next()
        .unwrap();
    let close = open_end + dom[open_end..].find(&format!("</{tag}>")).unwrap();
    &dom[open_end..close]
}

/// The text of the element with id `id` (tags removed).
fn text_of(dom: &str, id: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in inner(dom, id).chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn objects() -> Vec<Value> {
    let ready = |status: &str, reason: &str, message: &str| json!([{"type": "Ready", "status": status, "reason": reason, "message": message}]);
    vec![
        json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "fleet", "namespace": "flux-system"},
            "status": {"artifact": {"revision": "main@sha1:4f1c2a9"},
                "conditions": ready("True", "Succeeded", "stored artifact")}}),
        // Flux calls apps Ready; its Deployment is failing: herald rolls that up.
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "status": {"lastAppliedRevision": "main@sha1:4f1c2a9",
                "conditions": ready("True", "ReconciliationSucceeded", "Applied revision: main@sha1:4f1c2a9"),
                "inventory": {"entries": [{"id": "apps_web_apps_Deployment", "v": "v1"}]}}}),
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "infra", "namespace": "flux-system"},
            "status": {"conditions": [
                {"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "kustomize build failed: <script>alert(1)</script>"},
                {"type": "Stalled", "status": "True", "reason": "BuildFailed", "message": "kustomize build failed: <script>alert(1)</script>"}]}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            // Created long ago: past the start grace in which an unavailable rollout is only
            // starting.
            "metadata": {"name": "web", "namespace": "apps", "generation": 2,
                         "creationTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"replicas": 2},
            "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2,
                "readyReplicas": 0, "availableReplicas": 0, "unavailableReplicas": 2,
                "conditions": [
                    {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                     "message": "ReplicaSet \"web-5c6b1\" has timed out progressing."},
                    {"type": "Available", "status": "False", "reason": "MinimumReplicasUnavailable",
                     "message": "Deployment does not have minimum availability."}]}}),
        // Its ReplicaSet and two Pods, which the list counts under it.
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-5c6b1", "namespace": "apps", "generation": 1,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}]},
            "spec": {"replicas": 2},
            "status": {"observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "availableReplicas": 2}}),
        pod("bulk-10"),
        pod("bulk-2"),
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                       "message": "kubelet is posting ready status"}]}}),
    ]
}

fn pod(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "apps", "creationTimestamp": "2026-11-01T00:00:00Z",
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5c6b1"}]},
        "spec": {"nodeName": "n1", "containers": [{"name": "web", "image": "nginx:1.27"}]},
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0,
                                          "state": {"running": {"startedAt": "2026-11-01T00:00:05Z"}}}]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_shows_the_fleet_and_one_objects_children_and_history_in_chromium() {
    let mut resources = gitops_resources();
    resources.push(herald::fake::events_resource());
    let server = FakeApiServer::start(resources, Options::default())
        .await
        .unwrap();
    for o in objects() {
        server.apply(o).unwrap();
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("status_page");
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    let config = dir.join("herald.yaml");
    std::fs::write(&config, "cluster: staging-eu\n").unwrap();
    let outbox = dir.join("outbox.redb");
    let token = dir.join("page-test");
    std::fs::write(&token, "status-page-token-0123456789\n").unwrap();
    let (_herald, addr) = tokio::task::spawn_blocking(move || {
        let args = [
            "--config".as_ref(),
            config.as_os_str(),
            "--outbox".as_ref(),
            outbox.as_os_str(),
            "--api-token-file".as_ref(),
            token.as_os_str(),
        ];
        herald_run(&kubeconfig, &args)
    })
    .await
    .unwrap();
    // Until herald has rolled the Deployment's trouble up into apps.
    let apps = "/api/v1/objects/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps";
    let mut last = String::new();
    for _ in 0..400 {
        let (status, _, body) = request(&addr, "GET", apps).await;
        last = body;
        if status == 200 && last.contains("\"rolledUpFrom\"") && last.contains("\"unhealthy\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        last.contains("\"rolledUpFrom\""),
        "apps never showed its Deployment's trouble: {last}"
    );

    // A Kubernetes Warning Event about the Deployment: shown on apps, its ancestor.
    server
        .apply(json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "type": "Warning",
            "metadata": {"name": "web.1", "namespace": "apps", "uid": "w1"},
            "reason": "ProgressDeadlineExceeded", "note": "ReplicaSet web-5f has timed out progressing",
            "eventTime": "2026-12-03T05:00:00.000000Z",
            "regarding": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "apps", "name": "web"}}))
        .unwrap();
    let mut warned = false;
    for _ in 0..400 {
        let (_, _, body) = request(&addr, "GET", apps).await;
        if body.contains("ProgressDeadlineExceeded") {
            warned = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(warned, "apps never showed its Deployment's warning");

    // A new generation of the Deployment's spec: a `changed` on its timeline and its
    // Kustomization's.
    let mut web = objects().remove(3);
    web["metadata"]["generation"] = json!(3);
    web["spec"]["minReadySeconds"] = json!(10);
    web["status"]["observedGeneration"] = json!(3);
    server.apply(web).unwrap();
    let mut changed = false;
    for _ in 0..400 {
        let (_, _, body) = request(&addr, "GET", "/api/v1/changes?type=changed").await;
        if body.contains("minReadySeconds") {
            changed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(changed, "no changed record for the Deployment");

    // A new revision of the source: an event the page lists among the latest.
    let mut fleet = objects().remove(0);
    fleet["status"]["artifact"]["revision"] = json!("main@sha1:5e6f7a8");
    server.apply(fleet).unwrap();
    let mut seen = false;
    for _ in 0..400 {
        let (_, _, body) = request(&addr, "GET", "/api/v1/events?event=revision").await;
        if body.contains("fleet") {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(seen, "no revision event for the GitRepository");

    // A silence added through the API, which the page lists.
    let (status, _, body) = exchange(
        &addr,
        "POST",
        "/api/v1/silences",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", "Bearer status-page-token-0123456789"),
        ],
        r#"{"match": {"namespace": "prod-*"}, "events": ["unhealthy"], "for": "2h", "comment": "migration"}"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");

    // The page and its files: served with a policy that loads nothing from elsewhere.
    let (status, head, _) = request(&addr, "GET", "/").await;
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(
        head.contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
    for path in ["/status/app.js", "/status/style.css", "/api/v1/status"] {
        assert_eq!(request(&addr, "GET", path).await.0, 200, "{path}");
    }
    // Read-only: nothing but GET (and the silences API) is accepted.
    for (method, path) in [
        ("POST", "/"),
        ("PUT", "/status"),
        ("DELETE", "/api/v1/objects"),
    ] {
        let (status, _, _) = request(&addr, method, path).await;
        assert!(status == 404 || status == 405, "{method} {path}: {status}");
    }

    let page = format!("http://{addr}/");
    let profile = dir.join("chromium-profile");
    // Until herald has the Pods (the list groups them).
    for _ in 0..400 {
        let (_, _, body) = request(&addr, "GET", "/api/v1/objects?kind=Pod").await;
        if body.contains("bulk-2") && body.contains("bulk-10") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let (list, unhealthy, one, pods, pod, web, node) = tokio::task::spawn_blocking(move || {
        (
            dom(&page, &profile),
            dom(&format!("{page}#/?health=unhealthy"), &profile),
            dom(
                &format!(
                    "{page}#/object/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps"
                ),
                &profile,
            ),
            dom(&format!("{page}#/?kind=Pod"), &profile),
            dom(&format!("{page}#/object/core/Pod/apps/bulk-2"), &profile),
            dom(
                &format!("{page}#/object/apps/Deployment/apps/web"),
                &profile,
            ),
            dom(&format!("{page}#/object/core/Node/_/n1"), &profile),
        )
    })
    .await
    .unwrap();

    // The list: every object, the unhealthy first, the summary counting them.
    assert_eq!(text_of(&list, "cluster"), "cluster staging-eu");
    assert_eq!(text_of(&list, "agent"), "ready");
    let table = inner(&list, "objects");
    let rows = attrs(table, "data-object");
    for o in [
        "Kustomization flux-system/apps",
        "Kustomization flux-system/infra",
        "GitRepository flux-system/fleet",
        "Deployment apps/web",
    ] {
        assert!(rows.iter().any(|r| r == o), "{o} not listed: {rows:?}");
    }
    // Pods and ReplicaSets are counted under their Deployment, not listed beside it.
    assert!(
        !rows
            .iter()
            .any(|r| r.starts_with("Pod ") || r.starts_with("ReplicaSet ")),
        "{rows:?}"
    );
    assert_eq!(
        attrs(table, "data-grouped"),
        ["Pod:2,ReplicaSet:1"],
        "the Deployment counts them: {table}"
    );
    assert!(text_of(&list, "objects").contains("▸ 2 Pods, 1 ReplicaSet"));
    let healths = attrs(table, "data-health");
    assert_eq!(healths.len(), rows.len(), "{healths:?} {rows:?}");
    let first_healthy = healths.iter().position(|h| h == "healthy").unwrap();
    assert!(
        healths[..first_healthy].iter().all(|h| h == "unhealthy")
            && healths[first_healthy..].iter().all(|h| h == "healthy"),
        "unhealthy first: {healths:?} {rows:?}"
    );
    assert_eq!(
        first_healthy, 3,
        "apps (rolled up), infra and web: {rows:?}"
    );
    let summary = text_of(&list, "summary");
    assert!(summary.contains("3unhealthy"), "{summary}");
    assert!(text_of(&list, "shown").contains(&format!("{} of {}", rows.len(), rows.len())));
    // What the API says is shown as text: markup in a message is not markup on the page.
    assert!(list.contains("kustomize build failed: &lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!list.contains("<script>alert(1)"));

    // The latest events: the new revision, linked to its object.
    let latest = inner(&list, "latest");
    assert_eq!(
        attrs(latest, "data-event"),
        ["revision", "changed"],
        "{latest}"
    );
    assert!(
        latest
            .contains("href=\"#/object/source.toolkit.fluxcd.io/GitRepository/flux-system/fleet\""),
        "{latest}"
    );

    // The active silence.
    let silences = text_of(&list, "silence-list");
    assert!(silences.contains("namespace prod-*unhealthy"), "{silences}");
    assert!(silences.contains("migration"), "{silences}");

    // The filtered list: only the unhealthy.
    let filtered = attrs(inner(&unhealthy, "objects"), "data-object");
    assert_eq!(filtered.len(), 3, "{filtered:?}");
    assert!(
        !filtered
            .iter()
            .any(|r| r == "GitRepository flux-system/fleet")
    );

    // One object: its rolled-up health, the child behind it, and its history.
    assert_eq!(
        attrs(&one, "data-object").first().map(String::as_str),
        Some("Kustomization flux-system/apps")
    );
    assert!(
        one.contains(
            "id=\"object\" data-object=\"Kustomization flux-system/apps\" data-health=\"unhealthy\""
        ),
        "{one}"
    );
    let children = text_of(&one, "children");
    assert!(
        children.contains("unhealthyDeployment apps/web"),
        "{children}"
    );
    // Each child it was rolled up from, with its verdict: health, ready, status, message.
    let from = text_of(&one, "rolled-up-from");
    assert!(
        from.contains("unhealthyDeployment apps/webnoRollout Failed0/2 ready"),
        "{from}"
    );
    assert_eq!(
        attrs(inner(&one, "rolled-up-from"), "data-health"),
        ["unhealthy"]
    );
    let warnings = text_of(&one, "warnings");
    assert!(
        warnings.contains("Deployment apps/webProgressDeadlineExceeded1ReplicaSet web-5f has timed out progressing"),
        "{warnings}"
    );
    // Its timeline: the Deployment's spec change, below it.
    let timeline = inner(&one, "timeline");
    assert!(
        attrs(timeline, "data-type").iter().any(|t| t == "changed"),
        "{timeline}"
    );
    let text = text_of(&one, "timeline");
    assert!(
        text.contains("Deployment apps/web") && text.contains("spec.minReadySeconds"),
        "{text}"
    );
    let history = text_of(&one, "transitions");
    // The rolled-up health is said to be the children's, the status the object's own.
    assert!(
        history.contains("unhealthy from its children (own: ready, ReconciliationSucceeded)"),
        "{history}"
    );
    assert!(
        !one.contains(">null<") && !one.contains("null<h3"),
        "stray null: {one}"
    );

    // Looking at Pods lists them, in the order people count: bulk-2 before bulk-10.
    assert_eq!(
        attrs(inner(&pods, "objects"), "data-object"),
        ["Pod apps/bulk-2", "Pod apps/bulk-10"]
    );
    // A Pod's tree: the path down to it from the Kustomization that applied its Deployment.
    let tree = text_of(&pod, "tree");
    assert!(
        tree.starts_with(
            "Kustomization flux-system/apps › Deployment apps/web › ReplicaSet apps/web-5c6b1 › Pod apps/bulk-2"
        ),
        "{tree}"
    );
    assert!(
        inner(&pod, "tree").contains(
            "href=\"#/object/kustomize.toolkit.fluxcd.io/Kustomization/flux-system/apps\""
        ),
        "{pod}"
    );
    // It runs on Node n1, linked.
    assert!(
        inner(&pod, "tree").contains("href=\"#/object/core/Node/_/n1\""),
        "{pod}"
    );
    assert!(
        text_of(&pod, "tree").contains("Pod apps/bulk-2 on Node n1"),
        "{pod}"
    );
    assert!(text_of(&pod, "node").contains("Node n1"), "{pod}");
    // The Node's page: the Kustomization whose Pods run there.
    let hosts = text_of(&node, "hosts");
    assert!(hosts.contains("Kustomization flux-system/apps"), "{hosts}");
    assert!(
        text_of(&node, "node-pods").contains("Pod apps/bulk-10"),
        "{node}"
    );
    // The Deployment's tree goes down to its Pods, sorted naturally.
    let below = attrs(inner(&web, "tree"), "data-object");
    assert_eq!(
        below,
        [
            "Deployment apps/web",
            "ReplicaSet apps/web-5c6b1",
            "Pod apps/bulk-2",
            "Pod apps/bulk-10"
        ],
        "{web}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_page_says_when_herald_is_blind() {
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    for o in objects() {
        server.apply(o).unwrap();
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("status_page_blind");
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    let (_herald, addr) = tokio::task::spawn_blocking(move || {
        herald_run(&kubeconfig, &["--not-ready-after".as_ref(), "1s".as_ref()])
    })
    .await
    .unwrap();
    let ready = |want: u16| {
        let addr = addr.clone();
        async move {
            for _ in 0..1200 {
                if request(&addr, "GET", "/readyz").await.0 == want {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(25)).await;
            }
            panic!("/readyz never answered {want}");
        }
    };
    ready(200).await;
    let url = format!("http://{addr}/");
    let profile = dir.join("chromium");
    let page = {
        let (url, profile) = (url.clone(), profile.clone());
        tokio::task::spawn_blocking(move || dom(&url, &profile))
            .await
            .unwrap()
    };
    assert_eq!(text_of(&page, "agent"), "ready");
    assert!(
        page.contains("id=\"stale\" role=\"alert\" hidden"),
        "{page}"
    );

    // The API server goes down: the page says herald is blind and which watches are down.
    server.set_down(true);
    ready(503).await;
    let page = tokio::task::spawn_blocking(move || dom(&url, &profile))
        .await
        .unwrap();
    assert_eq!(text_of(&page, "agent"), "blind: data may be stale");
    let stale = text_of(&page, "stale");
    assert!(stale.starts_with("Stale data: "), "{stale}");
    assert!(
        stale.contains("Kustomization (all namespaces): down since"),
        "{stale}"
    );
    assert!(
        stale.contains("the server is restarting"),
        "the last error: {stale}"
    );
}

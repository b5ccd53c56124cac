//! The fake API server through kube-rs, the client herald uses: if kube can tell it from a real
//! API server for what herald needs, these tests fail.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use herald::fake::{FakeApiServer, Options, gitops_resources};
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, ResourceExt, WatchEvent,
    WatchParams,
};
use kube::runtime::watcher::{self, Event};
use serde_json::json;

async fn server() -> FakeApiServer {
    let options = Options {
        bookmark_interval: Duration::from_millis(50),
        ..Options::default()
    };
    FakeApiServer::start(gitops_resources(), options)
        .await
        .unwrap()
}

fn client(s: &FakeApiServer) -> kube::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = kube::Config::new(s.url().parse().unwrap());
    kube::Client::try_from(config).unwrap()
}

fn kustomizations(c: &kube::Client) -> Api<DynamicObject> {
    let gvk = GroupVersionKind::gvk("kustomize.toolkit.fluxcd.io", "v1", "Kustomization");
    Api::all_with(c.clone(), &ApiResource::from_gvk(&gvk))
}

fn ks(name: &str, ready: &str) -> serde_json::Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": name, "namespace": "flux-system", "labels": {"team": if name.starts_with('a') { "a" } else { "b" }}},
           "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "R"}]}})
}

/// Waits for the next watcher event, failing the test after a generous bound.
async fn next<S>(stream: &mut S) -> Event<DynamicObject>
where
    S: futures::Stream<Item = Result<Event<DynamicObject>, watcher::Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(Duration::from_secs(20), stream.next()).await {
            Ok(Some(Ok(e))) => return e,
            Ok(Some(Err(_))) => continue, // the watcher retries on its own
            Ok(None) => panic!("watch stream ended"),
            Err(_) => panic!("no watch event within 20 s"),
        }
    }
}

#[tokio::test]
async fn discovery_finds_flux_and_argo_kinds() {
    let s = server().await;
    let d = kube::discovery::Discovery::new(client(&s))
        .run()
        .await
        .unwrap();
    let groups: Vec<String> = d.groups().map(|g| g.name().to_string()).collect();
    for g in ["kustomize.toolkit.fluxcd.io", "argoproj.io", "apps", ""] {
        assert!(groups.iter().any(|n| n == g), "{g} missing from {groups:?}");
    }
    let (ar, caps) = d
        .groups()
        .find(|g| g.name() == "kustomize.toolkit.fluxcd.io")
        .unwrap()
        .recommended_kind("Kustomization")
        .unwrap();
    assert_eq!(ar.plural, "kustomizations");
    assert!(caps.supports_operation("watch"));
}

#[tokio::test]
async fn lists_page_with_limit_and_continue_and_select_labels() {
    let s = server().await;
    for i in 0..5 {
        s.apply(ks(&format!("app-{i}"), "True")).unwrap();
    }
    s.apply(ks("b-only", "True")).unwrap();
    let api = kustomizations(&client(&s));
    let first = api.list(&ListParams::default().limit(2)).await.unwrap();
    assert_eq!(first.items.len(), 2);
    let token = first.metadata.continue_.clone().expect("a continue token");
    let second = api
        .list(&ListParams::default().limit(10).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(second.items.len(), 4);
    // A continued list is the first page's snapshot: what is written since (after the cursor,
    // or changed there) is left out of the later pages, and a watch from the list's
    // resourceVersion brings it.
    let first = api.list(&ListParams::default().limit(2)).await.unwrap();
    let token = first.metadata.continue_.clone().unwrap();
    let rv = first.metadata.resource_version.clone().unwrap();
    s.apply(ks("c-new", "True")).unwrap();
    s.apply(ks("b-only", "False")).unwrap();
    let second = api
        .list(&ListParams::default().limit(10).continue_token(&token))
        .await
        .unwrap();
    let names: Vec<_> = second.items.iter().map(|o| o.name_any()).collect();
    assert_eq!(
        names,
        ["app-2", "app-3", "app-4"],
        "the snapshot's, less the changed"
    );
    assert_eq!(
        second.metadata.resource_version.as_deref(),
        Some(rv.as_str())
    );
    let mut events = std::pin::pin!(api.watch(&WatchParams::default(), &rv).await.unwrap());
    let mut seen = Vec::new();
    while seen.len() < 2 {
        match events.next().await.unwrap().unwrap() {
            WatchEvent::Added(o) | WatchEvent::Modified(o) => seen.push(o.name_any()),
            _ => {}
        }
    }
    assert_eq!(seen, ["c-new", "b-only"]);
    let selected = api
        .list(&ListParams::default().labels("team=a"))
        .await
        .unwrap();
    assert_eq!(selected.items.len(), 5);
    s.compact();
    let expired = api
        .list(&ListParams::default().limit(10).continue_token(&token))
        .await
        .unwrap_err();
    assert!(
        expired.to_string().contains("410") || expired.to_string().contains("too old"),
        "{expired}"
    );
}

#[tokio::test]
async fn generation_counts_spec_changes_unless_given() {
    let s = server().await;
    let api = kustomizations(&client(&s));
    let generation = async |name: &str| {
        let listed = api.list(&ListParams::default()).await.unwrap();
        listed
            .items
            .into_iter()
            .find(|o| o.metadata.name.as_deref() == Some(name))
            .and_then(|o| o.metadata.generation)
    };
    let mut app = ks("app", "True");
    app["spec"] = json!({"path": "./a"});
    s.apply(app.clone()).unwrap();
    assert_eq!(generation("app").await, Some(1), "1 on create");
    app["status"]["conditions"][0]["status"] = json!("False");
    s.apply(app.clone()).unwrap();
    assert_eq!(generation("app").await, Some(1), "a status update keeps it");
    app["spec"]["path"] = json!("./b");
    s.apply(app.clone()).unwrap();
    assert_eq!(generation("app").await, Some(2), "a spec change adds one");
    app["metadata"]["generation"] = json!(7);
    s.apply(app.clone()).unwrap();
    assert_eq!(generation("app").await, Some(7), "a given one is kept");
    app["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("generation");
    app["spec"]["path"] = json!("./c");
    s.apply(app).unwrap();
    assert_eq!(generation("app").await, Some(8), "counted on from the last");
}

#[tokio::test]
async fn a_watcher_follows_changes_through_drops_and_410() {
    let s = server().await;
    s.apply(ks("apps", "Unknown")).unwrap();
    let api = kustomizations(&client(&s));
    let mut stream = watcher::watcher(api, watcher::Config::default().any_semantic()).boxed();
    // The initial list.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    loop {
        match next(&mut stream).await {
            Event::InitApply(o) | Event::Apply(o) => {
                seen.insert(
                    o.metadata.name.clone().unwrap(),
                    o.metadata.resource_version.clone().unwrap(),
                );
            }
            Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(seen.len(), 1);

    // A change is seen.
    s.apply(ks("apps", "True")).unwrap();
    match next(&mut stream).await {
        Event::Apply(o) => assert_eq!(o.data["status"]["conditions"][0]["status"], "True"),
        other => panic!("expected an update, got {other:?}"),
    }

    // Connections dropped: the watcher resumes and the next change still arrives.
    s.drop_connections();
    s.apply(ks("infra", "True")).unwrap();
    loop {
        if let Event::Apply(o) = next(&mut stream).await
            && o.metadata.name.as_deref() == Some("infra")
        {
            break;
        }
    }

    // History lost: a watch resuming from before it gets 410 and relists. (If the live stream
    // delivered the deletion and the newcomer before the cut, it resumes without a relist; the
    // view must come out the same either way.)
    s.delete(
        "kustomize.toolkit.fluxcd.io/v1",
        "Kustomization",
        "flux-system",
        "apps",
    )
    .unwrap();
    s.restart();
    s.apply(ks("late", "True")).unwrap();
    let mut names: std::collections::BTreeSet<String> =
        ["apps", "infra"].iter().map(|n| n.to_string()).collect();
    let mut buffer: Option<std::collections::BTreeSet<String>> = None;
    let want: std::collections::BTreeSet<String> =
        ["infra", "late"].iter().map(|n| n.to_string()).collect();
    while buffer.is_some() || names != want {
        match next(&mut stream).await {
            Event::Init => buffer = Some(Default::default()),
            Event::InitApply(o) => {
                if let Some(b) = buffer.as_mut() {
                    b.insert(o.metadata.name.clone().unwrap());
                }
            }
            Event::InitDone => names = buffer.take().unwrap_or_default(),
            Event::Apply(o) => {
                names.insert(o.metadata.name.clone().unwrap());
            }
            Event::Delete(o) => {
                names.remove(o.metadata.name.as_deref().unwrap());
            }
        }
    }
}

#[tokio::test]
async fn watch_streams_carry_bookmarks() {
    let s = server().await;
    s.apply(ks("apps", "True")).unwrap();
    let api = kustomizations(&client(&s));
    let rv = api
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let wp = kube::api::WatchParams::default().timeout(30);
    let mut events = api.watch(&wp, &rv).await.unwrap().boxed();
    let e = tokio::time::timeout(Duration::from_secs(20), events.try_next())
        .await
        .expect("a bookmark")
        .unwrap()
        .unwrap();
    assert!(matches!(e, kube::api::WatchEvent::Bookmark(_)), "{e:?}");
}

// Writes: what leader election and hand-over state need, as the real API server does them.

use herald::fake::WriteFault;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::{DeleteParams, Patch, PatchParams, PostParams, Preconditions};

use crate::util::{client_as, exchange};

fn lease(name: &str, holder: &str) -> Lease {
    serde_json::from_value(
        json!({"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": name, "namespace": "herald"},
        "spec": {"holderIdentity": holder, "leaseDurationSeconds": 15}}),
    )
    .unwrap()
}

fn api_error(e: kube::Error) -> kube::core::Status {
    match e {
        kube::Error::Api(s) => *s,
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn kube_creates_replaces_and_deletes_a_lease_with_optimistic_concurrency() {
    let s = server().await;
    let leases: Api<Lease> = Api::namespaced(client(&s), "herald");
    let pp = PostParams::default();
    let created = leases.create(&pp, &lease("herald", "a")).await.unwrap();
    let rv1 = created.metadata.resource_version.clone().unwrap();
    assert!(created.metadata.uid.is_some() && created.metadata.creation_timestamp.is_some());

    let e = api_error(leases.create(&pp, &lease("herald", "b")).await.unwrap_err());
    assert!(e.is_already_exists(), "{e:?}");
    assert_eq!(e.code, 409);

    let mut renewed = leases.get("herald").await.unwrap();
    assert_eq!(renewed, created);
    renewed.spec.as_mut().unwrap().lease_transitions = Some(1);
    let renewed = leases.replace("herald", &pp, &renewed).await.unwrap();
    assert_ne!(
        renewed.metadata.resource_version.as_deref(),
        Some(rv1.as_str())
    );
    assert_eq!(renewed.metadata.uid, created.metadata.uid);

    // Another candidate writes from the version it read before the renewal: refused.
    let mut stale = created.clone();
    stale.spec.as_mut().unwrap().holder_identity = Some("b".into());
    let e = api_error(leases.replace("herald", &pp, &stale).await.unwrap_err());
    assert!(e.is_conflict(), "{e:?}");
    assert_eq!(
        e.message,
        "Operation cannot be fulfilled on leases.coordination.k8s.io \"herald\": the object has \
         been modified; please apply your changes to the latest version and try again"
    );
    let details = e.details.unwrap();
    assert_eq!(
        (
            details.name.as_str(),
            details.group.as_str(),
            details.kind.as_str()
        ),
        ("herald", "coordination.k8s.io", "leases")
    );

    // A merge patch without a version is unconditional.
    let patched = leases
        .patch(
            "herald",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"holderIdentity": "b"}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.spec.unwrap().holder_identity.as_deref(), Some("b"));

    let stale_delete = DeleteParams {
        preconditions: Some(Preconditions {
            resource_version: Some(rv1),
            uid: None,
        }),
        ..DeleteParams::default()
    };
    let e = api_error(leases.delete("herald", &stale_delete).await.unwrap_err());
    assert!(e.is_conflict(), "{e:?}");
    leases
        .delete("herald", &DeleteParams::default())
        .await
        .unwrap();
    let e = api_error(leases.get("herald").await.unwrap_err());
    assert!(e.is_not_found(), "{e:?}");
    let e = api_error(
        leases
            .delete("herald", &DeleteParams::default())
            .await
            .unwrap_err(),
    );
    assert_eq!((e.code, e.reason.as_str()), (404, "NotFound"));
}

#[tokio::test]
async fn writes_reach_watchers_and_lists() {
    let s = server().await;
    let maps: Api<ConfigMap> = Api::namespaced(client(&s), "herald");
    let rv = maps
        .list(&ListParams::default())
        .await
        .unwrap()
        .metadata
        .resource_version
        .unwrap();
    let mut events = maps
        .watch(&WatchParams::default().timeout(30), &rv)
        .await
        .unwrap()
        .boxed();
    // The next event that is not a bookmark (the server sends those when it likes).
    let mut next = async || loop {
        let e = tokio::time::timeout(Duration::from_secs(20), events.try_next())
            .await
            .expect("a watch event")
            .unwrap()
            .unwrap();
        if !matches!(e, WatchEvent::Bookmark(_)) {
            return e;
        }
    };
    let state: ConfigMap = serde_json::from_value(json!({"metadata": {"name": "handover"},
        "data": {"cursor": "1"}}))
    .unwrap();
    let pp = PostParams::default();
    let created = maps.create(&pp, &state).await.unwrap();
    match next().await {
        WatchEvent::Added(o) => assert_eq!(
            o.metadata.resource_version,
            created.metadata.resource_version
        ),
        other => panic!("expected ADDED, got {other:?}"),
    }
    // ConfigMaps may be replaced without a version (the real server's unconditional update).
    let mut moved = state.clone();
    moved.data = Some([("cursor".to_string(), "2".to_string())].into());
    let replaced = maps.replace("handover", &pp, &moved).await.unwrap();
    match next().await {
        WatchEvent::Modified(o) => assert_eq!(o.data.unwrap()["cursor"], "2"),
        other => panic!("expected MODIFIED, got {other:?}"),
    }
    let listed = maps.list(&ListParams::default()).await.unwrap();
    assert_eq!(listed.items, vec![replaced.clone()]);
    assert_eq!(
        listed.metadata.resource_version,
        replaced.metadata.resource_version
    );
    maps.delete("handover", &DeleteParams::default())
        .await
        .unwrap();
    match next().await {
        WatchEvent::Deleted(o) => assert_eq!(o.metadata.name.as_deref(), Some("handover")),
        other => panic!("expected DELETED, got {other:?}"),
    }
    assert!(
        maps.list(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn refusals_carry_the_real_status_body() {
    let s = server().await;
    let addr = s.url().trim_start_matches("http://").to_string();
    let json = [("Content-Type", "application/json")];
    let path = "/apis/coordination.k8s.io/v1/namespaces/herald/leases";
    let body = r#"{"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"herald"},"spec":{"holderIdentity":"a"}}"#;
    let (code, _, created) = exchange(&addr, "POST", path, &json, body).await;
    assert_eq!(code, 201, "{created}");
    let created: serde_json::Value = serde_json::from_str(&created).unwrap();
    let mut stale = created.clone();
    stale["metadata"]["resourceVersion"] = json!("1");
    let (code, head, refused) = exchange(
        &addr,
        "PUT",
        &format!("{path}/herald"),
        &json,
        &stale.to_string(),
    )
    .await;
    assert_eq!(code, 409);
    assert!(head.contains("content-type: application/json"), "{head}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&refused).unwrap(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "Operation cannot be fulfilled on leases.coordination.k8s.io \"herald\": the object has been modified; please apply your changes to the latest version and try again",
               "reason": "Conflict", "code": 409,
               "details": {"name": "herald", "group": "coordination.k8s.io", "kind": "leases"}})
    );
    // A Lease cannot be updated without a version (unlike a ConfigMap).
    stale["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    let (code, _, invalid) = exchange(
        &addr,
        "PUT",
        &format!("{path}/herald"),
        &json,
        &stale.to_string(),
    )
    .await;
    assert_eq!(code, 422, "{invalid}");
    let invalid: serde_json::Value = serde_json::from_str(&invalid).unwrap();
    assert_eq!(invalid["reason"], "Invalid");
    assert_eq!(
        invalid["message"],
        "leases.coordination.k8s.io \"herald\" is invalid: metadata.resourceVersion: Invalid \
         value: 0x0: must be specified for an update"
    );
    // The name in the body must be the URL's.
    let (code, _, _) = exchange(
        &addr,
        "PUT",
        &format!("{path}/other"),
        &json,
        &created.to_string(),
    )
    .await;
    assert_eq!(code, 400);
    let (code, _, missing) = exchange(
        &addr,
        "DELETE",
        "/api/v1/namespaces/herald/configmaps/none",
        &[],
        "",
    )
    .await;
    assert_eq!(code, 404);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&missing).unwrap(),
        json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
               "message": "configmaps \"none\" not found", "reason": "NotFound", "code": 404,
               "details": {"name": "none", "kind": "configmaps"}})
    );
    // Kinds herald only reads stay read-only.
    let (code, _, _) = exchange(
        &addr,
        "POST",
        "/apis/apps/v1/namespaces/herald/deployments",
        &json,
        "{}",
    )
    .await;
    assert_eq!(code, 405);
}

#[tokio::test]
async fn bodies_are_bounded_and_must_be_objects_of_the_kind() {
    let s = server().await;
    let addr = s.url().trim_start_matches("http://").to_string();
    let json = [("Content-Type", "application/json")];
    let path = "/api/v1/namespaces/herald/configmaps";
    let huge = format!(
        r#"{{"metadata":{{"name":"huge"}},"data":{{"k":"{}"}}}}"#,
        "x".repeat(herald::fake::MAX_REQUEST_BODY_BYTES)
    );
    let (code, _, body) = exchange(&addr, "POST", path, &json, &huge).await;
    assert_eq!(code, 413);
    assert!(
        body.contains("Request entity too large: limit is 3145728"),
        "{body}"
    );
    // Under the request limit but over a ConfigMap's 1 MiB of data.
    let big = format!(
        r#"{{"metadata":{{"name":"big"}},"data":{{"k":"{}"}}}}"#,
        "x".repeat(2 << 20)
    );
    let (code, _, body) = exchange(&addr, "POST", path, &json, &big).await;
    assert_eq!(code, 422);
    assert!(
        body.contains(
            r#"ConfigMap \"big\" is invalid: []: Too long: may not be more than 1048576 bytes"#
        ),
        "{body}"
    );
    for bad in [
        "not json",
        "[1]",
        r#"{"kind":"Lease","metadata":{"name":"x"}}"#,
    ] {
        let (code, _, body) = exchange(&addr, "POST", path, &json, bad).await;
        assert_eq!(code, 400, "{bad}: {body}");
    }
    let (code, _, body) = exchange(&addr, "POST", path, &json, r#"{"metadata":{}}"#).await;
    assert_eq!(code, 422, "{body}");
    let (code, _, _) = exchange(
        &addr,
        "POST",
        path,
        &[("Content-Type", "application/yaml")],
        "a: b",
    )
    .await;
    assert_eq!(code, 415);
    assert!(s.snapshot().iter().all(|o| o.1 != "ConfigMap"));
}

#[tokio::test]
async fn one_clients_writes_fail_while_its_reads_and_others_writes_work() {
    let s = server().await;
    let leader: Api<Lease> = Api::namespaced(client_as(&s, "herald-0").await, "herald");
    let other: Api<Lease> = Api::namespaced(client_as(&s, "herald-1").await, "herald");
    let pp = PostParams::default();
    let held = leader
        .create(&pp, &lease("herald", "herald-0"))
        .await
        .unwrap();

    s.fail_writes_from("herald-0", true);
    let e = api_error(leader.replace("herald", &pp, &held).await.unwrap_err());
    assert_eq!((e.code, e.reason.as_str()), (503, "ServiceUnavailable"));
    assert_eq!(leader.get("herald").await.unwrap(), held);
    // The other candidate takes the lease over meanwhile.
    let mut taken = held.clone();
    taken.spec.as_mut().unwrap().holder_identity = Some("herald-1".into());
    let taken = other.replace("herald", &pp, &taken).await.unwrap();

    s.set_write_fault("herald-0", Some(WriteFault::Internal));
    let e = api_error(leader.replace("herald", &pp, &held).await.unwrap_err());
    assert_eq!(
        (e.code, e.message.as_str()),
        (500, "etcdserver: leader changed")
    );

    s.set_write_fault("herald-0", Some(WriteFault::Forbidden));
    let e = api_error(leader.replace("herald", &pp, &held).await.unwrap_err());
    assert!(e.is_forbidden(), "{e:?}");
    assert_eq!(
        e.message,
        "leases.coordination.k8s.io \"herald\" is forbidden: User \"herald-0\" cannot update \
         resource \"leases\" in API group \"coordination.k8s.io\" in the namespace \"herald\""
    );

    s.set_write_fault("herald-0", Some(WriteFault::Hang));
    let hung = tokio::time::timeout(
        Duration::from_millis(300),
        leader.replace("herald", &pp, &held),
    )
    .await;
    assert!(hung.is_err(), "a hung write answered: {hung:?}");
    s.drop_connections();

    // A write that lands although its client hears a timeout.
    s.set_write_fault("herald-1", Some(WriteFault::TimeoutAfterCommit));
    let mut renewed = taken.clone();
    renewed.spec.as_mut().unwrap().lease_transitions = Some(7);
    let e = api_error(other.replace("herald", &pp, &renewed).await.unwrap_err());
    assert_eq!((e.code, e.reason.as_str()), (504, "Timeout"));
    s.set_write_fault("herald-1", None);
    let taken = other.get("herald").await.unwrap();
    assert_eq!(taken.spec.as_ref().unwrap().lease_transitions, Some(7));

    // Writes work again: the old leader's stale renewal now meets the newer holder.
    s.fail_writes_from("herald-0", false);
    let e = api_error(leader.replace("herald", &pp, &held).await.unwrap_err());
    assert!(e.is_conflict(), "{e:?}");
    assert_eq!(leader.get("herald").await.unwrap(), taken);
}

#[tokio::test]
async fn serves_nodes_and_volumes_cluster_wide_and_claims_by_namespace() {
    let s = server().await;
    let c = client(&s);
    let d = kube::discovery::Discovery::new(c.clone())
        .filter(&[""])
        .run()
        .await
        .unwrap();
    let core = d.groups().find(|g| g.name().is_empty()).unwrap();
    for (kind, namespaced) in [
        ("Node", false),
        ("PersistentVolume", false),
        ("PersistentVolumeClaim", true),
    ] {
        let (_, caps) = core.recommended_kind(kind).expect(kind);
        assert_eq!(
            caps.scope == kube::discovery::Scope::Namespaced,
            namespaced,
            "{kind}"
        );
        assert!(caps.supports_operation("watch"), "{kind}");
    }
    s.apply(
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"},
        "status": {"conditions": [{"type": "Ready", "status": "True"}]}}),
    )
    .unwrap();
    s.apply(json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-1"}}))
        .unwrap();
    s.apply(json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "apps"}, "spec": {"volumeName": "pv-1"}}))
        .unwrap();
    let api = |kind: &str| {
        Api::<DynamicObject>::all_with(
            c.clone(),
            &ApiResource::from_gvk(&GroupVersionKind::gvk("", "v1", kind)),
        )
    };
    let nodes = api("Node").list(&ListParams::default()).await.unwrap();
    assert_eq!(nodes.items.len(), 1);
    assert_eq!(nodes.items[0].metadata.namespace, None);
    let pvs = api("PersistentVolume")
        .list(&ListParams::default())
        .await
        .unwrap();
    assert_eq!(pvs.items[0].metadata.name.as_deref(), Some("pv-1"));
    let gvk = GroupVersionKind::gvk("", "v1", "PersistentVolumeClaim");
    let claims: Api<DynamicObject> =
        Api::namespaced_with(c.clone(), "apps", &ApiResource::from_gvk(&gvk));
    let claim = claims.get("data").await.unwrap();
    assert_eq!(claim.data["spec"]["volumeName"], "pv-1");
}

//! The fake API server through kube-rs, the client herald uses: if kube can tell it from a real
//! API server for what herald needs, these tests fail.

use std::collections::BTreeMap;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use herald::fake::{FakeApiServer, Options, gitops_resources};
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind, ListParams};
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

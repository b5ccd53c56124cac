//! The pipeline on tokio's paused clock, with a scripted receiver.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::{Value, json};

use super::*;
use crate::clock::TokioClock;
use crate::health::assess;
use crate::relations::Links;
use crate::store::{DEFAULT_RETENTION, Meta, Observed};

const CONFIG: &str = r#"
cluster: test
receivers:
  - {name: hook, webhook: {url: "http://127.0.0.1:1/"}}
routes:
  - match: {kind: Kustomization}
    events: [unhealthy, recovered]
    receivers: [hook]
    waitFor: 2m
  - match: {kind: HelmRelease}
    receivers: [hook]
silences:
  - match: {namespace: quiet}
    until: 2100-01-01T00:00:00Z
delivery: {retryInitial: 1s, retryMax: 10s}
"#;

/// What the receiver saw: (event, object name).
type Seen = Arc<Mutex<Vec<(EventKind, String)>>>;

/// A receiver that answers from a script (then `Delivered` forever) and records what it took.
fn scripted(script: Vec<Outcome>) -> (Deliver, Seen) {
    let seen: Seen = Arc::default();
    let script = Arc::new(Mutex::new(std::collections::VecDeque::from(script)));
    let s = Arc::clone(&seen);
    let deliver: Deliver = Arc::new(move |_r, n: Notification| {
        let outcome = script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Outcome::Delivered);
        if outcome == Outcome::Delivered {
            s.lock()
                .unwrap()
                .push((n.event.kind, n.event.object.name.to_string()));
        }
        Box::pin(async move { outcome })
    });
    (deliver, seen)
}

struct Harness {
    store: Arc<RwLock<Store>>,
    tx: mpsc::UnboundedSender<Transition>,
    notifier: Arc<Notifier>,
    clock: Arc<TokioClock>,
    metrics: Arc<Metrics>,
}

fn outbox_path(name: &str) -> PathBuf {
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(|| crate::remove_ended_runs_files("herald-notify-"));
    let dir = std::env::temp_dir().join(format!("herald-notify-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("outbox.redb")
}

fn start_with(path: &Path, deliver: Deliver) -> Harness {
    start_config(CONFIG, path, deliver)
}

fn start_config(config: &str, path: &Path, deliver: Deliver) -> Harness {
    start_history(config, path, deliver, None)
}

fn start_history(
    config: &str,
    path: &Path,
    deliver: Deliver,
    history: Option<Arc<crate::history::History>>,
) -> Harness {
    let config = Arc::new(crate::config::parse(config, Path::new("t.yaml")).unwrap());
    let mut store = Store::new(DEFAULT_RETENTION);
    store.history = history;
    let store = Arc::new(RwLock::new(store));
    let (tx, rx) = mpsc::unbounded_channel();
    let clock = Arc::new(TokioClock::new("2026-11-23T12:00:00Z".parse().unwrap()));
    let outbox = Arc::new(Outbox::open(path).unwrap());
    let metrics = Arc::new(Metrics::new());
    let notifier = start(
        config,
        Arc::clone(&store),
        rx,
        outbox,
        deliver,
        Arc::clone(&clock) as Arc<dyn Clock>,
        Arc::clone(&metrics),
    );
    Harness {
        store,
        tx,
        notifier,
        clock,
        metrics,
    }
}

fn object(kind: &str, ns: &str, name: &str, ready: &str) -> Value {
    let group = if kind == "HelmRelease" {
        "helm.toolkit.fluxcd.io/v2"
    } else {
        "kustomize.toolkit.fluxcd.io/v1"
    };
    json!({"apiVersion": group, "kind": kind, "metadata": {"name": name, "namespace": ns},
           "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "R", "message": "m"}]}})
}

impl Harness {
    /// Applies an object to the store and hands its transitions to the notifier.
    fn apply(&self, obj: Value, initial: bool) {
        let key = ObjectKey::of(&obj).unwrap();
        let now = self.clock.now();
        let a = assess(&obj, now);
        let links = Links::of(&obj, &key);
        let seen = Observed {
            key,
            resource_version: "1".into(),
            links,
            meta: Meta::of(&obj),
            assessment: a,
            initial,
            compat: None,
            spec: None,
            images: Vec::new(),
        };
        let ts = self.store.write().unwrap().apply(seen, now);
        for t in ts {
            self.tx.send(t).unwrap();
        }
    }

    /// Moves the paused clock on, then lets everything due run.
    async fn advance(&self, by: Duration) {
        tokio::time::sleep(by).await;
        self.settle().await;
    }

    async fn settle(&self) {
        // Let the pipeline and the workers run what is ready, without moving the clock much.
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
        for _ in 0..50 {
            tokio::task::yield_now().await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn flapping_inside_wait_for_sends_nothing_and_lasting_trouble_sends_once() {
    let (deliver, seen) = scripted(vec![]);
    let h = start_with(&outbox_path("flap"), deliver);
    // Learned at start-up: nothing to say.
    h.apply(object("Kustomization", "apps", "api", "True"), true);
    h.settle().await;
    // Unhealthy for 30 s, then back: inside the 2 m wait, so nobody hears of either.
    h.apply(object("Kustomization", "apps", "api", "False"), false);
    tokio::time::sleep(Duration::from_secs(30)).await;
    h.apply(object("Kustomization", "apps", "api", "True"), false);
    h.advance(Duration::from_secs(300)).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    assert_eq!(h.notifier.stats.superseded.load(Ordering::Relaxed), 2);

    // Unhealthy and staying so: one message once the wait is over, and its recovery later.
    h.apply(object("Kustomization", "apps", "api", "False"), false);
    h.advance(Duration::from_secs(119)).await;
    assert!(seen.lock().unwrap().is_empty(), "not before the wait ends");
    h.advance(Duration::from_secs(2)).await;
    assert_eq!(
        *seen.lock().unwrap(),
        [(EventKind::Unhealthy, "api".to_string())]
    );
    h.apply(object("Kustomization", "apps", "api", "True"), false);
    h.advance(Duration::from_secs(121)).await;
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(seen.lock().unwrap()[1].0, EventKind::Recovered);
    assert!(h.notifier.outbox.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_receiver_failing_five_times_gets_the_message_once() {
    let fail = || Outcome::Retry {
        after: None,
        why: "HTTP 503".into(),
    };
    let (deliver, seen) = scripted(vec![fail(), fail(), fail(), fail(), fail()]);
    let h = start_with(&outbox_path("retry"), deliver);
    h.apply(object("HelmRelease", "apps", "web", "True"), true);
    h.apply(object("HelmRelease", "apps", "web", "False"), false);
    // Backoff 1 s, 2 s, 4 s, 8 s, 10 s (capped), each less up to a quarter: within 30 s.
    h.advance(Duration::from_secs(30)).await;
    assert_eq!(
        *seen.lock().unwrap(),
        [(EventKind::Unhealthy, "web".to_string())]
    );
    assert_eq!(h.notifier.stats.retried.load(Ordering::Relaxed), 5);
    assert_eq!(h.notifier.stats.delivered.load(Ordering::Relaxed), 1);
    assert!(h.notifier.outbox.is_empty());
    // The metrics: five retries, one delivery, its delay the backoff's 25 s less the jitter.
    assert_eq!(h.metrics.notifications("hook", "retried"), 5);
    assert_eq!(h.metrics.notifications("hook", "delivered"), 1);
    assert_eq!(h.metrics.notifications("hook", "failed"), 0);
    let (count, seconds) = h.metrics.notification_delay("hook");
    assert_eq!(count, 1);
    assert!((18.75..=25.0).contains(&seconds), "delay {seconds} s");
    assert_eq!(h.notifier.outbox_depth().get("hook"), Some(&0));
}

#[tokio::test(start_paused = true)]
async fn too_many_requests_waits_and_other_refusals_are_not_retried() {
    let (deliver, seen) = scripted(vec![
        Outcome::Retry {
            after: Some(Duration::from_secs(40)),
            why: "HTTP 429".into(),
        },
        Outcome::Delivered,
        Outcome::Refused("HTTP 400: bad payload".into()),
    ]);
    let h = start_with(&outbox_path("429"), deliver);
    h.apply(object("HelmRelease", "apps", "a", "True"), true);
    h.apply(object("HelmRelease", "apps", "a", "False"), false);
    h.advance(Duration::from_secs(39)).await;
    assert!(seen.lock().unwrap().is_empty(), "Retry-After is respected");
    h.advance(Duration::from_secs(2)).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    // The next one is refused: counted, removed, not retried.
    h.apply(object("HelmRelease", "apps", "a", "True"), false);
    h.advance(Duration::from_secs(60)).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(h.notifier.stats.refused.load(Ordering::Relaxed), 1);
    assert_eq!(h.metrics.notifications("hook", "failed"), 1);
    assert!(h.notifier.outbox.is_empty());
}

#[tokio::test(start_paused = true)]
async fn what_a_receiver_took_or_refused_is_in_the_history() {
    use crate::history::{History, Limits, Query, Record};
    let (deliver, _seen) = scripted(vec![
        Outcome::Delivered,
        Outcome::Refused("HTTP 400: bad payload".into()),
    ]);
    let clock = Arc::new(crate::clock::ManualClock::new(
        "2026-11-23T12:00:00Z".parse().unwrap(),
    ));
    let history = History::in_memory(Limits::default(), clock);
    let h = start_history(
        CONFIG,
        &outbox_path("history"),
        deliver,
        Some(Arc::clone(&history)),
    );
    h.apply(object("HelmRelease", "apps", "a", "True"), true);
    h.apply(object("HelmRelease", "apps", "a", "False"), false);
    h.advance(Duration::from_secs(60)).await;
    h.apply(object("HelmRelease", "apps", "a", "True"), false);
    h.advance(Duration::from_secs(60)).await;
    history.flush();
    let page = history
        .changes(&Query {
            types: vec!["notification".into()],
            limit: 10,
            ..Query::default()
        })
        .unwrap();
    let told: Vec<(EventKind, String, String)> = page
        .items
        .iter()
        .map(|(_, s)| match &s.record {
            Record::Notification {
                event,
                receiver,
                outcome,
                ..
            } => (*event, receiver.clone(), outcome.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        told,
        [
            (EventKind::Recovered, "hook".into(), "refused".into()),
            (EventKind::Unhealthy, "hook".into(), "delivered".into()),
        ]
    );
    assert_eq!(page.items[0].1.object.name, "a");
}

#[tokio::test(start_paused = true)]
async fn silenced_and_unrouted_events_send_nothing() {
    let (deliver, seen) = scripted(vec![]);
    let h = start_with(&outbox_path("silence"), deliver);
    h.apply(object("HelmRelease", "quiet", "a", "True"), true);
    h.apply(object("HelmRelease", "quiet", "a", "False"), false);
    // A new Kustomization: its route takes only unhealthy and recovered.
    h.apply(object("Kustomization", "apps", "b", "True"), false);
    h.advance(Duration::from_secs(600)).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    assert_eq!(h.notifier.stats.silenced.load(Ordering::Relaxed), 1);
}

#[test]
fn what_is_in_the_outbox_at_a_crash_is_sent_once_after_the_restart() {
    let path = outbox_path("restart");
    // First run: the receiver never answers; the process dies with the message in flight.
    {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async {
            let hang: Deliver = Arc::new(|_r, _n| Box::pin(futures::future::pending()));
            let h = start_with(&path, hang);
            h.apply(object("HelmRelease", "apps", "a", "True"), true);
            h.apply(object("HelmRelease", "apps", "a", "False"), false);
            h.apply(object("HelmRelease", "apps", "b", "True"), false);
            h.settle().await;
            assert_eq!(h.notifier.outbox.len(), 2);
        });
        // Dropping the runtime drops every task, as a kill would.
    }
    // Second run: the same outbox, a receiver that answers.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    rt.block_on(async {
        let (deliver, seen) = scripted(vec![]);
        let h = start_with(&path, deliver);
        h.settle().await;
        h.advance(Duration::from_secs(5)).await;
        let mut got = seen.lock().unwrap().clone();
        got.sort_by(|a, b| a.1.cmp(&b.1));
        assert_eq!(
            got,
            [
                (EventKind::Unhealthy, "a".to_string()),
                (EventKind::Created, "b".to_string())
            ]
        );
        assert!(h.notifier.outbox.is_empty());
    });
}

#[test]
fn backoff_doubles_up_to_the_limit_with_jitter_below() {
    let d = crate::config::Delivery {
        retry_initial: Duration::from_secs(1),
        retry_max: Duration::from_secs(60),
        ..crate::config::Delivery::default()
    };
    for (attempt, full) in [(1, 1), (2, 2), (3, 4), (7, 60), (30, 60)] {
        let b = retry::backoff(&d, attempt, 42);
        let full = Duration::from_secs(full);
        assert!(b <= full && b >= full * 3 / 4, "{attempt}: {b:?}");
    }
}

fn kustomization(name: &str, ready: &str) -> Value {
    object("Kustomization", "apps", name, ready)
}

#[tokio::test(start_paused = true)]
async fn stuck_fires_once_per_episode_after_stuck_after() {
    let config = r#"
receivers: [{name: hook, webhook: {url: "http://127.0.0.1:1/"}}]
routes:
  - match: {kind: Kustomization}
    events: [stuck]
    stuckAfter: 10m
    receivers: [hook]
"#;
    let (deliver, seen) = scripted(vec![]);
    let h = start_config(config, &outbox_path("stuck"), deliver);
    h.apply(kustomization("api", "True"), true);
    h.apply(kustomization("api", "Unknown"), false);
    h.advance(Duration::from_secs(9 * 60)).await;
    assert!(seen.lock().unwrap().is_empty());
    h.advance(Duration::from_secs(2 * 60)).await;
    assert_eq!(
        *seen.lock().unwrap(),
        [(EventKind::Stuck, "api".to_string())]
    );
    h.advance(Duration::from_secs(60 * 60)).await;
    assert_eq!(seen.lock().unwrap().len(), 1, "once per episode");
    // Ready, then not ready again: a new episode, measured from then.
    h.apply(kustomization("api", "True"), false);
    h.apply(kustomization("api", "Unknown"), false);
    h.advance(Duration::from_secs(5 * 60)).await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    h.advance(Duration::from_secs(6 * 60)).await;
    assert_eq!(seen.lock().unwrap().len(), 2);
}

/// HelmReleases' trouble and recovery, the trouble told again every hour.
const REPEATING: &str = r#"
receivers: [{name: hook, webhook: {url: "http://127.0.0.1:1/"}}]
routes:
  - match: {kind: HelmRelease}
    events: [unhealthy, recovered]
    repeatInterval: 1h
    receivers: [hook]
"#;

#[tokio::test(start_paused = true)]
async fn repeat_interval_repeats_what_stays_broken() {
    let (deliver, seen) = scripted(vec![]);
    let h = start_config(REPEATING, &outbox_path("repeat"), deliver);
    h.apply(object("HelmRelease", "apps", "web", "True"), true);
    h.apply(object("HelmRelease", "apps", "web", "False"), false);
    h.settle().await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    h.advance(Duration::from_secs(3600 + 1)).await;
    assert_eq!(seen.lock().unwrap().len(), 2);
    h.advance(Duration::from_secs(3600)).await;
    assert_eq!(seen.lock().unwrap().len(), 3);
    h.apply(object("HelmRelease", "apps", "web", "True"), false);
    h.advance(Duration::from_secs(3 * 3600)).await;
    let kinds: Vec<EventKind> = seen.lock().unwrap().iter().map(|s| s.0).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Unhealthy,
            EventKind::Unhealthy,
            EventKind::Unhealthy,
            EventKind::Recovered
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn repeats_go_on_after_a_restart_without_a_message_at_start() {
    let (deliver, seen) = scripted(vec![]);
    let h = start_config(REPEATING, &outbox_path("repeat-restart"), deliver);
    // herald starts and learns that web is broken (and api is fine): nothing at start.
    h.apply(object("HelmRelease", "apps", "web", "False"), true);
    h.apply(object("HelmRelease", "apps", "api", "True"), true);
    h.settle().await;
    assert!(seen.lock().unwrap().is_empty());
    // An hour on, web is told again; api never.
    h.advance(Duration::from_secs(3600 + 1)).await;
    assert_eq!(
        *seen.lock().unwrap(),
        [(EventKind::Unhealthy, "web".to_string())]
    );
    h.advance(Duration::from_secs(3600)).await;
    assert_eq!(seen.lock().unwrap().len(), 2);
    // Fixed: the recovery, and no more repeats.
    h.apply(object("HelmRelease", "apps", "web", "True"), false);
    h.advance(Duration::from_secs(3 * 3600)).await;
    let kinds: Vec<EventKind> = seen.lock().unwrap().iter().map(|s| s.0).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Unhealthy,
            EventKind::Unhealthy,
            EventKind::Recovered
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn annotations_subscribe_beside_the_routes_once_per_receiver() {
    let (deliver, seen) = scripted(vec![]);
    let h = start_with(&outbox_path("subscribe"), deliver);
    // The route for Kustomizations takes only unhealthy and recovered; the annotation adds
    // `created` for this one.
    let mut k = kustomization("api", "True");
    k["metadata"]["annotations"] = json!({"herald.io/subscribe.created": "hook",
                                          "unrelated.example.com/x": "y"});
    h.apply(k, false);
    // A HelmRelease both routed and subscribed to `unhealthy`: the receiver hears it once.
    let mut hr = object("HelmRelease", "apps", "web", "True");
    hr["metadata"]["annotations"] = json!({"herald.io/subscribe.unhealthy": "hook"});
    h.apply(hr.clone(), true);
    hr["status"]["conditions"][0]["status"] = json!("False");
    h.apply(hr, false);
    h.advance(Duration::from_secs(5)).await;
    let mut got = seen.lock().unwrap().clone();
    got.sort_by(|a, b| a.1.cmp(&b.1));
    assert_eq!(
        got,
        [
            (EventKind::Created, "api".to_string()),
            (EventKind::Unhealthy, "web".to_string())
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_childs_trouble_is_held_back_while_its_parents_is_told() {
    let config = r#"
receivers: [{name: hook, webhook: {url: "http://127.0.0.1:1/"}}]
routes:
  - events: [unhealthy, recovered]
    receivers: [hook]
"#;
    let (deliver, seen) = scripted(vec![]);
    let h = start_config(config, &outbox_path("inhibit"), deliver);
    let mut apps = kustomization("apps", "True");
    apps["status"]["inventory"] =
        json!({"entries": [{"id": "apps_api_apps_Deployment", "v": "v1"}]});
    h.apply(apps, true);
    let deploy = |ready: i64| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "api", "namespace": "apps", "generation": 1},
               "spec": {"replicas": 1},
               "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
                          "readyReplicas": ready, "availableReplicas": ready,
                          "conditions": [{"type": "Available", "status": if ready == 1 {"True"} else {"False"}}]}})
    };
    h.apply(deploy(1), true);
    h.apply(deploy(0), false);
    h.settle().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    h.apply(deploy(1), false);
    h.advance(Duration::from_secs(1)).await;
    let got = seen.lock().unwrap().clone();
    assert_eq!(
        got,
        [
            (EventKind::Unhealthy, "apps".to_string()),
            (EventKind::Recovered, "apps".to_string())
        ],
        "the Deployment's own trouble and recovery are held back"
    );
    assert_eq!(h.notifier.stats.inhibited.load(Ordering::Relaxed), 2);
}

#[tokio::test(start_paused = true)]
async fn a_receiver_hears_unhealthy_or_child_unhealthy_for_one_change_not_both() {
    let config = r#"
receivers:
  - {name: hook, webhook: {url: "http://127.0.0.1:1/"}}
  - {name: children, webhook: {url: "http://127.0.0.1:2/"}}
routes:
  - events: [unhealthy, child-unhealthy]
    receivers: [hook]
    continue: true
  - events: [child-unhealthy]
    receivers: [children]
inhibition: {children: false}
"#;
    let seen: Arc<Mutex<Vec<(String, EventKind)>>> = Arc::default();
    let s = Arc::clone(&seen);
    let deliver: Deliver = Arc::new(move |r, n: Notification| {
        if n.event.object.name == "apps" {
            s.lock().unwrap().push((r.name.clone(), n.event.kind));
        }
        Box::pin(async { Outcome::Delivered })
    });
    let h = start_config(config, &outbox_path("one-trouble"), deliver);
    let mut apps = kustomization("apps", "True");
    apps["status"]["inventory"] =
        json!({"entries": [{"id": "apps_api_apps_Deployment", "v": "v1"}]});
    h.apply(apps, true);
    let failing = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "api", "namespace": "apps", "generation": 1},
        "spec": {"replicas": 1},
        "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
                   "readyReplicas": 0, "availableReplicas": 0,
                   "conditions": [{"type": "Available", "status": "False"}]}});
    h.apply(failing, false);
    h.settle().await;
    let mut got = seen.lock().unwrap().clone();
    got.sort();
    // The Kustomization's health is its Deployment's: `hook` takes both events and hears
    // `unhealthy` once; `children` takes only `child-unhealthy` and hears that.
    assert_eq!(
        got,
        [
            ("children".to_string(), EventKind::ChildUnhealthy),
            ("hook".to_string(), EventKind::Unhealthy),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn group_by_sends_one_message_per_group_and_interval() {
    let config = r#"
receivers: [{name: hook, webhook: {url: "http://127.0.0.1:1/"}}]
routes:
  - match: {kind: HelmRelease}
    events: [unhealthy]
    groupBy: [namespace]
    groupWait: 30s
    groupInterval: 5m
    receivers: [hook]
"#;
    let messages: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let m = Arc::clone(&messages);
    let deliver: Deliver = Arc::new(move |_r, n: Notification| {
        m.lock()
            .unwrap()
            .push(n.events().map(|e| e.object.name.to_string()).collect());
        Box::pin(async { Outcome::Delivered })
    });
    let h = start_config(config, &outbox_path("group"), deliver);
    for (ns, name) in [
        ("apps", "a"),
        ("apps", "b"),
        ("apps", "c"),
        ("data", "d"),
        ("apps", "e"),
    ] {
        h.apply(object("HelmRelease", ns, name, "True"), true);
    }
    h.apply(object("HelmRelease", "apps", "a", "False"), false);
    tokio::time::sleep(Duration::from_secs(10)).await;
    h.apply(object("HelmRelease", "apps", "b", "False"), false);
    h.apply(object("HelmRelease", "data", "d", "False"), false);
    tokio::time::sleep(Duration::from_secs(10)).await;
    h.apply(object("HelmRelease", "apps", "c", "False"), false);
    h.settle().await;
    assert!(messages.lock().unwrap().is_empty(), "groupWait holds them");
    h.advance(Duration::from_secs(25)).await;
    let mut got = messages.lock().unwrap().clone();
    got.sort();
    assert_eq!(got, [vec!["a", "b", "c"], vec!["d"]]);
    // The next one in apps waits for the group's interval, counted from its last message.
    h.apply(object("HelmRelease", "apps", "e", "False"), false);
    h.advance(Duration::from_secs(4 * 60)).await;
    assert_eq!(messages.lock().unwrap().len(), 2);
    h.advance(Duration::from_secs(60)).await;
    assert_eq!(messages.lock().unwrap().len(), 3);
    assert_eq!(messages.lock().unwrap()[2], ["e"]);
    assert!(
        h.notifier.outbox.is_empty(),
        "every grouped notification left the outbox"
    );
}

/// The harness starts at 12:00 UTC on a Monday.
const WINDOWS: &str = r#"
cluster: test
receivers:
  - {name: hook, webhook: {url: "http://127.0.0.1:1/"}}
timeIntervals:
  - name: lunch
    intervals: [{times: [{startTime: "12:00", endTime: "13:00"}]}]
  - name: afternoon
    intervals: [{times: [{startTime: "14:00", endTime: "18:00"}], weekdays: [monday]}]
routes:
  - match: {kind: HelmRelease}
    receivers: [hook]
    muteTimeIntervals: [lunch]
    repeatInterval: 20m
  - match: {kind: Kustomization}
    receivers: [hook]
    activeTimeIntervals: [afternoon]
delivery: {retryInitial: 1s, retryMax: 10s}
"#;

#[tokio::test(start_paused = true)]
async fn what_a_mute_window_holds_is_told_when_it_ends_if_it_still_holds() {
    let (deliver, seen) = scripted(vec![]);
    let h = start_config(WINDOWS, &outbox_path("mute"), deliver);
    for name in ["a", "b"] {
        h.apply(object("HelmRelease", "apps", name, "True"), true);
    }
    h.settle().await;
    // During lunch: a breaks and stays broken; b breaks and is fixed before lunch ends.
    h.apply(object("HelmRelease", "apps", "a", "False"), false);
    h.apply(object("HelmRelease", "apps", "b", "False"), false);
    h.advance(Duration::from_secs(30 * 60)).await;
    h.apply(object("HelmRelease", "apps", "b", "True"), false);
    h.advance(Duration::from_secs(29 * 60)).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    assert_eq!(h.notifier.stats.held.load(Ordering::Relaxed), 3);
    assert_eq!(h.metrics.notifications_held("hook", "muted"), 3);
    // 13:00: a's trouble is told; b's trouble is over, and its recovery is no news.
    h.advance(Duration::from_secs(61)).await;
    assert_eq!(
        *seen.lock().unwrap(),
        [(EventKind::Unhealthy, "a".to_string())]
    );
    assert_eq!(h.notifier.stats.superseded.load(Ordering::Relaxed), 2);
    // Repeats go on every 20 m from then.
    h.advance(Duration::from_secs(20 * 60)).await;
    assert_eq!(seen.lock().unwrap().len(), 2);
    // After lunch, a recovery is told at once; nothing is left in the outbox.
    h.apply(object("HelmRelease", "apps", "a", "True"), false);
    h.settle().await;
    assert_eq!(
        seen.lock().unwrap()[2],
        (EventKind::Recovered, "a".to_string())
    );
    assert!(h.notifier.outbox.is_empty());
}

#[tokio::test(start_paused = true)]
async fn repeats_are_skipped_while_the_route_is_muted() {
    let (deliver, seen) = scripted(vec![]);
    let h = start_config(WINDOWS, &outbox_path("mute-repeat"), deliver);
    h.apply(object("HelmRelease", "apps", "a", "True"), true);
    // It breaks at 13:00, after lunch: told at once, then every 20 m but in the lunch hour.
    h.advance(Duration::from_secs(3600)).await;
    h.apply(object("HelmRelease", "apps", "a", "False"), false);
    h.settle().await;
    assert_eq!(seen.lock().unwrap().len(), 1, "13:00: told at once");
    // Repeats at 13:20, 13:40, ... up to the next day's lunch, then none until 13:20.
    h.advance(Duration::from_secs(22 * 3600 + 50 * 60)).await;
    let before_lunch = seen.lock().unwrap().len();
    assert_eq!(before_lunch, 1 + 68, "13:20 to 11:40 the next day");
    h.advance(Duration::from_secs(60 * 60)).await;
    assert_eq!(
        seen.lock().unwrap().len(),
        before_lunch,
        "none in the lunch hour"
    );
    h.advance(Duration::from_secs(20 * 60)).await;
    assert_eq!(seen.lock().unwrap().len(), before_lunch + 1);
}

#[tokio::test(start_paused = true)]
async fn outside_the_active_window_it_is_held_until_it_opens() {
    let (deliver, seen) = scripted(vec![]);
    let h = start_config(WINDOWS, &outbox_path("active"), deliver);
    for name in ["k", "j"] {
        h.apply(object("Kustomization", "apps", name, "True"), true);
    }
    h.settle().await;
    // 12:00, outside the afternoon: both break; j is fixed at 13:00.
    h.apply(object("Kustomization", "apps", "k", "False"), false);
    h.apply(object("Kustomization", "apps", "j", "False"), false);
    h.advance(Duration::from_secs(3600)).await;
    h.apply(object("Kustomization", "apps", "j", "True"), false);
    h.advance(Duration::from_secs(3600 - 2)).await;
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    assert_eq!(h.metrics.notifications_held("hook", "inactive"), 3);
    // 14:00: k only.
    h.advance(Duration::from_secs(3)).await;
    assert_eq!(
        *seen.lock().unwrap(),
        [(EventKind::Unhealthy, "k".to_string())]
    );
    // Monday 18:00 to the next Monday 14:00: k's recovery waits a week.
    h.advance(Duration::from_secs(4 * 3600)).await;
    h.apply(object("Kustomization", "apps", "k", "True"), false);
    h.advance(Duration::from_secs(6 * 24 * 3600 + 19 * 3600))
        .await;
    assert_eq!(seen.lock().unwrap().len(), 1);
    h.advance(Duration::from_secs(3600 + 1)).await;
    assert_eq!(seen.lock().unwrap().len(), 2);
    assert_eq!(seen.lock().unwrap()[1].0, EventKind::Recovered);
    assert!(h.notifier.outbox.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_reload_that_mutes_a_route_holds_what_its_wait_for_was_about_to_release() {
    let before = r#"
receivers: [{name: hook, webhook: {url: "http://127.0.0.1:1/"}}]
routes: [{receivers: [hook], waitFor: 10m}]
delivery: {retryInitial: 1s, retryMax: 10s}
"#;
    let after = r#"
receivers: [{name: hook, webhook: {url: "http://127.0.0.1:1/"}}]
timeIntervals:
  - name: lunch
    intervals: [{times: [{startTime: "12:00", endTime: "13:00"}]}]
routes: [{receivers: [hook], waitFor: 10m, muteTimeIntervals: [lunch]}]
"#;
    let (deliver, seen) = scripted(vec![]);
    let h = start_config(before, &outbox_path("mute-reload"), deliver);
    h.apply(object("HelmRelease", "apps", "a", "True"), true);
    h.apply(object("HelmRelease", "apps", "a", "False"), false);
    h.advance(Duration::from_secs(5 * 60)).await;
    h.notifier.reload(Arc::new(
        crate::config::parse(after, Path::new("t.yaml")).unwrap(),
    ));
    // 12:10: the wait is over, but the route is now muted until 13:00.
    h.advance(Duration::from_secs(6 * 60)).await;
    assert!(seen.lock().unwrap().is_empty());
    assert_eq!(h.metrics.notifications_held("hook", "muted"), 1);
    h.advance(Duration::from_secs(49 * 60)).await;
    assert_eq!(
        *seen.lock().unwrap(),
        [(EventKind::Unhealthy, "a".to_string())]
    );
    assert!(h.notifier.outbox.is_empty());
}

/// A change of spec (a transition whose verdict stays as it was) is told as `changed`, and
/// neither ends the trouble (no `recovered`) nor restarts the not-ready episode (`stuck` still
/// comes `stuckAfter` from when the object became not ready).
#[tokio::test(start_paused = true)]
async fn a_change_is_told_without_recovery_or_readiness_churn() {
    let config = r#"
receivers: [{name: hook, webhook: {url: "http://127.0.0.1:1/"}}]
routes:
  - match: {kind: Kustomization}
    events: [stuck, changed, recovered]
    stuckAfter: 10m
    receivers: [hook]
"#;
    let (deliver, seen) = scripted(vec![]);
    let h = start_config(config, &outbox_path("change"), deliver);
    h.apply(kustomization("api", "True"), true);
    h.apply(kustomization("api", "Unknown"), false);
    h.advance(Duration::from_secs(5 * 60)).await;
    assert!(seen.lock().unwrap().is_empty());
    let key = ObjectKey::new(
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "apps",
        "api",
    );
    let mut t = h
        .store
        .read()
        .unwrap()
        .as_new(&key, h.clock.now(), false)
        .unwrap();
    t.from = t.to.clone();
    let change = crate::changes::Change::Spec(crate::changes::SpecDiff {
        from_generation: Some(1),
        to_generation: Some(2),
        paths: vec![crate::changes::PathChange {
            path: "spec.path".into(),
            op: crate::changes::Op::Changed,
            old: Some("./a".into()),
            new: Some("./b".into()),
        }],
        more: 0,
    });
    t.message = change.summary();
    t.change = Some(Arc::new(change));
    h.tx.send(t).unwrap();
    h.advance(Duration::from_secs(60)).await;
    assert_eq!(
        *seen.lock().unwrap(),
        [(EventKind::Changed, "api".to_string())]
    );
    // Ten minutes after it became not ready, not ten after the change.
    h.advance(Duration::from_secs(5 * 60)).await;
    assert_eq!(
        seen.lock().unwrap().last(),
        Some(&(EventKind::Stuck, "api".to_string()))
    );
    assert_eq!(seen.lock().unwrap().len(), 2, "no recovered");
}

#[tokio::test(start_paused = true)]
async fn a_trouble_held_by_wait_for_goes_out_with_the_warnings_seen_meanwhile() {
    let told: Arc<Mutex<Vec<Vec<String>>>> = Arc::default();
    let t = Arc::clone(&told);
    let deliver: Deliver = Arc::new(move |_r, n: Notification| {
        t.lock()
            .unwrap()
            .push(n.event.warnings.iter().map(|w| w.reason.clone()).collect());
        Box::pin(async { Outcome::Delivered })
    });
    let h = start_with(&outbox_path("late-warnings"), deliver);
    h.apply(object("Kustomization", "apps", "api", "True"), true);
    h.apply(object("Kustomization", "apps", "api", "False"), false);
    h.settle().await;
    // The warning that says why comes a moment after the trouble, inside its 2 m wait.
    let key = ObjectKey::new(
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "apps",
        "api",
    );
    h.store
        .write()
        .unwrap()
        .warnings
        .record(&crate::warnings::Seen {
            regarding: key,
            reason: "BuildFailed".into(),
            note: "kustomize build failed".into(),
            count: 1,
            at: h.clock.now(),
            id: 1,
        });
    h.advance(Duration::from_secs(121)).await;
    assert_eq!(*told.lock().unwrap(), [vec!["BuildFailed".to_string()]]);
}

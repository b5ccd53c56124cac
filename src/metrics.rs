//! Prometheus metrics, served at `/metrics` in the text exposition format.
//!
//! Counters and histograms (transitions, watch events, check durations, notifications and their
//! delay) live in a [`prometheus::Registry`] and are updated where things happen. The per-object
//! series (`herald_resource_info`, the compatibility `gotk_resource_info` and `argocd_app_info`),
//! the counts by kind and health and the outbox depth are written from the store at scrape time,
//! so they can never go stale: an object deleted is a series gone.
//!
//! Cardinality: one info series per live object (Pods, ReplicaSets and Jobs, whose names change
//! with every rollout, are only counted; their health shows in their owners' series), four
//! `herald_resources` series per kind, transitions by kind × health × health, and per receiver.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};
use serde_json::Value;

use crate::health::{CheckSource, Health};
use crate::object::ValueExt;
use crate::store::{Entry, Key, Store};

/// Kinds whose objects are counted in `herald_resources` but get no info series.
const COUNTED_ONLY: &[(&str, &str)] = &[("", "Pod"), ("apps", "ReplicaSet"), ("batch", "Job")];

const CHECK_BUCKETS: &[f64] = &[
    1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 1e-2, 0.1,
];
const DELAY_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0,
    1800.0, 3600.0,
];

/// herald's counters and histograms.
pub struct Metrics {
    registry: Registry,
    /// `herald_health_transitions_total{kind,from,to}`.
    transitions: IntCounterVec,
    /// `herald_watch_events_total{kind,type}`.
    watch_events: IntCounterVec,
    /// `herald_check_duration_seconds{engine}`.
    pub check_duration: HistogramVec,
    /// `herald_notifications_total{receiver,outcome}`.
    notifications: IntCounterVec,
    /// `herald_notification_delay_seconds{receiver}`.
    notification_delay: HistogramVec,
    /// `herald_notifications_held_total{receiver,reason}`.
    notifications_held: IntCounterVec,
    /// `herald_lua_checks_quarantined`: Lua checks the watchdog stopped running.
    pub lua_quarantined: prometheus::IntGauge,
    /// `herald_evaluations_abandoned_total`: assessments the watchdog gave up waiting for.
    pub evaluations_abandoned: prometheus::IntCounter,
    /// `herald_watch_up{kind,namespace}`.
    watch_up: IntGaugeVec,
    /// `herald_watch_last_event_timestamp_seconds{kind,namespace}`.
    watch_last_event: GaugeVec,
    /// `herald_watch_relists_total{kind,reason}`.
    watch_relists: IntCounterVec,
    /// `herald_watch_relist_changes_total{kind,change}`.
    watch_relist_changes: IntCounterVec,
    /// `herald_leader`: 1 while this replica leads (sends notifications).
    pub leader: prometheus::IntGauge,
    /// `herald_handover_writes_total{outcome}`.
    handover_writes: IntCounterVec,
    /// `herald_handover_state_bytes`, `herald_handover_state_objects`.
    handover_bytes: prometheus::IntGauge,
    handover_objects: prometheus::IntGauge,
    /// `herald_handover_unwritten_changes`.
    pub handover_unwritten: prometheus::IntGauge,
    /// The shard this instance serves (a label of every series of the registry).
    pub shard: Option<String>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// What a watcher counts for its kind.
#[derive(Clone)]
pub struct WatchCounters {
    pub apply: IntCounter,
    pub delete: IntCounter,
    pub malformed: IntCounter,
    pub error: IntCounter,
    /// Whether the watch is up (`herald_watch_up`), and when it last heard from the API server.
    pub up: IntGauge,
    pub last_event: Gauge,
    kind: String,
    relists: IntCounterVec,
    relist_changes: IntCounterVec,
}

impl WatchCounters {
    /// Counts a relist and the objects it found out of step with the store.
    pub fn relisted(&self, reason: &str, added: usize, changed: usize, deleted: usize) {
        self.relists.with_label_values(&[&self.kind, reason]).inc();
        for (change, n) in [("added", added), ("changed", changed), ("deleted", deleted)] {
            self.relist_changes
                .with_label_values(&[&self.kind, change])
                .inc_by(n as u64);
        }
    }
}

/// How a notification attempt ended, for `herald_notifications_total`.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    Delivered,
    Retried,
    Failed,
}

impl Metrics {
    pub fn new() -> Metrics {
        Metrics::for_shard(None)
    }

    /// The metrics of one shard: every series of the registry carries `shard`.
    pub fn for_shard(shard: Option<&str>) -> Metrics {
        let registry = match shard {
            Some(s) => Registry::new_custom(
                None,
                Some(std::collections::HashMap::from([(
                    "shard".to_string(),
                    s.to_string(),
                )])),
            )
            .expect("a valid shard label"),
            None => Registry::new(),
        };
        let transitions = counter(
            &registry,
            "herald_health_transitions_total",
            "Changes of health herald observed, by kind; from is none for an object new to herald, to is deleted when it went away.",
            &["kind", "from", "to"],
        );
        let watch_events = counter(
            &registry,
            "herald_watch_events_total",
            "Objects received from the Kubernetes API by kind: apply, delete, malformed (skipped), and watch errors.",
            &["kind", "type"],
        );
        let check_duration = histogram(
            &registry,
            "herald_check_duration_seconds",
            "Time to assess one object, by engine (builtin, lua, fallback).",
            CHECK_BUCKETS,
            &["engine"],
        );
        let notifications = counter(
            &registry,
            "herald_notifications_total",
            "Delivery attempts by receiver and outcome: delivered, retried (will be tried again), failed (refused, not retried).",
            &["receiver", "outcome"],
        );
        let notifications_held = counter(
            &registry,
            "herald_notifications_held_total",
            "Notifications a route's time intervals did not let it send when due, by receiver and reason: muted (a muteTimeIntervals entry held), inactive (outside its activeTimeIntervals); held until the route may speak, then sent if still true. dropped: no moment within 400 days, not sent.",
            &["receiver", "reason"],
        );
        let notification_delay = histogram(
            &registry,
            "herald_notification_delay_seconds",
            "From the change herald observed to its notification being delivered, waitFor and grouping included.",
            DELAY_BUCKETS,
            &["receiver"],
        );
        let watch_up = IntGaugeVec::new(
            Opts::new(
                "herald_watch_up",
                "1 while a watch is connected to the API server, 0 from its first failure until it is back; per watched kind and namespace (watch_namespace, absent for all namespaces).",
            ),
            &["kind", "watch_namespace"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(watch_up.clone()))
            .expect("unique");
        let watch_last_event = GaugeVec::new(
            Opts::new(
                "herald_watch_last_event_timestamp_seconds",
                "When a watch last heard from the API server (an object, a bookmark, a list or a watch accepted), in Unix seconds.",
            ),
            &["kind", "watch_namespace"],
        )
        .expect("valid metric");
        registry
            .register(Box::new(watch_last_event.clone()))
            .expect("unique");
        let watch_relists = counter(
            &registry,
            "herald_watch_relists_total",
            "Lists of a kind after its first: periodic (the relist interval), expired (410 Gone), restored (the API server's resourceVersion went back).",
            &["kind", "reason"],
        );
        let watch_relist_changes = counter(
            &registry,
            "herald_watch_relist_changes_total",
            "Objects a relist found out of step with what herald held: added, changed, deleted.",
            &["kind", "change"],
        );
        // Memory, CPU and file descriptors of the process (Linux).
        #[cfg(target_os = "linux")]
        registry
            .register(Box::new(
                prometheus::process_collector::ProcessCollector::for_self(),
            ))
            .expect("unique");
        // Engines appear from the start, so rates exist before the first Lua check runs.
        for e in ENGINES {
            check_duration.with_label_values(&[e]);
        }
        let lua_quarantined = prometheus::IntGauge::new(
            "herald_lua_checks_quarantined",
            "Lua checks the watchdog stopped running after one overran its time limit; their kinds are judged unknown.",
        )
        .expect("valid metric");
        registry
            .register(Box::new(lua_quarantined.clone()))
            .expect("unique");
        let evaluations_abandoned = prometheus::IntCounter::new(
            "herald_evaluations_abandoned_total",
            "Assessments the watchdog abandoned because a Lua check overran its time limit; the evaluator started again.",
        )
        .expect("valid metric");
        registry
            .register(Box::new(evaluations_abandoned.clone()))
            .expect("unique");
        let leader = prometheus::IntGauge::new(
            "herald_leader",
            "1 while this replica sends notifications: it holds the Lease (leader election), or it notifies alone. 0 on a standby, which still watches, assesses and serves.",
        )
        .expect("valid metric");
        registry.register(Box::new(leader.clone())).expect("unique");
        let handover_writes = counter(
            &registry,
            "herald_handover_writes_total",
            "Writes of the hand-over state (ConfigMaps in herald's namespace) by the leader: ok, error (retried; notifications wait), too_large (a part over its limit).",
            &["outcome"],
        );
        for o in ["ok", "error", "too_large"] {
            handover_writes.with_label_values(&[o]);
        }
        let handover_bytes = prometheus::IntGauge::new(
            "herald_handover_state_bytes",
            "Size of the hand-over state as last written (gzipped, all parts).",
        )
        .expect("valid metric");
        registry
            .register(Box::new(handover_bytes.clone()))
            .expect("unique");
        let handover_objects = prometheus::IntGauge::new(
            "herald_handover_state_objects",
            "Objects remembered in the hand-over state.",
        )
        .expect("valid metric");
        registry
            .register(Box::new(handover_objects.clone()))
            .expect("unique");
        let handover_unwritten = prometheus::IntGauge::new(
            "herald_handover_unwritten_changes",
            "Changes of the leader's notifier state not yet written to the hand-over state; notifications wait for theirs. Stays above 0 while the leader cannot write.",
        )
        .expect("valid metric");
        registry
            .register(Box::new(handover_unwritten.clone()))
            .expect("unique");
        Metrics {
            registry,
            leader,
            handover_unwritten,
            handover_writes,
            handover_bytes,
            handover_objects,
            shard: shard.map(str::to_string),
            transitions,
            watch_events,
            check_duration,
            notifications,
            notification_delay,
            notifications_held,
            lua_quarantined,
            evaluations_abandoned,
            watch_up,
            watch_last_event,
            watch_relists,
            watch_relist_changes,
        }
    }

    /// One write of the hand-over state: ok, error, too_large.
    pub fn handover_write(&self, outcome: &str) {
        self.handover_writes.with_label_values(&[outcome]).inc();
    }

    /// One hand-over write counter's value (for tests and benchmarks).
    pub fn handover_writes(&self, outcome: &str) -> u64 {
        self.handover_writes.with_label_values(&[outcome]).get()
    }

    pub fn handover_size(&self, bytes: usize, objects: usize) {
        self.handover_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
        self.handover_objects
            .set(i64::try_from(objects).unwrap_or(i64::MAX));
    }

    /// The counters of one watch: its kind's event counters, its own up and last-event gauges.
    pub fn watch_counters(&self, kind: &str, namespace: Option<&str>) -> WatchCounters {
        let c = |t: &str| self.watch_events.with_label_values(&[kind, t]);
        let namespace = namespace.unwrap_or_default();
        WatchCounters {
            apply: c("apply"),
            delete: c("delete"),
            malformed: c("malformed"),
            error: c("error"),
            up: self.watch_up.with_label_values(&[kind, namespace]),
            last_event: self.watch_last_event.with_label_values(&[kind, namespace]),
            kind: kind.to_string(),
            relists: self.watch_relists.clone(),
            relist_changes: self.watch_relist_changes.clone(),
        }
    }

    /// One watch-event counter's value (for tests and logs).
    pub fn watch_events(&self, kind: &str, type_: &str) -> u64 {
        self.watch_events.with_label_values(&[kind, type_]).get()
    }

    /// Counts a change of health; `None` stands for "new" (from) and "deleted" (to).
    pub fn transition(&self, kind: &str, from: Option<Health>, to: Option<Health>) {
        if from.is_some() && from == to {
            return;
        }
        let from = from.map_or("none", Health::as_str);
        let to = to.map_or("deleted", Health::as_str);
        self.transitions.with_label_values(&[kind, from, to]).inc();
    }

    /// Counts one delivery attempt; a delivered one also records its delay.
    pub fn notification(&self, receiver: &str, outcome: Outcome, delay_seconds: f64) {
        let label = match outcome {
            Outcome::Delivered => "delivered",
            Outcome::Retried => "retried",
            Outcome::Failed => "failed",
        };
        self.notifications
            .with_label_values(&[receiver, label])
            .inc();
        if let Outcome::Delivered = outcome {
            self.notification_delay
                .with_label_values(&[receiver])
                .observe(delay_seconds.max(0.0));
        }
    }

    /// Counts a notification held by its route's time intervals (`muted`, `inactive`), or
    /// dropped for want of a moment to send it (`dropped`).
    pub fn notification_held(&self, receiver: &str, reason: &str) {
        self.notifications_held
            .with_label_values(&[receiver, reason])
            .inc();
    }

    /// One held-notification counter's value (for tests).
    pub fn notifications_held(&self, receiver: &str, reason: &str) -> u64 {
        self.notifications_held
            .with_label_values(&[receiver, reason])
            .get()
    }

    /// One notification counter's value (for tests).
    pub fn notifications(&self, receiver: &str, outcome: &str) -> u64 {
        self.notifications
            .with_label_values(&[receiver, outcome])
            .get()
    }

    /// How many deliveries a receiver's delay histogram holds, and their total seconds.
    pub fn notification_delay(&self, receiver: &str) -> (u64, f64) {
        let h = self.notification_delay.with_label_values(&[receiver]);
        (h.get_sample_count(), h.get_sample_sum())
    }

    /// Makes a receiver's series exist (at zero) before its first notification.
    pub fn receiver(&self, name: &str) {
        for o in ["delivered", "retried", "failed"] {
            self.notifications.with_label_values(&[name, o]);
        }
        for r in ["muted", "inactive", "dropped"] {
            self.notifications_held.with_label_values(&[name, r]);
        }
        self.notification_delay.with_label_values(&[name]);
    }

    /// The registry's families in the text format.
    fn encode_registry(&self, out: &mut String) {
        let mut buf = Vec::new();
        if TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .is_ok()
        {
            out.push_str(&String::from_utf8_lossy(&buf));
        }
    }
}

/// A counter family, registered.
fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    let c = IntCounterVec::new(Opts::new(name, help), labels).expect("valid metric");
    registry.register(Box::new(c.clone())).expect("unique");
    c
}

/// A histogram family, registered.
fn histogram(
    registry: &Registry,
    name: &str,
    help: &str,
    buckets: &[f64],
    labels: &[&str],
) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(buckets.to_vec());
    let h = HistogramVec::new(opts, labels).expect("valid metric");
    registry.register(Box::new(h.clone())).expect("unique");
    h
}

/// The values of the `engine` label of `herald_check_duration_seconds`.
pub const ENGINES: [&str; 3] = ["builtin", "lua", "fallback"];

/// Which of [`ENGINES`] ran a check.
pub fn engine(check: &CheckSource) -> usize {
    match check {
        CheckSource::Builtin => 0,
        CheckSource::Lua(_) => 1,
        CheckSource::Fallback => 2,
    }
}

/// What the compatibility series need of an object that herald does not otherwise keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compat {
    family: Family,
    /// Labels besides the object's name and namespace, written out (`,k="v"` each, escaped):
    /// one allocation per object, copied as it is at each scrape.
    text: Box<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// `gotk_resource_info`, as Flux's kube-state-metrics configuration makes it.
    Gotk,
    /// `argocd_app_info`, as Argo CD's application controller makes it.
    ArgoApp,
}

impl Compat {
    /// The compatibility labels of a Flux object or an Argo CD Application; None for others.
    pub fn of(obj: &Value) -> Option<Compat> {
        let api_version = obj.str_at(&["apiVersion"])?;
        let kind = obj.str_at(&["kind"])?;
        let (group, version) = api_version.rsplit_once('/')?;
        if group == "argoproj.io" && kind == "Application" {
            return Some(argo_app(obj));
        }
        let (with_ready, extra): (bool, &[(&'static str, &[&str])]) = match (group, kind) {
            ("kustomize.toolkit.fluxcd.io", "Kustomization") => (
                true,
                &[
                    ("revision", &["status", "lastAppliedRevision"]),
                    ("source_name", &["spec", "sourceRef", "name"]),
                ],
            ),
            ("helm.toolkit.fluxcd.io", "HelmRelease") => (
                true,
                &[
                    ("chart_ref_name", &["spec", "chartRef", "name"]),
                    (
                        "chart_source_name",
                        &["spec", "chart", "spec", "sourceRef", "name"],
                    ),
                ],
            ),
            ("source.toolkit.fluxcd.io", "GitRepository" | "OCIRepository" | "HelmRepository") => (
                true,
                &[
                    ("revision", &["status", "artifact", "revision"]),
                    ("url", &["spec", "url"]),
                ],
            ),
            ("source.toolkit.fluxcd.io", "Bucket") => (
                true,
                &[
                    ("revision", &["status", "artifact", "revision"]),
                    ("endpoint", &["spec", "endpoint"]),
                    ("bucket_name", &["spec", "bucketName"]),
                ],
            ),
            ("source.toolkit.fluxcd.io", "HelmChart") => (
                true,
                &[
                    ("revision", &["status", "artifact", "revision"]),
                    ("chart_name", &["spec", "chart"]),
                ],
            ),
            ("notification.toolkit.fluxcd.io", "Alert" | "Provider") => (false, &[]),
            ("notification.toolkit.fluxcd.io", "Receiver") => {
                (true, &[("webhook_path", &["status", "webhookPath"])])
            }
            ("image.toolkit.fluxcd.io", "ImageRepository") => {
                (true, &[("image", &["spec", "image"])])
            }
            ("image.toolkit.fluxcd.io", "ImagePolicy") => (
                true,
                &[("source_name", &["spec", "imageRepositoryRef", "name"])],
            ),
            ("image.toolkit.fluxcd.io", "ImageUpdateAutomation") => {
                (true, &[("source_name", &["spec", "sourceRef", "name"])])
            }
            _ => return None,
        };
        let mut labels = String::with_capacity(256);
        label(&mut labels, "customresource_group", group);
        label(&mut labels, "customresource_kind", kind);
        label(&mut labels, "customresource_version", version);
        if with_ready {
            let ready = obj
                .array_at(&["status", "conditions"])
                .iter()
                .find(|c| c.str_at(&["type"]) == Some("Ready"))
                .and_then(|c| c.str_at(&["status"]));
            if let Some(status) = ready.filter(|s| !s.is_empty()) {
                label(&mut labels, "ready", status);
            }
        }
        if let Some(s) = obj.bool_at(&["spec", "suspend"]) {
            label(&mut labels, "suspended", if s { "true" } else { "false" });
        }
        if kind == "HelmRelease" {
            // The latest release in the history: its chart, version and app version.
            let latest = obj.array_at(&["status", "history"]).first();
            for (name, field) in [
                ("revision", "chartVersion"),
                ("chart_name", "chartName"),
                ("chart_app_version", "appVersion"),
            ] {
                if let Some(v) = latest
                    .and_then(|h| h.str_at(&[field]))
                    .filter(|v| !v.is_empty())
                {
                    label(&mut labels, name, v);
                }
            }
        }
        for (name, path) in extra {
            if let Some(v) = scalar(obj, path) {
                label(&mut labels, name, &v);
            }
        }
        Some(Compat {
            family: Family::Gotk,
            text: labels.into_boxed_str(),
        })
    }
}

fn argo_app(obj: &Value) -> Compat {
    let repo = obj.str_at(&["spec", "source", "repoURL"]).or_else(|| {
        obj.array_at(&["spec", "sources"])
            .first()
            .and_then(|s| s.str_at(&["repoURL"]))
    });
    let automated = obj
        .at(&["spec", "syncPolicy", "automated"])
        .is_some_and(|a| !a.is_null() && a.bool_at(&["enabled"]) != Some(false));
    let mut labels = String::with_capacity(256);
    for (name, value) in [
        ("project", obj.str_at(&["spec", "project"])),
        ("repo", repo),
        (
            "dest_server",
            obj.str_at(&["spec", "destination", "server"]),
        ),
        (
            "dest_namespace",
            obj.str_at(&["spec", "destination", "namespace"]),
        ),
        ("health_status", obj.str_at(&["status", "health", "status"])),
        ("sync_status", obj.str_at(&["status", "sync", "status"])),
    ] {
        if let Some(v) = value {
            label(&mut labels, name, v);
        }
    }
    label(
        &mut labels,
        "autosync_enabled",
        if automated { "true" } else { "false" },
    );
    Compat {
        family: Family::ArgoApp,
        text: labels.into_boxed_str(),
    }
}

/// A string, number or boolean at `path`, as text.
fn scalar(obj: &Value, path: &[&str]) -> Option<String> {
    match obj.at(path)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Everything herald exports, in the text exposition format.
pub fn render(
    metrics: &Metrics,
    store: &Store,
    cluster: &str,
    ready: bool,
    outbox: &BTreeMap<String, usize>,
) -> String {
    // About 450 bytes per object (its info series, a compatibility series for most): one
    // allocation, no doubling of a multi-megabyte buffer.
    let mut out = String::with_capacity(65_536 + store.len() * 512);
    let mut objects = PerObject::new(cluster);
    while objects.next(store, &mut out, usize::MAX, usize::MAX) {}
    overall(&mut out, metrics, ready, outbox);
    out
}

/// What follows the per-object families: readiness, the build, the outbox and the registry's
/// counters and histograms.
pub fn overall(out: &mut String, metrics: &Metrics, ready: bool, outbox: &BTreeMap<String, usize>) {
    family(
        out,
        "herald_ready",
        "gauge",
        "1 once discovery ran and every watch delivered its first list, and while no watch has been down longer than the grace (--not-ready-after) and the evaluator is not stalled.",
    );
    match &metrics.shard {
        Some(s) => {
            out.push_str("herald_ready{");
            labels(out, [("shard", s.as_str())]);
            let _ = writeln!(out, "}} {}", u8::from(ready));
        }
        None => {
            let _ = writeln!(out, "herald_ready {}", u8::from(ready));
        }
    }
    family(
        out,
        "herald_build_info",
        "gauge",
        "herald's version, always 1.",
    );
    let _ = writeln!(
        out,
        "herald_build_info{{version=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION")
    );
    if !outbox.is_empty() {
        family(
            out,
            "herald_outbox_pending",
            "gauge",
            "Notifications written to the outbox and not yet taken or refused, by receiver.",
        );
        for (receiver, n) in outbox {
            out.push_str("herald_outbox_pending{");
            labels(out, [("receiver", receiver.as_str())]);
            let _ = writeln!(out, "}} {n}");
        }
    }
    metrics.encode_registry(out);
}

/// The families written from the store's objects (`herald_resource_info`, `herald_resources`,
/// `gotk_resource_info`, `argocd_app_info`), a part at a time: each call continues after the
/// last object the previous one looked at, so that a scrape of a big store need neither hold
/// the store's lock throughout nor build the whole text at once. Each family is written whole
/// (its HELP and TYPE once, then its samples) before the next begins, one pass over the store
/// each; objects that change between parts show as they were when their part was written.
#[derive(Debug)]
pub struct PerObject {
    cluster: String,
    step: Step,
    /// The last object the current family looked at.
    after: Option<Key>,
    /// Whether the current family's HELP and TYPE are written.
    headed: bool,
    /// Live objects by kind and health, counted during the first pass.
    counts: BTreeMap<String, [u64; 4]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Info,
    Counts,
    Compat(Family),
    Done,
}

impl PerObject {
    pub fn new(cluster: &str) -> PerObject {
        PerObject {
            cluster: cluster.to_string(),
            step: Step::Info,
            after: None,
            headed: false,
            counts: BTreeMap::new(),
        }
    }

    /// Writes the next part from `store` to `out`, stopping once `out` holds `until` bytes or
    /// more, or `scan` objects were looked at. Returns false once every family is written.
    pub fn next(&mut self, store: &Store, out: &mut String, until: usize, scan: usize) -> bool {
        let mut looked = 0;
        loop {
            match self.step {
                Step::Info => {
                    if !self.headed {
                        family(
                            out,
                            "herald_resource_info",
                            "gauge",
                            "One series per object herald watches (Pods, ReplicaSets and Jobs excepted): its health, status, readiness, suspension and revision.",
                        );
                        self.headed = true;
                    }
                    let from = self.after.clone();
                    for (key, entry) in store.live_after(from.as_deref()) {
                        if out.len() >= until || looked >= scan {
                            return true;
                        }
                        looked += 1;
                        self.after = Some(Key::clone(key));
                        let health = entry.health();
                        match self.counts.get_mut(key.kind.as_str()) {
                            Some(c) => c[health_index(health)] += 1,
                            None => {
                                let mut c = [0; 4];
                                c[health_index(health)] = 1;
                                self.counts.insert(key.kind.to_string(), c);
                            }
                        }
                        if !COUNTED_ONLY.contains(&(key.group.as_str(), key.kind.as_str())) {
                            resource_info(out, &self.cluster, key, entry, health);
                        }
                    }
                    self.step = Step::Counts;
                }
                Step::Counts => {
                    family(
                        out,
                        "herald_resources",
                        "gauge",
                        "Live objects by kind and health.",
                    );
                    for (kind, by_health) in &self.counts {
                        for h in Health::ALL {
                            out.push_str("herald_resources{");
                            labels(
                                out,
                                [
                                    ("cluster", self.cluster.as_str()),
                                    ("kind", kind),
                                    ("health", h.as_str()),
                                ],
                            );
                            let _ = writeln!(out, "}} {}", by_health[health_index(h)]);
                        }
                    }
                    self.step = Step::Compat(Family::Gotk);
                    self.after = None;
                    self.headed = false;
                }
                Step::Compat(wanted) => {
                    let (name, help, namespace_label) = wanted.described();
                    let from = self.after.clone();
                    for (key, entry) in store.live_after(from.as_deref()) {
                        if out.len() >= until || looked >= scan {
                            return true;
                        }
                        looked += 1;
                        self.after = Some(Key::clone(key));
                        let Some(c) = entry.compat.as_ref().filter(|c| c.family == wanted) else {
                            continue;
                        };
                        if !self.headed {
                            family(out, name, "gauge", help);
                            self.headed = true;
                        }
                        compat(out, name, namespace_label, key, c);
                    }
                    self.step = match wanted {
                        Family::Gotk => Step::Compat(Family::ArgoApp),
                        Family::ArgoApp => Step::Done,
                    };
                    self.after = None;
                    self.headed = false;
                }
                Step::Done => return false,
            }
        }
    }
}

impl Family {
    /// The family's name, help, and the label its objects' namespace goes under.
    fn described(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Family::Gotk => (
                "gotk_resource_info",
                "The current state of a Flux resource (the labels of Flux's kube-state-metrics configuration).",
                "exported_namespace",
            ),
            Family::ArgoApp => (
                "argocd_app_info",
                "Information about an Argo CD Application (the labels of Argo CD's own series).",
                "namespace",
            ),
        }
    }
}

/// One compatibility series: the object's name and namespace (under `namespace_label`), then
/// the labels its [`Compat`] wrote out.
fn compat(out: &mut String, name: &str, namespace_label: &str, key: &Key, c: &Compat) {
    out.push_str(name);
    out.push('{');
    labels(
        out,
        [
            ("name", key.name.as_str()),
            (namespace_label, key.namespace.as_str()),
        ],
    );
    out.push_str(&c.text);
    out.push_str("} 1\n");
}

fn resource_info(out: &mut String, cluster: &str, key: &Key, entry: &Entry, health: Health) {
    out.push_str("herald_resource_info{");
    labels(
        out,
        [
            ("cluster", cluster),
            ("group", key.group.as_str()),
            ("kind", key.kind.as_str()),
            ("namespace", key.namespace.as_str()),
            ("name", key.name.as_str()),
            ("health", health.as_str()),
            ("status", entry.own.status.as_str()),
            ("ready", if entry.own.ready { "true" } else { "false" }),
            (
                "suspended",
                if entry.own.suspended { "true" } else { "false" },
            ),
            ("revision", entry.own.revision.as_deref().unwrap_or("")),
        ],
    );
    out.push_str("} 1\n");
}

fn health_index(h: Health) -> usize {
    Health::ALL.iter().position(|x| *x == h).unwrap_or(0)
}

/// `herald_silences_active{source}`: silences running now, from the configuration file and
/// added through the API (counted when scraped, so one that ends by its time leaves at once).
pub fn silences_active(out: &mut String, configured: usize, api: usize) {
    family(
        out,
        "herald_silences_active",
        "gauge",
        "Silences running now, by source: the configuration file or the HTTP API.",
    );
    let _ = writeln!(
        out,
        "herald_silences_active{{source=\"config\"}} {configured}"
    );
    let _ = writeln!(out, "herald_silences_active{{source=\"api\"}} {api}");
}

/// What the store keeps of Kubernetes Warning Events ([`crate::warnings`]).
pub fn warnings(out: &mut String, kept: usize, evicted: u64) {
    family(
        out,
        "herald_warnings",
        "gauge",
        "Kubernetes Warning Events kept, attached to the objects they regard.",
    );
    let _ = writeln!(out, "herald_warnings {kept}");
    family(
        out,
        "herald_warnings_evicted_total",
        "counter",
        "Kubernetes Warning Events dropped for the caps (per object, in all).",
    );
    let _ = writeln!(out, "herald_warnings_evicted_total {evicted}");
}

/// What herald's history holds, and what it dropped ([`crate::history`]).
pub fn history(out: &mut String, records: u64, bytes: u64, dropped: u64, unsynced: u64) {
    family(
        out,
        "herald_history_records",
        "gauge",
        "Records in herald's history (transitions, notifications, warnings).",
    );
    let _ = writeln!(out, "herald_history_records {records}");
    family(
        out,
        "herald_history_bytes",
        "gauge",
        "The history's records as stored, in bytes (bounded by history.maxBytes).",
    );
    let _ = writeln!(out, "herald_history_bytes {bytes}");
    family(
        out,
        "herald_history_dropped_total",
        "counter",
        "History records dropped because its writer was behind.",
    );
    let _ = writeln!(out, "herald_history_dropped_total {dropped}");
    family(
        out,
        "herald_history_unsynced",
        "gauge",
        "History records not yet synced to disk (a crash would lose them; synced within 5 s).",
    );
    let _ = writeln!(out, "herald_history_unsynced {unsynced}");
}

/// What the store keeps of specs to tell their changes ([`crate::changes`]).
pub fn changes(out: &mut String, bytes: usize) {
    family(
        out,
        "herald_changes_bytes",
        "gauge",
        "Bytes of what herald keeps of objects' specs to tell their changes.",
    );
    let _ = writeln!(out, "herald_changes_bytes {bytes}");
}

fn family(out: &mut String, name: &str, type_: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {type_}");
}

/// `k="v",k="v"` with the values escaped; empty values are left out (Prometheus reads an empty
/// label as an absent one).
fn labels<'a>(out: &mut String, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
    let start = out.len();
    for (k, v) in pairs {
        label(out, k, v);
    }
    // No comma before the first.
    if out[start..].starts_with(',') {
        out.remove(start);
    }
}

/// `,k="v"` with the value escaped; nothing for an empty value.
fn label(out: &mut String, k: &str, v: &str) {
    if v.is_empty() {
        return;
    }
    out.push(',');
    out.push_str(k);
    out.push_str("=\"");
    for ch in v.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::health::assess;
    use crate::relations::Links;
    use crate::store::{DEFAULT_RETENTION, Meta, ObjectKey, Observed};

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    fn observe(store: &mut Store, obj: &Value) {
        let key = ObjectKey::of(obj).unwrap();
        let now = at("2026-11-23T12:00:00Z");
        store.apply(
            Observed {
                links: Links::of(obj, &key),
                key,
                resource_version: "1".into(),
                meta: Meta::default(),
                assessment: assess(obj, now),
                initial: false,
                compat: Compat::of(obj),
                spec: None,
                images: Vec::new(),
            },
            now,
        );
    }

    fn kustomization(name: &str, ready: &str, suspend: bool) -> Value {
        json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system", "generation": 1},
            "spec": {"suspend": suspend, "sourceRef": {"kind": "GitRepository", "name": "fleet"}},
            "status": {"observedGeneration": 1, "lastAppliedRevision": "main@sha1:abc",
                "conditions": [{"type": "Ready", "status": ready, "reason": "Because",
                    "message": "a \"quoted\" message\nwith a line break"}]}
        })
    }

    fn lines<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
        text.lines()
            .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
            .collect()
    }

    /// The labels of an object's compatibility series (values without commas or escapes).
    fn compat_labels(obj: &Value) -> BTreeMap<String, String> {
        Compat::of(obj)
            .unwrap()
            .text
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k.to_string(), v.trim_matches('"').to_string())
            })
            .collect()
    }

    /// Written a few bytes or one object at a time, continuing after the last object looked
    /// at, the per-object families are the same text as written at once, and stay whole while
    /// the store changes between parts.
    #[test]
    fn per_object_families_written_in_parts_are_the_same_text() {
        let mut store = Store::new(DEFAULT_RETENTION);
        for i in 0..30 {
            observe(
                &mut store,
                &kustomization(&format!("ks-{i:02}"), "True", false),
            );
            observe(
                &mut store,
                &json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                    "metadata": {"name": format!("app-{i:02}"), "namespace": "argocd"},
                    "spec": {"project": "default"}}),
            );
            observe(
                &mut store,
                &json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("pod-{i:02}"), "namespace": "web"},
                    "status": {"phase": "Running"}}),
            );
        }
        let whole = {
            let mut out = String::new();
            let mut p = PerObject::new("c");
            while p.next(&store, &mut out, usize::MAX, usize::MAX) {}
            out
        };
        for (until, scan) in [(1, usize::MAX), (usize::MAX, 1), (200, 7)] {
            let mut out = String::new();
            let mut p = PerObject::new("c");
            let mut parts = 0;
            loop {
                let stop = out.len().saturating_add(until);
                if !p.next(&store, &mut out, stop, scan) {
                    break;
                }
                parts += 1;
            }
            assert!(parts > 30, "{until} bytes, {scan} objects: {parts} parts");
            assert_eq!(out, whole, "{until} bytes, {scan} objects a part");
        }
        assert_eq!(lines(&whole, "herald_resource_info").len(), 60);
        assert_eq!(lines(&whole, "gotk_resource_info").len(), 30);
        assert_eq!(lines(&whole, "argocd_app_info").len(), 30);
        assert_eq!(whole.matches("# TYPE argocd_app_info gauge").count(), 1);

        // Objects deleted and added between parts: each family still whole, with one HELP.
        let mut out = String::new();
        let mut p = PerObject::new("c");
        let mut i = 0;
        loop {
            let stop = out.len() + 100;
            if !p.next(&store, &mut out, stop, usize::MAX) {
                break;
            }
            i += 1;
            let name = format!("ks-{i:02}");
            store.delete(
                &ObjectKey::new(
                    "kustomize.toolkit.fluxcd.io",
                    "Kustomization",
                    "flux-system",
                    &name,
                ),
                at("2026-11-23T12:00:01Z"),
            );
            observe(
                &mut store,
                &kustomization(&format!("late-{i:02}"), "True", false),
            );
        }
        let mut seen = Vec::new();
        for l in out.lines().filter(|l| !l.starts_with('#')) {
            let name = l.split('{').next().unwrap();
            if seen.last() != Some(&name) {
                assert!(!seen.contains(&name), "{name} apart:\n{out}");
                seen.push(name);
            }
        }
        assert_eq!(out.matches("# HELP ").count(), seen.len());
    }

    #[test]
    fn flux_objects_get_the_labels_of_fluxs_kube_state_metrics_configuration() {
        let c = Compat::of(&kustomization("apps", "False", true)).unwrap();
        assert_eq!(c.family, Family::Gotk);
        let labels = compat_labels(&kustomization("apps", "False", true));
        assert_eq!(labels["customresource_kind"], "Kustomization");
        assert_eq!(labels["customresource_version"], "v1");
        assert_eq!(labels["ready"], "False");
        assert_eq!(labels["suspended"], "true");
        assert_eq!(labels["revision"], "main@sha1:abc");
        assert_eq!(labels["source_name"], "fleet");

        let hr = json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "redis", "namespace": "data"},
            "spec": {"chart": {"spec": {"chart": "redis", "sourceRef": {"name": "bitnami"}}}},
            "status": {"history": [{"chartName": "redis", "chartVersion": "19.0.2", "appVersion": "7.2"},
                                   {"chartName": "redis", "chartVersion": "18.0.0"}]}
        });
        let labels = compat_labels(&hr);
        assert_eq!(labels["revision"], "19.0.2");
        assert_eq!(labels["chart_name"], "redis");
        assert_eq!(labels["chart_app_version"], "7.2");
        assert_eq!(labels["chart_source_name"], "bitnami");
        // No Ready condition and no spec.suspend: the labels are absent, not invented.
        assert!(!labels.contains_key("ready") && !labels.contains_key("suspended"));

        let provider = json!({"apiVersion": "notification.toolkit.fluxcd.io/v1beta3",
            "kind": "Provider", "metadata": {"name": "slack", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]}});
        let labels = compat_labels(&provider);
        assert!(
            !labels.contains_key("ready"),
            "Flux's configuration reads no Ready for Providers"
        );

        let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "apps"}});
        assert!(Compat::of(&deployment).is_none());
    }

    #[test]
    fn argo_applications_get_argo_cds_own_labels() {
        let app = json!({
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "billing", "namespace": "argocd"},
            "spec": {"project": "payments",
                "sources": [{"repoURL": "https://git.example.com/billing"}],
                "destination": {"server": "https://kubernetes.default.svc", "namespace": "billing"},
                "syncPolicy": {"automated": {"prune": true}}},
            "status": {"health": {"status": "Degraded"}, "sync": {"status": "OutOfSync"}}
        });
        assert_eq!(Compat::of(&app).unwrap().family, Family::ArgoApp);
        let labels = compat_labels(&app);
        assert_eq!(labels["project"], "payments");
        assert_eq!(labels["repo"], "https://git.example.com/billing");
        assert_eq!(labels["dest_namespace"], "billing");
        assert_eq!(labels["health_status"], "Degraded");
        assert_eq!(labels["sync_status"], "OutOfSync");
        assert_eq!(labels["autosync_enabled"], "true");
    }

    #[test]
    fn the_store_is_rendered_one_series_per_object_with_escaped_values() {
        let mut store = Store::new(DEFAULT_RETENTION);
        observe(&mut store, &kustomization("apps", "False", false));
        observe(&mut store, &kustomization("infra", "True", true));
        let pod = json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "apps"},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}});
        observe(&mut store, &pod);
        let metrics = Metrics::new();
        let outbox = BTreeMap::from([("slack".to_string(), 2)]);
        let text = render(&metrics, &store, "prod \"eu\"", true, &outbox);

        let info = lines(&text, "herald_resource_info");
        assert_eq!(info.len(), 2, "Pods are only counted: {info:?}");
        assert!(
            info[0].contains("cluster=\"prod \\\"eu\\\"\""),
            "{}",
            info[0]
        );
        assert!(info[0].contains("name=\"apps\",health=\"unhealthy\",status=\"Because\",ready=\"true\",suspended=\"false\""), "{}", info[0]);
        assert!(info[1].contains("suspended=\"true\""), "{}", info[1]);
        let counts = lines(&text, "herald_resources");
        assert!(counts.contains(&"herald_resources{cluster=\"prod \\\"eu\\\"\",kind=\"Kustomization\",health=\"unhealthy\"} 1"));
        assert!(counts.contains(
            &"herald_resources{cluster=\"prod \\\"eu\\\"\",kind=\"Pod\",health=\"healthy\"} 1"
        ));
        assert_eq!(counts.len(), 8, "four healths for each of two kinds");
        assert_eq!(lines(&text, "gotk_resource_info").len(), 2);
        assert!(lines(&text, "argocd_app_info").is_empty());
        assert_eq!(lines(&text, "herald_ready"), ["herald_ready 1"]);
        assert_eq!(
            lines(&text, "herald_outbox_pending"),
            ["herald_outbox_pending{receiver=\"slack\"} 2"]
        );

        // A deleted object's series goes with it.
        store.delete(
            &ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "flux-system",
                "apps",
            ),
            at("2026-11-23T12:01:00Z"),
        );
        let text = render(&metrics, &store, "c", false, &BTreeMap::new());
        assert_eq!(lines(&text, "herald_resource_info").len(), 1);
        assert_eq!(lines(&text, "gotk_resource_info").len(), 1);
        assert_eq!(lines(&text, "herald_ready"), ["herald_ready 0"]);
    }

    #[test]
    fn each_watch_has_its_own_up_and_last_event_series_and_relists_count_what_they_found() {
        let m = Metrics::new();
        let all = m.watch_counters("Kustomization", None);
        let apps = m.watch_counters("Kustomization", Some("apps"));
        all.up.set(1);
        all.last_event.set(1_795_000_000.5);
        apps.relisted("restored", 1, 2, 3);
        apps.relisted("periodic", 0, 0, 0);
        let mut text = String::new();
        m.encode_registry(&mut text);
        assert_eq!(
            lines(&text, "herald_watch_up"),
            [
                "herald_watch_up{kind=\"Kustomization\",watch_namespace=\"\"} 1",
                "herald_watch_up{kind=\"Kustomization\",watch_namespace=\"apps\"} 0",
            ]
        );
        assert!(
            text.contains("herald_watch_last_event_timestamp_seconds{kind=\"Kustomization\",watch_namespace=\"\"} 1795000000.5"),
            "{text}"
        );
        assert_eq!(
            lines(&text, "herald_watch_relists_total"),
            [
                "herald_watch_relists_total{kind=\"Kustomization\",reason=\"periodic\"} 1",
                "herald_watch_relists_total{kind=\"Kustomization\",reason=\"restored\"} 1",
            ]
        );
        assert_eq!(
            lines(&text, "herald_watch_relist_changes_total"),
            [
                "herald_watch_relist_changes_total{change=\"added\",kind=\"Kustomization\"} 1",
                "herald_watch_relist_changes_total{change=\"changed\",kind=\"Kustomization\"} 2",
                "herald_watch_relist_changes_total{change=\"deleted\",kind=\"Kustomization\"} 3",
            ]
        );
    }

    #[test]
    fn transitions_count_changes_of_health_only() {
        let m = Metrics::new();
        m.transition("Kustomization", None, Some(Health::Healthy));
        m.transition(
            "Kustomization",
            Some(Health::Healthy),
            Some(Health::Healthy),
        );
        m.transition(
            "Kustomization",
            Some(Health::Healthy),
            Some(Health::Unhealthy),
        );
        m.transition("Kustomization", Some(Health::Unhealthy), None);
        let mut text = String::new();
        m.encode_registry(&mut text);
        let t = lines(&text, "herald_health_transitions_total");
        assert_eq!(
            t,
            [
                "herald_health_transitions_total{from=\"healthy\",kind=\"Kustomization\",to=\"unhealthy\"} 1",
                "herald_health_transitions_total{from=\"none\",kind=\"Kustomization\",to=\"healthy\"} 1",
                "herald_health_transitions_total{from=\"unhealthy\",kind=\"Kustomization\",to=\"deleted\"} 1",
            ]
        );
    }
}

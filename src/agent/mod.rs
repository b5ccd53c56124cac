//! The running agent: discovery, one watcher per served kind, and one evaluator that assesses
//! every update and keeps the store.
//!
//! Watchers only parse and forward. The evaluator runs on a thread of its own because Lua states
//! stay on the thread that made them; it owns the assessor, writes the store (readers take a read
//! lock) and publishes transitions.

pub mod bounded;
pub mod lines;
pub mod paced;
pub mod raw;
pub mod watch;

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use kube::api::ApiResource;
use kube::discovery::{Discovery, Scope};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use crate::clock::Clock;
use crate::health::{Assessor, Quarantine};
use crate::lua::Heartbeat;
use crate::metrics::{ENGINES, Metrics, engine};
use crate::object::ValueExt;
use crate::relations::{self, Links};
use crate::store::{Meta, ObjectKey, Observed, Store, Transition};
pub use watch::{Relist, RelistReason, Target, WatchStatus};

/// The kinds herald watches when the cluster serves them.
/// Whether a kind is one of the GitOps kinds herald selects by label (a shard's own).
pub fn is_gitops_kind(group: &str, kind: &str) -> bool {
    GITOPS_KINDS.iter().any(|(g, k)| *g == group && *k == kind)
}

pub const GITOPS_KINDS: &[(&str, &str)] = &[
    ("kustomize.toolkit.fluxcd.io", "Kustomization"),
    ("helm.toolkit.fluxcd.io", "HelmRelease"),
    ("source.toolkit.fluxcd.io", "GitRepository"),
    ("source.toolkit.fluxcd.io", "OCIRepository"),
    ("source.toolkit.fluxcd.io", "HelmRepository"),
    ("source.toolkit.fluxcd.io", "HelmChart"),
    ("source.toolkit.fluxcd.io", "Bucket"),
    ("image.toolkit.fluxcd.io", "ImageRepository"),
    ("image.toolkit.fluxcd.io", "ImagePolicy"),
    ("image.toolkit.fluxcd.io", "ImageUpdateAutomation"),
    ("notification.toolkit.fluxcd.io", "Receiver"),
    ("notification.toolkit.fluxcd.io", "Alert"),
    ("notification.toolkit.fluxcd.io", "Provider"),
    ("argoproj.io", "Application"),
    ("argoproj.io", "ApplicationSet"),
    ("argoproj.io", "AppProject"),
];

/// The kind of Kubernetes Events herald watches for warnings.
pub const EVENTS: (&str, &str) = ("events.k8s.io", "Event");

/// The kind of the Nodes herald watches with children ([`Config::nodes`]).
pub const NODES: (&str, &str) = ("", "Node");

/// Events kept for `/api/v1/events`, at most.
pub const EVENTS_KEPT: usize = 1000;

/// One event herald detected in a transition, as `/api/v1/events` lists it. Its one-line
/// `summary` is written when it is listed: most are pushed out of the log unread.
#[derive(Debug, Clone)]
pub struct Logged {
    pub at: Timestamp,
    pub event: crate::config::EventKind,
    pub object: crate::store::Key,
    pub from: Option<crate::store::Verdict>,
    pub to: Option<crate::store::Verdict>,
    pub message: String,
    /// For an event about a health rolled up from children: the first child behind it.
    pub via: Option<String>,
    /// A change of spec or image, when that is the event.
    pub change: Option<Arc<crate::changes::Change>>,
}

impl Logged {
    /// The event in one line, the child behind a rolled-up health named
    /// ([`crate::events::headline`]).
    pub fn summary(&self) -> String {
        match self.change.as_deref() {
            Some(c) => crate::events::change_headline(self.event, &self.object, c),
            None => crate::events::headline(
                self.event,
                &self.object,
                self.to.as_ref(),
                self.via.as_deref(),
            ),
        }
    }
}

impl serde::Serialize for Logged {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            at: &'a Timestamp,
            event: crate::config::EventKind,
            object: &'a crate::store::Key,
            from: &'a Option<crate::store::Verdict>,
            to: &'a Option<crate::store::Verdict>,
            message: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            via: &'a Option<String>,
            summary: String,
        }
        Out {
            at: &self.at,
            event: self.event,
            object: &self.object,
            from: &self.from,
            to: &self.to,
            message: &self.message,
            via: &self.via,
            summary: self.summary(),
        }
        .serialize(s)
    }
}

/// What watchers hand the evaluator.
#[derive(Debug)]
pub enum Update {
    /// An object as listed or watched; `initial` during the first list of its kind.
    Apply(raw::Unparsed, bool),
    Delete(ObjectKey),
    /// A (re)list finished.
    Listed(Listing),
    /// A Kubernetes Warning Event, for the object it regards.
    Warning(Box<crate::warnings::Seen>),
}

/// All the objects of one kind in a watch's scope, as a (re)list found them.
#[derive(Debug)]
pub struct Listing {
    pub group: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub keys: BTreeSet<ObjectKey>,
    /// Whether readiness waits for this watch (children's watches do not).
    pub gates_ready: bool,
}

/// Where the agent looks.
#[derive(Debug, Clone)]
pub struct Config {
    /// Namespaces to watch; empty for all.
    pub namespaces: Vec<String>,
    pub label_selector: Option<String>,
    /// How long deleted objects stay visible.
    pub retention: SignedDuration,
    /// How often discovery runs again to pick up CRDs installed later.
    pub rediscover_every: Duration,
    /// Extra kinds to watch besides Flux and Argo CD's: (group, kind).
    pub extra_kinds: Vec<(String, String)>,
    /// Follow children: record relationships, roll children's health up into their parents,
    /// and watch the kinds that inventories list.
    pub children: bool,
    /// At most this many kinds are watched on demand for children.
    pub max_child_kinds: usize,
    /// Watch Flux's kinds, Argo CD's kinds.
    pub flux: bool,
    pub argo: bool,
    /// Keep every transition for a notifier ([`Agent::take_changes`]), none dropped.
    pub notify: bool,
    /// The `cluster` label of the metrics.
    pub cluster: String,
    /// The evaluator counts as stalled (`/healthz` and `/readyz` fail) after doing nothing for
    /// this long while work waits.
    pub stall_after: Duration,
    /// How long a Lua check may run past its own time limit before the watchdog abandons it
    /// (the VM enforces the limit itself; this catches what escapes the VM).
    pub watchdog_margin: Duration,
    /// Every watch lists again this often, to repair any divergence from the API server (as
    /// after an etcd restore); None: never.
    pub relist_every: Option<Duration>,
    /// herald is not ready while a watch its readiness waits for has been down this long.
    pub not_ready_after: Duration,
    /// The shard this instance serves: a `shard` label on its metrics.
    pub shard: Option<String>,
    /// Watch Kubernetes Warning Events (`events.k8s.io/v1`, `type=Warning` alone) and attach
    /// them to the objects they regard ([`crate::warnings`]).
    pub events: bool,
    /// With `children`: watch Nodes (their health, and which GitOps objects their Pods belong
    /// to, [`crate::placement`]).
    pub nodes: bool,
    /// Where transitions and warnings are kept for the history's retention.
    pub history: Option<Arc<crate::history::History>>,
    /// Spec changes (`changed`): tracked unless None or `track: false` ([`crate::changes`]).
    pub changes: Option<crate::changes::Rules>,
    /// While updates trickle in, the evaluator takes them together at most this often ([`PACE`];
    /// zero: as each comes).
    pub pace: Duration,
    /// A watch event longer than this is read past, counted as malformed and logged
    /// ([`watch::MAX_EVENT_BYTES`]).
    pub max_event_bytes: usize,
    /// A list page whose answer is longer is asked again for half as many objects
    /// ([`watch::MAX_PAGE_BYTES`]).
    pub max_page_bytes: usize,
    /// A list or watch request the API server has not begun to answer after this long fails
    /// (retried, and told as any failure) ([`watch::ANSWER_WAIT`]).
    pub answer_wait: Duration,
}

/// How often watches relist unless told otherwise.
pub const DEFAULT_RELIST: Duration = Duration::from_secs(30 * 60);
/// How long a watch may be down before herald says it is not ready, unless told otherwise.
pub const DEFAULT_NOT_READY_AFTER: Duration = Duration::from_secs(60);

impl Default for Config {
    fn default() -> Self {
        Config {
            namespaces: Vec::new(),
            label_selector: None,
            retention: crate::store::DEFAULT_RETENTION,
            rediscover_every: Duration::from_secs(60),
            extra_kinds: Vec::new(),
            children: true,
            max_child_kinds: 64,
            flux: true,
            argo: true,
            notify: false,
            cluster: String::new(),
            stall_after: Duration::from_secs(30),
            watchdog_margin: Duration::from_secs(5),
            relist_every: Some(DEFAULT_RELIST),
            not_ready_after: DEFAULT_NOT_READY_AFTER,
            shard: None,
            events: true,
            nodes: true,
            history: None,
            changes: Some(crate::changes::Rules::default()),
            pace: PACE,
            max_event_bytes: watch::MAX_EVENT_BYTES,
            max_page_bytes: watch::MAX_PAGE_BYTES,
            answer_wait: watch::ANSWER_WAIT,
        }
    }
}

/// The agent's shared state, for the HTTP API and the notifiers.
pub struct Agent {
    pub store: Arc<RwLock<Store>>,
    pub transitions: broadcast::Sender<Transition>,
    pub metrics: Arc<Metrics>,
    /// The `cluster` label of the metrics.
    pub cluster: String,
    /// Watchers started and those whose first list is complete.
    started: AtomicUsize,
    listed: AtomicUsize,
    discovered: AtomicBool,
    /// Every transition, in order, for the notifier (the broadcast may drop some when readers lag).
    changes_tx: Option<mpsc::UnboundedSender<Transition>>,
    changes_rx: std::sync::Mutex<Option<mpsc::UnboundedReceiver<Transition>>>,
    /// The last [`EVENTS_KEPT`] events detected in transitions, oldest first.
    pub events: std::sync::Mutex<std::collections::VecDeque<Logged>>,
    /// The notifier, once started (for the HTTP API's silences).
    pub notifier: std::sync::OnceLock<Arc<crate::notify::Notifier>>,
    /// With leader election: this replica's identity and what it may do.
    pub election: std::sync::OnceLock<(
        String,
        tokio::sync::watch::Receiver<crate::lease::Leadership>,
    )>,
    /// A subscription made before anything ran, so its holder misses nothing.
    first_subscriber: std::sync::Mutex<Option<broadcast::Receiver<Transition>>>,
    /// What each watch says about itself, in the order they started.
    watches: std::sync::Mutex<Vec<Arc<std::sync::Mutex<WatchStatus>>>>,
    /// See [`Config::not_ready_after`].
    not_ready_after: Duration,
    clock: Arc<dyn Clock>,
    /// Whether the evaluator gets on with its work, for the probes.
    pub progress: Progress,
}

/// The evaluator's progress: herald must not look healthy while it is stuck.
#[derive(Debug)]
pub struct Progress {
    base: Instant,
    /// When the evaluator last got something done (an assessment, a batch written), in
    /// nanoseconds after `base`.
    last: AtomicU64,
    /// A batch has been taken and is not written yet.
    busy: AtomicBool,
    stall_after: Duration,
}

impl Progress {
    fn new(stall_after: Duration) -> Progress {
        Progress {
            base: Instant::now(),
            last: AtomicU64::new(0),
            busy: AtomicBool::new(false),
            stall_after,
        }
    }

    fn tick(&self) {
        let at = u64::try_from(self.base.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.last.store(at, Ordering::Relaxed);
    }

    /// How long the evaluator has done nothing while work waits, once that is
    /// [`Config::stall_after`] or longer.
    pub fn stalled(&self) -> Option<Duration> {
        if !self.busy.load(Ordering::SeqCst) {
            return None;
        }
        let last = Duration::from_nanos(self.last.load(Ordering::Relaxed));
        let idle = self.base.elapsed().saturating_sub(last);
        (idle >= self.stall_after).then_some(idle)
    }

    /// What `/healthz` and `/readyz` say while the evaluator is stalled.
    pub fn stalled_reason(&self) -> Option<String> {
        self.stalled().map(|idle| {
            format!(
                "stalled: the evaluator has done nothing for {} s while work is waiting",
                idle.as_secs()
            )
        })
    }
}

impl Agent {
    /// Ready once discovery ran and every watcher delivered its first list, and while no watch
    /// readiness waits for has been down longer than [`Config::not_ready_after`]: herald never
    /// says it is ready over data it can no longer refresh.
    pub fn is_ready(&self) -> bool {
        self.readiness().is_ok()
    }

    /// Whether discovery ran and every watch delivered its first list.
    pub fn listed_all(&self) -> bool {
        self.discovered.load(Ordering::SeqCst)
            && self.listed.load(Ordering::SeqCst) >= self.started.load(Ordering::SeqCst)
    }

    /// Why herald is not ready, if it is not.
    pub fn readiness(&self) -> Result<(), String> {
        if let Some(why) = self.progress.stalled_reason() {
            return Err(why);
        }
        if !self.discovered.load(Ordering::SeqCst)
            || self.listed.load(Ordering::SeqCst) < self.started.load(Ordering::SeqCst)
        {
            return Err("waiting for the first list of every watch".into());
        }
        let now = self.clock.now();
        let down: Vec<String> = self
            .watches()
            .iter()
            .filter(|w| w.gates_ready && w.down_for(self.not_ready_after, now))
            .map(WatchStatus::name)
            .collect();
        if down.is_empty() {
            return Ok(());
        }
        Err(format!(
            "blind: {} watch(es) down for more than {} s, what herald shows may be stale: {}",
            down.len(),
            self.not_ready_after.as_secs_f64(),
            down.join(", ")
        ))
    }

    /// What each watch says about itself: up or down, when it last heard from the API server,
    /// its last error and last relist.
    pub fn watches(&self) -> Vec<WatchStatus> {
        self.watches
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|w| w.lock().unwrap_or_else(|p| p.into_inner()).clone())
            .collect()
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Transition> {
        self.transitions.subscribe()
    }

    /// Transitions from the very start (the first call; later ones get a fresh subscription).
    pub fn subscribe_from_start(&self) -> broadcast::Receiver<Transition> {
        self.first_subscriber
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(|| self.subscribe())
    }

    /// The lossless stream of transitions, once (None without `Config::notify`, or taken).
    pub fn take_changes(&self) -> Option<mpsc::UnboundedReceiver<Transition>> {
        self.changes_rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

/// A client for the agent: without kube's own retries of 429, 503 and 504 (up to 15, the
/// longest 1000 s apart), which would hide an API server that is down inside one endless
/// request. The watchers retry themselves, and so know and tell when they are failing. Every
/// answer but a watch's is read up to [`bounded::MAX_ANSWER_BYTES`]; the agent's watches bound
/// their lines themselves ([`lines`]).
pub fn client(config: kube::Config) -> kube::Result<kube::Client> {
    bounded_client(config, false)
}

/// A client for kube-rs's own watcher (of Argo CD's ConfigMap), which reads a line of a watch's
/// answer however long it grows: as [`client`], and each line of a watch's answer is read up to
/// [`bounded::MAX_ANSWER_BYTES`] too, past which the watch fails as a dropped connection would.
pub fn client_for_kube_watcher(config: kube::Config) -> kube::Result<kube::Client> {
    bounded_client(config, true)
}

fn bounded_client(mut config: kube::Config, watch_lines: bool) -> kube::Result<kube::Client> {
    config.default_retry = false;
    Ok(kube::client::ClientBuilder::try_from(config)?
        .with_layer(&bounded::Layer {
            max: bounded::MAX_ANSWER_BYTES,
            watch_lines,
        })
        .build())
}

/// The agent's clients: one for lists and every other request, and one for the watches, whose
/// connections are read at a pace while their events trickle in ([`paced`]).
#[derive(Clone)]
pub struct Clients {
    pub api: kube::Client,
    pub watches: kube::Client,
}

/// One client for everything, the watches read as their events come.
impl From<kube::Client> for Clients {
    fn from(client: kube::Client) -> Clients {
        Clients {
            api: client.clone(),
            watches: client,
        }
    }
}

/// The agent's clients: [`client`]'s, and one as it for the watches, paced at `pace` (zero: the
/// same client for both). A kubeconfig's proxy is refused by the first, as by kube's own
/// builder in this build.
pub fn clients(config: kube::Config, pace: Duration) -> kube::Result<Clients> {
    let api = client(config.clone())?;
    if pace.is_zero() {
        return Ok(api.into());
    }
    Ok(Clients {
        api,
        watches: paced_client(config, pace)?,
    })
}

/// A client as [`client`] (kube's stack without its retries), over [`paced`] connections.
fn paced_client(config: kube::Config, pace: Duration) -> kube::Result<kube::Client> {
    use kube::client::ConfigExt;
    type BoxError = Box<dyn std::error::Error + Send + Sync>;
    let connector = paced::Connector::new(pace, config.connect_timeout);
    let https = config.rustls_https_connector_with_connector(connector)?;
    let http: hyper_util::client::legacy::Client<_, kube::client::Body> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(https);
    let service = tower::ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .map_err(BoxError::from)
        .service(http);
    Ok(
        kube::client::ClientBuilder::new(service, config.default_namespace.clone())
            .with_layer(&bounded::Layer {
                max: bounded::MAX_ANSWER_BYTES,
                watch_lines: false,
            })
            .build(),
    )
}

/// Starts discovery, the watchers and the evaluator; returns at once. `assessor` builds the
/// checks, again each time the watchdog replaces an evaluator stuck in one.
pub fn start(
    clients: impl Into<Clients>,
    config: Config,
    assessor: impl Fn() -> Assessor + Send + Sync + 'static,
    clock: Arc<dyn Clock>,
) -> Arc<Agent> {
    let changes = if config.notify {
        let (tx, rx) = mpsc::unbounded_channel();
        (Some(tx), Some(rx))
    } else {
        (None, None)
    };
    let mut store = Store::new(config.retention);
    if !config.children {
        store = store.without_rollup();
    }
    store.history.clone_from(&config.history);
    if let Some(rules) = config.changes.clone().filter(|r| r.track) {
        store = store.with_changes(rules);
    }
    let agent = Arc::new(Agent {
        store: Arc::new(RwLock::new(store)),
        transitions: broadcast::channel(4096).0,
        metrics: Arc::new(Metrics::for_shard(config.shard.as_deref())),
        cluster: config.cluster.clone(),
        started: AtomicUsize::new(0),
        listed: AtomicUsize::new(0),
        discovered: AtomicBool::new(false),
        changes_tx: changes.0,
        changes_rx: std::sync::Mutex::new(changes.1),
        first_subscriber: std::sync::Mutex::new(None),
        notifier: std::sync::OnceLock::new(),
        election: std::sync::OnceLock::new(),
        events: std::sync::Mutex::new(std::collections::VecDeque::new()),
        progress: Progress::new(config.stall_after),
        watches: std::sync::Mutex::new(Vec::new()),
        not_ready_after: config.not_ready_after,
        clock: Arc::clone(&clock),
    });
    *agent
        .first_subscriber
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = Some(agent.transitions.subscribe());
    let (tx, rx) = mpsc::channel::<Update>(256);
    let (kinds_tx, kinds_rx) = mpsc::unbounded_channel();
    let kinds_tx = config.children.then_some(kinds_tx);
    spawn_evaluator(
        Arc::clone(&agent),
        rx,
        kinds_tx,
        assessor,
        clock,
        config.watchdog_margin,
        config.pace,
    );
    tokio::spawn(discover_loop(
        clients.into(),
        config,
        Arc::clone(&agent),
        tx,
        kinds_rx,
    ));
    agent
}

/// How often the watchdog looks at the running check.
const WATCHDOG_EVERY: Duration = Duration::from_millis(100);

/// Evaluations abandoned in one process before the watchdog gives up replacing the evaluator.
const MAX_ABANDONED: u64 = 3;

/// What every generation of the evaluator shares. A generation ends when the watchdog abandons
/// it (stuck in a Lua check beyond the VM's own limits); the next one takes over the queue and
/// the batch in flight.
struct Shared {
    rx: std::sync::Mutex<mpsc::Receiver<Update>>,
    /// The batch being assessed, until it is written to the store.
    inflight: std::sync::Mutex<Option<Arc<Vec<Update>>>>,
    /// Kinds whose first list has arrived (per namespace), for readiness.
    first_lists: std::sync::Mutex<HashSet<(String, String, Option<String>)>>,
    make: Box<dyn Fn() -> Assessor + Send + Sync>,
    /// Where to ask for children's kinds to be watched; None when children are not followed.
    kinds: Option<mpsc::UnboundedSender<(String, String)>>,
    clock: Arc<dyn Clock>,
    /// The generation allowed to write the store; an abandoned one finds it changed and stops.
    generation: AtomicU64,
    /// What the current generation's Lua checks run.
    heartbeat: std::sync::Mutex<Arc<Heartbeat>>,
    quarantine: Arc<std::sync::Mutex<Quarantine>>,
    watchdog_margin: Duration,
    /// See [`Config::pace`].
    pace: Duration,
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// One generation's state between updates.
struct Evaluator {
    assessor: Assessor,
    kinds: Option<mpsc::UnboundedSender<(String, String)>>,
    asked: HashSet<(String, String)>,
    last_prune: Timestamp,
    /// Labels and notification annotations are read only for a notifier.
    keep_meta: bool,
    /// Check durations by engine (builtin, lua, fallback), flushed to the metrics per batch.
    durations: [prometheus::local::LocalHistogram; 3],
    history: Option<Arc<crate::history::History>>,
}

impl Evaluator {
    /// Asks for a child's kind (and what its objects own) to be watched, once.
    fn want(&mut self, group: &str, kind: &str) {
        let Some(tx) = &self.kinds else {
            return;
        };
        let wanted = std::iter::once((group, kind))
            .chain(relations::dependents(group, kind).iter().copied());
        for (g, k) in wanted {
            if !self.asked.contains(&(g.to_string(), k.to_string())) {
                self.asked.insert((g.to_string(), k.to_string()));
                let _ = tx.send((g.to_string(), k.to_string()));
            }
        }
    }
}

fn spawn_evaluator(
    agent: Arc<Agent>,
    rx: mpsc::Receiver<Update>,
    kinds: Option<mpsc::UnboundedSender<(String, String)>>,
    assessor: impl Fn() -> Assessor + Send + Sync + 'static,
    clock: Arc<dyn Clock>,
    watchdog_margin: Duration,
    pace: Duration,
) {
    let shared = Arc::new(Shared {
        watchdog_margin,
        pace,
        rx: std::sync::Mutex::new(rx),
        inflight: std::sync::Mutex::new(None),
        first_lists: std::sync::Mutex::new(HashSet::new()),
        make: Box::new(assessor),
        kinds,
        clock,
        generation: AtomicU64::new(0),
        heartbeat: std::sync::Mutex::new(Arc::new(Heartbeat::default())),
        quarantine: Arc::new(std::sync::Mutex::new(Quarantine::new())),
    });
    let weak = Arc::downgrade(&agent);
    spawn_generation(agent, Arc::clone(&shared), 0);
    std::thread::Builder::new()
        .name("herald-watchdog".into())
        .spawn(move || watchdog(&weak, &shared))
        .expect("spawn the watchdog thread");
}

fn spawn_generation(agent: Arc<Agent>, shared: Arc<Shared>, generation: u64) {
    std::thread::Builder::new()
        .name("herald-evaluator".into())
        .spawn(move || evaluate(&agent, &shared, generation))
        .expect("spawn the evaluator thread");
}

fn evaluate(agent: &Agent, shared: &Shared, generation: u64) {
    let mut assessor = (shared.make)();
    let heartbeat = Arc::new(Heartbeat::default());
    *lock(&shared.heartbeat) = Arc::clone(&heartbeat);
    assessor.supervised(
        heartbeat,
        Arc::clone(&shared.quarantine),
        agent.metrics.lua_quarantined.clone(),
    );
    let mut ev = Evaluator {
        assessor,
        kinds: shared.kinds.clone(),
        asked: HashSet::new(),
        last_prune: shared.clock.now(),
        keep_meta: agent.changes_tx.is_some(),
        durations: ENGINES.map(|e| agent.metrics.check_duration.with_label_values(&[e]).local()),
        history: agent
            .store
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .history
            .clone(),
    };
    let mut pacer = Pacer::new(shared.pace);
    let mut uncollected = 0;
    while let Some(batch) = take_batch(agent, shared, generation, &mut pacer, &mut uncollected) {
        let now = shared.clock.now();
        ev.assessor.take_updates();
        let Some(transitions) = apply(agent, shared, generation, &mut ev, &batch, now) else {
            // Abandoned: a later generation has the batch.
            return;
        };
        for d in &ev.durations {
            d.flush();
        }
        log_events(agent, &transitions);
        if let Some(h) = &ev.history {
            for t in &transitions {
                h.transition(t);
            }
        }
        for t in transitions {
            agent.metrics.transition(
                &t.key.kind,
                t.from.as_ref().map(|v| v.health),
                t.to.as_ref().map(|v| v.health),
            );
            if let Some(tx) = &agent.changes_tx {
                let _ = tx.send(t.clone());
            }
            let _ = agent.transitions.send(t);
        }
    }
}

/// What a thread of herald's does to take back the allocator's pages freed into its heap (by
/// other threads, or emptied last before it went quiet), set by the executable; nothing unless
/// it is. Run by the runtime's workers each time they park, and by the evaluator when its queue
/// empties after at least [`COLLECT_AFTER`] updates.
pub static COLLECT: std::sync::OnceLock<fn()> = std::sync::OnceLock::new();

/// Runs [`COLLECT`].
pub fn collect() {
    if let Some(collect) = COLLECT.get() {
        collect();
    }
}

/// Updates the evaluator takes between two collections of its heap, at least: the first lists
/// end with one, and a trickle of updates does not pay one each.
const COLLECT_AFTER: usize = 1024;

/// While updates trickle in, the evaluator takes them together at most this often, by default.
/// Each wake-up of a thread costs it more CPU than the work of one update in a burst (its
/// caches went cold meanwhile), and one update after another each woke the evaluator and, through
/// the transitions it sent, the notification pipeline. Waiting for more once woken saved nothing
/// (a second wake-up to end the wait); not waking at all until this long after the last wake-up
/// does (BENCHMARKS.md): the watches' sends meanwhile find nobody waiting. An update that comes
/// alone (a quiet cluster) is taken at once; in a burst the queue is never empty and nothing
/// waits; an update that trickles in waits up to this long. The watches' connections are read
/// at the same pace while their events trickle in ([`paced`]), so an update waits up to twice
/// this long on its way in. 50 ms spent a fifth less CPU per trickled update than 20 ms, and
/// 100 ms about a tenth less again (BENCHMARKS.md), for a delay a notification's own (seconds)
/// dwarfs. Longer saves little more: what a trickled update costs beyond a burst's is now its
/// own work on cold caches, not the wake-ups.
pub const PACE: Duration = Duration::from_millis(100);

/// When the evaluator takes updates that trickle in ([`PACE`]).
#[derive(Clone, Copy)]
struct Pacer {
    pace: Duration,
    /// When it last woke for a batch, and whether updates were trickling then.
    woke: Option<(Instant, bool)>,
}

impl Pacer {
    fn new(pace: Duration) -> Pacer {
        Pacer { pace, woke: None }
    }

    /// How long to sleep at `now`, with nothing waiting, before looking at the queue again:
    /// while updates trickle, until `pace` after the last wake-up; otherwise not at all (the
    /// next update is waited for on the queue and taken as it comes).
    fn wait(&self, now: Instant) -> Option<Duration> {
        let (at, true) = self.woke? else {
            return None;
        };
        (at + self.pace)
            .checked_duration_since(now)
            .filter(|d| !d.is_zero())
    }

    /// Nothing came while it slept: the trickle is over.
    fn slept_in_vain(&mut self) {
        self.woke = None;
    }

    /// It woke at `now` for a batch: updates trickle when they come again within about `pace`
    /// of the last wake-up.
    fn woke(&mut self, now: Instant) {
        let trickling = self
            .woke
            .is_some_and(|(at, _)| now.saturating_duration_since(at) < self.pace * 3 / 2);
        self.woke = Some((now, trickling));
    }
}

/// The batch an abandoned generation left, or the next one from the queue (what else is
/// waiting is taken with it, so the store's lock is taken once per batch). While updates
/// trickle, not before [`Config::pace`] after the evaluator last woke ([`Pacer`]). None when the
/// queue is closed or this generation was superseded.
fn take_batch(
    agent: &Agent,
    shared: &Shared,
    generation: u64,
    pacer: &mut Pacer,
    uncollected: &mut usize,
) -> Option<Arc<Vec<Update>>> {
    let superseded = || shared.generation.load(Ordering::SeqCst) != generation;
    if superseded() {
        return None;
    }
    if let Some(left) = lock(&shared.inflight).clone() {
        return Some(left);
    }
    let mut rx = lock(&shared.rx);
    // Looked at again under the queue's lock: a superseded generation may have put one back.
    if let Some(left) = lock(&shared.inflight).clone() {
        return Some(left);
    }
    // Trickling and nothing waiting: asleep until `pace` after the last wake-up, not waiting on
    // the queue, so the watches' sends meanwhile wake nobody.
    let mut slept = false;
    if rx.is_empty()
        && let Some(wait) = pacer.wait(Instant::now())
    {
        std::thread::sleep(wait);
        slept = true;
    }
    let first = match rx.try_recv() {
        Ok(u) => u,
        Err(_) => {
            if slept {
                pacer.slept_in_vain();
            }
            // About to wait for more: after a burst, first what it freed goes back.
            if *uncollected >= COLLECT_AFTER {
                *uncollected = 0;
                collect();
            }
            rx.blocking_recv()?
        }
    };
    pacer.woke(Instant::now());
    let mut batch = Vec::with_capacity(BATCH);
    batch.push(first);
    while batch.len() < BATCH {
        match rx.try_recv() {
            Ok(u) => batch.push(u),
            Err(_) => break,
        }
    }
    *uncollected += batch.len();
    let batch = Arc::new(batch);
    *lock(&shared.inflight) = Some(Arc::clone(&batch));
    agent.progress.tick();
    agent.progress.busy.store(true, Ordering::SeqCst);
    if superseded() {
        return None;
    }
    Some(batch)
}

/// Keeps an eye on the running Lua check, trusting nothing inside the VM: one that overruns its
/// time limit by [`Config::watchdog_margin`] has its evaluation abandoned, is quarantined, and a new
/// evaluator takes over.
fn watchdog(agent: &std::sync::Weak<Agent>, shared: &Arc<Shared>) {
    loop {
        std::thread::sleep(WATCHDOG_EVERY);
        // The agent is held only to abandon an evaluation: a look every 100 ms that held it
        // would make its count of holders, which tests read, flicker.
        if agent.strong_count() == 0 {
            return;
        }
        let heartbeat = Arc::clone(&lock(&shared.heartbeat));
        let Some(running) = heartbeat.running() else {
            continue;
        };
        let ran = running.since.elapsed();
        if ran < running.limit + shared.watchdog_margin {
            continue;
        }
        let Some(agent) = agent.upgrade() else {
            return;
        };
        let reason = format!(
            "the Lua check {} was abandoned after running for {:.1} s, past its time limit of {:?}: \
             it is quarantined, and objects of its kinds are judged unknown until its script \
             changes or herald restarts",
            running.origin,
            ran.as_secs_f64(),
            running.limit,
        );
        tracing::error!(check = %running.origin, ran_seconds = ran.as_secs_f64(), limit = ?running.limit,
            "a Lua check overran its time limit beyond the VM's reach; its evaluation is abandoned, the check quarantined and the evaluator started again");
        lock(&shared.quarantine).insert((running.origin.to_string(), running.digest), reason);
        agent.metrics.evaluations_abandoned.inc();
        if agent.metrics.evaluations_abandoned.get() > MAX_ABANDONED {
            // Each abandoned thread may keep a core busy: past a few, herald stops replacing
            // its evaluator, /healthz fails once the stall is long enough, and the kubelet
            // restarts it.
            tracing::error!(
                abandoned = agent.metrics.evaluations_abandoned.get(),
                "too many evaluations abandoned; the evaluator is not replaced again and herald reports itself stalled"
            );
            return;
        }
        // Under the store's lock, so the abandoned generation cannot be halfway through writing.
        let generation = {
            let _store = agent.store.write().unwrap_or_else(|p| p.into_inner());
            shared.generation.fetch_add(1, Ordering::SeqCst) + 1
        };
        heartbeat.leave();
        spawn_generation(Arc::clone(&agent), Arc::clone(shared), generation);
    }
}

/// Keeps the events of a batch's transitions (what a notifier would be told, `stuck` aside,
/// which the notifier finds by time per route).
fn log_events(agent: &Agent, transitions: &[Transition]) {
    let mut log = agent.events.lock().unwrap_or_else(|p| p.into_inner());
    for t in transitions.iter().filter(|t| !t.initial) {
        for event in crate::events::of(t) {
            let via = t
                .via
                .as_deref()
                .filter(|_| crate::events::tells_health(event));
            if log.len() == EVENTS_KEPT {
                log.pop_front();
            }
            log.push_back(Logged {
                at: t.at,
                event,
                object: Arc::clone(&t.key),
                from: t.from.clone(),
                to: t.to.clone(),
                message: t.message.clone(),
                via: via.map(str::to_string),
                change: t.change.clone(),
            });
        }
    }
}

/// Deleted objects past retention are pruned at least this often.
const PRUNE_EVERY: SignedDuration = SignedDuration::from_mins(1);

/// Updates applied under one lock of the store, at most.
const BATCH: usize = 256;

/// What the store needs of an update, worked out before its lock is taken. (Short-lived, one
/// batch at a time: the size of the largest variant does not matter.)
#[allow(clippy::large_enum_variant)]
enum Prepared<'a> {
    /// With where a Pod runs and what it uses, a Service's selector, a claim's volume.
    Apply(Observed, Option<crate::placement::Placed>),
    Delete(&'a ObjectKey),
    Listed(&'a Listing),
    Warning(&'a crate::warnings::Seen),
}

/// Assesses a batch of updates (outside the lock: readers never wait on Lua), then records
/// them in the store, unless this generation was abandoned meanwhile (None).
fn apply(
    agent: &Agent,
    shared: &Shared,
    generation: u64,
    ev: &mut Evaluator,
    updates: &[Update],
    now: Timestamp,
) -> Option<Vec<Transition>> {
    let prepared: Vec<Prepared<'_>> = updates
        .iter()
        .filter_map(|u| {
            let p = ev.prepare(u, now);
            agent.progress.tick();
            p
        })
        .collect();
    let mut store = agent.store.write().unwrap_or_else(|p| p.into_inner());
    if shared.generation.load(Ordering::SeqCst) != generation {
        return None;
    }
    if now.duration_since(ev.last_prune) >= PRUNE_EVERY {
        ev.last_prune = now;
        store.prune(now);
    }
    let mut out = Vec::new();
    for p in prepared {
        match p {
            Prepared::Apply(seen, placed) => {
                // Placed first, so that a roll-up naming the Pod can say where it runs.
                if placed.is_some() {
                    store.place(&seen.key, placed);
                }
                out.extend(store.apply(seen, now));
            }
            Prepared::Delete(key) => out.extend(store.delete(key, now)),
            Prepared::Warning(seen) => {
                let (before, now) = store.warnings.record(seen);
                // The first occurrence, then each time the count doubles: a storm of n
                // writes about log2 n records.
                if let Some(h) = &ev.history
                    && crate::history::warning_worth_recording(before, now)
                {
                    h.record(
                        &seen.regarding,
                        seen.at,
                        crate::history::Record::Warning {
                            reason: seen.reason.clone(),
                            note: seen.note.clone(),
                            count: now,
                        },
                    );
                }
            }
            Prepared::Listed(Listing {
                group,
                kind,
                namespace,
                keys,
                gates_ready,
            }) => {
                out.extend(store.reconcile(
                    group,
                    kind,
                    keys,
                    |k| namespace.as_deref().is_none_or(|ns| k.namespace == ns),
                    now,
                ));
                store.prune(now);
                let first = lock(&shared.first_lists).insert((
                    group.clone(),
                    kind.clone(),
                    namespace.clone(),
                ));
                if first && *gates_ready {
                    agent.listed.fetch_add(1, Ordering::SeqCst);
                }
            }
        }
    }
    *lock(&shared.inflight) = None;
    agent.progress.busy.store(false, Ordering::SeqCst);
    agent.progress.tick();
    Some(out)
}

impl Evaluator {
    fn prepare<'a>(&mut self, update: &'a Update, now: Timestamp) -> Option<Prepared<'a>> {
        Some(match update {
            Update::Apply(obj, initial) => {
                // A Pod's spec trimmed to what herald reads, unless a user check judges Pods.
                let trim =
                    obj.origin.kind == "Pod" && self.assessor.user_check_for("", "Pod").is_none();
                let obj = Arc::new(obj.parse_or_log(trim)?);
                let seen = observe(
                    &obj,
                    *initial,
                    &mut self.assessor,
                    self.kinds.is_some(),
                    self.keep_meta,
                    now,
                )?;
                self.durations[engine(&seen.observed.assessment.check)]
                    .observe(seen.check_took.as_secs_f64());
                for c in &seen.observed.links.children {
                    self.want(&c.group, &c.kind);
                }
                // Claims and their volumes are watched once a Pod uses one.
                match &seen.placed {
                    Some(crate::placement::Placed::Pod { claims, .. }) if !claims.is_empty() => {
                        self.want("", "PersistentVolumeClaim");
                    }
                    Some(crate::placement::Placed::Claim { volume: Some(_) }) => {
                        self.want("", "PersistentVolume");
                    }
                    _ => {}
                }
                Prepared::Apply(seen.observed, seen.placed)
            }
            Update::Delete(key) => Prepared::Delete(key),
            Update::Listed(listing) => Prepared::Listed(listing),
            Update::Warning(seen) => Prepared::Warning(seen),
        })
    }
}

/// What the evaluator works out of one object before it takes the store's lock.
#[derive(Debug)]
pub struct Observation {
    pub observed: Observed,
    /// Where a Pod runs and what it uses, a Service's selector, a claim's volume (with children).
    pub placed: Option<crate::placement::Placed>,
    /// How long its check took.
    pub check_took: Duration,
}

/// Assesses one object and reads what the store keeps of it: its key, resourceVersion, links
/// and placement (with `children`), labels and notification annotations (with `keep_meta`), the
/// compatibility labels, the spec when its changes are tracked, a Pod's images. None without a
/// name. (Public for `examples/watch_cost.rs`, which measures the evaluator's work per update.)
pub fn observe(
    obj: &Arc<Value>,
    initial: bool,
    assessor: &mut Assessor,
    children: bool,
    keep_meta: bool,
    now: Timestamp,
) -> Option<Observation> {
    let key = ObjectKey::of(obj)?;
    let keep_spec = obj.get("spec").is_some() && crate::changes::tracks(&key.group, &key.kind);
    let is_pod = key.group.is_empty() && key.kind == "Pod";
    let started = std::time::Instant::now();
    let assessment = assessor.assess(obj, now);
    let check_took = started.elapsed();
    let links = if children {
        Links::of(obj, &key)
    } else {
        Links::default()
    };
    let resource_version = obj
        .str_at(&["metadata", "resourceVersion"])
        .unwrap_or_default()
        .to_string();
    let placed = if children {
        crate::placement::Placed::of(obj, &key)
    } else {
        None
    };
    Some(Observation {
        observed: Observed {
            key,
            resource_version,
            links,
            meta: if keep_meta {
                Meta::of(obj)
            } else {
                Meta::default()
            },
            compat: crate::metrics::Compat::of(obj),
            assessment,
            initial,
            spec: keep_spec.then(|| Arc::clone(obj)),
            images: if is_pod {
                crate::changes::pod_images(obj)
            } else {
                Vec::new()
            },
        },
        placed,
        check_took,
    })
}

async fn discover_loop(
    clients: Clients,
    config: Config,
    agent: Arc<Agent>,
    tx: mpsc::Sender<Update>,
    mut child_kinds: mpsc::UnboundedReceiver<(String, String)>,
) {
    let mut watching: HashSet<(String, String)> = HashSet::new();
    let mut wanted: Vec<(String, String)> = GITOPS_KINDS
        .iter()
        .filter(|(g, _)| {
            if g.ends_with(".toolkit.fluxcd.io") {
                config.flux
            } else {
                config.argo
            }
        })
        .map(|(g, k)| (g.to_string(), k.to_string()))
        .chain(config.extra_kinds.iter().cloned())
        .collect();
    let primary = wanted.len();
    // Warning Events come next: watched beside the children, not counted among their kinds.
    if config.events {
        wanted.push((EVENTS.0.to_string(), EVENTS.1.to_string()));
    }
    // Nodes too, as children (no label selector, readiness does not wait for them), not
    // counted among the kinds watched on demand.
    if config.children && config.nodes {
        wanted.push((NODES.0.to_string(), NODES.1.to_string()));
    }
    let base = wanted.len();
    loop {
        match served(&clients.api, &wanted).await {
            Ok(found) => {
                for (ar, scope) in found {
                    let id = (ar.group.clone(), ar.kind.clone());
                    if !watching.insert(id.clone()) {
                        continue;
                    }
                    let is_primary = wanted[..primary].contains(&id);
                    let is_events = config.events && id.0 == EVENTS.0 && id.1 == EVENTS.1;
                    tracing::info!(kind = %ar.kind, version = %ar.version, children = !is_primary, "watching");
                    let namespaces: Vec<Option<String>> =
                        if config.namespaces.is_empty() || scope == Scope::Cluster {
                            vec![None]
                        } else {
                            config.namespaces.iter().cloned().map(Some).collect()
                        };
                    for namespace in namespaces {
                        if is_primary {
                            agent.started.fetch_add(1, Ordering::SeqCst);
                        }
                        // Children do not carry the labels their parents are selected by.
                        let target = Target {
                            resource: ar.clone(),
                            namespace,
                            label_selector: config.label_selector.clone().filter(|_| is_primary),
                            gates_ready: is_primary,
                            // Normal events are most of them: the API server drops those.
                            field_selector: is_events.then(|| "type=Warning".to_string()),
                            events: is_events,
                        };
                        let status = Arc::new(std::sync::Mutex::new(WatchStatus::new(&target)));
                        agent
                            .watches
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .push(Arc::clone(&status));
                        let counters = agent
                            .metrics
                            .watch_counters(&ar.kind, target.namespace.as_deref());
                        tokio::spawn(watch::run(
                            clients.clone(),
                            target,
                            watch::Shared {
                                updates: tx.clone(),
                                store: Arc::clone(&agent.store),
                                clock: Arc::clone(&agent.clock),
                                relist_every: config.relist_every,
                                max_event_bytes: config.max_event_bytes,
                                max_page_bytes: config.max_page_bytes,
                                answer_wait: config.answer_wait,
                            },
                            status,
                            counters,
                        ));
                    }
                }
                for (g, k) in &wanted {
                    if !watching.contains(&(g.clone(), k.clone())) {
                        tracing::debug!(group = %g, kind = %k, "not served by this cluster; skipped");
                    }
                }
                agent.discovered.store(true, Ordering::SeqCst);
            }
            Err(e) => tracing::warn!(error = %e, "discovery failed; retrying"),
        }
        if tx.is_closed() {
            return;
        }
        // Sleep until the next rediscovery, or until children ask for kinds not yet watched.
        let sleep = tokio::time::sleep(config.rediscover_every);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => break,
                Some(kind) = child_kinds.recv() => {
                    if wanted.contains(&kind) || relations::never_watched(&kind.0, &kind.1) {
                        continue;
                    }
                    if wanted.len() - base >= config.max_child_kinds {
                        tracing::warn!(group = %kind.0, kind = %kind.1, limit = config.max_child_kinds,
                            "too many kinds of children; this one is not watched");
                        continue;
                    }
                    wanted.push(kind);
                    // Let a burst of requests (a first list) arrive before discovering.
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    while let Ok(kind) = child_kinds.try_recv() {
                        if !wanted.contains(&kind)
                            && !relations::never_watched(&kind.0, &kind.1)
                            && wanted.len() - base < config.max_child_kinds
                        {
                            wanted.push(kind);
                        }
                    }
                    break;
                }
            }
        }
    }
}

/// The wanted kinds the cluster serves, at their preferred versions.
async fn served(
    client: &kube::Client,
    wanted: &[(String, String)],
) -> kube::Result<Vec<(ApiResource, Scope)>> {
    let groups: Vec<&str> = wanted.iter().map(|(g, _)| g.as_str()).collect();
    let discovery = Discovery::new(client.clone()).filter(&groups).run().await?;
    let mut found = Vec::new();
    for (group, kind) in wanted {
        let Some(g) = discovery.groups().find(|x| x.name() == group) else {
            continue;
        };
        if let Some((ar, caps)) = g.recommended_kind(kind) {
            found.push((ar, caps.scope));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn a_lone_update_is_taken_at_once_and_a_trickle_at_most_every_pace() {
        let t0 = Instant::now();
        let mut p = Pacer::new(20 * MS);
        // Nothing before: the first update is waited for on the queue.
        assert_eq!(p.wait(t0), None);
        p.woke(t0);
        assert_eq!(p.wait(t0 + MS), None, "one update is not a trickle");
        // The next comes 2 ms later: trickling from now on.
        p.woke(t0 + 2 * MS);
        assert_eq!(p.wait(t0 + 3 * MS), Some(19 * MS));
        assert_eq!(p.wait(t0 + 22 * MS), None, "the pace is over");
        // Woken at the end of its sleep with what came meanwhile: still trickling.
        p.woke(t0 + 22 * MS);
        assert_eq!(p.wait(t0 + 23 * MS), Some(19 * MS));
    }

    #[test]
    fn a_trickle_ends_when_nothing_came_during_the_sleep_or_updates_come_further_apart() {
        let t0 = Instant::now();
        let mut p = Pacer::new(20 * MS);
        p.woke(t0);
        p.woke(t0 + 2 * MS);
        assert!(p.wait(t0 + 3 * MS).is_some());
        p.slept_in_vain();
        assert_eq!(p.wait(t0 + 30 * MS), None);
        // The next update after the sleep is taken at once, and is not a trickle by itself.
        p.woke(t0 + 40 * MS);
        assert_eq!(p.wait(t0 + 41 * MS), None);
        // Updates 40 ms apart (twice the pace) do not trickle: each is taken as it comes.
        p.woke(t0 + 80 * MS);
        assert_eq!(p.wait(t0 + 81 * MS), None);
        // No pace: never a wait.
        let mut p = Pacer::new(Duration::ZERO);
        p.woke(t0);
        p.woke(t0);
        assert_eq!(p.wait(t0), None);
    }
}

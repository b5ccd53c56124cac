//! The running agent: discovery, one watcher per served kind, and one evaluator that assesses
//! every update and keeps the store.
//!
//! Watchers only parse and forward. The evaluator runs on a thread of its own because Lua states
//! stay on the thread that made them; it owns the assessor, writes the store (readers take a read
//! lock) and publishes transitions.

pub mod raw;
pub mod watch;

use std::collections::{BTreeSet, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use kube::api::ApiResource;
use kube::discovery::{Discovery, Scope};
use serde_json::Value;
use tokio::sync::{broadcast, mpsc};

use crate::clock::Clock;
use crate::health::Assessor;
use crate::store::{ObjectKey, Store, Transition};
pub use watch::Target;

/// The kinds herald watches when the cluster serves them.
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

/// Counters of what went wrong, for logs and metrics.
#[derive(Debug, Default)]
pub struct Stats {
    pub malformed: AtomicU64,
    pub watch_errors: AtomicU64,
    pub updates: AtomicU64,
}

/// What watchers hand the evaluator.
#[derive(Debug)]
pub enum Update {
    Apply(Arc<Value>),
    Delete(ObjectKey),
    /// A (re)list finished: these are all the objects of the kind in scope.
    Listed {
        group: String,
        kind: String,
        namespace: Option<String>,
        keys: BTreeSet<ObjectKey>,
    },
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
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespaces: Vec::new(),
            label_selector: None,
            retention: crate::store::DEFAULT_RETENTION,
            rediscover_every: Duration::from_secs(60),
            extra_kinds: Vec::new(),
        }
    }
}

/// The agent's shared state, for the HTTP API and the notifiers.
pub struct Agent {
    pub store: Arc<RwLock<Store>>,
    pub transitions: broadcast::Sender<Transition>,
    pub stats: Arc<Stats>,
    /// Watchers started and those whose first list is complete.
    started: AtomicUsize,
    listed: AtomicUsize,
    discovered: AtomicBool,
}

impl Agent {
    /// Ready once discovery ran and every watcher delivered its first list.
    pub fn is_ready(&self) -> bool {
        self.discovered.load(Ordering::SeqCst)
            && self.listed.load(Ordering::SeqCst) >= self.started.load(Ordering::SeqCst)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Transition> {
        self.transitions.subscribe()
    }
}

/// Starts discovery, the watchers and the evaluator; returns at once.
pub fn start(
    client: kube::Client,
    config: Config,
    assessor: impl FnOnce() -> Assessor + Send + 'static,
    clock: Arc<dyn Clock>,
) -> Arc<Agent> {
    let agent = Arc::new(Agent {
        store: Arc::new(RwLock::new(Store::new(config.retention))),
        transitions: broadcast::channel(4096).0,
        stats: Arc::new(Stats::default()),
        started: AtomicUsize::new(0),
        listed: AtomicUsize::new(0),
        discovered: AtomicBool::new(false),
    });
    let (tx, rx) = mpsc::channel::<Update>(1024);
    spawn_evaluator(Arc::clone(&agent), rx, assessor, clock);
    tokio::spawn(discover_loop(client, config, Arc::clone(&agent), tx));
    agent
}

fn spawn_evaluator(
    agent: Arc<Agent>,
    mut rx: mpsc::Receiver<Update>,
    assessor: impl FnOnce() -> Assessor + Send + 'static,
    clock: Arc<dyn Clock>,
) {
    std::thread::Builder::new()
        .name("herald-evaluator".into())
        .spawn(move || {
            let mut assessor = assessor();
            // Kinds whose first list has arrived (per namespace), for readiness.
            let mut first_lists: HashSet<(String, String, Option<String>)> = HashSet::new();
            while let Some(update) = rx.blocking_recv() {
                let now = clock.now();
                agent.stats.updates.fetch_add(1, Ordering::Relaxed);
                let transitions = apply(&agent, &mut assessor, update, now, &mut first_lists);
                for t in transitions {
                    let _ = agent.transitions.send(t);
                }
            }
        })
        .expect("spawn the evaluator thread");
}

fn apply(
    agent: &Agent,
    assessor: &mut Assessor,
    update: Update,
    now: Timestamp,
    first_lists: &mut HashSet<(String, String, Option<String>)>,
) -> Vec<Transition> {
    match update {
        Update::Apply(obj) => {
            let Some(key) = ObjectKey::of(&obj) else {
                return Vec::new();
            };
            // Assess outside the lock: readers never wait on Lua.
            let a = assessor.assess(&obj, now);
            let mut store = agent.store.write().unwrap_or_else(|p| p.into_inner());
            store.apply(key, obj, a, now).into_iter().collect()
        }
        Update::Delete(key) => {
            let mut store = agent.store.write().unwrap_or_else(|p| p.into_inner());
            store.delete(&key, now).into_iter().collect()
        }
        Update::Listed {
            group,
            kind,
            namespace,
            keys,
        } => {
            let mut store = agent.store.write().unwrap_or_else(|p| p.into_inner());
            let gone = store.reconcile(
                &group,
                &kind,
                &keys,
                |k| namespace.as_deref().is_none_or(|ns| k.namespace == ns),
                now,
            );
            store.prune(now);
            if first_lists.insert((group, kind, namespace)) {
                agent.listed.fetch_add(1, Ordering::SeqCst);
            }
            gone
        }
    }
}

async fn discover_loop(
    client: kube::Client,
    config: Config,
    agent: Arc<Agent>,
    tx: mpsc::Sender<Update>,
) {
    let mut watching: HashSet<(String, String)> = HashSet::new();
    let wanted: Vec<(String, String)> = GITOPS_KINDS
        .iter()
        .map(|(g, k)| (g.to_string(), k.to_string()))
        .chain(config.extra_kinds.iter().cloned())
        .collect();
    loop {
        match served(&client, &wanted).await {
            Ok(found) => {
                for (ar, scope) in found {
                    let id = (ar.group.clone(), ar.kind.clone());
                    if !watching.insert(id) {
                        continue;
                    }
                    tracing::info!(kind = %ar.kind, version = %ar.version, "watching");
                    let namespaces: Vec<Option<String>> =
                        if config.namespaces.is_empty() || scope == Scope::Cluster {
                            vec![None]
                        } else {
                            config.namespaces.iter().cloned().map(Some).collect()
                        };
                    for namespace in namespaces {
                        agent.started.fetch_add(1, Ordering::SeqCst);
                        let target = Target {
                            resource: ar.clone(),
                            namespace,
                            label_selector: config.label_selector.clone(),
                        };
                        tokio::spawn(watch::run(
                            client.clone(),
                            target,
                            tx.clone(),
                            Arc::clone(&agent.stats),
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
        tokio::time::sleep(config.rediscover_every).await;
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

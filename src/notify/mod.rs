//! Notifications: from the store's transitions to messages delivered, none lost, none repeated.
//!
//! The pipeline, one file per stage, tied together by the loop here ([`start`]):
//!
//! - `route`: each transition is turned into events ([`crate::events::of`]), and each
//!   event into one notification per receiver of the routes and subscriptions that take it;
//! - `silence`: an event a silence covers is told to nobody;
//! - `inhibit`: a child's trouble is not told while an ancestor's is;
//! - [`outbox`]: every notification is written to the outbox before anything else happens;
//! - `hold`: what waits for a time: `waitFor` and a route's time intervals (sent at the end
//!   only if what it announces still holds), repeats, grouping; and `stuck`, an object not
//!   ready for too long;
//! - `retry`: one worker per receiver sends in order, retrying with exponential backoff and
//!   jitter; `429` waits for `Retry-After`; other `4xx` are refused for good and reported;
//!   [`send`] speaks to each kind of receiver, in the words of [`templates`].
//!
//! A notification leaves the outbox only when its receiver took it or refused it. What the
//! notifier remembers of each object between events is its `ledger`.

pub mod handover;
mod hold;
mod inhibit;
pub mod leader;
mod ledger;
pub mod outbox;
pub mod receivers;
mod retry;
mod route;
pub mod send;
mod silence;
mod stuck;
pub mod templates;

pub use silence::ClusterSilences;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::future::BoxFuture;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::clock::Clock;
use crate::config::{Config, EventKind, Receiver, Silence};
use crate::events;
use crate::metrics::Metrics;
use crate::store::{ObjectKey, Store, Transition, Verdict};
use hold::{Group, Timer};
use ledger::Ledger;
use outbox::Outbox;
use retry::Slot;
use route::one_trouble_per_receiver;

/// One thing that happened to one object, as receivers are told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Stable across retries and restarts: receivers may use it to drop a repeat.
    pub id: String,
    pub kind: EventKind,
    pub cluster: String,
    pub object: ObjectKey,
    pub at: Timestamp,
    pub from: Option<Verdict>,
    pub to: Option<Verdict>,
    pub message: String,
    /// The children the health was rolled up from.
    #[serde(default)]
    pub children: Vec<ObjectKey>,
    /// When the health was rolled up: the first child behind it, with its message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// The object's notification annotations (subscriptions).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    /// Sent by `herald notify test`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub test: bool,
    /// The repository the object applies from (its Flux source's URL, an Application's
    /// `repoURL`), when herald knows it: Git forges post the verdict on its commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// The revision the controller last tried to apply (Flux's `lastAttemptedRevision`), when
    /// it knows one: the commit a failure to apply is about, which may be newer than the
    /// verdict's revision (the one applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempted: Option<String>,
    /// For trouble: the latest Kubernetes Warning Events of the object and its descendants,
    /// newest first (at most [`WARNINGS_TOLD`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<crate::warnings::Warning>,
    /// A Node leaving Healthy: the GitOps objects whose Pods run there, most Pods first (at
    /// most [`crate::placement::AFFECTED_TOLD`]), and how many more there are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<crate::placement::Affects>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub affected_more: u32,
    /// For `changed` and `image-changed`: what changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<crate::changes::Change>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Warnings an event carries, at most.
pub const WARNINGS_TOLD: usize = 10;

impl Event {
    /// The child behind the health this event tells, when that health was rolled up from
    /// children (None for an event about anything else, such as a new revision).
    pub fn via(&self) -> Option<&str> {
        self.via.as_deref().filter(|_| {
            events::tells_health(self.kind) && self.to.as_ref().is_some_and(|v| v.from_children)
        })
    }
}

/// One event for one receiver.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Given by the outbox.
    #[serde(default)]
    pub id: u64,
    pub receiver: String,
    /// The route that sent it, by its place in the configuration.
    pub route: String,
    pub event: Event,
    /// Not sent before this.
    pub due: Timestamp,
    /// Held by `waitFor` or by the route's time intervals: sent at `due` only if the event
    /// still holds.
    pub recheck: bool,
    /// From a subscription: the Slack channel or the email address to use instead of the
    /// receiver's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Grouping: the other events told in the same message, with their outbox ids.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grouped: Vec<(u64, Event)>,
}

impl Notification {
    /// Every event this message tells: its own, then those grouped with it.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        std::iter::once(&self.event).chain(self.grouped.iter().map(|(_, e)| e))
    }
}

/// What one attempt to deliver came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again: after this long if the receiver said (`Retry-After`), else after the backoff.
    Retry {
        after: Option<Duration>,
        why: String,
    },
    /// Refused for good (a 4xx other than 429, a receiver misconfigured): reported, not retried.
    Refused(String),
}

/// Sends one notification to one receiver.
pub type Deliver =
    Arc<dyn Fn(Arc<Receiver>, Notification) -> BoxFuture<'static, Outcome> + Send + Sync>;

/// Counters, for logs, tests and metrics.
#[derive(Debug, Default)]
pub struct Stats {
    pub events: AtomicU64,
    pub queued: AtomicU64,
    pub delivered: AtomicU64,
    pub retried: AtomicU64,
    pub refused: AtomicU64,
    pub silenced: AtomicU64,
    /// Held by `waitFor` and no longer true when the wait ended.
    pub superseded: AtomicU64,
    /// Held back because an ancestor's trouble is told.
    pub inhibited: AtomicU64,
    /// Held because a route's time intervals did not let it speak then (counted when held;
    /// again if, when due, a new configuration holds it further).
    pub held: AtomicU64,
    pub errors: AtomicU64,
}

/// A running notifier.
pub struct Notifier {
    pub stats: Arc<Stats>,
    pub outbox: Arc<Outbox>,
    /// The configured receivers' names (for the outbox depth at zero).
    receivers: RwLock<Vec<String>>,
    metrics: Arc<Metrics>,
    reload: mpsc::UnboundedSender<Arc<Config>>,
    /// Silences added through the HTTP API, by id (kept in the outbox's database, or with
    /// leader election in a ConfigMap every replica reads and writes).
    silences: Arc<RwLock<BTreeMap<String, Silence>>>,
    silence_store: silence::SilenceStore,
    /// When the configuration's silences end (for `herald_silences_active`).
    configured_silences: RwLock<Vec<Timestamp>>,
}

/// Why a silence was not added.
#[derive(Debug)]
pub enum AddSilenceError {
    /// This many are running already, the most allowed.
    TooMany(usize),
    Store(String),
}

impl Notifier {
    /// Routes, silences, receivers and subscriptions from a new configuration, from the next
    /// event on. (The outbox and `delivery` settings stay as they started.)
    pub fn reload(&self, config: Arc<Config>) {
        self.known(&config);
        let _ = self.reload.send(config);
    }

    fn known(&self, config: &Config) {
        *self
            .configured_silences
            .write()
            .unwrap_or_else(|p| p.into_inner()) = config.silences.iter().map(|s| s.until).collect();
        for r in &config.receivers {
            self.metrics.receiver(&r.name);
        }
        *self.receivers.write().unwrap_or_else(|p| p.into_inner()) =
            config.receivers.iter().map(|r| r.name.clone()).collect();
    }

    /// Notifications waiting in the outbox, by receiver (configured ones at zero too).
    pub fn outbox_depth(&self) -> BTreeMap<String, usize> {
        let names = self.receivers.read().unwrap_or_else(|p| p.into_inner());
        self.outbox.depth(names.iter().map(String::as_str))
    }
}

/// Starts the pipeline and one worker per receiver; returns at once. Notifications left in the
/// outbox by an earlier run are picked up first.
pub fn start(
    config: Arc<Config>,
    store: Arc<RwLock<Store>>,
    changes: mpsc::UnboundedReceiver<Transition>,
    outbox: Arc<Outbox>,
    deliver: Deliver,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
) -> Arc<Notifier> {
    let silences: BTreeMap<String, Silence> = outbox
        .silences()
        .map(|v| v.into_iter().collect())
        .unwrap_or_default();
    // Without an election, this replica is the one voice.
    metrics.leader.set(1);
    let parts = Parts::new(config, store, outbox, deliver, clock, metrics, silences);
    let (notifier, reloads) = parts.notifier(silence::SilenceStore::Outbox);
    let (completed, completions) = mpsc::unbounded_channel();
    tokio::spawn(retry::complete(Arc::clone(&parts.outbox), completions));
    let mut pipeline = parts.pipeline(completed, None);
    pipeline.spawn_workers();
    pipeline.resume_outbox();
    let (_keep, stop) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        let _keep = _keep;
        pipeline.run(changes, reloads, stop).await;
    });
    notifier
}

/// What every pipeline of a notifier shares: the configuration it started with, the store,
/// the outbox, how to deliver, the clock, the counters and the silences.
#[derive(Clone)]
struct Parts {
    config: Arc<Config>,
    store: Arc<RwLock<Store>>,
    outbox: Arc<Outbox>,
    deliver: Deliver,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    stats: Arc<Stats>,
    silences: Arc<RwLock<BTreeMap<String, Silence>>>,
}

impl Parts {
    fn new(
        config: Arc<Config>,
        store: Arc<RwLock<Store>>,
        outbox: Arc<Outbox>,
        deliver: Deliver,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        silences: BTreeMap<String, Silence>,
    ) -> Parts {
        Parts {
            config,
            store,
            outbox,
            deliver,
            clock,
            metrics,
            stats: Arc::new(Stats::default()),
            silences: Arc::new(RwLock::new(silences)),
        }
    }

    fn notifier(
        &self,
        silence_store: silence::SilenceStore,
    ) -> (Arc<Notifier>, mpsc::UnboundedReceiver<Arc<Config>>) {
        let (reload, reloads) = mpsc::unbounded_channel();
        let notifier = Arc::new(Notifier {
            stats: Arc::clone(&self.stats),
            outbox: Arc::clone(&self.outbox),
            receivers: RwLock::new(Vec::new()),
            metrics: Arc::clone(&self.metrics),
            reload,
            silences: Arc::clone(&self.silences),
            silence_store,
            configured_silences: RwLock::new(Vec::new()),
        });
        notifier.known(&self.config);
        (notifier, reloads)
    }

    /// A pipeline with an empty ledger; `term`: the hand-over state and the gate of a leader.
    fn pipeline(
        &self,
        completed: mpsc::UnboundedSender<u64>,
        term: Option<leader::Term>,
    ) -> Pipeline {
        Pipeline {
            config: Arc::clone(&self.config),
            store: Arc::clone(&self.store),
            outbox: Arc::clone(&self.outbox),
            stats: Arc::clone(&self.stats),
            metrics: Arc::clone(&self.metrics),
            clock: Arc::clone(&self.clock),
            deliver: Arc::clone(&self.deliver),
            completed,
            api_silences: Arc::clone(&self.silences),
            workers: HashMap::new(),
            scheduled: BTreeMap::new(),
            next_timer: 1 << 62,
            programs: HashMap::new(),
            groups: HashMap::new(),
            ledger: Ledger::default(),
            term,
        }
    }
}

/// The notifier's loop and its state: it takes the store's transitions, and the timers as they
/// come due, through the stages.
struct Pipeline {
    config: Arc<Config>,
    store: Arc<RwLock<Store>>,
    outbox: Arc<Outbox>,
    stats: Arc<Stats>,
    metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    deliver: Deliver,
    /// Where workers report what left the outbox.
    completed: mpsc::UnboundedSender<u64>,
    api_silences: Arc<RwLock<BTreeMap<String, Silence>>>,
    /// Per receiver: its queue, its definition (replaced by a reload) and its task.
    workers: HashMap<
        String,
        (
            mpsc::UnboundedSender<Notification>,
            Slot,
            tokio::task::JoinHandle<()>,
        ),
    >,
    /// What waits for a time: `waitFor` releases, repeats, stuck checks; by when they are due.
    scheduled: BTreeMap<(Timestamp, u64), Timer>,
    /// Keys for timers that are not outbox entries.
    next_timer: u64,
    /// Compiled CEL `when` expressions.
    programs: HashMap<String, Option<cel::Program>>,
    /// Grouping: notifications waiting for their group's next message.
    groups: HashMap<String, Group>,
    /// What is remembered of each object between events.
    ledger: Ledger,
    /// With leader election: this leader's term (the hand-over state, the fence).
    term: Option<leader::Term>,
}

impl Pipeline {
    /// Runs until `stop` turns true (a leader's term ends) or the changes end; gives back its
    /// inputs and its workers, for the next term.
    async fn run(
        mut self,
        mut changes: mpsc::UnboundedReceiver<Transition>,
        mut reloads: mpsc::UnboundedReceiver<Arc<Config>>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) -> Ended {
        loop {
            let wait = self.scheduled.keys().next().map(|(due, _)| {
                let d = due.duration_since(self.clock.now());
                Duration::try_from(d).unwrap_or(Duration::ZERO)
            });
            self.remember_touched();
            tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                t = changes.recv() => {
                    let Some(t) = t else { break };
                    let mut batch = vec![t];
                    while let Ok(t) = changes.try_recv() {
                        batch.push(t);
                    }
                    self.take(batch);
                }
                () = tokio::time::sleep(wait.unwrap_or(Duration::from_secs(3600))), if wait.is_some() => {
                    self.release_due();
                }
                Some(config) = reloads.recv() => {
                    // The delivery settings and the shard stay those of the start.
                    let mut config = (*config).clone();
                    config.delivery = self.config.delivery.clone();
                    config.shard.clone_from(&self.config.shard);
                    self.config = Arc::new(config);
                    self.programs.clear();
                    self.spawn_workers();
                }
            }
        }
        Ended {
            changes,
            reloads,
            config: self.config,
            workers: self
                .workers
                .into_values()
                .map(|(_, _, task)| task)
                .collect(),
        }
    }

    /// A shard tells only of its own objects: those its label selects (the GitOps kinds) and
    /// their descendants. Children are watched by kind across the cluster, so a shard also
    /// sees the children of other shards' objects; those are told by their own shard.
    fn only_this_shard(&self, batch: &mut Vec<Transition>) {
        let store = self.store.read().unwrap_or_else(|p| p.into_inner());
        let selected = |k: &ObjectKey| crate::agent::is_gitops_kind(&k.group, &k.kind);
        batch.retain(|t| {
            if selected(&t.key) {
                return true;
            }
            // Up the parents, bounded: is one of them a selected object?
            let mut frontier = vec![Arc::clone(&t.key)];
            let mut seen = std::collections::HashSet::new();
            for _ in 0..8 {
                let mut next = Vec::new();
                for k in frontier {
                    for p in store.parents(&k) {
                        if selected(&p) {
                            return true;
                        }
                        if seen.insert(Arc::clone(&p)) {
                            next.push(p);
                        }
                    }
                }
                if next.is_empty() {
                    break;
                }
                frontier = next;
            }
            false
        });
    }

    /// Passes on what an earlier run (or the last leader) left in the outbox.
    fn resume_outbox(&mut self) {
        match self.outbox.pending() {
            Ok(left) => {
                if !left.is_empty() {
                    tracing::info!(count = left.len(), "resuming notifications from the outbox");
                }
                for n in left {
                    self.place(n);
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot read the outbox"),
        }
    }

    /// Turns transitions into notifications, writes them to the outbox, and passes them on.
    fn take(&mut self, mut batch: Vec<Transition>) {
        let now = self.clock.now();
        let mut fresh = Vec::new();
        if self.config.shard.is_some() {
            self.only_this_shard(&mut batch);
        }
        if let Some(term) = &mut self.term {
            term.take_from_told(&mut batch);
        }
        for t in &batch {
            if t.change.is_some() {
                // A change of spec or image leaves the verdict as it was (`from == to`): no
                // readiness episode starts or ends, nothing recovers, nothing is forgotten.
                for kind in events::of(t) {
                    self.stats.events.fetch_add(1, Ordering::Relaxed);
                    fresh.extend(self.notifications_of(t, kind, now));
                }
                continue;
            }
            self.track_readiness(t);
            if t.to
                .as_ref()
                .is_none_or(|v| v.health == crate::health::Health::Healthy)
            {
                self.ledger.troubled.remove(&*t.key);
                self.ledger.repeat_due.remove(&*t.key);
            }
            if t.to.is_none() {
                // Gone: nothing of it is remembered any more.
                self.ledger.inhibited.remove(&*t.key);
                self.ledger.withheld.retain(|(_, k)| *k != *t.key);
            }
            if t.initial {
                fresh.extend(self.at_start(t, now, None));
            }
            let mut told = Vec::new();
            for kind in events::of(t) {
                self.stats.events.fetch_add(1, Ordering::Relaxed);
                told.extend(self.notifications_of(t, kind, now));
            }
            fresh.extend(one_trouble_per_receiver(told));
        }
        if self.config.inhibit_children {
            fresh = self.inhibit(fresh);
        }
        let fresh = self.within_windows(fresh);
        // What the ledger says now goes into the hand-over state before anything is sent.
        self.remember_touched();
        self.queue(fresh);
    }

    /// Writes new notifications to the outbox and passes them on.
    fn queue(&mut self, mut fresh: Vec<Notification>) {
        if fresh.is_empty() {
            return;
        }
        if let Err(e) = self.outbox.put(&mut fresh) {
            // Not written, so not sent either: sending what cannot be tracked risks repeats.
            self.stats.errors.fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %e, count = fresh.len(), "notifications lost: the outbox refused them");
            return;
        }
        self.stats
            .queued
            .fetch_add(fresh.len() as u64, Ordering::Relaxed);
        for n in fresh {
            self.place(n);
        }
    }
}

/// What a pipeline gives back when it stops.
struct Ended {
    changes: mpsc::UnboundedReceiver<Transition>,
    reloads: mpsc::UnboundedReceiver<Arc<Config>>,
    config: Arc<Config>,
    workers: Vec<tokio::task::JoinHandle<()>>,
}

/// `t` plus `d` (saturating).
fn later(t: Timestamp, d: Duration) -> Timestamp {
    t.saturating_add(jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX))
        .unwrap_or(t)
}

#[cfg(test)]
mod tests;

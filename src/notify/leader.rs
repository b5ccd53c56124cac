//! Only the leader notifies. With leader election every replica watches, assesses and serves;
//! the notifier runs in terms: while this replica leads (and its store holds every watch's
//! first list), a pipeline runs from the hand-over state the last leader left
//! ([`super::handover`]); when the lead is lost, or on SIGTERM, the term ends.
//!
//! A term begins by reading the hand-over state: the outbox (sent, once), the open threads, and
//! what was told of each object. It then compares the store with what was told: what changed
//! while nobody led is told once, what was told is not told again, and troubles still there go
//! on repeating when their repeat was due. Every transition is taken from the verdict last
//! told, not from the store's previous one, so that a transition seen twice (before and after
//! the takeover) is told once.
//!
//! Within a term nothing goes to a receiver before the state that led to it is written (the
//! [`Gate`]), and a delivery starts only inside the leader's fence and is cut when the fence
//! ends ([`crate::lease`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::handover::{self, ClusterState, Mirror, Told};
use super::ledger::Ledger;
use super::outbox::Outbox;
use super::silence::{ClusterSilences, SilenceStore};
use super::{Deliver, Notification, Notifier, Parts, Pipeline, later, retry};
use crate::clock::Clock;
use crate::config::Config;
use crate::lease::Leadership;
use crate::metrics::Metrics;
use crate::store::{ObjectKey, Store, Transition, Verdict};

/// In-flight deliveries get this long to finish on SIGTERM before they are cut (they stay in
/// the hand-over state and the next leader sends them, with the same delivery id).
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(1500);

/// What a notifier with leader election needs besides a single one's.
pub struct Election {
    pub leadership: watch::Receiver<Leadership>,
    pub state: ClusterState,
    pub silences: ClusterSilences,
    /// Parts of the hand-over state.
    pub parts: usize,
    pub identity: String,
    /// Whether every watch delivered its first list: a term must not begin on a partial view
    /// of the cluster (what is missing would read as deleted).
    pub synced: Arc<dyn Fn() -> bool + Send + Sync>,
    /// Turns true on SIGTERM: the term ends, what is in flight finishes within
    /// [`SHUTDOWN_GRACE`], the state is written, and the task returns.
    pub shutdown: watch::Receiver<bool>,
}

/// Starts a notifier that sends only while this replica leads. The task returned ends after
/// a shutdown, once the Lease may be released.
pub fn start(
    config: Arc<Config>,
    store: Arc<std::sync::RwLock<Store>>,
    changes: mpsc::UnboundedReceiver<Transition>,
    deliver: impl FnOnce(Arc<Outbox>) -> Deliver,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    election: Election,
) -> (Arc<Notifier>, tokio::task::JoinHandle<()>) {
    let mirror = Arc::new(Mirror::new(election.parts));
    let outbox = Arc::new(Outbox::mirrored(Arc::clone(&mirror)).expect("an outbox in memory"));
    let deliver = deliver(Arc::clone(&outbox));
    let parts = Parts::new(
        config,
        store,
        Arc::clone(&outbox),
        deliver,
        clock,
        metrics,
        BTreeMap::new(),
    );
    let (notifier, reloads) =
        parts.notifier(SilenceStore::Cluster(Box::new(election.silences.clone())));
    tokio::spawn(super::silence::follow(
        election.silences.clone(),
        Arc::clone(&parts.silences),
    ));
    let (completed, completions) = mpsc::unbounded_channel();
    tokio::spawn(retry::complete(outbox, completions));
    let task = tokio::spawn(supervise(
        parts, mirror, changes, reloads, completed, election,
    ));
    (notifier, task)
}

/// Standby, term, standby… until shutdown.
async fn supervise(
    parts: Parts,
    mirror: Arc<Mirror>,
    mut changes: mpsc::UnboundedReceiver<Transition>,
    mut reloads: mpsc::UnboundedReceiver<Arc<Config>>,
    completed: mpsc::UnboundedSender<u64>,
    mut e: Election,
) {
    let mut config = Arc::clone(&parts.config);
    // Until some replica has led, what each object was before the first change this one saw:
    // the first leader ever tells what changed since its start, as a single herald would.
    let mut baseline: Option<HashMap<ObjectKey, Option<Verdict>>> = Some(HashMap::new());
    loop {
        parts.metrics.leader.set(0);
        // Standby: what the store learns is told by the leader; here it is only dropped.
        loop {
            if *e.shutdown.borrow() {
                return;
            }
            if e.leadership.borrow().leading && (e.synced)() {
                break;
            }
            // (A channel whose sender is gone answers at once: then only the timer paces.)
            let lead_gone = e.leadership.has_changed().is_err();
            tokio::select! {
                _ = e.shutdown.changed() => {}
                _ = e.leadership.changed(), if !lead_gone => {}
                () = tokio::time::sleep(Duration::from_millis(200)) => {}
                t = changes.recv() => {
                    let Some(t) = t else { return };
                    let mut batch = vec![t];
                    while let Ok(t) = changes.try_recv() {
                        batch.push(t);
                    }
                    let another = e.leadership.borrow().holder.as_deref().is_some_and(|h| h != e.identity);
                    if another {
                        // Someone leads: the state it writes is the baseline now.
                        baseline = None;
                    }
                    if let Some(b) = &mut baseline {
                        for t in batch {
                            let before = if t.initial { t.to } else { t.from };
                            b.entry((*t.key).clone()).or_insert(before);
                        }
                    }
                }
                Some(c) = reloads.recv() => config = newer(&config, &c),
            }
        }
        // The store holds all of this already: the takeover compares it with what was told.
        while changes.try_recv().is_ok() {}
        if let Err(why) = e.state.load(&mirror).await {
            tracing::warn!(error = %why, "cannot read the hand-over state; not taking over yet");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        if let Err(why) = parts
            .outbox
            .replace_with(&mirror.all_pending(), &mirror.all_threads())
        {
            tracing::error!(error = %why, "cannot load the hand-over outbox; not taking over");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        let told = mirror.all_told();
        let existed = mirror.existed();
        tracing::info!(
            identity = %e.identity,
            objects = told.len(),
            pending = parts.outbox.len(),
            "leading: taking over notifications"
        );
        parts.metrics.leader.set(1);
        let writer = tokio::spawn(handover::write_loop(
            Arc::clone(&mirror),
            e.state.clone(),
            e.leadership.clone(),
            e.identity.clone(),
            Arc::clone(&parts.metrics),
        ));
        let (stop_tx, stop) = watch::channel(false);
        let term = Term {
            mirror: Arc::clone(&mirror),
            touched: HashMap::new(),
            outgoing: Vec::new(),
            leadership: e.leadership.clone(),
            stop: stop.clone(),
        };
        mirror.term_starts();
        let mut current = parts.clone();
        current.config = Arc::clone(&config);
        let mut pipeline = current.pipeline(completed.clone(), Some(term));
        pipeline.ledger = Ledger::from_told(&told);
        pipeline.spawn_workers();
        pipeline.resume_outbox();
        let first = (!existed).then(|| baseline.take().unwrap_or_default());
        baseline = None;
        pipeline.take_over(&told, first.as_ref());
        mirror.term_ready();
        let run = tokio::spawn(pipeline.run(changes, reloads, stop));
        // The term lasts while the lead does.
        let shutting_down = loop {
            if *e.shutdown.borrow() {
                break true;
            }
            if !e.leadership.borrow().leading {
                break false;
            }
            tokio::select! {
                r = e.shutdown.changed() => if r.is_err() { break true },
                r = e.leadership.changed() => if r.is_err() { break false },
            }
        };
        let _ = stop_tx.send(true);
        let Ok(ended) = run.await else {
            tracing::error!("the notifier's pipeline failed; notifications stop");
            return;
        };
        changes = ended.changes;
        reloads = ended.reloads;
        config = ended.config;
        // Deliveries in flight finish (or are cut by the fence); no new one starts.
        let grace = if shutting_down {
            SHUTDOWN_GRACE
        } else {
            e.leadership.borrow().finish_by.map_or(Duration::ZERO, |t| {
                t.saturating_duration_since(Instant::now())
            })
        };
        let until = Instant::now() + grace;
        for w in ended.workers {
            let abort = w.abort_handle();
            if tokio::time::timeout_at(until, w).await.is_err() {
                abort.abort();
            }
        }
        if shutting_down {
            // What was delivered leaves the hand-over state before the Lease is released.
            tokio::time::sleep(Duration::from_millis(20)).await;
            if !handover::flushed(&mirror, Duration::from_secs(1)).await {
                tracing::warn!(
                    "the hand-over state was not all written before shutdown; the next leader may send a message again, with the same delivery id"
                );
            }
        }
        writer.abort();
        // A standby sends nothing: what is still pending is the next leader's, from the state
        // (it would otherwise show as this replica's `herald_outbox_pending`).
        if let Err(why) = parts.outbox.replace_with(&[], &[]) {
            tracing::warn!(error = %why, "cannot empty the outbox after stepping down");
        }
        parts.metrics.leader.set(0);
        // A standby has nothing of its own to write.
        parts.metrics.handover_unwritten.set(0);
        tracing::info!(identity = %e.identity, "no longer leading: notifications stop here");
        if shutting_down {
            return;
        }
    }
}

/// A reloaded configuration keeps the delivery settings of the start.
fn newer(running: &Config, new: &Config) -> Arc<Config> {
    let mut c = new.clone();
    c.delivery = running.delivery.clone();
    c.shard.clone_from(&running.shard);
    Arc::new(c)
}

/// A leader's term, as the pipeline sees it.
pub(super) struct Term {
    mirror: Arc<Mirror>,
    /// Objects whose ledger changed since it was last written; with the verdict last taken
    /// when a transition came (else the one in the state stays).
    touched: HashMap<ObjectKey, Option<Option<Verdict>>>,
    /// Notifications held until the ledger that led to them is in the state.
    outgoing: Vec<Notification>,
    leadership: watch::Receiver<Leadership>,
    stop: watch::Receiver<bool>,
}

impl Term {
    pub(super) fn touch(&mut self, key: &ObjectKey) {
        if !self.touched.contains_key(key) {
            self.touched.insert(key.clone(), None);
        }
    }

    pub(super) fn hold(&mut self, n: Notification) {
        let objects: Vec<ObjectKey> = n.events().map(|e| e.object.clone()).collect();
        for o in &objects {
            self.touch(o);
        }
        self.outgoing.push(n);
    }

    /// Every transition is from what was last told of its object: one seen twice, or one the
    /// takeover already compared, tells nothing the second time.
    pub(super) fn take_from_told(&mut self, batch: &mut [Transition]) {
        for t in batch {
            if t.change.is_some() {
                // A change tells nothing of health: it neither reads nor moves what was told.
                continue;
            }
            let key: &ObjectKey = &t.key;
            let before = match self.touched.get(key) {
                Some(Some(v)) => Some(v.clone()),
                _ => self.mirror.told(key).map(|r| r.verdict),
            };
            // Nothing told of it: new since the last leader (or this is the first), and the
            // transition stays as it came.
            if let Some(v) = before {
                t.from = v;
                t.initial = false;
            }
            self.touched.insert(key.clone(), Some(t.to.clone()));
        }
    }

    pub(super) fn gate(&self) -> Gate {
        Gate {
            mirror: Arc::clone(&self.mirror),
            leadership: self.leadership.clone(),
            stop: self.stop.clone(),
        }
    }
}

/// What a leader's worker waits for before each delivery.
pub(super) struct Gate {
    mirror: Arc<Mirror>,
    leadership: watch::Receiver<Leadership>,
    stop: watch::Receiver<bool>,
}

impl Gate {
    /// Waits until what led to `n` is in the hand-over state (the parts its objects are in:
    /// their verdicts, ledgers and outbox entries) and this replica may start a delivery;
    /// returns when it must be done by. None: the term ended.
    pub(super) async fn open(&mut self, n: &Notification) -> Option<Instant> {
        let wanted = self.mirror.want(n.events().map(|e| &e.object));
        tokio::select! {
            () = async {
                self.mirror.started().await;
                self.mirror.written(&wanted).await;
            } => {}
            _ = self.stop.wait_for(|s| *s) => return None,
        }
        loop {
            if *self.stop.borrow() {
                return None;
            }
            let l = self.leadership.borrow_and_update().clone();
            let now = Instant::now();
            if l.may_start(now) {
                return l.finish_by;
            }
            tokio::select! {
                _ = self.leadership.changed() => {}
                _ = self.stop.changed() => {}
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
            }
        }
    }
}

impl Pipeline {
    /// Writes the ledger of every object touched since the last call to the hand-over state,
    /// then hands the notifications held meanwhile to their workers (which wait until it is
    /// written).
    pub(super) fn remember_touched(&mut self) {
        let Some(term) = &mut self.term else { return };
        for (key, verdict) in std::mem::take(&mut term.touched) {
            let verdict = match verdict {
                Some(v) => v,
                None => term.mirror.told(&key).and_then(|r| r.verdict),
            };
            let told = self.ledger.told(&key, verdict);
            term.mirror
                .set_told(&key, (told != Told::default()).then_some(told));
        }
        let out = std::mem::take(&mut term.outgoing);
        for n in out {
            self.hand(n);
        }
    }

    /// The start of a term: what changed while nobody led is told, troubles that stay go on
    /// repeating from when they were due, and `stuck` checks still to come are set again. (The
    /// outbox the last leader left is passed on before, by [`Pipeline::resume_outbox`].)
    ///
    /// `first`: for the first leader ever, which has no state to compare with, what each
    /// object was before the first change this replica saw; what it does not name is told to
    /// nobody, as when a single herald starts.
    fn take_over(
        &mut self,
        told: &[(ObjectKey, Told)],
        first: Option<&HashMap<ObjectKey, Option<Verdict>>>,
    ) {
        let now = self.clock.now();
        let mut batch = Vec::new();
        {
            let store = self.store.read().unwrap_or_else(|p| p.into_inner());
            let mut live = HashSet::new();
            for (key, _) in store.live() {
                let Some(mut t) = store.as_new(key, now, false) else {
                    continue;
                };
                if let Some(first) = first {
                    match first.get(key.as_ref()) {
                        Some(before) => t.from.clone_from(before),
                        None => t.initial = true,
                    }
                }
                live.insert(key.as_ref().clone());
                batch.push(t);
            }
            for (key, t) in told {
                if t.verdict.is_some() && !live.contains(key) {
                    batch.push(Transition {
                        key: Arc::new(key.clone()),
                        at: now,
                        from: None,
                        to: None,
                        message: "deleted".into(),
                        initial: false,
                        meta: store
                            .get(key)
                            .map(|e| Arc::clone(&e.meta))
                            .unwrap_or_default(),
                        children: Vec::new(),
                        via: None,
                        affected: None,
                        change: None,
                    });
                }
            }
        }
        let before: HashMap<&ObjectKey, &Told> = told.iter().map(|(k, t)| (k, t)).collect();
        self.take(batch);
        // Troubles that were told and stay: their repeats go on.
        let mut resumed = Vec::new();
        let still: Vec<(ObjectKey, Option<jiff::Timestamp>)> = self
            .ledger
            .troubled
            .iter()
            .filter_map(|k| before.get(k).map(|t| (k.clone(), t.repeat_due)))
            .collect();
        for (key, due) in still {
            let t = self
                .store
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .as_new(&key, now, true);
            if let Some(t) = t {
                resumed.extend(self.at_start(&t, now, due));
            }
        }
        // `stuck` checks still to come (those already due were told by the last leader).
        let not_ready: Vec<(ObjectKey, jiff::Timestamp)> = self
            .ledger
            .not_ready
            .iter()
            .map(|(k, t)| (k.clone(), *t))
            .collect();
        let mut afters = Vec::new();
        super::stuck::stuck_afters(&self.config.routes, &mut afters);
        for (key, since) in not_ready {
            for after in &afters {
                let due = later(since, *after);
                if due > now {
                    self.timer(
                        due,
                        super::hold::Timer::Stuck {
                            key: key.clone(),
                            since,
                            after: *after,
                        },
                    );
                }
            }
        }
        if !resumed.is_empty() {
            self.queue(resumed);
        }
        self.remember_touched();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::Health;

    fn verdict(health: Health) -> Verdict {
        Verdict {
            health,
            ready: health == Health::Healthy,
            status: "S".into(),
            revision: None,
            suspended: false,
            sync: None,
            from_children: false,
        }
    }

    fn transition(key: &ObjectKey, from: Option<Verdict>, to: Option<Verdict>) -> Transition {
        Transition {
            key: Arc::new(key.clone()),
            at: "2026-12-02T00:00:00Z".parse().unwrap(),
            from,
            to,
            message: String::new(),
            initial: true,
            meta: Arc::default(),
            children: Vec::new(),
            via: None,
            affected: None,
            change: None,
        }
    }

    fn term(mirror: &Arc<Mirror>) -> Term {
        Term {
            mirror: Arc::clone(mirror),
            touched: HashMap::new(),
            outgoing: Vec::new(),
            leadership: watch::channel(Leadership::default()).1,
            stop: watch::channel(false).1,
        }
    }

    #[test]
    fn transitions_are_taken_from_what_was_told_and_chain_within_a_batch() {
        let mirror = Arc::new(Mirror::new(4));
        let told = ObjectKey::new("g", "K", "ns", "told");
        let fresh = ObjectKey::new("g", "K", "ns", "fresh");
        mirror.set_told(
            &told,
            Some(Told {
                verdict: Some(verdict(Health::Unhealthy)),
                ..Told::default()
            }),
        );
        let mut t = term(&mirror);
        // The store says healthy → healthy (it saw a recovery the old leader told already? no:
        // it never saw the trouble); what counts is what was told: unhealthy.
        let mut batch = vec![
            transition(
                &told,
                Some(verdict(Health::Healthy)),
                Some(verdict(Health::Healthy)),
            ),
            transition(
                &told,
                Some(verdict(Health::Healthy)),
                Some(verdict(Health::Warning)),
            ),
            transition(&fresh, None, Some(verdict(Health::Unhealthy))),
        ];
        t.take_from_told(&mut batch);
        assert_eq!(batch[0].from, Some(verdict(Health::Unhealthy)));
        assert!(!batch[0].initial, "told before: not a first sight");
        assert_eq!(
            batch[1].from,
            Some(verdict(Health::Healthy)),
            "from the one before"
        );
        // Nothing told of it: the transition stays as it came.
        assert_eq!(batch[2].from, None);
        assert!(batch[2].initial);
    }

    #[test]
    fn the_ledger_survives_the_hand_over() {
        let k = ObjectKey::new("g", "K", "ns", "n");
        let mut l = Ledger::default();
        l.troubled.insert(k.clone());
        l.withheld.insert(("slack".into(), k.clone()));
        l.withheld.insert(("hook".into(), k.clone()));
        l.not_ready
            .insert(k.clone(), "2026-12-02T00:00:00Z".parse().unwrap());
        l.repeat_due
            .insert(k.clone(), "2026-12-02T01:00:00Z".parse().unwrap());
        let told = l.told(&k, Some(verdict(Health::Unhealthy)));
        assert_eq!(
            told.withheld,
            ["hook", "slack"],
            "sorted: the same record twice"
        );
        let back = Ledger::from_told(&[(k.clone(), told.clone())]);
        assert_eq!(back.told(&k, Some(verdict(Health::Unhealthy))), told);
        // An object with nothing to remember is not kept.
        assert_eq!(Ledger::default().told(&k, None), Told::default());
    }
}

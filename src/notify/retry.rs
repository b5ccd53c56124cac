//! Delivery, one worker per receiver: each sends its receiver's notifications in order, one
//! at a time (spaced by the receiver's `rateLimit`), each until the receiver takes it or
//! refuses it for good, retrying with exponential backoff and jitter; `429` waits for
//! `Retry-After`. What was taken or refused is then removed from the outbox. (How each kind of
//! receiver is spoken to is [`super::send`].)

use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::sync::mpsc;

use super::leader::{Gate, Term};
use super::outbox::Outbox;
use super::{Deliver, Notification, Outcome, Pipeline, Stats};
use crate::clock::Clock;
use crate::config::Receiver;
use crate::metrics::{self, Metrics};

/// A receiver's definition, shared with its worker and replaced by a reload.
pub(super) type Slot = Arc<RwLock<Arc<Receiver>>>;

impl Pipeline {
    /// A worker for every receiver of the configuration that has none; new definitions for the
    /// others.
    pub(super) fn spawn_workers(&mut self) {
        for r in &self.config.receivers {
            if let Some((_, slot, _)) = self.workers.get(&r.name) {
                *slot.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(r.clone());
                continue;
            }
            let (tx, rx) = mpsc::unbounded_channel();
            let slot = Arc::new(RwLock::new(Arc::new(r.clone())));
            let task = tokio::spawn(worker(
                Arc::clone(&slot),
                rx,
                self.completed.clone(),
                Arc::clone(&self.deliver),
                Counters {
                    stats: Arc::clone(&self.stats),
                    metrics: Arc::clone(&self.metrics),
                    clock: Arc::clone(&self.clock),
                    history: self
                        .store
                        .read()
                        .unwrap_or_else(|p| p.into_inner())
                        .history
                        .clone(),
                },
                self.config.delivery.clone(),
                self.term.as_ref().map(Term::gate),
            ));
            self.workers.insert(r.name.clone(), (tx, slot, task));
        }
    }

    /// Passes a notification on to be sent. A leader holds it until the ledger that led to it
    /// is in the hand-over state ([`Pipeline::remember_touched`]).
    pub(super) fn send(&mut self, n: Notification) {
        match &mut self.term {
            Some(term) => term.hold(n),
            None => self.hand(n),
        }
    }

    /// Hands a notification to its receiver's worker.
    pub(super) fn hand(&self, n: Notification) {
        match self.workers.get(&n.receiver) {
            Some((tx, _, _)) => {
                let _ = tx.send(n);
            }
            None => {
                // The receiver left the configuration: nobody can take it any more.
                tracing::warn!(receiver = %n.receiver, event = %n.event.id, "no such receiver any more; notification dropped");
                let ids: Vec<u64> = std::iter::once(n.id)
                    .chain(n.grouped.iter().map(|(id, _)| *id))
                    .collect();
                let _ = self.outbox.done_many(&ids);
            }
        }
    }
}

/// Removes delivered notifications from the outbox, all that are waiting in one transaction: at
/// a thousand messages a second, one sync to disk each would be the bottleneck.
pub(super) async fn complete(outbox: Arc<Outbox>, mut ids: mpsc::UnboundedReceiver<u64>) {
    while let Some(first) = ids.recv().await {
        let mut batch = vec![first];
        while let Ok(id) = ids.try_recv() {
            batch.push(id);
        }
        // Inline: a short disk write, and the order stays simple to reason about.
        if let Err(e) = outbox.done_many(&batch) {
            tracing::error!(error = %e, "outbox update failed; these notifications may be sent again after a restart");
        }
    }
}

/// Where a worker counts what happened to its notifications.
struct Counters {
    stats: Arc<Stats>,
    metrics: Arc<Metrics>,
    /// For the delay from the change to its delivery.
    clock: Arc<dyn Clock>,
    /// Where what was delivered or refused is recorded.
    history: Option<Arc<crate::history::History>>,
}

/// The longest wait a receiver's answer may ask for (`Retry-After`, a rate limit's reset).
pub const MAX_SERVICE_WAIT: Duration = Duration::from_secs(3600);

/// Sends one receiver's notifications in order, each until it is taken or refused.
async fn worker(
    slot: Slot,
    mut rx: mpsc::UnboundedReceiver<Notification>,
    completed: mpsc::UnboundedSender<u64>,
    deliver: Deliver,
    counters: Counters,
    delivery: crate::config::Delivery,
    mut gate: Option<Gate>,
) {
    let Counters {
        stats,
        metrics,
        clock,
        history,
    } = counters;
    let told = |n: &Notification, receiver: &str, outcome: &str| {
        let Some(h) = &history else { return };
        for e in n.events().filter(|e| !e.test) {
            h.record(
                &e.object,
                clock.now(),
                crate::history::Record::Notification {
                    event: e.kind,
                    receiver: receiver.to_string(),
                    route: n.route.clone(),
                    outcome: outcome.to_string(),
                },
            );
        }
    };
    let mut last_sent: Option<tokio::time::Instant> = None;
    while let Some(n) = rx.recv().await {
        let mut attempt: u32 = 0;
        loop {
            let receiver = Arc::clone(&slot.read().unwrap_or_else(|p| p.into_inner()));
            let spacing = receiver
                .rate_per_minute
                .map(|n| Duration::from_secs(60) / n.max(1));
            if let (Some(gap), Some(last)) = (spacing, last_sent) {
                tokio::time::sleep_until(last + gap).await;
            }
            // A leader starts a delivery only once what led to it is handed over, and only
            // inside its fence; the delivery is cut when the fence says every one must be done.
            let finish_by = match &mut gate {
                Some(g) => match g.open(&n).await {
                    Some(by) => Some(by),
                    None => return,
                },
                None => None,
            };
            let attempt_once = deliver(Arc::clone(&receiver), n.clone());
            let outcome = match finish_by {
                None => attempt_once.await,
                Some(by) => tokio::time::timeout_at(by, attempt_once)
                    .await
                    .unwrap_or_else(|_| Outcome::Retry {
                        after: Some(Duration::ZERO),
                        why: "cut at the end of this replica's leadership".into(),
                    }),
            };
            last_sent = Some(tokio::time::Instant::now());
            match outcome {
                Outcome::Delivered => {
                    stats.delivered.fetch_add(1, Ordering::Relaxed);
                    let delay = clock.now().duration_since(n.event.at).as_secs_f64();
                    metrics.notification(&receiver.name, metrics::Outcome::Delivered, delay);
                    told(&n, &receiver.name, "delivered");
                    break;
                }
                Outcome::Refused(why) => {
                    stats.refused.fetch_add(1, Ordering::Relaxed);
                    metrics.notification(&receiver.name, metrics::Outcome::Failed, 0.0);
                    told(&n, &receiver.name, "refused");
                    tracing::error!(receiver = %receiver.name, event = %n.event.id, %why, "notification refused; not retried");
                    break;
                }
                Outcome::Retry { after, why } => {
                    attempt += 1;
                    stats.retried.fetch_add(1, Ordering::Relaxed);
                    metrics.notification(&receiver.name, metrics::Outcome::Retried, 0.0);
                    // A service's own wait is honoured, up to an hour: a hostile or broken
                    // `Retry-After` does not stop a receiver for days.
                    let wait = after
                        .map(|a| a.min(MAX_SERVICE_WAIT))
                        .unwrap_or_else(|| backoff(&delivery, attempt, n.id));
                    tracing::warn!(receiver = %receiver.name, event = %n.event.id, attempt, ?wait, %why, "delivery failed; retrying");
                    tokio::time::sleep(wait).await;
                }
            }
        }
        for id in std::iter::once(n.id).chain(n.grouped.iter().map(|(id, _)| *id)) {
            let _ = completed.send(id);
        }
    }
}

/// `initial × 2^(attempt-1)`, at most `max`, minus up to a quarter at random so that receivers
/// coming back are not hit by every herald at once.
pub(super) fn backoff(d: &crate::config::Delivery, attempt: u32, seed: u64) -> Duration {
    let exp = d
        .retry_initial
        .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(20));
    let full = exp.min(d.retry_max);
    // xorshift over the notification and the attempt: spread without a random source.
    let mut x = seed ^ (u64::from(attempt) << 32) ^ 0x9E37_79B9_7F4A_7C15;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    let quarter = full / 4;
    full - quarter.mul_f64((x % 1000) as f64 / 1000.0)
}

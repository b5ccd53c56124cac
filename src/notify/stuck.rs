//! `stuck`: an object that has not been ready for a route's `stuckAfter` is told as `stuck`,
//! once per not-ready episode and `stuckAfter`, to the routes that wait that long. An episode
//! starts when herald sees the object become not ready and ends when it is ready or gone.

use std::sync::atomic::Ordering;
use std::time::Duration;

use jiff::Timestamp;

use super::hold::Timer;
use super::route::{event_id, find_route};
use super::{Event, Notification, Pipeline, later};
use crate::config::EventKind;
use crate::store::{ObjectKey, Transition};

impl Pipeline {
    /// Starts and ends not-ready episodes, and schedules their `stuck` checks.
    pub(super) fn track_readiness(&mut self, t: &Transition) {
        let key = (*t.key).clone();
        let was_ready = t.from.as_ref().is_none_or(|v| v.ready);
        match &t.to {
            Some(v) if !v.ready => {
                if was_ready || !self.ledger.not_ready.contains_key(&key) {
                    self.ledger.not_ready.insert(key.clone(), t.at);
                    let mut afters = Vec::new();
                    stuck_afters(&self.config.routes, &mut afters);
                    for after in afters {
                        self.timer(
                            later(t.at, after),
                            Timer::Stuck {
                                key: key.clone(),
                                since: t.at,
                                after,
                            },
                        );
                    }
                }
            }
            _ => {
                self.ledger.not_ready.remove(&key);
            }
        }
    }

    /// What the store says of an object now, as an event of `kind`.
    fn event_now(&self, key: &ObjectKey, kind: EventKind, id: String) -> Option<Event> {
        let store = self.store.read().unwrap_or_else(|p| p.into_inner());
        let e = store.get(key).filter(|e| e.is_live())?;
        let v = e.verdict();
        Some(Event {
            id,
            kind,
            cluster: self.config.cluster.clone(),
            object: key.clone(),
            at: self.clock.now(),
            from: Some(v.clone()),
            to: Some(v),
            message: e.message().to_string(),
            children: e
                .rollup
                .as_ref()
                .map(|r| r.children.iter().map(|k| (**k).clone()).collect())
                .unwrap_or_default(),
            via: e.rollup.as_ref().map(|r| r.via.clone()),
            labels: e.meta.labels.clone(),
            annotations: e.meta.annotations.clone(),
            test: false,
            repo: super::route::repo_in(&store, &e.meta),
            attempted: e.meta.attempted.as_deref().map(str::to_string),
            warnings: store.warnings_under(key, super::WARNINGS_TOLD),
            affected: Vec::new(),
            affected_more: 0,
            change: None,
        })
    }

    /// `stuck`: the object has not been ready for `after`, for the routes that wait that long.
    pub(super) fn stuck(&mut self, key: ObjectKey, since: Timestamp, after: Duration) {
        if self.ledger.not_ready.get(&key) != Some(&since) {
            return;
        }
        let id = event_id(&format!(
            "{}|{}|stuck|{}|{}",
            self.config.cluster,
            key,
            since.as_nanosecond(),
            after.as_secs()
        ));
        let Some(event) = self.event_now(&key, EventKind::Stuck, id) else {
            return;
        };
        self.stats.events.fetch_add(1, Ordering::Relaxed);
        let now = self.clock.now();
        let fresh: Vec<Notification> = self
            .notifications(event, now)
            .into_iter()
            .filter(|n| {
                find_route(&self.config.routes, &n.route).and_then(|r| r.stuck_after) == Some(after)
            })
            .map(|mut n| {
                // Stuck has waited long enough already (but not for the time intervals).
                n.recheck = false;
                n.due = now;
                n
            })
            .collect();
        let mut fresh = self.within_windows(fresh);
        if fresh.is_empty() {
            return;
        }
        if let Err(e) = self.outbox.put(&mut fresh) {
            tracing::error!(error = %e, "outbox refused a stuck notification");
            return;
        }
        for n in fresh {
            self.place(n);
        }
    }
}

/// Every distinct `stuckAfter` of the configuration's routes.
pub(super) fn stuck_afters(routes: &[crate::config::Route], out: &mut Vec<Duration>) {
    for r in routes {
        if let Some(a) = r.stuck_after
            && !out.contains(&a)
        {
            out.push(a);
        }
        stuck_afters(&r.routes, out);
    }
}

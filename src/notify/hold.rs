//! Holding: what waits for a time before it is sent, or sent again. A route's `waitFor` holds
//! a notification in the outbox, and it is sent when the wait ends only if what it announces
//! still holds. A route's time intervals (`muteTimeIntervals`, `activeTimeIntervals`) hold
//! what it would send while they close it, the same way, until they next open; a repeat that
//! falls while they are closed is skipped (the next one comes an interval later). A trouble that stays is told again every `repeatInterval`, and to Alertmanager
//! every minute so that its alert stays firing. A route's `groupBy` and `groupWait` gather
//! notifications into one message per group, at most one every `groupInterval`. All of these,
//! and the `stuck` checks, are timers in one schedule; the loop sleeps until the first is due.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use jiff::Timestamp;

use super::route::find_route;
use super::{Notification, Pipeline, later};
use crate::config::{EventKind, Receiver};
use crate::events;
use crate::store::{ObjectKey, Transition, Verdict};

/// One group of a route's notifications for one receiver (`groupBy`).
#[derive(Default)]
pub(super) struct Group {
    pending: Vec<Notification>,
    flush_due: bool,
    last_sent: Option<Timestamp>,
}

/// Something the pipeline does at a time.
pub(super) enum Timer {
    /// A notification held by `waitFor`.
    Release(Notification),
    /// Send a trouble again if it still holds (`repeatInterval`; Alertmanager's alerts every
    /// minute so they stay firing).
    Repeat {
        n: Notification,
        every: Duration,
        count: u32,
    },
    /// A group's notifications go out together.
    Flush(String),
    /// `stuck` for the routes whose `stuckAfter` is `after`, if the object has not been ready
    /// since `since`.
    Stuck {
        key: ObjectKey,
        since: Timestamp,
        after: Duration,
    },
}

/// Alertmanager forgets a firing alert that is not sent again (its `resolve_timeout`, 5 m).
const ALERTMANAGER_RESEND: Duration = Duration::from_secs(60);

impl Pipeline {
    /// What herald learns at start-up is told to nobody, with two exceptions for a trouble
    /// that is already there: Alertmanager's alert is posted again now (it de-duplicates; else
    /// the alert would resolve by itself while the trouble lasts), and a route's
    /// `repeatInterval` goes on, counted from now (when it was last told is not kept).
    ///
    /// A new leader does the same for the troubles the last one told, with their repeats from
    /// when they were due (`repeat_due`), not from now.
    pub(super) fn at_start(
        &mut self,
        t: &Transition,
        now: Timestamp,
        repeat_due: Option<Timestamp>,
    ) -> Vec<Notification> {
        let Some(kind) = trouble_at_start(t) else {
            return Vec::new();
        };
        if !self.config.receivers.iter().any(is_alertmanager)
            && !self.config.routes.iter().any(has_repeat)
        {
            return Vec::new();
        }
        let mut now_due = Vec::new();
        for mut n in self.notifications_of(t, kind, now) {
            let am = self
                .config
                .receivers
                .iter()
                .any(|r| r.name == n.receiver && is_alertmanager(r));
            if am {
                // Then re-sent every minute, as any Alertmanager alert.
                n.recheck = false;
                now_due.push(n);
            } else if let Some(every) =
                find_route(&self.config.routes, &n.route).and_then(|r| r.repeat_interval)
            {
                let due = repeat_due.map_or(later(now, every), |d| d.max(now));
                self.timer(due, Timer::Repeat { n, every, count: 0 });
            }
        }
        now_due
    }

    /// What a route would send while its time intervals close it is held until they open,
    /// and then sent only if it still holds (as a `waitFor` release); when they do not open
    /// within [`crate::intervals::SEARCH_DAYS`], it is dropped with a warning.
    pub(super) fn within_windows(&mut self, fresh: Vec<Notification>) -> Vec<Notification> {
        fresh
            .into_iter()
            .filter_map(|mut n| self.hold_for_window(&mut n).then_some(n))
            .collect()
    }

    /// Moves `n.due` to when its route may speak; false when it may not within the bound.
    fn hold_for_window(&mut self, n: &mut Notification) -> bool {
        let config = Arc::clone(&self.config);
        let Some(route) = find_route(&config.routes, &n.route) else {
            return true;
        };
        let windows = route.windows();
        if !windows.any() {
            return true;
        }
        let Some(closed) = windows.closed(n.due) else {
            return true;
        };
        match windows.next_open(n.due) {
            Some(at) => {
                tracing::debug!(route = %n.route, receiver = %n.receiver, event = %n.event.kind,
                    object = %n.event.object, until = %at, why = %closed, "held by time intervals");
                n.due = at;
                n.recheck = true;
                self.stats.held.fetch_add(1, Ordering::Relaxed);
                self.metrics.notification_held(&n.receiver, closed.reason());
                true
            }
            None => {
                tracing::warn!(route = %n.route, receiver = %n.receiver, event = %n.event.kind,
                    object = %n.event.object, why = %closed,
                    days = crate::intervals::SEARCH_DAYS,
                    "dropped: the route's time intervals do not let it speak within the days looked at");
                self.metrics.notification_held(&n.receiver, "dropped");
                false
            }
        }
    }

    /// A notification from the outbox goes to its worker, or waits for its `waitFor`.
    pub(super) fn place(&mut self, n: Notification) {
        if n.recheck {
            self.scheduled.insert((n.due, n.id), Timer::Release(n));
        } else {
            self.dispatch(n);
        }
    }

    pub(super) fn timer(&mut self, at: Timestamp, t: Timer) {
        if let Timer::Repeat { n, .. } = &t {
            let due = self
                .ledger
                .repeat_due
                .entry(n.event.object.clone())
                .or_insert(at);
            *due = (*due).min(at);
        }
        self.next_timer += 1;
        self.scheduled.insert((at, self.next_timer), t);
    }

    pub(super) fn dispatch(&mut self, n: Notification) {
        // What stays broken is told again: every `repeatInterval`, and to Alertmanager every
        // minute so that its alert stays firing.
        if events::is_trouble(n.event.kind) {
            let route = find_route(&self.config.routes, &n.route).and_then(|r| r.repeat_interval);
            let am = self
                .config
                .receivers
                .iter()
                .any(|r| r.name == n.receiver && is_alertmanager(r));
            let every = match (route, am) {
                (Some(r), true) => Some(r.min(ALERTMANAGER_RESEND)),
                (None, true) => Some(ALERTMANAGER_RESEND),
                (r, false) => r,
            };
            if let Some(every) = every {
                self.timer(
                    later(self.clock.now(), every),
                    Timer::Repeat {
                        n: n.clone(),
                        every,
                        count: 0,
                    },
                );
            }
        }
        let grouping = find_route(&self.config.routes, &n.route)
            .filter(|r| !r.group_by.is_empty() || !r.group_wait.is_zero())
            .map(|r| (r.group_by.clone(), r.group_wait, r.group_interval));
        match grouping {
            Some((by, wait, interval)) => self.group(n, &by, wait, interval),
            None => self.send(n),
        }
    }

    /// Grouping: the first notification of a group waits `groupWait`; those that come while
    /// a message of the group went out less than `groupInterval` ago wait for the interval.
    fn group(&mut self, n: Notification, by: &[String], wait: Duration, interval: Duration) {
        let e = &n.event;
        let values: Vec<String> = by
            .iter()
            .map(|k| match k.as_str() {
                "cluster" => e.cluster.clone(),
                "kind" => e.object.kind.to_string(),
                "namespace" => e.object.namespace.to_string(),
                "name" => e.object.name.to_string(),
                "event" => e.kind.as_str().to_string(),
                "health" => {
                    e.to.as_ref()
                        .map_or("none".to_string(), |v| v.health.to_string())
                }
                other => other
                    .strip_prefix("label:")
                    .and_then(|l| e.labels.get(l).cloned())
                    .unwrap_or_default(),
            })
            .collect();
        let key = format!("{}|{}|{}", n.route, n.receiver, values.join("|"));
        let now = self.clock.now();
        let group = self.groups.entry(key.clone()).or_default();
        group.pending.push(n);
        if group.flush_due {
            return;
        }
        group.flush_due = true;
        let at = match group.last_sent {
            Some(last) if later(last, interval) > now => later(last, interval),
            _ => later(now, wait),
        };
        self.timer(at, Timer::Flush(key));
    }

    fn flush(&mut self, key: &str) {
        let Some(group) = self.groups.get_mut(key) else {
            return;
        };
        group.flush_due = false;
        group.last_sent = Some(self.clock.now());
        let mut pending = std::mem::take(&mut group.pending).into_iter();
        let Some(mut first) = pending.next() else {
            return;
        };
        first.grouped = pending
            .flat_map(|n| std::iter::once((n.id, n.event)).chain(n.grouped))
            .collect();
        self.send(first);
    }

    /// Timers that are due: `waitFor` releases, repeats and stuck checks.
    pub(super) fn release_due(&mut self) {
        let now = self.clock.now();
        while let Some(entry) = self.scheduled.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let timer = entry.remove();
            if let Some(term) = &mut self.term {
                match &timer {
                    Timer::Release(n) | Timer::Repeat { n, .. } => {
                        term.touch(&n.event.object);
                    }
                    Timer::Stuck { key, .. } => term.touch(key),
                    Timer::Flush(_) => {}
                }
            }
            match timer {
                Timer::Release(n) => self.release(n),
                Timer::Repeat { n, every, count } => {
                    self.ledger.repeat_due.remove(&n.event.object);
                    self.repeat(n, every, count);
                }
                Timer::Stuck { key, since, after } => self.stuck(key, since, after),
                Timer::Flush(group) => self.flush(&group),
            }
        }
    }

    fn current(&self, key: &ObjectKey) -> Option<Verdict> {
        let store = self.store.read().unwrap_or_else(|p| p.into_inner());
        store.get(key).filter(|e| e.is_live()).map(|e| e.verdict())
    }

    /// A notification whose `waitFor` ended: sent if what it announces still holds.
    fn release(&mut self, mut n: Notification) {
        let current = self.current(&n.event.object);
        let who = (n.receiver.clone(), n.event.object.clone());
        let holds = events::still_holds(n.event.kind, n.event.to.as_ref(), current.as_ref());
        let unheard_recovery =
            n.event.kind == EventKind::Recovered && self.ledger.withheld.remove(&who);
        if holds && !unheard_recovery {
            // Its route's time intervals may have closed since it was held (a new
            // configuration, a restart): held again until they open.
            let now = self.clock.now();
            if n.due < now {
                n.due = now;
            }
            let due = n.due;
            if !self.hold_for_window(&mut n) {
                if let Err(e) = self.outbox.done(n.id) {
                    tracing::error!(error = %e, "outbox update failed");
                }
                return;
            }
            if n.due > due {
                if let Err(e) = self.outbox.update(&n) {
                    tracing::error!(error = %e, "outbox update failed");
                }
                self.scheduled.insert((n.due, n.id), Timer::Release(n));
                return;
            }
            if n.event.kind != EventKind::Recovered {
                self.ledger.withheld.remove(&who);
            }
            // The warnings that say why often come after the change they explain: those seen
            // while it was held go out with it.
            let warnings = self.warnings_of(&n.event.object, n.event.kind, n.event.to.as_ref());
            if !warnings.is_empty() {
                n.event.warnings = warnings;
            }
            n.recheck = false;
            if let Err(e) = self.outbox.update(&n) {
                tracing::error!(error = %e, "outbox update failed; sending anyway");
            }
            self.dispatch(n);
        } else {
            if !holds && events::is_trouble(n.event.kind) {
                self.ledger.withheld.insert(who);
            }
            self.stats.superseded.fetch_add(1, Ordering::Relaxed);
            if let Err(e) = self.outbox.done(n.id) {
                tracing::error!(error = %e, "outbox update failed");
            }
        }
    }

    /// A trouble told before: told again if it still holds, and the next repeat scheduled.
    fn repeat(&mut self, n: Notification, every: Duration, count: u32) {
        let current = self.current(&n.event.object);
        if !events::still_holds(n.event.kind, n.event.to.as_ref(), current.as_ref()) {
            return;
        }
        // Not while the route's time intervals close it (Alertmanager's keep-alive goes on).
        let am = self
            .config
            .receivers
            .iter()
            .any(|r| r.name == n.receiver && is_alertmanager(r));
        let now = self.clock.now();
        if !am
            && find_route(&self.config.routes, &n.route)
                .is_some_and(|r| r.windows().closed(now).is_some())
        {
            self.timer(later(now, every), Timer::Repeat { n, every, count });
            return;
        }
        let mut again = n.clone();
        again.event.id = format!("{}-r{}", n.event.id, count + 1);
        again.due = self.clock.now();
        again.recheck = false;
        let mut batch = [again];
        if let Err(e) = self.outbox.put(&mut batch) {
            tracing::error!(error = %e, "outbox refused a repeat");
            return;
        }
        let [again] = batch;
        // The repeat schedules the next one when it is dispatched, with its count.
        if !self.workers.contains_key(&again.receiver) {
            let _ = self.outbox.done(again.id);
            return;
        }
        self.send(again);
        self.timer(
            later(self.clock.now(), every),
            Timer::Repeat {
                n,
                every,
                count: count + 1,
            },
        );
    }
}

fn is_alertmanager(r: &Receiver) -> bool {
    matches!(r.kind, crate::config::ReceiverKind::Alertmanager(_))
}

/// The trouble an object was in when herald (re)started: `unhealthy` or `warning`.
fn trouble_at_start(t: &Transition) -> Option<EventKind> {
    t.to.as_ref().and_then(|v| match v.health {
        crate::health::Health::Unhealthy => Some(EventKind::Unhealthy),
        crate::health::Health::Warning => Some(EventKind::Warning),
        _ => None,
    })
}

/// Whether a route, or one below it, repeats.
fn has_repeat(r: &crate::config::Route) -> bool {
    r.repeat_interval.is_some() || r.routes.iter().any(has_repeat)
}

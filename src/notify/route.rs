//! Routing: the events a transition tells, and which receivers each goes to. The routes that
//! take an event (matchers and their `when`, [`crate::route`]) give it to their receivers, once
//! each; the objects' subscription annotations add theirs; a silence that covers the event
//! ([`super::silence`]) sends it to nobody. Of one transition, a receiver told `unhealthy` is
//! not also told `child-unhealthy`.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use jiff::Timestamp;
use serde_json::{Value, json};

use super::{Event, Notification, Pipeline, later};
use crate::config::EventKind;
use crate::route::{self, Routed};
use crate::store::Transition;

impl Pipeline {
    /// The event of `kind` that a transition tells.
    pub(super) fn event(&self, t: &Transition, kind: EventKind) -> Event {
        let id = event_id(&format!(
            "{}|{}|{}|{}",
            self.config.cluster,
            t.key,
            kind,
            t.at.as_nanosecond()
        ));
        Event {
            id,
            kind,
            cluster: self.config.cluster.clone(),
            object: (*t.key).clone(),
            at: t.at,
            from: t.from.clone(),
            to: t.to.clone(),
            message: t.message.clone(),
            children: t.children.iter().map(|k| (**k).clone()).collect(),
            via: t.via.clone(),
            labels: t.meta.labels.clone(),
            annotations: t.meta.annotations.clone(),
            test: false,
            repo: self.repo_of(&t.meta),
            attempted: t.meta.attempted.as_deref().map(str::to_string),
            // Filled in by `notifications` when the event goes out.
            warnings: Vec::new(),
            affected: t
                .affected
                .as_ref()
                .map(|a| a.objects.clone())
                .unwrap_or_default(),
            affected_more: t.affected.as_ref().map_or(0, |a| a.more),
            change: t.change.as_deref().cloned(),
        }
    }

    /// The warnings that may say why an object is in trouble: its own and its descendants'.
    /// None for anything but trouble.
    pub(super) fn warnings_of(
        &self,
        key: &crate::store::ObjectKey,
        kind: EventKind,
        to: Option<&crate::store::Verdict>,
    ) -> Vec<crate::warnings::Warning> {
        let trouble = crate::events::tells_health(kind)
            && to.is_some_and(|v| v.health != crate::health::Health::Healthy);
        if !trouble {
            return Vec::new();
        }
        self.store
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .warnings_under(key, super::WARNINGS_TOLD)
    }

    /// The repository an object applies from: its own (an Application's `repoURL`), or its
    /// Flux source's URL as the store knows it.
    pub(super) fn repo_of(&self, meta: &crate::store::Meta) -> Option<String> {
        if let Some(r) = &meta.repo {
            return Some(r.to_string());
        }
        meta.source.as_ref()?;
        repo_in(&self.store.read().unwrap_or_else(|p| p.into_inner()), meta)
    }

    /// The notifications one event makes: one per receiver of the routes that take it, unless
    /// a silence covers it.
    pub(super) fn notifications(&mut self, event: Event, now: Timestamp) -> Vec<Notification> {
        let Some(plan) = self.plan(&View::of_event(&event), now) else {
            return Vec::new();
        };
        self.deliver(plan, event, now)
    }

    /// The notifications the event of `kind` that `t` tells makes. The event itself (its id,
    /// copies of the object's labels, annotations and children) is built only when some route
    /// or subscription takes it: most transitions (a Pod's, a ReplicaSet's) go nowhere.
    pub(super) fn notifications_of(
        &mut self,
        t: &Transition,
        kind: EventKind,
        now: Timestamp,
    ) -> Vec<Notification> {
        let Some(plan) = self.plan(&View::of_transition(t, kind), now) else {
            return Vec::new();
        };
        let event = self.event(t, kind);
        self.deliver(plan, event, now)
    }

    /// Where an event goes: the routes that take it and the subscriptions that ask for it;
    /// none when nothing takes it or a silence covers it.
    fn plan(&mut self, v: &View<'_>, now: Timestamp) -> Option<Plan> {
        let health = v.to.or(v.from).map(|v| v.health);
        let routed = Routed {
            event: v.kind,
            kind: &v.object.kind,
            namespace: &v.object.namespace,
            name: &v.object.name,
            labels: v.labels,
            health: health.unwrap_or(crate::health::Health::Unknown),
            status: v.to.map_or("", |v| v.status.as_str()),
        };
        if self.silenced(v.kind, &routed, now) {
            self.stats.silenced.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        // Built when a route's `when` first needs them: most events meet no `when`.
        let mut vars = None;
        let config = Arc::clone(&self.config);
        let programs = &mut self.programs;
        let stats = &self.stats;
        let taken = route::routes(&config.routes, &routed, &mut |r| {
            let Some(expr) = r.when.as_deref() else {
                return true;
            };
            let program = programs
                .entry(expr.to_string())
                .or_insert_with(|| cel::Program::compile(expr).ok());
            let Some(program) = program else {
                return false;
            };
            let vars = vars.get_or_insert_with(|| cel_vars(v, &config.cluster));
            match route::execute_when(program, vars) {
                Ok(b) => b,
                Err(e) => {
                    stats.errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(route = %r.path, error = %e, "when failed; the route does not take the event");
                    false
                }
            }
        });
        let subscribed =
            crate::subscriptions::subscribers(v.annotations, v.kind, &self.config.receivers);
        if taken.is_empty() && subscribed.is_empty() {
            return None;
        }
        Some(Plan {
            taken: taken
                .into_iter()
                .map(|r| Taken {
                    receivers: r.receivers.clone(),
                    path: r.path.clone(),
                    wait_for: r.wait_for,
                })
                .collect(),
            subscribed,
        })
    }

    /// The notifications of `event` to where `plan` says.
    fn deliver(&mut self, plan: Plan, mut event: Event, now: Timestamp) -> Vec<Notification> {
        // The warnings under a troubled object are looked up only for an event that goes out.
        if event.warnings.is_empty() {
            event.warnings = self.warnings_of(&event.object, event.kind, event.to.as_ref());
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for r in plan.taken {
            for receiver in r.receivers {
                // Two routes naming the same receiver send it once.
                if !seen.insert(receiver.clone()) {
                    continue;
                }
                out.push(Notification {
                    id: 0,
                    receiver,
                    route: r.path.clone(),
                    event: event.clone(),
                    due: later(now, r.wait_for),
                    recheck: !r.wait_for.is_zero(),
                    target: None,
                    grouped: Vec::new(),
                });
            }
        }
        for (receiver, target, annotation) in plan.subscribed {
            if target.is_none() && !seen.insert(receiver.clone()) {
                continue;
            }
            out.push(Notification {
                id: 0,
                receiver,
                route: format!("subscription {annotation}"),
                event: event.clone(),
                due: now,
                recheck: false,
                target,
                grouped: Vec::new(),
            });
        }
        out
    }
}

/// What routing reads of an event, borrowed from the event or from the transition it would be
/// made of.
struct View<'a> {
    kind: EventKind,
    object: &'a crate::store::ObjectKey,
    labels: &'a std::collections::BTreeMap<String, String>,
    annotations: &'a std::collections::BTreeMap<String, String>,
    from: Option<&'a crate::store::Verdict>,
    to: Option<&'a crate::store::Verdict>,
    message: &'a str,
}

impl<'a> View<'a> {
    fn of_event(e: &'a Event) -> Self {
        View {
            kind: e.kind,
            object: &e.object,
            labels: &e.labels,
            annotations: &e.annotations,
            from: e.from.as_ref(),
            to: e.to.as_ref(),
            message: &e.message,
        }
    }

    fn of_transition(t: &'a Transition, kind: EventKind) -> Self {
        View {
            kind,
            object: &t.key,
            labels: &t.meta.labels,
            annotations: &t.meta.annotations,
            from: t.from.as_ref(),
            to: t.to.as_ref(),
            message: &t.message,
        }
    }
}

/// A route that takes an event: what its notifications need of it.
struct Taken {
    receivers: Vec<String>,
    path: String,
    wait_for: std::time::Duration,
}

/// Where one event goes.
struct Plan {
    taken: Vec<Taken>,
    /// Receiver, target and annotation of each subscription that asks for it.
    subscribed: Vec<(String, Option<String>, String)>,
}

/// The route at `path` (`routes[0].routes[1]`).
pub(super) fn find_route<'a>(
    routes: &'a [crate::config::Route],
    path: &str,
) -> Option<&'a crate::config::Route> {
    for r in routes {
        if r.path == path {
            return Some(r);
        }
        if path.starts_with(&format!("{}.", r.path))
            && let Some(found) = find_route(&r.routes, path)
        {
            return Some(found);
        }
    }
    None
}

/// A stable id from what makes an event that event.
pub(super) fn event_id(source: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, source.as_bytes());
    digest.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a route's `when` sees: `event`, `object` (kind, name, namespace, labels), `old` and
/// `new` (health, ready, status, revision, suspended, sync).
fn cel_vars(e: &View<'_>, cluster: &str) -> Vec<(&'static str, Value)> {
    vec![
        (
            "event",
            json!({"type": e.kind.as_str(), "cluster": cluster, "message": e.message}),
        ),
        (
            "object",
            json!({"apiVersion": e.object.group, "kind": e.object.kind,
                   "metadata": {"name": e.object.name, "namespace": e.object.namespace, "labels": e.labels}}),
        ),
        ("old", json!(e.from)),
        ("new", json!(e.to)),
    ]
}

/// Of what one transition tells, a receiver that hears `unhealthy` does not also hear
/// `child-unhealthy`: the health is the children's then, and that message already names them.
pub(super) fn one_trouble_per_receiver(told: Vec<Notification>) -> Vec<Notification> {
    let hears_unhealthy: HashSet<(String, Option<String>)> = told
        .iter()
        .filter(|n| n.event.kind == EventKind::Unhealthy)
        .map(|n| (n.receiver.clone(), n.target.clone()))
        .collect();
    if hears_unhealthy.is_empty() {
        return told;
    }
    told.into_iter()
        .filter(|n| {
            n.event.kind != EventKind::ChildUnhealthy
                || !hears_unhealthy.contains(&(n.receiver.clone(), n.target.clone()))
        })
        .collect()
}

/// [`Pipeline::repo_of`] with the store at hand (for a caller that holds it already).
pub(super) fn repo_in(store: &crate::store::Store, meta: &crate::store::Meta) -> Option<String> {
    if let Some(r) = &meta.repo {
        return Some(r.to_string());
    }
    let source = meta.source.as_deref()?;
    store.get(source)?.meta.repo.as_deref().map(str::to_string)
}

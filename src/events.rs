//! Detection: which events (PRODUCT.md, "Events") one change of an object's assessment makes.
//! Pure: the notifier feeds it the assessment before and after each change. `stuck` is not here:
//! it depends on time and on each route's `stuckAfter`, not on one change.

use crate::config::EventKind;
use crate::health::Health;
use crate::store::{ObjectKey, Verdict};

/// Statuses that say the controller failed to apply the desired state (Argo CD's sync, Flux's
/// reconciliation, build, fetch or Helm action).
const APPLY_FAILED: &[&str] = &[
    "SyncFailed",
    "ReconciliationFailed",
    "BuildFailed",
    "ArtifactFailed",
    "InstallFailed",
    "UpgradeFailed",
    "RollbackFailed",
    "UninstallFailed",
    "PruneFailed",
];

/// The events of one change. `old` is None for an object herald has not seen before; `new` is
/// None when the object was deleted. `initial`: the change is part of herald learning the
/// cluster at start-up (or after a relist), which announces nothing new.
pub fn detect(old: Option<&Verdict>, new: Option<&Verdict>, initial: bool) -> Vec<EventKind> {
    let mut out = Vec::new();
    match (old, new) {
        (None, None) => {}
        (Some(_), None) => out.push(EventKind::Deleted),
        (None, Some(n)) => {
            if initial {
                return out;
            }
            out.push(EventKind::Created);
            // A new object is usually still reconciling (unknown): only trouble is worth telling.
            match n.health {
                Health::Unhealthy => out.push(EventKind::Unhealthy),
                Health::Warning => out.push(EventKind::Warning),
                Health::Healthy | Health::Unknown => {}
            }
            if n.from_children && n.health == Health::Unhealthy {
                out.push(EventKind::ChildUnhealthy);
            }
            if n.suspended {
                out.push(EventKind::Suspended);
            }
        }
        (Some(o), Some(n)) => {
            let (a, b) = (o, n);
            if a.health != b.health {
                out.push(match b.health {
                    Health::Unhealthy => EventKind::Unhealthy,
                    Health::Warning => EventKind::Warning,
                    Health::Unknown => EventKind::Unknown,
                    Health::Healthy => EventKind::Recovered,
                });
            }
            let child_trouble = |v: &Verdict| v.from_children && v.health == Health::Unhealthy;
            if child_trouble(n) && !child_trouble(o) {
                out.push(EventKind::ChildUnhealthy);
            }
            if b.revision.is_some() && a.revision != b.revision {
                out.push(EventKind::Revision);
            }
            let failed = |x: &Verdict| APPLY_FAILED.contains(&x.status.as_str());
            if failed(b) && !failed(a) {
                out.push(EventKind::SyncFailed);
            }
            let out_of_sync = |x: &Verdict| x.sync.as_deref() == Some("OutOfSync");
            if out_of_sync(b) && !out_of_sync(a) {
                out.push(EventKind::Drift);
            }
            match (a.suspended, b.suspended) {
                (false, true) => out.push(EventKind::Suspended),
                (true, false) => out.push(EventKind::Resumed),
                _ => {}
            }
        }
    }
    out
}

/// The events of a transition: those of its verdict's change ([`detect`]), and for a change of
/// spec or image (whose verdict stays as it was), `changed` or `image-changed`.
pub fn of(t: &crate::store::Transition) -> Vec<EventKind> {
    let mut out = detect(t.from.as_ref(), t.to.as_ref(), t.initial);
    match t.change.as_deref() {
        Some(crate::changes::Change::Spec(_)) if !t.initial => out.push(EventKind::Changed),
        Some(crate::changes::Change::Image(_)) if !t.initial => out.push(EventKind::ImageChanged),
        _ => {}
    }
    out
}

/// Events that say something is wrong (what a recovery later ends).
pub fn is_trouble(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Unhealthy
            | EventKind::Warning
            | EventKind::Unknown
            | EventKind::Stuck
            | EventKind::SyncFailed
            | EventKind::ChildUnhealthy
    )
}

/// Events that tell the health an object shows: when that health is its children's, they name
/// the child behind it.
pub fn tells_health(kind: EventKind) -> bool {
    matches!(
        kind,
        EventKind::Unhealthy | EventKind::Warning | EventKind::Unknown | EventKind::ChildUnhealthy
    )
}

/// An event in one line, as the default subject and `/api/v1/events` say it:
/// `Kustomization flux-system/apps: unhealthy (HealthCheckFailed)`; for a health rolled up from
/// children, `Kustomization flux-system/apps: unhealthy via apps/Deployment apps/web: Pod
/// apps/web-1: back-off … (own: ready, ReconciliationSucceeded)` (see [`Verdict::explained`]).
/// `to` is None for a deletion; `via` is the roll-up's first child, when there is one.
pub fn headline(
    kind: EventKind,
    object: &ObjectKey,
    to: Option<&Verdict>,
    via: Option<&str>,
) -> String {
    let reference = if object.namespace.is_empty() {
        object.name.to_string()
    } else {
        format!("{}/{}", object.namespace, object.name)
    };
    let mut line = format!("{} {reference}: {}", object.kind, kind.as_str());
    if let Some(v) = to {
        line.push(' ');
        if tells_health(kind) {
            line.push_str(&v.explained(via));
        } else {
            line.push_str(&format!("({})", v.status));
        }
    }
    line
}

/// A change in one line: `Kustomization flux-system/apps: changed spec.path: ./a → ./b`.
pub fn change_headline(
    kind: EventKind,
    object: &ObjectKey,
    change: &crate::changes::Change,
) -> String {
    let reference = if object.namespace.is_empty() {
        object.name.to_string()
    } else {
        format!("{}/{}", object.namespace, object.name)
    };
    format!(
        "{} {reference}: {} {}",
        object.kind,
        kind.as_str(),
        change.summary()
    )
}

/// Whether what an event announced is still so, given the object's verdict now (None: gone).
/// A notification held back by `waitFor` is sent only if it is.
pub fn still_holds(kind: EventKind, announced: Option<&Verdict>, now: Option<&Verdict>) -> bool {
    let Some(v) = now else {
        return kind == EventKind::Deleted;
    };
    match kind {
        EventKind::Deleted => false,
        EventKind::Created => true,
        EventKind::Unhealthy => v.health == Health::Unhealthy,
        EventKind::Warning => v.health == Health::Warning,
        EventKind::Unknown => v.health == Health::Unknown,
        EventKind::Recovered => v.health == Health::Healthy,
        EventKind::ChildUnhealthy => v.from_children && v.health == Health::Unhealthy,
        EventKind::Stuck => !v.ready,
        EventKind::Revision => announced.is_some_and(|a| a.revision == v.revision),
        EventKind::SyncFailed => APPLY_FAILED.contains(&v.status.as_str()),
        EventKind::Drift => v.sync.as_deref() == Some("OutOfSync"),
        EventKind::Suspended => v.suspended,
        EventKind::Resumed => !v.suspended,
        // What changed stays changed, whatever the health.
        EventKind::Changed | EventKind::ImageChanged => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventKind::*;

    fn a(health: Health, status: &str) -> Verdict {
        Verdict {
            health,
            ready: health == Health::Healthy,
            status: status.into(),
            revision: None,
            suspended: false,
            sync: None,
            from_children: false,
        }
    }

    fn side(v: &Verdict) -> Option<&Verdict> {
        Some(v)
    }

    #[test]
    fn a_change_is_its_own_event_and_stays_true() {
        let ok = a(Health::Healthy, "ReconciliationSucceeded");
        let key = std::sync::Arc::new(ObjectKey::new("apps", "Deployment", "apps", "api"));
        let change = crate::changes::Change::Image(crate::changes::ImageChange {
            workload: (*key).clone(),
            container: "api".into(),
            image: "nginx:latest".into(),
            old_digest: "sha256:aa".into(),
            new_digest: "sha256:bb".into(),
        });
        let t = crate::store::Transition {
            key,
            at: "2026-12-03T00:00:00Z".parse().unwrap(),
            from: Some(ok.clone()),
            to: Some(ok.clone()),
            message: String::new(),
            initial: false,
            meta: Default::default(),
            children: Vec::new(),
            via: None,
            affected: None,
            change: Some(std::sync::Arc::new(change)),
        };
        assert_eq!(of(&t), [ImageChanged]);
        assert!(still_holds(ImageChanged, Some(&ok), Some(&ok)));
        assert!(!is_trouble(Changed) && !is_trouble(ImageChanged));
    }

    #[test]
    fn health_changes() {
        let ok = a(Health::Healthy, "ReconciliationSucceeded");
        let bad = a(Health::Unhealthy, "HealthCheckFailed");
        let warn = a(Health::Warning, "Unavailable");
        let wait = a(Health::Unknown, "Progressing");
        assert_eq!(detect(side(&ok), side(&bad), false), [Unhealthy]);
        assert_eq!(detect(side(&bad), side(&ok), false), [Recovered]);
        assert_eq!(detect(side(&ok), side(&warn), false), [Warning]);
        assert_eq!(detect(side(&ok), side(&wait), false), [Unknown]);
        assert_eq!(detect(side(&wait), side(&ok), false), [Recovered]);
        assert!(detect(side(&ok), side(&ok), false).is_empty());
    }

    #[test]
    fn creation_and_deletion_but_nothing_while_learning_the_cluster() {
        let bad = a(Health::Unhealthy, "InstallFailed");
        let wait = a(Health::Unknown, "Progressing");
        assert_eq!(detect(None, side(&bad), false), [Created, Unhealthy]);
        assert_eq!(detect(None, side(&wait), false), [Created]);
        assert!(detect(None, side(&bad), true).is_empty());
        assert_eq!(detect(side(&bad), None, false), [Deleted]);
    }

    #[test]
    fn revision_sync_failure_drift_and_suspension() {
        let mut old = a(Health::Healthy, "Healthy");
        old.revision = Some("a1".into());
        old.sync = Some("Synced".into());
        let mut new = old.clone();
        new.revision = Some("b2".into());
        assert_eq!(detect(side(&old), side(&new), false), [Revision]);

        let mut failed = old.clone();
        failed.health = Health::Unhealthy;
        failed.status = "SyncFailed".into();
        failed.sync = Some("OutOfSync".into());
        assert_eq!(
            detect(side(&old), side(&failed), false),
            [Unhealthy, SyncFailed, Drift]
        );
        assert_eq!(
            detect(side(&failed), side(&failed), false),
            [],
            "once per episode"
        );

        let mut paused = old.clone();
        paused.suspended = true;
        assert_eq!(detect(side(&old), side(&paused), false), [Suspended]);
        assert_eq!(detect(side(&paused), side(&old), false), [Resumed]);
    }

    #[test]
    fn a_child_making_its_parent_unhealthy() {
        let ok = a(Health::Healthy, "ReconciliationSucceeded");
        let mut rolled = ok.clone();
        rolled.health = Health::Unhealthy;
        rolled.from_children = true;
        assert_eq!(
            detect(side(&ok), side(&rolled), false),
            [Unhealthy, ChildUnhealthy]
        );
        // Its own failure is not a child's.
        let own = a(Health::Unhealthy, "HealthCheckFailed");
        assert_eq!(detect(side(&ok), side(&own), false), [Unhealthy]);
    }

    #[test]
    fn a_rolled_up_trouble_reads_as_the_childs_not_as_its_own_status() {
        let apps = ObjectKey::new(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "apps",
        );
        let via =
            "apps/Deployment apps/web: Pod apps/web-1: back-off 5m0s restarting failed container";
        let mut rolled = a(Health::Unhealthy, "ReconciliationSucceeded");
        rolled.ready = true;
        rolled.from_children = true;
        assert_eq!(
            headline(Unhealthy, &apps, side(&rolled), Some(via)),
            format!(
                "Kustomization flux-system/apps: unhealthy via {via} (own: ready, ReconciliationSucceeded)"
            )
        );
        assert_eq!(
            headline(ChildUnhealthy, &apps, side(&rolled), Some(via)),
            format!(
                "Kustomization flux-system/apps: child-unhealthy via {via} (own: ready, ReconciliationSucceeded)"
            )
        );
        // Without the child's name (an event written before herald kept it), still not the
        // status alone.
        assert_eq!(
            headline(Unhealthy, &apps, side(&rolled), None),
            "Kustomization flux-system/apps: unhealthy via its children (own: ready, ReconciliationSucceeded)"
        );
        // Events that are not about health say the status, as do verdicts of the object's own.
        let mut revised = rolled.clone();
        revised.revision = Some("main@sha1:2".into());
        assert_eq!(
            headline(Revision, &apps, side(&revised), Some(via)),
            "Kustomization flux-system/apps: revision (ReconciliationSucceeded)"
        );
        let own = a(Health::Unhealthy, "HealthCheckFailed");
        assert_eq!(
            headline(Unhealthy, &apps, side(&own), None),
            "Kustomization flux-system/apps: unhealthy (HealthCheckFailed)"
        );
        let node = ObjectKey::new("", "Node", "", "n1");
        assert_eq!(headline(Deleted, &node, None, None), "Node n1: deleted");
    }
}

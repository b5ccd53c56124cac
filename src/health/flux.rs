//! Flux's kinds (HEALTH-MODEL.md, "Flux kinds"), across their API versions.

use serde_json::Value;

use super::conditions::{apply_generation_lag, kstatus};
use super::{Assessment, Health, is_deleting};
use crate::object::{TypeRef, ValueExt, condition, has_conditions};

const KINDS: &[(&str, &[&str])] = &[
    ("kustomize.toolkit.fluxcd.io", &["Kustomization"]),
    ("helm.toolkit.fluxcd.io", &["HelmRelease"]),
    (
        "source.toolkit.fluxcd.io",
        &[
            "GitRepository",
            "OCIRepository",
            "HelmRepository",
            "HelmChart",
            "Bucket",
        ],
    ),
    (
        "image.toolkit.fluxcd.io",
        &["ImageRepository", "ImagePolicy", "ImageUpdateAutomation"],
    ),
    (
        "notification.toolkit.fluxcd.io",
        &["Receiver", "Alert", "Provider"],
    ),
];

pub fn handles(group: &str, kind: &str) -> bool {
    KINDS
        .iter()
        .any(|(g, kinds)| *g == group && kinds.contains(&kind))
}

pub fn check(obj: &Value, t: &TypeRef<'_>) -> Assessment {
    let mut a = if is_deleting(obj) {
        Assessment::terminating()
    } else if let Some(a) = kstatus(obj) {
        apply_generation_lag(obj, a)
    } else if is_static(obj, t) {
        // Nothing reconciles these objects: they are fine as long as they exist.
        Assessment::new(Health::Healthy, true, "Static").with_message(format!(
            "{} {} is not reconciled by a controller",
            t.version, t.kind
        ))
    } else if has_conditions(obj) {
        Assessment::new(Health::Unknown, false, "Progressing")
            .with_message("no Ready condition yet")
    } else {
        Assessment::new(Health::Unknown, false, "Pending")
            .with_message("the controller has not reported on this object yet")
    };

    if t.kind == "HelmRelease"
        && a.health == Health::Healthy
        && condition(obj, "Remediated").is_some_and(|c| c.is_true())
    {
        // Ready again, but only because Helm rolled back or uninstalled the failed release.
        a.health = Health::Warning;
    }

    if obj.bool_at(&["spec", "suspend"]) == Some(true) && a.status != "Terminating" {
        a.suspended = true;
        a.ready = true;
        a.status = "Suspended".into();
        a.message = if a.message.is_empty() {
            "reconciliation suspended".into()
        } else {
            format!("reconciliation suspended; last: {}", a.message)
        };
    }

    a.revision = revision(obj, t.kind).map(str::to_owned);
    a
}

/// Objects that Flux itself never reconciles: OCI-typed HelmRepositories and the
/// status-less notification kinds of `v1beta3`.
fn is_static(obj: &Value, t: &TypeRef<'_>) -> bool {
    match t.kind {
        "HelmRepository" => obj.str_at(&["spec", "type"]) == Some("oci"),
        "Alert" | "Provider" => t.version == "v1beta3",
        _ => false,
    }
}

fn revision<'a>(obj: &'a Value, kind: &str) -> Option<&'a str> {
    let non_empty = |s: &&str| !s.is_empty();
    match kind {
        "Kustomization" => obj.str_at(&["status", "lastAppliedRevision"]),
        "HelmRelease" => obj
            .array_at(&["status", "history"])
            .first()
            .and_then(|h| h.str_at(&["chartVersion"]))
            .filter(non_empty)
            .or_else(|| obj.str_at(&["status", "lastAppliedRevision"]))
            .filter(non_empty)
            .or_else(|| obj.str_at(&["status", "lastAttemptedRevision"])),
        "ImagePolicy" => obj
            .str_at(&["status", "latestRef", "tag"])
            .or_else(|| obj.str_at(&["status", "latestImage"])),
        "ImageUpdateAutomation" => obj.str_at(&["status", "lastPushCommit"]),
        _ => obj.str_at(&["status", "artifact", "revision"]),
    }
    .filter(non_empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::assess;
    use jiff::Timestamp;
    use serde_json::json;

    fn ks(conditions: Value) -> Value {
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
               "metadata": {"name": "apps", "namespace": "flux-system", "generation": 2},
               "status": {"observedGeneration": 2, "conditions": conditions,
                          "lastAppliedRevision": "main@sha1:abc"}})
    }

    fn run(obj: &Value) -> Assessment {
        assess(obj, Timestamp::UNIX_EPOCH)
    }

    #[test]
    fn ready_but_reconciling_is_healthy_and_not_ready() {
        let a = run(&ks(json!([
            {"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Applied"},
            {"type": "Reconciling", "status": "True", "reason": "Progressing"}
        ])));
        assert_eq!((a.health, a.ready), (Health::Healthy, false));
        assert_eq!(a.revision.as_deref(), Some("main@sha1:abc"));
    }

    #[test]
    fn artifact_failed_is_a_warning_and_dependency_wait_is_unknown() {
        let a = run(&ks(
            json!([{"type": "Ready", "status": "False", "reason": "ArtifactFailed"}]),
        ));
        assert_eq!((a.health, a.ready), (Health::Warning, true));
        let a = run(&ks(
            json!([{"type": "Ready", "status": "False", "reason": "DependencyNotReady"}]),
        ));
        assert_eq!((a.health, a.ready), (Health::Unknown, false));
    }

    #[test]
    fn stalled_wins_over_ready() {
        let a = run(&ks(json!([
            {"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded"},
            {"type": "Stalled", "status": "True", "reason": "InvalidPath", "message": "no such path"}
        ])));
        assert_eq!(
            (a.health, a.ready, a.status.as_str()),
            (Health::Unhealthy, true, "InvalidPath")
        );
        assert_eq!(a.message, "no such path");
    }

    #[test]
    fn deletion_wins_over_suspension() {
        let mut o =
            ks(json!([{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded"}]));
        o["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        o["spec"] = json!({"suspend": true});
        let a = run(&o);
        assert_eq!(
            (a.status.as_str(), a.ready, a.suspended),
            ("Terminating", false, false)
        );
    }

    #[test]
    fn suspended_keeps_health_and_last_message() {
        let mut o = ks(
            json!([{"type": "Ready", "status": "False", "reason": "BuildFailed", "message": "bad kustomization"}]),
        );
        o["spec"] = json!({"suspend": true});
        let a = run(&o);
        assert_eq!(
            (a.health, a.ready, a.suspended),
            (Health::Unhealthy, true, true)
        );
        assert_eq!(a.status, "Suspended");
        assert_eq!(
            a.message,
            "reconciliation suspended; last: bad kustomization"
        );
    }

    #[test]
    fn helm_release_revision_prefers_the_deployed_chart_version() {
        let o = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "p"}, "status": {"lastAttemptedRevision": "6.7.2",
            "history": [{"chartVersion": "6.7.1"}], "conditions": []}});
        assert_eq!(run(&o).revision.as_deref(), Some("6.7.1"));
        let o = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2beta1", "kind": "HelmRelease",
            "metadata": {"name": "p"}, "status": {"lastAttemptedRevision": "6.7.2"}});
        assert_eq!(run(&o).revision.as_deref(), Some("6.7.2"));
    }

    #[test]
    fn static_objects_are_not_pending_forever() {
        let o = json!({"apiVersion": "notification.toolkit.fluxcd.io/v1beta3", "kind": "Provider",
            "metadata": {"name": "slack"}, "spec": {"type": "slack"}});
        let a = run(&o);
        assert_eq!(
            (a.health, a.ready, a.status.as_str()),
            (Health::Healthy, true, "Static")
        );
        let o = json!({"apiVersion": "notification.toolkit.fluxcd.io/v1beta2", "kind": "Provider",
            "metadata": {"name": "slack"}});
        assert_eq!(run(&o).status, "Pending");
    }
}

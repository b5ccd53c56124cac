//! Kubernetes' own kinds. Where HEALTH-MODEL.md is silent these follow the is-healthy fixtures
//! (and, for CronJob, Argo CD's); HEALTH-MODEL-NOTES.md lists where and why herald differs.

mod other;
mod pod;
mod workloads;

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::{Assessment, Health, is_deleting};
use crate::object::{TypeRef, ValueExt};

/// Deletion that has not finished after this long is stuck on a finalizer.
const TERMINATING_STALLED: SignedDuration = SignedDuration::from_hours(1);

/// The shortest time a workload gets to start before failures count.
const MIN_START_WINDOW: SignedDuration = SignedDuration::from_mins(10);

pub fn handles(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        (
            "",
            "Pod" | "Service" | "PersistentVolumeClaim" | "Namespace" | "Node"
        ) | (
            "apps",
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet"
        ) | ("batch", "Job" | "CronJob")
            | ("autoscaling", "HorizontalPodAutoscaler")
            | ("networking.k8s.io" | "extensions", "Ingress")
            | ("apiregistration.k8s.io", "APIService")
    )
}

pub fn check(obj: &Value, t: &TypeRef<'_>, now: Timestamp) -> Assessment {
    if let Some(stalled) = terminating_stalled(obj, now) {
        return stalled;
    }
    if t.kind == "Pod" {
        // Pods have their own notion of a slow deletion.
        return pod::check(obj, now);
    }
    let mut a = match t.kind {
        "Deployment" => workloads::deployment(obj, now),
        "StatefulSet" => workloads::stateful_set(obj, now),
        "ReplicaSet" => workloads::replica_set(obj, now),
        "DaemonSet" => workloads::daemon_set(obj),
        "Job" => other::job(obj),
        "CronJob" => other::cron_job(obj),
        "HorizontalPodAutoscaler" => other::hpa(obj, t),
        "Service" => other::service(obj, now),
        "Ingress" => other::ingress(obj),
        "PersistentVolumeClaim" => other::pvc(obj),
        "Namespace" => other::namespace(obj),
        "Node" => other::node(obj),
        _ => other::api_service(obj),
    };
    if is_deleting(obj) {
        a.status = "Terminating".into();
        a.ready = false;
    }
    a
}

/// Deleted more than an hour ago and still there: a finalizer is stuck.
pub(crate) fn terminating_stalled(obj: &Value, now: Timestamp) -> Option<Assessment> {
    let deleted = obj.time_at(&["metadata", "deletionTimestamp"])?;
    let age = now.duration_since(deleted);
    (age >= TERMINATING_STALLED).then(|| {
        Assessment::new(Health::Warning, false, "TerminatingStalled")
            .with_message(format!("terminating for {}", coarse_duration(age)))
    })
}

/// Whole hours, days or years, as `kubectl get` shows ages.
fn coarse_duration(d: SignedDuration) -> String {
    let hours = d.as_hours();
    match hours {
        ..24 => format!("{hours}h"),
        24..8760 => format!("{}d", hours / 24),
        _ => format!("{}y", hours / 8760),
    }
}

/// Go-style `20m0s`, whole seconds.
fn short_duration(d: SignedDuration) -> String {
    let secs = d.as_secs().max(0);
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

/// Whether an object created from `containers` is still inside its start window: ten minutes,
/// or longer when a readiness probe needs longer to pass.
fn is_starting<'a>(
    obj: &Value,
    containers: impl Iterator<Item = &'a Value>,
    now: Timestamp,
) -> bool {
    let Some(created) = obj.time_at(&["metadata", "creationTimestamp"]) else {
        return false;
    };
    let window = containers
        .filter_map(|c| c.at(&["readinessProbe"]))
        .map(|p| {
            let get = |f: &str| p.i64_at(&[f]).unwrap_or(0);
            SignedDuration::from_secs(
                get("initialDelaySeconds")
                    .saturating_add(get("failureThreshold").saturating_mul(
                        get("periodSeconds").saturating_add(get("timeoutSeconds")),
                    )),
            )
        })
        .fold(MIN_START_WINDOW, SignedDuration::max);
    whole_minutes(now.duration_since(created)) < whole_minutes(window)
}

fn whole_minutes(d: SignedDuration) -> i64 {
    d.as_secs().div_euclid(60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_kubectl() {
        assert_eq!(coarse_duration(SignedDuration::from_mins(61)), "1h");
        assert_eq!(coarse_duration(SignedDuration::from_hours(49)), "2d");
        assert_eq!(coarse_duration(SignedDuration::from_hours(9000)), "1y");
        assert_eq!(short_duration(SignedDuration::from_secs(20 * 60)), "20m0s");
        assert_eq!(short_duration(SignedDuration::from_secs(3725)), "1h2m5s");
    }
}

#[cfg(test)]
mod kind_tests;

//! Deployments, StatefulSets, ReplicaSets and DaemonSets: replica counts and rollout conditions.

use jiff::Timestamp;
use serde_json::Value;

use super::is_starting;
use crate::health::{Assessment, Health, generation_lags};
use crate::object::{ValueExt, condition};

/// The replica counts a rollout is judged by.
struct Replicas {
    desired: i64,
    current: i64,
    ready: i64,
    updated: i64,
}

impl Replicas {
    fn read(obj: &Value, updated_field: &str) -> Replicas {
        let get = |path: &[&str]| obj.i64_at(path).unwrap_or(0);
        Replicas {
            desired: get(&["spec", "replicas"]),
            current: get(&["status", "replicas"]),
            ready: get(&["status", "readyReplicas"]),
            updated: get(&["status", updated_field]),
        }
    }

    /// `1/2 ready, 1 updating, 1 terminating`
    fn message(&self) -> String {
        let mut m = format!("{}/{} ready", self.ready, self.desired);
        if self.current != self.updated {
            m.push_str(&format!(
                ", {} updating",
                self.current.saturating_sub(self.updated)
            ));
        }
        if self.current > self.desired {
            m.push_str(&format!(
                ", {} terminating",
                self.current.saturating_sub(self.desired)
            ));
        }
        m
    }

    fn settled(&self) -> bool {
        self.current == self.desired && self.current == self.updated
    }
}

/// The logic shared by the kinds that manage replicas of a pod template.
fn replicated(obj: &Value, updated_field: &str, now: Timestamp) -> Assessment {
    if let Some(failure) = condition(obj, "ReplicaFailure").filter(|c| c.is_true()) {
        return Assessment::new(Health::Unhealthy, true, "Failed Create")
            .with_message(failure.message);
    }
    let r = Replicas::read(obj, updated_field);
    let starting = is_starting(
        obj,
        obj.array_at(&["spec", "template", "spec", "containers"])
            .iter(),
        now,
    );
    // An Available condition without a status says nothing; the ready count does.
    let available = match condition(obj, "Available").filter(|c| c.has_status) {
        Some(c) => c.is_true(),
        None => r.ready > 0,
    };
    let progressing = condition(obj, "Progressing");
    let deadline_exceeded =
        !starting && progressing.is_some_and(|c| c.reason == "ProgressDeadlineExceeded");
    let mut ready = progressing.is_some_and(|c| c.is_true() && c.reason != "ReplicaSetUpdated");
    let mut health = if available {
        Health::Healthy
    } else if r.ready > 0 {
        Health::Warning
    } else {
        Health::Unhealthy
    };
    let message = r.message();

    if r.desired == 0 && r.current == 0 {
        return Assessment::new(Health::Unknown, true, "Scaled to Zero").with_message(message);
    }
    let mut status = if r.current == 0 {
        if deadline_exceeded {
            health = Health::Unhealthy;
            "Failed Create"
        } else {
            health = Health::Unknown;
            "Pending"
        }
    } else if r.ready == 0 && starting {
        "Starting"
    } else if r.ready == 0 {
        if available {
            "Updating"
        } else {
            "CrashLoopBackOff"
        }
    } else {
        ""
    };
    if deadline_exceeded {
        status = "Rollout Failed";
        health = health.max(Health::Warning);
    } else if r.desired == 0 && r.current > 0 {
        status = "Scaling Down";
    } else if r.ready == r.desired && r.settled() {
        status = "Running";
    } else if !starting && r.desired != r.updated {
        status = "Rolling Out";
    } else if r.current > r.desired {
        status = "Scaling Down";
    } else if r.current < r.desired {
        status = "Scaling Up";
    }
    if status.is_empty() {
        // Replicas exist but not all are ready, and nothing more specific applies.
        status = if available { "Updating" } else { "Unavailable" };
    }
    if !r.settled() {
        ready = false;
    }
    if starting && health >= Health::Warning {
        health = Health::Unknown;
    }
    Assessment::new(health, ready, status).with_message(message)
}

pub fn deployment(obj: &Value, now: Timestamp) -> Assessment {
    let mut a = replicated(obj, "updatedReplicas", now);
    if obj.bool_at(&["spec", "paused"]) == Some(true) {
        a.status = "Suspended".into();
        a.suspended = true;
        a.ready = false;
    }
    not_ready_while_lagging(obj, a)
}

pub fn stateful_set(obj: &Value, now: Timestamp) -> Assessment {
    let mut a = replicated(obj, "updatedReplicas", now);
    // StatefulSets have no rollout conditions: done is when every replica runs the new revision.
    a.ready = obj.i64_at(&["status", "replicas"]) == obj.i64_at(&["status", "updatedReplicas"]);
    not_ready_while_lagging(obj, a)
}

pub fn replica_set(obj: &Value, now: Timestamp) -> Assessment {
    let mut a = replicated(obj, "fullyLabeledReplicas", now);
    let r = Replicas::read(obj, "fullyLabeledReplicas");
    if generation_lags(obj) {
        a.status = "Updating".into();
        a.ready = false;
    } else if a.status != "Failed Create" {
        // ReplicaSets have no Progressing condition: done is every replica there and ready.
        a.ready = r.settled() && r.ready == r.desired;
    }
    a
}

pub fn daemon_set(obj: &Value) -> Assessment {
    let get = |f: &str| obj.i64_at(&["status", f]).unwrap_or(0);
    let desired = get("desiredNumberScheduled");
    let updated = get("updatedNumberScheduled");
    let available = get("numberAvailable");
    let ready = get("numberReady");
    let unavailable = get("numberUnavailable");
    let fully_available = desired == 0 || (available == desired && ready == desired);
    let health = if desired == 0 {
        Health::Unknown
    } else if fully_available {
        Health::Healthy
    } else if available > 0 || ready > 0 {
        Health::Warning
    } else {
        Health::Unhealthy
    };
    let updated_message = format!("{updated} of {desired} pods updated");
    let a = if obj.str_at(&["spec", "updateStrategy", "type"]) == Some("OnDelete") {
        // Pods are only replaced when someone deletes them, so "not updated" is expected.
        Assessment::new(health, fully_available, "Running").with_message(updated_message)
    } else if updated != desired {
        Assessment::new(health, false, "Rolling Out").with_message(updated_message)
    } else if !fully_available {
        Assessment::new(health, false, "PartiallyAvailable").with_message(format!(
            "DaemonSet not fully available: {unavailable} unavailable replica{} ({available}/{desired} available, {ready}/{desired} ready)",
            if unavailable == 1 { "" } else { "s" }
        ))
    } else {
        Assessment::new(health, true, "Running")
    };
    not_ready_while_lagging(obj, a)
}

/// The controller has not seen the latest spec yet, so whatever it reported is not final.
fn not_ready_while_lagging(obj: &Value, mut a: Assessment) -> Assessment {
    if generation_lags(obj) {
        a.ready = false;
    }
    a
}

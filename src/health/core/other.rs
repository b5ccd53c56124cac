//! The core kinds without pods of their own.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::health::{Assessment, Health};
use crate::object::{CondStatus, Condition, TypeRef, ValueExt, condition, conditions};

/// A LoadBalancer Service without an address after this long will not get one by itself.
const LOAD_BALANCER_PENDING: SignedDuration = SignedDuration::from_hours(1);

pub fn job(obj: &Value) -> Assessment {
    for c in conditions(obj).filter(Condition::is_true) {
        match c.type_ {
            "Failed" => {
                return Assessment::new(Health::Unhealthy, true, or(c.reason, "Failed"))
                    .with_message(c.message);
            }
            "Complete" => {
                return Assessment::new(Health::Healthy, true, "Completed").with_message(c.message);
            }
            "Suspended" => return suspended_job(c.message),
            _ => {}
        }
    }
    if obj.bool_at(&["spec", "suspend"]) == Some(true) {
        return suspended_job("Job suspended");
    }
    Assessment::new(Health::Healthy, false, "Running")
}

fn suspended_job(message: &str) -> Assessment {
    let mut a = Assessment::new(Health::Unknown, false, "Suspended").with_message(message);
    a.suspended = true;
    a
}

/// Judged by its last run, as Argo CD does: a CronJob whose last scheduled run has not
/// succeeded is degraded; one that never succeeded yet is given the benefit of the doubt.
pub fn cron_job(obj: &Value) -> Assessment {
    // The API server gives every CronJob a status (`{}` at first): none at all is an object
    // its controller has not seen yet (a manifest read from a file).
    if obj.at(&["status"]).is_none_or(Value::is_null) {
        return Assessment::new(Health::Unknown, false, "Pending")
            .with_message("waiting for the CronJob controller to report status");
    }
    let scheduled = obj.time_at(&["status", "lastScheduleTime"]);
    let succeeded = obj.time_at(&["status", "lastSuccessfulTime"]);
    let active = !obj.array_at(&["status", "active"]).is_empty();
    let mut a = match (scheduled, succeeded) {
        _ if active => Assessment::new(Health::Healthy, false, "Running").with_message(format!(
            "running since {}",
            scheduled.map_or_else(|| "an unknown time".to_string(), |t| t.to_string())
        )),
        (None, _) => {
            Assessment::new(Health::Healthy, true, "Scheduled").with_message("not scheduled yet")
        }
        (Some(_), None) => Assessment::new(Health::Healthy, true, "NeverSucceeded")
            .with_message("the CronJob never completed successfully; it may not be healthy"),
        (Some(s), Some(ok)) if ok < s => Assessment::new(Health::Unhealthy, true, "LastRunFailed")
            .with_message(format!(
                "the run scheduled at {s} has not completed successfully; last success at {ok}"
            )),
        (Some(s), Some(_)) => Assessment::new(Health::Healthy, true, "Completed")
            .with_message(format!("last run scheduled at {s} completed successfully")),
    };
    if obj.bool_at(&["spec", "suspend"]) == Some(true) {
        a.suspended = true;
        a.ready = true;
        // Failure before suspension: a last run that failed stays a failure nobody will retry.
        if a.health == Health::Unhealthy {
            a.message.push_str("; the CronJob is suspended");
        } else {
            a.status = "Suspended".into();
            a.message = if active {
                format!("suspended: no new runs are scheduled; {}", a.message)
            } else {
                "suspended: no new runs are scheduled".into()
            };
        }
    }
    a
}

/// The HPA conditions that mean it cannot do its job, whatever their status says.
const HPA_FAILURES: &[(&str, &str)] = &[
    ("AbleToScale", "FailedGetScale"),
    ("AbleToScale", "FailedUpdateScale"),
    ("ScalingActive", "FailedGetResourceMetric"),
    ("ScalingActive", "InvalidSelector"),
];

pub fn hpa(obj: &Value, t: &TypeRef<'_>) -> Assessment {
    // autoscaling/v1 keeps its conditions as JSON in an annotation.
    let from_annotation;
    let conds: Vec<Condition<'_>> = if t.version == "v1" {
        let raw = obj
            .str_at(&[
                "metadata",
                "annotations",
                "autoscaling.alpha.kubernetes.io/conditions",
            ])
            .unwrap_or("[]");
        from_annotation = match serde_json::from_str::<Value>(raw) {
            Ok(v) => serde_json::json!({"status": {"conditions": v}}),
            Err(e) => {
                return Assessment::new(Health::Unknown, false, "Unknown")
                    .with_message(format!("unreadable conditions annotation: {e}"));
            }
        };
        conditions(&from_annotation).collect()
    } else {
        conditions(obj).collect()
    };
    for c in &conds {
        if HPA_FAILURES.contains(&(c.type_, c.reason)) {
            return Assessment::new(Health::Unhealthy, false, "Degraded").with_message(c.message);
        }
        if matches!(c.type_, "AbleToScale" | "ScalingLimited") && c.is_true() {
            return Assessment::new(Health::Healthy, true, "Healthy").with_message(c.message);
        }
    }
    Assessment::new(Health::Healthy, false, "Progressing").with_message("Waiting to Autoscale")
}

pub fn service(obj: &Value, now: Timestamp) -> Assessment {
    if obj.str_at(&["spec", "type"]) != Some("LoadBalancer") {
        return Assessment::new(Health::Healthy, true, "Running");
    }
    if !obj
        .array_at(&["status", "loadBalancer", "ingress"])
        .is_empty()
    {
        return Assessment::new(Health::Healthy, true, "Running");
    }
    let waited = obj
        .time_at(&["metadata", "creationTimestamp"])
        .map(|c| now.duration_since(c));
    let health = match waited {
        Some(w) if w < LOAD_BALANCER_PENDING => Health::Unknown,
        _ => Health::Unhealthy,
    };
    Assessment::new(health, false, "Creating").with_message("waiting for a load balancer address")
}

pub fn ingress(obj: &Value) -> Assessment {
    match obj.at(&["status", "loadBalancer", "ingress"]) {
        Some(Value::Array(a)) if !a.is_empty() => Assessment::new(Health::Healthy, true, "Healthy"),
        Some(Value::Array(_)) => Assessment::new(Health::Unknown, false, "Pending")
            .with_message("no load balancer address yet"),
        _ => Assessment::new(Health::Healthy, false, "Pending")
            .with_message("ingress loadbalancer status not found"),
    }
}

pub fn pvc(obj: &Value) -> Assessment {
    match obj.str_at(&["status", "phase"]) {
        Some("Bound") => Assessment::new(Health::Healthy, true, "Bound"),
        Some("Pending") => Assessment::new(Health::Healthy, false, "Pending")
            .with_message("waiting for a volume to be bound"),
        Some("Lost") => Assessment::new(Health::Unhealthy, false, "Lost")
            .with_message("the bound volume no longer exists"),
        other => Assessment::new(Health::Unknown, false, other.unwrap_or("Unknown")),
    }
}

pub fn namespace(obj: &Value) -> Assessment {
    match obj.str_at(&["status", "phase"]) {
        Some("Active") => Assessment::new(Health::Healthy, true, "Active"),
        _ => Assessment::new(Health::Unknown, false, "Terminating"),
    }
}

/// Node conditions that should be False, and how bad it is when they are not.
const NODE_PROBLEMS: &[(&str, Health)] = &[
    ("NetworkUnavailable", Health::Unhealthy),
    ("DiskPressure", Health::Warning),
    ("MemoryPressure", Health::Warning),
    ("PIDPressure", Health::Warning),
    ("CorruptDockerOverlay2", Health::Warning),
    ("KernelDeadlock", Health::Warning),
    ("ReadonlyFilesystem", Health::Warning),
    ("FrequentContainerdRestart", Health::Warning),
    ("FrequentDockerRestart", Health::Warning),
    ("FrequentKubeletRestart", Health::Warning),
    ("FrequentUnregisterNetDevice", Health::Warning),
];

pub fn node(obj: &Value) -> Assessment {
    match obj.str_at(&["status", "phase"]) {
        None | Some("" | "Running") => {}
        Some(phase) => return Assessment::new(Health::Unknown, false, phase),
    }
    let Some(ready) = condition(obj, "Ready") else {
        return Assessment::new(Health::Unknown, false, "Unknown")
            .with_message("the node has not reported its conditions");
    };
    if !ready.is_true() {
        let status = if ready.status == CondStatus::Unknown {
            "NodeStatusUnknown"
        } else {
            "NotReady"
        };
        return Assessment::new(Health::Unhealthy, false, status).with_message(ready.message);
    }
    let mut a = Assessment::new(Health::Healthy, true, "Running");
    for c in conditions(obj) {
        let Some((_, severity)) = NODE_PROBLEMS.iter().find(|(t, _)| *t == c.type_) else {
            continue;
        };
        if c.is_true() && *severity > a.health {
            a.health = *severity;
            a.status = c.type_.to_string();
            a.message = c.message.to_string();
        }
    }
    if obj.bool_at(&["spec", "unschedulable"]) == Some(true) && a.health == Health::Healthy {
        a.health = Health::Warning;
        a.status = "Unschedulable".into();
        a.message = "the node is cordoned".into();
    }
    a
}

pub fn api_service(obj: &Value) -> Assessment {
    match condition(obj, "Available") {
        Some(c) if c.is_true() => {
            Assessment::new(Health::Healthy, true, "Available").with_message(c.message)
        }
        Some(c) if c.is_false() => {
            Assessment::new(Health::Unhealthy, true, or(c.reason, "Unavailable"))
                .with_message(c.message)
        }
        _ => Assessment::new(Health::Unknown, false, "Progressing")
            .with_message("waiting to be processed"),
    }
}

fn or<'a>(s: &'a str, default: &'a str) -> &'a str {
    if s.is_empty() { default } else { s }
}

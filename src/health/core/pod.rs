//! Pods: phase, the Ready condition, and what their containers went through lately.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use super::{is_starting, short_duration};
use crate::health::{Assessment, Health};
use crate::object::{ValueExt, condition, conditions};

/// A pod deleted this long ago and still there is worth a warning.
const TERMINATING_SLOW: SignedDuration = SignedDuration::from_mins(15);
/// Restarts older than this no longer say anything about the pod.
const CRASH_MEMORY: SignedDuration = SignedDuration::from_hours(24);
/// A crash within this window makes the pod unhealthy; an older one only a warning.
const RECENT_CRASH: SignedDuration = SignedDuration::from_hours(1);

/// Container verdicts are merged with "unknown" ranked below "healthy": a container we know
/// nothing bad about must not hide one that is fine.
fn rank(h: Health) -> u8 {
    match h {
        Health::Unknown => 0,
        Health::Healthy => 1,
        Health::Warning => 2,
        Health::Unhealthy => 3,
    }
}

fn worse(a: Health, b: Health) -> Health {
    if rank(b) > rank(a) { b } else { a }
}

/// What one container's state says.
struct Record<'a> {
    health: Health,
    reason: &'a str,
    message: &'a str,
    restarts: i64,
}

pub fn check(obj: &Value, now: Timestamp) -> Assessment {
    if let Some(deleted) = obj.time_at(&["metadata", "deletionTimestamp"]) {
        let age = now.duration_since(deleted);
        return if age >= TERMINATING_SLOW {
            Assessment::new(Health::Warning, false, "Terminating").with_message(format!(
                "stuck in 'Terminating' for {}",
                short_duration(SignedDuration::from_mins(age.as_mins()))
            ))
        } else {
            Assessment::new(Health::Unknown, false, "Terminating")
        };
    }
    let status_message = obj.str_at(&["status", "message"]).unwrap_or_default();
    if obj.str_at(&["status", "reason"]) == Some("Evicted") {
        return Assessment::new(Health::Warning, true, "Evicted").with_message(status_message);
    }
    if let Some(c) = conditions(obj).find(|c| c.reason == "Unschedulable") {
        return Assessment::new(Health::Unhealthy, false, "Unschedulable").with_message(c.message);
    }
    let ready_condition = condition(obj, "Ready");
    let pod_ready = ready_condition.is_some_and(|c| c.is_true());
    match obj.str_at(&["status", "phase"]).unwrap_or_default() {
        "Succeeded" => {
            Assessment::new(Health::Healthy, true, "Completed").with_message(status_message)
        }
        "Failed" => Assessment::new(Health::Unhealthy, true, "Failed").with_message(status_message),
        "Running" | "Pending" => running(obj, pod_ready, now),
        _ => match ready_condition {
            // The phase says nothing useful (Unknown: the node stopped reporting).
            Some(c) if c.is_true() => Assessment::new(Health::Healthy, true, c.reason),
            Some(c) => Assessment::new(Health::Unhealthy, false, c.reason).with_message(c.message),
            None => Assessment::new(Health::Unknown, false, "Unknown"),
        },
    }
}

fn running(obj: &Value, pod_ready: bool, now: Timestamp) -> Assessment {
    let statuses = || {
        obj.array_at(&["status", "initContainerStatuses"])
            .iter()
            .chain(obj.array_at(&["status", "containerStatuses"]))
    };
    let mut waiting: Option<Record<'_>> = None;
    let mut crashed: Option<Record<'_>> = None;
    for cs in statuses() {
        let restarts = cs.i64_at(&["restartCount"]).unwrap_or(0);
        if let Some(w) = cs.at(&["state", "waiting"]) {
            let reason = w.str_at(&["reason"]).unwrap_or_default();
            let failing = reason.starts_with("Err")
                || reason.ends_with("Error")
                || reason.ends_with("BackOff")
                || restarts > 0;
            let r = Record {
                health: if failing {
                    Health::Unhealthy
                } else {
                    Health::Unknown
                },
                reason,
                message: w.str_at(&["message"]).unwrap_or_default(),
                restarts,
            };
            keep_worst(&mut waiting, r);
        }
        if let Some(t) = cs.at(&["lastState", "terminated"]) {
            let Some(finished) = t.time_at(&["finishedAt"]) else {
                continue;
            };
            let age = now.duration_since(finished);
            if age >= CRASH_MEMORY {
                continue;
            }
            let reason = t.str_at(&["reason"]).unwrap_or_default();
            let health = if reason == "Completed" && t.i64_at(&["exitCode"]) == Some(0) {
                Health::Healthy
            } else if age < RECENT_CRASH {
                Health::Unhealthy
            } else {
                Health::Warning
            };
            let r = Record {
                health,
                reason,
                message: t.str_at(&["message"]).unwrap_or_default(),
                restarts,
            };
            keep_worst(&mut crashed, r);
        }
    }

    let mut health = if pod_ready {
        Health::Healthy
    } else {
        Health::Unhealthy
    };
    let mut status = String::new();
    let mut messages: Vec<String> = Vec::new();
    if !pod_ready && let Some(c) = condition(obj, "Ready") {
        messages.push(format!("{} {}", c.reason, c.message).trim().to_string());
    }
    for r in [&crashed, &waiting].into_iter().flatten() {
        if status.is_empty() || rank(r.health) >= rank(health) {
            status = r.reason.to_string();
        }
        health = worse(health, r.health);
        messages.push(r.message.to_string());
    }
    if let Some(c) = crashed
        .as_ref()
        .filter(|c| rank(c.health) >= rank(Health::Warning))
    {
        if status == "CrashLoopBackOff" {
            // The back-off only says it keeps crashing; the last termination says why.
            status = c.reason.to_string();
        }
        if c.restarts == 1 && c.reason != "OOMKilled" {
            status = "CrashedOnce".into();
        }
        messages.push(format!(
            "restarted {} time{}",
            c.restarts,
            if c.restarts == 1 { "" } else { "s" }
        ));
    }
    if status.is_empty() {
        status = "Running".into();
    }
    let mut message = messages
        .into_iter()
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join(", ");

    let crash_explained = crashed.as_ref().is_some_and(|c| c.reason != "OOMKilled");
    if crash_explained
        && rank(health) >= rank(Health::Warning)
        && is_starting(obj, containers_of(obj), now)
    {
        // Containers often fail a few times while what they depend on comes up.
        message = format!("{status} {message}").trim().to_string();
        status = "Starting".into();
        health = Health::Unknown;
    }
    let nothing_failed =
        crashed.is_none() && waiting.as_ref().is_none_or(|w| w.health == Health::Unknown);
    if nothing_failed && health == Health::Unhealthy && is_starting(obj, containers_of(obj), now) {
        // Not ready yet, and nothing went wrong: it is still being created.
        health = Health::Unknown;
    }
    let ready = pod_ready && health == Health::Healthy;
    Assessment::new(health, ready, status).with_message(message)
}

fn keep_worst<'a>(slot: &mut Option<Record<'a>>, r: Record<'a>) {
    if slot
        .as_ref()
        .is_none_or(|s| rank(r.health) >= rank(s.health))
    {
        *slot = Some(r);
    }
}

fn containers_of(obj: &Value) -> impl Iterator<Item = &Value> {
    obj.array_at(&["spec", "initContainers"])
        .iter()
        .chain(obj.array_at(&["spec", "containers"]))
}

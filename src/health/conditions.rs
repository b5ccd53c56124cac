//! The kstatus condition rules that Flux follows and that the generic rule borrows
//! (HEALTH-MODEL.md, "Flux kinds", rules 2 to 5).

use serde_json::Value;

use super::{Assessment, Health, generation_lags};
use crate::object::{CondStatus, ValueExt, condition};

/// Ready=False reasons after which the last good revision keeps running.
const DEGRADED_REASONS: &[&str] = &["ArtifactFailed"];

/// Ready=False reasons that mean "waiting for something else", not "broken".
const WAITING_REASONS: &[&str] = &["DependencyNotReady"];

/// The assessment the `Stalled` and `Ready` conditions give, or `None` when the object has neither.
pub fn kstatus(obj: &Value) -> Option<Assessment> {
    let reconciling = condition(obj, "Reconciling").is_some_and(|c| c.is_true());
    if let Some(stalled) = condition(obj, "Stalled").filter(|c| c.is_true()) {
        return Some(
            Assessment::new(
                Health::Unhealthy,
                true,
                reason_or(stalled.reason, "Stalled"),
            )
            .with_message(stalled.message),
        );
    }
    let ready = condition(obj, "Ready")?;
    let a = match ready.status {
        CondStatus::True => Assessment::new(
            Health::Healthy,
            !reconciling,
            reason_or(ready.reason, "Ready"),
        ),
        CondStatus::Unknown => Assessment::new(
            Health::Unknown,
            false,
            reason_or(ready.reason, "Progressing"),
        ),
        CondStatus::False
            if WAITING_REASONS.contains(&ready.reason) && !names_missing_object(ready.message) =>
        {
            Assessment::new(Health::Unknown, false, ready.reason)
        }
        CondStatus::False => {
            let health = if DEGRADED_REASONS.contains(&ready.reason) {
                Health::Warning
            } else {
                Health::Unhealthy
            };
            Assessment::new(health, !reconciling, reason_or(ready.reason, "NotReady"))
        }
    };
    Some(a.with_message(ready.message))
}

/// A spec newer than what the controller reported on: not ready, and a healthy verdict is stale.
pub fn apply_generation_lag(obj: &Value, mut a: Assessment) -> Assessment {
    if generation_lags(obj) {
        a.ready = false;
        if a.health == Health::Healthy {
            a.health = Health::Unknown;
            a.status = "Progressing".into();
            a.message = format!(
                "generation {} not yet observed by the controller",
                obj.i64_at(&["metadata", "generation"]).unwrap_or_default()
            );
        }
    }
    a
}

/// A dependency that does not exist will not become ready by waiting: that is a failure.
fn names_missing_object(message: &str) -> bool {
    message.contains("not found") || message.contains("does not exist")
}

fn reason_or<'a>(reason: &'a str, default: &'a str) -> &'a str {
    if reason.is_empty() { default } else { reason }
}

//! Argo CD's kinds (HEALTH-MODEL.md, "Argo CD kinds").

use serde_json::Value;

use super::{Assessment, Health, is_deleting};
use crate::object::{TypeRef, ValueExt, condition};

const GROUP: &str = "argoproj.io";

pub fn handles(group: &str, kind: &str) -> bool {
    group == GROUP && matches!(kind, "Application" | "ApplicationSet" | "AppProject")
}

pub fn check(obj: &Value, t: &TypeRef<'_>) -> Assessment {
    if is_deleting(obj) {
        return Assessment::terminating();
    }
    match t.kind {
        "Application" => application(obj),
        "ApplicationSet" => application_set(obj),
        _ => Assessment::new(Health::Healthy, true, "Healthy"),
    }
}

fn application(obj: &Value) -> Assessment {
    let health_status = obj
        .str_at(&["status", "health", "status"])
        .filter(|s| !s.is_empty())
        .unwrap_or("Unknown");
    let health = match health_status {
        "Healthy" => Health::Healthy,
        "Degraded" => Health::Unhealthy,
        _ => Health::Unknown,
    };
    let synced = obj.str_at(&["status", "sync", "status"]) == Some("Synced");
    let phase = obj.str_at(&["status", "operationState", "phase"]);
    let running = matches!(phase, Some("Running" | "Terminating"));

    let mut a = Assessment::new(
        health,
        synced && !running && health_status != "Progressing",
        health_status,
    )
    .with_message(
        obj.str_at(&["status", "health", "message"])
            .unwrap_or_default(),
    );

    match phase {
        Some("Failed" | "Error") => {
            a.health = Health::Unhealthy;
            a.status = "SyncFailed".into();
            a.message = obj
                .str_at(&["status", "operationState", "message"])
                .unwrap_or_default()
                .to_owned();
        }
        Some("Running" | "Terminating") => {
            a.status = "Syncing".into();
            if let Some(m) = obj.str_at(&["status", "operationState", "message"]) {
                a.message = m.to_owned();
            }
        }
        _ => {}
    }
    a.revision = revision(obj);
    a.sync = obj
        .str_at(&["status", "sync", "status"])
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    a
}

fn revision(obj: &Value) -> Option<String> {
    if let Some(r) = obj
        .str_at(&["status", "sync", "revision"])
        .filter(|r| !r.is_empty())
    {
        return Some(r.to_owned());
    }
    let revisions: Vec<&str> = obj
        .array_at(&["status", "sync", "revisions"])
        .iter()
        .filter_map(Value::as_str)
        .collect();
    (!revisions.is_empty()).then(|| revisions.join(","))
}

fn application_set(obj: &Value) -> Assessment {
    if let Some(err) = condition(obj, "ErrorOccurred").filter(|c| c.is_true()) {
        return Assessment::new(Health::Unhealthy, true, or(err.reason, "ErrorOccurred"))
            .with_message(err.message);
    }
    if let Some(c) = condition(obj, "ParametersGenerated").filter(|c| c.is_false()) {
        return Assessment::new(
            Health::Unhealthy,
            true,
            or(c.reason, "ParametersNotGenerated"),
        )
        .with_message(c.message);
    }
    let up_to_date = condition(obj, "ResourcesUpToDate");
    if let Some(c) = up_to_date.as_ref().filter(|c| c.is_false()) {
        return Assessment::new(
            Health::Unhealthy,
            false,
            or(c.reason, "ResourcesNotUpToDate"),
        )
        .with_message(c.message);
    }
    // A progressive sync still walking its steps: what is up to date so far is not the end.
    if let Some(c) = condition(obj, "RolloutProgressing").filter(|c| c.is_true()) {
        return Assessment::new(Health::Unknown, false, or(c.reason, "RolloutProgressing"))
            .with_message(c.message);
    }
    match up_to_date {
        Some(c) if c.is_true() => {
            Assessment::new(Health::Healthy, true, or(c.reason, "ResourcesUpToDate"))
                .with_message(c.message)
        }
        Some(c) => {
            Assessment::new(Health::Unknown, false, or(c.reason, "Unknown")).with_message(c.message)
        }
        None => Assessment::new(Health::Unknown, false, "Pending")
            .with_message("waiting for the ApplicationSet controller to report status"),
    }
}

fn or<'a>(s: &'a str, default: &'a str) -> &'a str {
    if s.is_empty() { default } else { s }
}

#[cfg(test)]
mod tests {
    use crate::health::{Health, assess};
    use jiff::Timestamp;
    use serde_json::json;

    #[test]
    fn application_without_health_is_unknown() {
        let o = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "a"}});
        let a = assess(&o, Timestamp::UNIX_EPOCH);
        assert_eq!(
            (a.health, a.ready, a.status.as_str()),
            (Health::Unknown, false, "Unknown")
        );
    }

    #[test]
    fn multi_source_revisions_are_joined() {
        let o = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": "a"},
            "status": {"health": {"status": "Healthy"}, "sync": {"status": "Synced", "revisions": ["abc", "1.2.0"]}}});
        let a = assess(&o, Timestamp::UNIX_EPOCH);
        assert_eq!(a.revision.as_deref(), Some("abc,1.2.0"));
        assert!(a.ready);
    }

    #[test]
    fn an_application_set_in_a_progressive_sync_is_progressing_not_healthy() {
        let mut o = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "metadata": {"name": "s"},
            "status": {"conditions": [
                {"type": "ResourcesUpToDate", "status": "True", "reason": "ApplicationSetUpToDate"},
                {"type": "RolloutProgressing", "status": "True", "reason": "ApplicationSetModified",
                 "message": "ApplicationSet is performing rollout of step 1"}]}});
        let a = assess(&o, Timestamp::UNIX_EPOCH);
        assert_eq!(
            (a.health, a.ready, a.status.as_str(), a.argo_status()),
            (
                Health::Unknown,
                false,
                "ApplicationSetModified",
                "Progressing"
            )
        );
        assert_eq!(a.message, "ApplicationSet is performing rollout of step 1");
        // The rollout done: healthy and ready.
        o["status"]["conditions"][1]["status"] = json!("False");
        let a = assess(&o, Timestamp::UNIX_EPOCH);
        assert_eq!(
            (a.health, a.ready, a.status.as_str()),
            (Health::Healthy, true, "ApplicationSetUpToDate")
        );
        // Resources out of date win over a rollout in progress.
        o["status"]["conditions"][0]["status"] = json!("False");
        o["status"]["conditions"][1]["status"] = json!("True");
        assert_eq!(assess(&o, Timestamp::UNIX_EPOCH).health, Health::Unhealthy);
    }
}

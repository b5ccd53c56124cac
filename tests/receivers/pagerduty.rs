//! PagerDuty's Events API v2: the trouble triggers an alert, the recovery resolves it under the
//! same `dedup_key`; a 429 is waited out; the routing key stays out of herald's log.

use serde_json::{Value, json};

use super::{Fake, Reply, Story};

/// An integration key: 32 characters, as PagerDuty's are.
const KEY: &str = "R0ut1ngK3yOfTh1rtyTw0Charact3rsX";

/// What the Events API v2 refuses with `400 invalid event`.
fn invalid(b: &Value) -> Option<String> {
    let key = b["routing_key"].as_str().unwrap_or_default();
    if key.len() != 32 {
        return Some("Length of 'routing_key' is incorrect (should be 32 characters)".into());
    }
    let action = b["event_action"].as_str().unwrap_or_default();
    if !["trigger", "acknowledge", "resolve"].contains(&action) {
        return Some("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')".into());
    }
    let dedup = b["dedup_key"].as_str();
    if action != "trigger" && dedup.is_none() {
        return Some("'dedup_key' is missing".into());
    }
    if dedup.is_some_and(|d| d.len() > 255 || d.is_empty()) {
        return Some("'dedup_key' is invalid".into());
    }
    if action == "trigger" {
        let p = &b["payload"];
        let summary = p["summary"].as_str().unwrap_or_default();
        if summary.is_empty() || summary.chars().count() > 1024 {
            return Some("'payload.summary' is missing or too long".into());
        }
        if p["source"].as_str().unwrap_or_default().is_empty() {
            return Some("'payload.source' is missing".into());
        }
        if !["critical", "error", "warning", "info"]
            .contains(&p["severity"].as_str().unwrap_or_default())
        {
            return Some("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')".into());
        }
        if let Some(t) = p.get("timestamp")
            && t.as_str()
                .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                .is_none()
        {
            return Some("'payload.timestamp' is invalid".into());
        }
        for l in b["links"].as_array().into_iter().flatten() {
            if !l["href"].is_string() {
                return Some("'links.href' is missing".into());
            }
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trouble_triggers_and_the_recovery_resolves_the_same_incident() {
    let (fake, addr) = Fake::start(|r, i| {
        if r.method != "POST" || r.path != "/v2/enqueue" {
            return Reply::text(404, "not found");
        }
        if !r.header("content-type").starts_with("application/json") {
            return Reply::json(400, json!({"status": "invalid event", "message": "Event object is invalid", "errors": ["Content-Type must be application/json"]}));
        }
        let b = r.json();
        if let Some(e) = invalid(&b) {
            return Reply::json(400, json!({"status": "invalid event", "message": "Event object is invalid", "errors": [e]}));
        }
        // The first one meets PagerDuty's rate limit.
        if i == 0 {
            return Reply::json(429, json!({"status": "throttle event", "message": "Requests for this service are arriving too quickly. Please retry later."}))
                .with("retry-after", "1");
        }
        Reply::json(202, json!({"status": "success", "message": "Event processed", "dedup_key": b["dedup_key"]}))
    })
    .await;
    let story = Story::start(
        "pagerduty",
        &format!("    pagerduty: {{routingKeyEnv: PD_ROUTING_KEY, apiUrl: \"http://{addr}\"}}"),
        &["unhealthy", "recovered"],
        &[("PD_ROUTING_KEY", KEY)],
    )
    .await;
    story.break_it();
    story
        .until("the alert triggered", |_| !fake.accepted().is_empty())
        .await;
    let all = fake.all();
    assert_eq!(all[0].1, 429, "the first was rate limited");
    let trigger = fake.accepted()[0].json();
    assert_eq!(trigger["event_action"], "trigger");
    assert_eq!(trigger["payload"]["severity"], "critical");
    assert_eq!(trigger["payload"]["source"], "e2e");
    assert_eq!(trigger["payload"]["component"], "Kustomization apps/web");
    assert_eq!(
        trigger["payload"]["custom_details"]["status"],
        "HealthCheckFailed"
    );
    let key = trigger["dedup_key"].as_str().unwrap().to_string();
    story.fix_it();
    story
        .until("the alert resolved", |_| {
            fake.accepted()
                .iter()
                .any(|r| r.json()["event_action"] == "resolve")
        })
        .await;
    let resolve = fake
        .accepted()
        .into_iter()
        .find(|r| r.json()["event_action"] == "resolve")
        .unwrap()
        .json();
    assert_eq!(resolve["dedup_key"], key.as_str(), "the same incident");
    // A second episode is a new incident.
    story.break_it();
    story
        .until("the second trouble", |_| {
            fake.accepted()
                .iter()
                .filter(|r| r.json()["event_action"] == "trigger")
                .count()
                == 2
        })
        .await;
    let second = fake
        .accepted()
        .into_iter()
        .filter(|r| r.json()["event_action"] == "trigger")
        .nth(1)
        .unwrap()
        .json();
    assert_ne!(second["dedup_key"], key.as_str());
    story.assert_secret_absent(KEY);
}

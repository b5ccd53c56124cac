//! Alertmanager's v2 alerts API (`POST /api/v2/alerts`): a trouble fires an alert
//! (`HeraldObjectUnhealthy`, labelled with the object), its recovery or the object's deletion
//! resolves it (the same labels with `endsAt`). Alertmanager groups, silences and routes them
//! further; herald posts a firing alert again every minute while the trouble lasts, so that it
//! does not resolve by itself (its `resolve_timeout`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Cx, outcome};
use crate::config::{EventKind, Spanned, Validator};
use crate::notify::{Event, Notification, Outcome};

/// `alertmanager:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    url: Spanned<String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The base URL, without a trailing `/`.
    pub url: String,
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str) -> Config {
    v.url(
        raw.url.referenced.line() as usize,
        &format!("{at}.alertmanager.url"),
        &raw.url.value,
    );
    Config {
        url: raw.url.value.trim_end_matches('/').to_string(),
    }
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let alerts: Vec<Value> = n
        .events()
        .filter_map(|e| alert(e, cx.templates.render("subject", e)))
        .collect();
    if alerts.is_empty() {
        // Not a trouble or a recovery: nothing for Alertmanager.
        return Outcome::Delivered;
    }
    let req = cx
        .client
        .post(format!("{}/api/v2/alerts", c.url))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&json!(alerts)).expect("JSON"));
    outcome(req.send().await).await
}

/// The Alertmanager alert for an event: troubles fire, recoveries and deletions resolve (the
/// same labels with `endsAt` now). Other events are not alerts.
pub fn alert(e: &Event, summary: String) -> Option<Value> {
    let firing = match e.kind {
        EventKind::Unhealthy
        | EventKind::Warning
        | EventKind::Stuck
        | EventKind::SyncFailed
        | EventKind::ChildUnhealthy => true,
        EventKind::Recovered | EventKind::Deleted => false,
        _ => return None,
    };
    let severity = match e.to.as_ref().map(|v| v.health) {
        Some(crate::health::Health::Warning) => "warning",
        _ => "critical",
    };
    let mut a = json!({
        "labels": {"alertname": "HeraldObjectUnhealthy", "cluster": e.cluster,
                   "group": e.object.group, "kind": e.object.kind,
                   "namespace": e.object.namespace, "name": e.object.name},
        "annotations": {"summary": summary, "description": e.message,
                        "event": e.kind.as_str(), "severity": severity},
        "startsAt": e.at,
    });
    if !firing {
        a["endsAt"] = json!(e.at);
    } else if e.test {
        // A test alert resolves by itself a minute later.
        a["endsAt"] = json!(e.at.saturating_add(jiff::SignedDuration::from_mins(1)).ok());
    }
    Some(a)
}

//! Webhooks: herald's JSON or a Flux notification-controller event, POSTed with the delivery id
//! (`X-Herald-Delivery`) and the event (`X-Herald-Event`), signed with HMAC-SHA256
//! (`X-Signature: sha256=…`) when a secret is set. A group is one request: herald's format with
//! every event, Flux's as a list of its events.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Cx, outcome};
use crate::config::{EventKind, Secret, Spanned, Validator, WebhookFormat};
use crate::notify::{Event, Notification, Outcome};

/// `webhook:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    url: Spanned<String>,
    hmac_secret_file: Option<PathBuf>,
    hmac_secret_env: Option<String>,
    format: Option<WebhookFormat>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub url: String,
    pub hmac_secret: Option<Secret>,
    pub format: WebhookFormat,
    pub headers: BTreeMap<String, String>,
}

pub(crate) fn check(w: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    v.url(
        w.url.referenced.line() as usize,
        &format!("{at}.webhook.url"),
        &w.url.value,
    );
    Some(Config {
        url: w.url.value,
        hmac_secret: v
            .secret(
                line,
                &format!("{at}.webhook"),
                "hmacSecret",
                w.hmac_secret_file,
                w.hmac_secret_env,
            )
            .ok()
            .flatten(),
        format: w.format.unwrap_or(WebhookFormat::Herald),
        headers: w.headers,
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let Config {
        url,
        hmac_secret,
        format,
        headers,
    } = c;
    let (client, templates) = (cx.client, cx.templates);
    let read_secret = super::read_secret;
    let payload = |e: &Event| match format {
        WebhookFormat::Herald => herald_payload(e, templates.render("subject", e)),
        WebhookFormat::Flux => flux_payload(e, templates.render("subject", e)),
    };
    let body = if n.grouped.is_empty() {
        payload(&n.event)
    } else {
        // A group: herald's format carries every event; Flux's, a list of its events.
        let events: Vec<Value> = n.events().map(payload).collect();
        match format {
            WebhookFormat::Herald => json!({
                "group": true,
                "count": events.len(),
                "summary": format!("{} events: {}", events.len(), templates.render("subject", &n.event)),
                "events": events,
            }),
            WebhookFormat::Flux => json!(events),
        }
    };
    let body = serde_json::to_vec(&body).expect("JSON");
    let mut req = client
        .post(url)
        .header("content-type", "application/json")
        .header("x-herald-delivery", &n.event.id)
        .header("x-herald-event", n.event.kind.as_str());
    for (k, v) in headers {
        req = req.header(k, v);
    }
    if let Some(secret) = hmac_secret {
        let key = match read_secret(secret) {
            Ok(k) => k,
            Err(why) => return Outcome::Retry { after: None, why },
        };
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key.as_bytes());
        let tag = ring::hmac::sign(&key, &body);
        let hex: String = tag.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        req = req.header("x-signature", format!("sha256={hex}"));
    }
    outcome(req.body(body).send().await).await
}

pub fn herald_payload(e: &Event, summary: String) -> Value {
    let ctx = crate::notify::templates::context(e);
    let mut v = json!({
        "id": e.id,
        "event": e.kind.as_str(),
        "cluster": e.cluster,
        "object": {"group": e.object.group, "kind": e.object.kind,
                   "namespace": e.object.namespace, "name": e.object.name},
        "at": e.at,
        "from": e.from,
        "to": e.to,
        "message": e.message,
        "revision": e.to.as_ref().and_then(|v| v.revision.clone()),
        "oldRevision": ctx["oldRevision"],
        "compare": ctx["compare"],
        "children": e.children,
        "via": e.via(),
        "labels": e.labels,
        "summary": summary,
        "test": e.test,
        "warnings": e.warnings,
        "change": e.change,
    });
    // A Node leaving healthy: the GitOps objects whose Pods run there.
    if !e.affected.is_empty() {
        v["affected"] = json!(e.affected);
        v["affectedMore"] = json!(e.affected_more);
    }
    v
}

/// The shape of Flux notification-controller's events, so receivers written for Flux work.
pub fn flux_payload(e: &Event, summary: String) -> Value {
    let trouble = matches!(
        e.kind,
        EventKind::Unhealthy
            | EventKind::Warning
            | EventKind::Stuck
            | EventKind::SyncFailed
            | EventKind::ChildUnhealthy
    );
    let api_version = if e.object.group.is_empty() {
        "v1".to_string()
    } else {
        format!("{}/v1", e.object.group)
    };
    let mut metadata = json!({"herald.io/event": e.kind.as_str(), "herald.io/id": e.id});
    if let Some(rev) = e.to.as_ref().and_then(|v| v.revision.as_ref()) {
        metadata["revision"] = json!(rev);
    }
    json!({
        "involvedObject": {"kind": e.object.kind, "namespace": e.object.namespace,
                           "name": e.object.name, "apiVersion": api_version},
        "severity": if trouble { "error" } else { "info" },
        "timestamp": e.at,
        "message": if e.message.is_empty() { summary } else { e.message.clone() },
        "reason": e.to.as_ref().map_or("Deleted", |v| v.status.as_str()),
        "reportingController": "herald",
        "reportingInstance": e.cluster,
        "metadata": metadata,
    })
}

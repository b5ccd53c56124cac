//! PagerDuty's Events API v2 (`POST /v2/enqueue`): a trouble triggers an alert, its recovery
//! or the object's deletion resolves it, both under one `dedup_key` per object episode. The key
//! is derived from the cluster, the object and the time the episode's first trouble happened,
//! and remembered per episode ([`Cx::recall`]), so that the recovery resolves the incident the
//! trouble opened even after a restart or a change of leader; a repeat of the trouble
//! (`repeatInterval`) or a second trouble of the same episode triggers the same key again, which
//! PagerDuty folds into the open alert.
//!
//! PagerDuty takes one event per request: a group is sent as one request per event, in order,
//! within one delivery, which counts as delivered when every event was taken.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Cx, Reply, by_status, cut, retry_after, secret};
use crate::config::{EventKind, Secret, Spanned, Validator};
use crate::health::Health;
use crate::notify::{Event, Notification, Outcome};

pub const DEFAULT_URL: &str = "https://events.pagerduty.com";

/// PagerDuty's limits: the summary, the dedup key.
pub const MAX_SUMMARY: usize = 1024;
pub const MAX_DEDUP_KEY: usize = 255;

/// `pagerduty:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    routing_key_file: Option<PathBuf>,
    routing_key_env: Option<String>,
    api_url: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The integration key of an Events API v2 integration (a service's or a global one).
    pub routing_key: Secret,
    /// The base URL, without a trailing `/`: `https://events.pagerduty.com` by default,
    /// `https://events.eu.pagerduty.com` for an EU account.
    pub api_url: String,
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let field = format!("{at}.pagerduty");
    let key = v.secret(
        line,
        &field,
        "routingKey",
        raw.routing_key_file,
        raw.routing_key_env,
    );
    if key == Ok(None) {
        v.error(
            line,
            &field,
            "needs routingKeyFile or routingKeyEnv (the integration key of an Events API v2 integration)",
        );
    }
    let api_url = match raw.api_url {
        Some(u) => {
            v.url(
                u.referenced.line() as usize,
                &format!("{field}.apiUrl"),
                &u.value,
            );
            u.value
        }
        None => DEFAULT_URL.to_string(),
    };
    Some(Config {
        routing_key: key.ok().flatten()?,
        api_url: api_url.trim_end_matches('/').to_string(),
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let routing_key = match secret(&c.routing_key) {
        Ok(k) => k,
        Err(o) => return o,
    };
    // What was taken is taken again on a retry under the same keys, which PagerDuty
    // de-duplicates.
    super::each_event(n, |e| one(c, cx, &routing_key, e)).await
}

/// One event: a trouble triggers, a recovery or a deletion resolves what was triggered.
async fn one(c: &Config, cx: &Cx<'_>, routing_key: &str, e: &Event) -> Outcome {
    let store = episode(cx, e);
    if crate::events::is_trouble(e.kind) {
        let known = if e.test { None } else { cx.recall(&store) };
        let dedup = known.clone().unwrap_or_else(|| dedup_key(e));
        let summary = cx.templates.render("subject", e);
        let body = trigger(e, &dedup, &summary, &cx.templates.links_of(e));
        let o = send(c, cx, routing_key, body).await;
        if o != Outcome::Delivered {
            return o;
        }
        if e.test {
            // `herald notify test`: the alert is resolved at once, so that nobody is paged
            // for good.
            return send(c, cx, routing_key, resolve(&dedup)).await;
        }
        if known.is_none() {
            cx.remember(&store, Some(&dedup));
        }
        Outcome::Delivered
    } else if matches!(e.kind, EventKind::Recovered | EventKind::Deleted) {
        let Some(dedup) = cx.recall(&store) else {
            // No incident was opened for this episode (its trouble was not routed here).
            tracing::debug!(receiver = %cx.receiver, object = %e.object, "no PagerDuty incident to resolve");
            return Outcome::Delivered;
        };
        let o = send(c, cx, routing_key, resolve(&dedup)).await;
        if o == Outcome::Delivered {
            cx.remember(&store, None);
        }
        o
    } else {
        // Not a trouble or its end: nothing for PagerDuty.
        Outcome::Delivered
    }
}

async fn send(c: &Config, cx: &Cx<'_>, routing_key: &str, mut body: Value) -> Outcome {
    body["routing_key"] = json!(routing_key);
    let req = cx
        .client
        .post(format!("{}/v2/enqueue", c.api_url))
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).expect("JSON"));
    super::exchange(req, answer).await
}

/// Where the episode's key is kept: the receiver and the object.
fn episode(cx: &Cx<'_>, e: &Event) -> String {
    format!("{}|pagerduty|{}", cx.receiver, e.object)
}

/// The episode's key: the cluster, the object and the time of the trouble that opened it, hashed
/// (the same on every retry of that trouble, after a restart too).
pub fn dedup_key(e: &Event) -> String {
    let seed = format!("{}\n{}\n{}", e.cluster, e.object, e.at.as_nanosecond());
    let d = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    let hex: String = d.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    cut(&format!("herald-{hex}"), MAX_DEDUP_KEY)
}

/// The severity PagerDuty gets: `critical` for an unhealthy object, `warning` for a warning or
/// a health herald cannot judge (unknown), `error` for a trouble of a healthy object (a failed
/// sync, stuck not ready); `info` for `herald notify test`.
pub fn severity(e: &Event) -> &'static str {
    if e.test || matches!(e.kind, EventKind::Changed | EventKind::ImageChanged) {
        return "info";
    }
    match e.to.as_ref().map(|v| v.health) {
        Some(Health::Unhealthy) => "critical",
        Some(Health::Warning) | Some(Health::Unknown) => "warning",
        Some(Health::Healthy) | None => "error",
    }
}

/// The trigger event for a trouble (without its routing key).
pub fn trigger(e: &Event, dedup: &str, summary: &str, links: &[(String, String)]) -> Value {
    let o = &e.object;
    let reference = if o.namespace.is_empty() {
        o.name.to_string()
    } else {
        format!("{}/{}", o.namespace, o.name)
    };
    let summary = summary.lines().next().unwrap_or_default().trim();
    let mut details = json!({
        "event": e.kind.as_str(),
        "object": o.to_string(),
        "cluster": e.cluster,
        "id": e.id,
    });
    if let Some(v) = &e.to {
        details["health"] = json!(v.health);
        details["status"] = json!(v.status);
        details["ready"] = json!(v.ready);
        if let Some(r) = &v.revision {
            details["revision"] = json!(r);
        }
    }
    if !e.message.is_empty() {
        details["message"] = json!(e.message);
    }
    if let Some(via) = e.via() {
        details["via"] = json!(via);
    }
    if !e.children.is_empty() {
        details["children"] = json!(
            e.children
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        );
    }
    if !e.labels.is_empty() {
        details["labels"] = json!(e.labels);
    }
    let mut payload = json!({
        "summary": cut(if summary.is_empty() { &reference } else { summary }, MAX_SUMMARY),
        "source": e.cluster,
        "severity": severity(e),
        "timestamp": e.at,
        "component": format!("{} {reference}", o.kind),
        "class": e.kind.as_str(),
        "custom_details": details,
    });
    if !o.namespace.is_empty() {
        payload["group"] = json!(o.namespace);
    }
    let mut body = json!({
        "event_action": "trigger",
        "dedup_key": dedup,
        "payload": payload,
        "client": "herald",
    });
    if !links.is_empty() {
        body["links"] = json!(
            links
                .iter()
                .map(|(text, href)| json!({"href": href, "text": text}))
                .collect::<Vec<_>>()
        );
        body["client_url"] = json!(links[0].1);
    }
    body
}

/// The resolve event for an episode's key (without its routing key).
pub fn resolve(dedup: &str) -> Value {
    json!({"event_action": "resolve", "dedup_key": dedup})
}

/// PagerDuty's answer: `202` taken; `400` (an invalid event, its `message` and `errors` said)
/// refused; `429` retried after `Retry-After` when given, else after the backoff, as PagerDuty
/// asks; `5xx` retried.
pub fn answer(r: &Reply) -> Outcome {
    match r.status {
        429 => Outcome::Retry {
            after: retry_after(&r.headers),
            why: format!("PagerDuty: {}", r.why()),
        },
        400 => {
            let j = r.json();
            let message = j["message"].as_str().unwrap_or("invalid event");
            let errors: Vec<&str> = j["errors"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            Outcome::Refused(cut(
                &format!("PagerDuty: HTTP 400: {message}: {}", errors.join(", ")),
                500,
            ))
        }
        _ => match by_status(r, None) {
            Outcome::Retry { after, why } => Outcome::Retry {
                after,
                why: format!("PagerDuty: {why}"),
            },
            Outcome::Refused(why) => Outcome::Refused(format!("PagerDuty: {why}")),
            Outcome::Delivered => Outcome::Delivered,
        },
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::{ObjectKey, Verdict};
    use bytes::Bytes;
    use reqwest::header::HeaderMap;
    use std::time::Duration;

    pub(crate) fn event(kind: EventKind, health: Option<Health>) -> Event {
        let v = |health| Verdict {
            health,
            ready: health == Health::Healthy,
            status: "HealthCheckFailed".into(),
            revision: Some("main@sha1:4f1c2a9".into()),
            suspended: false,
            sync: None,
            from_children: false,
        };
        Event {
            id: "ev1".into(),
            kind,
            cluster: "prod".into(),
            object: ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "apps",
                "web",
            ),
            at: "2026-11-23T12:00:00Z".parse().unwrap(),
            from: Some(v(Health::Healthy)),
            to: health.map(v),
            message: "health check failed".into(),
            children: vec![],
            via: None,
            labels: [("team".to_string(), "web".to_string())].into(),
            annotations: Default::default(),
            test: false,
            repo: None,
            attempted: None,
            warnings: Vec::new(),
            affected: Vec::new(),
            affected_more: 0,
            change: None,
        }
    }

    fn answer_of(status: u16, h: &[(&'static str, &str)], body: &str) -> Outcome {
        let mut headers = HeaderMap::new();
        for (k, v) in h {
            headers.insert(*k, v.parse().unwrap());
        }
        answer(&Reply {
            status,
            headers,
            body: Bytes::from(body.to_string()),
        })
    }

    #[test]
    fn a_trouble_triggers_with_its_severity_summary_and_links() {
        let e = event(EventKind::Unhealthy, Some(Health::Unhealthy));
        let key = dedup_key(&e);
        let links = vec![(
            "status page".to_string(),
            "https://herald/o/web".to_string(),
        )];
        let b = trigger(&e, &key, "Kustomization apps/web: unhealthy [prod]", &links);
        assert_eq!(b["event_action"], "trigger");
        assert_eq!(b["dedup_key"], key);
        assert_eq!(b["payload"]["severity"], "critical");
        assert_eq!(b["payload"]["source"], "prod");
        assert_eq!(b["payload"]["group"], "apps");
        assert_eq!(b["payload"]["component"], "Kustomization apps/web");
        assert_eq!(b["payload"]["class"], "unhealthy");
        assert_eq!(b["payload"]["timestamp"], "2026-11-23T12:00:00Z");
        assert_eq!(
            b["payload"]["custom_details"]["status"],
            "HealthCheckFailed"
        );
        assert_eq!(b["payload"]["custom_details"]["labels"]["team"], "web");
        assert_eq!(b["links"][0]["href"], "https://herald/o/web");
        assert_eq!(b["links"][0]["text"], "status page");
        assert!(b.get("routing_key").is_none(), "added at delivery only");
    }

    #[test]
    fn severities_follow_the_health() {
        let sev = |kind, h| severity(&event(kind, h));
        assert_eq!(
            sev(EventKind::Unhealthy, Some(Health::Unhealthy)),
            "critical"
        );
        assert_eq!(sev(EventKind::Warning, Some(Health::Warning)), "warning");
        assert_eq!(sev(EventKind::Unknown, Some(Health::Unknown)), "warning");
        assert_eq!(sev(EventKind::SyncFailed, Some(Health::Healthy)), "error");
        let mut t = event(EventKind::Warning, Some(Health::Warning));
        t.test = true;
        assert_eq!(severity(&t), "info");
    }

    #[test]
    fn the_key_is_stable_per_episode_and_within_limits() {
        let e = event(EventKind::Unhealthy, Some(Health::Unhealthy));
        assert_eq!(dedup_key(&e), dedup_key(&e.clone()));
        let mut later = e.clone();
        later.at = "2026-11-23T13:00:00Z".parse().unwrap();
        assert_ne!(
            dedup_key(&e),
            dedup_key(&later),
            "a new episode, a new incident"
        );
        assert!(dedup_key(&e).len() <= MAX_DEDUP_KEY);
        assert_eq!(
            resolve("k"),
            json!({"event_action": "resolve", "dedup_key": "k"})
        );
    }

    #[test]
    fn a_long_summary_is_cut_to_pagerdutys_limit() {
        let e = event(EventKind::Unhealthy, Some(Health::Unhealthy));
        let long = "x".repeat(5000);
        let b = trigger(&e, "k", &long, &[]);
        assert_eq!(
            b["payload"]["summary"].as_str().unwrap().chars().count(),
            MAX_SUMMARY
        );
        assert!(b.get("links").is_none());
    }

    #[test]
    fn answers_map_to_outcomes() {
        assert_eq!(
            answer_of(
                202,
                &[],
                r#"{"status":"success","message":"Event processed","dedup_key":"k"}"#
            ),
            Outcome::Delivered
        );
        match answer_of(
            400,
            &[],
            r#"{"status":"invalid event","message":"Event object is invalid","errors":["'payload.severity' is invalid"]}"#,
        ) {
            Outcome::Refused(w) => {
                assert!(
                    w.contains("Event object is invalid") && w.contains("payload.severity"),
                    "{w}"
                )
            }
            o => panic!("{o:?}"),
        }
        assert!(matches!(
            answer_of(429, &[("retry-after", "3")], ""),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(3)
        ));
        // Without Retry-After: the backoff.
        assert!(matches!(
            answer_of(429, &[], ""),
            Outcome::Retry { after: None, .. }
        ));
        assert!(matches!(
            answer_of(502, &[], ""),
            Outcome::Retry { after: None, .. }
        ));
        assert!(matches!(answer_of(404, &[], ""), Outcome::Refused(_)));
    }

    fn errors(text: &str) -> Vec<String> {
        crate::config::parse(text, std::path::Path::new("herald.yaml"))
            .expect_err("refused")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn the_configuration_is_checked() {
        let c = crate::config::parse(
            "receivers:\n  - name: pd\n    pagerduty: {routingKeyEnv: PD_KEY, apiUrl: \"https://events.eu.pagerduty.com/\"}\n",
            std::path::Path::new("herald.yaml"),
        )
        .unwrap();
        match &c.receivers[0].kind {
            crate::config::ReceiverKind::PagerDuty(p) => {
                assert_eq!(p.api_url, "https://events.eu.pagerduty.com");
                assert_eq!(p.routing_key, Secret::Env("PD_KEY".into()));
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(
            errors("receivers:\n  - name: pd\n    pagerduty: {}\n"),
            [
                "herald.yaml:2: receivers[0].pagerduty: needs routingKeyFile or routingKeyEnv (the integration key of an Events API v2 integration)"
            ]
        );
        let e = errors(
            "receivers:\n  - name: pd\n    pagerduty:\n      routingKeyEnv: K\n      apiUrl: events.pagerduty.com\n",
        );
        assert!(
            e[0].starts_with(
                "herald.yaml:5: receivers[0].pagerduty.apiUrl: \"events.pagerduty.com\" is not"
            ),
            "{e:?}"
        );
        let e = errors(
            "receivers:\n  - name: pd\n    pagerduty: {routingKeyEnv: K, routingKeyFile: /k}\n",
        );
        assert!(
            e[0].contains("give routingKeyFile or routingKeyEnv, not both"),
            "{e:?}"
        );
        let e = errors("receivers:\n  - name: pd\n    pagerduty:\n      routingKey: abc\n");
        assert!(
            e.iter().any(|e| e
                .starts_with("herald.yaml:4: receivers[0].pagerduty.routingKey: unknown field")),
            "{e:?}"
        );
    }

    /// What a recorder took: each request's path and JSON body.
    pub(crate) type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>;

    /// A service that takes everything (`202`) and records what it took.
    pub(crate) async fn recorder() -> (Seen, String) {
        use http_body_util::BodyExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = std::sync::Arc::clone(&seen);
        tokio::spawn(async move {
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let sink = std::sync::Arc::clone(&sink);
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let sink = std::sync::Arc::clone(&sink);
                            async move {
                                let path = req.uri().to_string();
                                let body = req.into_body().collect().await.unwrap().to_bytes();
                                sink.lock()
                                    .unwrap()
                                    .push((path, serde_json::from_slice::<Value>(&body).unwrap()));
                                Ok::<_, std::convert::Infallible>(
                                    hyper::Response::builder()
                                        .status(202)
                                        .body(http_body_util::Full::new(Bytes::from_static(
                                            br#"{"status":"success","message":"Event processed"}"#,
                                        )))
                                        .unwrap(),
                                )
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        (seen, format!("http://{addr}"))
    }

    pub(crate) fn notification(events: Vec<Event>) -> Notification {
        let mut all = events.into_iter();
        let first = all.next().unwrap();
        Notification {
            id: 1,
            receiver: "pd".into(),
            route: "routes[0]".into(),
            due: first.at,
            event: first,
            recheck: false,
            target: None,
            grouped: all.enumerate().map(|(i, e)| (i as u64 + 2, e)).collect(),
        }
    }

    async fn run(
        c: &Config,
        client: &reqwest::Client,
        templates: &crate::notify::templates::Templates,
        outbox: &crate::notify::outbox::Outbox,
        n: Notification,
    ) -> Outcome {
        let cx = Cx {
            client,
            threads: Some(outbox),
            templates,
            receiver: "pd",
            timeout: std::time::Duration::from_secs(5),
        };
        deliver(c, &cx, &n).await
    }

    #[tokio::test]
    async fn the_recovery_resolves_the_incident_after_a_restart_and_a_group_is_one_event_each() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (seen, url) = recorder().await;
        let dir = std::env::temp_dir().join(format!("herald-pagerduty-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("outbox.redb");
        // SAFETY: a variable only this test reads.
        unsafe { std::env::set_var("HERALD_TEST_PD_KEY", "k") };
        let c = Config {
            routing_key: Secret::Env("HERALD_TEST_PD_KEY".into()),
            api_url: url,
        };
        let client = reqwest::Client::new();
        let templates = crate::notify::templates::Templates::default();
        let trouble = event(EventKind::Unhealthy, Some(Health::Unhealthy));
        let mut recovery = event(EventKind::Recovered, Some(Health::Healthy));
        recovery.at = "2026-11-23T12:10:00Z".parse().unwrap();
        {
            let outbox = crate::notify::outbox::Outbox::open(&path).unwrap();
            assert_eq!(
                run(
                    &c,
                    &client,
                    &templates,
                    &outbox,
                    notification(vec![trouble.clone()])
                )
                .await,
                Outcome::Delivered
            );
            // A repeat of the trouble: the same incident.
            let mut repeat = trouble.clone();
            repeat.at = "2026-11-23T12:05:00Z".parse().unwrap();
            assert_eq!(
                run(&c, &client, &templates, &outbox, notification(vec![repeat])).await,
                Outcome::Delivered
            );
        }
        // herald restarts: the episode's key is read back.
        let outbox = crate::notify::outbox::Outbox::open(&path).unwrap();
        assert_eq!(
            run(
                &c,
                &client,
                &templates,
                &outbox,
                notification(vec![recovery.clone()])
            )
            .await,
            Outcome::Delivered
        );
        // A recovery with no incident open sends nothing.
        assert_eq!(
            run(
                &c,
                &client,
                &templates,
                &outbox,
                notification(vec![recovery.clone()])
            )
            .await,
            Outcome::Delivered
        );
        {
            let seen: Vec<Value> = seen
                .lock()
                .unwrap()
                .iter()
                .map(|(_, b)| b.clone())
                .collect();
            assert_eq!(seen.len(), 3, "{seen:?}");
            let key = dedup_key(&trouble);
            assert_eq!(seen[0]["dedup_key"], key.as_str());
            assert_eq!(seen[0]["routing_key"], "k");
            assert_eq!(
                seen[1]["dedup_key"],
                key.as_str(),
                "a repeat re-triggers the same key"
            );
            assert_eq!(
                seen[2],
                json!({"event_action": "resolve", "dedup_key": key, "routing_key": "k"})
            );
        }
        // A group: one event per request, in order; the revision (not an incident) sends nothing.
        let mut other = trouble.clone();
        other.object.name = "worker".into();
        let revision = event(EventKind::Revision, Some(Health::Healthy));
        let n = notification(vec![trouble.clone(), revision, other]);
        assert_eq!(
            run(&c, &client, &templates, &outbox, n).await,
            Outcome::Delivered
        );
        let seen: Vec<Value> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|(_, b)| b.clone())
            .collect();
        assert_eq!(seen.len(), 5);
        assert_eq!(seen[3]["payload"]["component"], "Kustomization apps/web");
        assert_eq!(seen[4]["payload"]["component"], "Kustomization apps/worker");
        assert_ne!(seen[3]["dedup_key"], seen[4]["dedup_key"]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! Opsgenie's Alert API: a trouble creates an alert (`POST /v2/alerts`) under an `alias` stable
//! per object episode, its recovery or the object's deletion closes it
//! (`POST /v2/alerts/{alias}/close?identifierType=alias`). Opsgenie folds an alert created
//! again under the alias of an open one into it (its count goes up): a repeat of the trouble
//! does not open a second alert. The alias is derived from the cluster, the object and the time
//! the episode's first trouble happened, and remembered per episode ([`Cx::recall`]), so that the
//! recovery closes the alert the trouble opened across restarts and leaders.
//!
//! Opsgenie takes one alert per request: a group is sent as one request per event, in order,
//! within one delivery, which counts as delivered when every event was taken.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Cx, by_status, cut, outcome, secret};
use crate::config::{EventKind, Secret, Spanned, Validator};
use crate::health::Health;
use crate::notify::{Event, Notification, Outcome};

pub const US_URL: &str = "https://api.opsgenie.com";
pub const EU_URL: &str = "https://api.eu.opsgenie.com";

/// Opsgenie's documented limits.
pub const MAX_MESSAGE: usize = 130;
pub const MAX_ALIAS: usize = 512;
pub const MAX_DESCRIPTION: usize = 15000;
pub const MAX_TAGS: usize = 20;
pub const MAX_TAG: usize = 50;
pub const MAX_DETAILS: usize = 8000;
pub const MAX_ENTITY: usize = 512;
pub const MAX_SOURCE: usize = 100;
pub const MAX_NOTE: usize = 25000;

/// `opsgenie:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    api_key_file: Option<PathBuf>,
    api_key_env: Option<String>,
    region: Option<Spanned<String>>,
    api_url: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The API key of an API integration (`GenieKey`).
    pub api_key: Secret,
    /// The base URL, without a trailing `/`.
    pub api_url: String,
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let field = format!("{at}.opsgenie");
    let key = v.secret(line, &field, "apiKey", raw.api_key_file, raw.api_key_env);
    if key == Ok(None) {
        v.error(
            line,
            &field,
            "needs apiKeyFile or apiKeyEnv (the API key of an Opsgenie API integration)",
        );
    }
    let api_url = match (raw.region, raw.api_url) {
        (Some(r), Some(_)) => {
            v.error(
                r.referenced.line() as usize,
                format!("{field}.region"),
                "give region or apiUrl, not both",
            );
            US_URL.to_string()
        }
        (Some(r), None) => match r.value.as_str() {
            "us" => US_URL.to_string(),
            "eu" => EU_URL.to_string(),
            other => {
                v.error(
                    r.referenced.line() as usize,
                    format!("{field}.region"),
                    format!("{other:?} is not a region: write us or eu"),
                );
                US_URL.to_string()
            }
        },
        (None, Some(u)) => {
            v.url(
                u.referenced.line() as usize,
                &format!("{field}.apiUrl"),
                &u.value,
            );
            u.value
        }
        (None, None) => US_URL.to_string(),
    };
    Some(Config {
        api_key: key.ok().flatten()?,
        api_url: api_url.trim_end_matches('/').to_string(),
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let key = match secret(&c.api_key) {
        Ok(k) => k,
        Err(o) => return o,
    };
    // What was taken is sent again on a retry under the same alias, which Opsgenie
    // de-duplicates.
    super::each_event(n, |e| one(c, cx, &key, e)).await
}

async fn one(c: &Config, cx: &Cx<'_>, key: &str, e: &Event) -> Outcome {
    let store = format!("{}|opsgenie|{}", cx.receiver, e.object);
    if crate::events::is_trouble(e.kind) {
        let known = if e.test { None } else { cx.recall(&store) };
        let alias = known.clone().unwrap_or_else(|| alias(e));
        let body = create(
            e,
            &alias,
            &cx.templates.render("subject", e),
            &cx.templates.render("text", e),
            &cx.templates.links_of(e),
        );
        let o = post(cx, key, format!("{}/v2/alerts", c.api_url), body).await;
        if o != Outcome::Delivered {
            return o;
        }
        if e.test {
            // `herald notify test`: the alert is closed at once.
            return post(cx, key, close_url(c, &alias), close(e, "test")).await;
        }
        if known.is_none() {
            cx.remember(&store, Some(&alias));
        }
        Outcome::Delivered
    } else if matches!(e.kind, EventKind::Recovered | EventKind::Deleted) {
        let Some(alias) = cx.recall(&store) else {
            tracing::debug!(receiver = %cx.receiver, object = %e.object, "no Opsgenie alert to close");
            return Outcome::Delivered;
        };
        let note = cx.templates.render("subject", e);
        let o = post(cx, key, close_url(c, &alias), close(e, &note)).await;
        if o == Outcome::Delivered {
            cx.remember(&store, None);
        }
        o
    } else {
        Outcome::Delivered
    }
}

fn close_url(c: &Config, alias: &str) -> String {
    // The alias is `herald-` and hex digits: nothing to escape in a path.
    format!("{}/v2/alerts/{alias}/close?identifierType=alias", c.api_url)
}

async fn post(cx: &Cx<'_>, key: &str, url: String, body: Value) -> Outcome {
    let req = cx
        .client
        .post(url)
        .header("content-type", "application/json")
        .header("authorization", format!("GenieKey {key}"))
        .body(serde_json::to_vec(&body).expect("JSON"));
    match outcome(req.send().await).await {
        Outcome::Retry { after, why } => Outcome::Retry {
            after,
            why: format!("Opsgenie: {why}"),
        },
        Outcome::Refused(why) => Outcome::Refused(format!("Opsgenie: {why}")),
        Outcome::Delivered => Outcome::Delivered,
    }
}

/// The episode's alias: the cluster, the object and the time of the trouble that opened it,
/// hashed (the same on every retry of that trouble, after a restart too).
pub fn alias(e: &Event) -> String {
    let seed = format!("{}\n{}\n{}", e.cluster, e.object, e.at.as_nanosecond());
    let d = ring::digest::digest(&ring::digest::SHA256, seed.as_bytes());
    let hex: String = d.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    cut(&format!("herald-{hex}"), MAX_ALIAS)
}

/// The priority: `P1` for an unhealthy object, `P2` for a trouble of a healthy one (a failed
/// sync, stuck not ready), `P3` for a warning, `P4` for a health herald cannot judge; `P5` for
/// `herald notify test`.
pub fn priority(e: &Event) -> &'static str {
    if e.test {
        return "P5";
    }
    match e.to.as_ref().map(|v| v.health) {
        Some(Health::Unhealthy) => "P1",
        Some(Health::Healthy) | None => "P2",
        Some(Health::Warning) => "P3",
        Some(Health::Unknown) => "P4",
    }
}

/// The create request for a trouble: `subject` the one-line summary, `text` the description.
pub fn create(
    e: &Event,
    alias: &str,
    subject: &str,
    text: &str,
    links: &[(String, String)],
) -> Value {
    let o = &e.object;
    let reference = if o.namespace.is_empty() {
        o.name.to_string()
    } else {
        format!("{}/{}", o.namespace, o.name)
    };
    let message = subject.lines().next().unwrap_or_default().trim();
    let tags: Vec<String> = ["herald", &e.cluster, &o.kind, &o.namespace, e.kind.as_str()]
        .into_iter()
        .filter(|t| !t.is_empty())
        .map(|t| cut(t, MAX_TAG))
        .take(MAX_TAGS)
        .collect();
    // Details are strings, 8000 characters in all (keys and values).
    let mut pairs: Vec<(String, String)> = vec![
        ("cluster".into(), e.cluster.clone()),
        ("object".into(), o.to_string()),
        ("event".into(), e.kind.as_str().into()),
        ("id".into(), e.id.clone()),
    ];
    if let Some(v) = &e.to {
        pairs.push(("health".into(), v.health.to_string()));
        pairs.push(("status".into(), v.status.clone()));
        if let Some(r) = &v.revision {
            pairs.push(("revision".into(), r.clone()));
        }
    }
    for (name, url) in links {
        pairs.push((name.clone(), url.clone()));
    }
    let mut details = serde_json::Map::new();
    let mut room = MAX_DETAILS;
    for (k, v) in pairs {
        let used = k.chars().count() + v.chars().count();
        if used > room || details.contains_key(&k) {
            continue;
        }
        room -= used;
        details.insert(k, json!(v));
    }
    json!({
        "message": cut(if message.is_empty() { &reference } else { message }, MAX_MESSAGE),
        "alias": alias,
        "description": cut(text, MAX_DESCRIPTION),
        "priority": priority(e),
        "tags": tags,
        "details": details,
        "entity": cut(&format!("{} {reference}", o.kind), MAX_ENTITY),
        "source": cut(&format!("herald/{}", e.cluster), MAX_SOURCE),
    })
}

/// The close request: who closed it and why.
pub fn close(e: &Event, note: &str) -> Value {
    json!({
        "source": cut(&format!("herald/{}", e.cluster), MAX_SOURCE),
        "note": cut(note.trim(), MAX_NOTE),
    })
}

/// The usual statuses: `202` taken, `429` retried (after `Retry-After` when given), `5xx`
/// retried, `401`, `403`, `404`, `422` and the rest refused. (For the unit tests' sake.)
pub fn answer(r: &super::Reply) -> Outcome {
    by_status(r, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ObjectKey, Verdict};
    use bytes::Bytes;
    use reqwest::header::HeaderMap;
    use std::time::Duration;

    fn event(kind: EventKind, health: Option<Health>) -> Event {
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
            labels: Default::default(),
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

    #[test]
    fn a_trouble_creates_an_alert_within_opsgenies_limits() {
        let e = event(EventKind::Unhealthy, Some(Health::Unhealthy));
        let a = alias(&e);
        let links = vec![(
            "status page".to_string(),
            "https://herald/o/web".to_string(),
        )];
        let b = create(&e, &a, &"s".repeat(400), &"d".repeat(20000), &links);
        assert_eq!(b["alias"], a);
        assert_eq!(b["priority"], "P1");
        assert_eq!(b["message"].as_str().unwrap().chars().count(), MAX_MESSAGE);
        assert_eq!(
            b["description"].as_str().unwrap().chars().count(),
            MAX_DESCRIPTION
        );
        assert_eq!(
            b["tags"],
            json!(["herald", "prod", "Kustomization", "apps", "unhealthy"])
        );
        assert_eq!(b["details"]["status"], "HealthCheckFailed");
        assert_eq!(b["details"]["status page"], "https://herald/o/web");
        assert!(
            b["details"]
                .as_object()
                .unwrap()
                .values()
                .all(Value::is_string)
        );
        assert_eq!(b["entity"], "Kustomization apps/web");
        assert_eq!(b["source"], "herald/prod");
        assert_eq!(alias(&e), alias(&e.clone()), "stable per episode");
        assert!(a.len() <= MAX_ALIAS);
    }

    #[test]
    fn details_and_tags_stay_within_limits() {
        let mut e = event(EventKind::Warning, Some(Health::Warning));
        e.cluster = "c".repeat(9000);
        let b = create(&e, "a", "m", "d", &[]);
        let total: usize = b["details"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| k.chars().count() + v.as_str().unwrap().chars().count())
            .sum();
        assert!(total <= MAX_DETAILS, "{total}");
        assert!(
            b["tags"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t.as_str().unwrap().chars().count() <= MAX_TAG)
        );
        assert!(b["source"].as_str().unwrap().chars().count() <= MAX_SOURCE);
        assert_eq!(b["priority"], "P3");
    }

    #[test]
    fn priorities_follow_the_health() {
        let p = |k, h| priority(&event(k, h));
        assert_eq!(p(EventKind::Unhealthy, Some(Health::Unhealthy)), "P1");
        assert_eq!(p(EventKind::SyncFailed, Some(Health::Healthy)), "P2");
        assert_eq!(p(EventKind::Warning, Some(Health::Warning)), "P3");
        assert_eq!(p(EventKind::Unknown, Some(Health::Unknown)), "P4");
        let e = event(EventKind::Recovered, Some(Health::Healthy));
        assert_eq!(
            close(&e, " fixed \n"),
            json!({"source": "herald/prod", "note": "fixed"})
        );
    }

    #[test]
    fn answers_map_to_outcomes() {
        let a = |status: u16, h: &[(&'static str, &str)]| {
            let mut headers = HeaderMap::new();
            for (k, v) in h {
                headers.insert(*k, v.parse().unwrap());
            }
            answer(&super::super::Reply {
                status,
                headers,
                body: Bytes::from_static(b"{\"message\":\"x\",\"took\":0.001,\"requestId\":\"r\"}"),
            })
        };
        assert_eq!(a(202, &[]), Outcome::Delivered);
        assert!(matches!(
            a(429, &[("retry-after", "2")]),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(2)
        ));
        assert!(matches!(a(503, &[]), Outcome::Retry { .. }));
        for s in [401, 403, 422] {
            assert!(matches!(a(s, &[]), Outcome::Refused(_)), "{s}");
        }
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
            "receivers:\n  - name: og\n    opsgenie: {apiKeyFile: /k, region: eu}\n",
            std::path::Path::new("herald.yaml"),
        )
        .unwrap();
        match &c.receivers[0].kind {
            crate::config::ReceiverKind::Opsgenie(o) => assert_eq!(o.api_url, EU_URL),
            k => panic!("{k:?}"),
        }
        assert_eq!(
            errors("receivers:\n  - name: og\n    opsgenie:\n      region: us\n"),
            [
                "herald.yaml:2: receivers[0].opsgenie: needs apiKeyFile or apiKeyEnv (the API key of an Opsgenie API integration)"
            ]
        );
        assert_eq!(
            errors(
                "receivers:\n  - name: og\n    opsgenie:\n      apiKeyEnv: K\n      region: mars\n"
            ),
            [
                "herald.yaml:5: receivers[0].opsgenie.region: \"mars\" is not a region: write us or eu"
            ]
        );
        assert_eq!(
            errors(
                "receivers:\n  - name: og\n    opsgenie:\n      apiKeyEnv: K\n      region: eu\n      apiUrl: http://x\n"
            ),
            ["herald.yaml:5: receivers[0].opsgenie.region: give region or apiUrl, not both"]
        );
    }

    #[tokio::test]
    async fn the_recovery_closes_the_alert_after_a_restart_and_a_group_is_one_alert_each() {
        use crate::notify::receivers::pagerduty::tests::{notification, recorder};
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (seen, url) = recorder().await;
        let dir = std::env::temp_dir().join(format!("herald-opsgenie-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("outbox.redb");
        // SAFETY: a variable only this test reads.
        unsafe { std::env::set_var("HERALD_TEST_OPSGENIE_KEY", "k") };
        let c = Config {
            api_key: Secret::Env("HERALD_TEST_OPSGENIE_KEY".into()),
            api_url: url,
        };
        let client = reqwest::Client::new();
        let templates = crate::notify::templates::Templates::default();
        let run = async |outbox: &crate::notify::outbox::Outbox, n: Notification| {
            let cx = Cx {
                client: &client,
                threads: Some(outbox),
                templates: &templates,
                receiver: "og",
                timeout: Duration::from_secs(5),
            };
            deliver(&c, &cx, &n).await
        };
        let trouble = event(EventKind::Unhealthy, Some(Health::Unhealthy));
        let mut recovery = event(EventKind::Recovered, Some(Health::Healthy));
        recovery.at = "2026-11-23T12:10:00Z".parse().unwrap();
        {
            let outbox = crate::notify::outbox::Outbox::open(&path).unwrap();
            assert_eq!(
                run(&outbox, notification(vec![trouble.clone()])).await,
                Outcome::Delivered
            );
        }
        let outbox = crate::notify::outbox::Outbox::open(&path).unwrap();
        assert_eq!(
            run(&outbox, notification(vec![recovery.clone()])).await,
            Outcome::Delivered
        );
        assert_eq!(
            run(&outbox, notification(vec![recovery.clone()])).await,
            Outcome::Delivered
        );
        let mut other = trouble.clone();
        other.object.name = "worker".into();
        let n = notification(vec![trouble.clone(), other]);
        assert_eq!(run(&outbox, n).await, Outcome::Delivered);
        let seen = seen.lock().unwrap().clone();
        let a = alias(&trouble);
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert_eq!(seen[0].0, "/v2/alerts");
        assert_eq!(seen[0].1["alias"], a.as_str());
        assert_eq!(
            seen[1].0,
            format!("/v2/alerts/{a}/close?identifierType=alias")
        );
        assert_eq!(seen[2].1["entity"], "Kustomization apps/web");
        assert_eq!(seen[3].1["entity"], "Kustomization apps/worker");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! GitHub `repository_dispatch` (`POST /repos/{owner}/{repo}/dispatches`): each event
//! triggers the workflows of one configured repository that listen for its event type
//! (`herald-<event>` by default), with the event in `client_payload`. This is how a trouble
//! starts a mitigation (a rollback, a scale-up, a page) written as a GitHub Actions workflow;
//! the route chooses which events do. GitHub answers `204`.

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Value, json};

use super::git;
use super::github_deployment::{API_URL, answer, api_url, repository, template, token};
use super::{Cx, cut, secret};
use crate::config::{Secret, Spanned, Validator};
use crate::notify::{Event, Notification, Outcome};

/// GitHub's limit on `event_type`.
pub const MAX_EVENT_TYPE: usize = 100;
/// GitHub's limit on `client_payload`'s top-level keys.
pub const MAX_PAYLOAD_KEYS: usize = 10;

/// `githubDispatch:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    repository: Spanned<String>,
    token_file: Option<PathBuf>,
    token_env: Option<String>,
    api_url: Option<Spanned<String>>,
    event_type: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub repository: (String, String),
    pub token: Secret,
    pub api_url: String,
    /// A template ([`git::fill`]).
    pub event_type: String,
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let at = format!("{at}.githubDispatch");
    let token = token(
        v,
        line,
        &at,
        raw.token_file,
        raw.token_env,
        "a token that may write the repository's contents",
    );
    let repository = repository(v, &format!("{at}.repository"), &raw.repository);
    let api_url = api_url(v, line, &format!("{at}.apiUrl"), raw.api_url, API_URL);
    let event_type = template(v, &format!("{at}.eventType"), raw.event_type)
        .unwrap_or_else(|| "herald-{event}".to_string());
    if event_type.trim().is_empty() {
        v.error(line, format!("{at}.eventType"), "empty event type");
    }
    Some(Config {
        repository: repository?,
        token: token?,
        api_url,
        event_type,
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let token = match secret(&c.token) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let (owner, repo) = &c.repository;
    let url = format!("{}/repos/{owner}/{repo}/dispatches", c.api_url);
    // A group: one dispatch per event, in order (a workflow run is about one object).
    super::each_event(n, |e| {
        let body = dispatch(c, e, cx.templates.render("subject", e));
        let req = cx
            .client
            .post(&url)
            .bearer_auth(&token)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).expect("JSON"));
        super::exchange(req, answer)
    })
    .await
}

/// The body of a dispatch: `event_type` (at most 100 characters) and the event in
/// `client_payload` (at most 10 top-level keys).
pub fn dispatch(c: &Config, e: &Event, summary: String) -> Value {
    let o = &e.object;
    let to = e.to.as_ref();
    let payload = json!({
        "event": git::event_name(e),
        "id": e.id,
        "cluster": e.cluster,
        "object": {"group": o.group, "kind": o.kind, "namespace": o.namespace, "name": o.name},
        "health": to.map(|v| v.health),
        "status": to.map(|v| v.status.as_str()),
        "revision": to.and_then(|v| v.revision.as_deref()),
        "message": e.message,
        "summary": summary,
        "repo": e.repo,
    });
    json!({
        "event_type": cut(&git::fill(&c.event_type, e), MAX_EVENT_TYPE),
        "client_payload": payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EventKind;
    use crate::health::Health;
    use crate::store::{ObjectKey, Verdict};

    fn event() -> Event {
        Event {
            id: "e1".into(),
            kind: EventKind::Unhealthy,
            cluster: "prod".into(),
            object: ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "apps",
                "web",
            ),
            at: "2026-11-23T12:00:00Z".parse().unwrap(),
            from: None,
            to: Some(Verdict {
                health: Health::Unhealthy,
                ready: false,
                status: "HealthCheckFailed".into(),
                revision: Some("main@sha1:4f1c2a9d3e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c".into()),
                suspended: false,
                sync: None,
                from_children: false,
            }),
            message: "health check failed".into(),
            children: Vec::new(),
            via: None,
            labels: Default::default(),
            annotations: Default::default(),
            test: false,
            repo: Some("https://github.com/acme/apps.git".into()),
            attempted: None,
            warnings: Vec::new(),
            affected: Vec::new(),
            affected_more: 0,
            change: None,
        }
    }

    fn config(event_type: &str) -> Config {
        Config {
            repository: ("acme".into(), "ops".into()),
            token: Secret::Env("T".into()),
            api_url: API_URL.into(),
            event_type: event_type.into(),
        }
    }

    #[test]
    fn a_dispatch_carries_the_event_within_githubs_limits() {
        let d = dispatch(&config("herald-{event}"), &event(), "summary".into());
        assert_eq!(d["event_type"], "herald-unhealthy");
        let p = d["client_payload"].as_object().unwrap();
        assert!(p.len() <= MAX_PAYLOAD_KEYS, "{}", p.len());
        assert_eq!(p["object"]["name"], "web");
        assert_eq!(p["health"], "unhealthy");
        assert_eq!(p["status"], "HealthCheckFailed");
        assert_eq!(p["repo"], "https://github.com/acme/apps.git");
        let long = dispatch(&config(&"x{name}".repeat(40)), &event(), String::new());
        assert_eq!(
            long["event_type"].as_str().unwrap().chars().count(),
            MAX_EVENT_TYPE
        );
        // A deletion has no verdict after: nulls, not a failure.
        let mut gone = event();
        gone.kind = EventKind::Deleted;
        gone.to = None;
        let d = dispatch(&config("herald-{event}"), &gone, String::new());
        assert_eq!(d["event_type"], "herald-deleted");
        assert!(d["client_payload"]["health"].is_null());
    }
}

//! GitHub deployments (REST API): one deployment per new revision of an object (a Flux
//! Kustomization or HelmRelease, an Argo CD Application) on the commit it applies, in the
//! repository it applies from, then deployment statuses that follow the object: `in_progress`
//! while it reconciles, `success` once ready and healthy, `failure` when it fails, `inactive`
//! when it is deleted. The deployment's id is remembered per object (with its commit), so
//! that later statuses go to the same deployment, across restarts and leaders too.
//!
//! GitHub's answers are read by [`answer`]: the primary rate limit (`x-ratelimit-remaining:
//! 0`, wait until `x-ratelimit-reset`) and the secondary one (`retry-after`, or a minute) are
//! waited out; other errors (`409` merge conflict, `422` no such ref) are refused with
//! GitHub's message.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::git::{self, Deployment, Progress};
use super::{Cx, Reply, by_status, cut, reply, reset_at, retry_after, secret};
use crate::config::{Secret, Spanned, Validator};
use crate::notify::{Event, Notification, Outcome};

pub const API_URL: &str = "https://api.github.com";
/// GitHub's limit on a deployment status's description.
pub const MAX_DESCRIPTION: usize = 140;

/// `githubDeployment:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    token_file: Option<PathBuf>,
    token_env: Option<String>,
    api_url: Option<Spanned<String>>,
    host: Option<Spanned<String>>,
    repository: Option<Spanned<String>>,
    environment: Option<Spanned<String>>,
    environment_url: Option<Spanned<String>>,
    log_url: Option<Spanned<String>>,
    production_environment: Option<bool>,
    transient_environment: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub token: Secret,
    /// Without a trailing `/`.
    pub api_url: String,
    /// The host repository URLs name (`github.com`, a GitHub Enterprise host).
    pub host: String,
    /// Every deployment in this repository, instead of the object's own.
    pub repository: Option<(String, String)>,
    /// A template ([`git::fill`]).
    pub environment: String,
    pub environment_url: Option<String>,
    pub log_url: Option<String>,
    pub production_environment: Option<bool>,
    pub transient_environment: Option<bool>,
}

/// `owner/repo`, checked.
pub(crate) fn repository(
    v: &mut Validator,
    field: &str,
    r: &Spanned<String>,
) -> Option<(String, String)> {
    let parts = r.value.trim().split_once('/').filter(|(o, n)| {
        let ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        ok(o) && ok(n)
    });
    if parts.is_none() {
        v.error(
            r.referenced.line() as usize,
            field,
            format!("{:?} is not a repository: write owner/repo", r.value),
        );
    }
    parts.map(|(o, n)| (o.to_string(), n.to_string()))
}

/// A text template, checked ([`git::template_error`]).
pub(crate) fn template(
    v: &mut Validator,
    field: &str,
    t: Option<Spanned<String>>,
) -> Option<String> {
    let t = t?;
    if let Some(why) = git::template_error(&t.value) {
        v.error(t.referenced.line() as usize, field, why);
    }
    Some(t.value)
}

/// An API URL, checked, without its trailing `/`.
pub(crate) fn api_url(
    v: &mut Validator,
    line: usize,
    field: &str,
    u: Option<Spanned<String>>,
    default: &str,
) -> String {
    let (line, url) = u.map_or((line, default.to_string()), |u| {
        (u.referenced.line() as usize, u.value)
    });
    v.url(line, field, &url);
    url.trim_end_matches('/').to_string()
}

/// The token, required: reported when missing.
pub(crate) fn token(
    v: &mut Validator,
    line: usize,
    at: &str,
    file: Option<PathBuf>,
    env: Option<String>,
    what: &str,
) -> Option<Secret> {
    let t = v.secret(line, at, "token", file, env);
    if t == Ok(None) {
        v.error(line, at, format!("needs tokenFile or tokenEnv ({what})"));
    }
    t.ok().flatten()
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let at = format!("{at}.githubDeployment");
    let token = token(
        v,
        line,
        &at,
        raw.token_file,
        raw.token_env,
        "a token that may write deployments",
    );
    let api_url = api_url(v, line, &format!("{at}.apiUrl"), raw.api_url, API_URL);
    let host = raw.host.map_or_else(
        || git::host_of(&api_url),
        |h| h.value.trim().to_ascii_lowercase(),
    );
    let repository = raw
        .repository
        .as_ref()
        .map(|r| repository(v, &format!("{at}.repository"), r));
    let environment = template(v, &format!("{at}.environment"), raw.environment)
        .unwrap_or_else(|| "{cluster}".to_string());
    if environment.trim().is_empty() {
        v.error(line, format!("{at}.environment"), "empty environment");
    }
    let mut url = |field: &str, u: Option<Spanned<String>>| {
        let u = u?;
        v.url(
            u.referenced.line() as usize,
            &format!("{at}.{field}"),
            &u.value,
        );
        template(v, &format!("{at}.{field}"), Some(u))
    };
    let environment_url = url("environmentUrl", raw.environment_url);
    let log_url = url("logUrl", raw.log_url);
    let repository = match repository {
        Some(r) => Some(r?),
        None => None,
    };
    Some(Config {
        token: token?,
        api_url,
        host,
        repository,
        environment,
        environment_url,
        log_url,
        production_environment: raw.production_environment,
        transient_environment: raw.transient_environment,
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    // A group tells several objects: each has its own deployment.
    super::each_event(n, |e| one(c, cx, e)).await
}

/// The repository and commit of an event, when it has both on this GitHub.
fn target(c: &Config, e: &Event) -> Option<((String, String), String)> {
    let commit = git::revision_of(e).and_then(git::commit_of)?;
    let repo = c
        .repository
        .clone()
        .or_else(|| git::github_repo(e.repo.as_deref()?, &c.host))?;
    Some((repo, commit.to_string()))
}

async fn one(c: &Config, cx: &Cx<'_>, e: &Event) -> Outcome {
    if e.test {
        tracing::info!(receiver = %cx.receiver, "a test event makes no deployment");
        return Outcome::Delivered;
    }
    let Some(((owner, repo), commit)) = target(c, e) else {
        tracing::debug!(receiver = %cx.receiver, object = %e.object, event = e.kind.as_str(),
            "no commit on a GitHub repository: no deployment");
        return Outcome::Delivered;
    };
    let key = format!(
        "{}|github-deployment {owner}/{repo}|{}",
        cx.receiver, e.object
    );
    let known = cx.recall(&key).and_then(|v| Deployment::parse(&v));
    let state = progress(e);
    let token = match secret(&c.token) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let base = format!("{}/repos/{owner}/{repo}/deployments", c.api_url);
    if state == Progress::Inactive {
        // Deleted: its deployment, whatever its commit, is no longer live.
        let Some(d) = known else {
            return Outcome::Delivered;
        };
        let o = post_status(c, cx, &token, &base, d.id, e, state).await;
        if o == Outcome::Delivered {
            cx.remember(&key, None);
        }
        return o;
    }
    let d = match known {
        Some(d) if d.commit == commit => d,
        _ => {
            let body = deployment(c, e, &commit, cx.templates.render("subject", e));
            let r = match reply(post(cx, &token, &base, &body).send().await).await {
                Ok(r) => r,
                Err(o) => return o,
            };
            let o = answer(&r);
            if o != Outcome::Delivered {
                return o;
            }
            let Some(id) = r.json()["id"].as_u64() else {
                return Outcome::Refused(format!("GitHub made no deployment: {}", r.why()));
            };
            tracing::info!(receiver = %cx.receiver, object = %e.object, deployment = id,
                repository = %format!("{owner}/{repo}"), commit = %commit, "GitHub deployment created");
            let d = Deployment {
                commit,
                id,
                state: None,
            };
            // Kept before its first status: a retry posts to this one, not a new one.
            cx.remember(&key, Some(&d.to_value()));
            d
        }
    };
    if d.state == Some(state) {
        return Outcome::Delivered;
    }
    let o = post_status(c, cx, &token, &base, d.id, e, state).await;
    match &o {
        Outcome::Delivered => {
            let done = Deployment {
                state: Some(state),
                ..d
            };
            cx.remember(&key, Some(&done.to_value()));
        }
        // The deployment was deleted at GitHub: the object's next event makes a new one.
        Outcome::Refused(why) if why.starts_with("HTTP 404") => cx.remember(&key, None),
        _ => {}
    }
    o
}

/// Where the event leaves the deployment ([`git::progress`]).
fn progress(e: &Event) -> Progress {
    git::progress(e)
}

fn post(cx: &Cx<'_>, token: &str, url: &str, body: &Value) -> reqwest::RequestBuilder {
    cx.client
        .post(url)
        .bearer_auth(token)
        .header("accept", "application/vnd.github+json")
        .header("x-github-api-version", "2022-11-28")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).expect("JSON"))
}

async fn post_status(
    c: &Config,
    cx: &Cx<'_>,
    token: &str,
    base: &str,
    id: u64,
    e: &Event,
    state: Progress,
) -> Outcome {
    let body = status(c, e, state, cx.templates.render("subject", e));
    let url = format!("{base}/{id}/statuses");
    match reply(post(cx, token, &url, &body).send().await).await {
        Ok(r) => answer(&r),
        Err(o) => o,
    }
}

/// The body of `POST /repos/{owner}/{repo}/deployments`.
pub fn deployment(c: &Config, e: &Event, commit: &str, summary: String) -> Value {
    let o = &e.object;
    let mut body = json!({
        "ref": commit,
        "environment": git::fill(&c.environment, e),
        "description": cut(&summary, MAX_DESCRIPTION),
        "auto_merge": false,
        "required_contexts": [],
        "payload": {"herald": {
            "object": {"group": o.group, "kind": o.kind, "namespace": o.namespace, "name": o.name},
            "cluster": e.cluster,
        }},
    });
    if let Some(p) = c.production_environment {
        body["production_environment"] = json!(p);
    }
    if let Some(t) = c.transient_environment {
        body["transient_environment"] = json!(t);
    }
    body
}

/// The state GitHub calls a [`Progress`].
pub fn state_name(p: Progress) -> &'static str {
    match p {
        Progress::InProgress => "in_progress",
        Progress::Success => "success",
        Progress::Failure => "failure",
        Progress::Inactive => "inactive",
    }
}

/// The body of `POST /repos/{owner}/{repo}/deployments/{id}/statuses`.
pub fn status(c: &Config, e: &Event, state: Progress, summary: String) -> Value {
    let mut body = json!({
        "state": state_name(state),
        "description": cut(&summary, MAX_DESCRIPTION),
        "environment": git::fill(&c.environment, e),
        "auto_inactive": true,
    });
    if let Some(u) = &c.environment_url {
        body["environment_url"] = json!(git::fill(u, e));
    }
    if let Some(u) = &c.log_url {
        body["log_url"] = json!(git::fill(u, e));
    }
    body
}

/// GitHub's answer: 2xx taken; a rate limit waited out (`retry-after`; or
/// `x-ratelimit-remaining: 0` until `x-ratelimit-reset`; or a minute for a secondary limit
/// that says neither); the rest as [`by_status`] reads it (`409`, `422`: refused, with
/// GitHub's message).
pub fn answer(r: &Reply) -> Outcome {
    if r.ok() {
        return Outcome::Delivered;
    }
    if matches!(r.status, 403 | 429) {
        let why = r.why();
        if let Some(d) = retry_after(&r.headers) {
            return Outcome::Retry {
                after: Some(d),
                why,
            };
        }
        let exhausted = r
            .headers
            .get("x-ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "0");
        if exhausted {
            return Outcome::Retry {
                after: Some(
                    reset_at(&r.headers, "x-ratelimit-reset").unwrap_or(Duration::from_secs(60)),
                ),
                why,
            };
        }
        let message = r.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if r.status == 429 || message.contains("rate limit") {
            return Outcome::Retry {
                after: Some(Duration::from_secs(60)),
                why,
            };
        }
    }
    by_status(r, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EventKind;
    use crate::health::Health;
    use crate::store::{ObjectKey, Verdict};
    use bytes::Bytes;
    use reqwest::header::HeaderMap;

    const SHA: &str = "4f1c2a9d3e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c";

    fn config() -> Config {
        Config {
            token: Secret::Env("GITHUB_TOKEN".into()),
            api_url: API_URL.into(),
            host: "github.com".into(),
            repository: None,
            environment: "{cluster}/{namespace}/{name}".into(),
            environment_url: Some("https://grafana.example.com/d/{namespace}".into()),
            log_url: None,
            production_environment: Some(true),
            transient_environment: None,
        }
    }

    fn event(kind: EventKind, health: Health) -> Event {
        let v = Verdict {
            health,
            ready: health == Health::Healthy,
            status: "HealthCheckFailed".into(),
            revision: Some(format!("main@sha1:{SHA}")),
            suspended: false,
            sync: None,
            from_children: false,
        };
        Event {
            id: "e1".into(),
            kind,
            cluster: "prod".into(),
            object: ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "apps",
                "web",
            ),
            at: "2026-11-23T12:00:00Z".parse().unwrap(),
            from: None,
            to: Some(v),
            message: "x".repeat(500),
            children: Vec::new(),
            via: None,
            labels: Default::default(),
            annotations: Default::default(),
            test: false,
            repo: Some("git@github.com:acme/apps.git".into()),
            attempted: None,
            warnings: Vec::new(),
            affected: Vec::new(),
            affected_more: 0,
            change: None,
        }
    }

    #[test]
    fn a_deployment_names_the_commit_environment_and_object() {
        let c = config();
        let e = event(EventKind::Revision, Health::Healthy);
        assert_eq!(
            target(&c, &e),
            Some((("acme".into(), "apps".into()), SHA.into()))
        );
        let d = deployment(&c, &e, SHA, "y".repeat(300));
        assert_eq!(d["ref"], SHA);
        assert_eq!(d["environment"], "prod/apps/web");
        assert_eq!(d["auto_merge"], false);
        assert_eq!(d["required_contexts"], json!([]));
        assert_eq!(d["production_environment"], true);
        assert!(d.get("transient_environment").is_none());
        assert_eq!(d["payload"]["herald"]["object"]["name"], "web");
        assert_eq!(d["payload"]["herald"]["cluster"], "prod");
        assert_eq!(
            d["description"].as_str().unwrap().chars().count(),
            MAX_DESCRIPTION
        );
    }

    #[test]
    fn statuses_follow_the_trouble_and_the_recovery() {
        let c = config();
        let bad = event(EventKind::Unhealthy, Health::Unhealthy);
        let s = status(&c, &bad, progress(&bad), "z".repeat(200));
        assert_eq!(s["state"], "failure");
        assert_eq!(s["auto_inactive"], true);
        assert_eq!(s["environment_url"], "https://grafana.example.com/d/apps");
        assert!(s.get("log_url").is_none());
        assert_eq!(
            s["description"].as_str().unwrap().chars().count(),
            MAX_DESCRIPTION
        );
        let ok = event(EventKind::Recovered, Health::Healthy);
        assert_eq!(
            status(&c, &ok, progress(&ok), "ok".into())["state"],
            "success"
        );
        let wait = event(EventKind::Unknown, Health::Unknown);
        assert_eq!(
            status(&c, &wait, progress(&wait), "w".into())["state"],
            "in_progress"
        );
    }

    #[test]
    fn no_deployment_without_a_commit_on_this_github() {
        let c = config();
        let mut chart = event(EventKind::Revision, Health::Healthy);
        chart.to.as_mut().unwrap().revision = Some("6.7.1".into());
        assert_eq!(target(&c, &chart), None);
        let mut elsewhere = event(EventKind::Revision, Health::Healthy);
        elsewhere.repo = Some("https://gitlab.com/acme/apps.git".into());
        assert_eq!(target(&c, &elsewhere), None);
        // A configured repository takes any commit.
        let c = Config {
            repository: Some(("acme".into(), "deploys".into())),
            ..config()
        };
        assert_eq!(
            target(&c, &elsewhere),
            Some((("acme".into(), "deploys".into()), SHA.into()))
        );
    }

    fn answer_of(status: u16, headers: &[(&'static str, String)], body: &str) -> Outcome {
        let mut h = HeaderMap::new();
        for (k, v) in headers {
            h.insert(*k, v.parse().unwrap());
        }
        answer(&Reply {
            status,
            headers: h,
            body: Bytes::from(body.to_string()),
        })
    }

    #[test]
    fn rate_limits_are_waited_out_and_mistakes_refused() {
        assert_eq!(answer_of(201, &[], r#"{"id": 1}"#), Outcome::Delivered);
        let reset = (jiff::Timestamp::now().as_second() + 20).to_string();
        match answer_of(
            403,
            &[
                ("x-ratelimit-remaining", "0".into()),
                ("x-ratelimit-reset", reset),
            ],
            r#"{"message": "API rate limit exceeded for user ID 1."}"#,
        ) {
            Outcome::Retry { after: Some(d), .. } => {
                assert!(
                    d <= Duration::from_secs(20) && d >= Duration::from_secs(18),
                    "{d:?}"
                )
            }
            o => panic!("{o:?}"),
        }
        assert!(matches!(
            answer_of(403, &[("retry-after", "30".into())], r#"{"message": "You have exceeded a secondary rate limit."}"#),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(30)
        ));
        assert!(matches!(
            answer_of(403, &[], r#"{"message": "You have exceeded a secondary rate limit."}"#),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(60)
        ));
        assert!(matches!(
            answer_of(403, &[("x-ratelimit-remaining", "4999".into())], r#"{"message": "Resource not accessible by integration"}"#),
            Outcome::Refused(w) if w.contains("Resource not accessible")
        ));
        assert!(matches!(
            answer_of(409, &[], r#"{"message": "Conflict merging main into topic."}"#),
            Outcome::Refused(w) if w.contains("409") && w.contains("Conflict merging")
        ));
        assert!(matches!(
            answer_of(422, &[], r#"{"message": "No ref found for: 4f1c2a9"}"#),
            Outcome::Refused(w) if w.contains("No ref found")
        ));
        assert!(matches!(
            answer_of(502, &[], "bad gateway"),
            Outcome::Retry { after: None, .. }
        ));
    }
}

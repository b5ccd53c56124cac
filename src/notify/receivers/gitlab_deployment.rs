//! GitLab deployments (REST API v4): one deployment per new revision of an object on the
//! commit it applies, in the project it applies from (`POST /projects/:id/deployments`), its
//! status then following the object (`PUT /projects/:id/deployments/:deployment_id`):
//! `running` while it reconciles, `success` once ready and healthy, `failed` when it fails.
//! GitLab does not take a deployment back to `running` once it finished, nor a status it
//! already has: herald skips those. The deployment's id is remembered per object (with its
//! commit), across restarts and leaders.

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{Value, json};

use super::git::{self, Deployment, Progress};
use super::github_deployment::{api_url, template, token};
use super::{Cx, Reply, by_status, reply, reset_at, retry_after, secret};
use crate::config::{Secret, Spanned, Validator};
use crate::notify::{Event, Notification, Outcome};

pub const API_URL: &str = "https://gitlab.com";

/// `gitlabDeployment:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    token_file: Option<PathBuf>,
    token_env: Option<String>,
    api_url: Option<Spanned<String>>,
    host: Option<Spanned<String>>,
    project: Option<Spanned<String>>,
    environment: Option<Spanned<String>>,
    #[serde(rename = "ref")]
    reference: Option<Spanned<String>>,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub token: Secret,
    /// GitLab's base URL (without `/api/v4` or a trailing `/`).
    pub api_url: String,
    pub host: String,
    /// Every deployment in this project (an id or a path), instead of the object's own.
    pub project: Option<String>,
    /// A template ([`git::fill`]).
    pub environment: String,
    /// The ref when the revision names none (Argo CD's bare SHA): by default, the commit.
    pub reference: Option<String>,
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let at = format!("{at}.gitlabDeployment");
    let token = token(
        v,
        line,
        &at,
        raw.token_file,
        raw.token_env,
        "an access token with the api scope",
    );
    let api_url = api_url(v, line, &format!("{at}.apiUrl"), raw.api_url, API_URL);
    let host = raw.host.map_or_else(
        || git::host_of(&api_url),
        |h| h.value.trim().to_ascii_lowercase(),
    );
    let project = raw.project.map(|p| {
        let value = p.value.trim().trim_matches('/').to_string();
        if value.is_empty() {
            v.error(
                p.referenced.line() as usize,
                format!("{at}.project"),
                "empty project",
            );
        }
        value
    });
    let environment = template(v, &format!("{at}.environment"), raw.environment)
        .unwrap_or_else(|| "{cluster}".to_string());
    if environment.trim().is_empty() {
        v.error(line, format!("{at}.environment"), "empty environment");
    }
    Some(Config {
        token: token?,
        api_url,
        host,
        project,
        environment,
        reference: raw.reference.map(|r| r.value),
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    super::each_event(n, |e| one(c, cx, e)).await
}

/// The project, commit and revision of an event, when it has them on this GitLab.
fn target<'e>(c: &Config, e: &'e Event) -> Option<(String, String, &'e str)> {
    let revision = git::revision_of(e)?;
    let commit = git::commit_of(revision)?;
    let project = c
        .project
        .clone()
        .or_else(|| git::gitlab_project(e.repo.as_deref()?, &c.host))?;
    Some((project, commit, revision))
}

/// GitLab's name for a [`Progress`] (None: no such status, a deletion).
pub fn status_name(p: Progress) -> Option<&'static str> {
    match p {
        Progress::InProgress => Some("running"),
        Progress::Success => Some("success"),
        Progress::Failure => Some("failed"),
        Progress::Inactive => None,
    }
}

/// Whether GitLab takes a deployment from `last` to `next`: not to the status it has, and
/// not back to `running` once it finished.
pub fn moves(last: Option<Progress>, next: Progress) -> bool {
    match (last, next) {
        (_, Progress::Inactive) => false,
        (Some(l), n) if l == n => false,
        (Some(Progress::Success | Progress::Failure), Progress::InProgress) => false,
        _ => true,
    }
}

async fn one(c: &Config, cx: &Cx<'_>, e: &Event) -> Outcome {
    if e.test {
        tracing::info!(receiver = %cx.receiver, "a test event makes no deployment");
        return Outcome::Delivered;
    }
    let Some((project, commit, revision)) = target(c, e) else {
        tracing::debug!(receiver = %cx.receiver, object = %e.object, event = e.kind.as_str(),
            "no commit on a GitLab project: no deployment");
        return Outcome::Delivered;
    };
    let key = format!("{}|gitlab-deployment {project}|{}", cx.receiver, e.object);
    let known = cx.recall(&key).and_then(|v| Deployment::parse(&v));
    let state = git::progress(e);
    if state == Progress::Inactive {
        // GitLab has no status for a deployment that is gone: forget it.
        if known.is_some() {
            cx.remember(&key, None);
        }
        return Outcome::Delivered;
    }
    let token = match secret(&c.token) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let base = format!(
        "{}/api/v4/projects/{}/deployments",
        c.api_url,
        git::encode_path_segment(&project)
    );
    let status = status_name(state).expect("not inactive");
    match known {
        Some(d) if d.commit == commit => {
            if !moves(d.state, state) {
                return Outcome::Delivered;
            }
            let req = cx
                .client
                .put(format!("{base}/{}", d.id))
                .header("private-token", &token)
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&json!({"status": status})).expect("JSON"));
            let o = match reply(req.send().await).await {
                Ok(r) => answer(&r),
                Err(o) => return o,
            };
            match &o {
                Outcome::Delivered => {
                    let done = Deployment {
                        state: Some(state),
                        ..d
                    };
                    cx.remember(&key, Some(&done.to_value()));
                }
                // Deleted at GitLab: the object's next event makes a new one.
                Outcome::Refused(why) if why.starts_with("HTTP 404") => cx.remember(&key, None),
                _ => {}
            }
            o
        }
        _ => {
            let body = deployment(c, e, &commit, revision, status);
            let req = cx
                .client
                .post(&base)
                .header("private-token", &token)
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).expect("JSON"));
            let r = match reply(req.send().await).await {
                Ok(r) => r,
                Err(o) => return o,
            };
            let o = answer(&r);
            if o != Outcome::Delivered {
                return o;
            }
            let Some(id) = r.json()["id"].as_u64() else {
                return Outcome::Refused(format!("GitLab made no deployment: {}", r.why()));
            };
            tracing::info!(receiver = %cx.receiver, object = %e.object, deployment = id,
                project = %project, commit = %commit, "GitLab deployment created");
            let d = Deployment {
                commit: commit.to_string(),
                id,
                state: Some(state),
            };
            cx.remember(&key, Some(&d.to_value()));
            Outcome::Delivered
        }
    }
}

/// The body of `POST /projects/:id/deployments`: the ref is the revision's branch or tag, else
/// the configured `ref`, else the commit.
pub fn deployment(c: &Config, e: &Event, commit: &str, revision: &str, status: &str) -> Value {
    let (reference, tag) = git::ref_of(revision)
        .map(|(r, t)| (r.to_string(), t))
        .or_else(|| c.reference.clone().map(|r| (r, false)))
        .unwrap_or_else(|| (commit.to_string(), false));
    json!({
        "environment": git::fill(&c.environment, e),
        "sha": commit,
        "ref": reference,
        "tag": tag,
        "status": status,
    })
}

/// GitLab's answer: 2xx taken; `429` waited out (`Retry-After`, else `RateLimit-Reset`); the
/// rest as [`by_status`] reads it (`400`, `401`, `403`, `404`: refused with GitLab's message).
pub fn answer(r: &Reply) -> Outcome {
    if r.status == 429 {
        let wait = retry_after(&r.headers)
            .or_else(|| reset_at(&r.headers, "ratelimit-reset"))
            .unwrap_or(Duration::from_secs(60));
        return by_status(r, Some(wait));
    }
    by_status(r, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EventKind;
    use crate::health::Health;
    use crate::store::{ObjectKey, Verdict};

    const SHA: &str = "4f1c2a9d3e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c";

    fn config() -> Config {
        Config {
            token: Secret::Env("GITLAB_TOKEN".into()),
            api_url: API_URL.into(),
            host: "gitlab.com".into(),
            project: None,
            environment: "{cluster}".into(),
            reference: None,
        }
    }

    fn event(revision: &str) -> Event {
        Event {
            id: "e1".into(),
            kind: EventKind::Revision,
            cluster: "prod".into(),
            object: ObjectKey::new("argoproj.io", "Application", "argocd", "shop"),
            at: "2026-11-23T12:00:00Z".parse().unwrap(),
            from: None,
            to: Some(Verdict {
                health: Health::Healthy,
                ready: true,
                status: "Healthy".into(),
                revision: Some(revision.into()),
                suspended: false,
                sync: Some("Synced".into()),
                from_children: false,
            }),
            message: String::new(),
            children: Vec::new(),
            via: None,
            labels: Default::default(),
            annotations: Default::default(),
            test: false,
            repo: Some("https://gitlab.com/acme/platform/shop.git".into()),
            attempted: None,
            warnings: Vec::new(),
            affected: Vec::new(),
            affected_more: 0,
            change: None,
        }
    }

    #[test]
    fn a_deployment_names_the_project_commit_and_ref() {
        let c = config();
        let flux = event(&format!("main@sha1:{SHA}"));
        let (project, commit, revision) = target(&c, &flux).unwrap();
        assert_eq!(
            (project.as_str(), commit.as_str()),
            ("acme/platform/shop", SHA)
        );
        let d = deployment(&c, &flux, &commit, revision, "success");
        assert_eq!(
            d,
            json!({"environment": "prod", "sha": SHA, "ref": "main", "tag": false, "status": "success"})
        );
        // Argo CD's bare SHA: the configured ref, else the commit.
        let argo = event(SHA);
        assert_eq!(deployment(&c, &argo, SHA, SHA, "running")["ref"], SHA);
        let c = Config {
            reference: Some("production".into()),
            ..config()
        };
        assert_eq!(
            deployment(&c, &argo, SHA, SHA, "running")["ref"],
            "production"
        );
        let tagged = event(&format!("refs/tags/v1.2.0@sha1:{SHA}"));
        let d = deployment(
            &c,
            &tagged,
            SHA,
            &format!("refs/tags/v1.2.0@sha1:{SHA}"),
            "failed",
        );
        assert_eq!(
            (d["ref"].as_str(), d["tag"].as_bool()),
            (Some("v1.2.0"), Some(true))
        );
    }

    #[test]
    fn statuses_move_as_gitlab_allows() {
        use Progress::*;
        assert_eq!(status_name(InProgress), Some("running"));
        assert_eq!(status_name(Failure), Some("failed"));
        assert!(moves(None, InProgress));
        assert!(moves(Some(InProgress), Success));
        assert!(moves(Some(Success), Failure));
        assert!(moves(Some(Failure), Success));
        assert!(!moves(Some(Success), Success));
        assert!(!moves(Some(Failure), InProgress));
        assert!(!moves(Some(Success), Inactive));
    }

    #[test]
    fn rate_limits_wait_and_mistakes_are_refused() {
        let reply = |status, h: &[(&'static str, &str)], body: &str| {
            let mut headers = reqwest::header::HeaderMap::new();
            for (k, v) in h {
                headers.insert(*k, v.parse().unwrap());
            }
            Reply {
                status,
                headers,
                body: bytes::Bytes::from(body.to_string()),
            }
        };
        assert!(matches!(
            answer(&reply(429, &[("retry-after", "3")], "Retry later")),
            Outcome::Retry { after: Some(d), .. } if d == Duration::from_secs(3)
        ));
        let reset = (jiff::Timestamp::now().as_second() + 10).to_string();
        assert!(matches!(
            answer(&reply(429, &[("ratelimit-reset", &reset)], "Retry later")),
            Outcome::Retry { after: Some(d), .. } if d <= Duration::from_secs(10) && d >= Duration::from_secs(8)
        ));
        assert!(matches!(
            answer(&reply(400, &[], r#"{"message": {"sha": ["is invalid"]}}"#)),
            Outcome::Refused(w) if w.contains("is invalid")
        ));
        assert!(matches!(
            answer(&reply(401, &[], r#"{"message": "401 Unauthorized"}"#)),
            Outcome::Refused(_)
        ));
    }
}

//! GitLab pipeline triggers (`POST /api/v4/projects/:id/trigger/pipeline`): each event runs a
//! pipeline of one configured project on one ref, with the event in `HERALD_*` variables, for
//! a mitigation written as a GitLab CI job; the route chooses which events do. GitLab answers
//! `201` with the pipeline. The trigger token travels in the body: the body is never logged.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::git;
use super::github_deployment::{api_url, token};
use super::gitlab_deployment::{API_URL, answer};
use super::{Cx, cut, secret};
use crate::config::{Secret, Spanned, Validator};
use crate::notify::{Event, Notification, Outcome};

/// The longest message herald puts in `HERALD_MESSAGE`.
pub const MAX_MESSAGE: usize = 4000;

/// `gitlabPipeline:` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Raw {
    project: Spanned<String>,
    #[serde(rename = "ref")]
    reference: Spanned<String>,
    token_file: Option<PathBuf>,
    token_env: Option<String>,
    api_url: Option<Spanned<String>>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// An id or a path (`acme/ops`).
    pub project: String,
    pub reference: String,
    /// The trigger token.
    pub token: Secret,
    pub api_url: String,
    /// Sent with every pipeline, besides herald's.
    pub variables: BTreeMap<String, String>,
}

pub(crate) fn check(raw: Raw, v: &mut Validator, at: &str, line: usize) -> Option<Config> {
    let at = format!("{at}.gitlabPipeline");
    let token = token(
        v,
        line,
        &at,
        raw.token_file,
        raw.token_env,
        "the project's pipeline trigger token",
    );
    let project = raw.project.value.trim().trim_matches('/').to_string();
    if project.is_empty() {
        v.error(
            raw.project.referenced.line() as usize,
            format!("{at}.project"),
            "empty project",
        );
    }
    if raw.reference.value.trim().is_empty() {
        v.error(
            raw.reference.referenced.line() as usize,
            format!("{at}.ref"),
            "empty ref: name the branch or tag to run the pipeline on",
        );
    }
    for name in raw.variables.keys() {
        let ok = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with("HERALD_");
        if !ok {
            v.error(
                line,
                format!("{at}.variables"),
                format!("{name:?}: a variable's name is letters, digits and _, not HERALD_…"),
            );
        }
    }
    let api_url = api_url(v, line, &format!("{at}.apiUrl"), raw.api_url, API_URL);
    Some(Config {
        project,
        reference: raw.reference.value,
        token: token?,
        api_url,
        variables: raw.variables,
    })
}

pub async fn deliver(c: &Config, cx: &Cx<'_>, n: &Notification) -> Outcome {
    let token = match secret(&c.token) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let url = format!(
        "{}/api/v4/projects/{}/trigger/pipeline",
        c.api_url,
        git::encode_path_segment(&c.project)
    );
    // A group: one pipeline per event, in order.
    super::each_event(n, |e| {
        let mut body = trigger(c, e, cx.templates.render("subject", e));
        body["token"] = json!(token);
        let req = cx
            .client
            .post(&url)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(&body).expect("JSON"));
        super::exchange(req, answer)
    })
    .await
}

/// The body of a trigger, without its token: the ref and the variables (the configured ones,
/// then herald's `HERALD_*`).
pub fn trigger(c: &Config, e: &Event, summary: String) -> Value {
    let o = &e.object;
    let to = e.to.as_ref();
    let mut vars: Map<String, Value> = c
        .variables
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let reference = if o.namespace.is_empty() {
        format!("{} {}", o.kind, o.name)
    } else {
        format!("{} {}/{}", o.kind, o.namespace, o.name)
    };
    for (k, v) in [
        ("HERALD_EVENT", git::event_name(e).to_string()),
        ("HERALD_ID", e.id.clone()),
        ("HERALD_CLUSTER", e.cluster.clone()),
        ("HERALD_OBJECT", reference),
        ("HERALD_GROUP", o.group.to_string()),
        ("HERALD_KIND", o.kind.to_string()),
        ("HERALD_NAMESPACE", o.namespace.to_string()),
        ("HERALD_NAME", o.name.to_string()),
        (
            "HERALD_HEALTH",
            to.map(|v| v.health.to_string()).unwrap_or_default(),
        ),
        (
            "HERALD_STATUS",
            to.map(|v| v.status.clone()).unwrap_or_default(),
        ),
        (
            "HERALD_REVISION",
            to.and_then(|v| v.revision.clone()).unwrap_or_default(),
        ),
        ("HERALD_REPO", e.repo.clone().unwrap_or_default()),
        ("HERALD_MESSAGE", cut(&e.message, MAX_MESSAGE)),
        ("HERALD_SUMMARY", summary),
    ] {
        vars.insert(k.to_string(), json!(v));
    }
    json!({"ref": c.reference, "variables": vars})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EventKind;
    use crate::health::Health;
    use crate::store::{ObjectKey, Verdict};

    #[test]
    fn a_trigger_carries_the_event_in_variables_and_no_token() {
        let c = Config {
            project: "acme/ops".into(),
            reference: "main".into(),
            token: Secret::Env("TRIGGER".into()),
            api_url: API_URL.into(),
            variables: [("RUNBOOK".to_string(), "scale-up".to_string())].into(),
        };
        let e = Event {
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
                revision: None,
                suspended: false,
                sync: None,
                from_children: false,
            }),
            message: "m".repeat(5000),
            children: Vec::new(),
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
        };
        let b = trigger(&c, &e, "summary".into());
        assert_eq!(b["ref"], "main");
        assert!(b.get("token").is_none());
        let v = &b["variables"];
        assert_eq!(v["RUNBOOK"], "scale-up");
        assert_eq!(v["HERALD_EVENT"], "unhealthy");
        assert_eq!(v["HERALD_OBJECT"], "Kustomization apps/web");
        assert_eq!(v["HERALD_HEALTH"], "unhealthy");
        assert_eq!(v["HERALD_REVISION"], "");
        assert_eq!(
            v["HERALD_MESSAGE"].as_str().unwrap().chars().count(),
            MAX_MESSAGE
        );
        assert!(v.as_object().unwrap().values().all(Value::is_string));
    }
}

//! GitHub commit statuses: the trouble (`failure`) and the recovery (`success`) arrive on the
//! commit the Kustomization applies, in its repository (from its GitRepository's URL), under
//! one context for the object in its cluster; GitHub's primary rate limit (403,
//! `x-ratelimit-remaining: 0`, a reset time) is waited out, not retried hot; the token stays
//! out of the log.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{Fake, REVISION, Reply, Request, Story};

const TOKEN: &str = "ghp_0123456789abcdefSECRETabcdef0123456789";

fn sha() -> &'static str {
    REVISION.rsplit_once("sha1:").unwrap().1
}

/// What `POST /repos/{owner}/{repo}/statuses/{sha}` checks, with GitHub's answers.
fn github(r: &Request) -> Result<Value, Reply> {
    let Some(rest) = r.path.strip_prefix("/repos/") else {
        return Err(Reply::json(404, json!({"message": "Not Found"})));
    };
    let parts: Vec<&str> = rest.split('/').collect();
    if r.method != "POST" || parts.len() != 4 || parts[2] != "statuses" {
        return Err(Reply::json(404, json!({"message": "Not Found"})));
    }
    if r.header("authorization") != format!("Bearer {TOKEN}") {
        return Err(Reply::json(
            401,
            json!({"message": "Bad credentials",
            "documentation_url": "https://docs.github.com/rest"}),
        ));
    }
    if !r.header("accept").contains("application/vnd.github") {
        return Err(Reply::json(
            415,
            json!({"message": "Unsupported media type"}),
        ));
    }
    if r.header("x-github-api-version") != "2022-11-28" {
        return Err(Reply::json(400, json!({"message": "Invalid API version"})));
    }
    // The repositories the token may write: the Kustomization's and the Application's.
    if parts[0] != "acme" || !["apps", "shop"].contains(&parts[1]) {
        return Err(Reply::json(404, json!({"message": "Not Found"})));
    }
    let invalid = |field: &str| {
        Reply::json(
            422,
            json!({"message": "Validation Failed",
            "errors": [{"resource": "Status", "field": field, "code": "invalid"}],
            "documentation_url": "https://docs.github.com/rest/commits/statuses#create-a-commit-status"}),
        )
    };
    if parts[3].len() != 40 || !parts[3].chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(Reply::json(
            422,
            json!({"message": "No commit found for SHA: x"}),
        ));
    }
    let b = r.json();
    if !["error", "failure", "pending", "success"].contains(&b["state"].as_str().unwrap_or("")) {
        return Err(invalid("state"));
    }
    if b["description"]
        .as_str()
        .is_some_and(|d| d.chars().count() > 140)
    {
        return Err(invalid("description"));
    }
    if !b["context"].is_string() && b.get("context").is_some() {
        return Err(invalid("context"));
    }
    if b.get("target_url").is_some_and(|u| !u.is_string()) {
        return Err(invalid("target_url"));
    }
    Ok(b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verdict_lands_on_the_commit_and_a_rate_limit_is_waited_out() {
    let times: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let t = Arc::clone(&times);
    let (fake, addr) = Fake::start(move |r, i| {
        t.lock().unwrap().push(Instant::now());
        let b = match github(r) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        if i == 0 {
            let reset = jiff::Timestamp::now().as_second() + 1;
            return Reply::json(
                403,
                json!({"message": "API rate limit exceeded for installation ID 1.",
                       "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}),
            )
            .with("x-ratelimit-limit", "5000")
            .with("x-ratelimit-remaining", "0")
            .with("x-ratelimit-reset", &reset.to_string());
        }
        Reply::json(201, json!({"id": i, "state": b["state"], "context": b["context"],
                                "description": b["description"], "target_url": b["target_url"]}))
    })
    .await;
    let story = Story::start(
        "github",
        &format!(
            "    github: {{apiUrl: \"http://{addr}\", tokenEnv: GITHUB_TOKEN, host: github.com}}"
        ),
        &["unhealthy", "recovered"],
        &[("GITHUB_TOKEN", TOKEN)],
    )
    .await;
    story.break_it();
    story
        .until("the failure status", |_| !fake.accepted().is_empty())
        .await;
    let all = fake.all();
    assert_eq!(all[0].1, 403, "the first was rate limited");
    let times = times.lock().unwrap().clone();
    assert!(
        times[1] - times[0] >= Duration::from_millis(900),
        "the rate limit was not waited out: {:?}",
        times[1] - times[0]
    );
    let failure = &fake.accepted()[0];
    assert_eq!(failure.path, format!("/repos/acme/apps/statuses/{}", sha()));
    let b = failure.json();
    assert_eq!(b["state"], "failure");
    assert_eq!(b["context"], "herald/e2e/Kustomization/apps/web");
    assert!(
        b["description"]
            .as_str()
            .unwrap()
            .starts_with("unhealthy (HealthCheckFailed)"),
        "{b}"
    );
    story.fix_it();
    story
        .until("the success status", |_| {
            fake.accepted()
                .iter()
                .any(|r| r.json()["state"] == "success")
        })
        .await;
    let success = fake
        .accepted()
        .into_iter()
        .find(|r| r.json()["state"] == "success")
        .unwrap();
    assert_eq!(success.path, failure.path, "the same commit");
    assert_eq!(success.json()["context"], b["context"], "the same context");
    // A new commit fails to build: its failure lands on it, not on the commit still applied.
    let newer = "0123456789abcdef0123456789abcdef01234567";
    let mut failing = super::ks("web", false, super::REVISION);
    failing["status"]["lastAttemptedRevision"] = format!("main@sha1:{newer}").into();
    failing["status"]["conditions"][0]["reason"] = "BuildFailed".into();
    story.server.apply(failing).unwrap();
    story
        .until("the failure on the new commit", |_| {
            fake.accepted()
                .iter()
                .any(|r| r.path == format!("/repos/acme/apps/statuses/{newer}"))
        })
        .await;
    let on_new = fake
        .accepted()
        .into_iter()
        .find(|r| r.path.ends_with(newer))
        .unwrap();
    assert_eq!(on_new.json()["state"], "failure");
    story.assert_secret_absent(TOKEN);
}

/// An Argo CD Application at `revision`, healthy or degraded, from github.com/acme/shop.
fn application(healthy: bool, revision: &str) -> Value {
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": "shop", "namespace": "argocd"},
        "spec": {"project": "default",
                 "source": {"repoURL": "git@github.com:acme/shop.git", "path": "deploy",
                            "targetRevision": "HEAD"},
                 "destination": {"server": "https://kubernetes.default.svc", "namespace": "shop"}},
        "status": {"sync": {"status": "Synced", "revision": revision},
                   "health": if healthy { json!({"status": "Healthy"}) }
                             else { json!({"status": "Degraded", "message": "Deployment shop/api: 0 of 3 ready"}) }}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_argo_cd_applications_verdict_lands_on_its_synced_commit() {
    let (fake, addr) = Fake::start(|r, i| match github(r) {
        Ok(b) => Reply::json(
            201,
            json!({"id": i, "state": b["state"], "context": b["context"]}),
        ),
        Err(reply) => reply,
    })
    .await;
    let story = Story::start_matching(
        "github-argo",
        &format!(
            "    github: {{apiUrl: \"http://{addr}\", tokenEnv: GITHUB_TOKEN, host: github.com}}"
        ),
        "{kind: Application}",
        &["unhealthy", "recovered"],
        &[("GITHUB_TOKEN", TOKEN)],
    )
    .await;
    let sha = "89abcdef0123456789abcdef0123456789abcdef";
    story.server.apply(application(true, sha)).unwrap();
    story
        .until("herald seeing the Application", |s| {
            s.logs().contains("argocd/shop")
        })
        .await;
    story.server.apply(application(false, sha)).unwrap();
    story
        .until("the failure status", |_| !fake.accepted().is_empty())
        .await;
    let failure = fake.accepted()[0].clone();
    assert_eq!(failure.path, format!("/repos/acme/shop/statuses/{sha}"));
    assert_eq!(failure.json()["state"], "failure");
    assert_eq!(
        failure.json()["context"],
        "herald/e2e/Application/argocd/shop"
    );
    story.server.apply(application(true, sha)).unwrap();
    story
        .until("the success status", |_| {
            fake.accepted()
                .iter()
                .any(|r| r.json()["state"] == "success")
        })
        .await;
    story.assert_secret_absent(TOKEN);
}

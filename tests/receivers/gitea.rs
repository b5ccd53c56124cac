//! Gitea/Forgejo commit statuses: `failure` then `success` on the commit, one context; a 429
//! with `Retry-After` is waited out; `Authorization: token …` never shows in the log.

use serde_json::{Value, json};

use super::{Fake, REVISION, Reply, Request, Story};

const TOKEN: &str = "0123456789abcdefSECRET0123456789abcdef01";

fn sha() -> &'static str {
    REVISION.rsplit_once("sha1:").unwrap().1
}

/// What `POST /api/v1/repos/{owner}/{repo}/statuses/{sha}` checks, with Gitea's answers.
fn gitea(r: &Request) -> Result<Value, Reply> {
    if r.method != "POST" || r.path != format!("/api/v1/repos/acme/apps/statuses/{}", sha()) {
        return Err(Reply::json(
            404,
            json!({"message": "The target couldn't be found.",
                                           "url": "https://git.example.com/api/swagger"}),
        ));
    }
    if r.header("authorization") != format!("token {TOKEN}") {
        return Err(Reply::json(
            401,
            json!({"message": "token is required",
                                           "url": "https://git.example.com/api/swagger"}),
        ));
    }
    if !r.header("content-type").starts_with("application/json") {
        return Err(Reply::json(
            415,
            json!({"message": "unsupported media type"}),
        ));
    }
    let b = r.json();
    let state = b["state"].as_str().unwrap_or("");
    if !["pending", "success", "error", "failure", "warning"].contains(&state) {
        return Err(Reply::json(
            422,
            json!([{"fieldNames": ["State"], "classification": "", "message": "invalid state"}]),
        ));
    }
    if !b["context"].is_string() || !b["description"].is_string() {
        return Err(Reply::json(
            422,
            json!([{"fieldNames": ["Context"], "message": "required"}]),
        ));
    }
    Ok(b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_then_success_on_the_commit() {
    let (fake, addr) = Fake::start(|r, i| {
        let b = match gitea(r) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        if i == 0 {
            return Reply::text(429, "rate limited").with("retry-after", "1");
        }
        Reply::json(
            201,
            json!({"id": i, "status": b["state"], "context": b["context"],
                                "description": b["description"]}),
        )
    })
    .await;
    let story = Story::start(
        "gitea",
        &format!(
            "    gitea: {{apiUrl: \"http://{addr}\", tokenEnv: GITEA_TOKEN, repository: acme/apps}}"
        ),
        &["unhealthy", "recovered"],
        &[("GITEA_TOKEN", TOKEN)],
    )
    .await;
    story.break_it();
    story
        .until("the failure status", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429);
    let failure = fake.accepted()[0].json();
    assert_eq!(failure["state"], "failure");
    assert_eq!(failure["context"], "herald/e2e/Kustomization/apps/web");
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
        .unwrap()
        .json();
    assert_eq!(success["context"], failure["context"]);
    story.assert_secret_absent(TOKEN);
}

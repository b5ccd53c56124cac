//! Bitbucket Cloud build statuses: `FAILED` then `SUCCESSFUL` under one `key` (a long context
//! hashed to Bitbucket's 40 characters), each with the required `url`; a 429 is waited out;
//! the access token stays out of the log.

use serde_json::{Value, json};

use super::{Fake, REVISION, Reply, Request, Story};

const TOKEN: &str = "ATCTT3xFfGN0SECRETbitbucketaccesstoken";

fn sha() -> &'static str {
    REVISION.rsplit_once("sha1:").unwrap().1
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"type": "error", "error": {"message": message}}),
    )
}

/// What `POST /2.0/repositories/{workspace}/{repo_slug}/commit/{sha}/statuses/build`
/// checks, with Bitbucket's answers.
fn bitbucket(r: &Request) -> Result<Value, Reply> {
    let want = format!(
        "/2.0/repositories/acme/apps/commit/{}/statuses/build",
        sha()
    );
    if r.method != "POST" || r.path != want {
        return Err(error(404, "Resource not found"));
    }
    if r.header("authorization") != format!("Bearer {TOKEN}") {
        return Err(error(401, "Access token expired or invalid"));
    }
    let b = r.json();
    if !["INPROGRESS", "SUCCESSFUL", "FAILED", "STOPPED"]
        .contains(&b["state"].as_str().unwrap_or(""))
    {
        return Err(error(
            400,
            "state: Value must be one of INPROGRESS, SUCCESSFUL, FAILED, STOPPED",
        ));
    }
    match b["key"].as_str() {
        Some(k) if !k.is_empty() && k.chars().count() <= 40 => {}
        _ => {
            return Err(error(
                400,
                "key: Ensure this value has at most 40 characters",
            ));
        }
    }
    match b["url"].as_str() {
        Some(u) if u.starts_with("http") => {}
        _ => return Err(error(400, "url: This field is required.")),
    }
    Ok(b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_then_successful_under_one_key() {
    let (fake, addr) = Fake::start(|r, i| {
        let b = match bitbucket(r) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        if i == 0 {
            return Reply::text(429, "Rate limit for this resource has been exceeded")
                .with("retry-after", "1");
        }
        Reply::json(
            201,
            json!({"type": "commitstatus", "key": b["key"], "state": b["state"],
                                "name": b["name"], "url": b["url"]}),
        )
    })
    .await;
    let story = Story::start(
        "bitbucket",
        &format!(
            "    bitbucket: {{apiUrl: \"http://{addr}/2.0\", tokenEnv: BB_TOKEN, host: github.com, \
             targetUrl: \"https://herald.example.com/\", contextPrefix: deploys.example.com/herald}}"
        ),
        &["unhealthy", "recovered"],
        &[("BB_TOKEN", TOKEN)],
    )
    .await;
    story.break_it();
    story
        .until("the failed status", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429);
    let failed = fake.accepted()[0].json();
    assert_eq!(failed["state"], "FAILED");
    assert_eq!(
        failed["name"],
        "deploys.example.com/herald/e2e/Kustomization/apps/web"
    );
    assert!(
        failed["key"].as_str().unwrap().starts_with("herald-"),
        "{failed}"
    );
    assert_eq!(failed["url"], "https://herald.example.com/");
    story.fix_it();
    story
        .until("the successful status", |_| {
            fake.accepted()
                .iter()
                .any(|r| r.json()["state"] == "SUCCESSFUL")
        })
        .await;
    let ok = fake
        .accepted()
        .into_iter()
        .find(|r| r.json()["state"] == "SUCCESSFUL")
        .unwrap()
        .json();
    assert_eq!(ok["key"], failed["key"], "the same status, moved on");
    story.assert_secret_absent(TOKEN);
}

//! Azure DevOps commit statuses: `failed` then `succeeded`, one context (`genre` the prefix,
//! `name` the object in its cluster), Basic authentication with an empty user and the PAT,
//! a project name with a space; a 429 with `Retry-After` is waited out; the PAT stays out of
//! the log.

use serde_json::{Value, json};

use super::{Fake, REVISION, Reply, Request, Story};

const PAT: &str = "azdopatSECRET0123456789abcdefghijklmnopqrstuv";

fn sha() -> &'static str {
    REVISION.rsplit_once("sha1:").unwrap().1
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in bytes.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn error(status: u16, message: &str, key: &str) -> Reply {
    Reply::json(
        status,
        json!({"$id": "1", "innerException": null, "message": message,
        "typeName": format!("Microsoft.TeamFoundation.{key}"), "typeKey": key,
        "errorCode": 0, "eventId": 3000}),
    )
}

/// What `POST /{org}/{project}/_apis/git/repositories/{repo}/commits/{sha}/statuses` checks.
fn azure(r: &Request) -> Result<Value, Reply> {
    let want = format!(
        "/acme/Shop%20Front/_apis/git/repositories/web/commits/{}/statuses",
        sha()
    );
    if r.method != "POST" || r.path != want {
        return Err(error(
            404,
            "TF401019: The Git repository does not exist",
            "GitRepositoryNotFoundException",
        ));
    }
    if r.query.get("api-version").map(String::as_str) != Some("7.1") {
        return Err(error(
            400,
            "No api-version was supplied",
            "VssVersionNotSpecifiedException",
        ));
    }
    if r.header("authorization") != format!("Basic {}", base64(format!(":{PAT}").as_bytes())) {
        return Err(Reply::text(401, "Unauthorized"));
    }
    let b = r.json();
    if ![
        "notSet",
        "pending",
        "succeeded",
        "failed",
        "error",
        "notApplicable",
    ]
    .contains(&b["state"].as_str().unwrap_or(""))
    {
        return Err(error(400, "Invalid state", "InvalidArgumentValueException"));
    }
    if !b["context"]["name"].is_string() || !b["context"]["genre"].is_string() {
        return Err(error(
            400,
            "The context name is required",
            "InvalidArgumentValueException",
        ));
    }
    Ok(b)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_then_succeeded_under_one_context() {
    let (fake, addr) = Fake::start(|r, i| {
        let b = match azure(r) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        if i == 0 {
            return Reply::text(429, "").with("retry-after", "1");
        }
        Reply::json(
            201,
            json!({"id": i, "state": b["state"], "context": b["context"],
                                "description": b["description"]}),
        )
    })
    .await;
    let story = Story::start(
        "azure-devops",
        &format!(
            "    azureDevops: {{apiUrl: \"http://{addr}\", tokenEnv: AZDO_PAT, repository: acme/Shop Front/web}}"
        ),
        &["unhealthy", "recovered"],
        &[("AZDO_PAT", PAT)],
    )
    .await;
    story.break_it();
    story
        .until("the failed status", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429);
    let failed = fake.accepted()[0].json();
    assert_eq!(failed["state"], "failed");
    assert_eq!(
        failed["context"],
        json!({"name": "e2e/Kustomization/apps/web", "genre": "herald"})
    );
    story.fix_it();
    story
        .until("the succeeded status", |_| {
            fake.accepted()
                .iter()
                .any(|r| r.json()["state"] == "succeeded")
        })
        .await;
    let ok = fake
        .accepted()
        .into_iter()
        .find(|r| r.json()["state"] == "succeeded")
        .unwrap()
        .json();
    assert_eq!(ok["context"], failed["context"]);
    story.assert_secret_absent(PAT);
    story.assert_secret_absent(&base64(format!(":{PAT}").as_bytes()));
}

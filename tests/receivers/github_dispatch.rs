//! GitHub `repository_dispatch`: the trouble and its recovery each trigger the configured
//! repository's workflows (`herald-unhealthy`, `herald-recovered`) with the event in
//! `client_payload`; a secondary rate limit (`retry-after`) is waited out; the token stays out
//! of herald's log.

use serde_json::{Value, json};

use super::{Fake, Reply, Request, Story};

const TOKEN: &str = "github_pat_dispatchTokenNeverLogged_0123456789";

fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"message": message,
               "documentation_url": "https://docs.github.com/rest/repos/repos#create-a-repository-dispatch-event",
               "status": status.to_string()}),
    )
}

/// What GitHub checks of `POST /repos/acme/ops/dispatches`.
fn github(r: &Request) -> Reply {
    if r.header("authorization") != format!("Bearer {TOKEN}") {
        return error(401, "Bad credentials");
    }
    if r.method != "POST" || r.path != "/repos/acme/ops/dispatches" {
        return error(404, "Not Found");
    }
    if r.header("accept") != "application/vnd.github+json"
        || r.header("x-github-api-version") != "2022-11-28"
    {
        return error(400, "Unsupported API version or media type");
    }
    let b: Value = r.json();
    let Some(event_type) = b["event_type"].as_str() else {
        return error(422, "Invalid request.\n\n\"event_type\" wasn't supplied.");
    };
    if event_type.is_empty() || event_type.chars().count() > 100 {
        return error(
            422,
            "Invalid request.\n\nevent_type must be 100 characters or fewer.",
        );
    }
    if let Some(p) = b.get("client_payload") {
        let Some(p) = p.as_object() else {
            return error(422, "Invalid request.\n\nclient_payload is not an object.");
        };
        if p.len() > 10 {
            return error(
                422,
                &format!(
                    "Invalid request.\n\nNo more than 10 properties are allowed; {} were supplied.",
                    p.len()
                ),
            );
        }
    }
    Reply {
        status: 204,
        headers: Vec::new(),
        body: String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trouble_and_the_recovery_each_dispatch_an_event() {
    let (fake, addr) = Fake::start(|r, i| {
        // A secondary rate limit: GitHub says how long in retry-after.
        if i == 0 {
            return error(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")
                .with("retry-after", "1");
        }
        github(r)
    })
    .await;
    let story = Story::start(
        "github-dispatch",
        &format!(
            "    githubDispatch: {{apiUrl: \"http://{addr}\", repository: acme/ops, tokenEnv: GITHUB_TOKEN}}"
        ),
        &["unhealthy", "recovered"],
        &[("GITHUB_TOKEN", TOKEN)],
    )
    .await;
    story.break_it();
    story
        .until("the trouble dispatched", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 403, "the first was rate limited");
    let trouble = fake.accepted()[0].json();
    assert_eq!(trouble["event_type"], "herald-unhealthy");
    let p = &trouble["client_payload"];
    assert_eq!(p["event"], "unhealthy");
    assert_eq!(p["cluster"], "e2e");
    assert_eq!(p["object"]["name"], "web");
    assert_eq!(p["health"], "unhealthy");
    assert_eq!(p["status"], "HealthCheckFailed");
    assert_eq!(p["revision"], super::REVISION);
    assert_eq!(p["repo"], super::REPO_URL);
    story.fix_it();
    story
        .until("the recovery dispatched", |_| fake.accepted().len() == 2)
        .await;
    let recovery = fake.accepted()[1].json();
    assert_eq!(recovery["event_type"], "herald-recovered");
    assert_eq!(recovery["client_payload"]["health"], "healthy");
    story.assert_secret_absent(TOKEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_test_dispatches_herald_test_not_a_real_event() {
    let (fake, addr) = Fake::start(|r, _| github(r)).await;
    let dir =
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("receiver-github-dispatch-test");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("herald.yaml");
    std::fs::write(
        &config,
        format!(
            "cluster: e2e\nreceivers:\n  - name: it\n    githubDispatch: {{apiUrl: \"http://{addr}\", repository: acme/ops, tokenEnv: GITHUB_TOKEN}}\n"
        ),
    )
    .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new(crate::util::herald_bin())
            .args(["notify", "test", "--config"])
            .arg(&config)
            .arg("it")
            .env("GITHUB_TOKEN", TOKEN)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(!said.contains(TOKEN));
    let sent = fake.accepted();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["event_type"], "herald-test");
    assert_eq!(sent[0].json()["client_payload"]["event"], "test");
}

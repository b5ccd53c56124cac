//! Mattermost and Rocket.Chat incoming webhooks: the trouble and its recovery arrive as
//! Slack-style attachments; a 429 is waited out; the hook's key stays out of herald's log.

use serde_json::{Value, json};

use super::{Fake, Reply, Story};

const HOOK: &str = "xk9s3mattermosthookkey4q1w";
const ROCKET: &str = "Rkt7oken8dB3yq2PzX0vLmN5cH4sJ6gT1wE9uI0oP";

/// What both refuse: no text and no attachments, attachments of the wrong shape.
fn check(m: &Value) -> Result<(), String> {
    let text = m["text"].as_str().unwrap_or("");
    let attachments = m["attachments"].as_array().cloned().unwrap_or_default();
    if text.is_empty() && attachments.is_empty() {
        return Err("Unable to parse incoming data".into());
    }
    if text.chars().count() > 16383 {
        return Err("text too long".into());
    }
    for a in &attachments {
        for f in a["fields"].as_array().cloned().unwrap_or_default() {
            if !f["title"].is_string() || !f["short"].is_boolean() {
                return Err("bad field".into());
            }
        }
        if !a["color"].as_str().is_some_and(|c| c.starts_with('#')) {
            return Err("bad color".into());
        }
    }
    Ok(())
}

async fn story(
    name: &str,
    yaml: &str,
    path: String,
    ok: fn() -> Reply,
    refused: fn(&str) -> Reply,
) -> (Fake, Story, String) {
    let p = path.clone();
    let (fake, addr) = Fake::start(move |r, i| {
        if r.method != "POST" || r.path != p {
            return refused("not found");
        }
        if !r.header("content-type").starts_with("application/json") {
            return refused("Unable to parse incoming data");
        }
        if let Err(e) = check(&r.json()) {
            return refused(&e);
        }
        if i == 0 {
            return Reply::text(429, "limit exceeded")
                .with("retry-after", "1")
                .with("x-ratelimit-limit", "10")
                .with("x-ratelimit-remaining", "0");
        }
        ok()
    })
    .await;
    let url = format!("http://{addr}{path}");
    let story = Story::start(
        name,
        yaml,
        &["unhealthy", "recovered"],
        &[("HOOK_URL", &url)],
    )
    .await;
    (fake, story, url)
}

async fn trouble_and_recovery(fake: &Fake, story: &Story) -> (Value, Value) {
    story.break_it();
    story
        .until("the trouble", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429, "the first was rate limited");
    story.fix_it();
    story
        .until("the recovery", |_| fake.accepted().len() >= 2)
        .await;
    let a = fake.accepted();
    (a[0].json(), a[1].json())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mattermost_gets_the_trouble_and_the_recovery() {
    let (fake, story, _) = story(
        "mattermost",
        "    mattermost: {urlEnv: HOOK_URL, channel: town-square, username: herald}",
        format!("/hooks/{HOOK}"),
        || Reply::text(200, "ok"),
        |e| {
            Reply::json(
                400,
                json!({"id": "web.incoming_webhook.parse.app_error", "message": e, "status_code": 400}),
            )
        },
    )
    .await;
    let (trouble, recovery) = trouble_and_recovery(&fake, &story).await;
    assert_eq!(trouble["channel"], "town-square");
    assert_eq!(trouble["username"], "herald");
    assert!(
        trouble["text"]
            .as_str()
            .unwrap()
            .starts_with("Kustomization apps/web: unhealthy")
    );
    assert_eq!(trouble["attachments"][0]["color"], "#d73a49");
    assert_eq!(recovery["attachments"][0]["color"], "#2ea043");
    story.assert_secret_absent(HOOK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rocket_chat_gets_the_trouble_and_the_recovery() {
    let (fake, story, _) = story(
        "rocketchat",
        "    rocketchat: {urlEnv: HOOK_URL, username: herald}",
        format!("/hooks/6601d3c0ffee/{ROCKET}"),
        || Reply::json(200, json!({"success": true})),
        |e| Reply::json(400, json!({"success": false, "error": e})),
    )
    .await;
    let (trouble, recovery) = trouble_and_recovery(&fake, &story).await;
    assert_eq!(trouble["alias"], "herald");
    assert_eq!(trouble["attachments"][0]["color"], "#d73a49");
    assert!(
        recovery["text"]
            .as_str()
            .unwrap()
            .starts_with("Kustomization apps/web: recovered")
    );
    story.assert_secret_absent(ROCKET);
}

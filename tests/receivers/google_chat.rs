//! Google Chat webhooks: the trouble starts a thread, its recovery replies in it (the same
//! `threadKey`); a 429 with Google's error body is waited out; the webhook's key and token stay
//! out of herald's log.

use serde_json::{Value, json};

use super::{Fake, Reply, Story};

const KEY: &str = "AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI";
const TOKEN: &str = "g00gl3ChatT0k3n_xyzXYZ0123456789abcdefghi";

fn error(code: u16, status: &str, message: &str) -> Reply {
    Reply::json(
        code,
        json!({"error": {"code": code, "message": message, "status": status}}),
    )
}

/// What `spaces.messages.create` through a webhook refuses: neither text nor cards, text over
/// 4096 characters, over 32,000 bytes, a card without an id or sections, a bad reply option,
/// a body thread that is not the query's.
fn check(r: &super::Request) -> Result<Value, String> {
    if r.body.len() > 32_000 {
        return Err("Message too large".into());
    }
    let m = r.json();
    let text = m["text"].as_str().unwrap_or("");
    let cards = m["cardsV2"].as_array().cloned().unwrap_or_default();
    if text.is_empty() && cards.is_empty() {
        return Err("Message cannot be empty".into());
    }
    if text.chars().count() > 4096 {
        return Err("text too long".into());
    }
    for c in &cards {
        if !c["cardId"].is_string() || !c["card"]["sections"].is_array() {
            return Err("Invalid card".into());
        }
        for s in c["card"]["sections"].as_array().unwrap() {
            for w in s["widgets"].as_array().ok_or("section without widgets")? {
                let known = ["decoratedText", "textParagraph", "buttonList"];
                if !w
                    .as_object()
                    .unwrap()
                    .keys()
                    .all(|k| known.contains(&k.as_str()))
                {
                    return Err(format!("unknown widget {w}"));
                }
            }
        }
    }
    if let Some(o) = r.query.get("messageReplyOption")
        && ![
            "MESSAGE_REPLY_OPTION_UNSPECIFIED",
            "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD",
            "REPLY_MESSAGE_OR_FAIL",
        ]
        .contains(&o.as_str())
    {
        return Err(format!("Invalid value at 'message_reply_option' ({o})"));
    }
    if let Some(k) = m["thread"]["threadKey"].as_str()
        && r.query.get("threadKey").is_some_and(|q| q != k)
    {
        return Err("the thread keys differ".into());
    }
    Ok(m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recovery_replies_in_the_troubles_thread() {
    let (fake, addr) = Fake::start(|r, i| {
        if r.method != "POST" || r.path != "/v1/spaces/AAAAbCdEfG/messages" {
            return error(404, "NOT_FOUND", "Requested entity was not found.");
        }
        if r.query.get("key").map(String::as_str) != Some(KEY)
            || r.query.get("token").map(String::as_str) != Some(TOKEN)
        {
            return error(
                401,
                "UNAUTHENTICATED",
                "Request had invalid authentication credentials.",
            );
        }
        if !r.header("content-type").starts_with("application/json") {
            return error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
        }
        if let Err(e) = check(r) {
            return error(400, "INVALID_ARGUMENT", &e);
        }
        if i == 0 {
            return error(
                429,
                "RESOURCE_EXHAUSTED",
                "Resource has been exhausted (e.g. check quota).",
            );
        }
        Reply::json(
            200,
            json!({"name": format!("spaces/AAAAbCdEfG/messages/m{i}"),
                   "thread": {"name": "spaces/AAAAbCdEfG/threads/t1",
                              "threadKey": r.query.get("threadKey")}}),
        )
    })
    .await;
    let url = format!("http://{addr}/v1/spaces/AAAAbCdEfG/messages?key={KEY}&token={TOKEN}");
    let story = Story::start(
        "google-chat",
        "    googleChat: {urlEnv: GCHAT_URL}",
        &["unhealthy", "recovered"],
        &[("GCHAT_URL", &url)],
    )
    .await;
    story.break_it();
    story
        .until("the trouble's card", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429, "the first was rate limited");
    let trouble = fake.accepted()[0].clone();
    let key = trouble
        .query
        .get("threadKey")
        .cloned()
        .expect("a thread key");
    assert_eq!(
        trouble.query.get("messageReplyOption").map(String::as_str),
        Some("REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD")
    );
    let m = trouble.json();
    assert!(
        m["text"]
            .as_str()
            .unwrap()
            .starts_with("Kustomization apps/web: unhealthy"),
        "{m}"
    );
    story.fix_it();
    story
        .until("the recovery", |_| fake.accepted().len() >= 2)
        .await;
    let recovery = fake.accepted()[1].clone();
    assert_eq!(
        recovery.query.get("threadKey"),
        Some(&key),
        "the same thread"
    );
    assert!(
        recovery.json()["text"]
            .as_str()
            .unwrap()
            .starts_with("Kustomization apps/web: recovered")
    );
    story.assert_secret_absent(KEY);
    story.assert_secret_absent(TOKEN);
}

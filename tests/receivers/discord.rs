//! Discord webhooks: the trouble and its recovery arrive as embeds within Discord's limits,
//! pinging nobody; a 429 with Discord's body is waited out; the webhook's token stays out of
//! herald's log.

use serde_json::{Value, json};

use super::{Fake, Reply, Story};

const TOKEN: &str = "dIsc0rdW3bh00kT0k3n-abcdefghijklmnopqrstuvwxyz0123456789";

fn invalid(errors: &str) -> Reply {
    Reply::json(
        400,
        json!({"message": "Invalid Form Body", "code": 50035, "errors": errors}),
    )
}

/// What Discord's execute-webhook refuses (50035 Invalid Form Body): no content and no embeds,
/// more than 10 embeds, fields beyond their lengths, over 6000 characters in all.
fn check(m: &Value) -> Result<(), String> {
    let embeds = m["embeds"].as_array().cloned().unwrap_or_default();
    let content = m["content"].as_str().unwrap_or("");
    if embeds.is_empty() && content.is_empty() {
        return Err("Cannot send an empty message".into());
    }
    if content.chars().count() > 2000 || embeds.len() > 10 {
        return Err("content or embeds too long".into());
    }
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    let mut total = 0;
    for e in &embeds {
        if len(&e["title"]) > 256 || len(&e["description"]) > 4096 {
            return Err("embed title or description too long".into());
        }
        if e.get("color").is_some() && !e["color"].is_u64() {
            return Err("color must be an integer".into());
        }
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        if fields.len() > 25 {
            return Err("too many fields".into());
        }
        for f in &fields {
            if len(&f["name"]) == 0 || len(&f["name"]) > 256 {
                return Err("field name".into());
            }
            if len(&f["value"]) == 0 || len(&f["value"]) > 1024 {
                return Err("field value".into());
            }
            total += len(&f["name"]) + len(&f["value"]);
        }
        total += len(&e["title"]) + len(&e["description"]) + len(&e["footer"]["text"]);
    }
    if total > 6000 {
        return Err("Embed size exceeds maximum size of 6000".into());
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trouble_and_the_recovery_arrive_as_embeds() {
    let (fake, addr) = Fake::start(|r, i| {
        if r.method != "POST" || r.path != format!("/api/webhooks/1234567890/{TOKEN}") {
            return Reply::json(404, json!({"message": "Unknown Webhook", "code": 10015}));
        }
        if r.header("content-type") != "application/json" {
            return invalid("content-type");
        }
        let m = r.json();
        if let Err(e) = check(&m) {
            return invalid(&e);
        }
        if m["allowed_mentions"] != json!({"parse": []}) {
            return invalid("herald must not ping");
        }
        if i == 0 {
            return Reply::json(
                429,
                json!({"message": "You are being rate limited.", "retry_after": 0.35, "global": false}),
            )
            .with("retry-after", "1")
            .with("x-ratelimit-reset-after", "0.350")
            .with("x-ratelimit-scope", "user");
        }
        // `wait=true`: the message comes back.
        if r.query.get("wait").map(String::as_str) != Some("true") {
            return Reply::text(204, "");
        }
        Reply::json(200, json!({"id": format!("11{i}"), "type": 0, "embeds": m["embeds"]}))
    })
    .await;
    let url = format!("http://{addr}/api/webhooks/1234567890/{TOKEN}");
    let story = Story::start(
        "discord",
        "    discord: {urlEnv: DISCORD_URL, username: herald}",
        &["unhealthy", "recovered"],
        &[("DISCORD_URL", &url)],
    )
    .await;
    story.break_it();
    story
        .until("the trouble's embed", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429, "the first was rate limited");
    let trouble = fake.accepted()[0].json();
    assert_eq!(trouble["username"], "herald");
    let e = &trouble["embeds"][0];
    assert!(
        e["title"]
            .as_str()
            .unwrap()
            .starts_with("Kustomization apps/web: unhealthy"),
        "{e}"
    );
    assert_eq!(e["color"], 0xD73A49);
    story.fix_it();
    story
        .until("the recovery's embed", |_| fake.accepted().len() >= 2)
        .await;
    let recovery = fake.accepted()[1].json();
    assert_eq!(recovery["embeds"][0]["color"], 0x2EA043);
    story.assert_secret_absent(TOKEN);
}

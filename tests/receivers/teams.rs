//! Microsoft Teams through a Workflows webhook: the trouble and its recovery arrive as Adaptive
//! Cards in the message shape Workflows takes; a 429 is waited out; the webhook's signature
//! (the URL's secret part) stays out of herald's log.

use serde_json::{Value, json};

use super::{Fake, Reply, Story};

const SIG: &str = "sIgN4tur3-0f-th3-fl0w";

/// What the "When a Teams webhook request is received" trigger and the Post card action
/// refuse: a body over 28 KB, anything but a message with Adaptive Card attachments.
fn valid(body: &[u8]) -> Result<Value, String> {
    if body.len() > 28 * 1024 {
        return Err("RequestEntityTooLarge".into());
    }
    let m: Value = serde_json::from_slice(body).map_err(|_| "InvalidJson")?;
    if m["type"] != "message" {
        return Err("type must be message".into());
    }
    let a = m["attachments"].as_array().ok_or("no attachments")?;
    let card = &a.first().ok_or("no attachment")?;
    if card["contentType"] != "application/vnd.microsoft.card.adaptive" {
        return Err("not an Adaptive Card".into());
    }
    let c = &card["content"];
    if c["type"] != "AdaptiveCard" || !c["version"].is_string() {
        return Err("AdaptiveCard content needs type and version".into());
    }
    for b in c["body"].as_array().ok_or("card without body")? {
        let t = b["type"].as_str().ok_or("element without type")?;
        if !["TextBlock", "FactSet", "ActionSet", "Container"].contains(&t) {
            return Err(format!("unknown element {t}"));
        }
        if t == "FactSet" {
            for f in b["facts"].as_array().ok_or("FactSet without facts")? {
                if !f["title"].is_string() || !f["value"].is_string() {
                    return Err("a fact needs title and value strings".into());
                }
            }
        }
    }
    Ok(m)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trouble_and_the_recovery_arrive_as_adaptive_cards() {
    let (fake, addr) = Fake::start(|r, i| {
        if r.method != "POST"
            || r.path != "/workflows/0a1b/triggers/manual/paths/invoke"
            || r.query.get("sig").map(String::as_str) != Some(SIG)
        {
            return Reply::json(
                401,
                json!({"error": {"code": "DirectApiAuthorizationRequired", "message": "The request must be authenticated"}}),
            );
        }
        if !r.header("content-type").starts_with("application/json") {
            return Reply::json(415, json!({"error": {"code": "UnsupportedMediaType"}}));
        }
        if let Err(e) = valid(&r.body) {
            return Reply::json(400, json!({"error": {"code": "InvalidRequestContent", "message": e}}));
        }
        if i == 0 {
            return Reply::json(
                429,
                json!({"error": {"code": "WorkflowRequestsThrottled", "message": "Rate limit is exceeded."}}),
            )
            .with("retry-after", "1");
        }
        Reply::text(202, "")
    })
    .await;
    let url = format!(
        "http://{addr}/workflows/0a1b/triggers/manual/paths/invoke?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig={SIG}"
    );
    let story = Story::start(
        "teams",
        "    teams: {urlEnv: TEAMS_URL}",
        &["unhealthy", "recovered"],
        &[("TEAMS_URL", &url)],
    )
    .await;
    story.break_it();
    story
        .until("the trouble's card", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429, "the first was throttled");
    let trouble = fake.accepted()[0].json();
    let card = &trouble["attachments"][0]["content"];
    assert!(
        card["body"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Kustomization apps/web: unhealthy"),
        "{card}"
    );
    assert_eq!(card["body"][0]["color"], "Attention");
    story.fix_it();
    story
        .until("the recovery's card", |_| fake.accepted().len() >= 2)
        .await;
    let recovery = fake.accepted()[1].json();
    let card = &recovery["attachments"][0]["content"];
    assert!(
        card["body"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Kustomization apps/web: recovered"),
        "{card}"
    );
    assert_eq!(card["body"][0]["color"], "Good");
    story.assert_secret_absent(SIG);
}

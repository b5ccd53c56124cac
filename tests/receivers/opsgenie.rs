//! Opsgenie's Alert API: the trouble creates an alert under an alias, the recovery closes it
//! by that alias; a 429 is waited out; the API key stays out of herald's log.

use serde_json::{Value, json};

use super::{Fake, Reply, Story};

const KEY: &str = "3f1c2a9d-0b8e-4c5d-9e7f-a6b5c4d3e2f1";

fn unprocessable(m: &str) -> Reply {
    Reply::json(
        422,
        json!({"message": m, "took": 0.001, "requestId": "r-422"}),
    )
}

/// What `POST /v2/alerts` refuses with 422.
fn invalid_alert(b: &Value) -> Option<String> {
    let message = b["message"].as_str().unwrap_or_default();
    if message.is_empty() {
        return Some("Message can not be empty.".into());
    }
    if message.chars().count() > 130 {
        return Some("Message can not be longer than 130 characters.".into());
    }
    for (f, max) in [
        ("alias", 512),
        ("description", 15000),
        ("entity", 512),
        ("source", 100),
    ] {
        if let Some(v) = b.get(f) {
            match v.as_str() {
                Some(s) if s.chars().count() <= max => {}
                _ => return Some(format!("{f} is invalid or longer than {max} characters.")),
            }
        }
    }
    if let Some(p) = b.get("priority")
        && !["P1", "P2", "P3", "P4", "P5"].contains(&p.as_str().unwrap_or_default())
    {
        return Some("Priority should be one of [P1, P2, P3, P4, P5]".into());
    }
    if let Some(t) = b.get("tags") {
        let t = t.as_array()?;
        if t.len() > 20
            || t.iter()
                .any(|t| t.as_str().is_none_or(|s| s.chars().count() > 50))
        {
            return Some("Tags are invalid.".into());
        }
    }
    if let Some(d) = b.get("details") {
        let d = d.as_object()?;
        let total: usize = d
            .iter()
            .map(|(k, v)| k.len() + v.as_str().map_or(usize::MAX / 4, str::len))
            .sum();
        if total > 8000 {
            return Some("Details are invalid.".into());
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trouble_creates_an_alert_and_the_recovery_closes_it() {
    let (fake, addr) = Fake::start(|r, i| {
        if r.header("authorization") != format!("GenieKey {KEY}") {
            return Reply::json(401, json!({"message": "Could not authenticate", "took": 0.0, "requestId": "r-401"}));
        }
        if r.method != "POST" || !r.header("content-type").starts_with("application/json") {
            return Reply::json(400, json!({"message": "Bad request", "took": 0.0, "requestId": "r-400"}));
        }
        let b = r.json();
        if r.path == "/v2/alerts" {
            if let Some(m) = invalid_alert(&b) {
                return unprocessable(&m);
            }
        } else if let Some(alias) = r.path.strip_prefix("/v2/alerts/").and_then(|p| p.strip_suffix("/close")) {
            if r.query.get("identifierType").map(String::as_str) != Some("alias") || alias.is_empty() {
                return unprocessable("identifierType is invalid");
            }
            if b["note"].as_str().is_some_and(|n| n.chars().count() > 25000) || b["source"].as_str().is_some_and(|n| n.chars().count() > 100) {
                return unprocessable("note or source too long");
            }
        } else {
            return Reply::json(404, json!({"message": "not found", "took": 0.0, "requestId": "r-404"}));
        }
        if i == 0 {
            return Reply::json(429, json!({"message": "Request rate limit is exceeded", "took": 0.0, "requestId": "r-429"}))
                .with("retry-after", "1");
        }
        Reply::json(202, json!({"result": "Request will be processed", "took": 0.302, "requestId": format!("r-{i}")}))
    })
    .await;
    let story = Story::start(
        "opsgenie",
        &format!("    opsgenie: {{apiKeyEnv: OPSGENIE_KEY, apiUrl: \"http://{addr}\"}}"),
        &["unhealthy", "recovered"],
        &[("OPSGENIE_KEY", KEY)],
    )
    .await;
    story.break_it();
    story
        .until("the alert created", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429, "the first was rate limited");
    let created = fake.accepted()[0].clone();
    assert_eq!(created.path, "/v2/alerts");
    let alert = created.json();
    assert_eq!(alert["priority"], "P1");
    assert_eq!(alert["entity"], "Kustomization apps/web");
    assert!(
        alert["message"].as_str().unwrap().contains("apps/web"),
        "{alert}"
    );
    let alias = alert["alias"].as_str().unwrap().to_string();
    story.fix_it();
    story
        .until("the alert closed", |_| {
            fake.accepted().iter().any(|r| r.path.ends_with("/close"))
        })
        .await;
    let close = fake
        .accepted()
        .into_iter()
        .find(|r| r.path.ends_with("/close"))
        .unwrap();
    assert_eq!(close.path, format!("/v2/alerts/{alias}/close"));
    assert_eq!(close.json()["source"], "herald/e2e");
    assert!(
        close.json()["note"].as_str().unwrap().contains("recovered"),
        "{}",
        close.text()
    );
    story.assert_secret_absent(KEY);
}

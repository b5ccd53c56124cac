//! Alertmanager's v2 alerts API: the trouble fires `HeraldObjectUnhealthy`, the recovery
//! resolves it with the same labels; a 429 is waited out. (The real Alertmanager is driven in
//! `notify_e2e`; this fake shows the harness every receiver's test uses.)

use serde_json::{Value, json};

use super::{Fake, Reply, Story};

/// What Alertmanager's `POST /api/v2/alerts` refuses: anything but a JSON list of alerts with
/// a non-empty `labels` object of strings and RFC 3339 times.
fn valid(body: &Value) -> Result<(), String> {
    let alerts = body.as_array().ok_or("not a list of alerts")?;
    for a in alerts {
        let labels = a["labels"].as_object().ok_or("an alert without labels")?;
        if labels.is_empty() || labels.values().any(|v| !v.is_string()) {
            return Err("labels must be strings".into());
        }
        for t in ["startsAt", "endsAt"] {
            if let Some(v) = a.get(t) {
                v.as_str()
                    .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                    .ok_or(format!("{t} is not a time"))?;
            }
        }
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trouble_fires_and_the_recovery_resolves_the_same_alert() {
    let (fake, addr) = Fake::start(|r, i| {
        if r.method != "POST" || r.path != "/api/v2/alerts" {
            return Reply::text(404, "not found");
        }
        if r.header("content-type") != "application/json" {
            return Reply::text(415, "unsupported media type");
        }
        if let Err(e) = valid(&r.json()) {
            return Reply::json(400, json!({"code": 400, "message": e}));
        }
        // The first one is rate limited (a proxy in front of Alertmanager).
        if i == 0 {
            return Reply::text(429, "slow down").with("retry-after", "1");
        }
        Reply::text(200, "")
    })
    .await;
    let story = Story::start(
        "alertmanager",
        &format!("    alertmanager: {{url: \"http://{addr}/\"}}"),
        &["unhealthy", "recovered"],
        &[],
    )
    .await;
    story.break_it();
    story
        .until("the alert firing", |_| !fake.accepted().is_empty())
        .await;
    let all = fake.all();
    assert_eq!(all[0].1, 429, "the first was rate limited");
    let firing = fake.accepted()[0].json();
    assert_eq!(firing[0]["labels"]["alertname"], "HeraldObjectUnhealthy");
    assert_eq!(firing[0]["labels"]["name"], "web");
    assert!(firing[0].get("endsAt").is_none(), "{firing}");
    story.fix_it();
    story
        .until("the alert resolved", |_| {
            fake.accepted()
                .iter()
                .any(|r| r.json()[0].get("endsAt").is_some())
        })
        .await;
    let resolved = fake
        .accepted()
        .into_iter()
        .find(|r| r.json()[0].get("endsAt").is_some())
        .unwrap()
        .json();
    assert_eq!(resolved[0]["labels"], firing[0]["labels"]);
}

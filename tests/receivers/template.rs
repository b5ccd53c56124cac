//! The templated webhook, as docs/receivers.md's Grafana recipe writes it: each event is an
//! annotation on the fleet dashboard (`POST /api/annotations` with a service account's bearer
//! token); a 429 is waited out; the token stays out of herald's log.

use serde_json::json;

use super::{Fake, Reply, Story};

const TOKEN: &str = "glsa_N0tARealTokenButL00ksL1keOne_5e1f2a3b";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grafana_annotations_mark_the_trouble_and_the_recovery() {
    let (fake, addr) = Fake::start(|r, i| {
        if r.header("authorization") != format!("Bearer {TOKEN}") {
            return Reply::json(401, json!({"message": "Unauthorized", "messageId": "auth.unauthorized", "statusCode": 401}));
        }
        if r.method != "POST" || r.path != "/api/annotations" {
            return Reply::json(404, json!({"message": "Not found"}));
        }
        if !r.header("content-type").starts_with("application/json") {
            return Reply::json(415, json!({"message": "Unsupported Media Type"}));
        }
        let b = r.json();
        let ok = b["time"].is_i64()
            && b["text"].as_str().is_some_and(|t| !t.is_empty())
            && b["tags"].as_array().is_some_and(|t| t.iter().all(|t| t.is_string()))
            && b.get("dashboardUID").is_none_or(|d| d.is_string());
        if !ok {
            return Reply::json(400, json!({"message": "bad request data", "messageId": "annotations.badRequest"}));
        }
        if i == 0 {
            return Reply::json(429, json!({"message": "Too Many Requests"})).with("retry-after", "1");
        }
        Reply::json(200, json!({"message": "Annotation added", "id": i}))
    })
    .await;
    let receiver = format!(
        r#"    template:
      url: "http://{addr}/api/annotations"
      headers:
        Authorization: {{valueEnv: GRAFANA_TOKEN, prefix: "Bearer "}}
      body: |
        {{"time": {{{{ time_ms }}}}, "dashboardUID": "herald-fleet-overview",
         "tags": {{{{ ["herald", cluster, object.namespace, object.name, event] | tojson }}}},
         "text": {{{{ summary | tojson }}}}}}"#
    );
    let story = Story::start(
        "template",
        &receiver,
        &["unhealthy", "recovered"],
        &[("GRAFANA_TOKEN", TOKEN)],
    )
    .await;
    story.break_it();
    story
        .until("the trouble's annotation", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429, "the first was rate limited");
    let trouble = fake.accepted()[0].json();
    assert_eq!(trouble["dashboardUID"], "herald-fleet-overview");
    assert_eq!(
        trouble["tags"],
        json!(["herald", "e2e", "apps", "web", "unhealthy"])
    );
    assert!(
        trouble["text"]
            .as_str()
            .unwrap()
            .starts_with("Kustomization apps/web: unhealthy"),
        "{trouble}"
    );
    let now = jiff::Timestamp::now().as_millisecond();
    let t = trouble["time"].as_i64().unwrap();
    assert!((now - 120_000..=now).contains(&t), "milliseconds: {t}");
    story.fix_it();
    story
        .until("the recovery's annotation", |_| {
            fake.accepted()
                .iter()
                .any(|r| r.json()["tags"][4] == "recovered")
        })
        .await;
    story.assert_secret_absent(TOKEN);
}

/// A new revision: herald's webhook names the revision before and links the forge's comparison
/// of the two commits (the Story's GitRepository is on GitHub).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_revision_names_the_old_one_and_links_the_comparison() {
    let (fake, addr) = Fake::start(|_, _| Reply::json(200, json!({}))).await;
    let receiver = format!("    webhook: {{url: \"http://{addr}/hook\"}}");
    let story = Story::start("compare", &receiver, &["revision"], &[]).await;
    let (old, new) = (
        super::REVISION,
        "main@sha1:9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807",
    );
    story.server.apply(super::ks("web", true, new)).unwrap();
    story
        .until("the revision's webhook", |_| !fake.accepted().is_empty())
        .await;
    let body = fake.accepted()[0].json();
    assert_eq!(body["event"], "revision", "{body}");
    assert_eq!(body["revision"], new);
    assert_eq!(body["oldRevision"], old);
    let commit = |r: &str| r.rsplit_once(':').unwrap().1.to_string();
    assert_eq!(
        body["compare"],
        format!(
            "https://github.com/acme/apps/compare/{}...{}",
            commit(old),
            commit(new)
        )
    );
}

//! GitLab pipeline triggers: the trouble runs a pipeline of the configured project on its ref
//! with the event in `HERALD_*` variables; a 429 is waited out; the trigger token, which
//! travels in the body, stays out of herald's log.

use serde_json::{Value, json};

use super::{Fake, Reply, Request, Story};

const TOKEN: &str = "glptt-triggerTokenNeverLogged0123456789";

/// What GitLab checks of `POST /api/v4/projects/:id/trigger/pipeline`.
fn gitlab(r: &Request) -> Reply {
    if r.method != "POST" || r.path != "/api/v4/projects/acme%2Fops/trigger/pipeline" {
        return Reply::json(404, json!({"message": "404 Not Found"}));
    }
    let b: Value = r.json();
    let Some(token) = b["token"].as_str() else {
        return Reply::json(400, json!({"error": "token is missing"}));
    };
    if token != TOKEN {
        return Reply::json(404, json!({"message": "404 Not Found"}));
    }
    let Some(reference) = b["ref"].as_str() else {
        return Reply::json(400, json!({"error": "ref is missing"}));
    };
    if reference != "main" {
        return Reply::json(400, json!({"message": {"base": ["Reference not found"]}}));
    }
    if let Some(v) = b.get("variables")
        && !v
            .as_object()
            .is_some_and(|m| m.values().all(Value::is_string))
    {
        return Reply::json(400, json!({"error": "variables is invalid"}));
    }
    Reply::json(
        201,
        json!({"id": 1001, "iid": 7, "ref": "main", "status": "created", "source": "trigger"}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trouble_runs_a_pipeline_with_the_event_in_variables() {
    let (fake, addr) = Fake::start(|r, i| {
        if i == 0 {
            return Reply::text(429, "Retry later").with("retry-after", "1");
        }
        gitlab(r)
    })
    .await;
    let story = Story::start(
        "gitlab-pipeline",
        &format!(
            "    gitlabPipeline: {{apiUrl: \"http://{addr}\", project: acme/ops, ref: main, tokenEnv: TRIGGER_TOKEN,\n      variables: {{RUNBOOK: rollback}}}}"
        ),
        &["unhealthy"],
        &[("TRIGGER_TOKEN", TOKEN)],
    )
    .await;
    story.break_it();
    story
        .until("the pipeline triggered", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429, "the first was rate limited");
    let b = fake.accepted()[0].json();
    let v = &b["variables"];
    assert_eq!(v["RUNBOOK"], "rollback");
    assert_eq!(v["HERALD_EVENT"], "unhealthy");
    assert_eq!(v["HERALD_OBJECT"], "Kustomization apps/web");
    assert_eq!(v["HERALD_CLUSTER"], "e2e");
    assert_eq!(v["HERALD_STATUS"], "HealthCheckFailed");
    assert_eq!(v["HERALD_REPO"], super::REPO_URL);
    story.assert_secret_absent(TOKEN);
}

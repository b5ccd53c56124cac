//! GitLab commit statuses on a project in a subgroup (the receiver's `repository`): the
//! object reconciling is `running`, its trouble `failed`, its recovery `success`, all under
//! one `name`. A `running` sent again (its first answer was lost) meets GitLab's "Cannot
//! transition status via :run from :running", which is taken; a 429 with `Retry-After` is
//! waited out; the token stays out of the log.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::{Fake, REVISION, Reply, Request, Story};

const TOKEN: &str = "glpat-SECRETxxxxxxxxxxxxxxxx";

fn sha() -> &'static str {
    REVISION.rsplit_once("sha1:").unwrap().1
}

/// What `POST /api/v4/projects/:id/statuses/:sha` checks, with GitLab's answers.
fn gitlab(r: &Request) -> Result<Value, Reply> {
    let want = format!("/api/v4/projects/acme%2Fplatform%2Fapps/statuses/{}", sha());
    if r.method != "POST" || r.path != want {
        return Err(Reply::json(
            404,
            json!({"message": "404 Project Not Found"}),
        ));
    }
    if r.header("private-token") != TOKEN {
        return Err(Reply::json(401, json!({"message": "401 Unauthorized"})));
    }
    let b = r.json();
    let state = b["state"].as_str().unwrap_or("");
    if !["pending", "running", "success", "failed", "canceled"].contains(&state) {
        return Err(Reply::json(
            400,
            json!({"error": "state does not have a valid value"}),
        ));
    }
    if b["description"]
        .as_str()
        .is_some_and(|d| d.chars().count() > 255)
    {
        return Err(Reply::json(
            400,
            json!({"message": {"description": ["is too long (maximum is 255 characters)"]}}),
        ));
    }
    if !b["name"].is_string() {
        return Err(Reply::json(400, json!({"error": "name is invalid"})));
    }
    Ok(b)
}

/// `apps/web` reconciling its revision.
fn progressing() -> Value {
    let mut ks = super::ks("web", false, REVISION);
    ks["status"]["conditions"][0]["status"] = json!("Unknown");
    ks["status"]["conditions"][0]["reason"] = json!("Progressing");
    ks["status"]["conditions"][0]["message"] = json!("Reconciliation in progress");
    ks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_failed_and_success_under_one_name_with_gitlabs_answers() {
    // The project's statuses by name: GitLab moves a running or pending one along, and
    // refuses to move it to the state it is in.
    let statuses: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let limited = AtomicBool::new(false);
    let (fake, addr) = Fake::start(move |r, i| {
        let b = match gitlab(r) {
            Ok(b) => b,
            Err(reply) => return reply,
        };
        let name = b["name"].as_str().unwrap().to_string();
        let state = b["state"].as_str().unwrap().to_string();
        let mut s = statuses.lock().unwrap();
        if let Some(now) = s.get(&name)
            && now == &state
            && ["pending", "running"].contains(&now.as_str())
        {
            let verb = if state == "running" { "run" } else { "enqueue" };
            return Reply::json(
                400,
                json!({"message": format!("Cannot transition status via :{verb} from :{now} (Reason(s): Status cannot transition via \"{verb}\")")}),
            );
        }
        if state == "failed" && !limited.swap(true, Ordering::SeqCst) {
            // The first failure is rate limited.
            return Reply::json(429, json!({"message": "Retry later"})).with("retry-after", "1");
        }
        s.insert(name.clone(), state.clone());
        if i == 0 {
            // Stored, but the answer is lost on the way back.
            return Reply::text(502, "Bad Gateway");
        }
        Reply::json(
            201,
            json!({"id": i, "sha": super::REVISION, "name": name, "status": state}),
        )
    })
    .await;
    let story = Story::start(
        "gitlab",
        &format!(
            "    gitlab: {{apiUrl: \"http://{addr}/\", tokenEnv: GITLAB_TOKEN, repository: acme/platform/apps}}"
        ),
        &["unknown", "unhealthy", "recovered"],
        &[("GITLAB_TOKEN", TOKEN)],
    )
    .await;
    story.server.apply(progressing()).unwrap();
    story
        .until("running, sent again and taken", |_| fake.all().len() >= 2)
        .await;
    let all = fake.all();
    assert_eq!(all[0].1, 502);
    assert_eq!(all[1].1, 400, "{}", all[1].0.text());
    assert_eq!(all[1].0.json()["state"], "running");
    story.break_it();
    story
        .until("the failed status", |_| {
            fake.accepted()
                .iter()
                .any(|r| r.json()["state"] == "failed")
        })
        .await;
    let all = fake.all();
    let limited_at = all.iter().position(|(_, s)| *s == 429).expect("a 429");
    assert_eq!(all[limited_at + 1].1, 201, "taken after the wait");
    assert_eq!(all[limited_at + 1].0.json()["state"], "failed");
    story.fix_it();
    story
        .until("the success status", |_| {
            fake.accepted()
                .iter()
                .any(|r| r.json()["state"] == "success")
        })
        .await;
    let names: Vec<Value> = fake
        .all()
        .iter()
        .map(|(r, _)| r.json()["name"].clone())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| n == "herald/e2e/Kustomization/apps/web"),
        "{names:?}"
    );
    assert!(!story.logs().contains("refused"), "nothing was refused");
    story.assert_secret_absent(TOKEN);
}

//! GitLab deployments: a new revision makes one deployment (`running`) on its commit in the
//! project, whose status then follows the object (`success`, the trouble's `failed`, the
//! recovery's `success`) with `PUT`; GitLab's own transition rules are checked; a 429 with
//! Retry-After is waited out; the token stays out of herald's log.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::github_deployment::{SHA2, progressing, revision2};
use super::{Fake, Reply, Request, Story, ks};

const TOKEN: &str = "glpat-deploymentsTokenNeverLogged01";

/// GitLab's deployments API for project `acme/apps` (by its encoded path): each deployment
/// with its status.
fn gitlab(r: &Request, deployments: &Mutex<Vec<(u64, String)>>) -> Reply {
    if r.header("private-token") != TOKEN {
        return Reply::json(401, json!({"message": "401 Unauthorized"}));
    }
    let b: Value = r.json();
    let path = r.path.as_str();
    if r.method == "POST" && path == "/api/v4/projects/acme%2Fapps/deployments" {
        for field in ["environment", "sha", "ref", "tag", "status"] {
            if b.get(field).is_none() {
                return Reply::json(400, json!({"error": format!("{field} is missing")}));
            }
        }
        if !["running", "success", "failed", "canceled"]
            .contains(&b["status"].as_str().unwrap_or(""))
        {
            return Reply::json(400, json!({"error": "status does not have a valid value"}));
        }
        if !b["tag"].is_boolean() || b["sha"].as_str().is_none_or(|s| s.len() != 40) {
            return Reply::json(400, json!({"message": {"sha": ["is invalid"]}}));
        }
        let mut d = deployments.lock().unwrap();
        let id = 40 + d.len() as u64;
        d.push((id, b["status"].as_str().unwrap().to_string()));
        return Reply::json(
            201,
            json!({"id": id, "iid": d.len(), "ref": b["ref"], "sha": b["sha"], "status": b["status"]}),
        );
    }
    if r.method == "PUT"
        && let Some(id) = path.strip_prefix("/api/v4/projects/acme%2Fapps/deployments/")
    {
        let id: u64 = id.parse().unwrap_or(0);
        let mut d = deployments.lock().unwrap();
        let Some((_, status)) = d.iter_mut().find(|(i, _)| *i == id) else {
            return Reply::json(404, json!({"message": "404 Not found"}));
        };
        let next = b["status"].as_str().unwrap_or("");
        // GitLab's state machine: no move to the same status, none back to running.
        let allowed = match next {
            "running" => status == "created",
            "success" | "failed" | "canceled" => status != next,
            _ => false,
        };
        if !allowed {
            return Reply::json(
                400,
                json!({"message": format!("Failed to transition the deployment from {status} to {next}")}),
            );
        }
        *status = next.to_string();
        return Reply::json(200, json!({"id": id, "status": next}));
    }
    Reply::json(404, json!({"message": "404 Not found"}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_revision_makes_one_deployment_whose_status_follows_the_object() {
    let deployments = Arc::new(Mutex::new(Vec::new()));
    let d = Arc::clone(&deployments);
    let (fake, addr) = Fake::start(move |r, i| {
        if i == 0 {
            return Reply::text(429, "Retry later").with("retry-after", "1");
        }
        gitlab(r, &d)
    })
    .await;
    let story = Story::start(
        "gitlab-deployment",
        &format!(
            "    gitlabDeployment: {{apiUrl: \"http://{addr}\", project: acme/apps, tokenEnv: GITLAB_TOKEN,\n      environment: \"{{cluster}}/{{name}}\"}}"
        ),
        &["revision", "unhealthy", "recovered"],
        &[("GITLAB_TOKEN", TOKEN)],
    )
    .await;
    story.server.apply(progressing(&revision2())).unwrap();
    story
        .until("the deployment running", |_| !fake.accepted().is_empty())
        .await;
    assert_eq!(fake.all()[0].1, 429, "the first was rate limited");
    let created = fake.accepted()[0].json();
    assert_eq!(
        created,
        json!({"environment": "e2e/web", "sha": SHA2, "ref": "main", "tag": false, "status": "running"})
    );
    let updates = || -> Vec<String> {
        fake.accepted()
            .iter()
            .filter(|r| r.method == "PUT")
            .map(|r| r.json()["status"].as_str().unwrap_or("").to_string())
            .collect()
    };
    story.server.apply(ks("web", true, &revision2())).unwrap();
    story.until("the success", |_| updates().len() == 1).await;
    story.server.apply(ks("web", false, &revision2())).unwrap();
    story.until("the failure", |_| updates().len() == 2).await;
    story.server.apply(ks("web", true, &revision2())).unwrap();
    story.until("the recovery", |_| updates().len() == 3).await;
    assert_eq!(updates(), ["success", "failed", "success"]);
    assert!(
        fake.accepted()
            .iter()
            .filter(|r| r.method == "PUT")
            .all(|r| r.path == "/api/v4/projects/acme%2Fapps/deployments/40")
    );
    assert_eq!(deployments.lock().unwrap().len(), 1, "one deployment");
    assert!(
        fake.all().iter().all(|(_, s)| *s < 400 || *s == 429),
        "nothing GitLab refuses: {:?}",
        fake.all()
            .iter()
            .map(|(r, s)| (r.path.clone(), *s))
            .collect::<Vec<_>>()
    );
    story.assert_secret_absent(TOKEN);
}

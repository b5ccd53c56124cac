//! GitHub deployments: a new revision makes one deployment on its commit in the repository
//! the Kustomization applies from, whose statuses then follow the object (in progress,
//! success, the trouble's failure, the recovery's success); the primary rate limit is waited
//! out; the token stays out of herald's log.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::{Fake, Reply, Request, Story, ks};

const TOKEN: &str = "ghp_deploymentsTokenNeverLogged0123456789";
pub const SHA2: &str = "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b";

pub fn revision2() -> String {
    format!("main@sha1:{SHA2}")
}

/// The Kustomization `web` applying `revision`, still reconciling (Ready Unknown).
pub fn progressing(revision: &str) -> Value {
    let mut o = ks("web", true, revision);
    o["status"]["conditions"] = json!([{"type": "Ready", "status": "Unknown",
        "reason": "Progressing", "message": "Reconciliation in progress"},
        {"type": "Reconciling", "status": "True", "reason": "Progressing", "message": "applying"}]);
    o
}

fn error(status: u16, message: &str) -> Reply {
    Reply::json(
        status,
        json!({"message": message,
               "documentation_url": "https://docs.github.com/rest/deployments/deployments",
               "status": status.to_string()}),
    )
}

/// What GitHub checks of a request to its REST API: the token, the media type, the version.
fn github_headers(r: &Request) -> Option<Reply> {
    if r.header("authorization") != format!("Bearer {TOKEN}") {
        return Some(error(401, "Bad credentials"));
    }
    if r.header("accept") != "application/vnd.github+json"
        || r.header("x-github-api-version") != "2022-11-28"
    {
        return Some(error(400, "Unsupported API version or media type"));
    }
    if !r.header("content-type").starts_with("application/json") {
        return Some(error(415, "Unsupported Media Type"));
    }
    None
}

/// GitHub's deployments API for `acme/apps`, whose only commits are the Story's two.
fn github(r: &Request, deployments: &Mutex<Vec<u64>>, known: &BTreeSet<&str>) -> Reply {
    if let Some(e) = github_headers(r) {
        return e;
    }
    let b = r.json();
    let parts: Vec<&str> = r.path.trim_matches('/').split('/').collect();
    match (r.method.as_str(), parts.as_slice()) {
        ("POST", ["repos", "acme", "apps", "deployments"]) => {
            let Some(reference) = b["ref"].as_str() else {
                return error(422, "Invalid request.\n\n\"ref\" wasn't supplied.");
            };
            if !known.contains(reference) {
                return Reply::json(
                    422,
                    json!({"message": format!("No ref found for: {reference}"),
                           "documentation_url": "https://docs.github.com/rest/deployments/deployments#create-a-deployment"}),
                );
            }
            if !b["environment"].is_string()
                || b["auto_merge"] != json!(false)
                || !b["required_contexts"].is_array()
                || !b["payload"].is_object()
                || b["description"]
                    .as_str()
                    .is_some_and(|d| d.chars().count() > 140)
            {
                return error(422, "Validation Failed");
            }
            let mut d = deployments.lock().unwrap();
            let id = 1_000_000_000 + d.len() as u64;
            d.push(id);
            Reply::json(
                201,
                json!({"id": id, "ref": reference, "sha": reference,
                       "environment": b["environment"], "task": "deploy"}),
            )
        }
        ("POST", ["repos", "acme", "apps", "deployments", id, "statuses"]) => {
            let Ok(id) = id.parse::<u64>() else {
                return error(404, "Not Found");
            };
            if !deployments.lock().unwrap().contains(&id) {
                return error(404, "Not Found");
            }
            let states = [
                "error",
                "failure",
                "inactive",
                "in_progress",
                "queued",
                "pending",
                "success",
            ];
            if !b["state"].as_str().is_some_and(|s| states.contains(&s)) {
                return error(422, "Validation Failed");
            }
            if b["description"]
                .as_str()
                .is_some_and(|d| d.chars().count() > 140)
            {
                return Reply::json(
                    422,
                    json!({"message": "Validation Failed", "errors": [{"resource": "DeploymentStatus",
                        "code": "custom", "field": "description",
                        "message": "description is too long (maximum is 140 characters)"}]}),
                );
            }
            Reply::json(201, json!({"id": 7, "state": b["state"]}))
        }
        _ => error(404, "Not Found"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_revision_makes_one_deployment_whose_statuses_follow_the_object() {
    let deployments = Arc::new(Mutex::new(Vec::new()));
    let d = Arc::clone(&deployments);
    let known: BTreeSet<&str> = [super::REVISION.rsplit(':').next().unwrap(), SHA2].into();
    let (fake, addr) = Fake::start(move |r, i| {
        // The primary rate limit, spent: wait until its reset.
        if i == 0 {
            let reset = jiff::Timestamp::now().as_second() + 1;
            return error(403, "API rate limit exceeded for installation ID 1.")
                .with("x-ratelimit-limit", "5000")
                .with("x-ratelimit-remaining", "0")
                .with("x-ratelimit-reset", &reset.to_string());
        }
        github(r, &d, &known)
    })
    .await;
    let story = Story::start(
        "github-deployment",
        &format!(
            "    githubDeployment: {{apiUrl: \"http://{addr}\", host: github.com, tokenEnv: GITHUB_TOKEN,\n      environment: \"{{cluster}}/{{namespace}}/{{name}}\", logUrl: \"https://ci.example.com/{{commit}}\"}}"
        ),
        &["revision", "unhealthy", "recovered"],
        &[("GITHUB_TOKEN", TOKEN)],
    )
    .await;
    let statuses = || -> Vec<(String, Value)> {
        fake.accepted()
            .into_iter()
            .filter(|r| r.path.ends_with("/statuses"))
            .map(|r| (r.path.clone(), r.json()))
            .collect()
    };
    // A new revision, still reconciling: a deployment, in progress.
    story.server.apply(progressing(&revision2())).unwrap();
    story
        .until("the deployment in progress", |_| statuses().len() == 1)
        .await;
    let all = fake.all();
    assert_eq!(all[0].1, 403, "the first was rate limited");
    assert_eq!(all[0].0.path, "/repos/acme/apps/deployments");
    let created: Vec<Value> = fake
        .accepted()
        .iter()
        .filter(|r| r.path == "/repos/acme/apps/deployments")
        .map(Request::json)
        .collect();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0]["ref"], SHA2);
    assert_eq!(created[0]["environment"], "e2e/apps/web");
    assert_eq!(
        created[0]["payload"]["herald"]["object"]["kind"],
        "Kustomization"
    );
    assert_eq!(created[0]["payload"]["herald"]["cluster"], "e2e");
    assert_eq!(statuses()[0].1["state"], "in_progress");
    assert_eq!(
        statuses()[0].1["log_url"],
        format!("https://ci.example.com/{SHA2}")
    );
    // Ready: success; the trouble: failure; the recovery: success. All on one deployment.
    story.server.apply(ks("web", true, &revision2())).unwrap();
    story
        .until("the deployment's success", |_| statuses().len() == 2)
        .await;
    story.server.apply(ks("web", false, &revision2())).unwrap();
    story
        .until("the deployment's failure", |_| statuses().len() == 3)
        .await;
    story.server.apply(ks("web", true, &revision2())).unwrap();
    story
        .until("the deployment's recovery", |_| statuses().len() == 4)
        .await;
    let s = statuses();
    let states: Vec<&str> = s
        .iter()
        .map(|(_, b)| b["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["in_progress", "success", "failure", "success"]);
    let id = deployments.lock().unwrap()[0];
    assert!(
        s.iter()
            .all(|(p, _)| *p == format!("/repos/acme/apps/deployments/{id}/statuses")),
        "{s:?}"
    );
    assert_eq!(deployments.lock().unwrap().len(), 1, "one deployment");
    assert!(
        s[2].1["description"]
            .as_str()
            .unwrap()
            .contains("unhealthy"),
        "{s:?}"
    );
    story.assert_secret_absent(TOKEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commit_github_does_not_know_is_refused_with_its_message() {
    let deployments = Arc::new(Mutex::new(Vec::new()));
    let d = Arc::clone(&deployments);
    let known: BTreeSet<&str> = BTreeSet::new();
    let (fake, addr) = Fake::start(move |r, _| github(r, &d, &known)).await;
    let story = Story::start(
        "github-deployment-unknown-ref",
        &format!(
            "    githubDeployment: {{apiUrl: \"http://{addr}/\", host: github.com, tokenEnv: GITHUB_TOKEN}}"
        ),
        &["revision"],
        &[("GITHUB_TOKEN", TOKEN)],
    )
    .await;
    story.server.apply(ks("web", true, &revision2())).unwrap();
    story
        .until("the refusal logged", |s| s.logs().contains("No ref found"))
        .await;
    assert_eq!(fake.all().len(), 1, "refused for good, not retried");
    assert!(fake.accepted().is_empty());
    story.assert_secret_absent(TOKEN);
}

/// herald started on `config` (its log collected), killed when dropped.
struct Herald {
    child: std::process::Child,
    log: Arc<Mutex<String>>,
}

impl Herald {
    fn start(config: &std::path::Path, kubeconfig: &std::path::Path) -> Herald {
        use std::io::BufRead;
        let mut child = std::process::Command::new(crate::util::herald_bin())
            .args(["run", "--listen", "127.0.0.1:0", "--config"])
            .env("HERALD_HISTORY", crate::util::history_file())
            .arg(config)
            .env("KUBECONFIG", kubeconfig)
            .env(
                "RUST_LOG",
                "debug,kube=info,hyper=info,tower=info,h2=info,rustls=info",
            )
            .env("GITHUB_TOKEN", TOKEN)
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        let lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        Herald { child, log }
    }

    async fn until(&self, what: &str, cond: impl Fn(&str) -> bool) {
        for _ in 0..1500 {
            if cond(&self.log.lock().unwrap()) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!(
            "timed out waiting for {what}:\n{}",
            self.log.lock().unwrap()
        );
    }
}

impl Drop for Herald {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_restart_the_statuses_go_to_the_same_deployment() {
    use herald::fake::{FakeApiServer, Options, gitops_resources};
    let deployments = Arc::new(Mutex::new(Vec::new()));
    let d = Arc::clone(&deployments);
    let known: BTreeSet<&str> = [SHA2].into();
    let (fake, addr) = Fake::start(move |r, _| github(r, &d, &known)).await;
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    server
        .apply(super::git_repository(super::REPO_URL, super::REVISION))
        .unwrap();
    server.apply(ks("web", true, super::REVISION)).unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("receiver-github-deployment-restart");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("herald.yaml");
    std::fs::write(
        &config,
        format!(
            r#"cluster: e2e
receivers:
  - name: it
    githubDeployment: {{apiUrl: "http://{addr}", host: github.com, tokenEnv: GITHUB_TOKEN}}
routes:
  - match: {{kind: Kustomization}}
    events: [revision, unhealthy, recovered]
    receivers: [it]
delivery: {{outbox: "{}", retryInitial: 50ms, retryMax: 200ms, timeout: 5s}}
"#,
            dir.join("outbox.redb").display()
        ),
    )
    .unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    let statuses = || -> Vec<(String, String)> {
        fake.accepted()
            .into_iter()
            .filter(|r| r.path.ends_with("/statuses"))
            .map(|r| {
                (
                    r.path.clone(),
                    r.json()["state"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };

    let first = Herald::start(&config, &kubeconfig);
    first
        .until("the cluster listed", |l| l.contains("apps/web"))
        .await;
    server.apply(progressing(&revision2())).unwrap();
    for _ in 0..1500 {
        if statuses().len() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(statuses().len(), 1, "{}", first.log.lock().unwrap());
    drop(first);

    // Another herald (a restart, or the next leader) with the same state.
    let second = Herald::start(&config, &kubeconfig);
    second
        .until("the cluster listed", |l| l.contains("apps/web"))
        .await;
    server.apply(ks("web", true, &revision2())).unwrap();
    for _ in 0..1500 {
        if statuses().iter().any(|(_, state)| state == "success") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut s = statuses();
    // The first herald was killed right after its status was taken: the status may come again
    // from the second (a delivery in flight at a kill is sent again), to the same deployment.
    s.dedup();
    assert_eq!(s.len(), 2, "{}", second.log.lock().unwrap());
    assert_eq!(deployments.lock().unwrap().len(), 1, "one deployment");
    assert_eq!(s[0].0, s[1].0, "the same deployment");
    assert_eq!(
        (s[0].1.as_str(), s[1].1.as_str()),
        ("in_progress", "success")
    );
    assert!(!second.log.lock().unwrap().contains(TOKEN));
}

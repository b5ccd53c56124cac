//! Receivers end to end: `herald run` (the binary) watches the fake API server and delivers to
//! a fake of each service on loopback. A fake checks what the real service checks (method, path,
//! auth, body fields and their limits) and answers as it does, including its rate-limit and
//! error bodies; each service's test is in its own file here.
//!
//! The harness: [`Fake`] records every request and answers with the test's function;
//! [`Story`] runs herald with one receiver `it` and a route for the Kustomizations labelled
//! `team: web` in `apps`, and changes them.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use herald::fake::{FakeApiServer, Options, gitops_resources};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

use crate::util::{Answers, herald_bin, serve};

mod alertmanager;
mod azure_devops;
mod bitbucket;
mod discord;
mod gitea;
mod github;
mod github_deployment;
mod github_dispatch;
mod gitlab;
mod gitlab_deployment;
mod gitlab_pipeline;
mod google_chat;
mod mattermost;
mod opsgenie;
mod pagerduty;
mod teams;
mod telegram;
mod template;

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// The query string's pairs, decoded.
    pub query: BTreeMap<String, String>,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// An answer: status, headers, body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: body.into(),
        }
    }

    pub fn with(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// A fake service: every request is recorded (with the reply's status) and answered by the
/// handler, which also gets the request's index (0 for the first) to script rate limits.
#[derive(Clone)]
pub struct Fake {
    pub log: Arc<Mutex<Vec<(Request, u16)>>>,
    handler: Arc<Handler>,
}

impl Fake {
    pub async fn start(
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> (Fake, std::net::SocketAddr) {
        let fake = Fake {
            log: Arc::default(),
            handler: Arc::new(handler),
        };
        let addr = serve(fake.clone()).await;
        (fake, addr)
    }

    /// The requests answered with 2xx, in order.
    pub fn accepted(&self) -> Vec<Request> {
        self.log
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, s)| (200..300).contains(s))
            .map(|(r, _)| r.clone())
            .collect()
    }

    pub fn all(&self) -> Vec<(Request, u16)> {
        self.log.lock().unwrap().clone()
    }
}

impl Answers for Fake {
    async fn answer(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<Full<Bytes>> {
        let method = req.method().to_string();
        let path = req.uri().path().to_string();
        let query = req
            .uri()
            .query()
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let headers = req
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let body = req.into_body().collect().await.unwrap().to_bytes().to_vec();
        let r = Request {
            method,
            path,
            query,
            headers,
            body,
        };
        let index = self.log.lock().unwrap().len();
        let reply = (self.handler)(&r, index);
        self.log.lock().unwrap().push((r, reply.status));
        let mut b = hyper::Response::builder().status(reply.status);
        for (k, v) in &reply.headers {
            b = b.header(k, v);
        }
        b.body(Full::new(Bytes::from(reply.body))).unwrap()
    }
}

/// herald running against the fake API server with one receiver.
pub struct Story {
    pub server: FakeApiServer,
    pub dir: PathBuf,
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Story {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Kustomization `name` in `apps`, labelled `team: web`, Ready or not, at `revision`.
pub fn ks(name: &str, ready: bool, revision: &str) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": name, "namespace": "apps", "labels": {"team": "web"}},
           "spec": {"interval": "5m", "path": "./apps", "prune": true,
                    "sourceRef": {"kind": "GitRepository", "name": "apps"}},
           "status": {"lastAppliedRevision": revision, "lastAttemptedRevision": revision,
               "conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"},
               "reason": if ready {"ReconciliationSucceeded"} else {"HealthCheckFailed"},
               "message": if ready {format!("Applied revision: {revision}")}
                          else {"health check failed after 30s: timeout waiting for: [Deployment/apps/web status: 'InProgress']".to_string()}}]}})
}

/// The GitRepository `apps` in `apps` the Kustomizations apply from, at `url`.
pub fn git_repository(url: &str, revision: &str) -> Value {
    json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
           "metadata": {"name": "apps", "namespace": "apps"},
           "spec": {"interval": "1m", "url": url, "ref": {"branch": "main"}},
           "status": {"artifact": {"revision": revision},
               "conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded",
                               "message": format!("stored artifact for revision '{revision}'")}]}})
}

/// Where the Story's GitRepository points.
pub const REPO_URL: &str = "https://github.com/acme/apps.git";

pub const REVISION: &str = "main@sha1:4f1c2a9d3e8b7a6c5d4e3f2a1b0c9d8e7f6a5b4c";

impl Story {
    /// Starts herald with `receiver` (the YAML of one receiver named `it`, indented as an item
    /// of `receivers:`, e.g. `"    teams: {urlEnv: TEAMS_URL}"`) routed `events`, with `env`
    /// set, and in the cluster the GitRepository `apps` ([`REPO_URL`]) and the Kustomization
    /// `web` applying from it, Ready at [`REVISION`]; returns once herald has listed them.
    pub async fn start(name: &str, receiver: &str, events: &[&str], env: &[(&str, &str)]) -> Story {
        Story::start_matching(
            name,
            receiver,
            "{kind: Kustomization, labels: {team: web}}",
            events,
            env,
        )
        .await
    }

    /// [`Story::start`] with the route's `match:` given (`{kind: Application}`).
    pub async fn start_matching(
        name: &str,
        receiver: &str,
        matching: &str,
        events: &[&str],
        env: &[(&str, &str)],
    ) -> Story {
        let server = FakeApiServer::start(gitops_resources(), Options::default())
            .await
            .unwrap();
        server.apply(git_repository(REPO_URL, REVISION)).unwrap();
        server.apply(ks("web", true, REVISION)).unwrap();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("receiver-{name}"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let config = dir.join("herald.yaml");
        std::fs::write(
            &config,
            format!(
                r#"cluster: e2e
receivers:
  - name: it
{receiver}
routes:
  - match: {matching}
    events: [{}]
    receivers: [it]
delivery: {{outbox: "{}", retryInitial: 50ms, retryMax: 200ms, timeout: 5s}}
"#,
                events.join(", "),
                dir.join("outbox.redb").display()
            ),
        )
        .unwrap();
        let kubeconfig = dir.join("kubeconfig");
        std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
        let mut child = Command::new(herald_bin())
            .args(["run", "--listen", "127.0.0.1:0", "--config"])
            .env("HERALD_HISTORY", crate::util::history_file())
            .arg(&config)
            .env("KUBECONFIG", &kubeconfig)
            .env(
                "RUST_LOG",
                "debug,kube=info,hyper=info,tower=info,h2=info,rustls=info",
            )
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let story = Story {
            server,
            dir,
            child,
            stderr,
        };
        // Both objects judged: a forge's receiver finds the Kustomization's repository through
        // its GitRepository, which the watches may list after the Kustomization (each kind's
        // list is taken on its own, up to the evaluator's pace apart).
        story
            .until("herald listing the cluster", |s| {
                let logs = s.logs();
                logs.contains("Kustomization apps/web:")
                    && logs.contains("GitRepository apps/apps:")
            })
            .await;
        story
    }

    /// Everything herald logged so far.
    pub fn logs(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// The Kustomization `web` breaks (a health check fails).
    pub fn break_it(&self) {
        self.server.apply(ks("web", false, REVISION)).unwrap();
    }

    /// The Kustomization `web` recovers.
    pub fn fix_it(&self) {
        self.server.apply(ks("web", true, REVISION)).unwrap();
    }

    /// Polls until `cond` holds, at most 30 s of real time; the failure shows herald's log.
    pub async fn until(&self, what: &str, mut cond: impl FnMut(&Story) -> bool) {
        for _ in 0..1500 {
            if cond(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "timed out waiting for {what}; herald's log:\n{}",
            self.logs()
        );
    }

    /// Asserts that no line of herald's log holds `secret`.
    pub fn assert_secret_absent(&self, secret: &str) {
        let logs = self.logs();
        assert!(!secret.is_empty());
        assert!(
            !logs.contains(secret),
            "the secret is in herald's log:\n{logs}"
        );
    }
}

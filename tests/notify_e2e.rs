//! Notifications end to end: the fake API server changes objects, `herald run` (the binary)
//! watches it and notifies a webhook receiver on loopback that can fail, hang or answer.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use herald::fake::{FakeApiServer, Options, gitops_resources};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

use crate::util::{Answers, Killed, free_port, herald_bin, serve, tool};

const SECRET: &str = "s3cr3t-hmac-key-do-not-print";

/// How the receiver answers its next requests; once the script is out, 200.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    /// Never answers (herald is killed meanwhile).
    Hang,
}

#[derive(Debug, Clone)]
struct Received {
    status: u16,
    delivery: String,
    signature: String,
    body: Value,
    raw: Vec<u8>,
}

#[derive(Clone, Default)]
struct Sink {
    script: Arc<Mutex<VecDeque<Answer>>>,
    /// Requests answered (with their status), in order.
    answered: Arc<Mutex<Vec<Received>>>,
    /// Requests that arrived, answered or not.
    arrived: Arc<Mutex<usize>>,
}

impl Sink {
    async fn start(&self) -> std::net::SocketAddr {
        serve(self.clone()).await
    }
}

impl Answers for Sink {
    async fn answer(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<Full<Bytes>> {
        let header = |k: &str| {
            req.headers()
                .get(k)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let (delivery, signature) = (header("x-herald-delivery"), header("x-signature"));
        let raw = req.into_body().collect().await.unwrap().to_bytes().to_vec();
        *self.arrived.lock().unwrap() += 1;
        let answer = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Answer::Status(200));
        let status = match answer {
            Answer::Hang => futures::future::pending::<u16>().await,
            Answer::Status(s) => s,
        };
        self.answered.lock().unwrap().push(Received {
            status,
            delivery,
            signature,
            body: serde_json::from_slice(&raw).unwrap_or(Value::Null),
            raw,
        });
        hyper::Response::builder()
            .status(status)
            .body(Full::new(Bytes::from_static(b"{}")))
            .unwrap()
    }
}

impl Sink {
    /// The deliveries taken (answered 200).
    fn taken(&self) -> Vec<Received> {
        self.answered
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.status == 200)
            .cloned()
            .collect()
    }
}

struct Herald {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Herald {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Herald {
    fn start(kubeconfig: &Path, config: &Path) -> Herald {
        Herald::start_with_env(kubeconfig, config, &[])
    }

    fn start_with_env(kubeconfig: &Path, config: &Path, env: &[(&str, &str)]) -> Herald {
        let mut child = Command::new(herald_bin())
            .args(["run", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .env("KUBECONFIG", kubeconfig)
            .env("HERALD_HISTORY", crate::util::history_file())
            .env("HOOK_SECRET", SECRET)
            .env("RUST_LOG", "info")
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
        Herald { child, stderr }
    }

    /// Starts it and waits until it has listed the cluster (its log names `apps/<last>`).
    async fn learned(kubeconfig: &Path, config: &Path, env: &[(&str, &str)], last: &str) -> Herald {
        let herald = Herald::start_with_env(kubeconfig, config, env);
        let marker = format!("apps/{last}");
        until("the first list", || {
            herald.stderr.lock().unwrap().contains(&marker)
        })
        .await;
        herald
    }

    /// Where it serves, from its log.
    fn addr(&self) -> String {
        let log = self.stderr.lock().unwrap();
        log.lines()
            .find_map(|l| l.strip_prefix("herald: serving on http://"))
            .expect("herald said where it serves")
            .to_string()
    }

    /// Kills it as `kill -9` would.
    fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stderr.lock().unwrap().clone()
    }
}

/// Polls until `cond` holds (at most 30 s of real time).
async fn until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..1500 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("timed out waiting for {what}");
}

fn ks(name: &str, ready: &str) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": name, "namespace": "apps", "labels": {"team": "web"}},
           "status": {"conditions": [{"type": "Ready", "status": ready,
               "reason": if ready == "True" {"ReconciliationSucceeded"} else {"HealthCheckFailed"},
               "message": format!("{name} is {ready}")}]}})
}

/// The fake API server with these Kustomizations (name, Ready) in `apps`.
async fn cluster(objects: &[(&str, &str)]) -> FakeApiServer {
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    for (name, ready) in objects {
        server.apply(ks(name, ready)).unwrap();
    }
    server
}

/// A directory for one test with herald's configuration (the webhook `hook`, any extra
/// receivers, one route for the team's Kustomizations) and a kubeconfig for `server`.
fn setup(
    name: &str,
    hook: std::net::SocketAddr,
    extra_receiver: &str,
    server: &FakeApiServer,
) -> (PathBuf, PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("herald.yaml");
    std::fs::write(
        &config,
        format!(
            r#"cluster: e2e
receivers:
  - name: hook
    webhook: {{url: "http://{hook}/hook", hmacSecretEnv: HOOK_SECRET}}
{extra_receiver}
routes:
  - match: {{kind: Kustomization, labels: {{team: web}}}}
    events: [unhealthy, recovered]
    receivers: [hook]
delivery: {{outbox: "{}", retryInitial: 50ms, retryMax: 200ms, timeout: 5s}}
"#,
            dir.join("outbox.redb").display()
        ),
    )
    .unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    (dir, config, kubeconfig)
}

fn verify(r: &Received) {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    let hex = r.signature.strip_prefix("sha256=").expect("signed");
    let tag: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    ring::hmac::verify(&key, &r.raw, &tag).expect("the signature matches the body");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_story_sends_exactly_its_messages_through_a_failing_receiver() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    // The first five attempts fail (503, 500, 503, 502, 503); then the receiver recovers.
    sink.script.lock().unwrap().extend([
        Answer::Status(503),
        Answer::Status(500),
        Answer::Status(503),
        Answer::Status(502),
        Answer::Status(503),
    ]);
    let hook = sink.start().await;
    let server = cluster(&[("api", "True"), ("web", "False")]).await;
    let (_dir, config, kubeconfig) = setup("notify_story", hook, "", &server);
    // Started with web already unhealthy: learned, not announced.
    let herald = Herald::learned(&kubeconfig, &config, &[], "web").await;

    server.apply(ks("api", "False")).unwrap(); // 1: api unhealthy
    server.apply(ks("web", "True")).unwrap(); // 2: web recovered
    server.apply(ks("api", "True")).unwrap(); // 3: api recovered
    let mut other = ks("db", "False");
    other["metadata"]["labels"] = json!({"team": "data"});
    server.apply(other).unwrap(); // not routed: another team's
    until("three deliveries", || sink.taken().len() == 3).await;
    let taken = sink.taken();
    let got: Vec<(String, String)> = taken
        .iter()
        .map(|r| {
            (
                r.body["object"]["name"].as_str().unwrap().to_string(),
                r.body["event"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("api".to_string(), "unhealthy".to_string()),
            ("web".to_string(), "recovered".to_string()),
            ("api".to_string(), "recovered".to_string())
        ]
    );
    for r in &taken {
        verify(r);
        assert_eq!(r.body["cluster"], "e2e");
    }
    let ids: std::collections::BTreeSet<&str> = taken.iter().map(|r| r.delivery.as_str()).collect();
    assert_eq!(ids.len(), 3, "each message once");
    assert_eq!(
        sink.answered.lock().unwrap().len(),
        8,
        "five failures, three successes"
    );

    let logs = herald.kill();
    assert!(logs.contains("retrying"), "{logs}");
    assert!(!logs.contains(SECRET), "the secret appears in the logs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_delivery_and_restarted_sends_each_pending_message_once() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    sink.script.lock().unwrap().push_back(Answer::Hang);
    let hook = sink.start().await;
    let server = cluster(&[("api", "True"), ("web", "True")]).await;
    let (_dir, config, kubeconfig) = setup("notify_kill", hook, "", &server);

    let herald = Herald::learned(&kubeconfig, &config, &[], "web").await;
    server.apply(ks("api", "False")).unwrap();
    server.apply(ks("web", "False")).unwrap();
    // The first delivery hangs at the receiver; the second waits behind it. Kill herald then.
    until("the first attempt", || *sink.arrived.lock().unwrap() == 1).await;
    // Both in the outbox before the kill: a change herald has not yet taken when it dies is
    // learned at the restart, and what herald learns at start-up is told to nobody.
    let addr = herald.addr();
    crate::util::eventually("both messages in the outbox", || async {
        crate::util::metric(&addr, "herald_outbox_pending{receiver=\"hook\"}").await == Some(2.0)
    })
    .await;
    herald.kill();
    assert!(sink.taken().is_empty());

    let herald = Herald::start(&kubeconfig, &config);
    until("both messages", || sink.taken().len() == 2).await;
    let mut got: Vec<String> = sink
        .taken()
        .iter()
        .map(|r| r.body["object"]["name"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, ["api", "web"], "each pending message, once");
    // Nothing more arrives: the restart relisted the cluster without announcing it again.
    server.apply(ks("other", "True")).unwrap();
    until("herald saw the last change", || {
        herald.stderr.lock().unwrap().contains("apps/other")
    })
    .await;
    assert_eq!(sink.taken().len(), 2);
    let _ = herald.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_or_errors_when_receivers_fail() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    // Refused for good: the error is reported with the receiver's answer, not the secret.
    sink.script.lock().unwrap().push_back(Answer::Status(400));
    let hook = sink.start().await;
    let server = cluster(&[("api", "True")]).await;
    // A second receiver whose URL carries a token, on a port nothing listens on.
    let extra = r#"  - name: down
    webhook: {url: "http://127.0.0.1:9/hook?token=s3cr3t-hmac-key-do-not-print", hmacSecretEnv: HOOK_SECRET}"#;
    let (_dir, config, kubeconfig) = setup("notify_secret", hook, extra, &server);
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("receivers: [hook]", "receivers: [hook, down]");
    std::fs::write(&config, text).unwrap();
    let herald = Herald::learned(&kubeconfig, &config, &[], "api").await;
    server.apply(ks("api", "False")).unwrap();
    until("a refusal and a few failed attempts", || {
        let logs = herald.stderr.lock().unwrap();
        logs.contains("refused") && logs.matches("retrying").count() >= 2
    })
    .await;
    let logs = herald.kill();
    assert!(logs.contains("HTTP 400"), "{logs}");
    assert!(!logs.contains(SECRET), "a secret leaked:\n{logs}");
}

/// Debian's Alertmanager on a free loopback port, stopped when dropped.
struct Alertmanager {
    _child: Killed,
    url: String,
}

impl Alertmanager {
    async fn start(dir: &Path) -> Alertmanager {
        let bin = tool(&[
            "/usr/bin/prometheus-alertmanager",
            "/usr/local/bin/prometheus-alertmanager",
        ]);
        std::fs::write(
            dir.join("alertmanager.yml"),
            "route:\n  receiver: \"null\"\n  group_wait: 1s\nreceivers:\n  - name: \"null\"\n",
        )
        .unwrap();
        let port = free_port();
        let child = Command::new(bin)
            .arg(format!(
                "--config.file={}",
                dir.join("alertmanager.yml").display()
            ))
            .arg(format!("--storage.path={}", dir.join("am-data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let am = Alertmanager {
            _child: Killed(child),
            url: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        for _ in 0..500 {
            if let Ok(r) = client.get(format!("{}/-/ready", am.url)).send().await
                && r.status().is_success()
            {
                return am;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("Alertmanager did not become ready");
    }

    /// The active alerts, as its API lists them.
    async fn alerts(&self) -> Vec<Value> {
        let body = reqwest::get(format!("{}/api/v2/alerts", self.url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        serde_json::from_str::<Vec<Value>>(&body).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alertmanager_shows_the_alert_and_resolves_it_when_the_object_recovers() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let server = cluster(&[("api", "True")]).await;
    let (dir, config, kubeconfig) = setup("notify_am", hook, "", &server);
    let am = Alertmanager::start(&dir).await;
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "routes:",
        &format!(
            "  - name: am\n    alertmanager: {{url: \"{}\"}}\nroutes:",
            am.url
        ),
    );
    let text = text.replace("receivers: [hook]", "receivers: [am]");
    std::fs::write(&config, text).unwrap();
    let herald = Herald::learned(&kubeconfig, &config, &[], "api").await;

    server.apply(ks("api", "False")).unwrap();
    let mut firing = Vec::new();
    for _ in 0..1500 {
        firing = am.alerts().await;
        if !firing.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(firing.len(), 1, "{firing:?}");
    let labels = &firing[0]["labels"];
    assert_eq!(labels["alertname"], "HeraldObjectUnhealthy");
    assert_eq!(labels["kind"], "Kustomization");
    assert_eq!(labels["namespace"], "apps");
    assert_eq!(labels["name"], "api");
    assert_eq!(labels["cluster"], "e2e");
    assert_eq!(firing[0]["status"]["state"], "active");

    server.apply(ks("api", "True")).unwrap();
    let mut resolved = false;
    for _ in 0..1500 {
        if am.alerts().await.is_empty() {
            resolved = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(resolved, "the alert resolves when the object recovers");
    let _ = herald.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_test_sends_one_message_and_says_how_it_went() {
    let sink = Sink::default();
    sink.script.lock().unwrap().push_back(Answer::Status(200));
    sink.script.lock().unwrap().push_back(Answer::Status(403));
    let hook = sink.start().await;
    let server = cluster(&[]).await;
    let (_dir, config, _) = setup("notify_test_cmd", hook, "", &server);
    let run = |receiver: &str| {
        let config = config.clone();
        let receiver = receiver.to_string();
        async move {
            tokio::task::spawn_blocking(move || {
                Command::new(herald_bin())
                    .args(["notify", "test", "--config"])
                    .arg(&config)
                    .arg(&receiver)
                    .env("HOOK_SECRET", SECRET)
                    .output()
                    .unwrap()
            })
            .await
            .unwrap()
        }
    };
    let out = run("hook").await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hook: delivered\n");
    let got = sink.taken();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body["test"], true);
    verify(&got[0]);

    let out = run("hook").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused: HTTP 403"));
    let out = run("pager").await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no receiver is named \"pager\""));
}

/// A stand-in for Slack's Web API that checks what Slack checks for `chat.postMessage`: the bot
/// token, a known channel, text or valid blocks, an existing thread; and answers as Slack does
/// (HTTP 200 with `ok: false` and an error code, or 429 with `Retry-After`).
#[derive(Clone, Default)]
struct FakeSlack {
    /// Messages posted: (channel, ts, body).
    posted: Arc<Mutex<Vec<(String, String, Value)>>>,
    errors: Arc<Mutex<Vec<String>>>,
    rate_limit_next: Arc<Mutex<u32>>,
}

const SLACK_TOKEN: &str = "xoxb-0000-test-token-never-logged";

impl FakeSlack {
    async fn start(&self) -> std::net::SocketAddr {
        serve(self.clone()).await
    }
}

impl Answers for FakeSlack {
    async fn answer(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<Full<Bytes>> {
        let reply = |status: u16, body: Value| {
            hyper::Response::builder()
                .status(status)
                .header("content-type", "application/json")
                .header("retry-after", "1")
                .body(Full::new(Bytes::from(body.to_string())))
                .unwrap()
        };
        let fail = |error: &str| {
            self.errors.lock().unwrap().push(error.to_string());
            reply(200, json!({"ok": false, "error": error}))
        };
        {
            let mut limit = self.rate_limit_next.lock().unwrap();
            if *limit > 0 {
                *limit -= 1;
                return reply(429, json!({"ok": false, "error": "ratelimited"}));
            }
        }
        if req.method() != hyper::Method::POST || req.uri().path() != "/api/chat.postMessage" {
            return fail("unknown_method");
        }
        let auth = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let json_body = req
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        let raw = req.into_body().collect().await.unwrap().to_bytes();
        if auth.is_empty() {
            return fail("not_authed");
        }
        if auth != format!("Bearer {SLACK_TOKEN}") {
            return fail("invalid_auth");
        }
        if !json_body {
            return fail("invalid_form_data");
        }
        let Ok(body) = serde_json::from_slice::<Value>(&raw) else {
            return fail("invalid_json");
        };
        let channel = match body["channel"].as_str() {
            Some("#platform" | "C0PLATFORM") => "C0PLATFORM",
            _ => return fail("channel_not_found"),
        };
        let text_ok = body["text"].as_str().is_some_and(|t| !t.is_empty());
        let blocks = body["blocks"].as_array();
        if !text_ok && blocks.is_none() {
            return fail("no_text");
        }
        if let Some(blocks) = blocks {
            let valid = blocks.len() <= 50
                && blocks.iter().all(|b| match b["type"].as_str() {
                    Some("section") => {
                        matches!(b["text"]["type"].as_str(), Some("mrkdwn" | "plain_text"))
                            && b["text"]["text"]
                                .as_str()
                                .is_some_and(|t| !t.is_empty() && t.chars().count() <= 3000)
                    }
                    Some("context") => b["elements"].as_array().is_some_and(|e| {
                        !e.is_empty()
                            && e.len() <= 10
                            && e.iter()
                                .all(|x| x["text"].as_str().is_some_and(|t| !t.is_empty()))
                    }),
                    Some("divider") => true,
                    Some("header") => b["text"]["type"] == "plain_text",
                    _ => false,
                });
            if !valid {
                return fail("invalid_blocks");
            }
        }
        let mut posted = self.posted.lock().unwrap();
        if let Some(thread) = body["thread_ts"].as_str()
            && !posted.iter().any(|(c, ts, _)| c == channel && ts == thread)
        {
            drop(posted);
            return fail("thread_not_found");
        }
        let ts = format!("1763900000.{:06}", posted.len() + 1);
        posted.push((channel.to_string(), ts.clone(), body));
        reply(200, json!({"ok": true, "channel": channel, "ts": ts}))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slack_gets_blocks_and_the_recovery_in_the_thread_of_the_failure() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let slack = FakeSlack::default();
    *slack.rate_limit_next.lock().unwrap() = 1;
    let slack_addr = slack.start().await;
    let server = cluster(&[("api", "True")]).await;
    let (dir, config, kubeconfig) = setup("notify_slack", hook, "", &server);
    std::fs::write(dir.join("slack-token"), format!("{SLACK_TOKEN}\n")).unwrap();
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(
            "routes:",
            &format!(
                "  - name: platform\n    slack: {{tokenFile: \"{}\", channel: \"#platform\", apiUrl: \"http://{slack_addr}/api\"}}\nroutes:",
                dir.join("slack-token").display()
            ),
        )
        .replace("receivers: [hook]", "receivers: [platform]");
    std::fs::write(&config, text).unwrap();
    let herald = Herald::learned(&kubeconfig, &config, &[], "api").await;

    server.apply(ks("api", "False")).unwrap();
    until("the failure in Slack", || {
        slack.posted.lock().unwrap().len() == 1
    })
    .await;
    server.apply(ks("api", "True")).unwrap();
    until("the recovery in Slack", || {
        slack.posted.lock().unwrap().len() == 2
    })
    .await;

    let posted = slack.posted.lock().unwrap().clone();
    assert!(
        slack.errors.lock().unwrap().is_empty(),
        "{:?}",
        slack.errors.lock().unwrap()
    );
    let (_, first_ts, failure) = &posted[0];
    assert!(
        failure.get("thread_ts").is_none(),
        "the failure starts a thread"
    );
    let headline = failure["blocks"][0]["text"]["text"].as_str().unwrap();
    assert!(
        headline.contains("Kustomization apps/api: unhealthy"),
        "{headline}"
    );
    let details = failure["blocks"][1]["text"]["text"].as_str().unwrap();
    assert!(
        details.contains("HealthCheckFailed") && details.contains("api is False"),
        "{details}"
    );
    let (_, _, recovery) = &posted[1];
    assert_eq!(
        recovery["thread_ts"],
        first_ts.as_str(),
        "the recovery goes in its thread"
    );
    assert_eq!(recovery["reply_broadcast"], true);
    assert!(
        recovery["blocks"][0]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("recovered")
    );

    let logs = herald.kill();
    assert!(logs.contains("retrying"), "the 429 was waited out: {logs}");
    assert!(!logs.contains(SLACK_TOKEN), "the token leaked:\n{logs}");
}

/// aiosmtpd (PyPI) with STARTTLS and AUTH, behind a certificate from a private authority.
struct Smtp {
    _child: Killed,
    port: u16,
    outbox: PathBuf,
    ca: PathBuf,
}

const SMTP_PASSWORD: &str = "smtp-password-never-logged";

impl Smtp {
    fn start(dir: &Path) -> Smtp {
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(dir)
                .output()
                .expect("openssl runs");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        // A certificate authority, and the server's certificate for localhost signed by it.
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=herald test CA",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ]);
        std::fs::write(
            dir.join("san.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ]);
        let outbox = dir.join("mail");
        std::fs::create_dir_all(&outbox).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp_server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args([
                dir.join("server.pem"),
                dir.join("server.key"),
                outbox.clone(),
            ])
            .args(["herald", SMTP_PASSWORD])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().parse().unwrap_or_else(|_| {
            panic!("the SMTP server did not start (is aiosmtpd installed? tests/install-tools.sh installs it): {line:?}")
        });
        Smtp {
            _child: Killed(child),
            port,
            outbox,
            ca: dir.join("ca.pem"),
        }
    }

    fn received(&self) -> Vec<Value> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.outbox)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_goes_through_starttls_and_auth_with_text_and_html() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let server = cluster(&[("api", "True")]).await;
    let (dir, config, kubeconfig) = setup("notify_email", hook, "", &server);
    let smtp = Smtp::start(&dir);
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace(
            "routes:",
            &format!(
                "  - name: oncall\n    email: {{server: \"localhost:{}\", starttls: true, caFile: \"{}\", from: \"herald <herald@example.com>\", to: [oncall@example.com], usernameEnv: SMTP_USER, passwordEnv: SMTP_PASSWORD}}\nroutes:",
                smtp.port,
                smtp.ca.display()
            ),
        )
        .replace("receivers: [hook]", "receivers: [oncall]");
    std::fs::write(&config, text).unwrap();
    let herald_cmd = Herald::learned(
        &kubeconfig,
        &config,
        &[("SMTP_USER", "herald"), ("SMTP_PASSWORD", SMTP_PASSWORD)],
        "api",
    )
    .await;

    server.apply(ks("api", "False")).unwrap();
    until("the first email", || smtp.received().len() == 1).await;
    server.apply(ks("api", "True")).unwrap();
    until("the second email", || smtp.received().len() == 2).await;

    let mails = smtp.received();
    for m in &mails {
        assert_eq!(m["tls"], true, "STARTTLS was used");
        assert_eq!(m["authenticated"], true);
        assert_eq!(m["from"], "herald@example.com");
        assert_eq!(m["to"], json!(["oncall@example.com"]));
        let data = m["data"].as_str().unwrap();
        assert!(data.contains("Content-Type: text/plain"), "{data}");
        assert!(data.contains("Content-Type: text/html"), "{data}");
        assert!(data.contains("Message-ID: <"), "{data}");
    }
    assert!(
        mails[0]["data"]
            .as_str()
            .unwrap()
            .contains("Subject: Kustomization apps/api: unhealthy")
    );
    assert!(
        mails[1]["data"]
            .as_str()
            .unwrap()
            .contains("Subject: Kustomization apps/api: recovered")
    );
    let logs = herald_cmd.kill();
    assert!(
        !logs.contains(SMTP_PASSWORD),
        "the password leaked:\n{logs}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_reload_keeps_the_running_configuration_and_a_good_one_takes_over() {
    let first = Sink::default();
    let hook = first.start().await;
    let second = Sink::default();
    let hook2 = second.start().await;
    let server = cluster(&[("api", "True")]).await;
    let (_dir, config, kubeconfig) = setup("notify_reload", hook, "", &server);
    let good = std::fs::read_to_string(&config).unwrap();
    let herald = Herald::learned(&kubeconfig, &config, &[], "api").await;
    let pid = herald.child.id().to_string();
    let hup = || {
        let ok = Command::new("kill").args(["-HUP", &pid]).status().unwrap();
        assert!(ok.success());
    };

    // A broken file: refused with every mistake's line and field (an unknown field does not
    // hide the next mistake); the running configuration stays.
    std::fs::write(
        &config,
        good.replace("waitFor", "").replace(
            "receivers: [hook]",
            "receivers: [hook]\n    colour: red\n    waitFor: soon",
        ),
    )
    .unwrap();
    hup();
    // One log line per mistake: wait for both.
    until("the refusal naming both mistakes", || {
        let logs = herald.stderr.lock().unwrap();
        logs.contains("configuration not reloaded")
            && logs.contains("routes[0].colour: unknown field")
            && logs.contains("routes[0].waitFor")
    })
    .await;
    server.apply(ks("api", "False")).unwrap();
    until("the message to the first receiver", || {
        first.taken().len() == 1
    })
    .await;

    // A good one sending to a second receiver instead.
    let moved = good
        .replace(
            "routes:",
            &format!("  - name: hook2\n    webhook: {{url: \"http://{hook2}/hook\"}}\nroutes:"),
        )
        .replace("receivers: [hook]", "receivers: [hook2]");
    std::fs::write(&config, moved).unwrap();
    hup();
    until("the reload", || {
        herald
            .stderr
            .lock()
            .unwrap()
            .contains("configuration reloaded")
    })
    .await;
    server.apply(ks("api", "True")).unwrap();
    until("the message to the second receiver", || {
        second.taken().len() == 1
    })
    .await;
    assert_eq!(first.taken().len(), 1);
    assert_eq!(second.taken()[0].body["event"], "recovered");
    let _ = herald.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silences_added_and_expired_through_the_api() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let server = cluster(&[("api", "True"), ("web", "True")]).await;
    let (dir, config, kubeconfig) = setup("notify_silence_api", hook, "", &server);
    // Writes need a token; its file's name stands for the writer in the audit log.
    let token = "e2e-token-0123456789abcdef";
    std::fs::write(dir.join("ops"), format!("{token}\n")).unwrap();
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!(
            "{text}api:\n  writes:\n    tokenFiles: [\"{}\"]\n",
            dir.join("ops").display()
        ),
    )
    .unwrap();
    let herald = Herald::learned(&kubeconfig, &config, &[], "web").await;
    let base = {
        let logs = herald.stderr.lock().unwrap();
        let url = logs.split("serving on ").nth(1).unwrap();
        url.lines().next().unwrap().to_string()
    };
    let client = reqwest::Client::new();
    let bad = client
        .post(format!("{base}/api/v1/silences"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(r#"{"match": {"name": "api"}, "for": "soon"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("not a duration"));
    let created = client
        .post(format!("{base}/api/v1/silences"))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(r#"{"match": {"kind": "Kustomization", "name": "api"}, "for": "1h", "comment": "maintenance"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let id = serde_json::from_str::<Value>(&created.text().await.unwrap()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // api is silenced; web, changed after it, is not: once web's message is in, api's would be.
    server.apply(ks("api", "False")).unwrap();
    server.apply(ks("web", "False")).unwrap();
    until("web's message", || sink.taken().len() == 1).await;
    assert_eq!(sink.taken()[0].body["object"]["name"], "web");

    let expired = client
        .delete(format!("{base}/api/v1/silences/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 200);
    // Both writes are in the audit log, with who made them.
    until("the audit log", || {
        let logs = herald.stderr.lock().unwrap();
        logs.lines().any(|l| {
            l.contains("silence created")
                && l.contains("who=\"ops\"")
                && l.contains("\"maintenance\"")
        }) && logs
            .lines()
            .any(|l| l.contains("silence expired") && l.contains("who=\"ops\"") && l.contains(&id))
    })
    .await;
    let list: Value = serde_json::from_str(
        &client
            .get(format!("{base}/api/v1/silences"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(list["items"][0]["comment"], "maintenance");
    assert_eq!(list["items"][0]["active"], false);
    server.apply(ks("api", "True")).unwrap();
    until("api's recovery", || sink.taken().len() == 2).await;
    assert_eq!(sink.taken()[1].body["object"]["name"], "api");
    assert_eq!(sink.taken()[1].body["event"], "recovered");
    let _ = herald.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flapping_inside_wait_for_sends_nothing_through_the_whole_pipeline() {
    let sink = Sink::default();
    let hook = sink.start().await;
    let server = cluster(&[("api", "True"), ("web", "True")]).await;
    let (_dir, config, kubeconfig) = setup("notify_flap", hook, "", &server);
    let text = std::fs::read_to_string(&config)
        .unwrap()
        .replace("receivers: [hook]", "receivers: [hook]\n    waitFor: 1s");
    std::fs::write(&config, text).unwrap();
    let herald = Herald::learned(&kubeconfig, &config, &[], "web").await;

    // api flaps: unhealthy and back at once, well inside the 1 s wait.
    server.apply(ks("api", "False")).unwrap();
    server.apply(ks("api", "True")).unwrap();
    // web breaks after it and stays broken. The receiver's worker sends in order of release, so
    // once web's message is in, api's would have come first had it been sent.
    until("api's flap seen", || {
        herald
            .stderr
            .lock()
            .unwrap()
            .matches("apps/api: healthy")
            .count()
            >= 2
    })
    .await;
    server.apply(ks("web", "False")).unwrap();
    until("web's message", || !sink.taken().is_empty()).await;
    let taken = sink.taken();
    assert_eq!(
        taken.len(),
        1,
        "{:?}",
        taken.iter().map(|r| &r.body).collect::<Vec<_>>()
    );
    assert_eq!(taken[0].body["object"]["name"], "web");
    assert_eq!(taken[0].body["event"], "unhealthy");
    let _ = herald.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_going_not_ready_tells_the_kustomization_whose_pod_runs_there() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let server = crate::placement_e2e::cluster().await;
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("notify_node_affects");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("herald.yaml");
    std::fs::write(
        &config,
        format!(
            r#"cluster: e2e
receivers:
  - name: hook
    webhook: {{url: "http://{hook}/hook"}}
routes:
  - match: {{kind: Node}}
    events: [unhealthy]
    receivers: [hook]
delivery: {{outbox: "{}", retryInitial: 50ms, retryMax: 200ms, timeout: 5s}}
"#,
            dir.join("outbox.redb").display()
        ),
    )
    .unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    let (_herald, addr) = crate::util::herald_run(
        &kubeconfig,
        &[std::ffi::OsStr::new("--config"), config.as_os_str()],
    );
    // Learned: n1 hosts web's Pod, which belongs to the Kustomization web.
    let mut learned = false;
    for _ in 0..1500 {
        let (status, _, body) =
            crate::util::request(&addr, "GET", "/api/v1/objects/core/Node/_/n1").await;
        if status == 200 {
            let v: Value = serde_json::from_str(&body).unwrap();
            if v["hosts"]["objects"][0]["name"] == "web" {
                learned = true;
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(learned, "herald learned where web's Pod runs");

    server
        .apply(crate::placement_e2e::node("n1", "False"))
        .unwrap();
    until("the Node's notification", || sink.taken().len() == 1).await;
    let r = &sink.taken()[0];
    assert_eq!(r.body["object"]["kind"], "Node");
    assert_eq!(r.body["object"]["name"], "n1");
    assert_eq!(r.body["event"], "unhealthy");
    let affected = r.body["affected"].as_array().expect("affected");
    assert_eq!(affected.len(), 1, "{}", r.body);
    assert_eq!(affected[0]["object"]["kind"], "Kustomization");
    assert_eq!(affected[0]["object"]["name"], "web");
    assert_eq!(affected[0]["pods"], 1);
    assert!(r.body.get("affectedMore").is_none_or(|m| m == 0));
    assert!(
        r.body["summary"].as_str().unwrap().contains("Node n1"),
        "{}",
        r.body
    );
}

/// A re-pulled image under the same tag reaches the webhook of the Kustomization that applies
/// the Deployment, with both digests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_changed_webhook_carries_both_digests() {
    const A: &str = "sha256:aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111aaaa1111";
    const B: &str = "sha256:bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222bbbb2222";
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    let mut web = ks("web", "True");
    web["status"]["inventory"] =
        json!({"entries": [{"id": "apps_api_apps_Deployment", "v": "v1"}]});
    server.apply(web).unwrap();
    server
        .apply(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "api", "namespace": "apps"},
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "api", "image": "nginx:latest"}]}}},
            "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
                       "availableReplicas": 1, "conditions": [{"type": "Available", "status": "True"}]}}))
        .unwrap();
    server
        .apply(json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "api-5f", "namespace": "apps",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}]},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "availableReplicas": 1}}))
        .unwrap();
    let pod = |name: &str, digest: &str| {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "apps",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-5f"}]},
            "spec": {"containers": [{"name": "api", "image": "nginx:latest"}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}],
                       "containerStatuses": [{"name": "api", "ready": true, "restartCount": 0,
                           "imageID": format!("docker.io/library/nginx@{digest}"),
                           "state": {"running": {"startedAt": "2026-11-01T00:00:00Z"}}}]}})
    };
    server.apply(pod("api-1", A)).unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("notify_image");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("herald.yaml");
    std::fs::write(
        &config,
        format!(
            r#"cluster: e2e
receivers:
  - {{name: hook, webhook: {{url: "http://{hook}/hook"}}}}
routes:
  - match: {{kind: Kustomization}}
    events: [image-changed]
    receivers: [hook]
delivery: {{outbox: "{}", retryInitial: 50ms, retryMax: 200ms, timeout: 5s}}
"#,
            dir.join("outbox.redb").display()
        ),
    )
    .unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    // Started, and the Pod learned (the last of the four: Pods are watched for Deployments).
    let herald = Herald::learned(&kubeconfig, &config, &[], "api-1").await;

    server.delete("v1", "Pod", "apps", "api-1").unwrap();
    server.apply(pod("api-2", B)).unwrap();
    for _ in 0..500 {
        if !sink.taken().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if sink.taken().is_empty() {
        panic!("no webhook; herald said: {}", herald.kill());
    }
    let body = &sink.taken()[0].body;
    assert_eq!(body["event"], "image-changed");
    assert_eq!(body["object"]["name"], "web");
    assert_eq!(body["change"]["type"], "image");
    assert_eq!(body["change"]["container"], "api");
    assert_eq!(body["change"]["image"], "nginx:latest");
    assert_eq!(body["change"]["oldDigest"], A);
    assert_eq!(body["change"]["newDigest"], B);
    assert_eq!(body["change"]["workload"]["kind"], "Deployment");
    drop(herald);
}

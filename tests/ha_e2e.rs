//! Two replicas, one voice: `herald run --leader-elect` processes against the fake API server
//! and a webhook receiver that counts what it is told. Leaders are killed (`kill -9` and
//! SIGTERM) in the middle of a story; a leader's writes are made to fail; a silence is made on
//! the standby; two shards share one server. At the receiver: every message once.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use herald::fake::{FakeApiServer, Options, WriteFault, gitops_resources};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::util::{Answers, herald_bin, request, serve};

/// What the receiver was told: (delivery id, object, event), in order.
#[derive(Clone, Default)]
struct Sink {
    got: Arc<Mutex<Vec<(String, String, String)>>>,
    /// Answers are held while this is set (a delivery in flight at a kill).
    hold: Arc<Mutex<bool>>,
    /// Requests that came in, answered or not.
    arrived: Arc<Mutex<usize>>,
}

impl Answers for Sink {
    async fn answer(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> hyper::Response<Full<Bytes>> {
        let id = req
            .headers()
            .get("x-herald-delivery")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let raw = req.into_body().collect().await.unwrap().to_bytes();
        let body: Value = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        *self.arrived.lock().unwrap() += 1;
        while *self.hold.lock().unwrap() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.got.lock().unwrap().push((
            id,
            body["object"]["name"].as_str().unwrap_or("?").to_string(),
            body["event"].as_str().unwrap_or("?").to_string(),
        ));
        hyper::Response::new(Full::new(Bytes::from_static(b"{}")))
    }
}

impl Sink {
    async fn start(&self) -> std::net::SocketAddr {
        serve(self.clone()).await
    }

    /// How often each (object, event) was told under distinct delivery ids, and how many
    /// deliveries repeated an id already taken (a receiver drops those).
    fn tally(&self) -> (BTreeMap<(String, String), usize>, usize) {
        let got = self.got.lock().unwrap();
        let mut ids = std::collections::BTreeSet::new();
        let mut told: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut repeated_ids = 0;
        for (id, object, event) in got.iter() {
            if !ids.insert(id.clone()) {
                repeated_ids += 1;
                continue;
            }
            *told.entry((object.clone(), event.clone())).or_default() += 1;
        }
        (told, repeated_ids)
    }

    fn count(&self, object: &str, event: &str) -> usize {
        self.tally()
            .0
            .get(&(object.to_string(), event.to_string()))
            .copied()
            .unwrap_or(0)
    }
}

fn ks(name: &str, ready: bool, shard: Option<&str>) -> Value {
    let mut labels = json!({"team": "web"});
    if let Some(s) = shard {
        labels["sharding.fluxcd.io/key"] = json!(s);
    }
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": name, "namespace": "apps", "labels": labels},
           "status": {"conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"},
               "reason": if ready {"ReconciliationSucceeded"} else {"HealthCheckFailed"},
               "message": format!("{name} ready={ready}")}]}})
}

/// Short timings (lease 4 s, renew deadline 2 s, retry 1 s), so that a takeover after a
/// `kill -9` takes seconds; `HA_TIMINGS=15s,10s,2s` measures herald's defaults instead (for
/// BENCHMARKS.md).
fn timings() -> String {
    let given = std::env::var("HA_TIMINGS").unwrap_or_else(|_| "4s,2s,1s".into());
    let t: Vec<&str> = given.split(',').collect();
    format!(
        "leaseDuration: {}\n  renewDeadline: {}\n  retryPeriod: {}",
        t[0], t[1], t[2]
    )
}

/// The test's directory, with herald's configuration (the webhook `hook`, a token file for
/// writes) and the fake API server.
struct Setup {
    dir: PathBuf,
    config: PathBuf,
    server: FakeApiServer,
    token: &'static str,
}

async fn setup(name: &str, hook: std::net::SocketAddr, objects: &[Value]) -> Setup {
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    for o in objects {
        server.apply(o.clone()).unwrap();
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let token = "ha-e2e-token-0123456789abcdef";
    std::fs::write(dir.join("ops"), format!("{token}\n")).unwrap();
    let config = dir.join("herald.yaml");
    std::fs::write(
        &config,
        format!(
            r#"cluster: e2e
receivers:
  - name: hook
    webhook: {{url: "http://{hook}/hook"}}
routes:
  - match: {{kind: Kustomization, labels: {{team: web}}}}
    events: [unhealthy, recovered]
    receivers: [hook]
delivery: {{retryInitial: 50ms, retryMax: 200ms, timeout: 5s}}
leaderElection:
  enabled: true
  namespace: herald
  {timings}
api:
  writes:
    tokenFiles: ["{}"]
"#,
            dir.join("ops").display(),
            timings = timings(),
        ),
    )
    .unwrap();
    Setup {
        dir,
        config,
        server,
        token,
    }
}

/// One `herald run` replica, with its own identity and its own token at the API server (so
/// that its writes can be made to fail alone).
struct Replica {
    name: String,
    child: Option<Child>,
    addr: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Replica {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Setup {
    async fn replica(&self, name: &str, args: &[&str]) -> Replica {
        let kubeconfig = self.dir.join(format!("{name}.kubeconfig"));
        std::fs::write(&kubeconfig, self.server.kubeconfig_as(name)).unwrap();
        let mut child = Command::new(herald_bin())
            .args([
                "run",
                "--listen",
                "127.0.0.1:0",
                "--identity",
                name,
                "--config",
            ])
            .arg(&self.config)
            .args(args)
            .env("KUBECONFIG", &kubeconfig)
            .env("HERALD_HISTORY", crate::util::history_file())
            .env("RUST_LOG", "info")
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let log = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                kept.lock().unwrap().push(line);
            }
        });
        let mut r = Replica {
            name: name.to_string(),
            child: Some(child),
            addr: String::new(),
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let found = r
                .log
                .lock()
                .unwrap()
                .iter()
                .find_map(|l| l.split("serving on http://").nth(1).map(str::to_string));
            if let Some(a) = found {
                r.addr = a.trim().to_string();
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{name} never served: {:?}",
                r.log
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        r
    }
}

impl Replica {
    /// What `/api/v1/status` says of the lead: (leading, holder).
    async fn lead(&self) -> Option<(bool, Option<String>)> {
        let addr = self.addr.clone();
        let answer = tokio::time::timeout(Duration::from_secs(2), async move {
            request(&addr, "GET", "/api/v1/status").await
        })
        .await
        .ok()?;
        let v: Value = serde_json::from_str(&answer.2).ok()?;
        if std::env::var("HA_DEBUG").is_ok() {
            eprintln!("{}: {}", self.name, v["leader"]);
        }
        Some((
            v["leader"]["leading"].as_bool()?,
            v["leader"]["holder"].as_str().map(str::to_string),
        ))
    }

    async fn leading(&self) -> bool {
        self.lead().await.is_some_and(|(l, _)| l)
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, then waits for the process to end; whether it ended by itself with 0.
    fn terminate(&mut self) -> bool {
        let Some(mut c) = self.child.take() else {
            return false;
        };
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        for _ in 0..500 {
            if let Ok(Some(status)) = c.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = c.kill();
        let _ = c.wait();
        false
    }

    fn logs(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }
}

/// Waits for `cond` (at most 60 s).
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut cond: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond().await {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Which of `reps` leads, once exactly one does.
async fn leader_of(reps: &[&Replica]) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut leading = Vec::new();
        for (i, r) in reps.iter().enumerate() {
            if r.leading().await {
                leading.push(i);
            }
        }
        if leading.len() == 1 {
            return leading[0];
        }
        assert!(
            Instant::now() < deadline,
            "never one leader: {leading:?}\n{}",
            reps.iter()
                .map(|r| r.logs())
                .collect::<Vec<_>>()
                .join("\n----\n")
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_voice_and_a_leader_killed_mid_story() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let sink = &sink;
    let s = setup(
        "ha_kill",
        hook,
        &[
            ks("a", true, None),
            ks("b", false, None),
            ks("c", true, None),
        ],
    )
    .await;
    let r0 = s.replica("r0", &[]).await;
    let r1 = s.replica("r1", &[]).await;
    let mut reps = [r0, r1];
    let l = leader_of(&[&reps[0], &reps[1]]).await;
    // Both see the cluster; one tells it. b was broken before anyone led: nobody tells it.
    s.server.apply(ks("a", false, None)).unwrap();
    until("a's trouble", || async move {
        sink.count("a", "unhealthy") == 1
    })
    .await;
    // The standby's view is served too, once its own lists are in (under load it may still be
    // starting when the leader has told a's trouble).
    let other = 1 - l;
    let standby = &reps[other];
    until("the standby serving a", || async move {
        let (_, _, body) = request(&standby.addr, "GET", "/api/v1/objects").await;
        body.contains("\"a\"")
    })
    .await;
    assert!(!reps[other].leading().await);

    // A message in flight when the leader dies: the receiver holds its answer.
    *sink.hold.lock().unwrap() = true;
    s.server.apply(ks("a", true, None)).unwrap();
    let before = *sink.arrived.lock().unwrap();
    until("the recovery reaching the receiver", || async move {
        *sink.arrived.lock().unwrap() > before
    })
    .await;
    let killed_at = Instant::now();
    reps[l].kill9();
    *sink.hold.lock().unwrap() = false;
    // A trouble that begins while nobody leads.
    s.server.apply(ks("c", false, None)).unwrap();
    let standby = &reps[other];
    until(
        "the standby leading",
        || async move { standby.leading().await },
    )
    .await;
    let failover = killed_at.elapsed();
    until("c's trouble and a's recovery", || async move {
        sink.count("c", "unhealthy") == 1 && sink.count("a", "recovered") == 1
    })
    .await;
    // Nothing more comes: give the new leader time to (wrongly) repeat.
    s.server.apply(ks("d", false, None)).unwrap();
    until("d's trouble, after everything else", || async move {
        sink.count("d", "unhealthy") == 1
    })
    .await;
    let (told, repeated_ids) = sink.tally();
    assert_eq!(
        told,
        BTreeMap::from([
            (("a".into(), "recovered".into()), 1),
            (("a".into(), "unhealthy".into()), 1),
            (("c".into(), "unhealthy".into()), 1),
            (("d".into(), "unhealthy".into()), 1),
        ]),
        "{}",
        reps[other].logs()
    );
    // The recovery was in flight at the kill: it may come twice, with one delivery id.
    assert!(repeated_ids <= 1, "{repeated_ids}");
    eprintln!(
        "ha: kill -9 failover in {:.2}s ({}); repeated delivery ids: {repeated_ids}",
        failover.as_secs_f64(),
        timings().replace('\n', "")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_failovers_lose_nothing_and_repeat_nothing() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let sink = &sink;
    let objects: Vec<Value> = (0..21).map(|i| ks(&format!("o{i}"), true, None)).collect();
    let s = setup("ha_twenty", hook, &objects).await;
    let mut reps = [s.replica("r0", &[]).await, s.replica("r1", &[]).await];
    let mut kill9 = Vec::new();
    let mut term = Vec::new();
    for i in 0..20 {
        let l = leader_of(&reps.iter().collect::<Vec<_>>()).await;
        // The story goes on: one object breaks, the one before recovers.
        s.server.apply(ks(&format!("o{i}"), false, None)).unwrap();
        if i > 0 {
            s.server
                .apply(ks(&format!("o{}", i - 1), true, None))
                .unwrap();
        }
        let started = Instant::now();
        let by_term = i % 2 == 1;
        if by_term {
            assert!(reps[l].terminate(), "SIGTERM: {}", reps[l].logs());
        } else {
            reps[l].kill9();
        }
        // And it goes on while nobody leads.
        s.server.apply(ks("o20", i % 2 == 0, None)).unwrap();
        let survivor = 1 - l;
        let standby = &reps[survivor];
        until(
            "the standby leading",
            || async move { standby.leading().await },
        )
        .await;
        let took = started.elapsed();
        if by_term {
            term.push(took);
        } else {
            kill9.push(took);
        }
        // A new standby replaces the one that went.
        reps[l] = s.replica(&format!("r{}", i + 2), &[]).await;
    }
    s.server.apply(ks("o19", true, None)).unwrap();
    // Everything told once: 20 troubles, 20 recoveries, and o20's changes as they ended up.
    until("every message", || async move {
        let (told, _) = sink.tally();
        (0..20).all(|i| {
            told.contains_key(&(format!("o{i}"), "unhealthy".into()))
                && told.contains_key(&(format!("o{i}"), "recovered".into()))
        })
    })
    .await;
    // A last change, told after all the rest: nothing else may still be on its way.
    s.server.apply(ks("last", false, None)).unwrap();
    until("the last message", || async move {
        sink.count("last", "unhealthy") == 1
    })
    .await;
    let (told, repeated_ids) = sink.tally();
    let twice: Vec<_> = told
        .iter()
        .filter(|(k, n)| **n > 1 && k.0 != "o20")
        .collect();
    assert!(twice.is_empty(), "told twice: {twice:?}");
    // o20 flipped at every failover: each of its messages is a real change, none twice in a
    // row (a delivery id seen before is dropped, as a receiver does).
    let mut seen = std::collections::BTreeSet::new();
    let o20: Vec<String> = sink
        .got
        .lock()
        .unwrap()
        .iter()
        .filter(|(id, o, _)| o == "o20" && seen.insert(id.clone()))
        .map(|(_, _, e)| e.clone())
        .collect();
    assert!(o20.windows(2).all(|w| w[0] != w[1]), "{o20:?}");
    let stats = |v: &mut Vec<Duration>| {
        v.sort();
        (v[v.len() / 2].as_secs_f64(), v[v.len() - 1].as_secs_f64())
    };
    let (k_med, k_max) = stats(&mut kill9);
    let (t_med, t_max) = stats(&mut term);
    let messages = sink.got.lock().unwrap().len();
    eprintln!(
        "ha: 20 failovers: kill -9 median {k_med:.2}s max {k_max:.2}s; SIGTERM median {t_med:.2}s max {t_max:.2}s ({}); {messages} deliveries, 0 lost, 0 told twice, {repeated_ids} repeated delivery ids",
        timings().replace('\n', "")
    );
    // SIGTERM hands over by releasing the Lease, not by its expiry: sooner than any kill -9.
    assert!(
        t_max < k_max,
        "a SIGTERM hand-over waited for the lease to expire"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_that_cannot_write_stops_and_the_other_takes_over() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let sink = &sink;
    let s = setup(
        "ha_fence",
        hook,
        &[ks("a", true, None), ks("b", true, None)],
    )
    .await;
    let reps = [s.replica("r0", &[]).await, s.replica("r1", &[]).await];
    let l = leader_of(&[&reps[0], &reps[1]]).await;
    s.server.apply(ks("a", false, None)).unwrap();
    until("a's trouble", || async move {
        sink.count("a", "unhealthy") == 1
    })
    .await;
    // Once the leader has written down that it was delivered…
    let leader = &reps[l];
    until("the hand-over state written", || async move {
        crate::util::metric(&leader.addr, "herald_handover_unwritten_changes").await == Some(0.0)
    })
    .await;
    // … it can read but no longer write: it cannot renew, nor hand over.
    s.server
        .set_write_fault(&reps[l].name, Some(WriteFault::Internal));
    s.server.apply(ks("b", false, None)).unwrap();
    s.server.apply(ks("a", true, None)).unwrap();
    let other = 1 - l;
    let standby = &reps[other];
    until(
        "the other leading",
        || async move { standby.leading().await },
    )
    .await;
    until("b's trouble and a's recovery", || async move {
        sink.count("b", "unhealthy") == 1 && sink.count("a", "recovered") == 1
    })
    .await;
    assert!(!reps[l].leading().await, "the old leader says it leads");
    // What it had pending is the new leader's now: its own metrics say it sends nothing.
    let (_, _, metrics) = request(&reps[l].addr, "GET", "/metrics").await;
    assert!(metrics.contains("\nherald_leader 0\n"), "{metrics}");
    assert!(
        metrics
            .lines()
            .filter(|l| l.starts_with("herald_outbox_pending{"))
            .all(|l| l.ends_with(" 0")),
        "{metrics}"
    );
    // It writes again: it follows, and stays silent.
    s.server.set_write_fault(&reps[l].name, None);
    s.server.apply(ks("b", true, None)).unwrap();
    until("b's recovery", || async move {
        sink.count("b", "recovered") == 1
    })
    .await;
    let (told, repeated_ids) = sink.tally();
    let got = sink.got.lock().unwrap().clone();
    assert!(told.values().all(|n| *n == 1), "{told:?}");
    assert_eq!(
        repeated_ids,
        0,
        "{got:?}\n{}\n----\n{}",
        reps[0].logs(),
        reps[1].logs()
    );
    assert_eq!(told.len(), 4, "{told:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silence_made_on_the_standby_mutes_the_leader() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let sink = &sink;
    let s = setup(
        "ha_silence",
        hook,
        &[ks("a", true, None), ks("b", true, None)],
    )
    .await;
    let reps = [s.replica("r0", &[]).await, s.replica("r1", &[]).await];
    let l = leader_of(&[&reps[0], &reps[1]]).await;
    let standby = &reps[1 - l];
    let auth = format!("Bearer {}", s.token);
    let (status, _, body) = crate::util::exchange(
        &standby.addr,
        "POST",
        "/api/v1/silences",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        r#"{"match": {"kind": "Kustomization", "name": "a"}, "for": "1h", "comment": "maintenance"}"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    // The leader has it (it reads the silences every second).
    let leader = &reps[l];
    until("the leader knowing the silence", || async move {
        let (_, _, body) = request(&leader.addr, "GET", "/api/v1/silences").await;
        body.contains("maintenance")
    })
    .await;
    s.server.apply(ks("a", false, None)).unwrap();
    s.server.apply(ks("b", false, None)).unwrap();
    until("b's trouble", || async move {
        sink.count("b", "unhealthy") == 1
    })
    .await;
    s.server.apply(ks("c", false, None)).unwrap();
    until("c's trouble, after a's would have come", || async move {
        sink.count("c", "unhealthy") == 1
    })
    .await;
    assert_eq!(sink.count("a", "unhealthy"), 0, "the silence did not hold");
}

fn deployment(name: &str, ok: bool) -> Value {
    let progressing = if ok {
        json!({"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"})
    } else {
        json!({"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
               "message": format!("{name} exceeded its progress deadline")})
    };
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": "apps", "generation": 1,
                     "creationTimestamp": "2026-11-01T00:00:00Z"},
        "spec": {"replicas": 1},
        "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
                   "readyReplicas": if ok {1} else {0}, "availableReplicas": if ok {1} else {0},
                   "conditions": [{"type": "Available", "status": if ok {"True"} else {"False"}},
                                  progressing]}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_shards_tell_each_object_once() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let sink = Sink::default();
    let hook = sink.start().await;
    let sink = &sink;
    // Each shard's Kustomization deploys a Deployment; Deployments are watched by kind, so each
    // shard sees the other's too.
    let with_child = |name: &str, shard: &str, child: &str| {
        let mut k = ks(name, true, Some(shard));
        k["status"]["inventory"] =
            json!({"entries": [{"id": format!("apps_{child}_apps_Deployment"), "v": "v1"}]});
        k
    };
    let objects = [
        with_child("x1", "one", "web1"),
        ks("x2", true, Some("one")),
        with_child("y1", "two", "web2"),
        ks("y2", true, Some("two")),
        deployment("web1", true),
        deployment("web2", true),
    ];
    let s = setup("ha_shards", hook, &objects).await;
    // Children's troubles are routed too, and told beside their parent's.
    let text = std::fs::read_to_string(&s.config).unwrap().replace(
        "routes:\n",
        "routes:\n  - match: {kind: Deployment}\n    events: [unhealthy]\n    receivers: [hook]\n",
    );
    std::fs::write(
        &s.config,
        format!("{text}inhibition: {{children: false}}\n"),
    )
    .unwrap();
    let one = s.replica("one-r0", &["--shard", "one"]).await;
    let two = s.replica("two-r0", &["--shard", "two"]).await;
    // Each shard has its own Lease: both lead.
    let (a, b) = (&one, &two);
    until("both shards leading", || async move {
        a.leading().await && b.leading().await
    })
    .await;
    // Both watch Deployments (a kind is watched once an inventory names it).
    until("both shards seeing the Deployments", || async move {
        let mut all = true;
        for r in [a, b] {
            let (_, _, body) = request(&r.addr, "GET", "/api/v1/objects?kind=Deployment").await;
            all &= body.contains("web1") && body.contains("web2");
        }
        all
    })
    .await;
    s.server.apply(ks("x2", false, Some("one"))).unwrap();
    s.server.apply(ks("y2", false, Some("two"))).unwrap();
    s.server.apply(deployment("web1", false)).unwrap();
    s.server.apply(deployment("web2", false)).unwrap();
    until("the troubles", || async move {
        ["x2", "y2", "web1", "web2"]
            .iter()
            .all(|o| sink.count(o, "unhealthy") >= 1)
    })
    .await;
    s.server.apply(ks("z", false, Some("one"))).unwrap();
    until(
        "the last",
        || async move { sink.count("z", "unhealthy") == 1 },
    )
    .await;
    let (told, repeated_ids) = sink.tally();
    assert!(told.values().all(|n| *n == 1), "{told:?}");
    assert_eq!(repeated_ids, 0);
    for o in ["x2", "y2", "web1", "web2", "z"] {
        assert_eq!(sink.count(o, "unhealthy"), 1, "{o}: {told:?}");
    }
    // Each shard's metrics say which shard they are.
    let (_, _, metrics) = request(&one.addr, "GET", "/metrics").await;
    assert!(
        metrics.contains("herald_leader{shard=\"one\"} 1"),
        "{metrics}"
    );
}

//! The HTTP API against strangers and slow clients: writes are closed unless configured and then
//! need a token, JSON and the same origin, within limits and audited; idle and half-sent
//! connections are bounded in number and time, and the probes answer through them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::util::{Killed, exchange, herald_bin, herald_run, herald_run_logged, request};
use herald::fake::{FakeApiServer, Options, gitops_resources};

const TOKEN: &str = "ops-token-0123456789abcdef";

/// A fake cluster and a directory for one test: (the directory, its kubeconfig).
async fn cluster(name: &str) -> (FakeApiServer, PathBuf, PathBuf) {
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let kubeconfig = dir.join("kubeconfig");
    std::fs::write(&kubeconfig, server.kubeconfig()).unwrap();
    (server, dir, kubeconfig)
}

/// `herald run --config` with `config` (its outbox in `dir`), keeping its log.
async fn herald(
    dir: &Path,
    kubeconfig: &Path,
    config: &str,
) -> (Killed, String, Arc<Mutex<Vec<String>>>) {
    let file = dir.join("herald.yaml");
    std::fs::write(
        &file,
        format!(
            "cluster: c\ndelivery: {{outbox: \"{}\"}}\n{config}",
            dir.join("outbox.redb").display()
        ),
    )
    .unwrap();
    let kubeconfig = kubeconfig.to_path_buf();
    tokio::task::spawn_blocking(move || {
        herald_run_logged(&kubeconfig, &["--config".as_ref(), file.as_os_str()])
    })
    .await
    .unwrap()
}

/// A write with the token and JSON, and `extra` headers.
async fn write(
    addr: &str,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    let bearer = format!("Bearer {TOKEN}");
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("Authorization", bearer.as_str()),
    ];
    headers.extend_from_slice(extra);
    exchange(addr, method, path, &headers, body).await
}

/// Polls until `cond` holds, for at most `limit`.
async fn until(limit: Duration, mut cond: impl FnMut() -> bool) -> Result<(), ()> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if cond() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Err(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_are_off_unless_token_files_are_given() {
    let (_server, dir, kubeconfig) = cluster("http_api_writes_off").await;
    let (_herald, addr, _) = herald(&dir, &kubeconfig, "").await;
    let silence = r#"{"match": {"namespace": "prod"}, "for": "1h"}"#;
    let (status, _, body) = write(&addr, "POST", "/api/v1/silences", &[], silence).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("writes are off"), "{body}");
    let (status, _, body) = write(&addr, "DELETE", "/api/v1/silences/s1", &[], "").await;
    assert_eq!(status, 403, "{body}");
    // Reading is open.
    let (status, _, body) = request(&addr, "GET", "/api/v1/silences").await;
    assert_eq!((status, body.as_str()), (200, r#"{"items":[]}"#));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_need_a_token_json_and_the_same_origin_and_stay_within_limits() {
    let (_server, dir, kubeconfig) = cluster("http_api_writes").await;
    std::fs::write(dir.join("ops"), format!("{TOKEN}\n")).unwrap();
    let (_herald, addr, log) = herald(
        &dir,
        &kubeconfig,
        &format!(
            "api:\n  writes:\n    tokenFiles: [\"{}\"]\n    maxSilences: 2\n    maxCommentBytes: 16\n    maxDuration: 1d\n",
            dir.join("ops").display()
        ),
    )
    .await;
    let silence = r#"{"match": {"namespace": "prod"}, "for": "1h", "comment": "deploy"}"#;
    let post = "/api/v1/silences";

    // Strangers: no token, a wrong one, another scheme.
    for auth in [
        None,
        Some("Bearer not-the-token-0123456789"),
        Some("Basic b3BzOm9wcw=="),
    ] {
        let mut headers = vec![("Content-Type", "application/json")];
        headers.extend(auth.map(|a| ("Authorization", a)));
        let (status, head, body) = exchange(&addr, "POST", post, &headers, silence).await;
        assert_eq!(status, 401, "{auth:?}: {body}");
        assert!(
            head.contains("www-authenticate: bearer realm=\"herald\""),
            "{head}"
        );
        let (status, head, _) =
            exchange(&addr, "DELETE", "/api/v1/silences/s1", &headers, "").await;
        assert_eq!(status, 401, "DELETE {auth:?}");
        assert!(head.contains("www-authenticate: bearer"), "{head}");
    }
    // The form post another origin's page can make: refused for its origin, its missing token
    // and, with a token, its type.
    let form = [
        ("Content-Type", "text/plain"),
        ("Origin", "https://evil.example"),
        ("Sec-Fetch-Site", "cross-site"),
    ];
    let (status, _, body) = exchange(&addr, "POST", post, &form, silence).await;
    assert_eq!(status, 403, "{body}");
    for t in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let bearer = format!("Bearer {TOKEN}");
        let headers = [("Content-Type", t), ("Authorization", bearer.as_str())];
        let (status, _, body) = exchange(&addr, "POST", post, &headers, silence).await;
        assert_eq!(status, 415, "{t}: {body}");
    }
    for cross in [
        [("Origin", "https://evil.example"), ("X-Unused", "")],
        [("Sec-Fetch-Site", "cross-site"), ("X-Unused", "")],
        [("Origin", "null"), ("X-Unused", "")],
    ] {
        let (status, _, body) = write(&addr, "POST", post, &cross, silence).await;
        assert_eq!(status, 403, "{cross:?}: {body}");
        assert!(body.contains("may not write"), "{body}");
    }
    let (status, _, _) = write(&addr, "POST", post, &[("Origin", "http://herald")], silence).await;
    assert_eq!(status, 201, "the page's own origin may write");

    // Limits: comment size, duration, a matcher that covers everything without saying so.
    let (status, _, body) = write(
        &addr,
        "POST",
        post,
        &[],
        r#"{"match": {"name": "a"}, "for": "1h", "comment": "seventeen bytes!!"}"#,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("comment: 17 bytes; at most 16"), "{body}");
    let (status, _, body) = write(
        &addr,
        "POST",
        post,
        &[],
        r#"{"match": {"name": "a"}, "for": "2d"}"#,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("at most 1d"), "{body}");
    for everything in [
        r#"{"for": "1h"}"#,
        r#"{"match": {"namespace": "*"}, "events": ["unhealthy"], "for": "1h"}"#,
    ] {
        let (status, _, body) = write(&addr, "POST", post, &[], everything).await;
        assert_eq!(status, 400, "{everything}: {body}");
        assert!(body.contains("matchAll"), "{body}");
    }
    let (status, _, body) = write(
        &addr,
        "POST",
        post,
        &[],
        r#"{"matchAll": true, "for": "1h", "comment": "freeze"}"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let all_id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Two run now: the most allowed.
    let (status, _, body) = write(&addr, "POST", post, &[], silence).await;
    assert_eq!(status, 409, "{body}");
    let metrics = request(&addr, "GET", "/metrics").await.2;
    assert!(
        metrics.contains("herald_silences_active{source=\"api\"} 2"),
        "{metrics}"
    );

    // Expiring one makes room, and is audited with the token's name.
    let (status, _, body) = write(
        &addr,
        "DELETE",
        &format!("/api/v1/silences/{all_id}"),
        &[],
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let metrics = request(&addr, "GET", "/metrics").await.2;
    assert!(
        metrics.contains("herald_silences_active{source=\"api\"} 1"),
        "{metrics}"
    );
    let (status, _, body) = write(&addr, "POST", post, &[], silence).await;
    assert_eq!(status, 201, "{body}");
    until(Duration::from_secs(10), || {
        let log = log.lock().unwrap().join("\n");
        log.lines()
            .filter(|l| l.contains("silence created") && l.contains("who=\"ops\""))
            .count()
            == 3
            && log.lines().any(|l| {
                l.contains("silence expired")
                    && l.contains("who=\"ops\"")
                    && l.contains(&all_id)
                    && l.contains(" ended=")
                    && l.contains("\"freeze\"")
            })
            && log.lines().any(|l| {
                l.contains("silence created")
                    && l.contains("namespaces=[\"prod\"]")
                    && l.contains("until=")
            })
    })
    .await
    .unwrap_or_else(|()| panic!("no audit lines in:\n{}", log.lock().unwrap().join("\n")));
    let log = log.lock().unwrap().join("\n");
    assert!(
        log.contains("write refused"),
        "refusals are logged too: {log}"
    );
    assert!(!log.contains(TOKEN), "the token is never logged");
}

/// Opens a connection and sends `head` (which may be nothing, or a request cut short).
async fn open(addr: &str, head: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.unwrap();
    if !head.is_empty() {
        s.write_all(head.as_bytes()).await.unwrap();
    }
    s
}

/// Whether herald closed the connection (what it sent before is skipped).
async fn closed(s: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(wait, s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
            Err(_) => return false,
        }
    }
}

/// A probe's status, or None if herald did not answer within 5 s.
async fn probe(addr: &str, path: &str) -> Option<u16> {
    tokio::time::timeout(Duration::from_secs(5), request(addr, "GET", path))
        .await
        .ok()
        .map(|r| r.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_answer_through_a_flood_of_idle_and_half_sent_connections() {
    let (_server, dir, kubeconfig) = cluster("http_api_flood").await;
    // Timeouts long enough that only the cap can make room within the test.
    let (_herald, addr, _) = herald(
        &dir,
        &kubeconfig,
        "api: {maxConnections: 50, headerTimeout: 5m, idleTimeout: 5m}\n",
    )
    .await;
    let mut flood = Vec::new();
    for i in 0..200 {
        let head = if i % 2 == 0 {
            ""
        } else {
            "GET /healthz HTTP/1.1\r\nHost: herald\r\nX-Slow: "
        };
        flood.push(open(&addr, head).await);
    }
    for path in ["/healthz", "/readyz", "/metrics", "/healthz"] {
        let status = probe(&addr, path).await;
        assert!(matches!(status, Some(200 | 503)), "{path}: {status:?}");
    }
    // Each new connection past the cap closed one of the quiet ones, the oldest first.
    let shut = futures::future::join_all(
        flood
            .iter_mut()
            .map(|s| closed(s, Duration::from_millis(500))),
    )
    .await
    .into_iter()
    .filter(|c| *c)
    .count();
    assert!(
        shut >= 150,
        "only {shut} of 200 idle connections were closed"
    );
    assert!(
        !closed(flood.last_mut().unwrap(), Duration::from_millis(50)).await,
        "the newest stays"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_idle_connections_and_slow_bodies_are_cut_off_in_time() {
    let (_server, dir, kubeconfig) = cluster("http_api_header_timeout").await;
    std::fs::write(dir.join("ops"), format!("{TOKEN}\n")).unwrap();
    let (_herald, addr, _) = herald(
        &dir,
        &kubeconfig,
        &format!(
            "api: {{headerTimeout: 1s, requestTimeout: 1s, writes: {{tokenFiles: [\"{}\"]}}}}\n",
            dir.join("ops").display()
        ),
    )
    .await;
    let started = Instant::now();
    // A body that never comes: the request's time bound answers.
    let mut slow = open(
        &addr,
        &format!("POST /api/v1/silences HTTP/1.1\r\nHost: herald\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"for\""),
    )
    .await;
    let mut half = open(&addr, "GET /healthz HTTP/1.1\r\nHost: herald\r\n").await;
    let mut idle = open(&addr, "").await;
    assert!(
        closed(&mut half, Duration::from_secs(10)).await,
        "a half-sent request stays open"
    );
    assert!(
        closed(&mut idle, Duration::from_secs(10)).await,
        "an idle connection stays open"
    );
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), slow.read_to_string(&mut answer))
        .await
        .expect("an answer to the slow body")
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("took longer than 1s"), "{answer}");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(probe(&addr, "/healthz").await, Some(200));
}

/// CPU time (user and system) a process has used, in clock ticks (1/100 s).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_file_descriptors_herald_backs_off_and_the_probes_answer() {
    let (_server, dir, kubeconfig) = cluster("http_api_nofile").await;
    // A low limit on open files, as a crowded node might set: the flood exhausts it.
    let prlimit = crate::util::tool(&["/usr/bin/prlimit", "/bin/prlimit"]);
    let mut child = std::process::Command::new(prlimit)
        .arg("--nofile=64:64")
        .arg(herald_bin())
        .args(["run", "--listen", "127.0.0.1:0"])
        .env("KUBECONFIG", &kubeconfig)
        .env("HERALD_HISTORY", crate::util::history_file())
        .env("RUST_LOG", "warn")
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let stderr = child.stderr.take().unwrap();
    let child = Killed(child);
    let addr = tokio::task::spawn_blocking(move || {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(stderr).lines();
        loop {
            let line = lines.next().expect("herald starts").unwrap();
            if let Some(url) = line.strip_prefix("herald: serving on http://") {
                std::thread::spawn(move || for _ in lines {});
                return url.to_string();
            }
        }
    })
    .await
    .unwrap();
    let _ = &dir;

    let mut flood = Vec::new();
    for _ in 0..150 {
        flood.push(open(&addr, "GET /healthz HTTP/1.1\r\nHost: herald\r\n").await);
    }
    let before = cpu_ticks(pid);
    let started = Instant::now();
    // Probes throughout two seconds of the flood: every one answered.
    let mut answered = 0;
    while started.elapsed() < Duration::from_secs(2) {
        assert_eq!(
            probe(&addr, "/healthz").await,
            Some(200),
            "after {answered} probes"
        );
        answered += 1;
        flood.push(open(&addr, "").await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let used = Duration::from_millis((cpu_ticks(pid) - before) * 10);
    let wall = started.elapsed();
    // Spinning on accept takes a whole core; waiting takes next to none.
    assert!(used < wall / 4, "herald used {used:?} of CPU in {wall:?}");
    drop(child);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_refuses_a_token_file_it_cannot_use() {
    let (_server, dir, kubeconfig) = cluster("http_api_bad_token").await;
    std::fs::write(dir.join("weak"), "short\n").unwrap();
    for (file, says) in [("weak", "at least 16"), ("missing", "cannot read")] {
        let out = std::process::Command::new(herald_bin())
            .args(["run", "--listen", "127.0.0.1:0", "--api-token-file"])
            .arg(dir.join(file))
            .env("KUBECONFIG", &kubeconfig)
            .env("HERALD_HISTORY", crate::util::history_file())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--api-token-file") && err.contains(says),
            "{err}"
        );
    }
    // The configuration's token files are checked as herald starts.
    let config = dir.join("herald.yaml");
    std::fs::write(
        &config,
        format!(
            "api:\n  writes:\n    tokenFiles: [\"{}\"]\n",
            dir.join("missing").display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(herald_bin())
        .args(["run", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .env("KUBECONFIG", &kubeconfig)
        .env("HERALD_HISTORY", crate::util::history_file())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("api.writes.tokenFiles") && err.contains("missing"),
        "{err}"
    );
    // A good one turns writes on without a configuration file (silences then need notifications).
    std::fs::write(dir.join("ci"), format!("{TOKEN}\n")).unwrap();
    let token = dir.join("ci");
    let (_herald, addr) = tokio::task::spawn_blocking(move || {
        herald_run(
            &kubeconfig,
            &["--api-token-file".as_ref(), token.as_os_str()],
        )
    })
    .await
    .unwrap();
    let (status, _, body) = write(
        &addr,
        "POST",
        "/api/v1/silences",
        &[],
        r#"{"match": {"name": "a"}, "for": "1h"}"#,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("notifications are off"), "{body}");
}

/// `/api/v1/changes` pages through the history: newest first, no duplicates, a token bound to
/// its filters, and 400 with what is allowed for what cannot match.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_page_through_the_history_and_refuse_what_cannot_match() {
    use herald::history::{History, Limits, Record};
    use herald::store::ObjectKey;
    use serde_json::{Value, json};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    let history = History::in_memory(Limits::default(), Arc::new(herald::clock::SystemClock));
    let client = herald::agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let agent = herald::agent::start(
        client,
        herald::agent::Config {
            history: Some(Arc::clone(&history)),
            ..herald::agent::Config::default()
        },
        herald::health::Assessor::builtin_only,
        Arc::new(herald::clock::SystemClock),
    );
    let now = jiff::Timestamp::now();
    for i in 0..250 {
        let key = ObjectKey::new("apps", "Deployment", "web", &format!("web-{}", i % 10));
        let at = now - jiff::SignedDuration::from_secs(300 - i);
        history.record(
            &key,
            at,
            Record::Warning {
                reason: "BackOff".into(),
                note: format!("n{i}"),
                count: 1,
            },
        );
    }
    history.flush();
    let addr = herald::http::start("127.0.0.1:0".parse().unwrap(), agent)
        .await
        .unwrap()
        .to_string();
    let get = |path: String| {
        let addr = addr.clone();
        async move {
            let (status, _, body) = request(&addr, "GET", &path).await;
            (status, serde_json::from_str::<Value>(&body).unwrap())
        }
    };
    let mut notes: Vec<String> = Vec::new();
    let mut pages = 0;
    let mut token: Option<String> = None;
    loop {
        let path = match &token {
            None => "/api/v1/changes?type=warning&limit=100".to_string(),
            Some(t) => format!("/api/v1/changes?type=warning&limit=100&continue={t}"),
        };
        let (status, v) = get(path).await;
        assert_eq!(status, 200, "{v}");
        pages += 1;
        notes.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["note"].as_str().unwrap().to_string()),
        );
        token = v["continue"].as_str().map(str::to_string);
        if token.is_none() || pages > 5 {
            break;
        }
    }
    // The last page may be full with a token that leads to an empty one.
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..250).rev().map(|i| format!("n{i}")).collect();
    assert_eq!(notes, expected, "newest first, each once");

    // One object, by kind, namespace and name.
    let (_, one) = get("/api/v1/changes?kind=deployment&namespace=web&name=web-3".into()).await;
    assert_eq!(one["items"].as_array().unwrap().len(), 25);
    assert_eq!(one["items"][0]["object"]["name"], "web-3");
    // Since: a time, or a duration back from now.
    let since = now - jiff::SignedDuration::from_secs(100);
    let (status, recent) = get(format!("/api/v1/changes?since={since}")).await;
    assert_eq!(status, 200, "{recent}");
    assert_eq!(recent["items"].as_array().unwrap().len(), 50);
    let (status, ago) = get("/api/v1/changes?since=1h".into()).await;
    assert_eq!(status, 200, "{ago}");
    assert_eq!(ago["items"].as_array().unwrap().len(), 100);

    let (status, first) = get("/api/v1/changes?limit=10".into()).await;
    assert_eq!(status, 200);
    let t = first["continue"].as_str().unwrap().to_string();
    for (path, allowed) in [
        ("/api/v1/changes?type=exploded", None),
        ("/api/v1/changes?type=stuck", None),
        ("/api/v1/changes?since=yesterday", None),
        (
            "/api/v1/changes?limit=0",
            Some(json!({"min": 1, "max": 1000})),
        ),
        ("/api/v1/changes?health=unhealthy", None),
        (
            &*format!("/api/v1/changes?limit=10&name=web-1&continue={t}"),
            None,
        ),
        ("/api/v1/changes?continue=0000", None),
    ] {
        let (status, v) = get(path.to_string()).await;
        assert_eq!(status, 400, "{path}: {v}");
        assert!(v.get("allowed").is_some(), "{path}: {v}");
        if let Some(a) = allowed {
            assert_eq!(v["allowed"], a);
        }
    }
    let (_, bad_type) = get("/api/v1/changes?type=exploded".into()).await;
    assert!(
        bad_type["allowed"]
            .as_array()
            .unwrap()
            .contains(&json!("notification"))
    );
}

/// `/api/v1/objects` pages with `limit` and `continue`: every object once, in order, and the
/// last page without a token; a token that is not one is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_page_with_limit_and_continue() {
    use serde_json::{Value, json};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = FakeApiServer::start(gitops_resources(), Options::default())
        .await
        .unwrap();
    for i in 0..25 {
        server
            .apply(json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": {"name": format!("ks-{i}"), "namespace": "flux-system"},
                "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "R", "message": "m"}]}}))
            .unwrap();
    }
    let client = herald::agent::client(kube::Config::new(server.url().parse().unwrap())).unwrap();
    let agent = herald::agent::start(
        client,
        herald::agent::Config::default(),
        herald::health::Assessor::builtin_only,
        Arc::new(herald::clock::SystemClock),
    );
    let addr = herald::http::start("127.0.0.1:0".parse().unwrap(), Arc::clone(&agent))
        .await
        .unwrap()
        .to_string();
    let get = |path: String| {
        let addr = addr.clone();
        async move {
            let (status, _, body) = request(&addr, "GET", &path).await;
            (status, serde_json::from_str::<Value>(&body).unwrap())
        }
    };
    until(Duration::from_secs(30), || {
        agent.store.read().unwrap().live().count() == 25
    })
    .await
    .expect("herald lists the 25 Kustomizations");

    let mut names = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &token {
            Some(t) => format!("/api/v1/objects?kind=Kustomization&limit=10&continue={t}"),
            None => "/api/v1/objects?kind=Kustomization&limit=10".to_string(),
        };
        let (status, body) = get(path).await;
        assert_eq!(status, 200, "{body}");
        pages += 1;
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 10);
        names.extend(
            items
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_string()),
        );
        match body["continue"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
        assert!(pages < 10, "paging never ends");
    }
    assert_eq!(pages, 3);
    let mut all = names.clone();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 25, "every object once: {names:?}");
    // Without a limit: one answer, no token.
    let (_, body) = get("/api/v1/objects?kind=Kustomization".into()).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 25);
    assert!(body.get("continue").is_none());
    // What is not a token, and a limit out of bounds, are refused with what is allowed.
    let (status, body) = get("/api/v1/objects?continue=zz".into()).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = get("/api/v1/objects?limit=10001".into()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["allowed"]["max"], 10_000);
}

/// An agent whose API server is not there (no watch ever lists, so nothing reconciles its
/// store), its store filled with `n` objects: Kustomizations, HelmReleases, the Deployments the
/// Kustomizations applied, Argo CD Applications and Pods, in turn. Served on loopback.
async fn filled(n: usize) -> (Arc<herald::agent::Agent>, String) {
    use herald::store::{Meta, ObjectKey, Observed};
    use serde_json::json;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let url = format!("http://127.0.0.1:{}", crate::util::free_port());
    let client = herald::agent::client(kube::Config::new(url.parse().unwrap())).unwrap();
    let agent = herald::agent::start(
        client,
        herald::agent::Config::default(),
        herald::health::Assessor::builtin_only,
        Arc::new(herald::clock::SystemClock),
    );
    let ready =
        json!([{"type": "Ready", "status": "True", "reason": "Succeeded", "message": "ok"}]);
    {
        let now = jiff::Timestamp::now();
        let mut assessor = herald::health::Assessor::builtin_only();
        let mut store = agent.store.write().unwrap();
        for i in 0..n {
            let ns = format!("team-{}", i % 7);
            let o = match i % 5 {
                0 => {
                    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                    "metadata": {"name": format!("app-{i}"), "namespace": ns},
                    "status": {"conditions": ready}})
                }
                1 => json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                    "metadata": {"name": format!("rel-{i}"), "namespace": ns},
                    "status": {"conditions": ready}}),
                2 => json!({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": format!("web-{i}"), "namespace": ns,
                        "labels": {"kustomize.toolkit.fluxcd.io/name": format!("app-{}", i - 2),
                                   "kustomize.toolkit.fluxcd.io/namespace": format!("team-{}", (i - 2) % 7)}},
                    "spec": {"replicas": 1},
                    "status": {"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1,
                        "availableReplicas": 1}}),
                3 => json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                    "metadata": {"name": format!("argo-{i}"), "namespace": "argocd"},
                    "spec": {"project": "default", "source": {"repoURL": "https://git.example/r"},
                        "destination": {"namespace": ns}},
                    "status": {"health": {"status": "Healthy"}, "sync": {"status": "Synced"}}}),
                _ => json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("pod-{i}"), "namespace": ns},
                    "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}}),
            };
            let key = ObjectKey::of(&o).unwrap();
            store.apply(
                Observed {
                    links: herald::relations::Links::of(&o, &key),
                    key,
                    resource_version: i.to_string(),
                    meta: Meta::default(),
                    assessment: assessor.assess(&o, now),
                    initial: true,
                    compat: herald::metrics::Compat::of(&o),
                    spec: None,
                    images: Vec::new(),
                },
                now,
            );
        }
    }
    let addr = herald::http::start("127.0.0.1:0".parse().unwrap(), Arc::clone(&agent))
        .await
        .unwrap()
        .to_string();
    (agent, addr)
}

/// Big answers stream (chunked) and stay one document: every live object once, in the store's
/// order, whole or paged; `/metrics` passes promtool with each family's samples together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn big_lists_and_metrics_stream_as_one_document() {
    use serde_json::Value;
    let n = 3_000;
    let (agent, addr) = filled(n).await;
    let keys: Vec<String> = agent
        .store
        .read()
        .unwrap()
        .live()
        .map(|(k, _)| format!("{}/{}/{}", k.kind, k.namespace, k.name))
        .collect();
    assert_eq!(keys.len(), n);
    let names = |body: &Value| -> Vec<String> {
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                format!(
                    "{}/{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["namespace"].as_str().unwrap(),
                    o["name"].as_str().unwrap()
                )
            })
            .collect()
    };

    let (status, head, body) = request(&addr, "GET", "/api/v1/objects").await;
    assert_eq!(status, 200);
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        names(&body),
        keys,
        "every live object once, in the store's order"
    );
    assert!(body.get("continue").is_none());
    // The same fields as a small answer.
    let ks = &body["items"].as_array().unwrap()[keys
        .iter()
        .position(|k| k == "Kustomization/team-0/app-0")
        .unwrap()];
    for field in ["group", "resourceVersion", "assessment", "since"] {
        assert!(ks.get(field).is_some(), "{field}: {ks}");
    }

    // Pages of 1,000 (more than a chunk each) put together: the same list.
    let mut paged = Vec::new();
    let mut path = "/api/v1/objects?limit=1000".to_string();
    for _ in 0..10 {
        let (status, _, body) = request(&addr, "GET", &path).await;
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        paged.extend(names(&body));
        match body["continue"].as_str() {
            Some(t) => path = format!("/api/v1/objects?limit=1000&continue={t}"),
            None => break,
        }
    }
    assert_eq!(paged, keys);
    // Filtered and grouped lists stream too.
    let (_, _, body) = request(&addr, "GET", "/api/v1/objects?kind=deployment").await;
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), n / 5);
    let (_, _, body) = request(&addr, "GET", "/api/v1/objects?grouped=true").await;
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["items"].as_array().unwrap().len(),
        n,
        "no Pod here has an owner"
    );

    let (status, head, text) = request(&addr, "GET", "/metrics").await;
    assert_eq!(status, 200);
    assert!(head.contains("transfer-encoding: chunked"), "{head}");
    // One series per object but the Pods; the compatibility families for Flux and Argo CD.
    let count = |prefix: &str| text.lines().filter(|l| l.starts_with(prefix)).count();
    assert_eq!(count("herald_resource_info{"), n - n / 5);
    assert_eq!(count("gotk_resource_info{"), 2 * n / 5);
    assert_eq!(count("argocd_app_info{"), n / 5);
    assert_eq!(count("herald_ready "), 1);
    // Each family once, its samples together.
    let mut families: Vec<&str> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let name = line.split(['{', ' ']).next().unwrap();
        let name = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s))
            .unwrap_or(name);
        if families.last() != Some(&name) {
            assert!(!families.contains(&name), "{name}: its samples are apart");
            families.push(name);
        }
    }
    let (passed, said) = crate::util::promtool_check_metrics(&text);
    // Cardinality warnings aside (3,000 series in one family is the point here).
    let problems: Vec<&str> = said
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("cardinality"))
        .collect();
    assert!(
        passed && problems.is_empty(),
        "promtool check metrics: {said}"
    );
}

/// A connection that can hold little in flight, so that an answer of a few hundred KiB outgrows
/// what the kernel buffers for a client that stops reading. Loopback's large default segment
/// (64 KiB) sizes the server's send buffer in megabytes, enough to take a whole answer at once;
/// a small segment and a small receive window keep both buffers near a hundred KiB.
async fn narrow_client(addr: &str) -> TcpStream {
    use std::os::fd::AsRawFd;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mss: libc::c_int = 536;
    // SAFETY: a valid socket descriptor, and a pointer to an int with its length.
    let done = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_MAXSEG,
            (&raw const mss).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(done, 0, "TCP_MAXSEG: {}", std::io::Error::last_os_error());
    socket.connect(addr.parse().unwrap()).await.unwrap()
}

/// A client that stops reading holds no lock, and one that goes away stops the answer: what
/// made it (holding the agent) is dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_or_departed_client_holds_no_lock_and_stops_the_answer() {
    let (agent, addr) = filled(3_000).await;
    // Taken before any connection: one that has just closed may still hold the agent.
    let baseline = Arc::strong_count(&agent);
    for path in ["/api/v1/objects", "/metrics"] {
        let mut s = narrow_client(&addr).await;
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: h\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut first = [0u8; 64];
        let n = s.read(&mut first).await.unwrap();
        assert!(
            String::from_utf8_lossy(&first[..n]).starts_with("HTTP/1.1 200"),
            "{path}"
        );
        // The client reads no more: the store can still be written.
        until(Duration::from_secs(10), || agent.store.try_write().is_ok())
            .await
            .unwrap_or_else(|_| panic!("{path}: the store stays locked for a stalled client"));
        // The connection holds the agent, and so does the answer being made.
        assert_eq!(
            Arc::strong_count(&agent),
            baseline + 2,
            "{path}: the answer is still being made"
        );
        drop(s);
        until(Duration::from_secs(10), || {
            Arc::strong_count(&agent) == baseline
        })
        .await
        .unwrap_or_else(|_| panic!("{path}: the answer goes on after its client left"));
    }
}

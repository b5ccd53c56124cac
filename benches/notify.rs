//! Notification latency: from a state change on the fake API server to the webhook receiving it,
//! at 1,000 changes per second. `herald run` (the release binary) watches 1,000 Kustomizations
//! and sends every unhealthy and recovered event to a webhook on loopback, through its outbox.
//! Run with `cargo bench --bench notify`; `HERALD_BENCH_CHANGES` sets the number of changes.

use std::collections::HashMap;
use std::convert::Infallible;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use herald::fake::{FakeApiServer, Options, gitops_resources};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};

const OBJECTS: usize = 1_000;
const RATE: u64 = 1_000;

fn ks(i: usize, ready: bool) -> Value {
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": format!("ks-{i}"), "namespace": "apps"},
           "status": {"conditions": [{"type": "Ready", "status": if ready {"True"} else {"False"},
               "reason": if ready {"ReconciliationSucceeded"} else {"HealthCheckFailed"}, "message": "m"}]}})
}

type Arrivals = Arc<Mutex<HashMap<(String, String), Vec<Instant>>>>;

async fn sink(arrivals: Arrivals) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let arrivals = Arc::clone(&arrivals);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |req: hyper::Request<hyper::body::Incoming>| {
                        let arrivals = Arc::clone(&arrivals);
                        async move {
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            let now = Instant::now();
                            let v: Value = serde_json::from_slice(&body).unwrap();
                            let key = (
                                v["object"]["name"].as_str().unwrap().to_string(),
                                v["event"].as_str().unwrap().to_string(),
                            );
                            arrivals.lock().unwrap().entry(key).or_default().push(now);
                            Ok::<_, Infallible>(hyper::Response::new(Full::new(
                                Bytes::from_static(b"{}"),
                            )))
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let changes: usize = std::env::var("HERALD_BENCH_CHANGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let server = FakeApiServer::start(
        gitops_resources(),
        Options {
            history_limit: 100_000,
            ..Options::default()
        },
    )
    .await
    .unwrap();
    for i in 0..OBJECTS {
        server.apply(ks(i, true)).unwrap();
    }
    let arrivals: Arrivals = Arc::default();
    let hook = sink(Arc::clone(&arrivals)).await;
    let dir = std::env::temp_dir().join(format!("herald-bench-notify-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("kubeconfig"), server.kubeconfig()).unwrap();
    std::fs::write(
        dir.join("herald.yaml"),
        format!(
            "cluster: bench\nreceivers:\n  - {{name: hook, webhook: {{url: \"http://{hook}/hook\"}}}}\nroutes:\n  - match: {{kind: Kustomization}}\n    events: [unhealthy, recovered]\n    receivers: [hook]\ndelivery: {{outbox: \"{}\"}}\n",
            dir.join("outbox.redb").display()
        ),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_herald"))
        .args(["run", "--listen", "127.0.0.1:0", "--config"])
        .arg(dir.join("herald.yaml"))
        .env("KUBECONFIG", dir.join("kubeconfig"))
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (seen_tx, seen_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let mut n = 0;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("Kustomization apps/ks-") {
                n += 1;
                if n == OBJECTS {
                    let _ = seen_tx.send(());
                }
            }
        }
    });
    tokio::task::spawn_blocking(move || seen_rx.recv_timeout(Duration::from_secs(60)).unwrap())
        .await
        .unwrap();

    // Changes at 1,000 per second: each flips one object (unhealthy, then recovered).
    let batch: Vec<(Value, (String, String))> = (0..changes)
        .map(|c| {
            let i = c % OBJECTS;
            let ready = (c / OBJECTS) % 2 == 1;
            let event = if ready { "recovered" } else { "unhealthy" };
            (ks(i, ready), (format!("ks-{i}"), event.to_string()))
        })
        .collect();
    let mut sent: HashMap<(String, String), Vec<Instant>> = HashMap::new();
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / RATE));
    let started = Instant::now();
    for (obj, key) in batch {
        tick.tick().await;
        server.apply(obj).unwrap();
        sent.entry(key).or_default().push(Instant::now());
    }
    let pace = changes as f64 / started.elapsed().as_secs_f64();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got: usize = arrivals.lock().unwrap().values().map(Vec::len).sum();
        if got >= changes || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let arrivals = arrivals.lock().unwrap();
    let mut latencies: Vec<Duration> = Vec::new();
    let mut missing = 0;
    for (key, times) in &sent {
        let got = arrivals.get(key).map_or(&[][..], Vec::as_slice);
        for (i, t) in times.iter().enumerate() {
            match got.get(i) {
                Some(a) => latencies.push(a.saturating_duration_since(*t)),
                None => missing += 1,
            }
        }
    }
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!("changes: {changes} at {pace:.0}/s (target pace {RATE}/s), {OBJECTS} objects");
    println!("delivered: {} ({missing} missing)", latencies.len());
    println!(
        "latency, state change on the API server → webhook received: p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.9).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies.last().unwrap().as_secs_f64() * 1e3
    );
}

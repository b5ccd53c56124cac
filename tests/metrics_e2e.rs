//! `/metrics` against the real tools: promtool's linter on what `herald demo` serves, and
//! Debian's Prometheus scraping the demo while every dashboard panel's query runs through its
//! HTTP API.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{Killed, free_port, herald_bin, tool};

/// `herald demo` on a free port, its story played in a loop; killed when dropped.
struct Demo {
    _child: Killed,
    addr: String,
}

impl Demo {
    fn start() -> Demo {
        let mut child = Command::new(herald_bin())
            .args(["demo", "--listen", "127.0.0.1:0", "--step-ms", "300"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Reads every line (so the demo never blocks on a full pipe); sends the API's address.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix("herald's API: http://") {
                    let addr = rest.split('/').next().unwrap_or_default().to_string();
                    let _ = tx.send(addr);
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("herald demo printed its address");
        let demo = Demo {
            _child: Killed(child),
            addr,
        };
        poll("herald demo ready", Duration::from_secs(60), || {
            get(&format!("http://{}/readyz", demo.addr)).map(|_| ())
        });
        demo
    }

    fn metrics(&self) -> String {
        get(&format!("http://{}/metrics", self.addr)).expect("GET /metrics")
    }
}

/// A blocking HTTP GET on loopback: the body of a 200, else None.
fn get(url: &str) -> Option<String> {
    let rest = url.strip_prefix("http://")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut stream = std::net::TcpStream::connect(host).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut stream, &mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    if !head.starts_with("HTTP/1.1 200") {
        return None;
    }
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Some(dechunk(body));
    }
    Some(body.to_string())
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Calls `f` until it answers, at most for `limit`; panics naming `what` otherwise.
fn poll<T>(what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + limit;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn metrics_pass_promtool_check_and_keep_the_contract() {
    let demo = Demo::start();
    // After a few steps of the story, so that notifications and transitions have series.
    let text = poll("a delivered notification", Duration::from_secs(60), || {
        let t = demo.metrics();
        t.contains("herald_notifications_total{outcome=\"delivered\",receiver=\"terminal\"} ")
            .then_some(t)
            .filter(|t| !t.contains("outcome=\"delivered\",receiver=\"terminal\"} 0\n"))
    });
    let (passed, said) = crate::util::promtool_check_metrics(&text);
    assert!(
        passed && said.trim().is_empty(),
        "promtool check metrics: {said}"
    );

    // The series the dashboards and alerts are built on, with their labels.
    let series = parse(&text);
    let labels_of = |name: &str| -> BTreeSet<String> {
        series
            .iter()
            .filter(|(n, _, _)| n == name)
            .flat_map(|(_, l, _)| l.keys().cloned())
            .collect()
    };
    let want: &[(&str, &[&str])] = &[
        (
            "herald_resource_info",
            &[
                "cluster",
                "group",
                "kind",
                "namespace",
                "name",
                "health",
                "status",
                "ready",
                "suspended",
                "revision",
            ],
        ),
        ("herald_resources", &["cluster", "kind", "health"]),
        ("herald_health_transitions_total", &["kind", "from", "to"]),
        ("herald_notifications_total", &["receiver", "outcome"]),
        (
            "herald_notification_delay_seconds_bucket",
            &["receiver", "le"],
        ),
        ("herald_outbox_pending", &["receiver"]),
        ("herald_silences_active", &["source"]),
        ("herald_warnings", &[]),
        ("herald_warnings_evicted_total", &[]),
        ("herald_changes_bytes", &[]),
        ("herald_check_duration_seconds_bucket", &["engine", "le"]),
        ("herald_watch_events_total", &["kind", "type"]),
        ("herald_ready", &[]),
        ("herald_build_info", &["version"]),
        (
            "gotk_resource_info",
            &[
                "name",
                "exported_namespace",
                "customresource_kind",
                "ready",
                "revision",
            ],
        ),
        (
            "argocd_app_info",
            &[
                "name",
                "namespace",
                "project",
                "repo",
                "dest_server",
                "dest_namespace",
                "health_status",
                "sync_status",
            ],
        ),
        ("process_resident_memory_bytes", &[]),
    ];
    for (name, labels) in want {
        assert!(
            series.iter().any(|(n, _, _)| n == name),
            "no {name} in:\n{text}"
        );
        let have = labels_of(name);
        for l in *labels {
            assert!(have.contains(*l), "{name} has no label {l}: {have:?}");
        }
    }
    // Without an election the one replica is the leader: the no-leader alert stays quiet.
    assert!(
        series
            .iter()
            .any(|(n, l, v)| n == "herald_leader" && l.is_empty() && *v == 1.0),
        "herald_leader is not 1:\n{text}"
    );
    // One info series per object, the same number herald's API lists (less Pods, ReplicaSets
    // and Jobs, which are only counted).
    let objects: Value = serde_json::from_str(
        &get(&format!("http://{}/api/v1/objects", demo.addr)).expect("objects"),
    )
    .unwrap();
    let listed = objects["items"]
        .as_array()
        .expect("a list of objects")
        .iter()
        .filter(|o| !matches!(o["kind"].as_str(), Some("Pod" | "ReplicaSet" | "Job")))
        .count();
    let info = series
        .iter()
        .filter(|(n, _, _)| n == "herald_resource_info")
        .count();
    // (The story may move between the two requests; it neither adds nor removes objects.)
    assert_eq!(info, listed, "info series and objects listed");
    let counted: f64 = series
        .iter()
        .filter(|(n, _, _)| n == "herald_resources")
        .map(|(_, _, v)| v)
        .sum();
    assert!(
        counted as usize >= info,
        "herald_resources counts {counted}"
    );
    assert!(
        series
            .iter()
            .any(|(n, l, v)| n == "herald_ready" && l.is_empty() && *v == 1.0)
    );
}

/// (name, labels, value) of every sample in the text format (label values without escapes).
fn parse(text: &str) -> Vec<(String, BTreeMap<String, String>, f64)> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (series, value) = line.rsplit_once(' ').expect("name and value");
        let value: f64 = value.parse().unwrap_or(f64::NAN);
        let (name, labels) = match series.split_once('{') {
            Some((n, rest)) => (n, rest.trim_end_matches('}')),
            None => (series, ""),
        };
        let mut map = BTreeMap::new();
        let mut rest = labels;
        while let Some((k, v)) = rest.split_once("=\"") {
            let mut end = 0;
            let bytes = v.as_bytes();
            while end < bytes.len()
                && !(bytes[end] == b'"' && (end == 0 || bytes[end - 1] != b'\\'))
            {
                end += 1;
            }
            map.insert(k.trim_start_matches(',').to_string(), v[..end].to_string());
            rest = &v[(end + 1).min(v.len())..];
        }
        out.push((name.to_string(), map, value));
    }
    out
}

/// Debian's Prometheus, scraping one target every second; killed when dropped.
struct Prometheus {
    _child: Killed,
    url: String,
}

impl Prometheus {
    fn start(dir: &Path, target: &str) -> Prometheus {
        let bin = tool(&["/usr/bin/prometheus", "/usr/local/bin/prometheus"]);
        let config = dir.join("prometheus.yml");
        std::fs::write(
            &config,
            format!(
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: herald\n    honor_labels: true\n    static_configs:\n      - targets: [\"{target}\"]\n"
            ),
        )
        .unwrap();
        let port = free_port();
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let p = Prometheus {
            _child: Killed(child),
            url: format!("http://127.0.0.1:{port}"),
        };
        poll("Prometheus ready", Duration::from_secs(60), || {
            get(&format!("{}/-/ready", p.url))
        });
        p
    }

    /// The result of an instant query, or the error Prometheus gave.
    fn query(&self, expr: &str) -> Result<Vec<Value>, String> {
        let url = format!("{}/api/v1/query?query={}", self.url, encode(expr));
        let body = get(&url).ok_or_else(|| format!("no answer (or an error status) for {url}"))?;
        let v: Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
        if v["status"] != "success" {
            return Err(body);
        }
        Ok(v["data"]["result"].as_array().cloned().unwrap_or_default())
    }
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Grafana's variables as the test sets them: every cluster, namespace and receiver; the
/// object history on an Argo CD Application of the demo, so that its Argo CD panel has data too.
fn substitute(expr: &str) -> String {
    let mut e = expr.to_string();
    for (var, value) in [
        ("$__rate_interval", "1m"),
        ("$__interval", "15s"),
        ("$__range", "1h"),
        ("$cluster", ".*"),
        ("$namespace", ".*"),
        ("$receiver", ".*"),
        ("$job", ".*"),
        ("$instance", ".*"),
        ("$name", "billing"),
    ] {
        e = e
            .replace(&format!("${{{}}}", &var[1..]), value)
            .replace(var, value);
    }
    // `kind` is a regex on the fleet overview and one kind in the object history.
    e = e.replace("kind=~\"$kind\"", "kind=~\".*\"");
    e.replace("$kind", "Application")
}

/// Every panel query of every dashboard: (dashboard, panel, expression).
fn panel_queries() -> Vec<(String, String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let d: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let mut stack: Vec<&Value> = d["panels"].as_array().unwrap().iter().collect();
        while let Some(p) = stack.pop() {
            if let Some(inner) = p["panels"].as_array() {
                stack.extend(inner);
            }
            for t in p["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = t["expr"].as_str() {
                    let title = p["title"].as_str().unwrap_or("(untitled)").to_string();
                    out.push((name.clone(), title, expr.to_string()));
                }
            }
        }
    }
    out
}

#[test]
fn prometheus_scrapes_the_demo_and_every_dashboard_panel_has_data() {
    let demo = Demo::start();
    let dir = std::env::temp_dir().join(format!("herald-prometheus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let prometheus = Prometheus::start(&dir, &demo.addr);
    poll("Prometheus scraped herald", Duration::from_secs(60), || {
        let r = prometheus.query("up{job=\"herald\"} == 1").ok()?;
        (!r.is_empty()).then_some(())
    });

    let queries = panel_queries();
    assert!(queries.len() > 40, "only {} panel queries", queries.len());
    // The story goes round every few seconds: a panel about a state (unhealthy, suspended) has
    // data once a scrape caught that state. Each query is asked until it answers with data.
    let mut waiting: Vec<(String, String, String)> = queries;
    let end = Instant::now() + Duration::from_secs(90);
    let mut errors = Vec::new();
    while !waiting.is_empty() && Instant::now() < end {
        waiting.retain(
            |(dash, panel, expr)| match prometheus.query(&substitute(expr)) {
                Ok(result) => result.is_empty(),
                Err(e) => {
                    errors.push(format!("{dash} / {panel}: {expr}: {e}"));
                    false
                }
            },
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert!(
        errors.is_empty(),
        "queries Prometheus refused:\n{}",
        errors.join("\n")
    );
    // Every panel has data in the demo: one that has none is named with its query.
    let empty: Vec<String> = waiting
        .iter()
        .map(|(dash, panel, expr)| format!("{dash} / {panel}: {}", substitute(expr)))
        .collect();
    assert!(
        empty.is_empty(),
        "panels without data after 90 s of the demo:\n{}",
        empty.join("\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

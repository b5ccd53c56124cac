use std::path::PathBuf;

use jiff::Timestamp;

/// The evaluation time of every conformance case: fixtures speak of it through time tokens.
pub fn now() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

pub fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

pub fn herald_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_herald"))
}

/// A child process, killed (and reaped) when dropped.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The first of `paths` that exists: a tool `tests/install-tools.sh` installs.
pub fn tool(paths: &[&str]) -> String {
    paths
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or_else(|| {
            panic!(
                "{} is not installed: tests/install-tools.sh installs it (bash tests/run runs it)",
                paths[0]
            )
        })
        .to_string()
}

/// A history file of its own for one run of herald (in the temporary directory). The files of
/// test runs that have ended are removed the first time one is asked for: a run's herald
/// processes may hold theirs until the run ends, so each run removes its predecessors'.
pub fn history_file() -> PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    static SWEPT: std::sync::Once = std::sync::Once::new();
    SWEPT.call_once(|| herald::remove_ended_runs_files("herald-test-history-"));
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    std::env::temp_dir().join(format!(
        "herald-test-history-{}-{n}.redb",
        std::process::id()
    ))
}

/// A loopback port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `herald run --listen 127.0.0.1:0 ARGS` with `kubeconfig`; returns the process and the
/// address it serves on (what it logs afterwards is read and dropped, so it never blocks).
pub fn herald_run(kubeconfig: &std::path::Path, args: &[&std::ffi::OsStr]) -> (Killed, String) {
    let (child, addr, _) = herald_run_logged(kubeconfig, args);
    (child, addr)
}

/// The same, keeping what it logs afterwards (standard error, line by line).
pub fn herald_run_logged(
    kubeconfig: &std::path::Path,
    args: &[&std::ffi::OsStr],
) -> (
    Killed,
    String,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    let mut child = Command::new(herald_bin())
        .args(["run", "--listen", "127.0.0.1:0"])
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        // Each run its own history file, unless the test names one (`--history` wins).
        .env("HERALD_HISTORY", history_file())
        .env_remove("RUST_LOG")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let child = Killed(child);
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("herald prints where it serves: {:?}", log.lock().unwrap()))
            .unwrap();
        if let Some(url) = line.strip_prefix("herald: serving on http://") {
            let kept = std::sync::Arc::clone(&log);
            std::thread::spawn(move || {
                for line in lines.map_while(Result::ok) {
                    kept.lock().unwrap().push(line);
                }
            });
            return (child, url.to_string(), log);
        }
        log.lock().unwrap().push(line);
    }
}

/// One HTTP/1.1 request on loopback: (status, headers in lower case, body).
pub async fn request(addr: &str, method: &str, path: &str) -> (u16, String, String) {
    send(addr, method, path, "").await
}

/// The same with a JSON body.
pub async fn send(addr: &str, method: &str, path: &str, body: &str) -> (u16, String, String) {
    exchange(
        addr,
        method,
        path,
        &[("Content-Type", "application/json")],
        body,
    )
    .await
}

/// The same with these headers (beside Host, Content-Length and Connection).
pub async fn exchange(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let headers: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    s.write_all(
        format!(
            "{method} {path} HTTP/1.1\r\nHost: herald\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).await.unwrap();
    let status: u16 = raw[9..12].parse().unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let head = head.to_ascii_lowercase();
    let body = if head.contains("\r\ntransfer-encoding: chunked") {
        dechunk(body).unwrap_or_else(|| panic!("{method} {path}: a chunked body cut short"))
    } else {
        body.to_string()
    };
    (status, head, body)
}

/// The content of a chunked HTTP/1.1 body; None unless it ends with its last (empty) chunk.
pub fn dechunk(mut body: &str) -> Option<String> {
    let mut out = String::new();
    loop {
        let (size, rest) = body.split_once("\r\n")?;
        let n = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
        if n == 0 {
            return Some(out);
        }
        out.push_str(rest.get(..n)?);
        body = rest.get(n..)?.strip_prefix("\r\n")?;
    }
}

/// Waits for `check` to hold, failing the test after 30 s.
pub async fn eventually<F: std::future::Future<Output = bool>>(
    what: &str,
    mut check: impl FnMut() -> F,
) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// The value of the line of `/metrics` at `addr` that starts with `series `.
pub async fn metric(addr: &str, series: &str) -> Option<f64> {
    let (_, _, text) = request(addr, "GET", "/metrics").await;
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

/// What a bounded child process did: its output and its peak resident memory.
pub struct Bounded {
    pub output: std::process::Output,
    pub peak_mib: u64,
}

/// Runs `herald ARGS` (standard input from `stdin`, or empty) and measures its peak resident
/// memory (`VmHWM`, which only grows, read until it exits). A child that passes `limit_mib`
/// or runs past `deadline` is killed at once, so that a regression fails the test instead of
/// exhausting the machine; the output then says so.
pub fn herald_bounded(
    args: &[&std::ffi::OsStr],
    stdin: Option<std::path::PathBuf>,
    limit_mib: u64,
    deadline: std::time::Duration,
) -> Bounded {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(herald_bin())
        .args(args)
        .stdin(match stdin {
            Some(path) => Stdio::from(std::fs::File::open(path).unwrap()),
            None => Stdio::null(),
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herald runs");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut all = Vec::new();
            let _ = pipe.read_to_end(&mut all);
            all
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let status_file = format!("/proc/{}/status", child.id());
    let started = std::time::Instant::now();
    let mut peak_kib = 0;
    let mut killed = None;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kib) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kib = peak_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if killed.is_none() && peak_kib > limit_mib << 10 {
            killed = Some(format!("killed: over {limit_mib} MiB"));
            let _ = child.kill();
        } else if killed.is_none() && started.elapsed() > deadline {
            killed = Some(format!("killed: still running after {deadline:?}"));
            let _ = child.kill();
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    let mut stderr = stderr.join().unwrap();
    if let Some(why) = killed {
        stderr.extend_from_slice(format!("\n[{why}]\n").as_bytes());
    }
    Bounded {
        output: std::process::Output {
            status,
            stdout: stdout.join().unwrap(),
            stderr,
        },
        peak_mib: peak_kib >> 10,
    }
}

/// A kube client that authenticates as `token` (the fake server tells clients apart by it). It
/// does not retry: kube's default retries a 503 with backoff for about five minutes.
pub async fn client_as(s: &herald::fake::FakeApiServer, token: &str) -> kube::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&s.kubeconfig_as(token)).unwrap();
    let mut config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await
    .unwrap();
    config.default_retry = false;
    kube::Client::try_from(config).unwrap()
}

/// A local HTTP server's answers, one request at a time.
pub trait Answers: Clone + Send + Sync + 'static {
    fn answer(
        &self,
        req: hyper::Request<hyper::body::Incoming>,
    ) -> impl std::future::Future<Output = hyper::Response<http_body_util::Full<bytes::Bytes>>> + Send;
}

/// Serves HTTP/1 on a free loopback port with `answers`; returns the address.
pub async fn serve(answers: impl Answers) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let answers = answers.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let answers = answers.clone();
                    async move { Ok::<_, std::convert::Infallible>(answers.answer(req).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// `promtool check metrics` on a scrape's text: whether it passed, and what it said.
pub fn promtool_check_metrics(text: &str) -> (bool, String) {
    use std::io::Write;
    let mut promtool =
        std::process::Command::new(tool(&["/usr/bin/promtool", "/usr/local/bin/promtool"]))
            .args(["check", "metrics"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run promtool");
    promtool
        .stdin
        .take()
        .expect("promtool's stdin")
        .write_all(text.as_bytes())
        .expect("write to promtool");
    let out = promtool.wait_with_output().expect("promtool's output");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

//! What the process benchmarks share: a GET to herald's API, and a process's CPU time and
//! resident memory from `/proc`.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub async fn get(addr: &str, path: &str) -> (u16, String) {
    let Ok(mut s) = tokio::net::TcpStream::connect(addr).await else {
        return (0, String::new());
    };
    let _ = s
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: herald\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await;
    let mut raw = String::new();
    let _ = s.read_to_string(&mut raw).await;
    let status = raw.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (
        status,
        raw.split_once("\r\n\r\n")
            .map_or(String::new(), |(_, b)| b.to_string()),
    )
}

/// CPU time (user + system) a process has used, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The most memory a process has held since it started or since [`reset_peak_rss`] (VmHWM).
#[allow(dead_code)]
pub fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets a child process's peak resident memory to what it holds now (Linux `clear_refs`).
#[allow(dead_code)]
pub fn reset_peak_rss(pid: u32) {
    let _ = std::fs::write(format!("/proc/{pid}/clear_refs"), "5");
}

/// CPU seconds per thread name of a process (threads of one name summed).
#[allow(dead_code)]
pub fn thread_cpu(pid: u32) -> std::collections::BTreeMap<String, f64> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in tasks.flatten() {
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap_or_default();
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let name = head.split_once('(').map_or("", |(_, n)| n).to_string();
        let f: Vec<f64> = rest
            .split_whitespace()
            .map(|v| v.parse().unwrap_or(0.0))
            .collect();
        let ticks = f.get(11).copied().unwrap_or(0.0) + f.get(12).copied().unwrap_or(0.0);
        *out.entry(name).or_default() += ticks / 100.0;
    }
    out
}

/// Where the CPU of a phase went, by thread name: `evaluator 1.20 s, tokio-rt-worker 0.80 s`.
#[allow(dead_code)]
pub fn cpu_split(
    before: &std::collections::BTreeMap<String, f64>,
    after: &std::collections::BTreeMap<String, f64>,
) -> String {
    let mut parts: Vec<(String, f64)> = after
        .iter()
        .map(|(n, v)| (n.clone(), v - before.get(n).copied().unwrap_or(0.0)))
        .filter(|(_, d)| *d >= 0.005)
        .collect();
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    parts
        .iter()
        .map(|(n, d)| format!("{n} {d:.2} s"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Starts the release `herald` with `args` and `KUBECONFIG`, and reads its standard error until
/// it says where it serves (the rest of it is drained): the process and its address.
///
/// `HERALD_BENCH_BIN` names another herald executable (one built with the `system-allocator`
/// feature, say); `HERALD_BENCH_WRAP` a command that runs it (`heaptrack -o /tmp/herald`), its
/// words split at spaces; [`herald_pid`] then finds herald under it.
#[allow(dead_code)]
pub async fn start_herald(
    args: &[String],
    kubeconfig: &std::path::Path,
) -> (std::process::Child, String) {
    use std::io::{BufRead, BufReader};
    let bin = std::env::var("HERALD_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_herald").to_string());
    let wrap = std::env::var("HERALD_BENCH_WRAP").unwrap_or_default();
    let mut words = wrap.split_whitespace();
    let mut command = match words.next() {
        Some(first) => {
            let mut c = std::process::Command::new(first);
            c.args(words).arg(&bin);
            c
        }
        None => std::process::Command::new(&bin),
    };
    let mut child = command
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start herald");
    let stderr = child.stderr.take().expect("herald's stderr");
    let addr = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stderr).lines();
        loop {
            let line = lines
                .next()
                .expect("herald exited before serving")
                .expect("herald's stderr");
            if let Some(url) = line.strip_prefix("herald: serving on http://") {
                std::thread::spawn(move || for _ in lines {});
                return url.to_string();
            }
        }
    })
    .await
    .expect("reading herald's stderr");
    (child, addr)
}

/// herald's history for a bench: a redb file in `dir`, or in memory with
/// `HERALD_BENCH_HISTORY=off`.
#[allow(dead_code)]
pub fn history_args(dir: &std::path::Path) -> Vec<String> {
    if std::env::var("HERALD_BENCH_HISTORY").is_ok_and(|v| v == "off") {
        vec!["--no-history".into()]
    } else {
        vec![
            "--history".into(),
            dir.join("history.redb").display().to_string(),
        ]
    }
}

/// herald's process id: the child's, or under `HERALD_BENCH_WRAP` the first process named as
/// herald's executable among its descendants (searched breadth first, at most 64 processes).
#[allow(dead_code)]
pub fn herald_pid(child: &std::process::Child) -> u32 {
    if std::env::var("HERALD_BENCH_WRAP").is_ok_and(|w| !w.trim().is_empty()) {
        let bin = std::env::var("HERALD_BENCH_BIN")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_herald").to_string());
        // The kernel keeps 15 bytes of a process's name.
        let name: String = std::path::Path::new(&bin)
            .file_name()
            .map_or("herald".into(), |n| {
                n.to_string_lossy().chars().take(15).collect()
            });
        let mut queue = std::collections::VecDeque::from([child.id()]);
        let mut seen = 0;
        while let Some(pid) = queue.pop_front() {
            seen += 1;
            if seen > 64 {
                break;
            }
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            if pid != child.id() && comm.trim() == name {
                return pid;
            }
            let kids = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
                .unwrap_or_default();
            queue.extend(
                kids.split_whitespace()
                    .filter_map(|k| k.parse::<u32>().ok()),
            );
        }
    }
    child.id()
}

//! `herald check` as a user runs it: the real binary, real files, exit codes.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use std::ffi::OsStr;
use std::time::Duration;

use crate::util::{Bounded, corpus, herald_bin, herald_bounded};

const NOW: &str = "2026-11-23T12:00:00Z";

fn herald(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(herald_bin())
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herald runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn gitops(name: &str) -> String {
    corpus()
        .join("gitops-states")
        .join(name)
        .display()
        .to_string()
}

fn scratch(name: &str, content: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check_cli");
    fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    fs::write(&path, content).unwrap();
    path
}

fn json_rows(out: &Output) -> Vec<Value> {
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}", text(&out.stdout)))
        .as_array()
        .expect("a JSON array")
        .clone()
}

#[test]
fn json_output_carries_the_whole_assessment() {
    let out = herald(
        &[
            "check",
            "--now",
            NOW,
            "-o",
            "json",
            &gitops("ks-healthcheck-failed.yaml"),
            &gitops("ks-ready.yaml"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = json_rows(&out);
    assert_eq!(rows.len(), 2);
    let failed = &rows[0];
    assert_eq!(failed["kind"], "Kustomization");
    assert_eq!(failed["health"], "unhealthy");
    assert_eq!(failed["ready"], false);
    assert_eq!(failed["status"], "HealthCheckFailed");
    assert!(
        failed["file"]
            .as_str()
            .unwrap()
            .ends_with("ks-healthcheck-failed.yaml")
    );
    assert_eq!(rows[1]["health"], "healthy");
    assert!(rows[1]["revision"].as_str().is_some_and(|r| !r.is_empty()));
}

#[test]
fn table_names_kind_object_and_verdict() {
    let out = herald(
        &["check", "--now", NOW, &gitops("app-sync-failed.yaml")],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["KIND", "NAME", "HEALTH", "READY", "STATUS", "MESSAGE"]
    );
    let row = lines.next().expect("one row");
    assert!(row.starts_with("Application "), "{row}");
    assert!(row.contains("argocd/"), "{row}");
    assert!(row.contains(" unhealthy "), "{row}");
}

#[test]
fn fail_on_sets_the_exit_status() {
    let bad = gitops("hr-stalled-retries.yaml");
    let good = gitops("ks-ready.yaml");
    let run = |fail_on: &str, file: &str| {
        herald(&["check", "--now", NOW, "--fail-on", fail_on, file], None)
            .status
            .code()
    };
    assert_eq!(run("unhealthy", &bad), Some(1));
    assert_eq!(run("warning", &bad), Some(1));
    assert_eq!(run("unhealthy", &good), Some(0));
    // Without --fail-on, an unhealthy object is a report, not a failure.
    assert_eq!(
        herald(&["check", "--now", NOW, &bad], None).status.code(),
        Some(0)
    );
}

#[test]
fn fail_on_warning_also_catches_warnings() {
    let crashed_once = scratch(
        "warning.yaml",
        r#"apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default, creationTimestamp: "2026-11-20T00:00:00Z"}
spec: {containers: [{name: c, image: x}]}
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
  containerStatuses:
    - name: c
      ready: true
      restartCount: 1
      state: {running: {startedAt: "2026-11-23T06:00:00Z"}}
      lastState: {terminated: {reason: Error, exitCode: 1, finishedAt: "2026-11-23T06:00:00Z"}}
"#,
    );
    let file = crashed_once.display().to_string();
    let out = herald(&["check", "--now", NOW, "-o", "json", &file], None);
    assert_eq!(json_rows(&out)[0]["health"], "warning");
    let code = |f: &str| {
        herald(&["check", "--now", NOW, "--fail-on", f, &file], None)
            .status
            .code()
    };
    assert_eq!(code("unhealthy"), Some(0));
    assert_eq!(code("warning"), Some(1));
}

#[test]
fn a_broken_file_is_named_with_its_line_and_the_rest_is_still_assessed() {
    let broken = scratch(
        "broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n",
    );
    let out = herald(
        &[
            "check",
            "--now",
            NOW,
            "-o",
            "json",
            &broken.display().to_string(),
            &gitops("ks-ready.yaml"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("broken.yaml:"), "{stderr}");
    let line_named = stderr
        .split("broken.yaml:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse::<usize>().ok());
    assert!(
        line_named.is_some_and(|l| (6..=10).contains(&l)),
        "line of the broken document: {stderr}"
    );
    let rows = json_rows(&out);
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"Kustomization"), "{kinds:?}");
    assert!(kinds.contains(&"ConfigMap"), "{kinds:?}");
}

#[test]
fn a_missing_file_is_an_error_not_a_crash() {
    let out = herald(
        &[
            "check",
            "/nonexistent/objects.yaml",
            &gitops("ks-ready.yaml"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("/nonexistent/objects.yaml"));
    assert!(text(&out.stdout).contains("Kustomization"));
}

#[test]
fn reads_standard_input_lists_and_json() {
    let list = r#"{"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}, "status": {"phase": "Active"}},
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "b"}, "status": {"phase": "Terminating"}}
    ]}"#;
    let out = herald(&["check", "--now", NOW, "-o", "json", "-"], Some(list));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = json_rows(&out);
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(rows[0]["health"], "healthy");
    assert_eq!(rows[1]["ready"], false);
}

#[test]
fn every_gitops_state_reads_the_same_through_the_binary() {
    let dir = corpus().join("gitops-states");
    let mut files: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    files.sort();
    let mut args = vec!["check", "--now", NOW, "-o", "json"];
    args.extend(files.iter().map(String::as_str));
    let out = herald(&args, None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = json_rows(&out);
    assert!(rows.len() >= files.len());
    for file in &files {
        let (docs, _) = herald::load::parse_objects(file, &fs::read_to_string(file).unwrap());
        let doc = &docs[0].value;
        let Some(expected) = doc["metadata"]["annotations"]["expected-health"].as_str() else {
            continue;
        };
        let row = rows
            .iter()
            .find(|r| r["file"] == file.as_str())
            .unwrap_or_else(|| panic!("no row for {file}"));
        assert_eq!(row["health"], expected, "{file}");
    }
}

#[test]
fn demo_plays_its_story_against_the_fake_api_server() {
    let out = herald(
        &[
            "demo",
            "--rounds",
            "1",
            "--step-ms",
            "20",
            "--listen",
            "127.0.0.1:0",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for expected in [
        "HealthCheckFailed",
        "DependencyNotReady",
        "SyncFailed",
        "Suspended",
        "CrashLoopBackOff",
    ] {
        let found = stdout.contains(expected)
            || (expected == "CrashLoopBackOff" && stdout.contains("restarting failed container"));
        assert!(
            found,
            "{expected} missing from the demo's output:\n{stdout}"
        );
    }
    // Notifications are printed as the terminal receiver takes them.
    for told in [
        ">> notify terminal: Application argocd/billing: sync-failed",
        ">> notify terminal: Application argocd/billing: recovered",
        ">> notify terminal: Kustomization flux-system/tenants: suspended",
        // What changed before it broke, and why: the spec's path, the kubelet's warnings.
        ">> notify terminal: Deployment apps/api: changed spec.template.spec.containers[api].image: api:1.4.2 → api:1.5.0",
        "warning: Pod apps/api-7d9f8-0: BackOff (x6): Back-off restarting failed container api",
        // Where it runs: a Node in trouble names what runs there.
        ">> notify terminal: Node node-b: unhealthy",
        "affects: Kustomization flux-system/apps (",
        // A tag re-pulled.
        ">> notify terminal: Kustomization flux-system/apps: image-changed apps/Deployment apps/worker: container worker worker:1.4.2 sha256:",
    ] {
        assert!(stdout.contains(told), "{told} missing:\n{stdout}");
    }
    // Every step of the story printed its caption.
    assert_eq!(stdout.matches("\n# ").count(), herald::demo::story().len());
    // The crash-looping web Pod rolls up into the Kustomization Flux calls Ready: the line
    // names the child behind it, and says that `ReconciliationSucceeded` is the object's own.
    let crash = stdout
        .split("\n# ")
        .find(|step| step.starts_with("a web Pod crash-loops"))
        .expect("the crash-loop step");
    assert!(
        crash.lines().any(|l| l.contains("Kustomization")
            && l.contains("flux-system/apps")
            && l.contains("-> unhealthy")
            && l.contains("via apps/Deployment apps/web: Pod apps/web-5c6b1-1: back-off")
            && l.ends_with("(own: ready, ReconciliationSucceeded)")),
        "{crash}"
    );
    // So does its notification.
    assert!(
        stdout.lines().any(|l| l.contains(
            ">> notify terminal: Kustomization flux-system/apps: unhealthy via apps/Deployment apps/web: Pod apps/web-5c6b1-1: back-off"
        ) && l.ends_with("(own: ready, ReconciliationSucceeded) [demo]")),
        "{stdout}"
    );
}

#[test]
fn demo_snapshot_runs_without_a_cluster() {
    let out = herald(&["demo", "--snapshot", "-o", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let rows = json_rows(&out);
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    for kind in [
        "Kustomization",
        "HelmRelease",
        "GitRepository",
        "Application",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    // The cluster starts healthy; the story breaks it.
    assert!(rows.iter().all(|r| r["health"] == "healthy"), "{rows:?}");
}

#[test]
fn a_directory_stands_for_the_manifests_below_it() {
    let dir = corpus().join("gitops-states");
    let out = herald(
        &[
            "check",
            "--now",
            NOW,
            "-o",
            "json",
            &dir.display().to_string(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let manifests = fs::read_dir(&dir).unwrap().count();
    assert_eq!(json_rows(&out).len(), manifests);
}

/// Nested lists of ten, `levels` deep, of a 64 KiB string: a file of a few hundred KiB that
/// YAML aliases expand to `64 KiB * 10^levels`.
fn laughs(levels: usize) -> String {
    let mut text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: lol}}\nl0: &l0 \"{}\"\n",
        "x".repeat(64 << 10)
    );
    for i in 1..=levels {
        let refs = vec![format!("*l{}", i - 1); 10].join(", ");
        text.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
    }
    text
}

fn bounded(args: &[&str], limit_mib: u64) -> Bounded {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    herald_bounded(&args, None, limit_mib, Duration::from_secs(120))
}

#[test]
fn alias_bombs_are_refused_in_bounded_memory() {
    let bomb = scratch("laughs.yaml", &laughs(7)).display().to_string();
    let run = bounded(&["check", "-o", "json", &bomb], 200);
    let stderr = text(&run.output.stderr);
    assert!(run.peak_mib < 200, "peak {} MiB: {stderr}", run.peak_mib);
    assert_eq!(run.output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("{bomb}:")), "{stderr}");
    assert!(stderr.contains("aliases expand"), "{stderr}");
    // The same reading path takes an argocd-cm ConfigMap.
    let run = bounded(
        &["check", "--argocd-cm", &bomb, &gitops("ks-ready.yaml")],
        200,
    );
    let stderr = text(&run.output.stderr);
    assert!(run.peak_mib < 200, "peak {} MiB: {stderr}", run.peak_mib);
    assert_eq!(run.output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("{bomb}:")), "{stderr}");
    assert!(stderr.contains("aliases expand"), "{stderr}");
}

#[test]
fn a_large_input_is_checked_in_flat_memory() {
    // About 25 MB of Deployments, written once and reused by later runs of the test.
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check_cli/large-50k-v2.yaml");
    let objects = 50_000;
    if !path.exists() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut out = std::io::BufWriter::new(fs::File::create(&path).unwrap());
        for i in 0..objects {
            write!(
                out,
                "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-{i}\n  namespace: team-{}\n  labels: {{app: web, tier: frontend, owner: team-{}}}\n  annotations:\n    description: a deployment written to make the input large enough to measure how much memory reading it takes\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - {{name: web, image: \"registry.example.com/web:1.{i}\", ports: [{{containerPort: 8080}}]}}\nstatus: {{replicas: 3, readyReplicas: {}, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1}}\n",
                i % 50,
                i % 50,
                if i % 1000 == 0 { 0 } else { 3 },
            )
            .unwrap();
        }
        out.flush().unwrap();
    }
    let size_mib = fs::metadata(&path).unwrap().len() >> 20;
    assert!(size_mib >= 20, "{size_mib} MiB");
    let file = path.display().to_string();
    // Reading it whole took several times its size; one object at a time takes a fraction.
    // The time limit is a guard against a hang, not a measure: a loaded machine takes long.
    let args = ["check", "--now", NOW, "-o", "json", &file];
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let run = herald_bounded(&args, None, 150, Duration::from_secs(600));
    let stderr = text(&run.output.stderr);
    assert!(
        run.peak_mib < 100,
        "peak {} MiB for a {size_mib} MiB input: {stderr}",
        run.peak_mib
    );
    assert_eq!(run.output.status.code(), Some(0), "{stderr}");
    let rows = json_rows(&run.output);
    assert_eq!(rows.len(), objects);
    assert_eq!(rows[objects - 1]["name"], format!("web-{}", objects - 1));
    assert_eq!(rows[1000]["health"], "unhealthy");
    assert_eq!(rows[1001]["health"], "healthy");
    // The table keeps its rows until the end, small ones.
    let args: Vec<&OsStr> = ["check", "--now", NOW, &file].map(OsStr::new).to_vec();
    let run = herald_bounded(&args, None, 150, Duration::from_secs(600));
    assert!(run.peak_mib < 100, "table: peak {} MiB", run.peak_mib);
    assert_eq!(
        run.output.status.code(),
        Some(0),
        "{}",
        text(&run.output.stderr)
    );
    assert_eq!(text(&run.output.stdout).lines().count(), objects + 1);
}

#[test]
fn a_large_json_list_from_standard_input_is_read_item_by_item() {
    // kubectl's shape: `items` before `kind`, so the List is only known at the end.
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check_cli/large-list-40k.json");
    let objects = 40_000;
    if !path.exists() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut out = std::io::BufWriter::new(fs::File::create(&path).unwrap());
        write!(out, "{{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n").unwrap();
        for i in 0..objects {
            write!(
                out,
                "{}    {{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \"cm-{i}\", \"namespace\": \"default\", \"annotations\": {{\"description\": \"{}\"}}}}, \"data\": {{\"key\": \"value {i}\"}}}}",
                if i == 0 { "" } else { ",\n" },
                "a config map made large enough to measure how much memory reading it takes ".repeat(4),
            )
            .unwrap();
        }
        write!(
            out,
            "\n  ],\n  \"kind\": \"List\",\n  \"metadata\": {{}}\n}}\n"
        )
        .unwrap();
        out.flush().unwrap();
    }
    let size_mib = fs::metadata(&path).unwrap().len() >> 20;
    assert!(size_mib >= 14, "{size_mib} MiB");
    let args: Vec<&OsStr> = ["check", "-o", "json", "-"]
        .iter()
        .map(OsStr::new)
        .collect();
    let run = herald_bounded(&args, Some(path), 150, Duration::from_secs(600));
    let stderr = text(&run.output.stderr);
    assert!(
        run.peak_mib < 60,
        "peak {} MiB for a {size_mib} MiB List: {stderr}",
        run.peak_mib
    );
    assert_eq!(run.output.status.code(), Some(0), "{stderr}");
    let rows = json_rows(&run.output);
    assert_eq!(rows.len(), objects);
    // Each item is told by its own line: the first item is on line 4.
    assert_eq!(rows[0]["line"], 4);
    assert_eq!(rows[objects - 1]["line"], objects + 3);
}

#[test]
fn directory_symlink_loops_are_read_once() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check_cli/loop");
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("sub")).unwrap();
    fs::write(
        dir.join("sub/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n",
    )
    .unwrap();
    // Two ways back up from below: without a visited set the walk branches forever.
    std::os::unix::fs::symlink("..", dir.join("sub/up")).unwrap();
    std::os::unix::fs::symlink(&dir, dir.join("sub/root")).unwrap();
    let run = bounded(&["check", "-o", "json", &dir.display().to_string()], 500);
    let stderr = text(&run.output.stderr);
    assert_eq!(run.output.status.code(), Some(0), "{stderr}");
    assert_eq!(json_rows(&run.output).len(), 1);
}

#[test]
fn empty_input_is_an_error_unless_allowed() {
    let empty_file = scratch("empty.yaml", "# nothing here\n")
        .display()
        .to_string();
    let empty_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check_cli/empty-dir");
    fs::create_dir_all(empty_dir.join("nested")).unwrap();
    fs::write(empty_dir.join("README.md"), "not a manifest\n").unwrap();
    let empty_dir = empty_dir.display().to_string();
    for (args, stdin, named) in [
        (
            vec!["check", empty_file.as_str()],
            None,
            empty_file.as_str(),
        ),
        (vec!["check", empty_dir.as_str()], None, empty_dir.as_str()),
        (vec!["check", "-"], Some(""), "standard input"),
    ] {
        let out = herald(&args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            text(&out.stderr).contains(&format!("no objects found in {named}")),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let mut allowed = args.clone();
        allowed.insert(1, "--allow-empty");
        assert_eq!(
            herald(&allowed, stdin).status.code(),
            Some(0),
            "{allowed:?}"
        );
    }
    // One empty path among good ones is still named: it may be the mistyped one.
    let out = herald(&["check", &gitops("ks-ready.yaml"), &empty_dir], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stdout).contains("Kustomization"));
}

#[test]
fn wrong_types_and_missing_names_are_input_errors_with_file_and_line() {
    let file = scratch(
        "wrong-types.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: ok, namespace: default}
spec: {replicas: 1}
status: {replicas: 1, readyReplicas: 1, updatedReplicas: 1, availableReplicas: 1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec: {replicas: 3}
status: {replicas: 3, readyReplicas: "abc", updatedReplicas: 3}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: huge, namespace: default}
spec: {replicas: 1e30}
---
apiVersion: v1
kind: ConfigMap
metadata: {namespace: default}
---
apiVersion: v1
metadata: {name: kindless}
"#,
    )
    .display()
    .to_string();
    let out = herald(&["check", "--now", NOW, "-o", "json", &file], None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for expected in [
        format!(
            "{file}:6: Deployment default/web: status.readyReplicas: expected an integer, found the string \"abc\""
        ),
        format!(
            "{file}:12: Deployment default/huge: spec.replicas: expected a whole number within 64 bits, found the number 1e+30"
        ),
        format!("{file}:17: not a Kubernetes object: missing metadata.name"),
        format!("{file}:21: not a Kubernetes object: missing kind"),
    ] {
        assert!(
            stderr.contains(&expected),
            "{expected} missing from:\n{stderr}"
        );
    }
    let rows = json_rows(&out);
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ok", "web", "huge"]);
    assert_eq!(rows[0]["health"], "healthy");
    for row in &rows[1..] {
        assert_eq!(row["health"], "unknown");
        assert_eq!(row["status"], "InvalidField");
        assert!(
            !row["message"]
                .as_str()
                .unwrap()
                .contains("9223372036854775807")
        );
    }
}

#[test]
fn table_output_neutralises_terminal_control_characters() {
    let file = scratch(
        "escapes.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: \"web\\e[2J\\e]0;pwned\\a\", namespace: \"a\\u202Eb\"}\nstatus: {phase: Failed, message: \"bad\\rnews\\x9b31m\"}\n",
    )
    .display()
    .to_string();
    let out = herald(&["check", "--now", NOW, "-o", "wide", &file], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        !stdout
            .chars()
            .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("a\\u{202e}b/web\\u{1b}[2J\\u{1b}]0;pwned\\u{7}"),
        "{stdout}"
    );
    assert!(stdout.contains("bad\\u{d}news\\u{9b}31m"), "{stdout}");
}

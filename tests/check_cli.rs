//! `herald check` as a user runs it: the real binary, real files, exit codes.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::util::{corpus, herald_bin};

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

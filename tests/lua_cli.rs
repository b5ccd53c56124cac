//! `herald lua test` and user Lua checks through the binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::{corpus, herald_bin};

pub(crate) fn herald(args: &[&str]) -> Output {
    Command::new(herald_bin())
        .args(args)
        .output()
        .expect("herald runs")
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(rel)
        .display()
        .to_string()
}

/// A scratch tree of files, fresh for each test.
pub(crate) fn tree(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("lua_cli")
        .join(name);
    let _ = fs::remove_dir_all(&root);
    for (path, content) in files {
        let p = root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    root
}

fn summary(o: &Output) -> (usize, usize) {
    let out = stdout(o);
    let line = out
        .lines()
        .rev()
        .find(|l| l.contains(" passed, "))
        .unwrap_or_else(|| panic!("no summary in {out}"));
    let nums: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    (nums[0], nums[1])
}

#[test]
fn shipped_checks_pass_their_own_suites() {
    let o = herald(&["lua", "test", &repo("lua-checks")]);
    let (passed, failed) = summary(&o);
    assert_eq!(failed, 0, "{}", stdout(&o));
    assert!(passed >= 100, "only {passed} cases under lua-checks/");
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn builtin_checks_pass_argo_cds_suites_through_the_projection() {
    let dir = corpus().join("argo-health");
    let o = herald(&["lua", "test", &dir.display().to_string()]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let (passed, failed) = summary(&o);
    assert_eq!(failed, 0);
    assert!(passed >= 20);
}

const WIDGET: &str =
    "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nstatus:\n  phase: Broken\n";

#[test]
fn failures_are_listed_and_fail_the_run() {
    let root = tree(
        "failing",
        &[
            (
                "checks/example.com/Widget/health.lua",
                "if obj.status.phase == 'Broken' then return {status = 'Degraded', message = 'it broke'} end\nreturn {status = 'Healthy'}\n",
            ),
            (
                "suite/example.com/Widget/health_test.yaml",
                "tests:\n- healthStatus: {status: Degraded, message: it broke}\n  inputPath: testdata/w.yaml\n- healthStatus: {status: Degraded, message: something else}\n  inputpath: testdata/w.yaml\n",
            ),
            ("suite/example.com/Widget/testdata/w.yaml", WIDGET),
        ],
    );
    let o = herald(&[
        "lua",
        "test",
        &root.join("suite").display().to_string(),
        "--scripts",
        &root.join("checks").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(summary(&o), (1, 1));
    let out = stdout(&o);
    let fail = out.lines().find(|l| l.starts_with("FAIL")).unwrap();
    assert!(fail.contains("w.yaml"), "{fail}");
    assert!(fail.contains("\"something else\""), "{fail}");
    assert!(fail.contains("\"it broke\""), "{fail}");
}

#[test]
fn user_checks_win_over_built_in_ones_and_check_uses_them() {
    let root = tree(
        "override",
        &[(
            "checks/kustomize.toolkit.fluxcd.io/Kustomization/health.lua",
            "return {health = 'warning', ready = true, status = 'Custom', message = 'judged by ' .. obj.metadata.name}",
        )],
    );
    let file = corpus().join("gitops-states/ks-ready.yaml");
    let o = herald(&[
        "check",
        "-o",
        "json",
        "--scripts",
        &root.join("checks").display().to_string(),
        &file.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["health"], "warning");
    assert_eq!(rows[0]["status"], "Custom");
    assert_eq!(rows[0]["message"], "judged by infra");
    assert!(rows[0]["check"].as_str().unwrap().starts_with("lua:"));
}

#[test]
fn a_broken_user_check_is_named_with_its_line() {
    let root = tree(
        "broken",
        &[(
            "checks/example.com/Widget/health.lua",
            "local hs = {}\nhs.status = = 'Healthy'\nreturn hs\n",
        )],
    );
    let file = corpus().join("gitops-states/ks-ready.yaml");
    let o = herald(&[
        "check",
        "--scripts",
        &root.join("checks").display().to_string(),
        &file.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("example.com/Widget/health.lua:2:"), "{err}");
}

#[test]
fn argocd_cm_customizations_are_user_checks() {
    let root = tree(
        "argocd-cm",
        &[
            (
                "argocd-cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n  namespace: argocd\ndata:\n  resource.customizations.health.example.com_Widget: |\n    hs = {}\n    hs.status = \"Degraded\"\n    hs.message = \"phase \" .. obj.status.phase\n    return hs\n",
            ),
            ("w.yaml", WIDGET),
        ],
    );
    let o = herald(&[
        "check",
        "-o",
        "json",
        "--argocd-cm",
        &root.join("argocd-cm.yaml").display().to_string(),
        &root.join("w.yaml").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["health"], "unhealthy");
    assert_eq!(rows[0]["message"], "phase Broken");
}

#[test]
fn a_hostile_user_check_only_hurts_its_own_objects() {
    let root = tree(
        "hostile",
        &[
            ("checks/example.com/Widget/health.lua", "while true do end"),
            ("w.yaml", WIDGET),
        ],
    );
    let o = herald(&[
        "check",
        "-o",
        "json",
        "--lua-timeout-ms",
        "100",
        "--scripts",
        &root.join("checks").display().to_string(),
        &root.join("w.yaml").display().to_string(),
        &corpus()
            .join("gitops-states/ks-ready.yaml")
            .display()
            .to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["status"], "Unknown");
    assert!(rows[0]["message"].as_str().unwrap().contains("time limit"));
    assert_eq!(rows[1]["health"], "healthy");
}

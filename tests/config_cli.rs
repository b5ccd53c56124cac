//! `herald config validate`: the configurations shipped in manifests/ are valid, and mistakes
//! are named with file, line and field.

use std::path::Path;
use std::process::Command;

use crate::util::herald_bin;

fn validate(file: &Path) -> (i32, String, String) {
    let out = Command::new(herald_bin())
        .args(["config", "validate"])
        .arg(file)
        .output()
        .expect("herald runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_shipped_configurations_are_valid() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("manifests");
    for file in [
        "base/herald.yaml",
        "overlays/flux/herald.yaml",
        "overlays/argocd/herald.yaml",
    ] {
        let (code, stdout, stderr) = validate(&root.join(file));
        assert_eq!(code, 0, "{file}: {stderr}");
        assert!(stdout.contains(": valid: "), "{stdout}");
    }
}

#[test]
fn every_mistake_is_named_and_the_exit_status_is_one() {
    let dir = std::env::temp_dir().join(format!("herald-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("herald.yaml");
    std::fs::write(
        &file,
        "cluster: test\nreceivers:\n  - name: hook\n    webhook: {url: \"http://127.0.0.1:1/\"}\nroutes:\n  - receivers: [hook, pager]\n    waitFor: soon\n",
    )
    .unwrap();
    let (code, stdout, stderr) = validate(&file);
    assert_eq!(code, 1, "{stdout}");
    let shown = file.display().to_string();
    assert!(
        stderr.contains(&format!(
            "error: {shown}:6: routes[0].receivers: no receiver is named \"pager\""
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("error: {shown}:7: routes[0].waitFor: \"soon\"")),
        "{stderr}"
    );
    assert!(stderr.contains("2 mistakes"), "{stderr}");

    std::fs::write(&file, "cluster: test\nrecievers: []\n").unwrap();
    let (code, _, stderr) = validate(&file);
    assert_eq!(code, 1);
    assert!(stderr.contains(&format!("{shown}:2: ")), "{stderr}");
    assert!(stderr.contains("recievers"), "{stderr}");

    // `herald run` refuses to start on it, with the same message.
    let out = Command::new(herald_bin())
        .args(["run", "--listen", "127.0.0.1:0", "--config"])
        .arg(&file)
        .env("KUBECONFIG", dir.join("no-such-kubeconfig"))
        .output()
        .expect("herald runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("error: {shown}:2: ")), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn route_test_names_the_routes_and_receivers_an_event_reaches() {
    let dir = std::env::temp_dir().join(format!("herald-route-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("herald.yaml");
    std::fs::write(
        &file,
        r#"receivers:
  - {name: platform, webhook: {url: "http://127.0.0.1:1/"}}
  - {name: dba, webhook: {url: "http://127.0.0.1:1/"}}
routes:
  - match: {kind: Kustomization, namespace: "prod-*"}
    events: [unhealthy, recovered]
    receivers: [platform]
    routes:
      - match: {name: "db-*"}
        when: 'object.metadata.labels["tier"] == "critical"'
        receivers: [dba]
"#,
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = Command::new(herald_bin())
            .args(["route", "test", "--config"])
            .arg(&file)
            .args(["--kind", "Kustomization", "-n", "prod-eu"])
            .args(extra)
            .output()
            .expect("herald runs");
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        run(&["--event", "unhealthy", "--name", "api"]),
        "routes[0] -> platform\n"
    );
    assert_eq!(
        run(&[
            "--event",
            "unhealthy",
            "--name",
            "db-main",
            "-l",
            "tier=critical"
        ]),
        "routes[0].routes[0] -> dba\n"
    );
    assert_eq!(
        run(&["--event", "unhealthy", "--name", "db-main"]),
        "routes[0] -> platform\n",
        "the child's `when` fails (no such label): the parent takes it"
    );
    assert!(run(&["--event", "revision"]).starts_with("no route takes this event"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_alias_bomb_is_refused_in_bounded_memory() {
    let dir = std::env::temp_dir().join(format!("herald-config-bomb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("herald.yaml");
    // 400 KB that aliases expand to 20,000 copies of a 300 KB string: 6 GB.
    let refs = vec!["*s"; 20_000].join(", ");
    std::fs::write(
        &file,
        format!(
            "cluster: &s \"{}\"\nlinks:\n  - name: bomb\n    url: \"https://example.com\"\n    kinds: [{refs}]\n",
            "x".repeat(300_000)
        ),
    )
    .unwrap();
    let args = ["config".as_ref(), "validate".as_ref(), file.as_os_str()];
    let run = crate::util::herald_bounded(&args, None, 200, std::time::Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&run.output.stderr);
    assert!(run.peak_mib < 200, "peak {} MiB: {stderr}", run.peak_mib);
    assert_eq!(run.output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(stderr.contains("alias"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

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
        .env("HERALD_HISTORY", crate::util::history_file())
        .arg(&file)
        .env("KUBECONFIG", dir.join("no-such-kubeconfig"))
        .output()
        .expect("herald runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("error: {shown}:2: ")), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// One file with a mistake of every kind: each is told, with its line and field, in one run.
#[test]
fn every_kind_of_mistake_is_told_at_once_in_plain_words() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("config-all-mistakes");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("herald.yaml");
    std::fs::write(
        &file,
        r##"cluster: test
watch:
  namespaces: [apps, Prod_EU]
  labelSelector: "team in web"
  chidren: false
health:
  luaChecks: [./no-such-checks]
receivers:
  - name: hook
    webhook: {url: "http://127.0.0.1:1/"}
  - name: chat
    slack: {tokenFile: /run/slack, tokenEnv: SLACK_TOKEN, channel: "#c"}
routes:
  - receivers: 3
    waitFor: soon
  - receivers: [hook, pager]
    groupInterval: 0s
    match: {kind: Kustomization, kind: HelmRelease}
delivery:
  retryInitial: 10m
  retryMax: 1m
"##,
    )
    .unwrap();
    let (code, stdout, stderr) = validate(&file);
    assert_eq!(code, 1, "{stdout}{stderr}");
    let shown = file.display().to_string();
    let expect = [
        "3: watch.namespaces[1]: \"Prod_EU\" is not a namespace name",
        "4: watch.labelSelector: \"team in web\" is not a label selector",
        "5: watch.chidren: unknown field: did you mean children?",
        "7: health.luaChecks[0]: no such directory: ./no-such-checks",
        "11: receivers[1].slack: give tokenFile or tokenEnv, not both",
        "14: routes[0].receivers: expected a list of receiver names, got the number 3",
        "15: routes[0].waitFor: \"soon\" is not a duration",
        "16: routes[1].receivers: no receiver is named \"pager\"",
        "17: routes[1].groupInterval: must be longer than 0",
        "18: routes[1].match.kind: given twice",
        "20: delivery.retryInitial: the first retry (10m) waits longer than the longest wait, retryMax (1m)",
    ];
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), expect.len() + 1, "{stderr}");
    for (line, want) in lines.iter().zip(expect) {
        let want = format!("error: {shown}:{want}");
        assert!(
            line.starts_with(&want),
            "{line}\n  should start with\n{want}"
        );
    }
    assert!(
        stderr.ends_with(&format!("{shown}: 11 mistakes\n")),
        "{stderr}"
    );
    for serde_words in [
        "invalid type",
        "u64",
        "mapping start",
        "DuplicateKeyPolicy",
        "duplicate entry",
        "needs tokenFile or tokenEnv",
    ] {
        assert!(!stderr.contains(serde_words), "{serde_words}: {stderr}");
    }
}

/// What `herald run` refuses at start, `config validate` refuses: user checks that do not load,
/// and a file that is not there (exit 2, as for `check`).
#[test]
fn validate_loads_the_user_checks_and_names_a_missing_file() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("config-user-checks");
    let _ = std::fs::remove_dir_all(&dir);
    let script = dir.join("checks/example.com/Widget/health.lua");
    std::fs::create_dir_all(script.parent().unwrap()).unwrap();
    std::fs::write(&script, "hs = {\nreturn hs end end\n").unwrap();
    let file = dir.join("herald.yaml");
    std::fs::write(
        &file,
        format!("health:\n  luaChecks: [{}]\n", dir.join("checks").display()),
    )
    .unwrap();
    let (code, _, stderr) = validate(&file);
    assert_eq!(code, 1, "{stderr}");
    let shown = file.display().to_string();
    assert!(
        stderr.contains(&format!("error: {shown}:2: health.luaChecks: ")),
        "{stderr}"
    );
    assert!(stderr.contains("Widget/health.lua"), "{stderr}");

    let missing = dir.join("no-such.yaml");
    let (code, _, stderr) = validate(&missing);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains(&format!("{}: cannot read", missing.display())),
        "{stderr}"
    );
}

/// The flags of `herald run` are held to what the file is held to.
#[test]
fn run_refuses_a_bad_namespace_or_selector_flag_before_starting() {
    let out = Command::new(herald_bin())
        .args(["run", "--listen", "127.0.0.1:0", "-n", "apps,Bad_NS"])
        .env("HERALD_HISTORY", crate::util::history_file())
        .args(["-l", "team in web"])
        .env("KUBECONFIG", "/nonexistent/kubeconfig")
        .output()
        .expect("herald runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("error: --namespace: \"Bad_NS\" is not a namespace name"),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: --selector: \"team in web\" is not a label selector"),
        "{stderr}"
    );
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

#[test]
fn route_test_at_a_time_says_when_each_receiver_would_hear() {
    let dir = std::env::temp_dir().join(format!("herald-route-at-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("herald.yaml");
    std::fs::write(
        &file,
        r#"receivers:
  - {name: pager, webhook: {url: "http://127.0.0.1:1/"}}
  - {name: chat, webhook: {url: "http://127.0.0.1:1/"}}
timeIntervals:
  - name: business-hours
    intervals:
      - weekdays: ["monday:friday"]
        times: [{startTime: "09:00", endTime: "17:00"}]
        location: Europe/Berlin
  - name: freeze
    intervals:
      - {daysOfMonth: ["20:31"], months: [december]}
routes:
  - match: {namespace: "prod-*"}
    receivers: [pager, chat]
    activeTimeIntervals: [business-hours]
    muteTimeIntervals: [freeze]
  - receivers: [chat]
    waitFor: 2m
"#,
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(herald_bin())
            .args(["route", "test", "--config"])
            .arg(&file)
            .args(["--kind", "Kustomization", "--event", "unhealthy"])
            .args(args)
            .output()
            .expect("herald runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // Thursday 10:00 in Berlin: sent.
    let (code, out, _) = run(&["-n", "prod-eu", "--at", "2026-12-03T09:00:00Z"]);
    assert_eq!(code, Some(0));
    assert_eq!(
        out,
        "routes[0] -> pager, chat\n  pager: sent\n  chat: sent\n"
    );
    // Thursday 18:00 in Berlin: held until Friday 09:00.
    let (_, out, _) = run(&["-n", "prod-eu", "--at", "2026-12-03T17:00:00Z"]);
    assert_eq!(
        out,
        "routes[0] -> pager, chat\n  pager: held until 2026-12-04T08:00:00Z (outside business-hours), then sent if it still holds\n  chat: held until 2026-12-04T08:00:00Z (outside business-hours), then sent if it still holds\n"
    );
    // In the freeze: held until the first working day of January, 09:00 in Berlin.
    let (_, out, _) = run(&["-n", "prod-eu", "--at", "2026-12-22T09:00:00Z"]);
    assert!(
        out.contains("  pager: held until 2027-01-01T08:00:00Z (muted by freeze), then sent"),
        "{out}"
    );
    // A route without intervals: its waitFor.
    let (_, out, _) = run(&["-n", "staging", "--at", "2026-12-22T09:00:00Z"]);
    assert_eq!(
        out,
        "routes[1] -> chat\n  chat: sent at 2026-12-22T09:02:00Z after waitFor 2m, if it still holds then\n"
    );
    // Without --at, a route without intervals says what it always said.
    let (_, out, _) = run(&["-n", "staging"]);
    assert_eq!(out, "routes[1] -> chat\n");
    let (code, _, err) = run(&["--at", "tomorrow"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--at \"tomorrow\" is not a time"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

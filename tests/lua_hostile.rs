//! Hostile and broken user Lua checks through the binary: nothing escapes the limits, nothing
//! corrupts the output, and one broken script does not stop the rest.

use std::process::Output;
use std::time::Duration;

use crate::lua_cli::{herald, stderr, stdout, tree};
use crate::util::herald_bounded;

const THING: &str =
    "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: t, namespace: default}\n";
const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nstatus:\n  phase: Running\n  conditions: [{type: Ready, status: \"True\"}]\n";

/// Runs herald, killing it past `limit` (it would run for ever on main before these fixes).
fn herald_within(args: &[&str], limit: Duration) -> Output {
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_ref()).collect();
    herald_bounded(&args, None, 1024, limit).output
}

fn thing_check(name: &str, script: &str) -> (String, String) {
    let root = tree(
        name,
        &[
            ("checks/example.com/Thing/health.lua", script),
            ("objects.yaml", &format!("{THING}---\n{POD}")),
        ],
    );
    (
        root.join("checks").display().to_string(),
        root.join("objects.yaml").display().to_string(),
    )
}

#[test]
fn regression_escapes_from_the_time_limit_end_in_unknown() {
    for (i, script) in [
        "while true do local co = coroutine.create(function() while true do end end) coroutine.resume(co) end",
        "while true do pcall(coroutine.wrap(function() while true do end end)) end",
        "return {status = tostring(string.rep('a', 30):find(string.rep('a*', 30) .. 'b'))}",
        "for m in string.rep('a', 30):gmatch(string.rep('.-', 30) .. 'b') do end",
    ]
    .iter()
    .enumerate()
    {
        let (checks, objects) = thing_check(&format!("escape{i}"), script);
        let o = herald_within(
            &["check", &objects, "--scripts", &checks, "--lua-timeout-ms", "200", "-o", "json"],
            Duration::from_secs(30),
        );
        let rows: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON rows");
        let thing = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r.to_string().contains("\"Thing\""))
            .expect("the Thing row");
        assert!(thing.to_string().contains("time limit"), "{script}: {thing}");
        assert_eq!(o.status.code(), Some(0), "{script}: {}", stderr(&o));
    }
}

#[test]
fn regression_print_does_not_corrupt_json_output() {
    let (checks, objects) = thing_check(
        "print",
        "print('hello from the check') return {status = 'Healthy', message = 'fine'}",
    );
    let o = herald(&["check", &objects, "--scripts", &checks, "-o", "json"]);
    let out = stdout(&o);
    assert!(!out.contains("hello from the check"), "{out}");
    serde_json::from_str::<serde_json::Value>(&out).expect("stdout is JSON only");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn regression_a_script_that_does_not_compile_stops_nothing_else() {
    let (checks, objects) = thing_check("broken", "return {status = 'Healthy'");
    let o = herald(&["check", &objects, "--scripts", &checks]);
    let (out, err) = (stdout(&o), stderr(&o));
    // Reported with file and line, its kind unknown with that message, the Pod still judged.
    assert!(err.contains("example.com/Thing/health.lua:1:"), "{err}");
    let thing = out.lines().find(|l| l.starts_with("Thing")).expect(&out);
    assert!(
        thing.contains("unknown") && thing.contains("does not compile"),
        "{thing}"
    );
    let pod = out.lines().find(|l| l.starts_with("Pod")).expect(&out);
    assert!(pod.contains("healthy"), "{pod}");
    assert_eq!(o.status.code(), Some(2));

    // The same in `lua test`: the suite runs, the broken check's case fails, exit 2.
    let root = tree(
        "broken-suite",
        &[
            ("example.com/Thing/health.lua", "return {status = 'Healthy'"),
            ("example.com/Thing/testdata/t.yaml", THING),
            (
                "example.com/Thing/health_test.yaml",
                "tests:\n- healthStatus: {status: Healthy}\n  inputPath: testdata/t.yaml\n",
            ),
        ],
    );
    let dir = root.display().to_string();
    let o = herald(&["lua", "test", &dir, "--scripts", &dir]);
    assert!(stderr(&o).contains("health.lua:1:"), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 passed, 1 failed"), "{}", stdout(&o));
    assert_eq!(o.status.code(), Some(2));

    // Without --scripts, herald says the scripts beside the suites are not what it tests.
    let o = herald(&["lua", "test", &dir]);
    assert!(stderr(&o).contains("not in use"), "{}", stderr(&o));
}

#[test]
fn regression_lua_test_names_a_missing_directory() {
    let o = herald(&["lua", "test", "/nonexistent/checks"]);
    assert!(
        stderr(&o).contains("/nonexistent/checks: does not exist"),
        "{}",
        stderr(&o)
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn regression_limits_that_mean_no_limit_are_refused() {
    for args in [
        ["--lua-memory-mib", "0"],
        ["--lua-timeout-ms", "0"],
        ["--lua-timeout-ms", "86400000"],
        ["--lua-memory-mib", "1000000"],
    ] {
        let o = herald(&["check", "-", args[0], args[1]]);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(args[0]), "{args:?}: {}", stderr(&o));
    }
}

//! The engine: Argo CD compatibility, both return forms, the sandbox and the limits.

use std::time::Duration;

use serde_json::{Value, json};

use super::*;
use crate::health::{CheckSource as Source, Health};

fn limits() -> Limits {
    Limits {
        time: Duration::from_millis(200),
        memory: 16 << 20,
    }
}

fn checks_with(script: &str) -> LuaChecks {
    let mut checks = LuaChecks::shipped(limits()).unwrap();
    checks
        .add_user(vec![ScriptSource {
            pattern: KindPattern {
                group: "example.com".into(),
                kind: "Widget".into(),
            },
            origin: "test.lua".into(),
            source: script.into(),
        }])
        .unwrap();
    checks
}

fn widget() -> Value {
    json!({
        "apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "generation": 3, "managedFields": [{"manager": "kubectl"}]},
        "spec": {"replicas": 3},
        "status": {"phase": "Running", "readyReplicas": 2, "conditions": [
            {"type": "Ready", "status": "True", "message": "all good"},
            {"type": "Synced", "status": "False", "message": "drift"}
        ]}
    })
}

fn run(script: &str) -> crate::health::Assessment {
    let mut checks = checks_with(script);
    let choice = checks.user_choice("example.com", "Widget").unwrap();
    checks.run(choice, &widget())
}

#[test]
fn argo_form_maps_onto_the_model() {
    for (status, health, ready) in [
        ("Healthy", Health::Healthy, true),
        ("Degraded", Health::Unhealthy, true),
        ("Progressing", Health::Unknown, false),
        ("Suspended", Health::Unknown, true),
        ("Missing", Health::Unknown, false),
        ("Unknown", Health::Unknown, false),
    ] {
        let a = run(&format!(
            "return {{status = '{status}', message = obj.status.phase}}"
        ));
        assert_eq!((a.health, a.ready), (health, ready), "{status}");
        assert_eq!(a.status, status);
        assert_eq!(a.message, "Running");
        assert_eq!(a.suspended, status == "Suspended");
        assert_eq!(
            a.argo_status(),
            status
                .replace("Missing", "Progressing")
                .replace("Unknown", "Progressing")
        );
        assert_eq!(a.check, Source::Lua("test.lua".into()));
    }
}

#[test]
fn herald_form_is_taken_as_is() {
    let a = run(
        "return {health = 'warning', ready = true, status = 'Drifted', message = 'synced: ' .. obj.status.conditions[2].status}",
    );
    assert_eq!(
        (a.health, a.ready, a.status.as_str(), a.message.as_str()),
        (Health::Warning, true, "Drifted", "synced: False")
    );
}

#[test]
fn an_invalid_status_is_unknown_with_argos_message() {
    for script in [
        "return {status = 'Fine'}",
        "return {}",
        "return {health = 'great'}",
    ] {
        let a = run(script);
        assert_eq!(
            (a.health, a.status.as_str()),
            (Health::Unknown, "Unknown"),
            "{script}"
        );
        assert_eq!(a.message, outcome::INVALID_STATUS, "{script}");
    }
}

#[test]
fn lua_5_1_behaviour_argo_scripts_rely_on() {
    let a = run(r#"
        local t = {}
        table.insert(t, obj.spec.replicas)
        table.insert(t, obj.status.readyReplicas)
        local a, b = unpack(t)
        local n = table.getn(obj.status.conditions)
        for i = 1, 3 do
            if i == 2 then goto continue end
            n = n + 0
            ::continue::
        end
        return {status = "Healthy", message = tostring(a) .. "/" .. b .. " " .. n .. " " .. (obj.spec.replicas / 1) .. " " .. type(setfenv)}
    "#);
    assert_eq!(a.message, "3/2 2 3 function");
}

#[test]
fn each_evaluation_starts_with_fresh_globals() {
    let mut checks = checks_with(
        "if seen then return {status = 'Degraded', message = 'leaked'} end seen = true return {status = 'Healthy'}",
    );
    let choice = checks.user_choice("example.com", "Widget").unwrap();
    for _ in 0..3 {
        assert_eq!(checks.run(choice, &widget()).status, "Healthy");
    }
}

#[test]
fn managed_fields_and_last_applied_are_not_handed_over() {
    assert_eq!(
        run("return {status = 'Healthy', message = tostring(obj.metadata.managedFields)}").message,
        "nil"
    );
    let mut checks = checks_with(
        "local a = obj.metadata.annotations return {status = 'Healthy', message = tostring(a['kubectl.kubernetes.io/last-applied-configuration']) .. ' ' .. a.team .. ' ' .. obj.spec.managedFields}",
    );
    let mut w = widget();
    w["metadata"]["annotations"] =
        json!({"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "infra"});
    w["spec"]["managedFields"] = json!("kept");
    let choice = checks.user_choice("example.com", "Widget").unwrap();
    assert_eq!(checks.run(choice, &w).message, "nil infra kept");
}

fn assert_contained(script: &str, expect_in_message: &str) {
    let mut checks = checks_with(script);
    let choice = checks.user_choice("example.com", "Widget").unwrap();
    let a = checks.run(choice, &widget());
    assert_eq!(
        (a.health, a.ready, a.status.as_str()),
        (Health::Unknown, false, "Unknown"),
        "{script}"
    );
    assert!(
        a.message.contains(expect_in_message),
        "{script}: message {:?} lacks {expect_in_message:?}",
        a.message
    );
    // The state is still usable: the same check runs again, and a sane one in the same engine.
    let again = checks.run(choice, &widget());
    assert_eq!(again.status, "Unknown");
    checks
        .add_user(vec![ScriptSource {
            pattern: KindPattern {
                group: "example.com".into(),
                kind: "Gadget".into(),
            },
            origin: "ok.lua".into(),
            source: "return {status = 'Healthy', message = obj.metadata.name}".into(),
        }])
        .unwrap();
    let ok = checks.user_choice("example.com", "Gadget").unwrap();
    assert_eq!(checks.run(ok, &widget()).message, "w");
}

#[test]
fn an_endless_loop_hits_the_time_limit() {
    assert_contained("while true do end", "time limit");
}

#[test]
fn catching_the_time_limit_does_not_help() {
    assert_contained(
        "while true do pcall(function() while true do end end) end",
        "time limit",
    );
    assert_contained(
        "while true do xpcall(function() while true do end end, function(e) return e end) end",
        "time limit",
    );
}

#[test]
fn a_memory_bomb_hits_the_memory_limit() {
    assert_contained(
        "local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep('x', 1024) .. i end",
        "memory limit",
    );
    assert_contained("local s = 'x' while true do s = s .. s end", "memory limit");
    assert_contained("return {status = string.rep('x', 1e9)}", "memory limit");
}

#[test]
fn no_way_out_of_the_sandbox() {
    assert_contained(
        "os.execute('touch /tmp/herald-pwned') return {status = 'Healthy'}",
        "execute",
    );
    assert_contained(
        "local f = io.open('/etc/passwd') return {status = 'Healthy'}",
        "io",
    );
    assert_contained(
        "local m = require('os') return {status = 'Healthy'}",
        "module 'os' not found",
    );
    assert_contained(
        "local m = require('/etc/passwd') return {status = 'Healthy'}",
        "not found",
    );
    assert_contained("dofile('/etc/passwd')", "dofile");
    assert_contained(
        "local f = loadstring(string.dump(function() end)) return f()",
        "bytecode",
    );
    assert_contained("local f = load('\\27LuaJIT') return f()", "bytecode");
    assert_contained("return {status = os.getenv('HOME')}", "getenv");
}

#[test]
fn script_errors_and_missing_results_are_unknown() {
    assert_contained("error('boom')", "boom");
    assert_contained("return obj.nothing.here", "attempt to index");
    assert_contained("local x = 1", "returned nil, expected a table");
    assert_contained("return 'Healthy'", "returned string, expected a table");
}

#[test]
fn a_broken_script_is_reported_at_load_time_with_its_line() {
    let mut checks = LuaChecks::shipped(limits()).unwrap();
    let errors = checks
        .add_user(vec![ScriptSource {
            pattern: KindPattern::from_folders("example.com", "Widget"),
            origin: "checks/example.com/Widget/health.lua".into(),
            source: "local hs = {}\nif then\nreturn hs".into(),
        }])
        .unwrap_err();
    assert_eq!(errors.len(), 1);
    let text = errors[0].to_string();
    assert!(
        text.starts_with("checks/example.com/Widget/health.lua"),
        "{text}"
    );
    assert!(text.contains(":2:"), "{text}");
}

#[test]
fn lookup_prefers_exact_then_the_most_specific_wildcard() {
    let mut checks = LuaChecks::shipped(limits()).unwrap();
    let src = |g: &str, k: &str, name: &str| ScriptSource {
        pattern: KindPattern::from_folders(g, k),
        origin: name.into(),
        source: "return {status = 'Healthy'}".into(),
    };
    checks
        .add_user(vec![
            src("_", "_", "any"),
            src("_.crossplane.io", "_", "crossplane"),
            src("aws.crossplane.io", "Bucket", "bucket"),
        ])
        .unwrap();
    let origin = |g: &str, k: &str| {
        checks
            .user_choice(g, k)
            .map(|c| checks.origin(c).to_string())
    };
    assert_eq!(
        origin("aws.crossplane.io", "Bucket").as_deref(),
        Some("bucket")
    );
    assert_eq!(
        origin("aws.crossplane.io", "Role").as_deref(),
        Some("crossplane")
    );
    assert_eq!(origin("example.com", "Widget").as_deref(), Some("any"));
}

#[test]
fn checks_can_use_the_shipped_library() {
    let a = run(
        "local h = require('herald') local c = h.condition(obj, 'Synced') return h.degraded(h.explain(c))",
    );
    assert_eq!(
        (a.status.as_str(), a.message.as_str()),
        ("Degraded", "drift")
    );
}

#[test]
fn globs() {
    assert!(glob("*.crossplane.io", "ec2.aws.crossplane.io"));
    assert!(!glob("*.crossplane.io", "crossplane.io.evil"));
    assert!(glob("*", ""));
    assert!(glob("a*b*c", "aXbYc"));
    assert!(!glob("a*b*c", "aXbY"));
}

#[test]
fn argocd_cm_keys_and_block() {
    let cm = json!({
        "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm"},
        "data": {
            "resource.customizations.health.example.com_Widget": "return {status = 'Degraded', message = 'from key'}",
            "resource.customizations": "example.com/Widget:\n  health.lua: |\n    return {status = 'Healthy', message = 'from block'}\nexample.com/Gizmo:\n  health.lua: |\n    return {status = 'Suspended'}\n",
        }
    });
    let sources = argocd_cm::health_checks(&cm, "argocd/argocd-cm").unwrap();
    assert_eq!(sources.len(), 3);
    let mut checks = LuaChecks::shipped(limits()).unwrap();
    checks.add_user(sources).unwrap();
    let widget_choice = checks.user_choice("example.com", "Widget").unwrap();
    assert_eq!(checks.run(widget_choice, &widget()).message, "from key");
    let gizmo = checks.user_choice("example.com", "Gizmo").unwrap();
    assert_eq!(checks.run(gizmo, &widget()).status, "Suspended");
}

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
    checks_within(limits(), script)
}

fn checks_within(limits: Limits, script: &str) -> LuaChecks {
    let mut checks = LuaChecks::shipped(limits).unwrap();
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
    assert_contained_within(limits(), script, expect_in_message);
}

fn assert_contained_within(limits: Limits, script: &str, expect_in_message: &str) {
    let mut checks = checks_within(limits, script);
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
    // Time enough that only memory can stop them, however busy the machine is.
    let roomy = Limits {
        time: Duration::from_secs(30),
        ..limits()
    };
    for bomb in [
        "local t = {} local i = 0 while true do i = i + 1 t[i] = string.rep('x', 1024) .. i end",
        "local s = 'x' while true do s = s .. s end",
        "return {status = string.rep('x', 1e9)}",
    ] {
        assert_contained_within(roomy, bomb, "memory limit");
    }
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

#[test]
fn regression_an_endless_coroutine_does_not_escape_the_time_limit() {
    for script in [
        "coroutine.resume(coroutine.create(function() while true do end end)) while true do end",
        "while true do coroutine.resume(coroutine.create(function() while true do end end)) end",
        "while true do pcall(coroutine.wrap(function() while true do end end)) end",
        "local co = coroutine.wrap(function() while true do coroutine.yield() end end) while true do co() end",
    ] {
        assert_contained(script, "time limit");
    }
    // Coroutines still work as Lua 5.1 says.
    let a = run(
        "local f = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end) \
         local co = coroutine.create(function() error('x', 0) end) \
         local ok, e = coroutine.resume(co) \
         return {status = 'Healthy', message = (f() + f() + f()) .. tostring(ok) .. e}",
    );
    assert_eq!(a.message, "6falsex");
}

#[test]
fn regression_backtracking_patterns_hit_the_time_limit() {
    for script in [
        "return {status = tostring(string.rep('a', 30):find(string.rep('a*', 30) .. 'b'))}",
        "return {status = tostring(string.rep('a', 30):match(string.rep('a-', 30) .. 'b'))}",
        "for m in string.rep('a', 30):gmatch(string.rep('a*', 30) .. 'b') do end",
        "return {status = string.gsub(string.rep('a', 30), string.rep('.-', 30) .. 'b', '')}",
        "while true do pcall(string.find, string.rep('a', 30), string.rep('a*', 30) .. 'b') end",
    ] {
        assert_contained(script, "time limit");
    }
}

/// Lua 5.1's pattern semantics, as herald's matcher implements them.
#[test]
fn patterns_match_like_lua_5_1() {
    let cases: &[(&str, &str)] = &[
        ("string.find('hello world', 'o w')", "5 7"),
        ("string.find('hello', 'l+')", "3 4"),
        ("string.find('a.b', '.', 1, true)", "2 2"),
        ("string.find('abc', 'b', -1)", "nil"),
        ("string.find('abc', '', 10)", "nil"),
        ("string.find('abc', '')", "1 0"),
        ("string.find('key=val', '(%w+)=(%w+)')", "1 7 key val"),
        ("string.match('  trim  ', '^%s*(.-)%s*$')", "trim"),
        (
            "string.match('2024-01-02', '(%d+)-(%d+)-(%d+)')",
            "2024 01 02",
        ),
        ("string.match('abc', '()b()')", "2 3"),
        ("string.match('[x]', '%[(.)%]')", "x"),
        ("string.match('f(a(b)c)d', '%b()')", "(a(b)c)"),
        ("string.match('THE (quick) fox', '%f[%a]%a+', 5)", "quick"),
        ("string.match('abcabc', '(abc)%1')", "abc"),
        ("string.match('x^y', 'x^y')", "x^y"),
        ("string.match('a]b', '[]]')", "]"),
        ("string.match('a-b', '[%-]')", "-"),
        ("string.match('Z9', '[^%d]')", "Z"),
        ("string.match('hello', 'xyz')", "nil"),
        ("string.match('end$', 'd%$')", "d$"),
        ("string.match('abc', 'c$')", "c"),
        ("string.match('ab', '^b')", "nil"),
        ("string.match(12345, '3(4)')", "4"),
        ("string.gsub('hello world', 'o', '0')", "hell0 w0rld 2"),
        ("string.gsub('abc', '%w', '%0%0')", "aabbcc 3"),
        ("string.gsub('abc', '', '-')", "-a-b-c- 4"),
        (
            "string.gsub('hello world', '(%w+)', '<%1>', 1)",
            "<hello> world 1",
        ),
        (
            "string.gsub('$name is $age', '%$(%w+)', {name = 'bob', age = 3})",
            "bob is 3 2",
        ),
        (
            "string.gsub('a b', '%w', function(c) return c:upper() end)",
            "A B 2",
        ),
        (
            "string.gsub('a b', '%w', function(c) if c == 'a' then return nil end return 'x' end)",
            "a x 2",
        ),
        ("string.gsub('^^', '^^', 'x')", "x^ 1"),
        ("string.gsub('50%', '%%', ' percent')", "50 percent 1"),
    ];
    for (expr, want) in cases {
        let script = format!(
            "local t = {{{expr}}} local n = select('#', {expr}) local out = {{}} \
             for i = 1, n do out[#out + 1] = tostring(t[i]) end \
             return {{status = 'Healthy', message = table.concat(out, ' ')}}"
        );
        assert_eq!(run(&script).message, *want, "{expr}");
    }
    let collected = run(
        "local out = {} for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do out[#out + 1] = k .. v end \
         for w in string.gmatch('one two', '%a+') do out[#out + 1] = w end \
         for e in string.gmatch('abc', '') do out[#out + 1] = '.' end \
         return {status = 'Healthy', message = table.concat(out, ' ')}",
    );
    assert_eq!(collected.message, "a1 b2 one two . . . .");
    for (expr, error) in [
        ("string.find('a', '%')", "malformed pattern (ends with '%')"),
        ("string.find('a', '[a')", "malformed pattern (missing ']')"),
        ("string.find('a', '(a')", "unfinished capture"),
        ("string.match('a', 'a)')", "invalid pattern capture"),
        ("string.find('a', '%1')", "invalid capture index"),
        ("string.find('a', '%b')", "missing arguments to '%b'"),
        (
            "string.gsub('a', 'a', true)",
            "string/function/table expected",
        ),
        ("string.find(nil, 'a')", "bad argument #1 to 'find'"),
    ] {
        assert_contained(&format!("return {{status = {expr}}}"), error);
    }
}

#[test]
fn errors_without_a_message_read_as_such() {
    assert_contained("error()", "the check raised an error without a message");
    assert_contained(
        "error({})",
        "the check raised an error with a table instead of a message",
    );
    assert_contained("error('boom')", "boom");
    // A script may still catch and inspect the values it raises.
    let a = run(
        "local ok, e = pcall(error, {code = 7}) return {status = 'Healthy', message = tostring(e.code)}",
    );
    assert_eq!(a.message, "7");
}

#[test]
fn print_does_not_write_to_standard_output() {
    // The output of a check is its table; `print` only logs (checked end to end in check_cli).
    let a = run("print('to the log', 1, nil) return {status = 'Healthy', message = 'printed'}");
    assert_eq!(a.message, "printed");
}

fn widget_pattern(kind: &str) -> KindPattern {
    KindPattern {
        group: "example.com".into(),
        kind: kind.into(),
    }
}

fn obj_of(kind: &str) -> Value {
    json!({"apiVersion": "example.com/v1", "kind": kind, "metadata": {"name": "w"}})
}

#[test]
fn a_user_check_gets_its_state_on_its_first_evaluation() {
    let mut checks = LuaChecks::shipped(limits()).unwrap();
    let sources = ["A", "B", "C"]
        .iter()
        .map(|k| ScriptSource {
            pattern: widget_pattern(k),
            origin: format!("{k}.lua"),
            source: "return {status = 'Healthy'}".into(),
        })
        .collect();
    checks.add_user(sources).unwrap();
    assert_eq!(checks.user_states(), 0);
    let choice = checks.user_choice("example.com", "B").unwrap();
    assert_eq!(checks.run(choice, &obj_of("B")).status, "Healthy");
    assert_eq!(checks.run(choice, &obj_of("B")).status, "Healthy");
    assert_eq!(checks.user_states(), 1);
}

#[test]
fn library_modules_are_not_shared_between_user_checks() {
    let mut checks = LuaChecks::shipped(limits()).unwrap();
    checks
        .add_user(vec![
            ScriptSource {
                pattern: widget_pattern("Writer"),
                origin: "writer.lua".into(),
                source: "local h = require('herald') h.planted = 'x' h.condition = nil \
                         return {status = 'Healthy', message = tostring(h.planted)}"
                    .into(),
            },
            ScriptSource {
                pattern: widget_pattern("Reader"),
                origin: "reader.lua".into(),
                source: "local h = require('herald') \
                         return {status = 'Healthy', message = tostring(h.planted) .. ' ' .. type(h.condition)}"
                    .into(),
            },
        ])
        .unwrap();
    let writer = checks.user_choice("example.com", "Writer").unwrap();
    let reader = checks.user_choice("example.com", "Reader").unwrap();
    assert_eq!(checks.run(writer, &obj_of("Writer")).message, "x");
    assert_eq!(
        checks.run(reader, &obj_of("Reader")).message,
        "nil function"
    );
    // And the writer's own state keeps what it did to its copy.
    assert_eq!(checks.run(writer, &obj_of("Writer")).message, "x");
}

#[test]
fn a_library_error_names_the_module_file_and_line() {
    let mut checks = LuaChecks::shipped(limits()).unwrap();
    checks
        .add_libs(vec![(
            "mine".into(),
            "local M = {}\nfunction M.boom()\n  error('kaput')\nend\nreturn M\n".into(),
        )])
        .unwrap();
    checks
        .add_user(vec![ScriptSource {
            pattern: widget_pattern("Widget"),
            origin: "test.lua".into(),
            source: "require('mine').boom()".into(),
        }])
        .unwrap();
    let choice = checks.user_choice("example.com", "Widget").unwrap();
    let a = checks.run(choice, &widget());
    assert_eq!(a.status, "Unknown");
    assert!(
        a.message.contains("lua-checks/lib/mine.lua:3: kaput"),
        "{a:?}"
    );
}

#[test]
fn a_library_module_that_does_not_compile_is_reported() {
    let mut checks = LuaChecks::shipped(limits()).unwrap();
    let e = checks
        .add_libs(vec![("broken".into(), "local = 1".into())])
        .unwrap_err();
    assert!(e.message.contains("broken.lua:1"), "{e}");
    let errors = checks
        .add_user(vec![ScriptSource {
            pattern: widget_pattern("Widget"),
            origin: "test.lua".into(),
            source: "return {status = 'Healthy'}".into(),
        }])
        .unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].origin, "test.lua");
}

#[test]
fn a_syntax_error_is_reported_at_start_up_with_its_line() {
    let mut checks = LuaChecks::shipped(limits()).unwrap();
    let errors = checks
        .add_user(vec![ScriptSource {
            pattern: widget_pattern("Widget"),
            origin: "test.lua".into(),
            source: "local a = 1\nreturn {status = }".into(),
        }])
        .unwrap_err();
    assert!(
        errors[0].to_string().starts_with("test.lua:2:"),
        "{}",
        errors[0]
    );
    let choice = checks.user_choice("example.com", "Widget").unwrap();
    let a = checks.run(choice, &widget());
    assert_eq!(a.status, "Unknown");
    assert!(a.message.contains("does not compile"), "{a:?}");
    assert_eq!(checks.user_states(), 0);
}

//! Routing: which routes of the configuration take an event, and so which receivers hear of it.
//!
//! Routes are tried in order. A route takes an event when its matcher, events, health and status
//! (and its CEL `when`) all accept it; its child routes are then tried the same way, and if one
//! takes the event the child handles it instead of the parent. The first route that takes an
//! event ends the search among its siblings unless it says `continue: true`.

use std::collections::BTreeMap;

use crate::config::{EventKind, Matcher, Route};
use crate::health::Health;

/// What routing looks at in an event.
#[derive(Debug, Clone)]
pub struct Routed<'a> {
    pub event: EventKind,
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    pub labels: &'a BTreeMap<String, String>,
    pub health: Health,
    pub status: &'a str,
}

/// The routes that take `ev`, in order, each with its path in the file. `when` evaluates a
/// route's CEL expression against the event; an expression that fails (a missing map key, a
/// wrong type) is reported by the caller and counts as false, as an absent label would: the
/// event then goes on to the parent route or the next sibling.
pub fn routes<'r>(
    routes: &'r [Route],
    ev: &Routed,
    when: &mut dyn FnMut(&Route) -> bool,
) -> Vec<&'r Route> {
    let mut out = Vec::new();
    walk(routes, ev, when, &mut out);
    out
}

fn walk<'r>(
    routes: &'r [Route],
    ev: &Routed,
    when: &mut dyn FnMut(&Route) -> bool,
    out: &mut Vec<&'r Route>,
) -> bool {
    let mut taken = false;
    for r in routes {
        if !accepts(r, ev) || (r.when.is_some() && !when(r)) {
            continue;
        }
        taken = true;
        if !walk(&r.routes, ev, when, out) {
            out.push(r);
        }
        if !r.continue_matching {
            break;
        }
    }
    taken
}

fn accepts(r: &Route, ev: &Routed) -> bool {
    matches(&r.matcher, ev)
        && (r.events.is_empty() || r.events.contains(&ev.event))
        && (r.health.is_empty() || r.health.contains(&ev.health))
        && (r.status.is_empty() || r.status.contains(ev.status))
}

/// Evaluates a route's CEL `when` with the given variables (`event`, `object`, `old`, `new`).
pub fn eval_when(expr: &str, vars: &[(&str, &serde_json::Value)]) -> Result<bool, String> {
    let program = cel::Program::compile(expr).map_err(|e| e.to_string())?;
    let owned: Vec<(&str, serde_json::Value)> =
        vars.iter().map(|(n, v)| (*n, (*v).clone())).collect();
    execute_when(&program, &owned)
}

/// Runs a compiled `when` with the given variables.
pub fn execute_when(
    program: &cel::Program,
    vars: &[(&str, serde_json::Value)],
) -> Result<bool, String> {
    let mut ctx = cel::Context::default();
    for (name, value) in vars {
        ctx.add_variable(*name, value)
            .map_err(|e| format!("{name}: {e}"))?;
    }
    match program.execute(&ctx) {
        Ok(cel::Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("gave {other:?}, not true or false")),
        Err(e) => Err(e.to_string()),
    }
}

/// Whether an object is covered by a matcher (routes and silences).
pub fn matches(m: &Matcher, ev: &Routed) -> bool {
    let any = |globs: &[String], s: &str| globs.is_empty() || globs.iter().any(|g| glob(g, s));
    any(&m.kinds, ev.kind)
        && any(&m.namespaces, ev.namespace)
        && any(&m.names, ev.name)
        && m.labels
            .iter()
            .all(|(k, v)| ev.labels.get(k).is_some_and(|x| glob(v, x)))
}

/// `*` matches any run of characters, `?` any one; everything else itself.
pub fn glob(pattern: &str, s: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // Where the last `*` was, and how much of the text it has taken so far.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(text: &str) -> crate::config::Config {
        crate::config::parse(text, Path::new("t.yaml")).unwrap()
    }

    fn taken(c: &crate::config::Config, ev: &Routed) -> Vec<String> {
        routes(&c.routes, ev, &mut |_| true)
            .iter()
            .map(|r| format!("{} {}", r.path, r.receivers.join(",")))
            .collect()
    }

    const ROUTES: &str = r#"
receivers:
  - {name: platform, webhook: {url: "http://x"}}
  - {name: dba, webhook: {url: "http://x"}}
  - {name: audit, webhook: {url: "http://x"}}
routes:
  - match: {kind: [Kustomization, HelmRelease], namespace: "prod-*"}
    events: [unhealthy, recovered]
    receivers: [platform]
    routes:
      - match: {name: "db-*"}
        receivers: [dba]
  - match: {labels: {tier: critical}}
    receivers: [audit]
    continue: true
  - match: {}
    health: [unhealthy]
    receivers: [audit]
"#;

    #[test]
    fn routes_children_and_continue() {
        let c = config(ROUTES);
        let none = BTreeMap::new();
        let mut ev = Routed {
            event: EventKind::Unhealthy,
            kind: "Kustomization",
            namespace: "prod-eu",
            name: "api",
            labels: &none,
            health: Health::Unhealthy,
            status: "HealthCheckFailed",
        };
        assert_eq!(taken(&c, &ev), ["routes[0] platform"]);
        ev.name = "db-main";
        assert_eq!(taken(&c, &ev), ["routes[0].routes[0] dba"]);
        ev.namespace = "staging";
        assert_eq!(taken(&c, &ev), ["routes[2] audit"]);
        let critical: BTreeMap<String, String> = [("tier".into(), "critical".into())].into();
        ev.labels = &critical;
        assert_eq!(
            taken(&c, &ev),
            ["routes[1] audit", "routes[2] audit"],
            "continue goes on to the next route"
        );
        ev.labels = &none;
        ev.event = EventKind::Revision;
        ev.health = Health::Healthy;
        assert!(taken(&c, &ev).is_empty());
    }

    #[test]
    fn a_false_when_skips_the_route() {
        let c = config(
            "receivers: [{name: a, webhook: {url: \"http://x\"}}]\nroutes:\n  - when: 'false'\n    receivers: [a]\n  - receivers: [a]\n",
        );
        let none = BTreeMap::new();
        let ev = Routed {
            event: EventKind::Created,
            kind: "Kustomization",
            namespace: "a",
            name: "b",
            labels: &none,
            health: Health::Healthy,
            status: "",
        };
        let got = routes(&c.routes, &ev, &mut |r| r.when.as_deref() != Some("false"));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].path, "routes[1]");
    }

    #[test]
    fn when_sees_the_event_and_the_object() {
        let object = serde_json::json!({"metadata": {"labels": {"tier": "critical"}}});
        let event = serde_json::json!({"type": "unhealthy", "namespace": "prod-eu"});
        let vars = [("object", &object), ("event", &event)];
        let expr = r#"object.metadata.labels["tier"] == "critical" && event.type == "unhealthy""#;
        assert_eq!(eval_when(expr, &vars), Ok(true));
        assert_eq!(
            eval_when(r#"event.namespace.startsWith("staging")"#, &vars),
            Ok(false)
        );
        assert!(
            eval_when("event.namespace", &vars)
                .unwrap_err()
                .contains("not true or false")
        );
        assert!(eval_when("object.metadata.missing == 1", &vars).is_err());
    }

    #[test]
    fn globs() {
        for (p, s, want) in [
            ("prod-*", "prod-eu", true),
            ("prod-*", "prod-", true),
            ("prod-*", "staging", false),
            ("*-db", "orders-db", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*", "", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("exact", "exact", true),
        ] {
            assert_eq!(glob(p, s), want, "{p} {s}");
        }
    }
}

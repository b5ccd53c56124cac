//! What a Lua check returned, read into an [`Assessment`] (HEALTH-MODEL.md, "Lua checks").

use crate::health::{Assessment, CheckSource, Health};

/// Argo CD's health statuses, and what each means in herald's model (health, ready).
const ARGO_STATUSES: &[(&str, Health, bool)] = &[
    ("Healthy", Health::Healthy, true),
    ("Degraded", Health::Unhealthy, true),
    ("Progressing", Health::Unknown, false),
    ("Suspended", Health::Unknown, true),
    ("Missing", Health::Unknown, false),
    ("Unknown", Health::Unknown, false),
];

pub const INVALID_STATUS: &str = "Lua returned an invalid health status";

/// Reads the table a script returned: Argo CD's `{status, message}` or herald's
/// `{health, ready, status, message}`.
pub fn read(v: mlua::Value, check: &str) -> Assessment {
    let mut a = match v {
        mlua::Value::Table(t) => from_table(&t),
        other => unknown(format!(
            "Lua check returned {}, expected a table",
            other.type_name()
        )),
    };
    a.check = CheckSource::Lua(check.to_string());
    a
}

/// The assessment of a check that failed to produce a verdict.
pub fn failed(message: String, check: &str) -> Assessment {
    let mut a = unknown(message);
    a.check = CheckSource::Lua(check.to_string());
    a
}

fn unknown(message: String) -> Assessment {
    Assessment::new(Health::Unknown, false, "Unknown").with_message(message)
}

fn text(t: &mlua::Table, key: &str) -> Option<String> {
    match t.raw_get::<mlua::Value>(key).ok()? {
        mlua::Value::String(s) => Some(s.to_string_lossy()),
        mlua::Value::Number(n) => Some(format_number(n)),
        mlua::Value::Integer(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Lua 5.1 prints whole numbers without a fraction.
pub(crate) fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

fn from_table(t: &mlua::Table) -> Assessment {
    let message = text(t, "message").unwrap_or_default();
    let status = text(t, "status").unwrap_or_default();
    if let Some(health) = text(t, "health") {
        let Some(health) = Health::parse(&health.to_ascii_lowercase()) else {
            return unknown(INVALID_STATUS.to_string());
        };
        let ready = match t.raw_get::<mlua::Value>("ready") {
            Ok(mlua::Value::Boolean(b)) => b,
            // Without a word on readiness, a final verdict is ready and unknown is not.
            _ => health != Health::Unknown,
        };
        let status = if status.is_empty() {
            health.argo_status(ready, false).to_string()
        } else {
            status
        };
        let mut a = Assessment::new(health, ready, status).with_message(message);
        a.suspended = matches!(
            t.raw_get::<mlua::Value>("suspended"),
            Ok(mlua::Value::Boolean(true))
        );
        return a;
    }
    let Some(&(word, health, ready)) = ARGO_STATUSES.iter().find(|(w, ..)| *w == status) else {
        return unknown(INVALID_STATUS.to_string());
    };
    let mut a = Assessment::new(health, ready, word).with_message(message);
    a.suspended = word == "Suspended";
    a
}

//! `herald route test`: which routes and receivers an example event reaches, like
//! `amtool config routes test`.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;

use serde_json::{Value, json};

use crate::config::{self, EventKind};
use crate::health::Health;
use crate::route::{Routed, eval_when, routes};

#[derive(Debug, clap::Subcommand)]
pub enum RouteCommand {
    /// Print the routes (by their place in the file) and receivers an example event reaches.
    Test(RouteTestArgs),
}

#[derive(Debug, clap::Args)]
pub struct RouteTestArgs {
    /// The configuration file.
    #[arg(long, env = "HERALD_CONFIG", value_name = "FILE")]
    pub config: PathBuf,
    /// The event: created, deleted, unhealthy, warning, recovered, unknown, stuck, revision,
    /// sync-failed, drift, suspended, resumed, child-unhealthy.
    #[arg(long)]
    pub event: String,
    /// The object's kind (Kustomization, HelmRelease, Application...).
    #[arg(long)]
    pub kind: String,
    /// The object's namespace; empty for a cluster-scoped object.
    #[arg(long, short = 'n', default_value = "")]
    pub namespace: String,
    /// The object's name.
    #[arg(long, default_value = "example")]
    pub name: String,
    /// A label of the object, `key=value` (repeatable).
    #[arg(long = "label", short = 'l', value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// The object's health after the event [default: what the event implies].
    #[arg(long)]
    pub health: Option<String>,
    /// The object's status after the event (Ready, ReconciliationFailed...).
    #[arg(long, default_value = "")]
    pub status: String,
    /// When the event happens (RFC 3339, e.g. 2026-12-24T10:00:00Z) [default: now]: each
    /// receiver of a route is told whether it would be sent then or held until when, by which
    /// time interval.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
}

pub fn run(cmd: &RouteCommand, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let RouteCommand::Test(args) = cmd;
    let at = match &args.at {
        Some(s) => match s.parse::<jiff::Timestamp>() {
            Ok(t) => Some(t),
            Err(_) => {
                writeln!(
                    err,
                    "error: --at {s:?} is not a time: write RFC 3339, e.g. 2026-12-24T10:00:00Z"
                )?;
                return Ok(2);
            }
        },
        None => None,
    };
    let c = match config::load(&args.config) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors {
                writeln!(err, "error: {e}")?;
            }
            return Ok(2);
        }
    };
    let Some(event) = EventKind::parse(&args.event) else {
        writeln!(err, "error: unknown event {:?}", args.event)?;
        return Ok(2);
    };
    let health = match &args.health {
        Some(h) => match Health::parse(h) {
            Some(h) => h,
            None => {
                writeln!(err, "error: unknown health {h:?}")?;
                return Ok(2);
            }
        },
        None => match event {
            EventKind::Unhealthy | EventKind::SyncFailed | EventKind::ChildUnhealthy => {
                Health::Unhealthy
            }
            EventKind::Warning => Health::Warning,
            EventKind::Unknown | EventKind::Stuck => Health::Unknown,
            _ => Health::Healthy,
        },
    };
    let mut labels = BTreeMap::new();
    for l in &args.labels {
        let Some((k, v)) = l.split_once('=') else {
            writeln!(err, "error: --label {l:?}: write key=value")?;
            return Ok(2);
        };
        labels.insert(k.to_string(), v.to_string());
    }
    let ev = Routed {
        event,
        kind: &args.kind,
        namespace: &args.namespace,
        name: &args.name,
        labels: &labels,
        health,
        status: &args.status,
    };
    let object = json!({"kind": args.kind, "metadata": {"name": args.name, "namespace": args.namespace, "labels": labels}});
    let event_var = json!({"type": event.as_str(), "kind": args.kind, "namespace": args.namespace,
                           "name": args.name, "health": health.as_str(), "status": args.status});
    let assessment = json!({"health": health.as_str(), "status": args.status});
    let vars: [(&str, &Value); 4] = [
        ("event", &event_var),
        ("object", &object),
        ("old", &Value::Null),
        ("new", &assessment),
    ];
    let mut problems = Vec::new();
    let taken = routes(&c.routes, &ev, &mut |r| {
        let expr = r.when.as_deref().unwrap_or("true");
        eval_when(expr, &vars).unwrap_or_else(|e| {
            problems.push(format!("{}.when: {e} (the route does not take it)", r.path));
            false
        })
    });
    for p in &problems {
        writeln!(err, "warning: {p}")?;
    }
    if taken.is_empty() {
        writeln!(out, "no route takes this event: nobody hears of it")?;
    }
    for r in taken {
        writeln!(out, "{} -> {}", r.path, r.receivers.join(", "))?;
        if at.is_none() && !r.windows().any() {
            continue;
        }
        let when = when_sent(r, at.unwrap_or_else(jiff::Timestamp::now));
        for receiver in &r.receivers {
            writeln!(out, "  {receiver}: {when}")?;
        }
    }
    Ok(0)
}

/// When a route would send what it takes at `at`: its `waitFor`, then its time intervals.
fn when_sent(r: &config::Route, at: jiff::Timestamp) -> String {
    let due = at
        .saturating_add(
            jiff::SignedDuration::try_from(r.wait_for).unwrap_or(jiff::SignedDuration::MAX),
        )
        .unwrap_or(at);
    let windows = r.windows();
    let wait = if r.wait_for.is_zero() {
        String::new()
    } else {
        format!(" after waitFor {}", config::show_duration(r.wait_for))
    };
    match windows.closed(due) {
        None if r.wait_for.is_zero() => "sent".to_string(),
        None => format!("sent at {due}{wait}, if it still holds then"),
        Some(why) => match windows.next_open(due) {
            Some(open) => format!("held until {open} ({why}), then sent if it still holds"),
            None => format!(
                "never sent: {why}, and the route may not speak within {} days",
                crate::intervals::SEARCH_DAYS
            ),
        },
    }
}

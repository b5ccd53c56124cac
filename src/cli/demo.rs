//! `herald demo`: the agent against a built-in simulated cluster, no Kubernetes needed.
//!
//! A fake API server starts in-process with Flux and Argo CD objects and what they deploy; the
//! agent watches it as it would a real cluster; a story moves the objects through the states
//! that matter, and every transition herald sees is printed as it happens. The HTTP API serves
//! on localhost meanwhile.

use std::collections::HashSet;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::check::{Output, write_report};
use crate::agent::{self, Agent};
use crate::clock::SystemClock;
use crate::fake::{FakeApiServer, Options, gitops_resources};
use crate::health::{Assessor, Health};
use crate::load::Document;
use crate::lua::{Limits, LuaChecks};
use crate::notify::outbox::Outbox;
use crate::notify::{Deliver, Notification, Outcome};
use crate::store::Transition;
use tokio::sync::mpsc;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Address of herald's HTTP API during the demo.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: SocketAddr,
    /// Time between two steps of the story, in milliseconds.
    #[arg(long, default_value_t = 3000, value_name = "MS")]
    pub step_ms: u64,
    /// How many times to play the story; 0 plays it until interrupted.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub rounds: u32,
    /// Print the assessment of the demo cluster's initial objects and exit.
    #[arg(long)]
    pub snapshot: bool,
    /// How `--snapshot` prints the objects.
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Output,
}

fn assessor() -> Assessor {
    match LuaChecks::shipped(Limits::default()) {
        Ok(lua) => Assessor::new(lua),
        Err(e) => {
            tracing::error!(error = %e, "shipped Lua checks failed to load; built-in checks only");
            Assessor::builtin_only()
        }
    }
}

pub fn run(args: &DemoArgs, out: &mut dyn Write) -> io::Result<i32> {
    if args.snapshot {
        let docs: Vec<Document> = crate::demo::initial()
            .into_iter()
            .enumerate()
            .map(|(i, value)| Document {
                source: "demo".into(),
                line: i + 1,
                value,
            })
            .collect();
        write_report(out, &docs, args.output, &mut assessor(), Timestamp::now())?;
        return Ok(0);
    }
    if let Err(why) = super::can_listen(args.listen, None) {
        eprintln!("error: {why}");
        return Ok(2);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(play(args, out))
}

async fn play(args: &DemoArgs, out: &mut dyn Write) -> io::Result<i32> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let options = Options {
        bookmark_interval: Duration::from_secs(2),
        ..Options::default()
    };
    let mut resources = gitops_resources();
    resources.push(crate::fake::events_resource());
    let server = FakeApiServer::start(resources, options).await?;
    crate::demo::load(&server).map_err(|e| io::Error::other(e.to_string()))?;
    let config = kube::Config::new(server.url().parse().map_err(io::Error::other)?);
    let client = agent::clients(config, agent::PACE).map_err(io::Error::other)?;
    // What the Flux and Argo CD objects deployed is watched as their children.
    let agent_config = agent::Config {
        cluster: "demo".into(),
        notify: true,
        // Kept in memory: each object's timeline on the status page, /api/v1/changes.
        history: Some(crate::history::History::in_memory(
            crate::history::Limits::default(),
            Arc::new(SystemClock),
        )),
        ..agent::Config::default()
    };
    let agent = agent::start(client, agent_config, assessor, Arc::new(SystemClock));
    let mut transitions = agent.subscribe_from_start();
    let mut told = notifications(&agent)?;
    let bound = match crate::http::start(args.listen, Arc::clone(&agent)).await {
        Ok(bound) => bound,
        Err(e) => {
            eprintln!("error: {}", super::listen_error(args.listen, &e, None));
            return Ok(2);
        }
    };
    writeln!(
        out,
        "herald demo: a simulated cluster at {} (fake Kubernetes API)",
        server.url()
    )?;
    writeln!(out, "status page: http://{bound}/")?;
    writeln!(
        out,
        "herald's API: http://{bound}/api/v1/objects  (also /metrics, /readyz, /healthz)"
    )?;
    writeln!(
        out,
        "notifications: printed here (receiver `terminal`); a `webhook` receiver refuses some first attempts, so the metrics show retries"
    )?;
    writeln!(out)?;
    wait_caught_up(&agent, &server).await;
    // The initial list: one line per object.
    while let Ok(t) = transitions.try_recv() {
        print_transition(out, &t)?;
    }
    let story = crate::demo::story();
    let mut round = 0;
    loop {
        round += 1;
        for step in &story {
            tokio::time::sleep(Duration::from_millis(args.step_ms)).await;
            writeln!(out, "\n# {}", step.caption)?;
            for o in &step.apply {
                server
                    .apply(o.clone())
                    .map_err(|e| io::Error::other(e.to_string()))?;
            }
            wait_caught_up(&agent, &server).await;
            while let Ok(t) = transitions.try_recv() {
                print_transition(out, &t)?;
            }
            // Notifications follow their transitions within milliseconds (no waitFor here).
            while let Ok(Some(line)) =
                tokio::time::timeout(Duration::from_millis(150), told.recv()).await
            {
                writeln!(out, "{line}")?;
            }
            out.flush()?;
        }
        if args.rounds != 0 && round >= args.rounds {
            break;
        }
    }
    Ok(0)
}

/// The demo's routes: every trouble and recovery goes to the terminal, and to a webhook that
/// refuses the first attempt of one message in three.
const NOTIFICATIONS: &str = r#"
cluster: demo
receivers:
  - name: terminal
    webhook: {url: "http://127.0.0.1:9/not-used"}
  - name: webhook
    webhook: {url: "http://127.0.0.1:9/not-used"}
routes:
  - match: {}
    events: [unhealthy, warning, recovered, sync-failed, suspended, resumed, changed, image-changed]
    receivers: [terminal, webhook]
delivery: {retryInitial: 1s, retryMax: 2s}
"#;

/// Starts the demo's notifier (an outbox in the temporary directory, the receivers above);
/// returns the lines the `terminal` receiver prints.
fn notifications(agent: &Arc<Agent>) -> io::Result<mpsc::UnboundedReceiver<String>> {
    let config = crate::config::parse(NOTIFICATIONS, std::path::Path::new("demo.yaml"))
        .map_err(|e| io::Error::other(format!("the demo's configuration: {e:?}")))?;
    let config = Arc::new(config);
    let path = std::env::temp_dir().join(format!("herald-demo-{}.redb", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let outbox = Outbox::open(&path).map_err(io::Error::other)?;
    // The demo's outbox lives as long as the process: unlinked now, it leaves nothing behind
    // however the demo ends (the open database keeps working).
    let _ = std::fs::remove_file(&path);
    let (tx, rx) = mpsc::unbounded_channel();
    let templates = Arc::clone(&config.messages);
    let attempts = Arc::new(std::sync::Mutex::new(HashSet::new()));
    let deliver: Deliver = Arc::new(move |receiver, n: Notification| {
        let outcome = if receiver.name == "terminal" {
            let subject = templates.render("subject", &n.event);
            let mut line = format!("         >> notify {}: {subject}", receiver.name);
            // What a message's body adds that the subject does not: why, and what it reaches.
            let ctx = crate::notify::templates::context(&n.event);
            if let Some(affects) = ctx["affects"].as_str().filter(|a| !a.is_empty()) {
                line.push_str(&format!("\n            affects: {affects}"));
            }
            for w in n.event.warnings.iter().take(2) {
                line.push_str(&format!(
                    "\n            warning: {}: {} (x{}): {}",
                    w.object, w.reason, w.count, w.note
                ));
            }
            let _ = tx.send(line);
            Outcome::Delivered
        } else if n.id.is_multiple_of(3)
            && attempts
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(n.id)
        {
            Outcome::Retry {
                after: None,
                why: "HTTP 503 (the demo's webhook refuses some first attempts)".into(),
            }
        } else {
            Outcome::Delivered
        };
        Box::pin(async move { outcome })
    });
    let changes = agent
        .take_changes()
        .ok_or_else(|| io::Error::other("the agent keeps no changes"))?;
    let notifier = crate::notify::start(
        config,
        Arc::clone(&agent.store),
        changes,
        Arc::new(outbox),
        deliver,
        Arc::new(SystemClock),
        Arc::clone(&agent.metrics),
    );
    let _ = agent.notifier.set(notifier);
    Ok(rx)
}

/// Waits (bounded) until the store holds every object at the server's version.
async fn wait_caught_up(agent: &Agent, server: &FakeApiServer) {
    for _ in 0..200 {
        let want = server.snapshot();
        let done = {
            let store = agent.store.read().unwrap_or_else(|p| p.into_inner());
            agent.is_ready()
                && want.iter().all(|(api_version, kind, ns, name, rv)| {
                    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
                    store
                        .get(&crate::store::ObjectKey::new(group, kind, ns, name))
                        .is_some_and(|e| &e.resource_version == rv)
                })
        };
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn print_transition(out: &mut dyn Write, t: &Transition) -> io::Result<()> {
    let time = t.at.strftime("%H:%M:%S");
    let name = if t.key.namespace.is_empty() {
        t.key.name.to_string()
    } else {
        format!("{}/{}", t.key.namespace, t.key.name)
    };
    let verdict = |v: &Option<crate::store::Verdict>| match v {
        Some(v) => format!("{}{}", v.health, if v.ready { "" } else { " (not ready)" }),
        None => "gone".to_string(),
    };
    let arrow = match (&t.from, &t.to) {
        (None, Some(_)) => verdict(&t.to),
        _ => format!("{} -> {}", verdict(&t.from), verdict(&t.to)),
    };
    let marker = match t.to.as_ref().map(|v| v.health) {
        Some(Health::Unhealthy) => "!!",
        Some(Health::Warning) => "! ",
        _ => "  ",
    };
    // A health rolled up from children names the child first: its own status next to it
    // (`ReconciliationSucceeded`) would read as the reason.
    let short = |s: &str| {
        let s = s.replace('\n', " ");
        if s.chars().count() > 100 {
            s.chars().take(99).collect::<String>() + "…"
        } else {
            s
        }
    };
    let said = match &t.to {
        Some(v) if v.from_children => v.explained(t.via.as_deref().map(short).as_deref()),
        Some(v) => format!("{}: {}", v.status, short(&t.message)),
        None => format!("deleted: {}", short(&t.message)),
    };
    writeln!(
        out,
        "{time} {marker} {:<15} {:<28} {:<34} {said}",
        t.key.kind, name, arrow
    )
}

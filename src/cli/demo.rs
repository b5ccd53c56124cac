//! `herald demo`: the agent against a built-in simulated cluster, no Kubernetes needed.
//!
//! A fake API server starts in-process with Flux and Argo CD objects and what they deploy; the
//! agent watches it as it would a real cluster; a story moves the objects through the states
//! that matter, and every transition herald sees is printed as it happens. The HTTP API serves
//! on localhost meanwhile.

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
use crate::store::Transition;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Address of herald's HTTP API during the demo.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Time between two steps of the story, in milliseconds.
    #[arg(long, default_value_t = 3000)]
    pub step_ms: u64,
    /// How many times to play the story; 0 plays it until interrupted.
    #[arg(long, default_value_t = 0)]
    pub rounds: u32,
    /// Print the assessment of the demo cluster's initial objects and exit.
    #[arg(long)]
    pub snapshot: bool,
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
    let server = FakeApiServer::start(gitops_resources(), options).await?;
    crate::demo::load(&server).map_err(|e| io::Error::other(e.to_string()))?;
    let config = kube::Config::new(server.url().parse().map_err(io::Error::other)?);
    let client = kube::Client::try_from(config).map_err(io::Error::other)?;
    // What the Flux and Argo CD objects deployed is watched as their children.
    let agent_config = agent::Config::default();
    let agent = agent::start(client, agent_config, assessor, Arc::new(SystemClock));
    let mut transitions = agent.subscribe_from_start();
    let bound = crate::http::start(args.listen, Arc::clone(&agent)).await?;
    writeln!(
        out,
        "herald demo: a simulated cluster at {} (fake Kubernetes API)",
        server.url()
    )?;
    writeln!(
        out,
        "herald's API: http://{bound}/api/v1/objects  (also /readyz, /healthz)"
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
            out.flush()?;
        }
        if args.rounds != 0 && round >= args.rounds {
            break;
        }
    }
    Ok(0)
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
        t.key.name.clone()
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
    let status = t.to.as_ref().map_or("deleted", |v| v.status.as_str());
    let marker = match t.to.as_ref().map(|v| v.health) {
        Some(Health::Unhealthy) => "!!",
        Some(Health::Warning) => "! ",
        _ => "  ",
    };
    let mut message = t.message.replace('\n', " ");
    if message.chars().count() > 100 {
        message = message.chars().take(99).collect::<String>() + "…";
    }
    writeln!(
        out,
        "{time} {marker} {:<15} {:<28} {:<34} {status}: {message}",
        t.key.kind, name, arrow
    )
}

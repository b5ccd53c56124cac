//! `herald notify test RECEIVER`: send one test message to a receiver of the configuration.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use crate::config::{self, EventKind};
use crate::notify::{Event, Notification, Outcome};
use crate::store::{ObjectKey, Verdict};

#[derive(Debug, clap::Subcommand)]
pub enum NotifyCommand {
    /// Send a test message to one receiver, now, without the outbox; say how it went.
    Test {
        /// The configuration file.
        #[arg(long, env = "HERALD_CONFIG", value_name = "FILE")]
        config: PathBuf,
        /// The receiver's name.
        receiver: String,
    },
}

pub fn run(cmd: &NotifyCommand, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let NotifyCommand::Test { config, receiver } = cmd;
    let c = match config::load(config) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors {
                writeln!(err, "error: {e}")?;
            }
            return Ok(2);
        }
    };
    let Some(r) = c.receivers.iter().find(|r| &r.name == receiver) else {
        let names: Vec<&str> = c.receivers.iter().map(|r| r.name.as_str()).collect();
        writeln!(
            err,
            "error: no receiver is named {receiver:?} (there are: {})",
            names.join(", ")
        )?;
        return Ok(2);
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let now = jiff::Timestamp::now();
    let verdict = |health| Verdict {
        health,
        ready: true,
        status: "Test".into(),
        revision: None,
        suspended: false,
        sync: None,
        from_children: false,
    };
    let event = Event {
        id: format!("test-{}", now.as_nanosecond()),
        kind: EventKind::Warning,
        cluster: c.cluster.clone(),
        object: ObjectKey::new("herald.io", "Test", "", "herald-notify-test"),
        at: now,
        from: Some(verdict(crate::health::Health::Healthy)),
        to: Some(verdict(crate::health::Health::Warning)),
        message: format!("A test message from herald to the receiver {receiver}."),
        children: Vec::new(),
        via: None,
        labels: Default::default(),
        annotations: Default::default(),
        test: true,
        repo: None,
        attempted: None,
        warnings: Vec::new(),
        affected: Vec::new(),
        affected_more: 0,
        change: None,
    };
    let n = Notification {
        id: 0,
        receiver: receiver.clone(),
        route: "test".into(),
        event,
        due: now,
        recheck: false,
        target: None,
        grouped: Vec::new(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let deliver = crate::notify::send::http(c.delivery.timeout, None, Arc::clone(&c.messages));
    let outcome = runtime.block_on(deliver(Arc::new(r.clone()), n));
    match outcome {
        Outcome::Delivered => {
            writeln!(out, "{receiver}: delivered")?;
            Ok(0)
        }
        Outcome::Retry { why, .. } => {
            writeln!(err, "{receiver}: failed (would be retried): {why}")?;
            Ok(1)
        }
        Outcome::Refused(why) => {
            writeln!(err, "{receiver}: refused: {why}")?;
            Ok(1)
        }
    }
}

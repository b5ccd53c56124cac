use std::io;
use std::process::ExitCode;

use clap::Parser;
use herald::cli::{Cli, Command, check, config, demo, lua, notify, route, run};

/// mimalloc: herald allocates and frees many small strings and maps (every watch event is
/// parsed into one); glibc's allocator spent a third of herald's time on them. Built with
/// `no_thp`: transparent huge pages cost 30 MiB of resident memory for nothing.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    // Logs go to standard error; RUST_LOG chooses what (`herald=debug`...). The agent tells
    // what it does; the one-shot commands only what went wrong.
    let default = if matches!(cli.command, Command::Run(_)) {
        "info"
    } else {
        "warn"
    };
    // kube's client logs every dropped watch connection and every refused request, once per
    // watch: herald's watchers tell what matters of them instead (src/agent/watch.rs).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{default},kube_client::client=off"))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(false)
        .init();
    let code = match cli.command {
        Command::Demo(args) => demo::run(&args, &mut io::stdout().lock())?,
        Command::Run(args) => run::run(&args)?,
        Command::Lua(cmd) => lua::run(&cmd, &mut io::stdout().lock(), &mut io::stderr())?,
        Command::Check(args) => check::run(&args, &mut io::stdout().lock(), &mut io::stderr())?,
        Command::Config(cmd) => config::run(&cmd, &mut io::stdout().lock(), &mut io::stderr())?,
        Command::Route(cmd) => route::run(&cmd, &mut io::stdout().lock(), &mut io::stderr())?,
        Command::Notify(cmd) => notify::run(&cmd, &mut io::stdout().lock(), &mut io::stderr())?,
    };
    Ok(ExitCode::from(code as u8))
}

//! The command line: parsing and the subcommands' entry points.

pub mod check;
pub mod config;
pub mod demo;
pub mod lua;
pub mod notify;
pub mod route;
pub mod run;

use std::net::SocketAddr;

use clap::{Parser, Subcommand};

/// Whether herald can serve on `addr`; asked before anything starts, so that a port in use is
/// told at once and not after a cluster was listed.
pub fn can_listen(addr: SocketAddr, env: Option<&str>) -> Result<(), String> {
    std::net::TcpListener::bind(addr)
        .map(drop)
        .map_err(|e| listen_error(addr, &e, env))
}

/// Why herald cannot serve on `addr`, and how to choose another address: `--listen`, or the
/// environment variable `env`.
pub fn listen_error(addr: SocketAddr, e: &std::io::Error, env: Option<&str>) -> String {
    let suggestion = SocketAddr::new(addr.ip(), addr.port().wrapping_add(1).max(1024));
    let why = match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            format!("{addr} is already in use (by another program or herald)")
        }
        std::io::ErrorKind::AddrNotAvailable => format!("{addr} is not an address of this machine"),
        std::io::ErrorKind::PermissionDenied => {
            format!("not allowed to listen on {addr} (ports below 1024 need privileges)")
        }
        _ => format!("cannot listen on {addr}: {e}"),
    };
    let or_env = env.map(|v| format!(" (or {v})")).unwrap_or_default();
    format!("{why}; choose another address with --listen{or_env}, e.g. --listen {suggestion}")
}

#[derive(Debug, Parser)]
#[command(
    name = "herald",
    version,
    about = "Health and notification companion for Flux and Argo CD"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run herald on a built-in demo cluster of Flux and Argo CD objects.
    Demo(demo::DemoArgs),
    /// Watch a cluster (kubeconfig or in-cluster) and serve the HTTP API.
    Run(Box<run::RunArgs>),
    /// Lua checks: run Argo CD style health_test.yaml suites.
    #[command(subcommand)]
    Lua(lua::LuaCommand),
    /// Assess Kubernetes objects read from YAML or JSON files.
    Check(check::CheckArgs),
    /// The configuration file: validate it.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Routing: which routes and receivers an example event reaches.
    #[command(subcommand)]
    Route(route::RouteCommand),
    /// Receivers: send a test message.
    #[command(subcommand)]
    Notify(notify::NotifyCommand),
}

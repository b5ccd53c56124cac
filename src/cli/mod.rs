//! The command line: parsing and the subcommands' entry points.

pub mod check;
pub mod config;
pub mod demo;
pub mod lua;
pub mod notify;
pub mod route;
pub mod run;

use clap::{Parser, Subcommand};

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
    Run(run::RunArgs),
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

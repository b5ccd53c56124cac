use std::io;
use std::process::ExitCode;

use clap::Parser;
use herald::cli::{Cli, Command, check, demo, lua, run};

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Demo(args) => demo::run(&args, &mut io::stdout().lock())?,
        Command::Run(args) => run::run(&args)?,
        Command::Lua(cmd) => lua::run(&cmd, &mut io::stdout().lock(), &mut io::stderr())?,
        Command::Check(args) => check::run(&args, &mut io::stdout().lock(), &mut io::stderr())?,
    };
    Ok(ExitCode::from(code as u8))
}

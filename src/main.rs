use std::io;
use std::process::ExitCode;

use clap::Parser;
use herald::cli::{Cli, Command, check};

fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => check::run(&args, &mut io::stdout().lock(), &mut io::stderr())?,
    };
    Ok(ExitCode::from(code as u8))
}

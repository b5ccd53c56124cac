//! `herald config validate FILE`: check a configuration file without running anything.

use std::io::{self, Write};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum ConfigCommand {
    /// Check a configuration file: every mistake with its file, line and field; exit 1 if any,
    /// 2 if the file cannot be read.
    Validate {
        /// The configuration file (herald.yaml).
        file: PathBuf,
    },
}

pub fn run(cmd: &ConfigCommand, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    match cmd {
        ConfigCommand::Validate { file } => match crate::config::load(file) {
            // Like `check` and `lua test`: input that cannot be read is 2, not a verdict.
            Err(errors) if std::fs::metadata(file).is_err() => {
                for e in &errors {
                    writeln!(err, "error: {e}")?;
                }
                Ok(2)
            }
            Ok(c) => {
                fn count(routes: &[crate::config::Route]) -> usize {
                    routes.iter().map(|r| 1 + count(&r.routes)).sum()
                }
                writeln!(
                    out,
                    "{}: valid: {} receivers, {} routes, {} silences",
                    file.display(),
                    c.receivers.len(),
                    count(&c.routes),
                    c.silences.len()
                )?;
                Ok(0)
            }
            Err(errors) => {
                for e in &errors {
                    writeln!(err, "error: {e}")?;
                }
                writeln!(
                    err,
                    "{}: {} mistake{}",
                    file.display(),
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" }
                )?;
                Ok(1)
            }
        },
    }
}

//! What a user sees first: `--help` of every subcommand describes every flag, and shows defaults
//! one way (`[default: ...]`); a port in use is named with the flag that chooses another.

use std::process::Command;

use clap::CommandFactory;

use crate::util::herald_bin;

/// Every leaf subcommand, as the words to type (`["lua", "test"]`): new ones are covered too.
fn subcommands(cmd: &clap::Command, prefix: &[String], out: &mut Vec<Vec<String>>) {
    for sub in cmd.get_subcommands() {
        let mut path = prefix.to_vec();
        path.push(sub.get_name().to_string());
        if sub.has_subcommands() {
            subcommands(sub, &path, out);
        } else {
            out.push(path);
        }
    }
}

/// The entries of the Arguments and Options sections of a `--help`, each with its description.
fn entries(help: &str) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = Vec::new();
    let mut in_section = false;
    for line in help.lines() {
        if line == "Arguments:" || line == "Options:" {
            in_section = true;
            continue;
        }
        if !line.starts_with(' ') {
            in_section = false;
            continue;
        }
        if !in_section {
            continue;
        }
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let is_entry = indent <= 6 && (body.starts_with('-') || body.starts_with('<'));
        if is_entry {
            // The flag and its value, then (after two spaces) the description if it fits.
            let (spec, text) = body.split_once("  ").unwrap_or((body, ""));
            entries.push((spec.to_string(), text.trim().to_string()));
        } else if let Some((_, text)) = entries.last_mut() {
            text.push(' ');
            text.push_str(body);
        }
    }
    entries
}

#[test]
fn every_flag_of_every_subcommand_is_described_and_defaults_read_alike() {
    let mut all = Vec::new();
    subcommands(&herald::cli::Cli::command(), &[], &mut all);
    assert!(all.len() >= 7, "{all:?}");
    for path in all {
        for help in ["-h", "--help"] {
            let out = Command::new(herald_bin())
                .args(&path)
                .arg(help)
                .output()
                .expect("herald runs");
            assert_eq!(out.status.code(), Some(0));
            let text = String::from_utf8_lossy(&out.stdout);
            let entries = entries(&text);
            assert!(!entries.is_empty(), "{path:?} {help}:\n{text}");
            for (spec, description) in &entries {
                let said = description
                    .trim_start_matches("Possible values:")
                    .trim_start();
                assert!(
                    !said.is_empty() && !said.starts_with('['),
                    "herald {} {help}: {spec} has no description:\n{text}",
                    path.join(" ")
                );
            }
            assert!(
                !text.contains("(default"),
                "herald {} {help}: a default not written as [default: ...]:\n{text}",
                path.join(" ")
            );
        }
    }
}

#[test]
fn a_port_in_use_is_named_with_the_flag_that_chooses_another() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    for sub in ["demo", "run"] {
        let out = Command::new(herald_bin())
            .args([sub, "--listen", &addr])
            .env("KUBECONFIG", "/nonexistent/kubeconfig")
            .output()
            .expect("herald runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{sub}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: {addr} is already in use")),
            "{sub}: {stderr}"
        );
        assert!(
            stderr.contains("choose another address with --listen"),
            "{sub}: {stderr}"
        );
    }
    drop(taken);
}

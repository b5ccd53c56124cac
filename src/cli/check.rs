//! `herald check FILE...`: assess objects from files, for people and for CI pipelines.

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;

use super::lua::UserChecks;
use crate::health::{Assessment, Assessor, Health};
use crate::load::{Document, LoadError, parse_objects};
use crate::object::{TypeRef, ValueExt};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// One line per object, messages cut to fit.
    Table,
    /// One line per object with whole messages.
    Wide,
    /// A JSON array of objects and their assessments.
    Json,
}

/// The least healthy verdict that makes `check` fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    Unhealthy,
    Warning,
    Unknown,
}

impl FailOn {
    fn fails(self, health: Health) -> bool {
        match self {
            FailOn::Unhealthy => health == Health::Unhealthy,
            FailOn::Warning => matches!(health, Health::Unhealthy | Health::Warning),
            FailOn::Unknown => health != Health::Healthy,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// YAML or JSON files (multi-document, `kind: List`) or directories of them; `-` reads
    /// standard input.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// How to print the objects and their assessments.
    #[arg(short, long, value_enum, default_value = "table")]
    pub output: Output,
    /// Exit with status 1 when an object is this unhealthy or worse.
    #[arg(long, value_enum, value_name = "HEALTH")]
    pub fail_on: Option<FailOn>,
    /// Judge as if it were this time (RFC 3339), for time-based rules [default: now].
    #[arg(long, value_name = "TIME")]
    pub now: Option<Timestamp>,
    #[command(flatten)]
    pub checks: UserChecks,
}

/// Exit status: 0 all good, 1 `--fail-on` matched, 2 some input could not be read.
pub fn run(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let now = args.now.unwrap_or_else(Timestamp::now);
    // A user check that does not compile is reported; its kinds are judged unknown with its
    // error and everything else is still assessed.
    let (mut assessor, check_errors) = args.checks.loaded();
    for e in &check_errors {
        writeln!(err, "error: {e}")?;
    }
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    let mut paths = Vec::new();
    for path in &args.files {
        expand(path, &mut paths, &mut errors);
    }
    for path in &paths {
        let (d, e) = read(path);
        docs.extend(d);
        errors.extend(e);
    }
    let rows = write_report(out, &docs, args.output, &mut assessor, now)?;
    for e in &errors {
        writeln!(err, "error: {e}")?;
    }
    let failed = args
        .fail_on
        .is_some_and(|f| rows.iter().any(|r| f.fails(r.assessment.health)));
    Ok(if !errors.is_empty() || !check_errors.is_empty() {
        2
    } else if failed {
        1
    } else {
        0
    })
}

/// Assesses `docs` and writes them in the chosen format.
pub(crate) fn write_report<'a>(
    out: &mut dyn Write,
    docs: &'a [Document],
    output: Output,
    assessor: &mut Assessor,
    now: Timestamp,
) -> io::Result<Vec<Row<'a>>> {
    let rows: Vec<Row<'_>> = docs.iter().map(|d| Row::new(d, assessor, now)).collect();
    match output {
        Output::Json => {
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
        Output::Table => write_table(out, &rows, Some(80))?,
        Output::Wide => write_table(out, &rows, None)?,
    }
    Ok(rows)
}

/// Directories stand for the YAML and JSON files below them, in name order.
fn expand(path: &Path, paths: &mut Vec<PathBuf>, errors: &mut Vec<LoadError>) {
    if !path.is_dir() {
        paths.push(path.to_path_buf());
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(LoadError {
                source: path.display().to_string(),
                line: None,
                message: format!("cannot read directory: {e}"),
            });
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        let is_manifest = child
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
        if child.is_dir() || is_manifest {
            expand(&child, paths, errors);
        }
    }
}

fn read(path: &Path) -> (Vec<Document>, Vec<LoadError>) {
    let name = path.display().to_string();
    let text = if name == "-" {
        let mut s = String::new();
        io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(path)
    };
    match text {
        Ok(text) => parse_objects(&name, &text),
        Err(e) => (
            Vec::new(),
            vec![LoadError {
                source: name,
                line: None,
                message: format!("cannot read: {e}"),
            }],
        ),
    }
}

#[derive(Serialize)]
pub(crate) struct Row<'a> {
    file: &'a str,
    line: usize,
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    kind: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    namespace: &'a str,
    name: &'a str,
    #[serde(flatten)]
    assessment: Assessment,
}

impl<'a> Row<'a> {
    fn new(d: &'a Document, assessor: &mut Assessor, now: Timestamp) -> Self {
        let v = &d.value;
        Row {
            file: &d.source,
            line: d.line,
            api_version: v.str_at(&["apiVersion"]).unwrap_or_default(),
            kind: TypeRef::of(v).kind,
            namespace: v.str_at(&["metadata", "namespace"]).unwrap_or_default(),
            name: v.str_at(&["metadata", "name"]).unwrap_or_default(),
            assessment: assessor.assess(v, now),
        }
    }
}

fn write_table(
    out: &mut dyn Write,
    rows: &[Row<'_>],
    message_width: Option<usize>,
) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let name = if r.namespace.is_empty() {
                r.name.to_string()
            } else {
                format!("{}/{}", r.namespace, r.name)
            };
            let a = &r.assessment;
            let message = a.message.replace('\n', " ");
            [
                r.kind.to_string(),
                name,
                a.health.to_string(),
                a.ready.to_string(),
                a.status.clone(),
                match message_width {
                    Some(w) => cut(&message, w),
                    None => message,
                },
            ]
        })
        .collect();
    let header = ["KIND", "NAME", "HEALTH", "READY", "STATUS", "MESSAGE"].map(String::from);
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    for row in std::iter::once(&header).chain(&cells) {
        let mut line = String::new();
        for (i, (cell, width)) in row.iter().zip(widths).enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut c: String = s.chars().take(width.saturating_sub(1)).collect();
    c.push('…');
    c
}

//! `herald check FILE...`: assess objects from files, for people and for CI pipelines.

use std::collections::HashSet;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::lua::UserChecks;
use crate::health::{Assessment, Assessor, Health, INVALID_FIELD};
use crate::load::{self, Document, LoadError, Loaded};
use crate::object::{TypeRef, ValueExt, display_name};

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
    /// Accept a file, directory or standard input that holds no objects (by default it is an
    /// input error, exit status 2, so a mistyped path cannot pass a CI job).
    #[arg(long)]
    pub allow_empty: bool,
    #[command(flatten)]
    pub checks: UserChecks,
}

/// Exit status: 0 all good, 1 `--fail-on` matched, 2 some input could not be read.
///
/// Objects are read, assessed and written one at a time, so memory does not grow with the
/// input: only the table's rows (a few short strings each) are kept until the end.
pub fn run(args: &CheckArgs, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let now = args.now.unwrap_or_else(Timestamp::now);
    // A user check that does not compile is reported; its kinds are judged unknown with its
    // error and everything else is still assessed.
    let (mut assessor, check_errors) = args.checks.loaded();
    for e in &check_errors {
        writeln!(err, "error: {e}")?;
    }
    let mut out = io::BufWriter::with_capacity(64 << 10, out);
    let mut report = Report::new(args.output);
    let mut input_failed = !check_errors.is_empty();
    for path in &args.files {
        let mut objects = 0usize;
        let mut problems = 0usize;
        let mut each = |loaded: Loaded| -> io::Result<()> {
            let problem = match loaded {
                Ok(doc) => {
                    objects += 1;
                    report.add(&mut out, &doc, &mut assessor, now)?
                }
                Err(e) => Some(e.to_string()),
            };
            if let Some(problem) = problem {
                problems += 1;
                writeln!(err, "error: {}", printable(&problem))?;
            }
            Ok(())
        };
        let shown = if path == Path::new("-") {
            load::read_stream("-", &mut io::stdin().lock(), &mut each)?;
            "standard input".to_string()
        } else {
            read_path(path, &mut HashSet::new(), &mut each)?;
            path.display().to_string()
        };
        if objects == 0 && problems == 0 && !args.allow_empty {
            writeln!(err, "error: no objects found in {}", printable(&shown))?;
            problems += 1;
        }
        input_failed |= problems > 0;
    }
    let failed = args
        .fail_on
        .is_some_and(|f| report.worst.is_some_and(|w| f.fails(w)));
    report.finish(&mut out)?;
    out.flush()?;
    Ok(if input_failed {
        2
    } else if failed {
        1
    } else {
        0
    })
}

/// Assesses `docs` and writes them in the chosen format.
pub(crate) fn write_report(
    out: &mut dyn Write,
    docs: &[Document],
    output: Output,
    assessor: &mut Assessor,
    now: Timestamp,
) -> io::Result<()> {
    let mut report = Report::new(output);
    for d in docs {
        report.add(out, d, assessor, now)?;
    }
    report.finish(out)
}

/// Directories stand for the YAML and JSON files below them, in name order; each real
/// directory is read once, so a symbolic link back up the tree does not loop.
fn read_path(
    path: &Path,
    visited: &mut HashSet<PathBuf>,
    each: &mut dyn FnMut(Loaded) -> io::Result<()>,
) -> io::Result<()> {
    if !path.is_dir() {
        return load::read_file(path, each);
    }
    let cannot = |e: io::Error| LoadError {
        source: path.display().to_string(),
        line: None,
        message: format!("cannot read directory: {e}"),
    };
    match std::fs::canonicalize(path) {
        Ok(real) => {
            if !visited.insert(real) {
                return Ok(());
            }
        }
        Err(e) => return each(Err(cannot(e))),
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) => return each(Err(cannot(e))),
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        let is_manifest = child
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"));
        if child.is_dir() || is_manifest {
            read_path(&child, visited, each)?;
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct Row<'a> {
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

/// A string field of an object, which must be a string when present.
fn text_at<'a>(v: &'a Value, path: &[&str]) -> Result<Option<&'a str>, String> {
    match v.at(path) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "{}: a {} instead of a string",
            path.join("."),
            load::json_type(other)
        )),
    }
}

impl<'a> Row<'a> {
    /// The row of an object, or why the object is not one herald can judge.
    fn new(d: &'a Document, assessor: &mut Assessor, now: Timestamp) -> Result<Self, String> {
        let v = &d.value;
        let name = match text_at(v, &["metadata", "name"])? {
            Some(name) if !name.is_empty() => name,
            _ => return Err("not a Kubernetes object: missing metadata.name".into()),
        };
        Ok(Row {
            file: &d.source,
            line: d.line,
            api_version: v.str_at(&["apiVersion"]).unwrap_or_default(),
            kind: TypeRef::of(v).kind,
            namespace: text_at(v, &["metadata", "namespace"])?.unwrap_or_default(),
            name,
            assessment: assessor.assess(v, now),
        })
    }
}

/// The rows written so far, or kept for the table, and the worst verdict among them.
struct Report {
    output: Output,
    rows: usize,
    worst: Option<Health>,
    /// Table cells, one string per row with the cells separated by a control character
    /// (cells have none left): one allocation per row, whatever the number of rows.
    cells: Vec<String>,
    widths: [usize; 6],
}

const HEADER: [&str; 6] = ["KIND", "NAME", "HEALTH", "READY", "STATUS", "MESSAGE"];
const CELL_SEPARATOR: char = '\u{1f}';

impl Report {
    fn new(output: Output) -> Report {
        Report {
            output,
            rows: 0,
            worst: None,
            cells: Vec::new(),
            widths: HEADER.map(|h| h.chars().count()),
        }
    }

    /// Assesses one object and writes or keeps its row; returns what is wrong with the input.
    fn add(
        &mut self,
        out: &mut dyn Write,
        d: &Document,
        assessor: &mut Assessor,
        now: Timestamp,
    ) -> io::Result<Option<String>> {
        let row = match Row::new(d, assessor, now) {
            Ok(row) => row,
            Err(problem) => return Ok(Some(format!("{}:{}: {problem}", d.source, d.line))),
        };
        let a = &row.assessment;
        let problem = (a.status == INVALID_FIELD).then(|| {
            format!(
                "{}:{}: {} {}: {}",
                d.source,
                d.line,
                row.kind,
                display_name(&d.value),
                a.message
            )
        });
        self.worst = self.worst.max(Some(a.health));
        self.rows += 1;
        match self.output {
            Output::Json => {
                out.write_all(if self.rows == 1 { b"[\n" } else { b",\n" })?;
                // Pretty-printed as an item of the array would be: two more spaces.
                let item = serde_json::to_string_pretty(&row).map_err(io::Error::other)?;
                for (i, line) in item.lines().enumerate() {
                    if i > 0 {
                        out.write_all(b"\n")?;
                    }
                    write!(out, "  {line}")?;
                }
            }
            Output::Table | Output::Wide => {
                let width = (self.output == Output::Table).then_some(80);
                let name = if row.namespace.is_empty() {
                    printable(row.name)
                } else {
                    printable(&format!("{}/{}", row.namespace, row.name))
                };
                let message = printable(&a.message.replace('\n', " "));
                let cells = [
                    printable(row.kind),
                    name,
                    a.health.to_string(),
                    a.ready.to_string(),
                    printable(&a.status),
                    match width {
                        Some(w) => cut(&message, w),
                        None => message,
                    },
                ];
                let mut joined = String::new();
                for (i, cell) in cells.iter().enumerate() {
                    self.widths[i] = self.widths[i].max(cell.chars().count());
                    if i > 0 {
                        joined.push(CELL_SEPARATOR);
                    }
                    joined.push_str(cell);
                }
                self.cells.push(joined);
            }
        }
        Ok(problem)
    }

    fn finish(self, out: &mut dyn Write) -> io::Result<()> {
        if self.output == Output::Json {
            return out.write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" });
        }
        if self.cells.is_empty() {
            return Ok(());
        }
        let header = HEADER.join(&CELL_SEPARATOR.to_string());
        for row in std::iter::once(&header).chain(&self.cells) {
            let mut line = String::new();
            for (i, cell) in row.split(CELL_SEPARATOR).enumerate() {
                if i + 1 == HEADER.len() {
                    line.push_str(cell);
                } else {
                    let width = self.widths[i];
                    line.push_str(&format!("{cell:<width$}  "));
                }
            }
            writeln!(out, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

/// Text from the input, safe to print on a terminal: control characters (escape sequences,
/// carriage returns) and bidirectional overrides, which could rewrite what the table shows,
/// are written as `\u{..}` escapes.
pub(crate) fn printable(s: &str) -> String {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(
                c,
                '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
            )
    };
    let mut shown = String::with_capacity(s.len());
    for c in s.chars() {
        if unsafe_char(c) {
            shown.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            shown.push(c);
        }
    }
    shown
}

fn cut(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_string();
    }
    let mut c: String = s.chars().take(width.saturating_sub(1)).collect();
    c.push('…');
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_what_a_terminal_would_obey() {
        assert_eq!(printable("web"), "web");
        assert_eq!(printable("a\u{1b}[2Jb\rc"), "a\\u{1b}[2Jb\\u{d}c");
        assert_eq!(
            printable("x\u{9b}31m\u{202e}y\u{7f}"),
            "x\\u{9b}31m\\u{202e}y\\u{7f}"
        );
        assert_eq!(printable("ünïcödé ✓"), "ünïcödé ✓");
    }
}

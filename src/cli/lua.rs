//! `herald lua test DIR`: Argo CD's `health_test.yaml` suites against the checks herald would use.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use crate::health::{Assessor, CheckSource};
use crate::load::{DuplicateKeyPolicy, parse_objects, parse_yaml};
use crate::lua::{self, Limits, LuaChecks};

#[derive(Debug, clap::Subcommand)]
pub enum LuaCommand {
    /// Run every health_test.yaml under DIR (Argo CD's format) with the checks herald would use.
    Test(TestArgs),
}

/// Where user checks come from, shared by the commands that assess objects.
#[derive(Debug, Clone, clap::Args)]
pub struct UserChecks {
    /// A directory of user Lua checks (`<group>/<Kind>/health.lua`, `_` for `*`), such as a
    /// checkout of Argo CD's resource_customizations. Repeatable; later ones win.
    #[arg(long = "scripts", value_name = "DIR")]
    pub scripts: Vec<PathBuf>,
    /// An argocd-cm ConfigMap (YAML or JSON) whose health customizations become user checks.
    #[arg(long = "argocd-cm", value_name = "FILE")]
    pub argocd_cm: Option<PathBuf>,
    /// Time limit of one Lua evaluation, in milliseconds (1 to 60000).
    #[arg(long, default_value_t = 1000, value_name = "MS",
          value_parser = clap::value_parser!(u64).range(1..=60_000))]
    pub lua_timeout_ms: u64,
    /// Memory limit of one Lua state, in MiB (1 to 1024).
    #[arg(long, default_value_t = 16, value_name = "MIB",
          value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub lua_memory_mib: u64,
    /// Checks found elsewhere (an argocd-cm read from the cluster), after the others.
    #[arg(skip)]
    pub extra: Vec<lua::ScriptSource>,
}

impl UserChecks {
    /// An assessor with the shipped checks and these user checks; errors name file and line.
    pub fn assessor(&self) -> Result<Assessor, Vec<String>> {
        let (assessor, errors) = self.loaded();
        if errors.is_empty() {
            Ok(assessor)
        } else {
            Err(errors)
        }
    }

    /// An assessor with every check that loaded, and what did not: a user check that does not
    /// compile judges its kinds unknown with its error.
    pub fn loaded(&self) -> (Assessor, Vec<String>) {
        let limits = Limits {
            time: Duration::from_millis(self.lua_timeout_ms),
            memory: usize::try_from(self.lua_memory_mib << 20).unwrap_or(usize::MAX),
        };
        let mut checks = match LuaChecks::shipped(limits) {
            Ok(c) => c,
            Err(e) => return (Assessor::builtin_only(), vec![e.to_string()]),
        };
        let mut sources = Vec::new();
        let mut errors = Vec::new();
        for dir in &self.scripts {
            match lua::scan_libs(dir) {
                Ok(libs) => {
                    if let Err(e) = checks.add_libs(libs) {
                        errors.push(e.to_string());
                    }
                }
                Err(e) => errors.push(e.to_string()),
            }
            match lua::scan_dir(dir) {
                Ok(found) => sources.extend(found),
                Err(e) => errors.push(e.to_string()),
            }
        }
        if let Some(path) = &self.argocd_cm {
            let name = path.display().to_string();
            match std::fs::read_to_string(path) {
                Ok(text) => {
                    let (docs, load_errors) = parse_objects(&name, &text);
                    errors.extend(load_errors.iter().map(ToString::to_string));
                    for d in docs {
                        match lua::argocd_cm::health_checks(&d.value, &name) {
                            Ok(found) => sources.extend(found),
                            Err(e) => errors.push(e),
                        }
                    }
                }
                Err(e) => errors.push(format!("{name}: cannot read: {e}")),
            }
        }
        sources.extend(self.extra.iter().cloned());
        if let Err(load_errors) = checks.add_user(sources) {
            errors.extend(load_errors.iter().map(ToString::to_string));
        }
        (Assessor::new(checks), errors)
    }
}

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// A directory searched recursively for health_test.yaml files.
    pub dir: PathBuf,
    #[command(flatten)]
    pub checks: UserChecks,
    /// Print every case, not only failures.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Deserialize)]
struct Suite {
    #[serde(default)]
    tests: Vec<Case>,
}

#[derive(Debug, Deserialize)]
struct Case {
    #[serde(rename = "healthStatus")]
    health_status: Expected,
    #[serde(rename = "inputPath", alias = "inputpath")]
    input_path: String,
}

#[derive(Debug, Deserialize)]
struct Expected {
    status: String,
    #[serde(default)]
    message: Option<String>,
}

const ARGO_WORDS: [&str; 6] = [
    "Healthy",
    "Progressing",
    "Degraded",
    "Suspended",
    "Missing",
    "Unknown",
];

/// Exit status: 0 every case passed, 1 a case failed, 2 a suite or input could not be read.
pub fn run(cmd: &LuaCommand, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<i32> {
    let LuaCommand::Test(args) = cmd;
    let (mut assessor, load_errors) = args.checks.loaded();
    for e in &load_errors {
        writeln!(err, "error: {e}")?;
    }
    if !args.dir.is_dir() {
        let what = if args.dir.exists() {
            "is not a directory"
        } else {
            "does not exist"
        };
        writeln!(err, "error: {}: {what}", args.dir.display())?;
        return Ok(2);
    }
    let suites = match suites(&args.dir) {
        Ok(s) => s,
        Err(e) => {
            writeln!(err, "error: {}: {e}", args.dir.display())?;
            return Ok(2);
        }
    };
    // Scripts beside the suites are only tested when they are the checks herald would run.
    let beside = suites
        .iter()
        .map(|s| s.with_file_name("health.lua"))
        .filter(|p| p.is_file() && !is_shipped(p))
        .count();
    if beside > 0 && args.checks.scripts.is_empty() {
        writeln!(
            err,
            "note: the {beside} health.lua file(s) beside these suites are not in use: the suites \
             test the checks herald would run (built-in, shipped, --scripts, --argocd-cm); \
             add --scripts {} to test them",
            args.dir.display()
        )?;
    }
    if suites.is_empty() {
        writeln!(
            err,
            "error: no health_test.yaml under {}",
            args.dir.display()
        )?;
        return Ok(2);
    }
    let now = Timestamp::now();
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    let mut parsed = Parsed::default();
    for suite_path in &suites {
        let suite_name = suite_path.display().to_string();
        let suite = match parsed.suite(suite_path) {
            Ok(s) => s,
            Err(e) => {
                writeln!(out, "ERROR {suite_name}: {e}")?;
                broken += 1;
                continue;
            }
        };
        let base = suite_path.parent().unwrap_or(Path::new("."));
        for case in &suite.tests {
            let input = base.join(&case.input_path);
            let shown = input.display().to_string();
            let obj = match parsed.object(&input) {
                Ok(o) => o,
                Err(e) => {
                    writeln!(out, "ERROR {shown}: {e}")?;
                    broken += 1;
                    continue;
                }
            };
            let a = assessor.assess_by_check(&obj, now);
            // herald trims trailing whitespace off every message; so does the comparison.
            let expected_message = case
                .health_status
                .message
                .as_deref()
                .unwrap_or("")
                .trim_end();
            let (got_status, compare_message) = match &a.check {
                CheckSource::Lua(_) if ARGO_WORDS.contains(&a.status.as_str()) => {
                    (a.status.as_str(), true)
                }
                CheckSource::Lua(_) => (a.argo_status(), true),
                _ => (a.argo_status(), false),
            };
            let ok = got_status == case.health_status.status
                && (!compare_message || a.message == expected_message);
            if ok {
                passed += 1;
                if args.verbose {
                    writeln!(out, "ok   {shown} [{}] {got_status}", a.check)?;
                }
            } else {
                failed += 1;
                writeln!(
                    out,
                    "FAIL {shown} [{}]: expected {} {:?}, got {} {:?}",
                    a.check, case.health_status.status, expected_message, got_status, a.message
                )?;
            }
        }
    }
    writeln!(
        out,
        "{passed} passed, {failed} failed{}",
        if broken > 0 {
            format!(", {broken} unreadable")
        } else {
            String::new()
        }
    )?;
    Ok(if broken > 0 || !load_errors.is_empty() {
        2
    } else if failed > 0 {
        1
    } else {
        0
    })
}

/// Whether `path` (`.../<group>/<Kind>/health.lua`) holds the check herald ships for that kind.
fn is_shipped(path: &Path) -> bool {
    let folder = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
    };
    let kind = path.parent();
    let (Some(k), Some(g)) = (folder(kind), folder(kind.and_then(Path::parent))) else {
        return false;
    };
    lua::shipped_source(&g, &k)
        .is_some_and(|shipped| std::fs::read_to_string(path).is_ok_and(|s| s == shipped))
}

/// Every `health_test.yaml` under `dir`, sorted.
pub fn suites(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    find_suites(dir, &mut found, &mut HashSet::new())?;
    found.sort();
    Ok(found)
}

/// The input files a suite names, relative to the suite's directory.
pub fn suite_inputs(path: &Path) -> Result<Vec<PathBuf>, String> {
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(read_suite(path)?
        .tests
        .iter()
        .map(|c| base.join(&c.input_path))
        .collect())
}

/// Each real directory is searched once, so a symbolic link back up the tree does not loop.
fn find_suites(
    dir: &Path,
    found: &mut Vec<PathBuf>,
    visited: &mut HashSet<PathBuf>,
) -> io::Result<()> {
    if !visited.insert(std::fs::canonicalize(dir)?) {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            find_suites(&path, found, visited)?;
        } else if path.file_name().is_some_and(|n| n == "health_test.yaml") {
            found.push(path);
        }
    }
    Ok(())
}

/// Bytes of file text whose parse a run keeps for files with the same text.
const PARSED_MAX_BYTES: usize = 64 << 20;

/// Suites and inputs parsed so far in one run, by their text: a file is read once per case, but
/// the same text (a suite or input copied into several folders, an input that several cases
/// name) is parsed once. Only what parsed is kept (an error names its own file).
#[derive(Default)]
struct Parsed {
    objects: HashMap<String, Rc<Value>>,
    suites: HashMap<String, Rc<Suite>>,
    bytes: usize,
}

impl Parsed {
    fn suite(&mut self, path: &Path) -> Result<Rc<Suite>, String> {
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        if let Some(s) = self.suites.get(&text) {
            return Ok(Rc::clone(s));
        }
        let suite = Rc::new(parse_suite(&text)?);
        if self.bytes + text.len() <= PARSED_MAX_BYTES {
            self.bytes += text.len();
            self.suites.insert(text, Rc::clone(&suite));
        }
        Ok(suite)
    }

    fn object(&mut self, path: &Path) -> Result<Rc<Value>, String> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
        if let Some(v) = self.objects.get(&text) {
            return Ok(Rc::clone(v));
        }
        let v = Rc::new(parse_object(&name, &text)?);
        if self.bytes + text.len() <= PARSED_MAX_BYTES {
            self.bytes += text.len();
            self.objects.insert(text, Rc::clone(&v));
        }
        Ok(v)
    }
}

fn read_suite(path: &Path) -> Result<Suite, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    parse_suite(&text)
}

fn parse_suite(text: &str) -> Result<Suite, String> {
    let docs: Vec<Suite> =
        parse_yaml(text, DuplicateKeyPolicy::LastWins).map_err(|e| e.to_string())?;
    docs.into_iter()
        .next()
        .ok_or_else(|| "empty test file".to_string())
}

fn parse_object(name: &str, text: &str) -> Result<Value, String> {
    let (mut docs, errors) = parse_objects(name, text);
    if let Some(e) = errors.first() {
        return Err(e.to_string());
    }
    if docs.is_empty() {
        return Err("no object in file".into());
    }
    Ok(docs.swap_remove(0).value)
}

//! Differential test of herald's health verdicts against an oracle: herald running Argo CD's own
//! `resource_customizations` scripts (`--scripts`), behind Argo CD's engine rule that an object
//! being deleted is Progressing before any script runs.
//!
//! Every corpus object referenced by a `health_test.yaml` suite is changed one field at a time
//! (condition statuses and reasons, phases and states, deletion, a generation lag, status or
//! conditions removed, pause flags) and each variant is judged by both. Kinds without an Argo CD
//! script are left out: Argo CD's engine has built-in rules for a few core kinds only, and
//! judging those with herald's own built-in on both sides would compare herald with itself.
//!
//! ```text
//! cargo run --release --example differential -- --oracle /path/to/argo-cd/resource_customizations \
//!     [CORPUS_DIR ...] [--report FILE]
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use clap::Parser;
use herald::cli::lua::UserChecks;
use herald::health::{Assessment, Assessor, CheckSource};
use herald::load::parse_objects;
use herald::lua::outcome::INVALID_STATUS;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

#[derive(Debug, Parser)]
#[command(about = "herald's default health verdicts against Argo CD's scripts, on variants")]
struct Args {
    /// Directories searched for health_test.yaml suites whose inputs are the corpus.
    #[arg(default_value = "tests/corpus/argo-health")]
    corpus: Vec<PathBuf>,
    /// Argo CD's resource_customizations directory (a local checkout), the oracle's scripts.
    #[arg(long, value_name = "DIR")]
    oracle: PathBuf,
    /// Most variants made from one object.
    #[arg(long, default_value_t = 200)]
    per_object: usize,
    /// Most variants judged in all.
    #[arg(long, default_value_t = 50_000)]
    max_total: usize,
    /// Disagreements shown per kind.
    #[arg(long, default_value_t = 3)]
    examples: usize,
    /// The time of the assessments (RFC 3339), so a run can be replayed; now by default.
    #[arg(long, value_name = "TIME")]
    now: Option<Timestamp>,
    /// Also write the figures and disagreements as Markdown to this file.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Checks (a `lua-checks` tree) loaded on herald's side over the shipped ones, to try a
    /// change to the shipped checks without rebuilding the binary that embeds them.
    #[arg(long, value_name = "DIR")]
    checks: Option<PathBuf>,
    /// The ledger of differences herald keeps on purpose (`*.yaml` files, each a list of
    /// entries; see `tests/differential/argued/`): every disagreement is matched against it and
    /// the ones no entry argues are listed in full. Repeatable.
    #[arg(long, value_name = "DIR")]
    argued: Vec<PathBuf>,
}

/// Words an Argo CD health script returns.
const ARGO_WORDS: [&str; 6] = [
    "Healthy",
    "Progressing",
    "Degraded",
    "Suspended",
    "Missing",
    "Unknown",
];

/// The largest corpus file read, in bytes.
const MAX_INPUT_BYTES: u64 = 4 << 20;

/// `group/Kind` of an object, the unit of the vocabulary and of the table.
fn kind_key(obj: &Value) -> String {
    let api = obj["apiVersion"].as_str().unwrap_or("");
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    let kind = obj["kind"].as_str().unwrap_or("");
    if group.is_empty() {
        kind.to_string()
    } else {
        format!("{group}/{kind}")
    }
}

/// The kind of change a variant makes, for the table by change: the label without its values.
fn change_class(change: &str) -> String {
    if change.starts_with("metadata.generation") {
        return "generation lag".into();
    }
    if let Some(rest) = change.strip_prefix("conditions[") {
        let field = rest.split_once("].").map_or("", |(_, f)| f);
        return format!("condition {}", field.split('=').next().unwrap_or(""));
    }
    change.split('=').next().unwrap_or(change).to_string()
}

/// The values each kind shows anywhere in the corpus; variants take their values from here, so
/// every value is one an operator really writes.
#[derive(Debug, Default)]
struct Vocabulary {
    /// kind → condition type → reasons.
    reasons: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// kind → field (`phase`, `state`) → values.
    words: BTreeMap<String, BTreeMap<&'static str, BTreeSet<String>>>,
    /// kind → spec flags (`paused`, `suspend`) some object of the kind sets.
    flags: BTreeMap<String, BTreeSet<&'static str>>,
}

const WORD_FIELDS: [&str; 2] = ["phase", "state"];
const FLAGS: [&str; 2] = ["paused", "suspend"];

impl Vocabulary {
    fn learn(&mut self, obj: &Value) {
        let key = kind_key(obj);
        for c in conditions(obj) {
            if let (Some(t), Some(r)) = (c["type"].as_str(), c["reason"].as_str()) {
                self.reasons
                    .entry(key.clone())
                    .or_default()
                    .entry(t.to_string())
                    .or_default()
                    .insert(r.to_string());
            }
        }
        for field in WORD_FIELDS {
            if let Some(w) = obj["status"][field].as_str() {
                self.words
                    .entry(key.clone())
                    .or_default()
                    .entry(field)
                    .or_default()
                    .insert(w.to_string());
            }
        }
        for flag in FLAGS {
            if obj["spec"][flag].is_boolean() {
                self.flags.entry(key.clone()).or_default().insert(flag);
            }
        }
    }
}

fn conditions(obj: &Value) -> &[Value] {
    obj["status"]["conditions"]
        .as_array()
        .map_or(&[], Vec::as_slice)
}

/// One object with one field changed, and which.
#[derive(Debug, Clone)]
struct Variant {
    change: String,
    obj: Value,
}

/// The single-field variants of `obj`, at most `cap`, in a stable order.
fn variants(obj: &Value, vocab: &Vocabulary, deleted_at: &str, cap: usize) -> Vec<Variant> {
    let key = kind_key(obj);
    let mut out = Vec::new();
    let mut push = |change: String, v: Value| {
        if v != *obj {
            out.push(Variant { change, obj: v });
        }
    };
    for (i, c) in conditions(obj).iter().enumerate() {
        let Some(ctype) = c["type"].as_str() else {
            continue;
        };
        for s in ["True", "False", "Unknown"] {
            if c["status"].as_str() != Some(s) {
                let mut v = obj.clone();
                v["status"]["conditions"][i]["status"] = json!(s);
                push(format!("conditions[{ctype}].status={s}"), v);
            }
        }
        let reasons = vocab.reasons.get(&key).and_then(|m| m.get(ctype));
        for r in reasons.into_iter().flatten() {
            if c["reason"].as_str() != Some(r.as_str()) {
                let mut v = obj.clone();
                v["status"]["conditions"][i]["reason"] = json!(r);
                push(format!("conditions[{ctype}].reason={r}"), v);
            }
        }
    }
    for field in WORD_FIELDS {
        let Some(seen) = vocab.words.get(&key).and_then(|m| m.get(field)) else {
            continue;
        };
        if !obj["status"].is_object() {
            continue;
        }
        for w in seen {
            if obj["status"][field].as_str() != Some(w.as_str()) {
                let mut v = obj.clone();
                v["status"][field] = json!(w);
                push(format!("status.{field}={w}"), v);
            }
        }
    }
    if obj["metadata"]["deletionTimestamp"].is_null() && obj["metadata"].is_object() {
        let mut v = obj.clone();
        v["metadata"]["deletionTimestamp"] = json!(deleted_at);
        push("metadata.deletionTimestamp set".into(), v);
    }
    if let (Some(_), Some(observed)) = (
        obj["metadata"]["generation"].as_i64(),
        obj["status"]["observedGeneration"].as_i64(),
    ) {
        let mut v = obj.clone();
        v["metadata"]["generation"] = json!(observed.saturating_add(1));
        push("metadata.generation=observedGeneration+1".into(), v);
    }
    if let Some(m) = obj.as_object()
        && m.contains_key("status")
    {
        let mut v = obj.clone();
        v.as_object_mut().map(|m| m.remove("status"));
        push("status removed".into(), v);
    }
    if let Some(s) = obj["status"].as_object()
        && s.contains_key("conditions")
    {
        let mut v = obj.clone();
        v["status"].as_object_mut().map(|m| m.remove("conditions"));
        push("status.conditions removed".into(), v);
    }
    let known_flags = vocab.flags.get(&key);
    for flag in FLAGS {
        let now = obj["spec"][flag].as_bool();
        let used = now.is_some() || known_flags.is_some_and(|f| f.contains(flag));
        if used && obj["spec"].is_object() {
            let to = !now.unwrap_or(false);
            let mut v = obj.clone();
            v["spec"][flag] = json!(to);
            push(format!("spec.{flag}={to}"), v);
        }
    }
    out.truncate(cap);
    out
}

/// The Argo CD status an assessment stands for: the word a Lua check returned, or the
/// projection of HEALTH-MODEL.md (the same reading as `herald lua test`).
fn argo_word(a: &Assessment) -> &str {
    match &a.check {
        CheckSource::Lua(_) if ARGO_WORDS.contains(&a.status.as_str()) => a.status.as_str(),
        _ => a.argo_status(),
    }
}

fn verdict(word: &str, message: &str) -> String {
    if message.is_empty() {
        word.to_string()
    } else {
        format!("{word} {message:?}")
    }
}

/// One difference herald keeps on purpose, as its ledger states it. Every field but `note` is a
/// pattern where `*` matches any run of characters; `argo: error` stands for an Argo CD script
/// that raised an error or returned no valid status.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Argued {
    kind: String,
    change: String,
    #[serde(default = "any")]
    file: String,
    herald: String,
    argo: String,
    /// Text of the HEALTH-MODEL-NOTES.md entry that argues the difference.
    note: String,
}

fn any() -> String {
    "*".into()
}

/// What the ledger is matched against: one disagreement.
struct Disagreement<'a> {
    kind: &'a str,
    change: &'a str,
    file: &'a str,
    herald: &'a str,
    argo: &'a str,
    argo_error: bool,
}

impl Argued {
    fn covers(&self, d: &Disagreement) -> bool {
        let argo = if self.argo == "error" {
            d.argo_error
        } else {
            glob(&self.argo, d.argo)
        };
        argo && glob(&self.kind, d.kind)
            && glob(&self.change, d.change)
            && glob(&self.file, d.file)
            && glob(&self.herald, d.herald)
    }
}

/// `pattern` against `text`, where `*` matches any run of characters (also none).
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// Every entry of the `*.yaml` files in `dir`, with the file each came from.
fn ledger(dir: &Path) -> Result<Vec<(String, Argued)>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = read_text(&f).map_err(|e| format!("{}: {e}", f.display()))?;
        let entries: Vec<Argued> =
            serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        out.extend(entries.into_iter().map(|e| (name.clone(), e)));
    }
    Ok(out)
}

/// The Argo CD word as herald's model reads it: Unknown and Missing are, like Progressing,
/// "health unknown, not ready" (HEALTH-MODEL.md, Lua checks), so herald tells the same.
fn in_herald_terms(word: &str) -> &str {
    match word {
        "Unknown" | "Missing" => "Progressing",
        w => w,
    }
}

/// The oracle: Argo CD's engine rule for deletion, then Argo CD's script for the kind; `None`
/// when Argo CD has no script for it.
struct Oracle {
    assessor: Assessor,
    scripts: String,
}

impl Oracle {
    fn judge(&mut self, obj: &Value, now: Timestamp) -> Option<String> {
        let a = self.assessor.assess(obj, now);
        let scripted = matches!(&a.check, CheckSource::Lua(o) if o.starts_with(&self.scripts));
        if !scripted {
            return None;
        }
        if !obj["metadata"]["deletionTimestamp"].is_null() {
            return Some(verdict("Progressing", "Pending deletion"));
        }
        Some(verdict(argo_word(&a), &a.message))
    }
}

fn read_text(path: &Path) -> Result<String, String> {
    let len = std::fs::metadata(path).map_err(|e| e.to_string())?.len();
    if len > MAX_INPUT_BYTES {
        return Err(format!("larger than {MAX_INPUT_BYTES} bytes"));
    }
    std::fs::read_to_string(path).map_err(|e| e.to_string())
}

/// Every object the suites under `dirs` name, once each, with the path it was read from.
fn corpus(dirs: &[PathBuf]) -> Vec<(String, Value)> {
    let mut suites = Vec::new();
    for d in dirs {
        match herald::cli::lua::suites(d) {
            Ok(found) => suites.extend(found),
            Err(e) => eprintln!("warning: {}: {e}", d.display()),
        }
    }
    let mut inputs = BTreeSet::new();
    for s in &suites {
        match herald::cli::lua::suite_inputs(s) {
            Ok(paths) => {
                for p in paths {
                    inputs.insert(std::fs::canonicalize(&p).unwrap_or(p));
                }
            }
            Err(e) => eprintln!("warning: {}: {e}", s.display()),
        }
    }
    let mut objects = Vec::new();
    for p in inputs {
        let name = p.display().to_string();
        match read_text(&p) {
            Ok(text) => {
                let (docs, errors) = parse_objects(&name, &text);
                if let Some(e) = errors.first() {
                    eprintln!("warning: {e}");
                }
                if let Some(d) = docs.into_iter().next() {
                    objects.push((name, d.value));
                }
            }
            Err(e) => eprintln!("warning: {name}: {e}"),
        }
    }
    objects
}

#[derive(Debug, Default)]
struct Tally {
    variants: usize,
    agree: usize,
    deletion_variants: usize,
    deletion_agree: usize,
    shown: Vec<String>,
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        // Counts stay far below 2^52; the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        let r = part as f64 * 100.0 / whole as f64;
        r
    }
}

fn user_checks(scripts: Vec<PathBuf>) -> UserChecks {
    UserChecks {
        scripts,
        argocd_cm: None,
        lua_timeout_ms: 1000,
        lua_memory_mib: 16,
        extra: Vec::new(),
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    if !args.oracle.is_dir() {
        eprintln!("error: {}: not a directory", args.oracle.display());
        return std::process::ExitCode::from(2);
    }
    let mut herald = match user_checks(args.checks.iter().cloned().collect()).assessor() {
        Ok(a) => a,
        Err(errors) => {
            for e in errors {
                eprintln!("error: {e}");
            }
            return std::process::ExitCode::from(2);
        }
    };
    let (assessor, errors) = user_checks(vec![args.oracle.clone()]).loaded();
    for e in &errors {
        eprintln!("warning: oracle script: {e}");
    }
    let mut oracle = Oracle {
        assessor,
        scripts: args.oracle.display().to_string(),
    };

    let mut argued: Option<Vec<(String, Argued)>> = None;
    for dir in &args.argued {
        match ledger(dir) {
            Ok(l) => argued.get_or_insert_default().extend(l),
            Err(e) => {
                eprintln!("error: {e}");
                return std::process::ExitCode::from(2);
            }
        }
    }
    let mut by_note: BTreeMap<String, usize> = BTreeMap::new();
    // The ledger entries that covered something: one that covers nothing is stale.
    let mut used: BTreeSet<usize> = BTreeSet::new();
    let mut unargued: Vec<String> = Vec::new();
    let mut same_in_herald_terms = 0usize;
    let (mut objects_differing, mut inherited) = (0usize, 0usize);

    let objects = corpus(&args.corpus);
    let mut vocab = Vocabulary::default();
    for (_, o) in &objects {
        vocab.learn(o);
    }
    let now = args.now.unwrap_or_else(Timestamp::now);
    let deleted_at = (now - SignedDuration::from_secs(60)).to_string();
    let root = std::env::current_dir().unwrap_or_default();

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let (mut judged, mut skipped, mut capped) = (0usize, 0usize, false);
    let mut unscripted = BTreeSet::new();
    let mut oracle_errors = 0usize;
    let mut by_change: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    'objects: for (name, obj) in &objects {
        let Some(base_want) = oracle.judge(obj, now) else {
            unscripted.insert(kind_key(obj));
            continue;
        };
        // The object as it is: a difference here is one its variants mostly carry along.
        let base_got = argo_word(&herald.assess(obj, now)).to_string();
        let base_want = base_want.split(' ').next().unwrap_or("").to_string();
        let base_differs = base_got != base_want;
        objects_differing += usize::from(base_differs);
        let shown_name = Path::new(name)
            .strip_prefix(&root)
            .map_or_else(|_| name.clone(), |p| p.display().to_string());
        for v in variants(obj, &vocab, &deleted_at, args.per_object) {
            if judged >= args.max_total {
                capped = true;
                break 'objects;
            }
            let Some(want) = oracle.judge(&v.obj, now) else {
                skipped += 1;
                continue;
            };
            judged += 1;
            let a = herald.assess(&v.obj, now);
            let got_word = argo_word(&a);
            let want_word = want.split(' ').next().unwrap_or("");
            let same = got_word == want_word;
            inherited += usize::from(
                !same && base_differs && got_word == base_got && want_word == base_want,
            );
            let c = by_change.entry(change_class(&v.change)).or_default();
            c.0 += 1;
            c.1 += usize::from(same);
            let t = tallies.entry(kind_key(obj)).or_default();
            t.variants += 1;
            // Argo CD's engine rule decides every variant of an object being deleted, whatever
            // field changed; they are counted apart so the figure is seen with and without it.
            if !v.obj["metadata"]["deletionTimestamp"].is_null() {
                t.deletion_variants += 1;
                t.deletion_agree += usize::from(same);
            }
            // Argo CD reports a script that raised an error as Unknown with the error; those
            // disagreements are Argo CD's scripts failing on states they were not written for.
            let argo_error = !same
                && want_word == "Unknown"
                && (want.contains("health.lua:") || want.contains(INVALID_STATUS));
            oracle_errors += usize::from(argo_error);
            same_in_herald_terms +=
                usize::from(in_herald_terms(got_word) == in_herald_terms(want_word));
            if !same && let Some(entries) = &argued {
                let kind = kind_key(obj);
                let file = Path::new(name)
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let d = Disagreement {
                    kind: &kind,
                    change: &v.change,
                    file: &file,
                    herald: got_word,
                    argo: want_word,
                    argo_error,
                };
                match entries.iter().position(|(_, e)| e.covers(&d)) {
                    Some(i) => {
                        used.insert(i);
                        *by_note.entry(entries[i].1.note.clone()).or_default() += 1;
                    }
                    None => unargued.push(format!(
                        "`{shown_name}` {}: herald {} [{}], Argo CD {}",
                        v.change,
                        verdict(got_word, &a.message),
                        a.check,
                        want
                    )),
                }
            }
            if same {
                t.agree += 1;
            } else if t.shown.len() < args.examples {
                t.shown.push(format!(
                    "`{shown_name}` {}: herald {} [{}], Argo CD {}",
                    v.change,
                    verdict(got_word, &a.message),
                    a.check,
                    want
                ));
            }
        }
    }

    let total: usize = tallies.values().map(|t| t.variants).sum();
    let agree: usize = tallies.values().map(|t| t.agree).sum();
    let del: usize = tallies.values().map(|t| t.deletion_variants).sum();
    let del_agree: usize = tallies.values().map(|t| t.deletion_agree).sum();
    let mut md = String::new();
    let _ = writeln!(
        md,
        "{} objects, {} kinds with an Argo CD script ({} kinds without one left out), {} variants \
         judged{}.\n",
        objects.len(),
        tallies.len(),
        unscripted.len(),
        total,
        match (capped, skipped) {
            (true, _) => format!(", stopped at --max-total {}", args.max_total),
            (false, 0) => String::new(),
            (false, n) => format!(", {n} left out (no script for the variant)"),
        }
    );
    let _ = writeln!(
        md,
        "- agreement: **{:.1}%** ({agree}/{total})",
        percent(agree, total)
    );
    let _ = writeln!(
        md,
        "- variants of objects not being deleted: **{:.1}%** ({}/{})",
        percent(agree - del_agree, total - del),
        agree - del_agree,
        total - del
    );
    let _ = writeln!(
        md,
        "- variants of objects being deleted: {:.1}% ({del_agree}/{del})\n",
        percent(del_agree, del)
    );
    let _ = writeln!(
        md,
        "Of the {} disagreements, {oracle_errors} are variants on which Argo CD's script raised \
         an error or returned no valid status (Argo CD: Unknown).\n",
        total - agree
    );
    let _ = writeln!(
        md,
        "Objects judged differently as they are: {objects_differing}; {inherited} of the \
         disagreements repeat the difference of their object as it is (same two words).\n"
    );
    let _ = writeln!(
        md,
        "In herald's terms (Argo CD's Unknown and Missing read, like Progressing, as health \
         unknown and not ready): **{:.1}%** ({same_in_herald_terms}/{total}).\n",
        percent(same_in_herald_terms, total)
    );
    if argued.is_some() {
        let argued_total: usize = by_note.values().sum();
        let _ = writeln!(
            md,
            "Of the {} disagreements, {argued_total} are argued in the ledger, {} are not.\n",
            total - agree,
            unargued.len()
        );
        let _ = writeln!(md, "| argued by | variants |\n|---|---:|");
        for (note, n) in &by_note {
            let _ = writeln!(md, "| {note} | {n} |");
        }
        md.push('\n');
    }
    let _ = writeln!(
        md,
        "| change | variants | agree | % |\n|---|---:|---:|---:|"
    );
    for (c, (n, a)) in &by_change {
        let _ = writeln!(md, "| {c} | {n} | {a} | {:.1} |", percent(*a, *n));
    }
    md.push('\n');
    let mut rows: Vec<(&String, &Tally)> = tallies.iter().collect();
    rows.sort_by_key(|(k, t)| (std::cmp::Reverse(t.variants - t.agree), (*k).clone()));
    let _ = writeln!(md, "| kind | variants | agree | % |\n|---|---:|---:|---:|");
    for (k, t) in &rows {
        let _ = writeln!(
            md,
            "| {k} | {} | {} | {:.1} |",
            t.variants,
            t.agree,
            percent(t.agree, t.variants)
        );
    }
    let _ = writeln!(
        md,
        "\n### Disagreements (first {} per kind)\n",
        args.examples
    );
    for (k, t) in rows.iter().filter(|(_, t)| !t.shown.is_empty()) {
        let _ = writeln!(md, "- {k}");
        for s in &t.shown {
            let _ = writeln!(md, "  - {s}");
        }
    }
    if let Some(entries) = &argued {
        let stale: Vec<String> = entries
            .iter()
            .enumerate()
            .filter(|(i, _)| !used.contains(i))
            .map(|(_, (file, e))| format!("{file}: {} {} ({})", e.kind, e.change, e.note))
            .collect();
        if !stale.is_empty() {
            let _ = writeln!(
                md,
                "\n### Ledger entries that covered nothing ({})\n",
                stale.len()
            );
            for s in &stale {
                let _ = writeln!(md, "- {s}");
            }
        }
    }
    if argued.is_some() && !unargued.is_empty() {
        let _ = writeln!(md, "\n### Not argued ({})\n", unargued.len());
        for u in &unargued {
            let _ = writeln!(md, "- {u}");
        }
    }
    if let Some(path) = &args.report
        && let Err(e) = std::fs::write(path, &md)
    {
        eprintln!("error: {}: {e}", path.display());
        return std::process::ExitCode::from(2);
    }
    // A reader that stops early (`| head`) is not an error.
    let _ = std::io::Write::write_all(&mut std::io::stdout(), md.as_bytes());
    std::process::ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object() -> Value {
        json!({
            "apiVersion": "example.io/v1",
            "kind": "Widget",
            "metadata": {"name": "w", "generation": 3},
            "spec": {"paused": false},
            "status": {
                "observedGeneration": 3,
                "phase": "Running",
                "conditions": [{"type": "Ready", "status": "True", "reason": "Done"}]
            }
        })
    }

    fn changes(vs: &[Variant]) -> Vec<&str> {
        vs.iter().map(|v| v.change.as_str()).collect()
    }

    #[test]
    fn variants_take_values_seen_elsewhere_in_the_corpus() {
        let mut other = object();
        other["status"]["phase"] = json!("Failed");
        other["status"]["conditions"][0]["reason"] = json!("Broken");
        other["spec"]["suspend"] = json!(true);
        let mut vocab = Vocabulary::default();
        vocab.learn(&object());
        vocab.learn(&other);
        let vs = variants(&object(), &vocab, "2026-01-01T00:00:00Z", 200);
        let got = changes(&vs);
        for want in [
            "conditions[Ready].status=False",
            "conditions[Ready].status=Unknown",
            "conditions[Ready].reason=Broken",
            "status.phase=Failed",
            "metadata.deletionTimestamp set",
            "metadata.generation=observedGeneration+1",
            "status removed",
            "status.conditions removed",
            "spec.paused=true",
            "spec.suspend=true",
        ] {
            assert!(got.contains(&want), "{want} missing from {got:?}");
        }
        // Nothing that leaves the object as it was.
        assert!(!got.contains(&"conditions[Ready].status=True"), "{got:?}");
        assert!(!got.contains(&"status.phase=Running"), "{got:?}");
        assert_eq!(
            change_class("conditions[Ready].reason=Broken"),
            "condition reason"
        );
        assert_eq!(change_class("status.phase=Failed"), "status.phase");
        assert_eq!(
            change_class("metadata.generation=observedGeneration+1"),
            "generation lag"
        );
        let lag = vs
            .iter()
            .find(|v| v.change.starts_with("metadata.generation"));
        assert_eq!(lag.unwrap().obj["metadata"]["generation"], json!(4));
        let deleted = vs
            .iter()
            .filter(|v| !v.obj["metadata"]["deletionTimestamp"].is_null());
        assert_eq!(deleted.count(), 1);
    }

    #[test]
    fn glob_matches_stars_anywhere() {
        for (p, t) in [
            ("*", ""),
            ("*", "anything"),
            ("status removed", "status removed"),
            (
                "conditions[*].status=Unknown",
                "conditions[Ready].status=Unknown",
            ),
            ("degraded_*.yaml", "degraded_.yaml"),
            ("*a*b*", "xaybz"),
        ] {
            assert!(glob(p, t), "{p} should match {t}");
        }
        for (p, t) in [
            ("status removed", "status.conditions removed"),
            (
                "conditions[*].status=Unknown",
                "conditions[Ready].status=False",
            ),
            ("a*a", "a"),
            ("*a*b*", "xbya"),
        ] {
            assert!(!glob(p, t), "{p} should not match {t}");
        }
    }

    #[test]
    fn a_ledger_entry_covers_only_what_it_names() {
        let e = Argued {
            kind: "example.io/Widget".into(),
            change: "conditions[*].status=Unknown".into(),
            file: any(),
            herald: "Progressing".into(),
            argo: "*".into(),
            note: "n".into(),
        };
        let mut d = Disagreement {
            kind: "example.io/Widget",
            change: "conditions[Ready].status=Unknown",
            file: "healthy.yaml",
            herald: "Progressing",
            argo: "Degraded",
            argo_error: false,
        };
        assert!(e.covers(&d));
        d.herald = "Healthy";
        assert!(!e.covers(&d));
        d.herald = "Progressing";
        d.kind = "example.io/Gadget";
        assert!(!e.covers(&d));
        let errors = Argued {
            kind: "*".into(),
            change: "*".into(),
            file: any(),
            herald: "*".into(),
            argo: "error".into(),
            note: "n".into(),
        };
        assert!(!errors.covers(&d));
        d.argo_error = true;
        assert!(errors.covers(&d));
    }

    /// The repository's ledger reads, and every entry names an argument that
    /// HEALTH-MODEL-NOTES.md makes in its section on deliberate differences.
    #[test]
    fn every_ledger_entry_is_argued_in_the_notes() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let entries = ledger(&root.join("tests/differential/argued")).unwrap();
        assert!(!entries.is_empty());
        let notes = std::fs::read_to_string(root.join("HEALTH-MODEL-NOTES.md")).unwrap();
        let start = notes
            .find("## Deliberate differences from Argo CD's scripts")
            .unwrap();
        let end = notes[start..]
            .find("\n## Children")
            .map_or(notes.len(), |i| start + i);
        // Bullets wrap: compare with runs of white space made one space.
        let section = notes[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for (file, e) in &entries {
            let note = e.note.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                !note.is_empty() && section.contains(&note),
                "{file}: the note {:?} ({} {}) is not in HEALTH-MODEL-NOTES.md's deliberate \
                 differences",
                e.note,
                e.kind,
                e.change
            );
            for w in [&e.herald, &e.argo] {
                assert!(
                    w == "*" || w == "error" || ARGO_WORDS.contains(&w.as_str()),
                    "{file}: {w:?} is not a status word"
                );
            }
        }
    }

    #[test]
    fn variants_are_capped_and_each_changes_one_field() {
        let vocab = Vocabulary::default();
        let vs = variants(&object(), &vocab, "2026-01-01T00:00:00Z", 3);
        assert_eq!(vs.len(), 3);
        for v in &vs {
            assert_ne!(v.obj, object(), "{}", v.change);
        }
    }

    #[test]
    fn the_oracle_puts_argo_cds_deletion_rule_before_the_script() {
        let dir = std::env::temp_dir().join(format!("herald-diff-{}", std::process::id()));
        let kind = dir.join("example.io").join("Widget");
        std::fs::create_dir_all(&kind).unwrap();
        std::fs::write(
            kind.join("health.lua"),
            "return {status = \"Healthy\", message = \"fine\"}",
        )
        .unwrap();
        let (assessor, errors) = user_checks(vec![dir.clone()]).loaded();
        assert!(errors.is_empty(), "{errors:?}");
        let mut oracle = Oracle {
            assessor,
            scripts: dir.display().to_string(),
        };
        let now = Timestamp::now();
        assert_eq!(
            oracle.judge(&object(), now).as_deref(),
            Some("Healthy \"fine\"")
        );
        let mut deleted = object();
        deleted["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        assert_eq!(
            oracle.judge(&deleted, now).as_deref(),
            Some("Progressing \"Pending deletion\"")
        );
        let mut other = object();
        other["kind"] = json!("Gadget");
        assert_eq!(oracle.judge(&other, now), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

//! Lua checks: herald's shipped checks and users' own (Argo CD scripts run unmodified).
//!
//! Shipped checks share one state; every user check gets a state of its own, so a script that
//! runs out of time or memory, or tampers with its globals, disturbs nothing but itself.
//!
//! Start-up stays cheap with many user checks: every script and library module is compiled
//! once, from text, by herald's [`Compiler`] into bytecode; a user check's state is made on its
//! first evaluation and loads that bytecode (never bytecode from elsewhere), and a library
//! module runs in a state only when that state's script requires it.

pub mod argocd_cm;
mod convert;
pub mod outcome;
mod pattern;
pub mod vm;

use std::fmt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::health::Assessment;
pub use vm::{Bytecode, Compiler, EvalError, Library, Limits, Trust, Vm};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/shipped_checks.rs"));
}

/// The shipped library modules, (name, source).
pub fn shipped_libs() -> Vec<(String, String)> {
    embedded::SHIPPED_LIBS
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect()
}

/// The source of a shipped check, by its folder names (`_` for `*`).
pub fn shipped_source(group_folder: &str, kind_folder: &str) -> Option<&'static str> {
    embedded::SHIPPED_CHECKS
        .iter()
        .find(|(g, k, _)| *g == group_folder && *k == kind_folder)
        .map(|(_, _, source)| *source)
}

/// A `group/Kind` pattern; `*` matches any run of characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindPattern {
    pub group: String,
    pub kind: String,
}

impl KindPattern {
    /// From a `lua-checks` folder pair, where `_` stands for `*`.
    pub fn from_folders(group: &str, kind: &str) -> KindPattern {
        KindPattern {
            group: group.replace('_', "*"),
            kind: kind.replace('_', "*"),
        }
    }

    pub fn is_wildcard(&self) -> bool {
        self.group.contains('*') || self.kind.contains('*')
    }

    pub fn matches(&self, group: &str, kind: &str) -> bool {
        glob(&self.group, group) && glob(&self.kind, kind)
    }
}

impl fmt::Display for KindPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.group, self.kind)
    }
}

/// Shell-style match with `*` only.
fn glob(pattern: &str, s: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == s,
        Some((prefix, rest)) => {
            let Some(tail) = s.strip_prefix(prefix) else {
                return false;
            };
            (0..=tail.len())
                .filter(|&i| tail.is_char_boundary(i))
                .any(|i| glob(rest, &tail[i..]))
        }
    }
}

/// A user check as found, before it is compiled.
#[derive(Debug, Clone)]
pub struct ScriptSource {
    pub pattern: KindPattern,
    /// Where it came from, for messages: a file path or an `argocd-cm` key.
    pub origin: String,
    pub source: String,
}

struct Compiled<S> {
    pattern: KindPattern,
    /// Shared with the [`Heartbeat`] while the check runs.
    origin: Arc<str>,
    /// A digest of the source: a quarantine holds until the script changes.
    digest: u64,
    /// The compiled script, or why it cannot run (it does not compile, or it was quarantined):
    /// the objects of its kinds are then judged unknown with that reason.
    script: Result<S, String>,
}

/// A user check: compiled at start-up, given its own state on its first evaluation.
struct UserCheck {
    check: Compiled<Bytecode>,
    state: Option<(Vm, vm::Script)>,
}

/// A script that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub origin: String,
    /// `LINE: text` for syntax errors.
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.starts_with(|c: char| c.is_ascii_digit()) {
            write!(f, "{}:{}", self.origin, self.message)
        } else {
            write!(f, "{}: {}", self.origin, self.message)
        }
    }
}

impl std::error::Error for LoadError {}

fn digest(source: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    source.hash(&mut h);
    h.finish()
}

/// The Lua check running now, as a [`Heartbeat`] shows it.
#[derive(Debug, Clone)]
pub struct RunningCheck {
    pub origin: Arc<str>,
    pub digest: u64,
    pub since: Instant,
    /// Its time limit.
    pub limit: Duration,
}

/// What the evaluator's Lua checks are running, readable from another thread: a watchdog that
/// does not trust the VM's own limits looks here for a check that overran them.
#[derive(Debug, Default)]
pub struct Heartbeat {
    running: Mutex<Option<RunningCheck>>,
}

impl Heartbeat {
    fn enter(&self, check: RunningCheck) {
        *self.running.lock().unwrap_or_else(|p| p.into_inner()) = Some(check);
    }

    /// Nothing runs (any more): also when the watchdog gave up on an evaluation.
    pub fn leave(&self) {
        *self.running.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The check running now, if any.
    pub fn running(&self) -> Option<RunningCheck> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

/// Which Lua check judges an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    User(usize),
    Shipped(usize),
}

/// Every Lua check herald knows, in lookup order.
pub struct LuaChecks {
    limits: Limits,
    /// Modules `require` finds: the shipped library, plus any added with [`LuaChecks::add_libs`].
    libs: Vec<(String, String)>,
    /// `libs` compiled once, shared by every state; or why it does not compile.
    library: Result<Rc<Library>, String>,
    /// Compiles user checks (and the library) to bytecode; runs nothing.
    compiler: Compiler,
    user: Vec<UserCheck>,
    shipped_vm: Vm,
    shipped: Vec<Compiled<vm::Script>>,
    heartbeat: Option<Arc<Heartbeat>>,
    /// Globals installed in every user check's state as it is created (tests only).
    natives: Vec<Native>,
}

/// A global function for tests, by name.
type Native = (String, Rc<dyn Fn()>);

impl LuaChecks {
    /// The shipped checks built into the binary, and no user checks.
    pub fn shipped(limits: Limits) -> Result<LuaChecks, LoadError> {
        let setup = |e: mlua::Error| LoadError {
            origin: "lua".into(),
            message: e.to_string(),
        };
        let vm = Vm::new(Trust::Shipped, limits).map_err(setup)?;
        let compiler = Compiler::new(limits.memory).map_err(setup)?;
        let libs = shipped_libs();
        let lib_error = |message| LoadError {
            origin: "lua-checks/lib".into(),
            message,
        };
        let library = Rc::new(Library::compile(&compiler, &libs).map_err(lib_error)?);
        vm.install_library(&library).map_err(lib_error)?;
        let mut shipped = Vec::with_capacity(embedded::SHIPPED_CHECKS.len());
        for (group, kind, source) in embedded::SHIPPED_CHECKS {
            let origin = format!("lua-checks/{group}/{kind}/health.lua");
            let script = vm.compile(&origin, source).map_err(|message| LoadError {
                origin: origin.clone(),
                message,
            })?;
            shipped.push(Compiled {
                pattern: KindPattern::from_folders(group, kind),
                digest: digest(source),
                origin: origin.into(),
                script: Ok(script),
            });
        }
        Ok(LuaChecks {
            limits,
            libs,
            library: Ok(library),
            compiler,
            user: Vec::new(),
            shipped_vm: vm,
            shipped,
            heartbeat: None,
            natives: Vec::new(),
        })
    }

    /// Adds (or replaces, by name) library modules for `require`, in every state. Call it
    /// before [`LuaChecks::add_user`].
    pub fn add_libs(&mut self, libs: Vec<(String, String)>) -> Result<(), LoadError> {
        for (name, source) in libs {
            self.libs.retain(|(n, _)| *n != name);
            self.libs.push((name, source));
        }
        self.library = Library::compile(&self.compiler, &self.libs).map(Rc::new);
        let library = self.library.as_ref().map_err(|message| LoadError {
            origin: "lib".into(),
            message: message.clone(),
        })?;
        let reinstall = |vm: &Vm| {
            vm.install_library(library).map_err(|message| LoadError {
                origin: "lib".into(),
                message,
            })
        };
        reinstall(&self.shipped_vm)?;
        for (vm, _) in self.user.iter().filter_map(|u| u.state.as_ref()) {
            reinstall(vm)?;
        }
        Ok(())
    }

    /// Adds user checks; later ones for the same pattern replace earlier ones. Every script is
    /// compiled now, so a broken one is reported at start-up with its origin and line; it stays
    /// in place, judging its kinds unknown with that error, so they do not fall to another check.
    /// A check's own Lua state is made on its first evaluation (see [`LuaChecks::run`]).
    pub fn add_user(&mut self, sources: Vec<ScriptSource>) -> Result<(), Vec<LoadError>> {
        let mut errors = Vec::new();
        for s in sources {
            if let Err(message) = &self.library {
                errors.push(LoadError {
                    origin: s.origin,
                    message: message.clone(),
                });
                continue;
            }
            let script = self
                .compiler
                .compile(&s.origin, &s.source)
                .map_err(|message| {
                    let e = LoadError {
                        origin: s.origin.clone(),
                        message,
                    };
                    let reason = format!("the Lua check does not compile: {e}");
                    errors.push(e);
                    reason
                });
            self.user.retain(|u| u.check.pattern != s.pattern);
            self.user.push(UserCheck {
                check: Compiled {
                    pattern: s.pattern,
                    digest: digest(&s.source),
                    origin: s.origin.into(),
                    script,
                },
                state: None,
            });
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The user check for this group and kind: exact patterns first, then wildcards.
    pub fn user_choice(&self, group: &str, kind: &str) -> Option<Choice> {
        pick(self.user.iter().map(|u| &u.check), group, kind).map(Choice::User)
    }

    /// The shipped check for this group and kind: exact patterns first, then wildcards.
    pub fn shipped_choice(&self, group: &str, kind: &str) -> Option<Choice> {
        pick(self.shipped.iter(), group, kind).map(Choice::Shipped)
    }

    /// Runs the chosen check on `obj`. Failures of the script become an Unknown assessment
    /// that says what went wrong.
    ///
    /// A user check gets its own Lua state here, the first time it runs: a fresh sandbox with
    /// the library installed (its modules load when required) and the check's bytecode.
    pub fn run(&mut self, choice: Choice, obj: &Value) -> Assessment {
        let (vm, origin_arc, digest, script) = match choice {
            Choice::User(i) => {
                let u = &mut self.user[i];
                let origin = &*u.check.origin;
                let code = match &u.check.script {
                    Ok(code) => code,
                    Err(reason) => return outcome::failed(reason.clone(), origin),
                };
                if u.state.is_none() {
                    let library = match &self.library {
                        Ok(l) => l,
                        Err(e) => return outcome::failed(e.clone(), origin),
                    };
                    match user_state(self.limits, library, &self.natives, code) {
                        Ok(state) => u.state = Some(state),
                        Err(e) => {
                            return outcome::failed(
                                format!("cannot create the check's Lua state: {e}"),
                                origin,
                            );
                        }
                    }
                }
                let Some((vm, script)) = u.state.as_mut() else {
                    unreachable!("the state was just made")
                };
                (vm, &u.check.origin, u.check.digest, &*script)
            }
            Choice::Shipped(i) => {
                let check = &self.shipped[i];
                match &check.script {
                    Ok(script) => (&mut self.shipped_vm, &check.origin, check.digest, script),
                    Err(reason) => return outcome::failed(reason.clone(), &check.origin),
                }
            }
        };
        let origin = &**origin_arc;
        if let Some(h) = &self.heartbeat {
            h.enter(RunningCheck {
                origin: Arc::clone(origin_arc),
                digest,
                since: Instant::now(),
                limit: self.limits.time,
            });
        }
        let result = match vm.eval(script, obj, |v| outcome::read(v, origin)) {
            Ok(a) => a,
            Err(e) => outcome::failed(e.to_string(), origin),
        };
        if let Some(h) = &self.heartbeat {
            h.leave();
        }
        result
    }

    /// Makes `f` callable as the global `name` in every user check's state: tests use it for a
    /// check stuck where the VM's own limits cannot reach, which the sandbox no longer offers.
    #[doc(hidden)]
    pub fn add_native_for_tests(&mut self, name: &str, f: impl Fn() + Clone + 'static) {
        let f: Rc<dyn Fn()> = Rc::new(f);
        for (vm, _) in self.user.iter().filter_map(|u| u.state.as_ref()) {
            let f = Rc::clone(&f);
            vm.set_native(name, move || f()).expect("a native function");
        }
        self.natives.push((name.to_string(), f));
    }

    /// Reports every evaluation to `heartbeat`, for a watchdog on another thread.
    pub fn set_heartbeat(&mut self, heartbeat: Arc<Heartbeat>) {
        self.heartbeat = Some(heartbeat);
    }

    /// Stops running the check with this origin and source digest: its kinds are judged
    /// unknown with `reason`. Returns whether such a check exists.
    pub fn quarantine(&mut self, origin: &str, digest: u64, reason: &str) -> bool {
        let mut found = false;
        for u in &mut self.user {
            let c = &mut u.check;
            if &*c.origin == origin && c.digest == digest {
                c.script = Err(reason.to_string());
                // Its state goes too: whatever it left there is never run again.
                u.state = None;
                found = true;
            }
        }
        for c in &mut self.shipped {
            if &*c.origin == origin && c.digest == digest {
                c.script = Err(reason.to_string());
                found = true;
            }
        }
        found
    }

    /// How many user checks have a Lua state now (each gets one on its first evaluation).
    pub fn user_states(&self) -> usize {
        self.user.iter().filter(|u| u.state.is_some()).count()
    }

    /// The origin (file or key) of a check.
    pub fn origin(&self, choice: Choice) -> &str {
        match choice {
            Choice::User(i) => &self.user[i].check.origin,
            Choice::Shipped(i) => &self.shipped[i].origin,
        }
    }
}

/// A user check's own state: the sandbox, the library and natives installed, its script loaded.
fn user_state(
    limits: Limits,
    library: &Rc<Library>,
    natives: &[Native],
    code: &Bytecode,
) -> Result<(Vm, vm::Script), String> {
    let vm = Vm::new(Trust::User, limits).map_err(|e| e.to_string())?;
    vm.install_library(library)?;
    for (name, f) in natives {
        let f = Rc::clone(f);
        vm.set_native(name, move || f())
            .map_err(|e| e.to_string())?;
    }
    let script = vm.load(code)?;
    Ok((vm, script))
}

fn pick<'a, S: 'a>(
    checks: impl Iterator<Item = &'a Compiled<S>> + Clone,
    group: &str,
    kind: &str,
) -> Option<usize> {
    let exact = checks
        .clone()
        .position(|c| !c.pattern.is_wildcard() && c.pattern.matches(group, kind));
    exact.or_else(|| {
        checks
            .enumerate()
            .filter(|(_, c)| c.pattern.is_wildcard() && c.pattern.matches(group, kind))
            // The most specific wildcard wins: the longest literal text.
            .max_by_key(|(i, c)| (c.pattern.group.len() + c.pattern.kind.len(), usize::MAX - i))
            .map(|(i, _)| i)
    })
}

/// User checks from a directory laid out as `<group>/<Kind>/health.lua` (Argo CD's
/// `resource_customizations` layout; `_` in a folder name stands for `*`).
pub fn scan_dir(root: &Path) -> Result<Vec<ScriptSource>, LoadError> {
    let err = |p: &Path, e: std::io::Error| LoadError {
        origin: p.display().to_string(),
        message: e.to_string(),
    };
    let mut found = Vec::new();
    let mut groups: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| err(root, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    groups.sort();
    for group in groups {
        if group.file_name().is_some_and(|n| n == "lib") {
            continue;
        }
        let mut kinds: Vec<PathBuf> = std::fs::read_dir(&group)
            .map_err(|e| err(&group, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join("health.lua").is_file())
            .collect();
        kinds.sort();
        for kind in kinds {
            let path = kind.join("health.lua");
            let source = std::fs::read_to_string(&path).map_err(|e| err(&path, e))?;
            let name = |p: &Path| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            };
            found.push(ScriptSource {
                pattern: KindPattern::from_folders(&name(&group), &name(&kind)),
                origin: path.display().to_string(),
                source,
            });
        }
    }
    Ok(found)
}

/// Library modules in `<root>/lib/<name>.lua`, for `require("<name>")`.
pub fn scan_libs(root: &Path) -> Result<Vec<(String, String)>, LoadError> {
    let dir = root.join("lib");
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let err = |p: &Path, e: std::io::Error| LoadError {
        origin: p.display().to_string(),
        message: e.to_string(),
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| err(&dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "lua"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let source = std::fs::read_to_string(&p).map_err(|e| err(&p, e))?;
            Ok((name, source))
        })
        .collect()
}

#[cfg(test)]
mod tests;

//! Lua checks: herald's shipped checks and users' own (Argo CD scripts run unmodified).
//!
//! Shipped checks share one state; every user check gets a state of its own, so a script that
//! runs out of time or memory, or tampers with its globals, disturbs nothing but itself.

pub mod argocd_cm;
mod convert;
pub mod outcome;
mod pattern;
pub mod vm;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::health::Assessment;
pub use vm::{EvalError, Limits, Trust, Vm};

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

struct Compiled {
    pattern: KindPattern,
    /// Shared with the [`Heartbeat`] while the check runs.
    origin: Arc<str>,
    /// A digest of the source: a quarantine holds until the script changes.
    digest: u64,
    /// The compiled script, or why it cannot run (it does not compile, or it was quarantined):
    /// the objects of its kinds are then judged unknown with that reason.
    script: Result<vm::Script, String>,
}

struct UserCheck {
    vm: Vm,
    check: Compiled,
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
    user: Vec<UserCheck>,
    shipped_vm: Vm,
    shipped: Vec<Compiled>,
    heartbeat: Option<Arc<Heartbeat>>,
}

impl LuaChecks {
    /// The shipped checks built into the binary, and no user checks.
    pub fn shipped(limits: Limits) -> Result<LuaChecks, LoadError> {
        let vm = Vm::new(Trust::Shipped, limits).map_err(|e| LoadError {
            origin: "lua".into(),
            message: e.to_string(),
        })?;
        let libs = shipped_libs();
        vm.install_libs(&libs).map_err(|message| LoadError {
            origin: "lua-checks/lib".into(),
            message,
        })?;
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
            user: Vec::new(),
            shipped_vm: vm,
            shipped,
            heartbeat: None,
        })
    }

    /// Adds (or replaces, by name) library modules for `require`, in every state. Call it
    /// before [`LuaChecks::add_user`].
    pub fn add_libs(&mut self, libs: Vec<(String, String)>) -> Result<(), LoadError> {
        for (name, source) in libs {
            self.libs.retain(|(n, _)| *n != name);
            self.libs.push((name, source));
        }
        let reinstall = |vm: &Vm| {
            vm.install_libs(&self.libs).map_err(|message| LoadError {
                origin: "lib".into(),
                message,
            })
        };
        reinstall(&self.shipped_vm)?;
        for u in &self.user {
            reinstall(&u.vm)?;
        }
        Ok(())
    }

    /// Adds user checks; later ones for the same pattern replace earlier ones. Every script is
    /// compiled now, so a broken one is reported at start-up with its origin and line; it stays
    /// in place, judging its kinds unknown with that error, so they do not fall to another check.
    pub fn add_user(&mut self, sources: Vec<ScriptSource>) -> Result<(), Vec<LoadError>> {
        let mut errors = Vec::new();
        for s in sources {
            let vm = match Vm::new(Trust::User, self.limits) {
                Ok(vm) => vm,
                Err(e) => {
                    errors.push(LoadError {
                        origin: s.origin,
                        message: e.to_string(),
                    });
                    continue;
                }
            };
            if let Err(message) = vm.install_libs(&self.libs) {
                errors.push(LoadError {
                    origin: s.origin,
                    message,
                });
                continue;
            }
            let script = vm.compile(&s.origin, &s.source).map_err(|message| {
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
                vm,
                check: Compiled {
                    pattern: s.pattern,
                    digest: digest(&s.source),
                    origin: s.origin.into(),
                    script,
                },
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
    pub fn run(&mut self, choice: Choice, obj: &Value) -> Assessment {
        let (vm, check) = match choice {
            Choice::User(i) => {
                let u = &mut self.user[i];
                (&mut u.vm, &u.check)
            }
            Choice::Shipped(i) => (&mut self.shipped_vm, &self.shipped[i]),
        };
        let origin = &*check.origin;
        let script = match &check.script {
            Ok(script) => script,
            Err(reason) => return outcome::failed(reason.clone(), origin),
        };
        if let Some(h) = &self.heartbeat {
            h.enter(RunningCheck {
                origin: Arc::clone(&check.origin),
                digest: check.digest,
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
        for u in &self.user {
            u.vm.set_native(name, f.clone()).expect("a native function");
        }
    }

    /// Reports every evaluation to `heartbeat`, for a watchdog on another thread.
    pub fn set_heartbeat(&mut self, heartbeat: Arc<Heartbeat>) {
        self.heartbeat = Some(heartbeat);
    }

    /// Stops running the check with this origin and source digest: its kinds are judged
    /// unknown with `reason`. Returns whether such a check exists.
    pub fn quarantine(&mut self, origin: &str, digest: u64, reason: &str) -> bool {
        let mut found = false;
        let checks = self.user.iter_mut().map(|u| &mut u.check);
        for c in checks.chain(self.shipped.iter_mut()) {
            if &*c.origin == origin && c.digest == digest {
                c.script = Err(reason.to_string());
                found = true;
            }
        }
        found
    }

    /// The origin (file or key) of a check.
    pub fn origin(&self, choice: Choice) -> &str {
        match choice {
            Choice::User(i) => &self.user[i].check.origin,
            Choice::Shipped(i) => &self.shipped[i].origin,
        }
    }
}

fn pick<'a>(
    checks: impl Iterator<Item = &'a Compiled> + Clone,
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

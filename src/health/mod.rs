//! The health model (HEALTH-MODEL.md): one assessment per object, produced by the first check
//! that applies to the object's group and kind.

mod argo;
pub mod conditions;
pub mod core;
mod flux;

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::lua::LuaChecks;
use crate::object::{TypeRef, ValueExt};

/// The status of an object a built-in check cannot judge: a field it reads has the wrong type
/// (the message names it).
pub const INVALID_FIELD: &str = "InvalidField";

/// The longest message an assessment carries, in characters.
pub const MAX_MESSAGE_CHARS: usize = 1024;

/// Is it OK? Ordered from best to worst, so `max` is the worst-of roll-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Healthy,
    Unknown,
    Warning,
    Unhealthy,
}

impl Health {
    pub const ALL: [Health; 4] = [
        Health::Healthy,
        Health::Unknown,
        Health::Warning,
        Health::Unhealthy,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Warning => "warning",
            Health::Unhealthy => "unhealthy",
            Health::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Health> {
        Health::ALL.into_iter().find(|h| h.as_str() == s)
    }

    /// Argo CD's status for this health, as HEALTH-MODEL.md's projection defines it.
    pub fn argo_status(self, ready: bool, suspended: bool) -> &'static str {
        match self {
            _ if suspended => "Suspended",
            Health::Unknown if ready => "Suspended",
            Health::Unknown => "Progressing",
            Health::Healthy => "Healthy",
            Health::Warning | Health::Unhealthy => "Degraded",
        }
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which check produced an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CheckSource {
    Builtin,
    Lua(String),
    Fallback,
}

impl fmt::Display for CheckSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckSource::Builtin => f.write_str("builtin"),
            CheckSource::Lua(path) => write!(f, "lua:{path}"),
            CheckSource::Fallback => f.write_str("fallback"),
        }
    }
}

impl Serialize for CheckSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What herald says about one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub health: Health,
    pub ready: bool,
    pub status: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    pub suspended: bool,
    /// Argo CD Applications: `Synced`, `OutOfSync` or `Unknown`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync: Option<String>,
    pub check: CheckSource,
}

impl Assessment {
    pub fn new(health: Health, ready: bool, status: impl Into<String>) -> Self {
        Assessment {
            health,
            ready,
            status: status.into(),
            message: String::new(),
            revision: None,
            suspended: false,
            sync: None,
            check: CheckSource::Builtin,
        }
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// The Argo CD status this assessment projects onto.
    pub fn argo_status(&self) -> &'static str {
        self.health.argo_status(self.ready, self.suspended)
    }

    /// The object is being deleted; nothing else about it matters any more.
    fn terminating() -> Self {
        Assessment::new(Health::Unknown, false, "Terminating").with_message(DELETING)
    }

    fn finish(mut self) -> Self {
        truncate_message(&mut self.message);
        self
    }
}

/// Cut a message to [`MAX_MESSAGE_CHARS`] on a character boundary, without copying it.
pub(crate) fn truncate_message(message: &mut String) {
    let trimmed = message.trim_end().len();
    message.truncate(trimmed);
    if let Some((cut, _)) = message.char_indices().nth(MAX_MESSAGE_CHARS) {
        message.truncate(cut);
    }
}

/// Judge one object at time `now` with the built-in checks, falling back to the generic rule.
pub fn assess(obj: &Value, now: Timestamp) -> Assessment {
    let t = TypeRef::of(obj);
    being_deleted(obj, builtin(obj, &t, now).unwrap_or_else(|| generic(obj))).finish()
}

/// The rule for objects being deleted (HEALTH-MODEL.md), applied to every kind after whichever
/// check judged it, as Argo CD's engine does before its checks: not ready, status
/// `Terminating`, health unknown, the check's own message kept. A built-in check's word that
/// the deletion is stuck (a warning: a Pod past its grace period, a finalizer for an hour)
/// stands.
fn being_deleted(obj: &Value, mut a: Assessment) -> Assessment {
    if !is_deleting(obj) {
        return a;
    }
    a.ready = false;
    a.suspended = false;
    if a.health == Health::Warning && a.check == CheckSource::Builtin {
        return a;
    }
    a.health = Health::Unknown;
    a.status = "Terminating".into();
    if a.message.trim().is_empty() {
        a.message = DELETING.into();
    }
    a
}

/// The message of an object being deleted whose check said nothing.
const DELETING: &str = "object is being deleted";

/// Judges objects with every check herald has, in HEALTH-MODEL.md's lookup order: a user Lua
/// check, the built-in check, a shipped Lua check, the generic rule.
pub struct Assessor {
    lua: Option<LuaChecks>,
    reload: Option<Reload>,
    supervision: Option<Supervision>,
}

/// Lua checks a watchdog abandoned: (origin, source digest) → why. They judge their kinds
/// unknown with that reason until their script changes.
pub type Quarantine = std::collections::HashMap<(String, u64), String>;

/// The watchdog's view of an assessor: what it runs, and what it must no longer run.
struct Supervision {
    heartbeat: std::sync::Arc<crate::lua::Heartbeat>,
    quarantine: std::sync::Arc<std::sync::Mutex<Quarantine>>,
    /// How many of the checks in use are quarantined (a fixed script runs again and leaves
    /// the count).
    quarantined: prometheus::IntGauge,
}

impl Supervision {
    fn apply(&self, lua: &mut LuaChecks) {
        lua.set_heartbeat(std::sync::Arc::clone(&self.heartbeat));
        let quarantine = self.quarantine.lock().unwrap_or_else(|p| p.into_inner());
        let in_use = quarantine
            .iter()
            .filter(|((origin, digest), reason)| lua.quarantine(origin, *digest, reason))
            .count();
        self.quarantined
            .set(i64::try_from(in_use).unwrap_or(i64::MAX));
    }
}

/// New user checks arriving while herald runs (Argo CD's ConfigMap changed), and how to build
/// the checks from them.
struct Reload {
    updates: Updates,
    build: Rebuild,
}

/// Where new user checks arrive; shared, so an assessor built again (after the watchdog
/// abandoned one) goes on taking them.
pub type Updates =
    std::sync::Arc<std::sync::Mutex<std::sync::mpsc::Receiver<Vec<crate::lua::ScriptSource>>>>;

/// Builds an assessor with these extra user checks; errors name the script.
pub type Rebuild =
    Box<dyn Fn(Vec<crate::lua::ScriptSource>) -> Result<Assessor, Vec<String>> + Send>;

impl Assessor {
    pub fn new(lua: LuaChecks) -> Assessor {
        Assessor {
            lua: Some(lua),
            reload: None,
            supervision: None,
        }
    }

    /// Built-in checks and the generic rule only.
    pub fn builtin_only() -> Assessor {
        Assessor {
            lua: None,
            reload: None,
            supervision: None,
        }
    }

    /// Takes new user checks from `updates` at [`Assessor::take_updates`], built by `build`.
    /// Checks that fail to build are logged and the running ones stay.
    pub fn reloading(mut self, updates: Updates, build: Rebuild) -> Assessor {
        self.reload = Some(Reload { updates, build });
        self
    }

    /// Reports what its Lua checks run to `heartbeat`, and leaves the checks in `quarantine`
    /// unrun (now and after every reload).
    pub fn supervised(
        &mut self,
        heartbeat: std::sync::Arc<crate::lua::Heartbeat>,
        quarantine: std::sync::Arc<std::sync::Mutex<Quarantine>>,
        quarantined: prometheus::IntGauge,
    ) {
        let supervision = Supervision {
            heartbeat,
            quarantine,
            quarantined,
        };
        if let Some(lua) = &mut self.lua {
            supervision.apply(lua);
        }
        self.supervision = Some(supervision);
    }

    /// Takes the latest user checks sent, if any (the evaluator asks once per batch).
    pub fn take_updates(&mut self) {
        let Some(r) = &self.reload else {
            return;
        };
        // Only the latest counts.
        let latest = r
            .updates
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .try_iter()
            .last();
        let Some(sources) = latest else {
            return;
        };
        match (r.build)(sources) {
            Ok(next) => {
                self.lua = next.lua;
                if let (Some(s), Some(lua)) = (&self.supervision, &mut self.lua) {
                    s.apply(lua);
                }
                tracing::info!("user checks reloaded");
            }
            Err(errors) => {
                for e in &errors {
                    tracing::error!(error = %e, "user checks not reloaded; the running ones stay");
                }
            }
        }
    }

    /// The user check (Lua) that judges objects of this group and kind, if any: it is given
    /// the whole object.
    pub fn user_check_for(&self, group: &str, kind: &str) -> Option<crate::lua::Choice> {
        self.lua.as_ref()?.user_choice(group, kind)
    }

    /// Judges `obj`: the check that applies (HEALTH-MODEL.md's lookup order), then the rule for
    /// objects being deleted.
    pub fn assess(&mut self, obj: &Value, now: Timestamp) -> Assessment {
        let a = self.assess_by_check(obj, now);
        being_deleted(obj, a).finish()
    }

    /// What the check that applies says on its own, without the rule for objects being
    /// deleted: `herald lua test` judges scripts alone, as Argo CD's test harness does.
    pub fn assess_by_check(&mut self, obj: &Value, now: Timestamp) -> Assessment {
        let t = TypeRef::of(obj);
        if let Some(lua) = &mut self.lua
            && let Some(choice) = lua.user_choice(t.group, t.kind)
        {
            return lua.run(choice, obj).finish();
        }
        if let Some(a) = builtin(obj, &t, now) {
            return a.finish();
        }
        if let Some(lua) = &mut self.lua
            && let Some(choice) = lua.shipped_choice(t.group, t.kind)
        {
            return lua.run(choice, obj).finish();
        }
        generic(obj)
    }
}

/// Whether herald has a built-in check for this group and kind.
pub fn has_builtin(group: &str, kind: &str) -> bool {
    flux::handles(group, kind) || argo::handles(group, kind) || core::handles(group, kind)
}

/// The built-in check for the object's kind, if herald has one.
pub fn builtin(obj: &Value, t: &TypeRef<'_>, now: Timestamp) -> Option<Assessment> {
    crate::object::take_wrong_type();
    let a = if flux::handles(t.group, t.kind) {
        flux::check(obj, t)
    } else if argo::handles(t.group, t.kind) {
        argo::check(obj, t)
    } else if core::handles(t.group, t.kind) {
        core::check(obj, t, now)
    } else {
        return None;
    };
    Some(unless_invalid(a))
}

/// An assessment made from a field of the wrong type judges a value the object does not have:
/// the object is `unknown`, and the message says which field is wrong.
fn unless_invalid(a: Assessment) -> Assessment {
    match crate::object::take_wrong_type() {
        Some(problem) => Assessment {
            check: a.check,
            ..Assessment::new(Health::Unknown, false, INVALID_FIELD).with_message(problem)
        },
        None => a,
    }
}

/// The rule for kinds no check knows: kstatus conditions, then generation lag, then existence.
pub fn generic(obj: &Value) -> Assessment {
    crate::object::take_wrong_type();
    let a = if is_deleting(obj) {
        Assessment::terminating()
    } else if let Some(a) = conditions::kstatus(obj) {
        conditions::apply_generation_lag(obj, a)
    } else if generation_lags(obj) {
        Assessment::new(Health::Unknown, false, "Progressing")
            .with_message("the controller has not yet observed the latest generation")
    } else {
        Assessment::new(Health::Healthy, true, "Exists")
    };
    let mut a = unless_invalid(a);
    a.check = CheckSource::Fallback;
    a.finish()
}

pub(crate) fn is_deleting(obj: &Value) -> bool {
    obj.at(&["metadata", "deletionTimestamp"])
        .is_some_and(|v| !v.is_null())
}

/// `metadata.generation` is ahead of `status.observedGeneration`, where both are present.
pub(crate) fn generation_lags(obj: &Value) -> bool {
    match (
        obj.i64_at(&["metadata", "generation"]),
        obj.i64_at(&["status", "observedGeneration"]),
    ) {
        (Some(generation), Some(observed)) => generation > observed,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_being_deleted_is_terminating_whatever_its_check_says() {
        let mut assessor =
            Assessor::new(LuaChecks::shipped(crate::lua::Limits::default()).unwrap());
        let now = Timestamp::UNIX_EPOCH;
        // A CRD (a shipped Lua check), an established one: healthy until it is being deleted.
        let mut crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "status": {"conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts"},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted"}
            ]}
        });
        assert_eq!(assessor.assess(&crd, now).health, Health::Healthy);
        crd["metadata"]["deletionTimestamp"] = json!("1970-01-01T00:00:00Z");
        let a = assessor.assess(&crd, now);
        assert_eq!(
            (a.health, a.ready, a.status.as_str()),
            (Health::Unknown, false, "Terminating")
        );
        assert!(!a.message.is_empty());
        // `herald lua test` judges the script alone, as Argo CD's harness does: its own word.
        let alone = assessor.assess_by_check(&crd, now);
        assert_eq!(
            (alone.status.as_str(), alone.message.as_str()),
            ("Progressing", "CRD is terminating")
        );
        // The generic rule too, and a kind without any check gets the default message.
        let thing = json!({"apiVersion": "example.com/v1", "kind": "Thing",
            "metadata": {"name": "t", "deletionTimestamp": "1970-01-01T00:00:00Z"}});
        let a = assessor.assess(&thing, now);
        assert_eq!(
            (a.health, a.ready, a.status.as_str(), a.message.as_str()),
            (
                Health::Unknown,
                false,
                "Terminating",
                "object is being deleted"
            )
        );
        // A suspended object being deleted is no longer suspended: it is going away.
        let mut ks = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"}, "spec": {"suspend": true},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "Succeeded"}]}});
        ks["metadata"]["deletionTimestamp"] = json!("1970-01-01T00:00:00Z");
        let a = assessor.assess(&ks, now);
        assert_eq!((a.status.as_str(), a.suspended), ("Terminating", false));
    }

    #[test]
    fn a_field_of_the_wrong_type_makes_the_object_unknown_and_is_named() {
        let now = Timestamp::UNIX_EPOCH;
        let deployment = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default", "generation": 2},
            "spec": {"replicas": 3},
            "status": {"replicas": 3, "readyReplicas": "abc", "updatedReplicas": 3,
                       "observedGeneration": 2}
        });
        let mut assessor = Assessor::builtin_only();
        let a = assessor.assess(&deployment, now);
        assert_eq!(a.health, Health::Unknown);
        assert_eq!(a.status, INVALID_FIELD);
        assert_eq!(
            a.message,
            r#"status.readyReplicas: expected an integer, found the string "abc""#
        );
        // The generic rule for kinds without a check reads fields too.
        let widget = json!({
            "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "generation": true}
        });
        let a = assessor.assess(&widget, now);
        assert_eq!(
            (a.health, a.status.as_str()),
            (Health::Unknown, INVALID_FIELD)
        );
        assert_eq!(a.check, CheckSource::Fallback);
        assert!(
            a.message
                .starts_with("metadata.generation: expected an integer, found true")
        );
        // A number too large to be real is not judged either.
        let mut huge = deployment.clone();
        huge["status"]["readyReplicas"] = json!(1e30);
        assert_eq!(assessor.assess(&huge, now).status, INVALID_FIELD);
        // Numbers written as strings are still read, and nothing is left over for the next.
        let mut quoted = deployment;
        quoted["status"]["readyReplicas"] = json!("3");
        assert_eq!(assessor.assess(&quoted, now).health, Health::Healthy);
    }

    #[test]
    fn worst_of_order() {
        assert_eq!(Health::Healthy.max(Health::Unknown), Health::Unknown);
        assert_eq!(Health::Unknown.max(Health::Warning), Health::Warning);
        assert_eq!(Health::Unhealthy.max(Health::Warning), Health::Unhealthy);
    }

    #[test]
    fn argo_projection() {
        assert_eq!(Health::Healthy.argo_status(true, false), "Healthy");
        assert_eq!(Health::Warning.argo_status(true, false), "Degraded");
        assert_eq!(Health::Unknown.argo_status(true, false), "Suspended");
        assert_eq!(Health::Unknown.argo_status(false, false), "Progressing");
        assert_eq!(Health::Healthy.argo_status(true, true), "Suspended");
    }

    #[test]
    fn messages_are_capped_on_a_char_boundary() {
        let mut m = "é".repeat(2000);
        truncate_message(&mut m);
        assert_eq!(m.chars().count(), MAX_MESSAGE_CHARS);
    }

    #[test]
    fn generic_rule_for_unknown_kinds() {
        let exists =
            json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}});
        let a = assess(&exists, Timestamp::UNIX_EPOCH);
        assert_eq!(
            (a.health, a.ready, a.check),
            (Health::Healthy, true, CheckSource::Fallback)
        );

        let lagging = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "generation": 3}, "status": {"observedGeneration": 2}});
        let a = assess(&lagging, Timestamp::UNIX_EPOCH);
        assert_eq!(
            (a.health, a.ready, a.status.as_str()),
            (Health::Unknown, false, "Progressing")
        );

        let failed = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
            "status": {"conditions": [{"type": "Ready", "status": "False", "reason": "Broken", "message": "it broke"}]}});
        let a = assess(&failed, Timestamp::UNIX_EPOCH);
        assert_eq!(
            (a.health, a.status.as_str(), a.message.as_str()),
            (Health::Unhealthy, "Broken", "it broke")
        );

        let deleting = json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "deletionTimestamp": "2026-01-01T00:00:00Z"}});
        let a = assess(&deleting, Timestamp::UNIX_EPOCH);
        assert_eq!(
            (a.health, a.ready, a.status.as_str()),
            (Health::Unknown, false, "Terminating")
        );
    }
}

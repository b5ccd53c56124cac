//! Read-only access to Kubernetes objects held as JSON values.
//!
//! Checks look at a handful of fields of objects that can be large, so every accessor borrows
//! from the value and nothing is copied or parsed twice.

use jiff::Timestamp;
use serde_json::Value;

/// Field access along a path of map keys.
pub trait ValueExt {
    fn at(&self, path: &[&str]) -> Option<&Value>;

    fn str_at(&self, path: &[&str]) -> Option<&str> {
        self.at(path).and_then(Value::as_str)
    }

    /// An integer, also when it was written as a string (`"3"`), as YAML often has it.
    fn i64_at(&self, path: &[&str]) -> Option<i64> {
        self.at(path).and_then(as_i64)
    }

    /// A boolean, also when it was written as a string (`"true"`).
    fn bool_at(&self, path: &[&str]) -> Option<bool> {
        match self.at(path)? {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The items of an array, or nothing when the field is absent or not an array.
    fn array_at(&self, path: &[&str]) -> &[Value] {
        self.at(path)
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }

    fn time_at(&self, path: &[&str]) -> Option<Timestamp> {
        self.str_at(path).and_then(parse_time)
    }
}

impl ValueExt for Value {
    fn at(&self, path: &[&str]) -> Option<&Value> {
        let mut v = self;
        for key in path {
            v = v.as_object()?.get(*key)?;
        }
        Some(v)
    }
}

pub fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Kubernetes timestamps are RFC 3339; an unparsable one counts as absent.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

/// Group, version and kind of an object, borrowed from its `apiVersion` and `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeRef<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
}

impl<'a> TypeRef<'a> {
    pub fn of(obj: &'a Value) -> TypeRef<'a> {
        let api_version = obj.str_at(&["apiVersion"]).unwrap_or_default();
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        TypeRef {
            group,
            version,
            kind: obj.str_at(&["kind"]).unwrap_or_default(),
        }
    }
}

/// `namespace/name`, or `name` for cluster-scoped objects.
pub fn display_name(obj: &Value) -> String {
    let name = obj.str_at(&["metadata", "name"]).unwrap_or("<unnamed>");
    match obj.str_at(&["metadata", "namespace"]) {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_string(),
    }
}

/// The status of a condition, `True`, `False` or `Unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CondStatus {
    True,
    False,
    Unknown,
}

/// One entry of `status.conditions`, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct Condition<'a> {
    pub type_: &'a str,
    pub status: CondStatus,
    /// Whether the condition had a `status` at all; without one, `status` reads `Unknown`.
    pub has_status: bool,
    pub reason: &'a str,
    pub message: &'a str,
    pub last_transition: Option<&'a str>,
}

impl<'a> Condition<'a> {
    fn from_value(v: &'a Value) -> Option<Condition<'a>> {
        let status = match v.str_at(&["status"]) {
            Some(s) if s.eq_ignore_ascii_case("true") => CondStatus::True,
            Some(s) if s.eq_ignore_ascii_case("false") => CondStatus::False,
            _ => match v.at(&["status"]) {
                Some(Value::Bool(true)) => CondStatus::True,
                Some(Value::Bool(false)) => CondStatus::False,
                _ => CondStatus::Unknown,
            },
        };
        Some(Condition {
            type_: v.str_at(&["type"])?,
            status,
            has_status: v.at(&["status"]).is_some_and(|s| !s.is_null()),
            reason: v.str_at(&["reason"]).unwrap_or_default(),
            message: v.str_at(&["message"]).unwrap_or_default(),
            last_transition: v.str_at(&["lastTransitionTime"]),
        })
    }

    pub fn is_true(&self) -> bool {
        self.status == CondStatus::True
    }

    pub fn is_false(&self) -> bool {
        self.status == CondStatus::False
    }

    pub fn transitioned(&self) -> Option<Timestamp> {
        self.last_transition.and_then(parse_time)
    }
}

/// The conditions of an object's `status.conditions`.
pub fn conditions(obj: &Value) -> impl Iterator<Item = Condition<'_>> {
    obj.array_at(&["status", "conditions"])
        .iter()
        .filter_map(Condition::from_value)
}

pub fn condition<'a>(obj: &'a Value, type_: &str) -> Option<Condition<'a>> {
    conditions(obj).find(|c| c.type_ == type_)
}

pub fn has_conditions(obj: &Value) -> bool {
    !obj.array_at(&["status", "conditions"]).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_ref_splits_group_and_version() {
        let o = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease"});
        assert_eq!(
            TypeRef::of(&o),
            TypeRef {
                group: "helm.toolkit.fluxcd.io",
                version: "v2",
                kind: "HelmRelease"
            }
        );
        let core = json!({"apiVersion": "v1", "kind": "Pod"});
        assert_eq!(TypeRef::of(&core).group, "");
        assert_eq!(TypeRef::of(&core).version, "v1");
    }

    #[test]
    fn numbers_and_booleans_written_as_strings_are_read() {
        let o = json!({"a": {"n": "3", "b": "True", "m": 4}});
        assert_eq!(o.i64_at(&["a", "n"]), Some(3));
        assert_eq!(o.i64_at(&["a", "m"]), Some(4));
        assert_eq!(o.bool_at(&["a", "b"]), Some(true));
        assert_eq!(o.i64_at(&["a", "x"]), None);
    }

    #[test]
    fn condition_status_accepts_any_case_and_missing_reason() {
        let o = json!({"status": {"conditions": [
            {"type": "Ready", "status": "true"},
            {"type": "Stalled", "status": "False", "reason": "X"},
            {"status": "True"}
        ]}});
        let ready = condition(&o, "Ready").unwrap();
        assert!(ready.is_true());
        assert_eq!(ready.reason, "");
        assert!(condition(&o, "Stalled").unwrap().is_false());
        assert_eq!(conditions(&o).count(), 2);
    }
}

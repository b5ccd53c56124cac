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
    /// Anything else but null is noted as a wrong type (see [`take_wrong_type`]).
    fn i64_at(&self, path: &[&str]) -> Option<i64> {
        let v = self.at(path)?;
        let n = as_i64(v);
        if n.is_none() {
            let expected = if v.is_number() {
                "a whole number within 64 bits"
            } else {
                "an integer"
            };
            note_wrong_type(path, expected, v);
        }
        n
    }

    /// A boolean, also when it was written as a string (`"true"`). Anything else but null is
    /// noted as a wrong type.
    fn bool_at(&self, path: &[&str]) -> Option<bool> {
        let v = self.at(path)?;
        let b = match v {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        };
        if b.is_none() {
            note_wrong_type(path, "true or false", v);
        }
        b
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

/// A whole number that fits; a fraction or a number out of range is not one (a saturated
/// `i64::MAX` replicas would be judged as if it were real).
pub fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= i64::MIN as f64 && *f < i64::MAX as f64)
                .map(|f| f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

thread_local! {
    /// The first field read with the wrong type since the last [`take_wrong_type`]. The checks
    /// read fields in many places and carry on with a default; noting it here lets the one
    /// caller of the checks say the object is malformed instead of judging a made-up value.
    static WRONG_TYPE: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

fn note_wrong_type(path: &[&str], expected: &str, found: &Value) {
    if found.is_null() {
        return;
    }
    let found = match found {
        Value::String(s) if s.chars().count() > 40 => {
            let start: String = s.chars().take(40).collect();
            format!("the string {start:?}…")
        }
        Value::String(s) => format!("the string {s:?}"),
        Value::Number(n) => format!("the number {n}"),
        Value::Bool(b) => b.to_string(),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "a mapping".into(),
        Value::Null => "null".into(),
    };
    WRONG_TYPE.with(|w| {
        w.borrow_mut().get_or_insert_with(|| {
            format!("{}: expected {expected}, found {found}", path.join("."))
        });
    });
}

/// The first field read with the wrong type since the last call, and forgets it.
pub fn take_wrong_type() -> Option<String> {
    WRONG_TYPE.with(|w| w.borrow_mut().take())
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

/// Cuts `s` to at most `max` bytes, on a character boundary; says whether it cut.
pub(crate) fn truncate_bytes(s: &mut String, max: usize) -> bool {
    if s.len() <= max {
        return false;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.truncate(end);
    true
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
        assert_eq!(take_wrong_type(), None);
    }

    #[test]
    fn a_field_of_the_wrong_type_is_noted_not_guessed() {
        take_wrong_type();
        let o = json!({"s": {"ready": "abc", "big": 1e30, "half": 2.5, "n": null, "b": "yes"}});
        assert_eq!(o.i64_at(&["s", "n"]), None);
        assert_eq!(take_wrong_type(), None, "null is absent, not wrong");
        assert_eq!(o.i64_at(&["s", "ready"]), None);
        assert_eq!(o.i64_at(&["s", "big"]), None);
        assert_eq!(
            take_wrong_type().as_deref(),
            Some(r#"s.ready: expected an integer, found the string "abc""#),
            "the first one is told"
        );
        assert_eq!(o.i64_at(&["s", "half"]), None);
        assert!(take_wrong_type().is_some_and(|m| m.contains("found the number 2.5")));
        assert_eq!(o.bool_at(&["s", "b"]), None);
        assert!(take_wrong_type().is_some_and(|m| m.starts_with("s.b: expected true or false")));
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

//! Kubernetes label selectors, as the API server reads `labelSelector`:
//! `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x,y)`, `a`, `!a`, joined by commas; and field
//! selectors, as it reads `fieldSelector`: `path=v`, `path==v`, `path!=v` over any field of the
//! object (`type=Warning`, `metadata.name=web`), a missing field reading as empty.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    Absent(String),
    /// A field (its dotted path) equals, or does not equal, a value.
    Field(Vec<String>, String, bool),
}

/// A parsed selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

impl Selector {
    pub fn parse(s: &str) -> Result<Selector, String> {
        let mut reqs = Vec::new();
        for part in split_top(s) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let bad = || format!("invalid label selector requirement {part:?}");
            let req = if let Some(key) = part.strip_prefix('!') {
                Requirement::Absent(key.trim().to_string())
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotEquals(k.trim().into(), v.trim().into())
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::Equals(k.trim().into(), v.trim().into())
            } else if let Some((k, rest)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().into(), set(rest).ok_or_else(bad)?)
            } else if let Some((k, rest)) = part.split_once(" in ") {
                Requirement::In(k.trim().into(), set(rest).ok_or_else(bad)?)
            } else if part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
            {
                Requirement::Exists(part.to_string())
            } else {
                return Err(bad());
            };
            reqs.push(req);
        }
        Ok(Selector(reqs))
    }

    /// Adds the requirements of a field selector.
    pub fn with_fields(mut self, s: &str) -> Result<Selector, String> {
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (path, value, equal) = if let Some((k, v)) = part.split_once("!=") {
                (k, v, false)
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                (k, v, true)
            } else {
                return Err(format!("invalid field selector requirement {part:?}"));
            };
            let path: Vec<String> = path.trim().split('.').map(str::to_string).collect();
            self.0
                .push(Requirement::Field(path, value.trim().to_string(), equal));
        }
        Ok(self)
    }

    pub fn matches(&self, obj: &Value) -> bool {
        let labels = &obj["metadata"]["labels"];
        let get = |k: &str| labels.get(k).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|l| vs.iter().any(|v| v == l)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|l| vs.iter().all(|v| v != l)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::Absent(k) => get(k).is_none(),
            Requirement::Field(path, v, equal) => {
                let found = path
                    .iter()
                    .try_fold(obj, |o, p| o.get(p))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                (found == v) == *equal
            }
        })
    }
}

/// Splits at commas outside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

fn set(s: &str) -> Option<Vec<String>> {
    let inner = s.trim().strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.split(',').map(|v| v.trim().to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn selectors() {
        let o = json!({"metadata": {"labels": {"app": "api", "tier": "web"}}});
        let m = |s: &str| Selector::parse(s).unwrap().matches(&o);
        assert!(m(""));
        assert!(m("app=api"));
        assert!(m("app==api,tier"));
        assert!(!m("app!=api"));
        assert!(m("app in (api, worker),!missing"));
        assert!(!m("tier notin (web)"));
        assert!(!m("missing"));
        assert!(Selector::parse("a in x").is_err());
    }

    #[test]
    fn field_selectors() {
        let o = json!({"type": "Warning", "metadata": {"name": "e1", "labels": {"app": "api"}}});
        let m = |s: &str| {
            Selector::parse("app=api")
                .unwrap()
                .with_fields(s)
                .unwrap()
                .matches(&o)
        };
        assert!(m(""));
        assert!(m("type=Warning"));
        assert!(m("type==Warning,metadata.name=e1"));
        assert!(!m("type=Normal"));
        assert!(m("type!=Normal"));
        assert!(m("reason="), "a missing field reads as empty");
        assert!(Selector::default().with_fields("type").is_err());
    }
}

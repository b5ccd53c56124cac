//! The fixture format of HEALTH-MODEL.md: objects that carry their expected assessment in
//! `expected-*` annotations, with time tokens (`@now`, `@now-15m`, `@now+1d`) that stand for
//! the evaluation time plus or minus an offset.

use jiff::{SignedDuration, Timestamp};
use serde_json::Value;

use crate::health::{Assessment, Health};
use crate::object::ValueExt;

/// What a fixture says its assessment must be; absent fields are not checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectation {
    pub health: Option<Health>,
    pub status: Option<String>,
    pub ready: Option<bool>,
    /// The message must start with this.
    pub message: Option<String>,
}

impl Expectation {
    /// Read the `expected-*` annotations of an object.
    pub fn from_annotations(obj: &Value) -> Expectation {
        let get = |k: &str| {
            obj.str_at(&["metadata", "annotations", k])
                .map(str::trim)
                .filter(|s| !s.is_empty())
        };
        Expectation {
            health: get("expected-health").and_then(Health::parse),
            status: get("expected-status").map(str::to_owned),
            ready: get("expected-ready").and_then(|r| r.parse().ok()),
            message: get("expected-message").map(str::to_owned),
        }
    }

    /// One line per field that differs: `health: expected X, got Y`.
    pub fn mismatches(&self, got: &Assessment) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(h) = self.health.filter(|h| *h != got.health) {
            out.push(format!("health: expected {h}, got {}", got.health));
        }
        if let Some(s) = self.status.as_ref().filter(|s| **s != got.status) {
            out.push(format!("status: expected {s:?}, got {:?}", got.status));
        }
        if let Some(r) = self.ready.filter(|r| *r != got.ready) {
            out.push(format!("ready: expected {r}, got {}", got.ready));
        }
        if let Some(m) = self
            .message
            .as_ref()
            .filter(|m| !got.message.starts_with(m.trim_end()))
        {
            out.push(format!(
                "message: expected prefix {m:?}, got {:?}",
                got.message
            ));
        }
        out
    }
}

/// Replace every time token in `text` with `base` plus its offset, in RFC 3339.
pub fn expand_time_tokens(text: &str, base: Timestamp) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("@now") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 4..];
        let (offset, used) = parse_offset(after).unwrap_or((SignedDuration::ZERO, 0));
        let t = base.saturating_add(offset).unwrap_or(base);
        out.push_str(&t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

/// A signed offset such as `-15m` or `+1d` at the start of `s`, and how many bytes it used.
pub fn parse_offset(s: &str) -> Option<(SignedDuration, usize)> {
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = s[1..].bytes().take_while(u8::is_ascii_digit).count();
    let n: i64 = s[1..1 + digits].parse().ok()?;
    let unit = match s.as_bytes().get(1 + digits)? {
        b's' => 1,
        b'm' => 60,
        b'h' => 3600,
        b'd' => 86400,
        _ => return None,
    };
    Some((SignedDuration::from_secs(sign * n * unit), digits + 2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expand_relative_to_the_base() {
        let base: Timestamp = "2026-01-02T00:00:00Z".parse().unwrap();
        assert_eq!(
            expand_time_tokens("a: \"@now\"\nb: '@now-15m'\nc: @now+1d x", base),
            "a: \"2026-01-02T00:00:00Z\"\nb: '2026-01-01T23:45:00Z'\nc: 2026-01-03T00:00:00Z x"
        );
    }

    #[test]
    fn expectations_compare_each_field() {
        let obj: Value = serde_json::json!({"metadata": {"annotations": {
            "expected-health": "unhealthy", "expected-ready": "true", "expected-message": "Helm"}}});
        let e = Expectation::from_annotations(&obj);
        let got =
            Assessment::new(Health::Unhealthy, false, "X").with_message("Helm upgrade failed");
        assert_eq!(e.mismatches(&got), ["ready: expected true, got false"]);
    }
}

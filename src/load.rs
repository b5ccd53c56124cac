//! Reading Kubernetes objects from YAML or JSON text: multi-document streams, `List` kinds and
//! JSON arrays. One broken document is reported with its line and does not hide the others.

use std::fmt;

use serde_json::Value;
pub use serde_saphyr::DuplicateKeyPolicy;

use crate::object::ValueExt;

/// One object read from a file, with where it came from.
#[derive(Debug, Clone)]
pub struct Document {
    pub source: String,
    /// 1-based line where the object's document starts.
    pub line: usize,
    pub value: Value,
}

/// Something in a file that is not an object herald can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub source: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.source, line, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for LoadError {}

/// Everything readable in `text`, and an error for each part that is not.
pub fn parse_objects(source: &str, text: &str) -> (Vec<Document>, Vec<LoadError>) {
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        match serde_json::from_str::<Value>(text) {
            Ok(value) => flatten(source, 1, value, &mut docs, &mut errors),
            Err(e) => errors.push(LoadError {
                source: source.into(),
                line: Some(e.line()),
                message: format!("invalid JSON: {e}"),
            }),
        }
        return (docs, errors);
    }
    for (first_line, chunk) in yaml_documents(text) {
        // Kubernetes objects written by hand repeat keys now and then; the API server
        // keeps the last one, and so does herald.
        match parse_yaml::<Value>(chunk, DuplicateKeyPolicy::LastWins) {
            Ok(values) => {
                for value in values {
                    flatten(source, first_line, value, &mut docs, &mut errors);
                }
            }
            Err(e) => errors.push(LoadError {
                source: source.into(),
                line: Some(first_line - 1 + e.line.unwrap_or(1)),
                message: format!("invalid YAML: {}", e.message),
            }),
        }
    }
    (docs, errors)
}

/// A YAML parse failure with the 1-based line within the parsed text.
#[derive(Debug)]
pub struct YamlError {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for YamlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Parse every document of a YAML text, with YAML 1.2 booleans (`y`, `no`, `on` stay strings).
pub fn parse_yaml<T: serde::de::DeserializeOwned>(
    text: &str,
    duplicate_keys: DuplicateKeyPolicy,
) -> Result<Vec<T>, YamlError> {
    let options = serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: duplicate_keys,
        with_snippet: false,
        budget: None,
    };
    serde_saphyr::from_multiple_with_options::<T>(text, options).map_err(|e| {
        let line = e.location().map(|l| l.line() as usize).filter(|l| *l > 0);
        let message = e.to_string();
        // The location is reported separately, so drop the crate's own position suffix.
        let message = message
            .split_once(" at line ")
            .map_or(message.as_str(), |(m, _)| m)
            .trim()
            .to_string();
        YamlError { line, message }
    })
}

/// Split a YAML stream at its `---` markers, so a syntax error stays inside its own document.
/// Yields the 1-based line each piece starts on.
fn yaml_documents(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut starts = vec![(1usize, 0usize)];
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let is_marker = line
            .strip_prefix("---")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace));
        if is_marker && offset > 0 {
            starts.push((i + 1, offset));
        }
        offset += line.len();
    }
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .map(|(_, o)| *o)
        .chain([text.len()])
        .collect();
    starts
        .into_iter()
        .zip(ends)
        .map(move |((line, start), end)| (line, &text[start..end]))
}

/// Expand `List` kinds and arrays into their items; refuse what is not a Kubernetes object.
fn flatten(
    source: &str,
    line: usize,
    value: Value,
    docs: &mut Vec<Document>,
    errors: &mut Vec<LoadError>,
) {
    let error = |message: String| LoadError {
        source: source.into(),
        line: Some(line),
        message,
    };
    match value {
        Value::Null => {}
        Value::Array(items) => {
            for item in items {
                flatten(source, line, item, docs, errors);
            }
        }
        Value::Object(_) if is_list(&value) => {
            if let Some(Value::Array(items)) = value.get("items") {
                for item in items {
                    flatten(source, line, item.clone(), docs, errors);
                }
            }
        }
        Value::Object(_) => {
            let missing: Vec<&str> = ["apiVersion", "kind"]
                .into_iter()
                .filter(|f| value.str_at(&[f]).is_none_or(str::is_empty))
                .collect();
            if missing.is_empty() {
                docs.push(Document {
                    source: source.into(),
                    line,
                    value,
                });
            } else {
                errors.push(error(format!(
                    "not a Kubernetes object: missing {}",
                    missing.join(" and ")
                )));
            }
        }
        other => errors.push(error(format!(
            "not a Kubernetes object: a {} instead of a mapping",
            json_type(&other)
        ))),
    }
}

fn is_list(value: &Value) -> bool {
    value.str_at(&["kind"]).is_some_and(|k| k.ends_with("List"))
        && value.get("items").is_some_and(Value::is_array)
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_document_yaml_with_a_broken_document() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: [unclosed\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n";
        let (docs, errors) = parse_objects("f.yaml", text);
        let names: Vec<_> = docs
            .iter()
            .map(|d| (d.line, d.value["metadata"]["name"].as_str().unwrap()))
            .collect();
        assert_eq!(names, [(1, "a"), (6, "b")]);
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].line.is_some_and(|l| (4..=6).contains(&l)),
            "{:?}",
            errors[0]
        );
        assert!(errors[0].to_string().starts_with("f.yaml:"));
    }

    #[test]
    fn lists_and_arrays_are_expanded() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Pod, metadata: {name: a}}\n- {apiVersion: v1, kind: Pod, metadata: {name: b}}\n";
        assert_eq!(parse_objects("l.yaml", text).0.len(), 2);
        let json = r#"[{"apiVersion": "v1", "kind": "Pod"}, {"apiVersion": "v1", "kind": "PodList", "items": [{"apiVersion": "v1", "kind": "Pod"}]}]"#;
        assert_eq!(parse_objects("l.json", json).0.len(), 2);
    }

    #[test]
    fn yaml_1_1_booleans_stay_strings() {
        let (docs, _) = parse_objects(
            "b.yaml",
            "apiVersion: v1\nkind: ConfigMap\ndata: {a: [x, y], b: on, c: 'true'}\n",
        );
        assert_eq!(docs[0].value["data"]["a"][1], "y");
        assert_eq!(docs[0].value["data"]["b"], "on");
    }

    #[test]
    fn non_objects_are_refused_by_name() {
        let (docs, errors) = parse_objects("x.yaml", "just a string\n---\nkind: Pod\n");
        assert!(docs.is_empty());
        assert_eq!(errors.len(), 2);
        assert!(errors[0].message.contains("a string instead of a mapping"));
        assert!(errors[1].message.contains("missing apiVersion"));
        let (_, errors) = parse_objects("x.json", "{\"kind\": \n");
        assert_eq!(errors[0].line, Some(2));
    }
}

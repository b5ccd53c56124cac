//! The object type watchers receive: the object's own JSON, kept as it came, with just enough
//! metadata parsed for kube-rs's watcher. Parsing never fails on one bad object: metadata that
//! does not parse is read leniently and the object is flagged, so the list or watch it came in
//! keeps going.

use std::borrow::Cow;

use kube::api::ApiResource;
use kube::core::{DynamicResourceScope, ObjectMeta, Resource};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct RawObject {
    pub metadata: ObjectMeta,
    pub value: Value,
    /// Why the object is unusable, if it is.
    pub malformed: Option<String>,
}

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut value = Value::deserialize(d)?;
        let mut malformed = None;
        if !value.is_object() {
            malformed = Some(format!("not a JSON object: {value}"));
        }
        if let Some(meta) = value.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
        }
        let metadata = match value.get("metadata") {
            Some(m) => {
                if let Err(e) = check_meta(m) {
                    malformed.get_or_insert_with(|| format!("invalid metadata: {e}"));
                }
                lenient_meta(m)
            }
            None => {
                malformed.get_or_insert_with(|| "no metadata".to_string());
                ObjectMeta::default()
            }
        };
        if metadata.name.is_none() {
            malformed.get_or_insert_with(|| "no metadata.name".to_string());
        }
        Ok(RawObject {
            metadata,
            value,
            malformed,
        })
    }
}

/// What Kubernetes would refuse in the metadata fields herald reads, checked without building
/// them (most objects are fine, and parsing all of the metadata twice costs).
fn check_meta(m: &Value) -> Result<(), String> {
    let Some(map) = m.as_object() else {
        return Err(format!("not a map: {m}"));
    };
    for (field, v) in map {
        let ok = match field.as_str() {
            "name" | "namespace" | "resourceVersion" | "uid" | "creationTimestamp"
            | "deletionTimestamp" | "generateName" => v.is_string(),
            "generation" | "deletionGracePeriodSeconds" => v.is_i64() || v.is_u64(),
            "labels" | "annotations" => v
                .as_object()
                .is_some_and(|kv| kv.values().all(Value::is_string)),
            "finalizers" => v
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
            "ownerReferences" => v.as_array().is_some_and(|refs| {
                refs.iter().all(|r| {
                    ["apiVersion", "kind", "name"]
                        .iter()
                        .all(|k| r.get(*k).is_some_and(Value::is_string))
                })
            }),
            _ => true,
        };
        if !ok {
            return Err(format!("{field}: unexpected value {v}"));
        }
    }
    Ok(())
}

/// The identifying fields, whatever else is wrong with the metadata.
fn lenient_meta(m: &Value) -> ObjectMeta {
    let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
    ObjectMeta {
        name: s("name"),
        namespace: s("namespace"),
        resource_version: s("resourceVersion"),
        uid: s("uid"),
        ..ObjectMeta::default()
    }
}

impl Resource for RawObject {
    type DynamicType = ApiResource;
    type Scope = DynamicResourceScope;

    fn group(dt: &ApiResource) -> Cow<'_, str> {
        dt.group.as_str().into()
    }

    fn version(dt: &ApiResource) -> Cow<'_, str> {
        dt.version.as_str().into()
    }

    fn kind(dt: &ApiResource) -> Cow<'_, str> {
        dt.kind.as_str().into()
    }

    fn api_version(dt: &ApiResource) -> Cow<'_, str> {
        dt.api_version.as_str().into()
    }

    fn plural(dt: &ApiResource) -> Cow<'_, str> {
        dt.plural.as_str().into()
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> RawObject {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn metadata_is_checked_where_herald_reads_it() {
        let ok = parse(
            json!({"kind": "Pod", "metadata": {"name": "a", "namespace": "n", "resourceVersion": "7",
            "labels": {"app": "a"}, "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r"}]}}),
        );
        assert!(ok.malformed.is_none(), "{:?}", ok.malformed);
        assert_eq!(ok.metadata.resource_version.as_deref(), Some("7"));
        for (field, bad) in [
            ("labels", json!({"app": 1})),
            ("annotations", json!("x")),
            ("ownerReferences", json!([{"kind": "ReplicaSet"}])),
            ("generation", json!("one")),
            ("finalizers", json!([1])),
        ] {
            let mut v = json!({"kind": "Pod", "metadata": {"name": "a"}});
            v["metadata"][field] = bad;
            let o = parse(v);
            let why = o.malformed.expect("malformed");
            assert!(why.contains(field), "{why}");
            assert_eq!(o.metadata.name.as_deref(), Some("a"), "still identified");
        }
        assert!(
            parse(json!({"metadata": {}})).malformed.is_some(),
            "no name"
        );
        assert!(parse(json!([1])).malformed.is_some());
    }
}

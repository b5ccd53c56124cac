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
        let metadata = match value.get("metadata").map(ObjectMeta::deserialize) {
            Some(Ok(m)) => m,
            Some(Err(e)) => {
                malformed.get_or_insert_with(|| format!("invalid metadata: {e}"));
                lenient_meta(&value["metadata"])
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

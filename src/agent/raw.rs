//! The object type watchers receive: the object's text, kept as it came, with its metadata
//! read (for kube-rs, and to tell a malformed object). Parsing never fails on one bad object:
//! metadata that does not parse is read leniently and the object is flagged, so the list or
//! watch it came in keeps going.
//!
//! The evaluator parses the text ([`Unparsed::parse`]), not the watch: what parsing allocates is
//! then read, and freed, by the thread that made it while it is still in that core's caches. Parsed
//! on a runtime worker and freed on the evaluator, every allocation crossed threads twice (the
//! evaluator's free, the worker's taking the block back), and the evaluator read the object cold.
//!
//! Two fields herald never reads are skipped while parsing, never built: `metadata.managedFields`
//! (often most of an object's bytes) and the `kubectl.kubernetes.io/last-applied-configuration`
//! annotation (a copy of the whole manifest as one string). Everything else is kept as it came.

use std::borrow::Cow;
use std::fmt;

use kube::api::ApiResource;
use kube::core::{DynamicResourceScope, ObjectMeta, Resource};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Number, Value};
use std::sync::Arc;

/// The annotation `kubectl apply` leaves: the whole manifest as last applied, as a string.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

#[derive(Debug, Clone)]
pub struct RawObject {
    pub metadata: ObjectMeta,
    /// The object's text as it came, parsed whole by the evaluator ([`Unparsed::parse`]).
    pub text: Box<str>,
    /// The object's own `apiVersion` and `kind`, when it gives them (items of lists of
    /// built-in kinds do not).
    pub api_version: Option<String>,
    pub kind: Option<String>,
    /// Why the object is unusable, if it is.
    pub malformed: Option<String>,
}

impl<'de> Deserialize<'de> for RawObject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(RawObject::of(d.deserialize_newtype_struct(RAW_TEXT, Text)?))
    }
}

/// The name under which serde_json hands a value's text over as it came (serde_json's
/// `RawValue`), unparsed. Any other deserializer, or serde_json should the name change, hands
/// the value itself over instead (see [`Text`]).
const RAW_TEXT: &str = "$serde_json::private::RawValue";

/// A JSON value's text: as it came from serde_json, or written again from the value any other
/// deserializer gives (serde_json too, when the value was buffered: a watch event that puts its
/// `object` before its `type`).
struct Text;

impl<'de> Visitor<'de> for Text {
    type Value = Box<str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    /// serde_json's way: a map of one entry named [`RAW_TEXT`], the text its value. Any other
    /// map is refused rather than its first entry taken for the object.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Box<str>, A::Error> {
        if map.next_key::<RawKey>()?.is_none() {
            return Err(serde::de::Error::custom("an empty raw value"));
        }
        Ok(map.next_value::<String>()?.into_boxed_str())
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Box<str>, D::Error> {
        let value = Skipping(Place::Object).deserialize(d)?;
        Ok(value.to_string().into_boxed_str())
    }
}

/// The one key of serde_json's raw value; any other is an error.
struct RawKey;

impl<'de> Deserialize<'de> for RawKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = RawKey;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "the key {RAW_TEXT}")
            }

            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<RawKey, E> {
                if s == RAW_TEXT {
                    Ok(RawKey)
                } else {
                    Err(E::invalid_value(serde::de::Unexpected::Str(s), &self))
                }
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

impl RawObject {
    /// The object in `text`, with its metadata read (the watch needs its name and
    /// resourceVersion, and judges whether it is well formed); the rest stays text.
    pub fn of(text: Box<str>) -> RawObject {
        // Well-formed metadata is checked as it is read, and only its identifying fields
        // kept; anything else is read again, whole, to say what is wrong with it.
        if let Ok(head) = Head::read_checked(&text)
            && let Some(metadata) = head.checked
        {
            let malformed = metadata
                .name
                .is_none()
                .then(|| "no metadata.name".to_string());
            return RawObject {
                metadata,
                text,
                api_version: head.api_version,
                kind: head.kind,
                malformed,
            };
        }
        RawObject::read_whole(text)
    }

    /// [`RawObject::of`] with the metadata read whole: for metadata that is not well formed,
    /// to say what is wrong with it.
    fn read_whole(text: Box<str>) -> RawObject {
        let head = match Head::read(&text) {
            Ok(head) => head,
            Err(e) => {
                return RawObject {
                    metadata: ObjectMeta::default(),
                    text,
                    api_version: None,
                    kind: None,
                    malformed: Some(e.to_string()),
                };
            }
        };
        let mut malformed = None;
        let metadata = match &head.metadata {
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
        RawObject {
            metadata,
            text,
            api_version: head.api_version,
            kind: head.kind,
            malformed,
        }
    }

    /// The object's key, its type taken from `ar` where the object does not name it.
    pub fn key(&self, ar: &ApiResource) -> Option<crate::store::ObjectKey> {
        let api_version = self.api_version.as_deref().unwrap_or(&ar.api_version);
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        Some(crate::store::ObjectKey::new(
            group,
            self.kind.as_deref().unwrap_or(&ar.kind),
            self.metadata.namespace.as_deref().unwrap_or_default(),
            self.metadata.name.as_deref()?,
        ))
    }
}

/// A watch event as the API server writes it, `{"type":"MODIFIED","object":{...}}` on one line,
/// taken apart without reading the object's text through: its head is read
/// ([`RawObject::of`]), the rest is the evaluator's to parse (a text that is not JSON is found
/// and counted there). None for any other event or any other spelling (bookmarks, errors,
/// spaces, the object first), which serde reads.
pub fn split_event(line: &str) -> Option<kube::api::WatchEvent<RawObject>> {
    use kube::api::WatchEvent;
    let rest = line.strip_prefix(r#"{"type":""#)?;
    let (kind, rest) = rest.split_once('"')?;
    let object = rest
        .strip_prefix(r#","object":"#)?
        .trim_end()
        .strip_suffix('}')?;
    if !object.starts_with('{') {
        return None;
    }
    let o = || RawObject::of(object.into());
    Some(match kind {
        "ADDED" => WatchEvent::Added(o()),
        "MODIFIED" => WatchEvent::Modified(o()),
        "DELETED" => WatchEvent::Deleted(o()),
        _ => return None,
    })
}

/// An object as the watch hands it to the evaluator: its text, parsed there (so that what the
/// parse allocates is used and freed on the thread that made it, while in its caches).
#[derive(Debug)]
pub struct Unparsed {
    pub text: Box<str>,
    pub origin: Arc<Origin>,
}

/// The watch an object came from.
#[derive(Debug)]
pub struct Origin {
    /// The `apiVersion` and `kind` of the watch's type, for objects that leave them out.
    pub api_version: String,
    pub kind: String,
    /// Counts the objects found malformed (`herald_watch_events_total{event="malformed"}`).
    pub malformed: prometheus::IntCounter,
}

impl Unparsed {
    /// The object as herald reads it: `metadata.managedFields` and the last-applied annotation
    /// left out, `apiVersion` and `kind` added when missing.
    pub fn parse(&self) -> serde_json::Result<Value> {
        self.parse_as(false)
    }

    /// [`Unparsed::parse`], and with `trim` a Pod's spec without what herald's own readers never
    /// look at ([`POD_SPEC_UNREAD`], [`CONTAINER_UNREAD`], [`VOLUME_UNREAD`]): for the
    /// evaluator when no user check judges Pods (a Lua check gets the whole object).
    pub fn parse_as(&self, trim: bool) -> serde_json::Result<Value> {
        let top = if trim && self.origin.kind == "Pod" && self.origin.api_version == "v1" {
            Place::Pod
        } else {
            Place::Object
        };
        let mut value = parse_text_at(&self.text, top)?;
        if let Some(map) = value.as_object_mut() {
            map.entry("apiVersion")
                .or_insert_with(|| Value::String(self.origin.api_version.clone()));
            map.entry("kind")
                .or_insert_with(|| Value::String(self.origin.kind.clone()));
        }
        Ok(value)
    }

    /// [`Unparsed::parse_as`]; an object that does not parse (nested past serde_json's limit,
    /// which reading its text past did not check) is counted and logged as malformed.
    pub fn parse_or_log(&self, trim: bool) -> Option<Value> {
        match self.parse_as(trim) {
            Ok(value) => Some(value),
            Err(error) => {
                self.origin.malformed.inc();
                tracing::warn!(kind = %self.origin.kind, %error, "skipping a malformed object");
                None
            }
        }
    }
}

/// An object's text as herald reads it, without `metadata.managedFields` and the last-applied
/// annotation, read from `top` (a whole object, or a Pod to trim).
fn parse_text_at(text: &str, top: Place) -> serde_json::Result<Value> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = Skipping(top).deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// What the watch reads of an object's text: the top level's `apiVersion`, `kind` and
/// `metadata`; the rest is read past, or not read at all once the three are found (Kubernetes
/// writes them first). What is not JSON past them is found by the evaluator, which parses the
/// whole text and counts it as malformed; a key given twice is read here at its first place
/// and by the evaluator at its last, which no API server sends.
#[derive(Default)]
struct Head {
    api_version: Option<String>,
    kind: Option<String>,
    metadata: Option<Value>,
    /// Read by [`Head::read_checked`]: the metadata's identifying fields, all of it well formed.
    checked: Option<ObjectMeta>,
    /// The three were found and the rest of the text left unread.
    stopped: bool,
}

impl Head {
    /// The head with its metadata read whole.
    fn read(text: &str) -> serde_json::Result<Head> {
        Head::read_as(text, false)
    }

    /// The head with its metadata checked as it is read ([`Checked`]); an error for metadata
    /// that is not well formed.
    fn read_checked(text: &str) -> serde_json::Result<Head> {
        Head::read_as(text, true)
    }

    fn read_as(text: &str, checked: bool) -> serde_json::Result<Head> {
        let mut head = Head::default();
        let mut de = serde_json::Deserializer::from_str(text);
        match de.deserialize_map(HeadVisitor(&mut head, checked)) {
            Ok(()) => de.end()?,
            // The visitor's way of stopping early: an error, which nothing else makes once
            // the three are read.
            Err(_) if head.stopped => {}
            Err(e) => return Err(e),
        }
        Ok(head)
    }
}

/// The head to fill, and whether its metadata is checked ([`Checked`]) rather than built.
struct HeadVisitor<'h>(&'h mut Head, bool);

impl<'de> Visitor<'de> for HeadVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let head = &mut *self.0;
        while let Some(key) = map.next_key::<HeadKey>()? {
            match key {
                HeadKey::Metadata if self.1 => head.checked = Some(map.next_value_seed(Checked)?),
                HeadKey::Metadata => {
                    head.metadata = Some(map.next_value_seed(Skipping(Place::Metadata))?);
                }
                HeadKey::ApiVersion => head.api_version = Some(map.next_value()?),
                HeadKey::Kind => head.kind = Some(map.next_value()?),
                HeadKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if (head.metadata.is_some() || head.checked.is_some())
                && head.api_version.is_some()
                && head.kind.is_some()
            {
                head.stopped = true;
                return Err(serde::de::Error::custom("the rest is not read"));
            }
        }
        Ok(())
    }
}

/// A top-level field's name, as [`Head`] reads it.
enum HeadKey {
    Metadata,
    ApiVersion,
    Kind,
    Other,
}

impl FieldName for HeadKey {
    fn named(name: &str) -> HeadKey {
        match name {
            "metadata" => HeadKey::Metadata,
            "apiVersion" => HeadKey::ApiVersion,
            "kind" => HeadKey::Kind,
            _ => HeadKey::Other,
        }
    }
}

impl<'de> Deserialize<'de> for HeadKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(FieldNameVisitor(std::marker::PhantomData))
    }
}

/// A field's name read as one of those a reader tells apart, without keeping the name.
trait FieldName: Sized {
    fn named(name: &str) -> Self;
}

struct FieldNameVisitor<T>(std::marker::PhantomData<T>);

impl<T: FieldName> Visitor<'_> for FieldNameVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, s: &str) -> Result<T, E> {
        Ok(T::named(s))
    }
}

/// Where a value is in the object, for what parsing leaves out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Object,
    Metadata,
    Annotations,
    /// A Pod read for herald's own readers: its spec trimmed.
    Pod,
    PodSpec,
    /// `containers`, `initContainers`, `ephemeralContainers`: each item a [`Place::Container`].
    Containers,
    Container,
    /// `volumes`: each item a [`Place::Volume`].
    Volumes,
    Volume,
}

impl Place {
    /// Whether the value of `key` here is read past.
    fn leaves_out(self, key: &str) -> bool {
        match self {
            Place::Metadata => key == "managedFields",
            Place::Annotations => key == LAST_APPLIED,
            Place::PodSpec => POD_SPEC_UNREAD.contains(&key),
            Place::Container => CONTAINER_UNREAD.contains(&key),
            Place::Volume => VOLUME_UNREAD.contains(&key),
            Place::Object | Place::Pod | Place::Containers | Place::Volumes => false,
        }
    }
}

/// What of a Pod's spec no reader of herald's looks at, and most of its size: the built-in
/// check reads the containers (`name`, `readinessProbe`), the images seen read `name` and
/// `image`, placement reads `nodeName` and the volumes' `persistentVolumeClaim`. Whatever is
/// not listed here is kept, so a field Kubernetes adds is read as before.
/// `tests/conformance.rs` judges and places every Pod of the corpus alike with and without.
pub const POD_SPEC_UNREAD: &[&str] = &[
    "affinity",
    "tolerations",
    "topologySpreadConstraints",
    "securityContext",
    "dnsConfig",
    "hostAliases",
    "imagePullSecrets",
    "overhead",
];
/// What of a container no reader of herald's looks at ([`POD_SPEC_UNREAD`]).
pub const CONTAINER_UNREAD: &[&str] = &[
    "env",
    "envFrom",
    "volumeMounts",
    "volumeDevices",
    "ports",
    "resources",
    "resizePolicy",
    "securityContext",
    "command",
    "args",
    "lifecycle",
    "livenessProbe",
    "startupProbe",
    "workingDir",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
];
/// What of a volume no reader of herald's looks at: the sources other than a claim.
pub const VOLUME_UNREAD: &[&str] = &[
    "projected",
    "configMap",
    "secret",
    "downwardAPI",
    "emptyDir",
    "hostPath",
    "csi",
];

/// Builds a JSON value as `Value`'s own parsing does, leaving out `metadata.managedFields` and
/// the last-applied annotation (their bytes are read past, nothing is allocated for them). The
/// deserializer's own bounds (serde_json's nesting limit) apply as they do to `Value`.
struct Skipping(Place);

impl<'de> DeserializeSeed<'de> for Skipping {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skipping {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let item = match self.0 {
            Place::Containers => Some(Place::Container),
            Place::Volumes => Some(Place::Volume),
            _ => None,
        };
        let mut items = Vec::new();
        loop {
            let next = match item {
                Some(place) => seq.next_element_seed(Skipping(place))?,
                None => seq.next_element::<Value>()?,
            };
            let Some(next) = next else {
                break;
            };
            items.push(next);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let k = key.as_str();
            if self.0.leaves_out(k) {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let inner = match (self.0, k) {
                (Place::Object | Place::Pod, "metadata") => Some(Place::Metadata),
                (Place::Metadata, "annotations") => Some(Place::Annotations),
                (Place::Pod, "spec") => Some(Place::PodSpec),
                (Place::PodSpec, "containers" | "initContainers" | "ephemeralContainers") => {
                    Some(Place::Containers)
                }
                (Place::PodSpec, "volumes") => Some(Place::Volumes),
                _ => None,
            };
            let value = match inner {
                Some(place) => map.next_value_seed(Skipping(place))?,
                None => map.next_value::<Value>()?,
            };
            out.insert(key, value);
        }
        Ok(Value::Object(out))
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

/// Reads metadata checking, as it goes, what [`check_meta`] checks of it, and keeps only the
/// identifying fields. Anything not well formed is an error (serde's own, for a value of the
/// wrong type), and the metadata is then read again whole to say what. `managedFields` and the
/// last-applied annotation are read past, as [`Skipping`] does.
struct Checked;

/// The metadata fields [`Checked`] looks at.
enum MetaField {
    Name,
    Namespace,
    ResourceVersion,
    Uid,
    /// A string herald does not keep.
    Text,
    Integer,
    Labels,
    Annotations,
    Finalizers,
    OwnerReferences,
    /// One of `ownerReferences` (no field's name).
    OwnerReference,
    Other,
}

impl FieldName for MetaField {
    fn named(name: &str) -> MetaField {
        match name {
            "name" => MetaField::Name,
            "namespace" => MetaField::Namespace,
            "resourceVersion" => MetaField::ResourceVersion,
            "uid" => MetaField::Uid,
            "creationTimestamp" | "deletionTimestamp" | "generateName" => MetaField::Text,
            "generation" | "deletionGracePeriodSeconds" => MetaField::Integer,
            "labels" => MetaField::Labels,
            "annotations" => MetaField::Annotations,
            "finalizers" => MetaField::Finalizers,
            "ownerReferences" => MetaField::OwnerReferences,
            _ => MetaField::Other,
        }
    }
}

impl<'de> Deserialize<'de> for MetaField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(FieldNameVisitor(std::marker::PhantomData))
    }
}

impl<'de> DeserializeSeed<'de> for Checked {
    type Value = ObjectMeta;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ObjectMeta, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = ObjectMeta;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("metadata")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ObjectMeta, A::Error> {
        let mut meta = ObjectMeta::default();
        while let Some(field) = map.next_key::<MetaField>()? {
            match field {
                MetaField::Name => meta.name = Some(map.next_value()?),
                MetaField::Namespace => meta.namespace = Some(map.next_value()?),
                MetaField::ResourceVersion => meta.resource_version = Some(map.next_value()?),
                MetaField::Uid => meta.uid = Some(map.next_value()?),
                MetaField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
                shaped => map.next_value_seed(Shape(shaped))?,
            }
        }
        Ok(meta)
    }
}

/// A metadata field's value read past, an error unless it has the shape Kubernetes gives it
/// ([`check_meta`]'s rules). Only the types a shape accepts have a `visit_` method here; for
/// any other, serde's default method makes the error.
struct Shape(MetaField);

impl<'de> DeserializeSeed<'de> for Shape {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Shape {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            MetaField::Integer => "an integer",
            MetaField::Labels | MetaField::Annotations => "a map of strings",
            MetaField::Finalizers => "a list of strings",
            MetaField::OwnerReferences => "a list of owner references",
            MetaField::OwnerReference => "an owner reference",
            _ => "a string",
        })
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<(), E> {
        match self.0 {
            MetaField::Integer => Ok(()),
            _ => Err(E::invalid_type(serde::de::Unexpected::Signed(n), &self)),
        }
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<(), E> {
        match self.0 {
            MetaField::Integer => Ok(()),
            _ => Err(E::invalid_type(serde::de::Unexpected::Unsigned(n), &self)),
        }
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<(), E> {
        match self.0 {
            MetaField::Text => Ok(()),
            _ => Err(E::invalid_type(serde::de::Unexpected::Str(s), &self)),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        match self.0 {
            MetaField::Finalizers => {
                while seq.next_element_seed(Shape(MetaField::Text))?.is_some() {}
            }
            MetaField::OwnerReferences => {
                while seq
                    .next_element_seed(Shape(MetaField::OwnerReference))?
                    .is_some()
                {}
            }
            _ => {
                return Err(serde::de::Error::invalid_type(
                    serde::de::Unexpected::Seq,
                    &self,
                ));
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        match self.0 {
            MetaField::Labels | MetaField::Annotations => {
                let annotations = matches!(self.0, MetaField::Annotations);
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    if annotations && key.as_ref() == LAST_APPLIED {
                        map.next_value::<IgnoredAny>()?;
                    } else {
                        map.next_value_seed(Shape(MetaField::Text))?;
                    }
                }
            }
            // Its owner's `apiVersion`, `kind` and `name`, as strings.
            MetaField::OwnerReference => {
                let mut named = [false; 3];
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    match ["apiVersion", "kind", "name"]
                        .iter()
                        .position(|k| *k == key.as_ref())
                    {
                        Some(i) => {
                            map.next_value_seed(Shape(MetaField::Text))?;
                            named[i] = true;
                        }
                        None => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                if !named.iter().all(|n| *n) {
                    return Err(serde::de::Error::custom(
                        "an owner reference without its apiVersion, kind or name",
                    ));
                }
            }
            _ => {
                return Err(serde::de::Error::invalid_type(
                    serde::de::Unexpected::Map,
                    &self,
                ));
            }
        }
        Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> RawObject {
        serde_json::from_value(v).unwrap()
    }

    /// The object as the evaluator parses it (without the type its watch would add).
    fn value(o: &RawObject) -> Value {
        parse_text_at(&o.text, Place::Object).unwrap()
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

    /// What kube-rs does with a line of a watch stream.
    fn event(line: &str) -> serde_json::Result<RawObject> {
        match serde_json::from_str::<kube::api::WatchEvent<RawObject>>(line)? {
            kube::api::WatchEvent::Modified(o) => Ok(o),
            _ => panic!("not MODIFIED"),
        }
    }

    #[test]
    fn metadata_checked_as_it_is_read_is_judged_as_metadata_read_whole() {
        let owner = r#"{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"r","controller":true}"#;
        let metas = [
            r#"{"name":"a","namespace":"n","resourceVersion":"7","uid":"u"}"#.to_string(),
            format!(
                r#"{{"name":"a","labels":{{"x":"y"}},"annotations":{{"{LAST_APPLIED}":{{"any":1}},"b":"c"}},"ownerReferences":[{owner}],"finalizers":["f"],"generation":3,"creationTimestamp":"t","managedFields":[{{"x":1}}],"other":{{"deep":[1,{{"k":null}}]}}}}"#
            ),
            r#"{"name":"a","labels":{},"finalizers":[],"ownerReferences":[]}"#.into(),
            r#"{}"#.into(),
            r#"{"namespace":"n"}"#.into(),
            r#"{"name":"a","generation":-2}"#.into(),
            r#"{"name":1}"#.into(),
            r#"{"name":null}"#.into(),
            r#"{"name":"a","name":2}"#.into(),
            r#"{"name":2,"name":"a"}"#.into(),
            r#"{"name":"a","uid":["u"]}"#.into(),
            r#"{"name":"a","labels":{"x":1}}"#.into(),
            r#"{"name":"a","labels":null}"#.into(),
            r#"{"name":"a","labels":["x"]}"#.into(),
            format!(r#"{{"name":"a","labels":{{"{LAST_APPLIED}":1}}}}"#),
            r#"{"name":"a","annotations":"x"}"#.into(),
            r#"{"name":"a","generation":"one"}"#.into(),
            r#"{"name":"a","generation":1.5}"#.into(),
            r#"{"name":"a","deletionTimestamp":false}"#.into(),
            r#"{"name":"a","finalizers":[1]}"#.into(),
            r#"{"name":"a","finalizers":"f"}"#.into(),
            r#"{"name":"a","ownerReferences":[{"kind":"ReplicaSet","name":"r"}]}"#.into(),
            r#"{"name":"a","ownerReferences":[{"apiVersion":"v1","kind":"X","name":3}]}"#.into(),
            r#"{"name":"a","ownerReferences":["r"]}"#.into(),
            r#"{"name":"a","ownerReferences":{"apiVersion":"v1"}}"#.into(),
            r#""x""#.into(),
            r#"[1]"#.into(),
            r#"null"#.into(),
            r#"{"name":"a","labels":{"x":"y""#.into(),
        ];
        for (i, meta) in metas.iter().enumerate() {
            for text in [
                format!(r#"{{"apiVersion":"v1","kind":"Pod","metadata":{meta},"spec":{{}}}}"#),
                format!(r#"{{"metadata":{meta}}}"#),
            ] {
                // The first six are well formed (two of them without a name): checked as
                // read, not read again.
                let checked = Head::read_checked(&text).is_ok_and(|h| h.checked.is_some());
                assert_eq!(checked, i < 6, "{text}");
                let fast = RawObject::of(text.clone().into());
                let whole = RawObject::read_whole(text.clone().into());
                assert_eq!(fast.metadata, whole.metadata, "{text}");
                assert_eq!(fast.malformed, whole.malformed, "{text}");
                assert_eq!(
                    (fast.api_version, fast.kind),
                    (whole.api_version, whole.kind),
                    "{text}"
                );
            }
        }
    }

    #[test]
    fn managed_fields_and_last_applied_are_skipped_and_the_rest_kept_as_it_came() {
        let sent = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "12",
                "managedFields": [{"manager": "kubectl", "fieldsV1": {"f:spec": {"f:replicas": {}}}}],
                "labels": {"app": "web"},
                "annotations": {LAST_APPLIED: "{\"kind\":\"Deployment\"}", "team": "shop"}},
            "spec": {"replicas": 2.5, "big": 18446744073709551615u64, "neg": -3, "none": null,
                     "managedFields": "kept: not metadata's",
                     "template": {"metadata": {"annotations": {LAST_APPLIED: "kept: not the object's"}}},
                     "list": [1, "two", [3], {"four": 4}], "yes": true},
            "status": {"conditions": [{"type": "Available", "status": "True"}]}});
        let line = json!({"type": "MODIFIED", "object": sent}).to_string();
        let got = event(&line).unwrap();
        assert!(got.malformed.is_none(), "{:?}", got.malformed);
        let mut want: Value = serde_json::from_str(&sent.to_string()).unwrap();
        let meta = want["metadata"].as_object_mut().unwrap();
        meta.remove("managedFields");
        meta["annotations"]
            .as_object_mut()
            .unwrap()
            .remove(LAST_APPLIED);
        assert_eq!(value(&got), want);
        assert_eq!(
            value(&got)["metadata"]["annotations"],
            json!({"team": "shop"})
        );
        assert_eq!(got.metadata.name.as_deref(), Some("web"));
        // The same through `Value`'s own deserializer (tests and fixtures parse that way).
        assert_eq!(value(&parse(sent)), want);
    }

    #[test]
    fn the_text_is_kept_as_it_came_whatever_the_events_order() {
        let object = r#"{"kind":"Pod", "apiVersion":"v1","metadata":{"name":"a","managedFields":[1]},"spec":{"b":2,"a":1}}"#;
        // As API servers write it: the type first, the object's text taken as it is.
        let o = event(&format!(r#"{{"type":"MODIFIED","object":{object}}}"#)).unwrap();
        assert_eq!(&*o.text, object);
        assert_eq!(
            (o.api_version.as_deref(), o.kind.as_deref()),
            (Some("v1"), Some("Pod"))
        );
        // The object first: kube-rs buffers it, and it is written again from the value.
        let o = event(&format!(r#"{{"object":{object},"type":"MODIFIED"}}"#)).unwrap();
        assert!(o.malformed.is_none());
        assert_eq!(
            value(&o),
            json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "a"}, "spec": {"a": 1, "b": 2}})
        );
    }

    #[test]
    fn skipped_fields_of_any_shape_and_misshapen_metadata_are_handled() {
        // Skipped whatever they hold; annotations that are not a map are kept and flagged.
        let o = event(r#"{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a","managedFields":"x","annotations":{"kubectl.kubernetes.io/last-applied-configuration":{"a":[1,{"b":null}]}}}}}"#).unwrap();
        assert!(o.malformed.is_none());
        assert_eq!(
            value(&o)["metadata"],
            json!({"name": "a", "annotations": {}})
        );
        let o = event(r#"{"type":"MODIFIED","object":{"kind":"Pod","metadata":{"name":"a","annotations":[1]}}}"#).unwrap();
        assert!(o.malformed.clone().unwrap().contains("annotations"));
        assert_eq!(value(&o)["metadata"]["annotations"], json!([1]));
        let o = event(r#"{"type":"MODIFIED","object":{"kind":"Pod","metadata":"x"}}"#).unwrap();
        assert!(o.malformed.is_some());
        let o = event(r#"{"type":"MODIFIED","object":"text"}"#).unwrap();
        assert!(o.malformed.unwrap().contains("expected a JSON object"));
        // Invalid JSON in a skipped field is still an error, as before.
        assert!(
            event(r#"{"type":"MODIFIED","object":{"metadata":{"name":"a","managedFields":[1,}}}"#)
                .is_err()
        );
    }

    #[test]
    fn the_head_is_read_up_to_its_three_fields_and_no_further() {
        // Past apiVersion, kind and metadata nothing is read (here, text serde_json would refuse,
        // which the evaluator's parse finds).
        let head = Head::read(
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"x":"y"}},"spec":[1,}"#,
        )
        .unwrap();
        assert!(head.stopped);
        assert_eq!(
            (head.api_version.as_deref(), head.kind.as_deref()),
            (Some("v1"), Some("Pod"))
        );
        assert_eq!(head.metadata.unwrap()["labels"], json!({"x": "y"}));
        // One of the three after the rest: all of it is read.
        assert!(
            Head::read(r#"{"apiVersion":"v1","metadata":{"name":"a"},"spec":[1,},"kind":"Pod"}"#)
                .is_err()
        );
        let head =
            Head::read(r#"{"metadata":{"name":"a"},"spec":{"a":[1]},"kind":"Pod"}"#).unwrap();
        assert!(!head.stopped);
        assert_eq!(head.kind.as_deref(), Some("Pod"));
        // Trouble inside the metadata is found before stopping.
        let o = event(r#"{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"x":1}},"spec":{}}}"#).unwrap();
        assert!(o.malformed.unwrap().contains("labels"));
    }

    #[test]
    fn an_event_taken_apart_is_the_event_serde_reads() {
        use kube::api::WatchEvent;
        let object = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "resourceVersion": "12",
                "managedFields": [{"manager": "m"}], "labels": {"app": "web"}},
            "spec": {"replicas": 2, "s": "a \\\"quoted\\\" }"}, "status": {}})
        .to_string();
        for kind in ["ADDED", "MODIFIED", "DELETED"] {
            let line = format!(r#"{{"type":"{kind}","object":{object}}}"#);
            let split = split_event(&line).expect("taken apart");
            let read = serde_json::from_str::<WatchEvent<RawObject>>(&line).unwrap();
            let (a, b) = match (split, read) {
                (WatchEvent::Added(a), WatchEvent::Added(b))
                | (WatchEvent::Modified(a), WatchEvent::Modified(b))
                | (WatchEvent::Deleted(a), WatchEvent::Deleted(b)) => (a, b),
                other => panic!("{kind}: {other:?}"),
            };
            assert_eq!(a.text, b.text);
            assert_eq!(a.metadata, b.metadata);
            assert_eq!((a.api_version, a.kind), (b.api_version, b.kind));
            assert_eq!((a.malformed, b.malformed), (None, None));
        }
        // Anything else is left to serde.
        for line in [
            r#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"3"}}}"#,
            r#"{"type":"ERROR","object":{"kind":"Status","code":410}}"#,
            r#"{"object":{"metadata":{"name":"a"}},"type":"MODIFIED"}"#,
            r#"{"type": "MODIFIED", "object": {"metadata":{"name":"a"}}}"#,
            r#"{"type":"MODIFIED","object":"text"}"#,
        ] {
            assert!(split_event(line).is_none(), "{line}");
        }
        // A line cut short: its object is found malformed where its head is read.
        let cut = split_event(r#"{"type":"MODIFIED","object":{"metadata":{"name":"a"}}"#);
        let Some(WatchEvent::Modified(o)) = cut else {
            panic!("{cut:?}")
        };
        assert!(o.malformed.is_some());
        // An object that is not JSON past its head is the evaluator's to find.
        let broken = split_event(
            r#"{"type":"MODIFIED","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":[1,}}"#,
        );
        let Some(WatchEvent::Modified(o)) = broken else {
            panic!("{broken:?}")
        };
        assert!(o.malformed.is_none());
        let unparsed = Unparsed {
            text: o.text,
            origin: Arc::new(Origin {
                api_version: "v1".into(),
                kind: "Pod".into(),
                malformed: prometheus::IntCounter::new("m", "m").unwrap(),
            }),
        };
        assert!(unparsed.parse_or_log(false).is_none());
        assert_eq!(unparsed.origin.malformed.get(), 1);
    }

    #[test]
    fn nesting_is_bounded_in_kept_and_skipped_fields() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let kept = format!(
            r#"{{"type":"MODIFIED","object":{{"metadata":{{"name":"a"}},"spec":{deep}}}}}"#
        );
        // The watch reads the text past (without recursion); the evaluator's parse refuses it,
        // counted as malformed.
        let o = event(&kept).unwrap();
        let malformed = prometheus::IntCounter::new("m", "m").unwrap();
        let unparsed = Unparsed {
            text: o.text,
            origin: Arc::new(Origin {
                api_version: "v1".into(),
                kind: "Pod".into(),
                malformed: malformed.clone(),
            }),
        };
        let error = unparsed.parse().unwrap_err();
        assert!(error.to_string().contains("recursion limit"), "{error}");
        assert!(unparsed.parse_or_log(false).is_none());
        assert_eq!(malformed.get(), 1);
        // Deep metadata is refused where the watch reads it.
        let meta = format!(
            r#"{{"type":"MODIFIED","object":{{"metadata":{{"name":"a","labels":{deep}}}}}}}"#
        );
        let o = event(&meta).unwrap();
        assert!(o.malformed.unwrap().contains("recursion limit"));
        // A skipped field is read past without recursion or anything built (serde_json keeps
        // a byte per level open, bounded by the line's length).
        let skipped = format!(
            r#"{{"type":"MODIFIED","object":{{"metadata":{{"name":"a","managedFields":{deep}}}}}}}"#
        );
        let o = event(&skipped).unwrap();
        assert_eq!(value(&o), json!({"metadata": {"name": "a"}}));
    }
}

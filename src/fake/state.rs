//! The fake cluster's data: served resource types, objects, and the change history that watches
//! resume from. One global resourceVersion counter, as etcd's revision.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde_json::{Value, json};

use super::selector::Selector;

/// A resource type the server serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The lower-case plural used in URLs.
    pub plural: String,
    pub namespaced: bool,
}

impl ResourceType {
    pub fn new(group: &str, version: &str, kind: &str, plural: &str, namespaced: bool) -> Self {
        ResourceType {
            group: group.into(),
            version: version.into(),
            kind: kind.into(),
            plural: plural.into(),
            namespaced,
        }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

/// One change, as a watch reports it.
#[derive(Debug, Clone)]
pub struct Change {
    pub rv: u64,
    pub resource: usize,
    pub kind: ChangeKind,
    pub object: Arc<Value>,
}

type Key = (usize, String, String);

/// Everything the fake server knows.
#[derive(Debug, Clone)]
pub struct State {
    pub rv: u64,
    pub resources: Vec<ResourceType>,
    objects: BTreeMap<Key, Arc<Value>>,
    history: VecDeque<Change>,
    /// Watches from a resourceVersion older than this get `410 Gone`.
    pub compacted: u64,
    /// How many changes the history keeps before compacting the oldest.
    pub history_limit: usize,
    uid: u64,
}

/// Why a write was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("no resource type serves {0}")]
    UnknownType(String),
    #[error("object has no metadata.name")]
    NoName,
    #[error("{0} not found")]
    NotFound(String),
}

impl State {
    pub fn new(resources: Vec<ResourceType>) -> State {
        State {
            rv: 1000,
            resources,
            objects: BTreeMap::new(),
            history: VecDeque::new(),
            compacted: 1000,
            history_limit: 10_000,
            uid: 0,
        }
    }

    pub fn resource_index(&self, api_version: &str, kind: &str) -> Option<usize> {
        // Without building each type's apiVersion: this runs on every write.
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        self.resources
            .iter()
            .position(|r| r.kind == kind && r.version == version && r.group == group)
    }

    /// The object of a type with this namespace (empty for cluster-scoped types) and name.
    pub fn get(&self, resource: usize, namespace: &str, name: &str) -> Option<&Arc<Value>> {
        let namespace = if self.resources[resource].namespaced {
            namespace
        } else {
            ""
        };
        self.objects
            .get(&(resource, namespace.to_string(), name.to_string()))
    }

    /// Creates or replaces an object; returns the change it made.
    pub fn apply(&mut self, mut obj: Value) -> Result<Change, WriteError> {
        let api_version = obj["apiVersion"].as_str().unwrap_or_default().to_string();
        let kind = obj["kind"].as_str().unwrap_or_default().to_string();
        let resource = self
            .resource_index(&api_version, &kind)
            .ok_or_else(|| WriteError::UnknownType(format!("{api_version}/{kind}")))?;
        let name = obj["metadata"]["name"]
            .as_str()
            .ok_or(WriteError::NoName)?
            .to_string();
        let namespace = if self.resources[resource].namespaced {
            obj["metadata"]["namespace"]
                .as_str()
                .unwrap_or("default")
                .to_string()
        } else {
            String::new()
        };
        let key = (resource, namespace.clone(), name);
        self.rv += 1;
        let previous = self.objects.get(&key).cloned();
        let meta = obj["metadata"]
            .as_object_mut()
            .expect("metadata is an object: it has a name");
        if !namespace.is_empty() {
            meta.insert("namespace".into(), json!(namespace));
        }
        meta.insert("resourceVersion".into(), json!(self.rv.to_string()));
        // metadata.generation as a real server keeps it: one given is kept (tests and benches
        // that set it), else 1 on create and one more each time `spec` changes.
        if meta.get("generation").and_then(Value::as_i64).is_none() {
            let generation = match &previous {
                Some(p) => {
                    let was = p["metadata"]["generation"].as_i64().unwrap_or(1);
                    if p.get("spec") == obj.get("spec") {
                        was
                    } else {
                        was + 1
                    }
                }
                None => 1,
            };
            obj["metadata"]["generation"] = json!(generation);
        }
        let meta = obj["metadata"]
            .as_object_mut()
            .expect("metadata is an object: it has a name");
        match &previous {
            Some(p) => {
                for k in ["uid", "creationTimestamp"] {
                    if let Some(v) = p["metadata"].get(k) {
                        meta.insert(k.into(), v.clone());
                    }
                }
            }
            None => {
                self.uid += 1;
                meta.entry("uid")
                    .or_insert_with(|| json!(format!("00000000-0000-4000-8000-{:012}", self.uid)));
                meta.entry("creationTimestamp").or_insert_with(|| {
                    json!(
                        jiff::Timestamp::now()
                            .round(jiff::Unit::Second)
                            .unwrap()
                            .to_string()
                    )
                });
            }
        }
        let object = Arc::new(obj);
        self.objects.insert(key, Arc::clone(&object));
        let kind = if previous.is_some() {
            ChangeKind::Modified
        } else {
            ChangeKind::Added
        };
        Ok(self.record(resource, kind, object))
    }

    /// Deletes an object; returns the change it made.
    pub fn delete(
        &mut self,
        api_version: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<Change, WriteError> {
        let resource = self
            .resource_index(api_version, kind)
            .ok_or_else(|| WriteError::UnknownType(format!("{api_version}/{kind}")))?;
        let namespace = if self.resources[resource].namespaced {
            namespace
        } else {
            ""
        };
        let key = (resource, namespace.to_string(), name.to_string());
        let gone = self
            .objects
            .remove(&key)
            .ok_or_else(|| WriteError::NotFound(format!("{kind} {namespace}/{name}")))?;
        self.rv += 1;
        let mut last = (*gone).clone();
        last["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        Ok(self.record(resource, ChangeKind::Deleted, Arc::new(last)))
    }

    fn record(&mut self, resource: usize, kind: ChangeKind, object: Arc<Value>) -> Change {
        let change = Change {
            rv: self.rv,
            resource,
            kind,
            object,
        };
        self.history.push_back(change.clone());
        while self.history.len() > self.history_limit {
            if let Some(old) = self.history.pop_front() {
                self.compacted = old.rv;
            }
        }
        change
    }

    /// Forgets all history: every resourceVersion handed out so far is too old to watch from.
    pub fn compact(&mut self) {
        self.history.clear();
        // A list from now on hands out a version that can be watched from (as a real server's
        // does), not one already too old: clients would relist forever.
        self.rv += 1;
        self.compacted = self.rv;
    }

    /// Objects of a type matching `selector`, in key order, optionally in one namespace, with
    /// their `namespace/name` keys (continue tokens resume after one).
    pub fn list<'a>(
        &'a self,
        resource: usize,
        namespace: Option<&'a str>,
        selector: &'a Selector,
    ) -> impl Iterator<Item = (String, &'a Arc<Value>)> + 'a {
        self.objects
            .range((resource, String::new(), String::new())..)
            .take_while(move |((r, ..), _)| *r == resource)
            .filter(move |((_, ns, _), _)| namespace.is_none_or(|n| n == ns))
            .filter(move |(_, o)| selector.matches(o))
            .map(|((_, ns, name), o)| (format!("{ns}/{name}"), o))
    }

    /// Objects of a type matching `selector`, in key order, optionally in one namespace,
    /// starting after the key `after` (a continue token's `namespace/name`) if given. Starts at
    /// its place in the map instead of walking the type's objects from the first.
    pub fn list_after<'a>(
        &'a self,
        resource: usize,
        namespace: Option<&'a str>,
        after: Option<&str>,
        selector: &'a Selector,
    ) -> impl Iterator<Item = (String, &'a Arc<Value>)> + 'a {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let start = match after.map(|a| a.split_once('/').unwrap_or(("", a))) {
            Some((ns, name)) => Excluded((resource, ns.to_string(), name.to_string())),
            None => Included((
                resource,
                namespace.unwrap_or_default().to_string(),
                String::new(),
            )),
        };
        self.objects
            .range((start, Unbounded))
            .take_while(move |((r, ns, _), _)| {
                *r == resource && namespace.is_none_or(|n| n >= ns.as_str())
            })
            .filter(move |((_, ns, _), _)| namespace.is_none_or(|n| n == ns))
            .filter(move |(_, o)| selector.matches(o))
            .map(|((_, ns, name), o)| (format!("{ns}/{name}"), o))
    }

    /// Changes after `rv` for a type; `None` when `rv` is older than the history. The history
    /// is in resourceVersion order: the first change after `rv` is found by bisection.
    pub fn changes_since(&self, resource: usize, rv: u64) -> Option<Vec<Change>> {
        if rv < self.compacted {
            return None;
        }
        let first = self.history.partition_point(|c| c.rv <= rv);
        Some(
            self.history
                .range(first..)
                .filter(|c| c.resource == resource)
                .cloned()
                .collect(),
        )
    }
}

//! The store: the latest object and assessment of everything herald watches, and the
//! transitions between assessments. Synchronous and lock-free itself: the agent owns it from one
//! task and readers get snapshots, so all of its logic is tested without an API server.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::Value;

use crate::health::{Assessment, Health};
use crate::object::{TypeRef, ValueExt};
use crate::relations::{Links, Node, ParentRef};

/// How long a deleted object stays visible, by default.
pub const DEFAULT_RETENTION: SignedDuration = SignedDuration::from_hours(1);
/// Transitions kept per object.
const TRANSITIONS_KEPT: usize = 20;

/// Identifies one object: group, kind, namespace, name.
#[derive(Debug, Clone, Eq, Serialize, serde::Deserialize)]
pub struct ObjectKey {
    pub group: Text,
    pub kind: Text,
    pub namespace: Text,
    pub name: Text,
}

/// A part of an [`ObjectKey`]: kept in the key itself up to 24 bytes.
pub type Text = compact_str::CompactString;

impl ObjectKey {
    pub fn of(obj: &Value) -> Option<ObjectKey> {
        let t = TypeRef::of(obj);
        let name = obj.str_at(&["metadata", "name"])?;
        Some(ObjectKey {
            group: t.group.into(),
            kind: t.kind.into(),
            namespace: obj
                .str_at(&["metadata", "namespace"])
                .unwrap_or_default()
                .into(),
            name: name.into(),
        })
    }

    pub fn new(group: &str, kind: &str, namespace: &str, name: &str) -> ObjectKey {
        ObjectKey {
            group: group.into(),
            kind: kind.into(),
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

impl PartialEq for ObjectKey {
    /// The same interned key is the same object without comparing four strings.
    fn eq(&self, other: &ObjectKey) -> bool {
        std::ptr::eq(self, other)
            || (self.name == other.name
                && self.namespace == other.namespace
                && self.kind == other.kind
                && self.group == other.group)
    }
}

impl Ord for ObjectKey {
    /// Field by field, in the order they are declared; the same interned key is equal at once
    /// (a key removed from a set of them, the common case, ends on itself).
    fn cmp(&self, other: &ObjectKey) -> std::cmp::Ordering {
        if std::ptr::eq(self, other) {
            return std::cmp::Ordering::Equal;
        }
        (&self.group, &self.kind, &self.namespace, &self.name).cmp(&(
            &other.group,
            &other.kind,
            &other.namespace,
            &other.name,
        ))
    }
}

impl PartialOrd for ObjectKey {
    fn partial_cmp(&self, other: &ObjectKey) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::hash::Hash for ObjectKey {
    /// The fields [`PartialEq`] compares (the shortcut there gives the same answer).
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.group.hash(h);
        self.kind.hash(h);
        self.namespace.hash(h);
        self.name.hash(h);
    }
}

impl fmt::Display for ObjectKey {
    /// `kustomize.toolkit.fluxcd.io/Kustomization flux-system/apps`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}", self.kind)?;
        } else {
            write!(f, "{}/{}", self.group, self.kind)?;
        }
        if self.namespace.is_empty() {
            write!(f, " {}", self.name)
        } else {
            write!(f, " {}/{}", self.namespace, self.name)
        }
    }
}

/// An interned object key: the store, its links and its transitions share one allocation.
pub type Key = Arc<ObjectKey>;

/// The store's hasher: seeded per process, and several times faster than the default on keys
/// of four short strings.
type Fast = foldhash::fast::RandomState;
type FastMap<K, V> = HashMap<K, V, Fast>;

/// A change of what herald says about an object, as herald observed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub key: Key,
    pub at: Timestamp,
    /// None when the object is new to herald.
    pub from: Option<Verdict>,
    /// None when the object was deleted.
    pub to: Option<Verdict>,
    pub message: String,
    /// Part of herald learning the cluster (its first list of the kind): nothing to announce.
    #[serde(skip)]
    pub initial: bool,
    /// The object's labels and notification annotations at the time.
    #[serde(skip)]
    pub meta: Arc<Meta>,
    /// The children its health was rolled up from, if it was.
    #[serde(skip)]
    pub children: Vec<Key>,
    /// When its health was rolled up: the first child behind it (see [`Rollup::via`]).
    #[serde(skip)]
    pub via: Option<String>,
    /// A Node leaving Healthy: the GitOps objects whose Pods run there
    /// ([`Store::affected_by_node`]).
    #[serde(skip)]
    pub affected: Option<Box<crate::placement::Affected>>,
    /// A change of the object's spec or image (`from == to`): see [`crate::changes`].
    #[serde(skip)]
    pub change: Option<Arc<crate::changes::Change>>,
}

/// The parts of an assessment whose change is a transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Verdict {
    pub health: Health,
    pub ready: bool,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suspended: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync: Option<String>,
    /// The health is the children's, not the object's own.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_children: bool,
}

impl Verdict {
    /// What a one-line summary says after the health: the status, `(HealthCheckFailed)`; or,
    /// when the health is the children's, the child behind it first and the object's own word
    /// after, so that a status such as `ReconciliationSucceeded` is not read as the reason for
    /// `unhealthy`: `via apps/Deployment apps/web: Pod apps/web-1: back-off … (own: ready,
    /// ReconciliationSucceeded)`. `via` is [`Rollup::via`].
    pub fn explained(&self, via: Option<&str>) -> String {
        if !self.from_children {
            return format!("({})", self.status);
        }
        format!(
            "via {} (own: {}, {})",
            via.unwrap_or("its children"),
            if self.ready { "ready" } else { "not ready" },
            self.status
        )
    }
}

/// One version of an object as the store takes it: what herald concluded, not the object.
#[derive(Debug)]
pub struct Observed {
    pub key: ObjectKey,
    pub resource_version: String,
    pub links: Links,
    pub meta: Meta,
    /// The object's own assessment.
    pub assessment: Assessment,
    /// Part of the first list of its kind.
    pub initial: bool,
    /// What the compatibility metrics need (Flux objects and Argo CD Applications).
    pub compat: Option<crate::metrics::Compat>,
    /// The object, when its spec changes are told: read (under the store's lock) only when its
    /// `metadata.generation` moved.
    pub spec: Option<Arc<Value>>,
    /// A Pod's containers: name, declared image, digest running ([`crate::changes::pod_images`]).
    pub images: Vec<(String, String, String)>,
}

/// What routing and subscriptions read of an object besides its assessment. The store keeps
/// one copy of each distinct `Meta` (the Pods of one ReplicaSet, the objects of one release
/// carry the same labels), shared by the objects that carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Meta {
    pub labels: BTreeMap<String, String>,
    /// Only the notification annotations (`notifications.argoproj.io/…`, `herald.io/…`).
    pub annotations: BTreeMap<String, String>,
    /// The Git (or other) repository the object is, or applies from: a Flux GitRepository's
    /// `spec.url`, an Argo CD Application's `repoURL`.
    pub repo: Option<Box<str>>,
    /// The Flux source it applies from (a Kustomization's `sourceRef`, a HelmRelease's chart
    /// source): its repository is that object's [`Meta::repo`].
    pub source: Option<Box<ObjectKey>>,
    /// The revision a Flux Kustomization or HelmRelease last tried to apply, when it is not the
    /// one applied (a new commit that failed to build or apply).
    pub attempted: Option<Box<str>>,
}

impl Meta {
    pub fn of(obj: &Value) -> Meta {
        let strings = |path: &[&str], keep: &dyn Fn(&str) -> bool| -> BTreeMap<String, String> {
            obj.at(path)
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .filter(|(k, _)| keep(k))
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect()
                })
                .unwrap_or_default()
        };
        let group = obj
            .str_at(&["apiVersion"])
            .and_then(|a| a.rsplit_once('/'))
            .map_or("", |(g, _)| g);
        let kind = obj.str_at(&["kind"]).unwrap_or_default();
        let text = |path: &[&str]| {
            obj.str_at(path)
                .filter(|s| !s.is_empty())
                .map(|s| s.to_string().into_boxed_str())
        };
        let repo = match (group, kind) {
            ("source.toolkit.fluxcd.io", "GitRepository") => text(&["spec", "url"]),
            ("argoproj.io", "Application") => text(&["spec", "source", "repoURL"]).or_else(|| {
                obj.at(&["spec", "sources"])
                    .and_then(Value::as_array)
                    .and_then(|s| s.first())
                    .and_then(|s| s.str_at(&["repoURL"]))
                    .filter(|s| !s.is_empty())
                    .map(|s| s.to_string().into_boxed_str())
            }),
            _ => None,
        };
        let source_ref = match (group, kind) {
            ("kustomize.toolkit.fluxcd.io", "Kustomization") => obj.at(&["spec", "sourceRef"]),
            ("helm.toolkit.fluxcd.io", "HelmRelease") => obj
                .at(&["spec", "chart", "spec", "sourceRef"])
                .or_else(|| obj.at(&["spec", "chartRef"])),
            _ => None,
        };
        let source = source_ref.and_then(|r| {
            let kind = r.str_at(&["kind"])?;
            let name = r.str_at(&["name"])?;
            let namespace = r
                .str_at(&["namespace"])
                .or_else(|| obj.str_at(&["metadata", "namespace"]))
                .unwrap_or_default();
            let group = r
                .str_at(&["apiVersion"])
                .and_then(|a| a.rsplit_once('/'))
                .map_or("source.toolkit.fluxcd.io", |(g, _)| g);
            Some(Box::new(ObjectKey::new(group, kind, namespace, name)))
        });
        let attempted = match (group, kind) {
            ("kustomize.toolkit.fluxcd.io", "Kustomization")
            | ("helm.toolkit.fluxcd.io", "HelmRelease") => {
                text(&["status", "lastAttemptedRevision"])
                    .filter(|a| obj.str_at(&["status", "lastAppliedRevision"]) != Some(&**a))
            }
            _ => None,
        };
        Meta {
            labels: strings(&["metadata", "labels"], &|_| true),
            annotations: strings(&["metadata", "annotations"], &|k| {
                k.starts_with("notifications.argoproj.io/") || k.starts_with("herald.io/")
            }),
            repo,
            source,
            attempted,
        }
    }
}

/// Children made the object's health worse than its own check says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rollup {
    pub health: Health,
    /// Names up to three of `children`.
    pub message: String,
    /// The first child of `message` alone, with `(+N more)`: what a one-line summary names.
    pub via: String,
    /// The direct children at that health, the first [`ROLLUP_CHILDREN`] in key order.
    pub children: Vec<Key>,
    /// How many more children are at that health.
    pub more: usize,
}

/// What the store holds for one object: no copy of the object itself, only what herald
/// concluded from it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub resource_version: String,
    /// The object's own assessment, by its check alone.
    pub own: Assessment,
    /// Set when the object's children are worse off than the object itself.
    pub rollup: Option<Rollup>,
    /// When health, ready or status last changed.
    pub since: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// Its recent transitions.
    pub history: History,
    /// Labels and notification annotations.
    pub meta: Arc<Meta>,
    /// What the compatibility metrics need of the object.
    pub compat: Option<crate::metrics::Compat>,
    /// What the object declared: its children and parents, interned.
    children: Vec<Key>,
    parents: Vec<Node>,
    /// Its live children (declared by either side) whose health as passed up to this object is
    /// not Healthy, by that health, in key order: the roll-up kept current as children change,
    /// so a child's update costs the same however many siblings it has.
    bad: BTreeMap<Health, BTreeSet<Key>>,
    /// Up to [`MAX_CULPRITS`] objects whose own health is the health this one shows, so that a
    /// loop of relationships cannot keep an object's health bad after the cause is gone.
    culprits: Vec<Key>,
    /// What herald keeps of its spec, to tell what a new generation changed.
    pub spec: Option<Box<crate::changes::SpecPrint>>,
    /// On a workload (or a Pod without one): the image digests its Pods ran, per container.
    pub images: Option<Box<Vec<crate::changes::ImageSeen>>>,
}

const MAX_CULPRITS: usize = 4;
/// Children at the worst health looked at for culprits, at most.
const CULPRIT_SCAN: usize = 64;
/// Children a roll-up lists (and a transition carries) at most; the rest are counted.
pub const ROLLUP_CHILDREN: usize = 100;
/// How far down the children [`Store::warnings_under`] looks, and at how many objects at most.
pub const WARNINGS_DEPTH: usize = 4;
pub const WARNINGS_VISITED: usize = 512;
/// How far a change travels up the relationships, and how many objects one change may touch.
const MAX_DEPTH: usize = 16;
const MAX_EVALUATIONS: usize = 10_000;
/// Children a roll-up message names.
const NAMED_CHILDREN: usize = 3;
const CHILD_MESSAGE_CHARS: usize = 160;

impl Entry {
    /// The health herald reports: its own, or its children's when worse.
    pub fn health(&self) -> Health {
        self.rollup.as_ref().map_or(self.own.health, |r| r.health)
    }

    /// The assessment herald reports: health and message rolled up from the children when they
    /// are worse; status and ready stay the object's own.
    pub fn assessment(&self) -> Assessment {
        let mut a = self.own.clone();
        if let Some(r) = &self.rollup {
            a.health = r.health;
            a.message.clone_from(&r.message);
        }
        a
    }

    pub fn message(&self) -> &str {
        self.rollup
            .as_ref()
            .map_or(self.own.message.as_str(), |r| r.message.as_str())
    }

    pub fn verdict(&self) -> Verdict {
        Verdict {
            health: self.health(),
            ready: self.own.ready,
            status: self.own.status.clone(),
            revision: self.own.revision.clone(),
            suspended: self.own.suspended,
            sync: self.own.sync.clone(),
            from_children: self.rollup.is_some(),
        }
    }

    /// A transition from `from` to what this entry says now.
    fn transition(
        &self,
        key: &Key,
        at: Timestamp,
        from: Option<Verdict>,
        initial: bool,
    ) -> Transition {
        Transition {
            key: Arc::clone(key),
            at,
            from,
            to: Some(self.verdict()),
            message: self.message().to_string(),
            initial,
            meta: Arc::clone(&self.meta),
            children: self
                .rollup
                .as_ref()
                .map(|r| r.children.clone())
                .unwrap_or_default(),
            via: self.rollup.as_ref().map(|r| r.via.clone()),
            affected: None,
            change: None,
        }
    }

    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none()
    }
}

/// Latest assessment per object, recently deleted ones, and the relationships between them.
#[derive(Debug)]
pub struct Store {
    /// Looked up by hash: a lookup costs the same at any size, where comparing keys field by
    /// field down a tree grew with the store.
    /// Boxed: a slot of the map is a pointer, not a whole entry, spare slots included.
    entries: FastMap<Key, Box<Entry>>,
    /// The same keys in order, for what is listed or looked up by range.
    order: BTreeSet<Key>,
    retention: SignedDuration,
    rollup: bool,
    keys: HashSet<Key, Fast>,
    /// The distinct labels and annotations objects carry, each kept once.
    metas: HashSet<Arc<Meta>, Fast>,
    /// Parent → children, with how many declarations back each link.
    down: FastMap<Node, Counted<Key>>,
    /// Child → parents.
    up: FastMap<Key, Counted<Node>>,
    /// Argo CD Applications by name (what label tracking names), deleted ones included.
    applications: FastMap<String, BTreeSet<Key>>,
    /// Kubernetes Warning Events by the object they regard, bounded.
    pub warnings: crate::warnings::Warnings,
    /// Where Pods run and what they use: outside the roll-up ([`crate::placement`]).
    pub placement: crate::placement::Placement,
    /// herald's history, kept on disk past the retention of deleted objects.
    pub history: Option<Arc<crate::history::History>>,
    /// Spec changes are tracked by these rules (None: not tracked).
    changes: Option<crate::changes::Rules>,
    /// What the spec prints hold, in bytes (`herald_changes_bytes`).
    pub changes_bytes: usize,
}

impl Store {
    /// A store that rolls children's health up into their parents.
    pub fn new(retention: SignedDuration) -> Store {
        Store {
            entries: FastMap::default(),
            order: BTreeSet::new(),
            retention,
            rollup: true,
            keys: HashSet::default(),
            metas: HashSet::default(),
            down: FastMap::default(),
            up: FastMap::default(),
            applications: FastMap::default(),
            warnings: crate::warnings::Warnings::default(),
            placement: crate::placement::Placement::default(),
            history: None,
            changes: None,
            changes_bytes: 0,
        }
    }

    /// Spec changes are told (`changed`), by these rules.
    pub fn with_changes(mut self, rules: crate::changes::Rules) -> Store {
        self.changes = Some(rules);
        self
    }

    /// Relationships are still recorded, but every object shows its own health.
    pub fn without_rollup(mut self) -> Store {
        self.rollup = false;
        self
    }

    /// The store's one copy of `meta`. Copies no object holds any more go at each prune, or
    /// sooner when they outnumber the objects (labels that change on every update).
    fn intern_meta(&mut self, meta: Meta) -> Arc<Meta> {
        if let Some(m) = self.metas.get(&meta) {
            return Arc::clone(m);
        }
        if self.metas.len() > 2 * self.entries.len() + 1024 {
            self.metas.retain(|m| Arc::strong_count(m) > 1);
        }
        let m = Arc::new(meta);
        self.metas.insert(Arc::clone(&m));
        m
    }

    fn intern(&mut self, key: ObjectKey) -> Key {
        if let Some(k) = self.keys.get(&key) {
            return Arc::clone(k);
        }
        let k = Arc::new(key);
        self.keys.insert(Arc::clone(&k));
        k
    }

    /// Records the latest version of an object with its own assessment and the relatives it
    /// names. Returns the transitions: the object's, if its verdict changed (or it is new), and
    /// those of the ancestors its change rolls up into.
    pub fn apply(&mut self, seen: Observed, now: Timestamp) -> Vec<Transition> {
        let mut out = self.apply_links(seen, now);
        for t in &mut out {
            let left_healthy = t.from.as_ref().is_some_and(|v| v.health == Health::Healthy)
                && t.to.as_ref().is_some_and(|v| v.health != Health::Healthy);
            if left_healthy && t.key.group.is_empty() && t.key.kind == "Node" {
                let affected = self.affected_by_node(&t.key.name);
                if !affected.objects.is_empty() {
                    t.affected = Some(Box::new(affected));
                }
            }
        }
        out
    }

    /// Records where a Pod runs and what it uses, a Service's selector or a claim's volume
    /// (None: forgets them). Outside the roll-up: no transition comes of it.
    pub fn place(&mut self, key: &ObjectKey, placed: Option<crate::placement::Placed>) -> bool {
        if placed.is_none() {
            return self.placement.remove(key);
        }
        let key = match self.keys.get(key) {
            Some(k) => Arc::clone(k),
            None => self.intern(key.clone()),
        };
        self.placement.update(&key, placed)
    }

    fn apply_links(&mut self, seen: Observed, now: Timestamp) -> Vec<Transition> {
        let Observed {
            key,
            resource_version,
            links,
            meta,
            assessment: own,
            initial,
            compat,
            spec,
            images,
        } = seen;
        let key = self.intern(key);
        let mut out = Vec::new();
        let old_parents = self.parents_of(&key);
        // Most updates are status changes that leave the links as they were.
        let same_links = self.entries.get(&key).is_some_and(|e| {
            e.children.len() == links.children.len()
                && e.parents.len() == links.parents.len()
                && e.children
                    .iter()
                    .zip(&links.children)
                    .all(|(a, b)| **a == *b)
                && e.parents
                    .iter()
                    .zip(&links.parents)
                    .all(|(a, b)| match (a, b) {
                        (Node::Key(a), ParentRef::Key(b)) => **a == *b,
                        (Node::ArgoApp(a), ParentRef::ArgoApp(b)) => a == b,
                        _ => false,
                    })
        });
        let before = self
            .entries
            .get(&key)
            .filter(|e| e.is_live())
            .map(|e| e.verdict());
        if !same_links {
            let children: Vec<Key> = links.children.into_iter().map(|c| self.intern(c)).collect();
            let parents: Vec<Node> = links
                .parents
                .into_iter()
                .map(|p| match p {
                    ParentRef::Key(k) => Node::Key(self.intern(k)),
                    ParentRef::ArgoApp(name) => Node::ArgoApp(name),
                })
                .collect();
            if let Some(e) = self.entries.get_mut(&key) {
                let old_children = std::mem::take(&mut e.children);
                let old_parents = std::mem::take(&mut e.parents);
                self.unlink(&key, &old_children, &old_parents);
            }
            self.link(&key, &children, &parents);
            if let Some(e) = self.entries.get_mut(&key) {
                e.children = children;
                e.parents = parents;
            } else {
                if is_application(&key) {
                    self.applications
                        .entry(key.name.to_string())
                        .or_default()
                        .insert(Arc::clone(&key));
                }
                self.order.insert(Arc::clone(&key));
                self.entries.insert(
                    Arc::clone(&key),
                    Box::new(Entry {
                        resource_version: String::new(),
                        own: own.clone(),
                        rollup: None,
                        since: now,
                        deleted_at: None,
                        history: History::default(),
                        meta: Arc::default(),
                        compat: None,
                        children,
                        parents,
                        bad: BTreeMap::new(),
                        culprits: Vec::new(),
                        spec: None,
                        images: None,
                    }),
                );
            }
            // Its own children changed (or it is new): their healths are gathered again.
            self.gather(&key);
        }
        let meta = match self.entries.get(&key) {
            Some(e) if *e.meta == meta => None,
            _ => Some(self.intern_meta(meta)),
        };
        let e = self.entries.get_mut(&key).expect("inserted above");
        e.resource_version = resource_version;
        e.compat = compat;
        // Parents read the child's own assessment; if it did not change, only a changed
        // roll-up below needs to travel up.
        let own_changed = e.own != own;
        e.own = own;
        if let Some(meta) = meta {
            e.meta = meta;
        }
        if before.is_none() {
            // New, or back after a deletion (its history stays).
            e.since = now;
            e.deleted_at = None;
            e.rollup = None;
            e.culprits.clear();
        }
        let spec_diff = match (&self.changes, spec) {
            (Some(rules), Some(obj)) => {
                let generation = obj.at(&["metadata", "generation"]).and_then(Value::as_i64);
                let moved = e
                    .spec
                    .as_ref()
                    .is_none_or(|p| generation.is_none() || p.generation != generation);
                if moved {
                    let print = Box::new(crate::changes::SpecPrint::of(
                        &key.group,
                        &key.kind,
                        generation,
                        obj.get("spec").unwrap_or(&Value::Null),
                        rules,
                    ));
                    let told = before.is_some() && !initial;
                    let diff = e
                        .spec
                        .as_ref()
                        .filter(|_| told)
                        .map(|old| print.diff(old))
                        .filter(|d| !d.paths.is_empty() || d.more > 0);
                    let was = e.spec.as_ref().map_or(0, |p| p.heap_bytes());
                    self.changes_bytes = self.changes_bytes - was + print.heap_bytes();
                    e.spec = Some(print);
                    diff
                } else {
                    None
                }
            }
            _ => None,
        };
        let fresh = before.is_none() || own_changed || !same_links;
        let settle = self.reevaluate(&key, before, fresh, initial, now, &mut out);
        if let Some(diff) = spec_diff {
            let e = self.entries.get(&key).expect("applied above");
            let v = e.verdict();
            let mut t = e.transition(&key, now, Some(v), false);
            let change = crate::changes::Change::Spec(diff);
            t.message = change.summary();
            t.change = Some(Arc::new(change));
            out.push(t);
        }
        if !images.is_empty() {
            self.images_seen(&key, &images, initial, now, &mut out);
        }
        if !settle {
            return out;
        }
        let mut starts: Vec<Key> = self.parents_of(&key);
        let dropped: Vec<Key> = old_parents
            .into_iter()
            .filter(|p| !starts.contains(p))
            .collect();
        for p in &dropped {
            self.refresh(p, &key);
        }
        starts.extend(dropped);
        self.settle(starts, initial, now, &mut out);
        out
    }

    /// The workload a Pod belongs to: its Deployment, StatefulSet, DaemonSet, Job (its CronJob
    /// if it has one) or Rollout, at most two owners up; else the Pod itself.
    fn workload_of(&self, pod: &Key) -> Key {
        const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "DaemonSet", "Job", "Rollout"];
        let mut level = vec![Arc::clone(pod)];
        for _ in 0..2 {
            let mut next = Vec::new();
            for k in &level {
                for p in self.parents_of(k) {
                    if WORKLOADS.contains(&p.kind.as_str()) {
                        if p.kind == "Job"
                            && let Some(cron) = self
                                .parents_of(&p)
                                .into_iter()
                                .find(|c| c.kind == "CronJob")
                        {
                            return cron;
                        }
                        return p;
                    }
                    // A ReplicaSet not seen yet (the Pods' list may come first): its
                    // Deployment or Rollout is named by its name less the template hash.
                    if p.kind == "ReplicaSet"
                        && !self.up.contains_key(&p)
                        && let Some((owner, _)) = p.name.rsplit_once('-')
                    {
                        for (group, kind) in [("apps", "Deployment"), ("argoproj.io", "Rollout")] {
                            let k = ObjectKey::new(group, kind, &p.namespace, owner);
                            if let Some((k, _)) = self.entries.get_key_value(&k) {
                                return Arc::clone(k);
                            }
                        }
                    }
                    next.push(p);
                }
            }
            level = next;
        }
        Arc::clone(pod)
    }

    /// The image records its Pods kept on themselves, two levels down, at most 64 objects.
    fn pod_records_under(&self, workload: &Key) -> Vec<crate::changes::ImageSeen> {
        let mut out = Vec::new();
        let mut level = vec![Arc::clone(workload)];
        let mut looked = 0;
        for _ in 0..2 {
            let mut next = Vec::new();
            for k in &level {
                for c in self.children_of(k) {
                    looked += 1;
                    if looked > 64 {
                        return out;
                    }
                    if c.kind == "Pod"
                        && let Some(s) = self.entries.get(&c).and_then(|e| e.images.as_ref())
                    {
                        out.extend(s.iter().cloned());
                    }
                    next.push(c);
                }
            }
            level = next;
        }
        out
    }

    /// A Pod's report of its images, kept on its workload: a new digest under the same tag is
    /// an `image-changed` on the workload and on its nearest GitOps ancestors.
    fn images_seen(
        &mut self,
        pod: &Key,
        images: &[(String, String, String)],
        initial: bool,
        now: Timestamp,
        out: &mut Vec<Transition>,
    ) {
        let mut workload = self.workload_of(pod);
        if !self.entries.contains_key(&workload) {
            // Its owner is named but not listed yet: the Pod keeps its own record meanwhile.
            workload = Arc::clone(pod);
        }
        // A workload that has no record of a container yet takes what its Pods kept while it
        // was unknown (a Pod listed before its owners keeps its own record).
        let missing = workload != *pod
            && self.entries.get(&workload).is_some_and(|e| {
                images.iter().any(|(c, ..)| {
                    e.images
                        .as_ref()
                        .is_none_or(|s| !s.iter().any(|x| *x.container == **c))
                })
            });
        let seeds = if missing {
            self.pod_records_under(&workload)
        } else {
            Vec::new()
        };
        let Some(e) = self.entries.get_mut(&workload) else {
            return;
        };
        let quiet = initial || !e.is_live();
        let seen = e.images.get_or_insert_with(Box::default);
        for s in seeds {
            if !seen.iter().any(|x| x.container == s.container) {
                seen.push(s);
            }
        }
        let changed = crate::changes::record_images(seen, images, quiet);
        if changed.is_empty() {
            return;
        }
        // The nearest GitOps objects above the workload.
        let mut ancestors: Vec<Key> = Vec::new();
        let mut level = vec![Arc::clone(&workload)];
        let mut visited = HashSet::new();
        for _ in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for k in &level {
                for p in self.parents_of(k) {
                    if !visited.insert(Arc::clone(&p)) {
                        continue;
                    }
                    if crate::agent::is_gitops_kind(&p.group, &p.kind) {
                        ancestors.push(p);
                    } else {
                        next.push(p);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        for (container, image, old_digest, new_digest) in changed {
            let change = Arc::new(crate::changes::Change::Image(crate::changes::ImageChange {
                workload: (*workload).clone(),
                container,
                image,
                old_digest,
                new_digest,
            }));
            for k in std::iter::once(&workload).chain(&ancestors) {
                let Some(e) = self.entries.get(k).filter(|e| e.is_live()) else {
                    continue;
                };
                let mut t = e.transition(k, now, Some(e.verdict()), false);
                t.message = change.summary();
                t.change = Some(Arc::clone(&change));
                out.push(t);
            }
        }
    }

    /// Marks an object deleted; it stays visible for the retention window. Its parents no longer
    /// count it.
    pub fn delete(&mut self, key: &ObjectKey, now: Timestamp) -> Vec<Transition> {
        let Some((k, e)) = self.entries.get_key_value(key) else {
            return Vec::new();
        };
        if !e.is_live() {
            return Vec::new();
        }
        let k = Arc::clone(k);
        let e = self.entries.get_mut(key).expect("present");
        let t = Transition {
            key: Arc::clone(&k),
            at: now,
            from: Some(e.verdict()),
            to: None,
            message: "deleted".into(),
            initial: false,
            meta: Arc::clone(&e.meta),
            children: Vec::new(),
            via: None,
            affected: None,
            change: None,
        };
        e.deleted_at = Some(now);
        e.since = now;
        e.history.push(&t);
        self.placement.remove(&k);
        let mut out = vec![t];
        let parents = self.parents_of(&k);
        for p in &parents {
            self.refresh(p, &k);
        }
        self.settle(parents, false, now, &mut out);
        out
    }

    /// After a relist of one kind: everything of that kind (in scope) not listed was deleted
    /// while herald was not watching.
    pub fn reconcile(
        &mut self,
        group: &str,
        kind: &str,
        listed: &BTreeSet<ObjectKey>,
        in_scope: impl Fn(&ObjectKey) -> bool,
        now: Timestamp,
    ) -> Vec<Transition> {
        let from = ObjectKey::new(group, kind, "", "");
        let gone: Vec<Key> = self
            .order
            .range::<ObjectKey, _>(&from..)
            .take_while(|k| k.group == group && k.kind == kind)
            .filter(|k| {
                self.entries.get(*k).is_some_and(|e| e.is_live())
                    && in_scope(k)
                    && !listed.contains(k.as_ref())
            })
            .cloned()
            .collect();
        gone.iter().flat_map(|k| self.delete(k, now)).collect()
    }

    /// Forgets deleted objects older than the retention window, and keys nothing refers to.
    pub fn prune(&mut self, now: Timestamp) {
        let retention = self.retention;
        let expired: Vec<Key> = self
            .entries
            .iter()
            .filter(|(_, e)| {
                e.deleted_at
                    .is_some_and(|d| now.duration_since(d) >= retention)
            })
            .map(|(k, _)| Arc::clone(k))
            .collect();
        for k in expired {
            if let Some(e) = self.entries.remove(&k) {
                self.order.remove(&k);
                if is_application(&k)
                    && let Some(set) = self.applications.get_mut(k.name.as_str())
                {
                    set.remove(&k);
                    if set.is_empty() {
                        self.applications.remove(k.name.as_str());
                    }
                }
                self.unlink(&k, &e.children, &e.parents);
                self.changes_bytes -= e.spec.as_ref().map_or(0, |p| p.heap_bytes());
            }
        }
        self.keys.retain(|k| Arc::strong_count(k) > 1);
        self.metas.retain(|m| Arc::strong_count(m) > 1);
        self.warnings.prune(now);
        self.placement.prune();
    }

    /// A live object as a transition from nothing to what it is now, as if herald had just
    /// seen it (a new leader compares that with what the last one told).
    pub fn as_new(&self, key: &ObjectKey, now: Timestamp, initial: bool) -> Option<Transition> {
        let (key, e) = self.entries.get_key_value(key)?;
        if !e.is_live() {
            return None;
        }
        Some(e.transition(key, now, None, initial))
    }

    pub fn get(&self, key: &ObjectKey) -> Option<&Entry> {
        self.entries.get(key).map(|e| &**e)
    }

    /// Live (not deleted) objects.
    pub fn live(&self) -> impl Iterator<Item = (&Key, &Entry)> {
        self.order
            .iter()
            .filter_map(|k| self.entries.get_key_value(k).map(|(k, e)| (k, &**e)))
            .filter(|(_, e)| e.is_live())
    }

    /// Live objects after `after` (from the first for None), in the store's order: a long list
    /// read a part at a time, each part under its own taking of the lock.
    pub fn live_after(&self, after: Option<&ObjectKey>) -> impl Iterator<Item = (&Key, &Entry)> {
        use std::ops::Bound;
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        self.order
            .range::<ObjectKey, _>((from, Bound::Unbounded))
            .filter_map(|k| self.entries.get_key_value(k).map(|(k, e)| (k, &**e)))
            .filter(|(_, e)| e.is_live())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The objects `key` applied or owns, as either side declared it, watched or not.
    pub fn children(&self, key: &ObjectKey) -> Vec<Key> {
        self.children_of(&Arc::new(key.clone()))
    }

    /// The Warning Events of `key` and of its descendants down to [`WARNINGS_DEPTH`] levels
    /// (a Kustomization, its Deployment, the ReplicaSet, the Pod), newest first, at most
    /// `limit`. At most [`WARNINGS_VISITED`] objects are looked at, nearest first.
    pub fn warnings_under(&self, key: &ObjectKey, limit: usize) -> Vec<crate::warnings::Warning> {
        let mut out = self.warnings.of(key);
        let mut seen: HashSet<Key> = HashSet::new();
        let root = Arc::new(key.clone());
        seen.insert(Arc::clone(&root));
        let mut level = vec![root];
        for _ in 0..WARNINGS_DEPTH {
            let mut next = Vec::new();
            for k in &level {
                for c in self.children_of(k) {
                    if seen.len() >= WARNINGS_VISITED {
                        break;
                    }
                    if seen.insert(Arc::clone(&c)) {
                        out.extend(self.warnings.of(&c));
                        next.push(c);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        crate::warnings::newest_first(&mut out);
        out.truncate(limit);
        out
    }

    /// What `key` applied or owns, and theirs, at most `depth` levels down and `max` objects.
    pub fn descendants(&self, key: &ObjectKey, depth: usize, max: usize) -> Vec<Key> {
        let mut seen: HashSet<Key> = HashSet::new();
        let root = Arc::new(key.clone());
        seen.insert(Arc::clone(&root));
        let mut out = Vec::new();
        let mut level = vec![root];
        for _ in 0..depth {
            let mut next = Vec::new();
            for k in &level {
                for c in self.children_of(k) {
                    if out.len() >= max {
                        return out;
                    }
                    if seen.insert(Arc::clone(&c)) {
                        out.push(Arc::clone(&c));
                        next.push(c);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        out
    }

    /// The objects that applied or own `key`.
    pub fn parents(&self, key: &ObjectKey) -> Vec<Key> {
        self.parents_of(&Arc::new(key.clone()))
    }

    fn children_of(&self, key: &Key) -> Vec<Key> {
        let mut out: Vec<Key> = Vec::new();
        let mut add = |node: &Node| {
            if let Some(children) = self.down.get(node) {
                out.extend(children.keys().filter(|c| *c != key).cloned());
            }
        };
        add(&Node::Key(Arc::clone(key)));
        if key.group == "argoproj.io" && key.kind == "Application" {
            add(&Node::ArgoApp(key.name.to_string()));
        }
        out.sort();
        out.dedup();
        out
    }

    fn parents_of(&self, key: &Key) -> Vec<Key> {
        let Some(nodes) = self.up.get(key) else {
            return Vec::new();
        };
        let mut out: Vec<Key> = Vec::new();
        for node in nodes.keys() {
            match node {
                Node::Key(k) => out.push(Arc::clone(k)),
                Node::ArgoApp(name) => out.extend(self.applications_named(name)),
            }
        }
        out.retain(|p| p != key);
        out.sort();
        out.dedup();
        out
    }

    fn applications_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = Key> + 'a {
        self.applications
            .get(name)
            .into_iter()
            .flatten()
            .map(Arc::clone)
    }

    fn link(&mut self, key: &Key, children: &[Key], parents: &[Node]) {
        for (parent, child) in edges(key, children, parents) {
            self.down
                .entry(parent.clone())
                .or_default()
                .add(Arc::clone(&child));
            self.up.entry(child).or_default().add(parent);
        }
    }

    fn unlink(&mut self, key: &Key, children: &[Key], parents: &[Node]) {
        for (parent, child) in edges(key, children, parents) {
            decrement(&mut self.down, &parent, &child);
            decrement(&mut self.up, &child, &parent);
        }
    }

    /// Walks up from `starts`, re-evaluating each ancestor; a path stops where nothing changed.
    fn settle(
        &mut self,
        starts: Vec<Key>,
        initial: bool,
        now: Timestamp,
        out: &mut Vec<Transition>,
    ) {
        let mut queue: VecDeque<(Key, usize)> = starts.into_iter().map(|k| (k, 1)).collect();
        let mut evaluations = 0;
        while let Some((key, depth)) = queue.pop_front() {
            evaluations += 1;
            if evaluations > MAX_EVALUATIONS {
                tracing::warn!(%key, "relationships too large to roll up at once; stopped");
                return;
            }
            let before = self
                .entries
                .get(&key)
                .filter(|e| e.is_live())
                .map(|e| e.verdict());
            if before.is_none() {
                continue;
            }
            if self.reevaluate(&key, before, false, initial, now, out) && depth < MAX_DEPTH {
                queue.extend(self.parents_of(&key).into_iter().map(|p| (p, depth + 1)));
            }
        }
    }

    /// Recomputes the roll-up of a live object; records a transition when its verdict differs
    /// from `before` (None: the object is new). True when anything its parents read changed.
    fn reevaluate(
        &mut self,
        key: &Key,
        before: Option<Verdict>,
        fresh: bool,
        initial: bool,
        now: Timestamp,
        out: &mut Vec<Transition>,
    ) -> bool {
        let (rollup, culprits) = self.evaluate(key);
        let Some(e) = self.entries.get_mut(key) else {
            return false;
        };
        let changed = fresh || e.rollup != rollup || e.culprits != culprits;
        e.rollup = rollup;
        e.culprits = culprits;
        let to = e.verdict();
        if before.as_ref() != Some(&to) {
            let t = e.transition(key, now, before, initial);
            e.since = now;
            e.history.push(&t);
            out.push(t);
        }
        if changed {
            for p in self.parents_of(key) {
                self.refresh(&p, key);
            }
        }
        changed
    }

    /// Is `child` one of `parent`'s children, as either of them declared it?
    fn is_linked(&self, parent: &Key, child: &Key) -> bool {
        if parent == child {
            return false;
        }
        let has = |node: &Node| self.down.get(node).is_some_and(|m| m.contains(child));
        has(&Node::Key(Arc::clone(parent)))
            || (is_application(parent) && has(&Node::ArgoApp(parent.name.to_string())))
    }

    /// The health `child` passes up to `parent`: none when it is not a live child of it. A
    /// child that is bad only because of `parent` itself (a loop) passes its own health alone.
    fn passed(&self, parent: &Key, child: &Key) -> Option<Health> {
        let ce = self.entries.get(child).filter(|ce| ce.is_live())?;
        if !self.is_linked(parent, child) {
            return None;
        }
        let through_me = !ce.culprits.is_empty() && ce.culprits.iter().all(|x| x == parent);
        Some(if through_me {
            ce.own.health
        } else {
            ce.health()
        })
    }

    /// Brings `parent`'s record of what `child` passes up to date.
    fn refresh(&mut self, parent: &Key, child: &Key) {
        if !self.rollup || !self.entries.contains_key(parent) {
            return;
        }
        let health = self.passed(parent, child).filter(|h| *h != Health::Healthy);
        let e = self.entries.get_mut(parent).expect("looked up above");
        let mut was = None;
        for (h, set) in &mut e.bad {
            if set.remove(child) {
                was = Some(*h);
                break;
            }
        }
        if let Some(h) = was
            && e.bad.get(&h).is_some_and(BTreeSet::is_empty)
        {
            e.bad.remove(&h);
        }
        if let Some(h) = health {
            e.bad.entry(h).or_default().insert(Arc::clone(child));
        }
    }

    /// Gathers what each of `key`'s children passes up to it, from scratch: when its own
    /// declared children change or it is new.
    fn gather(&mut self, key: &Key) {
        if !self.rollup || !self.entries.contains_key(key) {
            return;
        }
        let mut bad: BTreeMap<Health, BTreeSet<Key>> = BTreeMap::new();
        for c in self.children_of(key) {
            if let Some(h) = self.passed(key, &c).filter(|h| *h != Health::Healthy) {
                bad.entry(h).or_default().insert(c);
            }
        }
        self.entries.get_mut(key).expect("looked up above").bad = bad;
    }

    /// The roll-up of `key` from its live children, and the culprits behind its health.
    fn evaluate(&self, key: &Key) -> (Option<Rollup>, Vec<Key>) {
        let Some(e) = self.entries.get(key) else {
            return (None, Vec::new());
        };
        let own = e.own.health;
        if !self.rollup {
            let culprits = if own == Health::Healthy {
                Vec::new()
            } else {
                vec![Arc::clone(key)]
            };
            return (None, culprits);
        }
        // The children passing up the worst health, in key order (kept current by `refresh`).
        let worst_kids = e.bad.iter().next_back();
        let worst = worst_kids.map_or(own, |(h, _)| own.max(*h));
        if worst == Health::Healthy {
            return (None, Vec::new());
        }
        let named: Option<&BTreeSet<Key>> =
            worst_kids.filter(|(h, _)| **h == worst).map(|(_, set)| set);
        let mut culprits: Vec<Key> = Vec::new();
        if own == worst {
            culprits.push(Arc::clone(key));
        }
        for c in named.into_iter().flatten().take(CULPRIT_SCAN) {
            if culprits.len() >= MAX_CULPRITS {
                break;
            }
            let Some(ce) = self.entries.get(c) else {
                continue;
            };
            // Bad only because of `key` itself (a loop): the child is its own culprit.
            let through_me = !ce.culprits.is_empty() && ce.culprits.iter().all(|x| x == key);
            let from_child: &[Key] = if through_me {
                std::slice::from_ref(c)
            } else {
                &ce.culprits
            };
            for x in from_child {
                if culprits.len() < MAX_CULPRITS && !culprits.contains(x) {
                    culprits.push(Arc::clone(x));
                }
            }
        }
        let Some(named) = named.filter(|_| worst != own) else {
            return (None, culprits);
        };
        let quoted: Vec<String> = named
            .iter()
            .take(NAMED_CHILDREN)
            .filter_map(|c| {
                let ce = self.entries.get(c)?;
                Some(format!("{c}: {}", self.child_message(c, ce)))
            })
            .collect();
        let mut message = quoted.join("; ");
        if named.len() > NAMED_CHILDREN {
            message.push_str(&format!(" (+{} more)", named.len() - NAMED_CHILDREN));
        }
        crate::health::truncate_message(&mut message);
        let mut via = quoted.into_iter().next().unwrap_or_default();
        if named.len() > 1 {
            via.push_str(&format!(" (+{} more)", named.len() - 1));
        }
        let rollup = Rollup {
            health: worst,
            message,
            via,
            children: named.iter().take(ROLLUP_CHILDREN).cloned().collect(),
            more: named.len().saturating_sub(ROLLUP_CHILDREN),
        };
        (Some(rollup), culprits)
    }
}

impl Store {
    /// A child's message as its parent quotes it. When the child's own children are the
    /// trouble, the object at the root of it is named instead of the chain between:
    /// `Pod apps/api-7d9f8-0: back-off …`.
    fn child_message(&self, key: &Key, child: &Entry) -> String {
        if child.rollup.is_some()
            && let Some((k, e)) = child
                .culprits
                .iter()
                .find_map(|k| self.entries.get_key_value(k.as_ref()))
                .filter(|(_, e)| e.is_live() && e.rollup.is_none())
        {
            return format!("{k}: {}{}", own_message(e), self.node_note(k));
        }
        own_message(child) + &self.node_note(key)
    }

    /// For a Pod whose Node is not healthy: ` (on Node n1: NotReady)`; otherwise nothing.
    fn node_note(&self, pod: &ObjectKey) -> String {
        if !pod.group.is_empty() || pod.kind != "Pod" {
            return String::new();
        }
        let Some(node) = self.placement.pod(pod).and_then(|p| p.node.as_deref()) else {
            return String::new();
        };
        match self
            .entries
            .get(&ObjectKey::new("", "Node", "", node))
            .filter(|e| e.is_live() && e.health() != Health::Healthy)
        {
            Some(e) => format!(" (on Node {node}: {})", e.own.status),
            None => String::new(),
        }
    }

    /// The GitOps objects (Kustomizations, HelmReleases, Applications) whose Pods run on the
    /// Node `node`: from each live Pod there, up its parents breadth first to the nearest ones,
    /// counting Pods per object; most Pods first, the first [`AFFECTED_TOLD`] named and the
    /// rest counted. At most [`AFFECTED_PODS`] Pods and [`AFFECTED_VISITED`] objects are
    /// looked at.
    ///
    /// [`AFFECTED_TOLD`]: crate::placement::AFFECTED_TOLD
    /// [`AFFECTED_PODS`]: crate::placement::AFFECTED_PODS
    /// [`AFFECTED_VISITED`]: crate::placement::AFFECTED_VISITED
    pub fn affected_by_node(&self, node: &str) -> crate::placement::Affected {
        use crate::placement::{AFFECTED_PODS, AFFECTED_TOLD, AFFECTED_VISITED, Affects};
        let mut counts: HashMap<Key, u32> = HashMap::new();
        let mut budget = AFFECTED_VISITED;
        for pod in self.placement.pods_on(node).take(AFFECTED_PODS) {
            if budget == 0 {
                break;
            }
            if !self.entries.get(pod).is_some_and(|e| e.is_live()) {
                continue;
            }
            let mut seen: HashSet<Key> = HashSet::from([Arc::clone(pod)]);
            let mut level = vec![Arc::clone(pod)];
            let mut found: Vec<Key> = Vec::new();
            for _ in 0..MAX_DEPTH {
                let mut next = Vec::new();
                for k in &level {
                    for p in self.parents_of(k) {
                        if budget == 0 {
                            break;
                        }
                        budget -= 1;
                        if !seen.insert(Arc::clone(&p)) {
                            continue;
                        }
                        if crate::placement::is_deployer(&p) {
                            found.push(p);
                        } else {
                            next.push(p);
                        }
                    }
                }
                if !found.is_empty() || next.is_empty() {
                    break;
                }
                level = next;
            }
            for f in found {
                *counts.entry(f).or_default() += 1;
            }
        }
        let mut all: Vec<(Key, u32)> = counts.into_iter().collect();
        all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let more = all.len().saturating_sub(AFFECTED_TOLD) as u32;
        all.truncate(AFFECTED_TOLD);
        crate::placement::Affected {
            objects: all
                .into_iter()
                .map(|(k, pods)| Affects {
                    object: (*k).clone(),
                    pods,
                })
                .collect(),
            more,
        }
    }

    /// The live Pods of a Service's namespace that its selector selects, in key order: the
    /// first `limit`, and how many there are. At most [`SCAN_BUDGET`] Pods are looked at.
    pub fn pods_selected(&self, service: &ObjectKey, limit: usize) -> (Vec<Key>, usize) {
        let Some(selector) = self.placement.selector(service) else {
            return (Vec::new(), 0);
        };
        let mut out = Vec::new();
        let mut total = 0;
        for (k, _) in self
            .live_of_kind("Pod", &service.namespace)
            .take(SCAN_BUDGET)
        {
            if self
                .placement
                .pod(k)
                .is_some_and(|p| crate::placement::selects(selector, &p.labels))
            {
                total += 1;
                if out.len() < limit {
                    out.push(Arc::clone(k));
                }
            }
        }
        (out, total)
    }

    /// The live Services of a Pod's namespace whose selectors select it, at most `limit`.
    pub fn services_of(&self, pod: &ObjectKey, limit: usize) -> Vec<Key> {
        let Some(p) = self.placement.pod(pod) else {
            return Vec::new();
        };
        self.live_of_kind("Service", &pod.namespace)
            .take(SCAN_BUDGET)
            .filter(|(k, _)| {
                self.placement
                    .selector(k)
                    .is_some_and(|s| crate::placement::selects(s, &p.labels))
            })
            .map(|(k, _)| Arc::clone(k))
            .take(limit)
            .collect()
    }

    /// Live objects of the core group's `kind` in `namespace`, in key order.
    fn live_of_kind<'a>(
        &'a self,
        kind: &'a str,
        namespace: &'a str,
    ) -> impl Iterator<Item = (&'a Key, &'a Entry)> + 'a {
        let from = ObjectKey::new("", kind, namespace, "");
        self.order
            .range::<ObjectKey, _>(&from..)
            .take_while(move |k| k.group.is_empty() && k.kind == kind && k.namespace == namespace)
            .filter_map(|k| self.entries.get_key_value(k).map(|(k, e)| (k, &**e)))
            .filter(|(_, e)| e.is_live())
    }

    /// The live objects of a namespace by kind and health: a scan of the store, when asked.
    /// (Kind is `group/kind`, or the kind alone for the core group.)
    pub fn in_namespace(&self, namespace: &str) -> BTreeMap<String, BTreeMap<Health, usize>> {
        let mut out: BTreeMap<String, BTreeMap<Health, usize>> = BTreeMap::new();
        for (k, e) in self.live().filter(|(k, _)| k.namespace == namespace) {
            let kind = if k.group.is_empty() {
                k.kind.to_string()
            } else {
                format!("{}/{}", k.group, k.kind)
            };
            *out.entry(kind).or_default().entry(e.health()).or_default() += 1;
        }
        out
    }
}

fn is_application(key: &ObjectKey) -> bool {
    key.group == "argoproj.io" && key.kind == "Application"
}

/// Objects a query-time scan of one namespace's Pods or Services looks at, at most.
pub const SCAN_BUDGET: usize = 10_000;

/// The first line of an entry's message, shortened; its status when it has none.
fn own_message(e: &Entry) -> String {
    let m = e.message().lines().next().unwrap_or_default().trim();
    let m = if m.is_empty() {
        e.own.status.as_str()
    } else {
        m
    };
    if m.chars().count() > CHILD_MESSAGE_CHARS {
        m.chars().take(CHILD_MESSAGE_CHARS - 1).collect::<String>() + "…"
    } else {
        m.to_string()
    }
}

/// The (parent, child) edges an object declares: to its children, and from its parents.
fn edges(key: &Key, children: &[Key], parents: &[Node]) -> Vec<(Node, Key)> {
    children
        .iter()
        .map(|c| (Node::Key(Arc::clone(key)), Arc::clone(c)))
        .chain(parents.iter().map(|p| (p.clone(), Arc::clone(key))))
        .collect()
}

fn decrement<A, B>(map: &mut FastMap<A, Counted<B>>, a: &A, b: &B)
where
    A: std::hash::Hash + Eq,
    B: Ord,
{
    let Some(inner) = map.get_mut(a) else {
        return;
    };
    inner.remove(b);
    if inner.is_empty() {
        map.remove(a);
    }
}

/// A set of relatives, each with how many declarations back it: a sorted vector, since most
/// objects have one or two (a tree map's smallest node is several hundred bytes).
#[derive(Debug)]
struct Counted<K>(Vec<(K, u32)>);

impl<K> Default for Counted<K> {
    fn default() -> Self {
        Counted(Vec::new())
    }
}

impl<K: Ord> Counted<K> {
    fn add(&mut self, k: K) {
        match self.0.binary_search_by(|(x, _)| x.cmp(&k)) {
            Ok(i) => self.0[i].1 += 1,
            Err(i) => {
                // Most objects have one parent or a few children: grown one at a time, not by
                // doubling from four, which left most of each vector spare.
                if self.0.len() == self.0.capacity() && self.0.len() < 8 {
                    self.0.reserve_exact(1);
                }
                self.0.insert(i, (k, 1));
            }
        }
    }

    fn remove(&mut self, k: &K) {
        if let Ok(i) = self.0.binary_search_by(|(x, _)| x.cmp(k)) {
            self.0[i].1 -= 1;
            if self.0[i].1 == 0 {
                self.0.remove(i);
                if self.0.capacity() > 2 * self.0.len() + 4 {
                    self.0.shrink_to_fit();
                }
            }
        }
    }

    fn contains(&self, k: &K) -> bool {
        self.0.binary_search_by(|(x, _)| x.cmp(k)).is_ok()
    }

    fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An object's last [`TRANSITIONS_KEPT`] transitions, kept small: each keeps only the verdict
/// it led to (the one before is its predecessor's), the time and the message, and a verdict or
/// message already in the history is shared, not copied: an object that goes back and forth
/// between two states keeps two verdicts and two messages however often it does.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The verdict before the oldest change kept.
    before: Option<Arc<Verdict>>,
    changes: VecDeque<Change>,
}

#[derive(Debug, Clone)]
struct Change {
    at: Timestamp,
    to: Option<Arc<Verdict>>,
    message: Arc<str>,
}

/// One transition of an object's history, as the API shows it.
#[derive(Debug, Serialize)]
pub struct Past<'a> {
    pub at: Timestamp,
    pub from: Option<&'a Verdict>,
    pub to: Option<&'a Verdict>,
    pub message: &'a str,
}

impl History {
    fn push(&mut self, t: &Transition) {
        if self.changes.is_empty() {
            self.before = t.from.as_ref().map(|v| self.shared(v));
        }
        let to = t.to.as_ref().map(|v| self.shared(v));
        let message = self
            .changes
            .iter()
            .rev()
            .find(|c| *c.message == *t.message)
            .map_or_else(|| Arc::from(t.message.as_str()), |c| Arc::clone(&c.message));
        if self.changes.len() == TRANSITIONS_KEPT
            && let Some(oldest) = self.changes.pop_front()
        {
            self.before = oldest.to;
        }
        if self.changes.len() == self.changes.capacity() && self.changes.len() < 4 {
            // Most objects change rarely: room for one more, not for four.
            self.changes.reserve_exact(1);
        }
        self.changes.push_back(Change {
            at: t.at,
            to,
            message,
        });
    }

    /// The history's own copy of `v` if it holds one, else a new one.
    fn shared(&self, v: &Verdict) -> Arc<Verdict> {
        self.before
            .iter()
            .chain(self.changes.iter().filter_map(|c| c.to.as_ref()))
            .find(|known| ***known == *v)
            .map_or_else(|| Arc::new(v.clone()), Arc::clone)
    }

    pub fn len(&self) -> usize {
        self.changes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Oldest first.
    pub fn iter(&self) -> impl Iterator<Item = Past<'_>> {
        let befores = std::iter::once(self.before.as_deref())
            .chain(self.changes.iter().map(|c| c.to.as_deref()));
        self.changes.iter().zip(befores).map(|(c, from)| Past {
            at: c.at,
            from,
            to: c.to.as_deref(),
            message: &c.message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::assess;
    use serde_json::json;

    fn now(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn ks(name: &str, ready: &str, rv: &str) -> Value {
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system", "resourceVersion": rv},
            "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "R", "message": "m"}]}})
    }

    fn apply(s: &mut Store, o: Value, at: i64) -> Option<Transition> {
        let mut ts = apply_all(s, o, at);
        assert!(ts.len() <= 1, "{ts:?}");
        ts.pop()
    }

    fn apply_all(s: &mut Store, o: Value, at: i64) -> Vec<Transition> {
        let key = ObjectKey::of(&o).unwrap();
        let a = assess(&o, now(at));
        let links = Links::of(&o, &key);
        let rv = o
            .str_at(&["metadata", "resourceVersion"])
            .unwrap_or("1")
            .to_string();
        let seen = Observed {
            key,
            resource_version: rv,
            links,
            meta: Meta::of(&o),
            assessment: a,
            initial: false,
            compat: crate::metrics::Compat::of(&o),
            spec: None,
            images: Vec::new(),
        };
        s.apply(seen, now(at))
    }

    #[test]
    fn keys_order_by_group_kind_namespace_name_and_an_interned_one_equals_itself() {
        let parts = ["", "a", "a-b", "b", "ab"];
        let mut keys = Vec::new();
        for g in parts {
            for k in ["Pod", "Deployment"] {
                for ns in parts {
                    for n in parts {
                        keys.push(ObjectKey::new(g, k, ns, n));
                    }
                }
            }
        }
        for a in &keys {
            for b in &keys {
                let fields = |k: &ObjectKey| {
                    (
                        k.group.clone(),
                        k.kind.clone(),
                        k.namespace.clone(),
                        k.name.clone(),
                    )
                };
                assert_eq!(a.cmp(b), fields(a).cmp(&fields(b)), "{a} against {b}");
                assert_eq!(a.cmp(b) == std::cmp::Ordering::Equal, a == b);
            }
            let copy = a.clone();
            assert_eq!(a.cmp(&copy), std::cmp::Ordering::Equal);
        }
    }

    #[test]
    fn objects_with_the_same_labels_share_one_copy_until_none_holds_it() {
        let pod = |name: &str, app: &str| {
            json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": "shop", "labels": {"app": app, "tier": "web"}},
                "status": {"phase": "Running"}})
        };
        let key = |name: &str| ObjectKey::new("", "Pod", "shop", name);
        let mut s = Store::new(DEFAULT_RETENTION);
        apply_all(&mut s, pod("a", "web"), 0);
        apply_all(&mut s, pod("b", "web"), 0);
        apply_all(&mut s, pod("c", "api"), 0);
        let meta = |s: &Store, name: &str| Arc::clone(&s.get(&key(name)).unwrap().meta);
        assert!(Arc::ptr_eq(&meta(&s, "a"), &meta(&s, "b")));
        assert!(!Arc::ptr_eq(&meta(&s, "a"), &meta(&s, "c")));
        assert_eq!(meta(&s, "a").labels["app"], "web");
        assert_eq!(s.metas.len(), 2);
        // Relabelled, both leave the old copy; the next prune drops it.
        apply_all(&mut s, pod("a", "shop"), 1);
        apply_all(&mut s, pod("b", "shop"), 1);
        assert!(Arc::ptr_eq(&meta(&s, "a"), &meta(&s, "b")));
        assert_eq!(meta(&s, "b").labels["app"], "shop");
        s.prune(now(2));
        assert_eq!(s.metas.len(), 2);
        assert!(s.metas.iter().all(|m| m.labels["app"] != "web"));
    }

    #[test]
    fn labels_that_change_on_every_update_do_not_pile_up() {
        let mut s = Store::new(DEFAULT_RETENTION);
        for i in 0..5000 {
            apply_all(
                &mut s,
                json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": "p", "namespace": "shop", "labels": {"n": i.to_string()}}}),
                0,
            );
        }
        assert!(
            s.metas.len() <= 2 * s.entries.len() + 1025,
            "{}",
            s.metas.len()
        );
    }

    #[test]
    fn transitions_only_when_the_verdict_changes() {
        let mut s = Store::new(DEFAULT_RETENTION);
        let t = apply(&mut s, ks("apps", "Unknown", "1"), 0).unwrap();
        assert!(t.from.is_none());
        assert_eq!(t.to.as_ref().unwrap().health, Health::Unknown);
        assert!(apply(&mut s, ks("apps", "Unknown", "2"), 1).is_none());
        let t = apply(&mut s, ks("apps", "True", "3"), 2).unwrap();
        assert_eq!(t.from.unwrap().health, Health::Unknown);
        assert_eq!(t.to.unwrap().health, Health::Healthy);
        let e = s
            .get(&ObjectKey::new(
                "kustomize.toolkit.fluxcd.io",
                "Kustomization",
                "flux-system",
                "apps",
            ))
            .unwrap();
        assert_eq!(e.resource_version, "3");
        assert_eq!(e.since, now(2));
        assert_eq!(e.history.len(), 2);
    }

    #[test]
    fn deleted_objects_stay_for_the_retention_window() {
        let mut s = Store::new(SignedDuration::from_mins(60));
        apply(&mut s, ks("apps", "True", "1"), 0);
        let key = ObjectKey::new(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "apps",
        );
        let t = s.delete(&key, now(10)).pop().unwrap();
        assert!(t.to.is_none());
        assert!(s.delete(&key, now(11)).is_empty(), "deleted once");
        assert_eq!(s.live().count(), 0);
        s.prune(now(10 + 59 * 60));
        assert!(s.get(&key).is_some());
        s.prune(now(10 + 60 * 60));
        assert!(s.get(&key).is_none());
    }

    #[test]
    fn a_relist_reports_what_disappeared_meanwhile() {
        let mut s = Store::new(DEFAULT_RETENTION);
        apply(&mut s, ks("apps", "True", "1"), 0);
        apply(&mut s, ks("infra", "True", "2"), 0);
        let listed: BTreeSet<ObjectKey> = [ObjectKey::new(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "infra",
        )]
        .into();
        let gone = s.reconcile(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            &listed,
            |_| true,
            now(5),
        );
        assert_eq!(gone.len(), 1);
        assert_eq!(gone[0].key.name, "apps");
        assert_eq!(s.live().count(), 1);
    }

    #[test]
    fn a_recreated_object_keeps_its_history() {
        let mut s = Store::new(DEFAULT_RETENTION);
        apply(&mut s, ks("apps", "True", "1"), 0);
        let key = ObjectKey::new(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "apps",
        );
        s.delete(&key, now(1));
        let t = apply(&mut s, ks("apps", "True", "5"), 2).unwrap();
        assert!(t.from.is_none());
        let history: Vec<Past<'_>> = s.get(&key).unwrap().history.iter().collect();
        assert_eq!(history.len(), 3);
        // Each transition starts where the one before ended.
        assert!(history[0].from.is_none());
        assert_eq!(history[1].from, history[0].to);
        assert!(history[1].to.is_none(), "deleted");
        assert!(history[2].from.is_none() && history[2].to.is_some());
    }

    /// `apps` flips between Ready and not 25 times, one second apart; its key.
    fn flapping() -> (Store, ObjectKey) {
        let mut s = Store::new(DEFAULT_RETENTION);
        for i in 0..25 {
            let ready = if i % 2 == 0 { "True" } else { "False" };
            apply(&mut s, ks("apps", ready, &i.to_string()), i);
        }
        let key = key(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "apps",
        );
        (s, key)
    }

    #[test]
    fn a_flapping_objects_history_shares_its_two_states() {
        let (s, key) = flapping();
        let h = &s.get(&key).unwrap().history;
        let verdicts: Vec<*const Verdict> = h
            .changes
            .iter()
            .filter_map(|c| c.to.as_ref().map(Arc::as_ptr))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        assert_eq!(verdicts.len(), 2, "two states, two verdicts kept");
        let messages: HashSet<*const u8> = h.changes.iter().map(|c| c.message.as_ptr()).collect();
        assert!(messages.len() <= 2, "{} messages kept", messages.len());
    }

    #[test]
    fn the_history_keeps_the_last_transitions_each_from_where_the_one_before_ended() {
        let (s, key) = flapping();
        let history: Vec<Past<'_>> = s.get(&key).unwrap().history.iter().collect();
        assert_eq!(history.len(), TRANSITIONS_KEPT);
        assert_eq!(history[0].at, now(5));
        // The oldest kept starts from the verdict of the one dropped before it (step 4: healthy).
        assert_eq!(history[0].from.unwrap().health, Health::Healthy);
        assert_eq!(history[0].to.unwrap().health, Health::Unhealthy);
        for w in history.windows(2) {
            assert_eq!(w[1].from, w[0].to);
        }
    }

    fn key(group: &str, kind: &str, ns: &str, name: &str) -> ObjectKey {
        ObjectKey::new(group, kind, ns, name)
    }

    fn apps_ks(inventory: &[&str]) -> Value {
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded", "message": "Applied revision: main@sha1:1"}],
                       "inventory": {"entries": inventory.iter().map(|id| json!({"id": id, "v": "v1"})).collect::<Vec<_>>()}}})
    }

    fn deploy(name: &str, ready: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "apps", "generation": 1},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": ready, "availableReplicas": ready,
                       "conditions": [{"type": "Available", "status": if ready == 1 {"True"} else {"False"}, "reason": "MinimumReplicas"}]}})
    }

    fn rs(name: &str, owner: &str) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": name, "namespace": "apps", "generation": 1,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": owner, "controller": true}]},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "availableReplicas": 1}})
    }

    fn pod(name: &str, owner: &str, crashing: bool) -> Value {
        let state = if crashing {
            json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}})
        } else {
            json!({"running": {"startedAt": "2026-11-01T00:00:00Z"}})
        };
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "apps", "creationTimestamp": "2026-11-01T00:00:00Z",
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "controller": true}]},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": if crashing {"False"} else {"True"}}],
                       "containerStatuses": [{"name": "c", "ready": !crashing, "restartCount": if crashing {7} else {0}, "state": state}]}})
    }

    const KS: (&str, &str) = ("kustomize.toolkit.fluxcd.io", "Kustomization");

    #[test]
    fn a_crash_looping_pod_rolls_up_to_the_kustomization_that_flux_calls_ready() {
        let mut s = Store::new(DEFAULT_RETENTION);
        // Parent first, children later, in any order: the roll-up does not depend on it.
        apply_all(
            &mut s,
            apps_ks(&["apps_api_apps_Deployment", "apps_api__Service"]),
            0,
        );
        apply_all(&mut s, pod("api-5f-1", "api-5f", false), 0);
        apply_all(&mut s, rs("api-5f", "api"), 0);
        apply_all(&mut s, deploy("api", 1), 0);
        let ks_key = key(KS.0, KS.1, "flux-system", "apps");
        assert_eq!(s.get(&ks_key).unwrap().health(), Health::Healthy);

        let ts = apply_all(&mut s, pod("api-5f-1", "api-5f", true), 10);
        let changed: Vec<String> = ts
            .iter()
            .map(|t| format!("{} {}", t.key.kind, t.to.as_ref().unwrap().health))
            .collect();
        assert_eq!(
            changed,
            [
                "Pod unhealthy",
                "ReplicaSet unhealthy",
                "Deployment unhealthy",
                "Kustomization unhealthy"
            ],
            "one transition per ancestor, nearest first"
        );
        let e = s.get(&ks_key).unwrap();
        assert!(e.own.ready, "ready stays the Kustomization's own");
        assert_eq!(e.verdict().status, e.own.status);
        assert!(
            e.message()
                .starts_with("apps/Deployment apps/api: Pod apps/api-5f-1: back-off"),
            "{}",
            e.message()
        );
        assert_eq!(e.rollup.as_ref().unwrap().children[0].name, "api");
        // The transition names the child behind it, down to the Pod at the root.
        assert_eq!(
            ts[3].via.as_deref(),
            Some(
                "apps/Deployment apps/api: Pod apps/api-5f-1: back-off 5m0s restarting failed container"
            )
        );
        assert!(ts[0].via.is_none(), "the Pod's health is its own");

        // Walk from the Pod up to the Kustomization.
        let mut at = key("", "Pod", "apps", "api-5f-1");
        let mut path = vec![];
        while let Some(p) = s.parents(&at).first() {
            path.push(format!("{}/{}", p.kind, p.name));
            at = (**p).clone();
        }
        assert_eq!(
            path,
            ["ReplicaSet/api-5f", "Deployment/api", "Kustomization/apps"]
        );

        // The Pod recovers: everything goes back, once each.
        let ts = apply_all(&mut s, pod("api-5f-1", "api-5f", false), 20);
        assert_eq!(ts.len(), 4);
        assert!(
            ts.iter()
                .all(|t| t.to.as_ref().unwrap().health == Health::Healthy)
        );
        assert!(s.get(&ks_key).unwrap().rollup.is_none());
    }

    #[test]
    fn the_message_names_three_children_and_counts_the_rest() {
        let mut s = Store::new(DEFAULT_RETENTION);
        let names = ["a", "b", "c", "d", "e"];
        let inventory: Vec<String> = names
            .iter()
            .map(|n| format!("apps_{n}_apps_Deployment"))
            .collect();
        apply_all(
            &mut s,
            apps_ks(&inventory.iter().map(String::as_str).collect::<Vec<_>>()),
            0,
        );
        for n in names {
            apply_all(&mut s, deploy(n, 0), 0);
        }
        let e = s.get(&key(KS.0, KS.1, "flux-system", "apps")).unwrap();
        let m = e.message();
        assert!(m.starts_with("apps/Deployment apps/a: "), "{m}");
        assert!(m.contains("; apps/Deployment apps/c: "), "{m}");
        assert!(!m.contains("apps/d"), "{m}");
        assert!(m.ends_with(" (+2 more)"), "{m}");
        assert_eq!(e.rollup.as_ref().unwrap().children.len(), 5);
        // A one-line summary names the first alone, and counts the others.
        let via = &e.rollup.as_ref().unwrap().via;
        assert!(via.starts_with("apps/Deployment apps/a: "), "{via}");
        assert!(
            via.ends_with(" (+4 more)") && !via.contains("apps/b"),
            "{via}"
        );
    }

    #[test]
    fn deleting_or_dropping_a_child_clears_the_parent() {
        let mut s = Store::new(DEFAULT_RETENTION);
        apply_all(&mut s, apps_ks(&["apps_api_apps_Deployment"]), 0);
        apply_all(&mut s, deploy("api", 0), 0);
        let ks_key = key(KS.0, KS.1, "flux-system", "apps");
        assert_ne!(s.get(&ks_key).unwrap().health(), Health::Healthy);
        // The Kustomization no longer lists it: it no longer counts.
        let ts = apply_all(&mut s, apps_ks(&[]), 1);
        assert_eq!(ts.len(), 1);
        assert_eq!(s.get(&ks_key).unwrap().health(), Health::Healthy);
        // Listed again, then deleted.
        apply_all(&mut s, apps_ks(&["apps_api_apps_Deployment"]), 2);
        assert_ne!(s.get(&ks_key).unwrap().health(), Health::Healthy);
        let ts = s.delete(&key("apps", "Deployment", "apps", "api"), now(3));
        assert_eq!(
            ts.len(),
            2,
            "the child's deletion and the parent's recovery: {ts:?}"
        );
        assert_eq!(s.get(&ks_key).unwrap().health(), Health::Healthy);
    }

    #[test]
    fn a_loop_of_relationships_does_not_keep_health_bad() {
        let mut s = Store::new(DEFAULT_RETENTION);
        let a = |ready: &str| {
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "a", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "R", "message": "a's own"}],
                       "inventory": {"entries": [{"id": "flux-system_b_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"}]}}})
        };
        let b = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "b", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "R", "message": "b's own"}],
                       "inventory": {"entries": [{"id": "flux-system_a_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"}]}}});
        apply_all(&mut s, a("True"), 0);
        apply_all(&mut s, b, 0);
        apply_all(&mut s, a("False"), 1);
        let kb = key(KS.0, KS.1, "flux-system", "b");
        assert_eq!(s.get(&kb).unwrap().health(), Health::Unhealthy);
        apply_all(&mut s, a("True"), 2);
        assert_eq!(s.get(&kb).unwrap().health(), Health::Healthy);
        assert_eq!(
            s.get(&key(KS.0, KS.1, "flux-system", "a"))
                .unwrap()
                .health(),
            Health::Healthy
        );
    }

    #[test]
    fn argo_label_tracking_finds_the_application_by_name() {
        let mut s = Store::new(DEFAULT_RETENTION);
        let app = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "guestbook", "namespace": "argocd"},
            "status": {"sync": {"status": "Synced"}, "health": {"status": "Healthy"}}});
        let mut d = deploy("ui", 0);
        d["metadata"]["labels"] = json!({"app.kubernetes.io/instance": "guestbook"});
        apply_all(&mut s, d, 0);
        apply_all(&mut s, app, 0);
        let app_key = key("argoproj.io", "Application", "argocd", "guestbook");
        assert_eq!(s.children(&app_key).len(), 1);
        assert_eq!(
            s.parents(&key("apps", "Deployment", "apps", "ui"))[0].name,
            "guestbook"
        );
        assert_ne!(s.get(&app_key).unwrap().health(), Health::Healthy);
    }

    #[test]
    fn without_rollup_relationships_are_kept_but_health_is_own() {
        let mut s = Store::new(DEFAULT_RETENTION).without_rollup();
        apply_all(&mut s, apps_ks(&["apps_api_apps_Deployment"]), 0);
        apply_all(&mut s, deploy("api", 0), 0);
        let ks_key = key(KS.0, KS.1, "flux-system", "apps");
        assert_eq!(s.get(&ks_key).unwrap().health(), Health::Healthy);
        assert_eq!(s.children(&ks_key).len(), 1);
    }

    #[test]
    fn pruning_forgets_links_and_keys() {
        let mut s = Store::new(SignedDuration::from_mins(1));
        apply_all(&mut s, apps_ks(&["apps_api_apps_Deployment"]), 0);
        let ks_key = key(KS.0, KS.1, "flux-system", "apps");
        s.delete(&ks_key, now(1));
        s.prune(now(120));
        assert!(s.get(&ks_key).is_none());
        assert!(
            s.parents(&key("apps", "Deployment", "apps", "api"))
                .is_empty()
        );
        assert!(s.keys.is_empty() && s.down.is_empty() && s.up.is_empty());
    }
}

#[cfg(test)]
mod meta_tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn meta_knows_the_repository_an_object_applies_from() {
        let git = json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "spec": {"url": "ssh://git@github.com/acme/apps.git"}});
        assert_eq!(
            Meta::of(&git).repo.as_deref(),
            Some("ssh://git@github.com/acme/apps.git")
        );
        // A Kustomization names its source; the namespace defaults to its own.
        let ks = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "web", "namespace": "flux-system"},
            "spec": {"sourceRef": {"kind": "GitRepository", "name": "apps"}}});
        let m = Meta::of(&ks);
        assert_eq!(m.repo, None);
        assert_eq!(
            m.source.as_deref(),
            Some(&ObjectKey::new(
                "source.toolkit.fluxcd.io",
                "GitRepository",
                "flux-system",
                "apps"
            ))
        );
        let hr = json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
            "metadata": {"name": "db", "namespace": "data"},
            "spec": {"chartRef": {"kind": "OCIRepository", "name": "db", "namespace": "charts"}}});
        assert_eq!(
            Meta::of(&hr).source.as_deref(),
            Some(&ObjectKey::new(
                "source.toolkit.fluxcd.io",
                "OCIRepository",
                "charts",
                "db"
            ))
        );
        // An Application: its single source, else the first of its sources.
        let app = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "shop", "namespace": "argocd"},
            "spec": {"sources": [{"repoURL": "https://gitlab.com/acme/shop.git"},
                                 {"repoURL": "https://charts.example.com", "chart": "x"}]}});
        assert_eq!(
            Meta::of(&app).repo.as_deref(),
            Some("https://gitlab.com/acme/shop.git")
        );
        // A commit that failed to apply is remembered beside the one applied.
        let failing = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "web", "namespace": "flux-system"},
            "status": {"lastAppliedRevision": "main@sha1:aaa", "lastAttemptedRevision": "main@sha1:bbb"}});
        assert_eq!(
            Meta::of(&failing).attempted.as_deref(),
            Some("main@sha1:bbb")
        );
        let applied = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "web", "namespace": "flux-system"},
            "status": {"lastAppliedRevision": "main@sha1:aaa", "lastAttemptedRevision": "main@sha1:aaa"}});
        assert_eq!(Meta::of(&applied).attempted, None);
        let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}});
        let m = Meta::of(&pod);
        assert!(m.repo.is_none() && m.source.is_none());
    }
}

#[cfg(test)]
mod placement_tests {
    use serde_json::json;

    use super::*;
    use crate::health::assess;
    use crate::placement::{Affects, Placed};

    fn now(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    /// As the agent does: placed first, then applied.
    fn apply(s: &mut Store, o: &Value, at: i64) -> Vec<Transition> {
        let key = ObjectKey::of(o).unwrap();
        if let Some(p) = Placed::of(o, &key) {
            s.place(&key, Some(p));
        }
        let seen = Observed {
            links: Links::of(o, &key),
            key,
            resource_version: "1".into(),
            meta: Meta::default(),
            assessment: assess(o, now(at)),
            initial: false,
            compat: None,
            spec: None,
            images: Vec::new(),
        };
        s.apply(seen, now(at))
    }

    fn node(name: &str, ready: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "status": {"conditions": [{"type": "Ready", "status": ready, "message": "kubelet stopped posting"}]}})
    }

    fn ks(name: &str) -> Value {
        json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "ReconciliationSucceeded"}]}})
    }

    /// A Deployment applied by the Kustomization `ks`, and its ReplicaSet.
    fn workload(s: &mut Store, name: &str, ks: &str) {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "apps", "generation": 1, "labels": {
                "kustomize.toolkit.fluxcd.io/name": ks, "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1,
                "conditions": [{"type": "Available", "status": "True"}]}});
        apply(s, &d, 0);
        let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": format!("{name}-1"), "namespace": "apps", "generation": 1,
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name}]},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "availableReplicas": 1}});
        apply(s, &rs, 0);
    }

    fn pod(name: &str, rs: &str, node: &str, ready: bool) -> Value {
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "apps", "labels": {"app": rs.trim_end_matches("-1")},
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs}]},
            "spec": {"nodeName": node, "containers": [{"name": "app", "image": "app:1"}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": format!("{name}-data")}}]},
            "status": {"phase": "Running",
                "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
                "containerStatuses": [{"name": "app", "ready": ready, "restartCount": 0,
                    "state": if ready { json!({"running": {}}) } else { json!({"waiting": {"reason": "ContainerCreating"}}) }}]}})
    }

    fn key(group: &str, kind: &str, ns: &str, name: &str) -> ObjectKey {
        ObjectKey::new(group, kind, ns, name)
    }

    fn apps() -> ObjectKey {
        key(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "apps",
        )
    }

    /// `apps` runs web (two Pods on n1), `other` runs api (one Pod on n2).
    fn cluster() -> Store {
        let mut s = Store::new(DEFAULT_RETENTION);
        apply(&mut s, &node("n1", "True"), 0);
        apply(&mut s, &node("n2", "True"), 0);
        apply(&mut s, &ks("apps"), 0);
        apply(&mut s, &ks("other"), 0);
        workload(&mut s, "web", "apps");
        workload(&mut s, "api", "other");
        apply(&mut s, &pod("web-a", "web-1", "n1", true), 0);
        apply(&mut s, &pod("web-b", "web-1", "n1", true), 0);
        apply(&mut s, &pod("api-a", "api-1", "n2", true), 0);
        s
    }

    #[test]
    fn a_node_going_not_ready_names_the_kustomization_whose_pods_run_there() {
        let mut s = cluster();
        assert_eq!(
            s.get(&apps()).unwrap().health(),
            Health::Healthy,
            "{:?}",
            s.get(&apps()).unwrap().assessment()
        );
        let ts = apply(&mut s, &node("n1", "False"), 1);
        assert_eq!(ts.len(), 1, "{ts:?}");
        let t = &ts[0];
        assert_eq!(t.key.kind, "Node");
        assert_eq!(t.to.as_ref().unwrap().health, Health::Unhealthy);
        let a = t.affected.as_deref().expect("affected");
        assert_eq!(
            a.objects,
            vec![Affects {
                object: apps(),
                pods: 2
            }]
        );
        assert_eq!(a.more, 0);
        // Out of the roll-up: nothing else changed, the Kustomization is as healthy as it was.
        assert_eq!(s.get(&apps()).unwrap().health(), Health::Healthy);
        // n2 going NotReady names the other one alone; coming back names nothing.
        let t = apply(&mut s, &node("n2", "False"), 2).pop().unwrap();
        assert_eq!(t.affected.unwrap().objects[0].object.name, "other");
        let t = apply(&mut s, &node("n2", "True"), 3).pop().unwrap();
        assert!(t.affected.is_none());
    }

    #[test]
    fn a_pod_culprit_says_its_node_is_unhealthy() {
        let mut s = cluster();
        apply(&mut s, &node("n1", "False"), 1);
        apply(&mut s, &pod("web-a", "web-1", "n1", false), 2);
        let e = s.get(&apps()).unwrap();
        assert_eq!(e.health(), Health::Unhealthy, "{:?}", e.assessment());
        assert!(
            e.message().contains("Pod apps/web-a")
                && e.message().contains("(on Node n1: NotReady)"),
            "{}",
            e.message()
        );
        // A Pod on a healthy Node says nothing of it.
        apply(&mut s, &pod("api-a", "api-1", "n2", false), 3);
        let other = key(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "other",
        );
        let m = s.get(&other).unwrap().message().to_string();
        assert!(
            m.contains("Pod apps/api-a") && !m.contains("on Node"),
            "{m}"
        );
    }

    #[test]
    fn a_pod_moving_and_a_pod_deleted_leave_the_node() {
        let mut s = cluster();
        apply(&mut s, &pod("web-a", "web-1", "n2", true), 1);
        assert_eq!(s.affected_by_node("n1").objects[0].pods, 1);
        let n2 = s.affected_by_node("n2");
        assert_eq!(n2.objects.len(), 2, "{n2:?}");
        s.delete(&key("", "Pod", "apps", "web-b"), now(2));
        assert!(s.affected_by_node("n1").objects.is_empty());
        assert_eq!(s.placement.count_on("n1"), 0);
        assert!(s.placement.pod(&key("", "Pod", "apps", "web-b")).is_none());
        // Deleted and pruned: every key and interned label is let go.
        s.delete(&key("", "Pod", "apps", "web-a"), now(3));
        s.delete(&key("", "Pod", "apps", "api-a"), now(3));
        s.prune(now(10_000));
        assert_eq!(s.placement.len(), 0);
        assert_eq!(s.placement.labels_interned(), 0);
    }

    #[test]
    fn pods_walk_to_their_claims_volumes_and_services() {
        let mut s = cluster();
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "apps"},
            "spec": {"selector": {"app": "web"}}});
        apply(&mut s, &svc, 1);
        let elsewhere = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "other"},
            "spec": {"selector": {"app": "web"}}});
        apply(&mut s, &elsewhere, 1);
        let web_a = key("", "Pod", "apps", "web-a");
        let services = s.services_of(&web_a, 10);
        assert_eq!(services.len(), 1);
        assert_eq!(services[0].namespace, "apps");
        let (pods, total) = s.pods_selected(&key("", "Service", "apps", "web"), 1);
        assert_eq!((pods.len(), total), (1, 2));
        assert!(
            s.services_of(&key("", "Pod", "apps", "api-a"), 10)
                .is_empty()
        );
        // A changed selector selects other Pods.
        let api = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "apps"},
            "spec": {"selector": {"app": "api"}}});
        apply(&mut s, &api, 2);
        let (pods, total) = s.pods_selected(&key("", "Service", "apps", "web"), 10);
        assert_eq!(total, 1);
        assert_eq!(pods[0].name, "api-a");
        assert_eq!(&*s.placement.pod(&web_a).unwrap().claims[0], "web-a-data");
        let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "web-a-data", "namespace": "apps"}, "spec": {"volumeName": "pv-7"},
            "status": {"phase": "Bound"}});
        apply(&mut s, &pvc, 3);
        assert_eq!(
            s.placement
                .volume(&key("", "PersistentVolumeClaim", "apps", "web-a-data")),
            Some("pv-7")
        );
        let counts = s.in_namespace("apps");
        assert_eq!(counts["Pod"][&Health::Healthy], 3);
        assert_eq!(counts["apps/Deployment"].values().sum::<usize>(), 2);
    }
}

/// The roll-up kept current must say what gathering every child from scratch says, whatever
/// the order of updates, deletions, relinks and prunes.
#[cfg(test)]
mod incremental {
    use super::*;

    fn now(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    /// A small deterministic generator (no dependency needed for a test).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    const OBJECTS: u64 = 24;

    fn key(i: u64) -> ObjectKey {
        if i % 6 == 5 {
            ObjectKey::new(
                "argoproj.io",
                "Application",
                "argocd",
                &format!("o{}", i % 12),
            )
        } else {
            ObjectKey::new("apps", "Deployment", "ns", &format!("o{i}"))
        }
    }

    fn observed(r: &mut Lcg, i: u64) -> Observed {
        let health = Health::ALL[r.below(4) as usize];
        let mut links = Links::default();
        for _ in 0..r.below(4) {
            links.children.push(key(r.below(OBJECTS)));
        }
        for _ in 0..r.below(3) {
            links.parents.push(if r.below(5) == 0 {
                ParentRef::ArgoApp(format!("o{}", r.below(12)))
            } else {
                ParentRef::Key(key(r.below(OBJECTS)))
            });
        }
        let me = key(i);
        links.children.retain(|c| *c != me);
        links.children.sort();
        links.children.dedup();
        links
            .parents
            .retain(|p| !matches!(p, ParentRef::Key(k) if *k == me));
        links.parents.sort();
        links.parents.dedup();
        let mut assessment = Assessment::new(health, health == Health::Healthy, "S");
        assessment.message = format!("m{}", r.below(3));
        Observed {
            key: me,
            resource_version: String::new(),
            links,
            meta: Meta::default(),
            assessment,
            initial: false,
            compat: None,
            spec: None,
            images: Vec::new(),
        }
    }

    /// What each entry's record of its children would be if gathered now.
    fn assert_consistent(s: &Store, step: usize) {
        for (k, e) in &s.entries {
            let mut want: BTreeMap<Health, BTreeSet<Key>> = BTreeMap::new();
            for c in s.children_of(k) {
                if let Some(h) = s.passed(k, &c).filter(|h| *h != Health::Healthy) {
                    want.entry(h).or_default().insert(c);
                }
            }
            assert_eq!(e.bad, want, "step {step}: the children {k} keeps");
        }
    }

    #[test]
    fn every_parent_keeps_what_its_children_pass_up() {
        for seed in 1..=40 {
            let mut r = Lcg(seed);
            let mut s = Store::new(SignedDuration::from_secs(5));
            for step in 0..400 {
                let at = step as i64;
                let i = r.below(OBJECTS);
                match r.below(10) {
                    0 => {
                        s.delete(&key(i), now(at));
                    }
                    1 => s.prune(now(at)),
                    _ => {
                        let o = observed(&mut r, i);
                        s.apply(o, now(at));
                    }
                }
                assert_consistent(&s, step);
            }
        }
    }

    #[test]
    fn with_no_loops_every_roll_up_is_what_evaluating_it_again_says() {
        for seed in 1..=40 {
            let mut r = Lcg(seed);
            let mut s = Store::new(SignedDuration::from_secs(5));
            for step in 0..300 {
                let i = r.below(OBJECTS);
                let mut o = observed(&mut r, i);
                // Children have higher numbers than their parents: no loops.
                o.links.children.clear();
                o.links.parents = o
                    .links
                    .parents
                    .drain(..)
                    .filter(|p| matches!(p, ParentRef::Key(_)))
                    .map(|_| ParentRef::Key(key(r.below(i.max(1)))))
                    .filter(|p| !matches!(p, ParentRef::Key(k) if *k == key(i)))
                    .collect();
                o.links.parents.sort();
                o.links.parents.dedup();
                if r.below(8) == 0 {
                    s.delete(&key(i), now(step));
                } else {
                    s.apply(o, now(step));
                }
                assert_consistent(&s, step as usize);
                for (k, e) in s.entries.iter().filter(|(_, e)| e.is_live()) {
                    let (rollup, culprits) = s.evaluate(k);
                    assert_eq!(e.rollup, rollup, "seed {seed} step {step}: {k}'s roll-up");
                    assert_eq!(
                        e.culprits, culprits,
                        "seed {seed} step {step}: {k}'s culprits"
                    );
                }
            }
        }
    }

    #[test]
    fn a_parent_of_thousands_lists_a_hundred_and_counts_the_rest() {
        let mut s = Store::new(DEFAULT_RETENTION);
        let parent = ObjectKey::new("kustomize.toolkit.fluxcd.io", "Kustomization", "f", "big");
        let mut a = Assessment::new(Health::Healthy, true, "ReconciliationSucceeded");
        a.message = "applied".into();
        s.apply(
            Observed {
                key: parent.clone(),
                resource_version: String::new(),
                links: Links::default(),
                meta: Meta::default(),
                assessment: a,
                initial: false,
                compat: None,
                spec: None,
                images: Vec::new(),
            },
            now(0),
        );
        for n in 0..2_000 {
            let mut links = Links::default();
            links.parents.push(ParentRef::Key(parent.clone()));
            s.apply(
                Observed {
                    key: ObjectKey::new("", "Pod", "f", &format!("p{n:04}")),
                    resource_version: String::new(),
                    links,
                    meta: Meta::default(),
                    assessment: Assessment::new(Health::Unhealthy, false, "CrashLoopBackOff"),
                    initial: false,
                    compat: None,
                    spec: None,
                    images: Vec::new(),
                },
                now(1),
            );
        }
        let r = s.get(&parent).unwrap().rollup.clone().unwrap();
        assert_eq!(r.children.len(), ROLLUP_CHILDREN);
        assert_eq!(r.more, 2_000 - ROLLUP_CHILDREN);
        assert_eq!(r.children[0].name, "p0000");
        assert!(r.message.ends_with("(+1997 more)"), "{}", r.message);
    }
}

//! The store: the latest object and assessment of everything herald watches, and the
//! transitions between assessments. Synchronous and lock-free itself: the agent owns it from one
//! task and readers get snapshots, so all of its logic is tested without an API server.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::Value;

use crate::health::{Assessment, Health};
use crate::object::{TypeRef, ValueExt};

/// How long a deleted object stays visible, by default.
pub const DEFAULT_RETENTION: SignedDuration = SignedDuration::from_hours(1);
/// Transitions kept per object.
const TRANSITIONS_KEPT: usize = 20;

/// Identifies one object: group, kind, namespace, name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    pub fn of(obj: &Value) -> Option<ObjectKey> {
        let t = TypeRef::of(obj);
        let name = obj.str_at(&["metadata", "name"])?;
        Some(ObjectKey {
            group: t.group.to_string(),
            kind: t.kind.to_string(),
            namespace: obj
                .str_at(&["metadata", "namespace"])
                .unwrap_or_default()
                .to_string(),
            name: name.to_string(),
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

/// A change of health, ready or status, as herald observed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Transition {
    pub key: ObjectKey,
    pub at: Timestamp,
    /// None when the object is new to herald.
    pub from: Option<Verdict>,
    /// None when the object was deleted.
    pub to: Option<Verdict>,
    pub message: String,
}

/// The parts of an assessment whose change is a transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub health: Health,
    pub ready: bool,
    pub status: String,
}

impl Verdict {
    fn of(a: &Assessment) -> Verdict {
        Verdict {
            health: a.health,
            ready: a.ready,
            status: a.status.clone(),
        }
    }
}

/// What the store holds for one object.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    #[serde(skip)]
    pub object: Arc<Value>,
    pub resource_version: String,
    pub assessment: Assessment,
    /// When health, ready or status last changed.
    pub since: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Timestamp>,
    pub transitions: VecDeque<Transition>,
}

/// Latest object and assessment per object, plus recently deleted ones.
#[derive(Debug)]
pub struct Store {
    entries: BTreeMap<ObjectKey, Entry>,
    retention: SignedDuration,
}

impl Store {
    pub fn new(retention: SignedDuration) -> Store {
        Store {
            entries: BTreeMap::new(),
            retention,
        }
    }

    /// Records the latest version of an object with its assessment. Returns the transition, if
    /// health, ready or status changed (or the object is new).
    pub fn apply(
        &mut self,
        key: ObjectKey,
        object: Arc<Value>,
        assessment: Assessment,
        now: Timestamp,
    ) -> Option<Transition> {
        let resource_version = object
            .str_at(&["metadata", "resourceVersion"])
            .unwrap_or_default()
            .to_string();
        let to = Verdict::of(&assessment);
        match self.entries.get_mut(&key) {
            Some(e) if e.deleted_at.is_none() => {
                let from = Verdict::of(&e.assessment);
                e.object = object;
                e.resource_version = resource_version;
                if from == to {
                    e.assessment = assessment;
                    return None;
                }
                let t = Transition {
                    key: key.clone(),
                    at: now,
                    from: Some(from),
                    to: Some(to),
                    message: assessment.message.clone(),
                };
                e.assessment = assessment;
                e.since = now;
                push(&mut e.transitions, t.clone());
                Some(t)
            }
            _ => {
                let t = Transition {
                    key: key.clone(),
                    at: now,
                    from: None,
                    to: Some(to),
                    message: assessment.message.clone(),
                };
                let mut transitions = self
                    .entries
                    .remove(&key)
                    .map(|old| old.transitions)
                    .unwrap_or_default();
                push(&mut transitions, t.clone());
                self.entries.insert(
                    key,
                    Entry {
                        object,
                        resource_version,
                        assessment,
                        since: now,
                        deleted_at: None,
                        transitions,
                    },
                );
                Some(t)
            }
        }
    }

    /// Marks an object deleted; it stays visible for the retention window.
    pub fn delete(&mut self, key: &ObjectKey, now: Timestamp) -> Option<Transition> {
        let e = self.entries.get_mut(key)?;
        if e.deleted_at.is_some() {
            return None;
        }
        let t = Transition {
            key: key.clone(),
            at: now,
            from: Some(Verdict::of(&e.assessment)),
            to: None,
            message: "deleted".into(),
        };
        e.deleted_at = Some(now);
        e.since = now;
        push(&mut e.transitions, t.clone());
        Some(t)
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
        let gone: Vec<ObjectKey> = self
            .entries
            .iter()
            .filter(|(k, e)| {
                k.group == group
                    && k.kind == kind
                    && e.deleted_at.is_none()
                    && in_scope(k)
                    && !listed.contains(k)
            })
            .map(|(k, _)| k.clone())
            .collect();
        gone.iter().filter_map(|k| self.delete(k, now)).collect()
    }

    /// Forgets deleted objects older than the retention window.
    pub fn prune(&mut self, now: Timestamp) {
        let retention = self.retention;
        self.entries.retain(|_, e| {
            e.deleted_at
                .is_none_or(|d| now.duration_since(d) < retention)
        });
    }

    pub fn get(&self, key: &ObjectKey) -> Option<&Entry> {
        self.entries.get(key)
    }

    /// Live (not deleted) objects.
    pub fn live(&self) -> impl Iterator<Item = (&ObjectKey, &Entry)> {
        self.entries.iter().filter(|(_, e)| e.deleted_at.is_none())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn push(q: &mut VecDeque<Transition>, t: Transition) {
    if q.len() == TRANSITIONS_KEPT {
        q.pop_front();
    }
    q.push_back(t);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::assess;
    use serde_json::json;

    fn now(secs: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + secs).unwrap()
    }

    fn ks(name: &str, ready: &str, rv: &str) -> Arc<Value> {
        Arc::new(
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": name, "namespace": "flux-system", "resourceVersion": rv},
            "status": {"conditions": [{"type": "Ready", "status": ready, "reason": "R", "message": "m"}]}}),
        )
    }

    fn apply(s: &mut Store, o: Arc<Value>, at: i64) -> Option<Transition> {
        let key = ObjectKey::of(&o).unwrap();
        let a = assess(&o, now(at));
        s.apply(key, o, a, now(at))
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
        assert_eq!(e.transitions.len(), 2);
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
        let t = s.delete(&key, now(10)).unwrap();
        assert!(t.to.is_none());
        assert!(s.delete(&key, now(11)).is_none(), "deleted once");
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
        assert_eq!(s.get(&key).unwrap().transitions.len(), 3);
    }
}

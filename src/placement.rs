//! Where Pods run and what they use: Pod → Node (`spec.nodeName`), Pod → PersistentVolumeClaim
//! (`spec.volumes[].persistentVolumeClaim.claimName`), claim → PersistentVolume
//! (`spec.volumeName`), and Service → Pods (`spec.selector` against the labels of the Pods of
//! its namespace).
//!
//! These relations are kept apart from the ones health rolls up through ([`crate::relations`]):
//! a Node or a Service does not own its Pods, and taking their health would make every Node as
//! bad as its worst Pod. They are read once per update, and [`Placement::update`] touches its
//! maps only when one of the fields above changed. Service → Pods is matched when asked (a
//! namespace has few Services), and Namespace → everything is a scan of the store when asked.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::object::ValueExt;
use crate::store::{Key, ObjectKey};

/// Claims read of one Pod, at most.
pub const MAX_CLAIMS: usize = 16;
/// Labels read of one Pod, and pairs of one Service's selector, at most.
pub const MAX_LABELS: usize = 64;
/// Longest label key or value kept (Kubernetes allows a 253-byte prefix, `/` and 63 bytes).
pub const MAX_LABEL_BYTES: usize = 320;
/// GitOps objects a Node's transition names, at most; the rest are counted.
pub const AFFECTED_TOLD: usize = 20;
/// Pods of one Node looked at for [`crate::store::Store::affected_by_node`], at most.
pub const AFFECTED_PODS: usize = 5_000;
/// Objects one walk from a Node's Pods up to their GitOps objects looks at, at most.
pub const AFFECTED_VISITED: usize = 20_000;

/// A label (or selector) pair, interned: the Pods of one workload share theirs.
pub type Label = Arc<(Box<str>, Box<str>)>;

/// What one object says about where it runs or what it uses, before the store interns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    Pod {
        node: Option<Box<str>>,
        /// Claim names, in the Pod's namespace, sorted.
        claims: Box<[Box<str>]>,
        labels: Vec<(String, String)>,
    },
    /// A Service's selector (empty: it selects no Pods, as Kubernetes reads it).
    Service { selector: Vec<(String, String)> },
    /// A PersistentVolumeClaim: the PersistentVolume bound to it.
    Claim { volume: Option<Box<str>> },
}

impl Placed {
    /// What `obj` says, for Pods, Services and PersistentVolumeClaims (None for other kinds).
    pub fn of(obj: &Value, key: &ObjectKey) -> Option<Placed> {
        if !key.group.is_empty() {
            return None;
        }
        let text = |v: Option<&str>| {
            v.filter(|s| !s.is_empty() && s.len() <= MAX_LABEL_BYTES)
                .map(Box::from)
        };
        match key.kind.as_str() {
            "Pod" => {
                let mut claims: Vec<Box<str>> = obj
                    .at(&["spec", "volumes"])
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|v| text(v.str_at(&["persistentVolumeClaim", "claimName"])))
                    .take(MAX_CLAIMS)
                    .collect();
                claims.sort();
                claims.dedup();
                Some(Placed::Pod {
                    node: text(obj.str_at(&["spec", "nodeName"])),
                    claims: claims.into(),
                    labels: pairs(obj.at(&["metadata", "labels"])),
                })
            }
            "Service" => Some(Placed::Service {
                selector: pairs(obj.at(&["spec", "selector"])),
            }),
            "PersistentVolumeClaim" => Some(Placed::Claim {
                volume: text(obj.str_at(&["spec", "volumeName"])),
            }),
            _ => None,
        }
    }
}

/// A string map's pairs, sorted, bounded.
fn pairs(map: Option<&Value>) -> Vec<(String, String)> {
    let Some(m) = map.and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = m
        .iter()
        .filter(|(k, _)| k.len() <= MAX_LABEL_BYTES)
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
        .filter(|(_, v)| v.len() <= MAX_LABEL_BYTES)
        .take(MAX_LABELS)
        .collect();
    out.sort();
    out
}

/// Where one Pod runs and what it uses, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodPlace {
    pub node: Option<Arc<str>>,
    pub claims: Box<[Box<str>]>,
    pub labels: Box<[Label]>,
}

/// The placement relations of the store's objects.
#[derive(Debug, Default)]
pub struct Placement {
    pods: HashMap<Key, PodPlace>,
    /// Node name → the Pods that run there.
    on_node: HashMap<Arc<str>, BTreeSet<Key>>,
    /// Service → its selector.
    services: HashMap<Key, Box<[Label]>>,
    /// Claim → the PersistentVolume bound to it.
    volumes: HashMap<Key, Box<str>>,
    labels: HashSet<Label>,
    nodes: HashSet<Arc<str>>,
}

/// One GitOps object a Node's trouble reaches, and how many of its Pods run there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affects {
    pub object: ObjectKey,
    pub pods: u32,
}

/// The GitOps objects a Node's Pods belong to: the first [`AFFECTED_TOLD`] (most Pods first)
/// and how many more there are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Affected {
    pub objects: Vec<Affects>,
    pub more: u32,
}

/// The kinds a Node's trouble is told against: what deployed the Pods.
pub fn is_deployer(key: &ObjectKey) -> bool {
    matches!(
        (key.group.as_str(), key.kind.as_str()),
        ("kustomize.toolkit.fluxcd.io", "Kustomization")
            | ("helm.toolkit.fluxcd.io", "HelmRelease")
            | ("argoproj.io", "Application")
    )
}

/// Whether a Pod's labels (sorted) carry every pair of a selector (sorted). An empty selector
/// selects nothing.
pub fn selects(selector: &[Label], labels: &[Label]) -> bool {
    !selector.is_empty()
        && selector.iter().all(|s| {
            labels
                .binary_search_by(|l| (&*l.0, &*l.1).cmp(&(&*s.0, &*s.1)))
                .is_ok()
        })
}

impl Placement {
    fn label(&mut self, (k, v): (String, String)) -> Label {
        let pair = (k.into_boxed_str(), v.into_boxed_str());
        if let Some(l) = self.labels.get(&pair) {
            return Arc::clone(l);
        }
        let l = Arc::new(pair);
        self.labels.insert(Arc::clone(&l));
        l
    }

    fn node(&mut self, name: &str) -> Arc<str> {
        if let Some(n) = self.nodes.get(name) {
            return Arc::clone(n);
        }
        let n: Arc<str> = Arc::from(name);
        self.nodes.insert(Arc::clone(&n));
        n
    }

    /// Records what `key` says (None: nothing, as for a deleted object). True when anything
    /// changed; an update that leaves the fields as they were touches no map.
    pub fn update(&mut self, key: &Key, placed: Option<Placed>) -> bool {
        match placed {
            None => self.remove(key),
            Some(Placed::Pod {
                node,
                claims,
                labels,
            }) => {
                if let Some(p) = self.pods.get(key)
                    && p.node.as_deref() == node.as_deref()
                    && p.claims == claims
                    && p.labels.len() == labels.len()
                    && p.labels
                        .iter()
                        .zip(&labels)
                        .all(|(a, b)| *a.0 == *b.0 && *a.1 == *b.1)
                {
                    return false;
                }
                self.remove(key);
                let node = node.map(|n| self.node(&n));
                if let Some(n) = &node {
                    self.on_node
                        .entry(Arc::clone(n))
                        .or_default()
                        .insert(Arc::clone(key));
                }
                let labels = labels.into_iter().map(|l| self.label(l)).collect();
                self.pods.insert(
                    Arc::clone(key),
                    PodPlace {
                        node,
                        claims,
                        labels,
                    },
                );
                true
            }
            Some(Placed::Service { selector }) => {
                if let Some(s) = self.services.get(key)
                    && s.len() == selector.len()
                    && s.iter()
                        .zip(&selector)
                        .all(|(a, b)| *a.0 == *b.0 && *a.1 == *b.1)
                {
                    return false;
                }
                let selector = selector.into_iter().map(|l| self.label(l)).collect();
                self.services.insert(Arc::clone(key), selector);
                true
            }
            Some(Placed::Claim { volume }) => {
                if self.volumes.get(key).map(|v| &**v) == volume.as_deref() {
                    return false;
                }
                match volume {
                    Some(v) => self.volumes.insert(Arc::clone(key), v),
                    None => self.volumes.remove(key),
                };
                true
            }
        }
    }

    /// Forgets what `key` said. True when there was anything.
    pub fn remove(&mut self, key: &ObjectKey) -> bool {
        let mut any = false;
        if let Some(p) = self.pods.remove(key) {
            any = true;
            if let Some(n) = &p.node
                && let Some(set) = self.on_node.get_mut(n)
            {
                set.remove(key);
                if set.is_empty() {
                    self.on_node.remove(n);
                }
            }
        }
        any |= self.services.remove(key).is_some();
        any |= self.volumes.remove(key).is_some();
        any
    }

    /// Forgets interned labels and Node names nothing refers to any more.
    pub fn prune(&mut self) {
        self.labels.retain(|l| Arc::strong_count(l) > 1);
        self.nodes.retain(|n| Arc::strong_count(n) > 1);
    }

    pub fn pod(&self, key: &ObjectKey) -> Option<&PodPlace> {
        self.pods.get(key)
    }

    /// The Pods that run on the Node `name`, in key order.
    pub fn pods_on(&self, name: &str) -> impl Iterator<Item = &Key> {
        self.on_node.get(name).into_iter().flatten()
    }

    /// How many Pods run on the Node `name`.
    pub fn count_on(&self, name: &str) -> usize {
        self.on_node.get(name).map_or(0, BTreeSet::len)
    }

    pub fn selector(&self, service: &ObjectKey) -> Option<&[Label]> {
        self.services.get(service).map(|s| &**s)
    }

    pub fn volume(&self, claim: &ObjectKey) -> Option<&str> {
        self.volumes.get(claim).map(|v| &**v)
    }

    /// Pods, Services and claims recorded.
    pub fn len(&self) -> usize {
        self.pods.len() + self.services.len() + self.volumes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Interned label pairs held (for the memory measurements).
    pub fn labels_interned(&self) -> usize {
        self.labels.len()
    }
}

/// `Kustomization flux-system/apps (3 Pods), HelmRelease apps/web (1 Pod) (+2 more)`.
pub fn describe(objects: &[Affects], more: u32) -> String {
    let mut s = objects
        .iter()
        .map(|a| {
            format!(
                "{} ({} Pod{})",
                short(&a.object),
                a.pods,
                if a.pods == 1 { "" } else { "s" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    if more > 0 {
        s.push_str(&format!(" (+{more} more)"));
    }
    s
}

/// `Kustomization flux-system/apps`: the kind without its group.
pub fn short(k: &ObjectKey) -> String {
    if k.namespace.is_empty() {
        format!("{} {}", k.kind, k.name)
    } else {
        format!("{} {}/{}", k.kind, k.namespace, k.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(kind: &str, ns: &str, name: &str) -> Key {
        Arc::new(ObjectKey::new("", kind, ns, name))
    }

    fn pod(node: &str, labels: Value, claims: &[&str]) -> Value {
        let volumes: Vec<Value> = claims
            .iter()
            .map(|c| json!({"name": c, "persistentVolumeClaim": {"claimName": c}}))
            .chain([json!({"name": "tmp", "emptyDir": {}})])
            .collect();
        json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "web-1", "namespace": "apps", "labels": labels},
            "spec": {"nodeName": node, "volumes": volumes}})
    }

    fn placed(obj: &Value) -> Placed {
        Placed::of(obj, &ObjectKey::of(obj).unwrap()).unwrap()
    }

    fn interned(p: &mut Placement, pairs: &[(&str, &str)]) -> Vec<Label> {
        pairs
            .iter()
            .map(|(k, v)| p.label((k.to_string(), v.to_string())))
            .collect()
    }

    #[test]
    fn reads_node_claims_labels_selector_and_volume() {
        let p = placed(&pod(
            "n1",
            json!({"app": "web"}),
            &["data", "cache", "data"],
        ));
        assert_eq!(
            p,
            Placed::Pod {
                node: Some("n1".into()),
                claims: vec!["cache".into(), "data".into()].into(),
                labels: vec![("app".into(), "web".into())],
            }
        );
        let svc = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "apps"},
            "spec": {"selector": {"app": "web", "tier": 3}}});
        assert_eq!(
            placed(&svc),
            Placed::Service {
                selector: vec![("app".into(), "web".into())]
            }
        );
        let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": "data", "namespace": "apps"}, "spec": {"volumeName": "pv-1"}});
        assert_eq!(
            placed(&pvc),
            Placed::Claim {
                volume: Some("pv-1".into())
            }
        );
        let deploy =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
        assert_eq!(Placed::of(&deploy, &ObjectKey::of(&deploy).unwrap()), None);
    }

    #[test]
    fn reading_is_bounded() {
        let labels: serde_json::Map<String, Value> = (0..500)
            .map(|i| (format!("l{i:03}"), json!("v")))
            .chain([("long".to_string(), json!("x".repeat(10_000)))])
            .collect();
        let claims: Vec<String> = (0..100).map(|i| format!("c{i}")).collect();
        let claims: Vec<&str> = claims.iter().map(String::as_str).collect();
        let Placed::Pod { claims, labels, .. } = placed(&pod("n1", Value::Object(labels), &claims))
        else {
            panic!("a Pod");
        };
        assert_eq!(claims.len(), MAX_CLAIMS);
        assert_eq!(labels.len(), MAX_LABELS);
        assert!(labels.iter().all(|(_, v)| v.len() <= MAX_LABEL_BYTES));
    }

    #[test]
    fn selectors_need_every_pair_and_select_nothing_when_empty() {
        let mut p = Placement::default();
        let labels = interned(
            &mut p,
            &[
                ("app", "web"),
                ("pod-template-hash", "7d9f8"),
                ("tier", "front"),
            ],
        );
        let sel = |p: &mut Placement, pairs: &[(&str, &str)]| interned(p, pairs);
        let s = sel(&mut p, &[("app", "web"), ("tier", "front")]);
        assert!(selects(&s, &labels));
        let s = sel(&mut p, &[("app", "web")]);
        assert!(selects(&s, &labels));
        let s = sel(&mut p, &[("app", "web"), ("tier", "back")]);
        assert!(!selects(&s, &labels));
        let s = sel(&mut p, &[("app", "api")]);
        assert!(!selects(&s, &labels));
        assert!(!selects(&[], &labels));
    }

    #[test]
    fn a_pod_moving_nodes_leaves_the_old_one() {
        let mut p = Placement::default();
        let k = key("Pod", "apps", "web-1");
        assert!(p.update(&k, Some(placed(&pod("n1", json!({"app": "web"}), &[])))));
        assert_eq!(p.pods_on("n1").collect::<Vec<_>>(), vec![&k]);
        // The same fields again: nothing to do.
        assert!(!p.update(&k, Some(placed(&pod("n1", json!({"app": "web"}), &[])))));
        assert!(p.update(&k, Some(placed(&pod("n2", json!({"app": "web"}), &[])))));
        assert_eq!(p.count_on("n1"), 0);
        assert!(!p.on_node.contains_key("n1"));
        assert_eq!(p.pods_on("n2").collect::<Vec<_>>(), vec![&k]);
        assert_eq!(p.pod(&k).unwrap().node.as_deref(), Some("n2"));
        p.prune();
        assert!(!p.nodes.contains("n1"));
        // A label change is a change too.
        assert!(p.update(&k, Some(placed(&pod("n2", json!({"app": "api"}), &[])))));
        assert_eq!(&*p.pod(&k).unwrap().labels[0].1, "api");
    }

    #[test]
    fn deletion_forgets_everything_and_labels_are_shared_then_pruned() {
        let mut p = Placement::default();
        let a = key("Pod", "apps", "web-1");
        let b = key("Pod", "apps", "web-2");
        p.update(
            &a,
            Some(placed(&pod("n1", json!({"app": "web"}), &["data"]))),
        );
        p.update(&b, Some(placed(&pod("n1", json!({"app": "web"}), &[]))));
        assert_eq!(p.labels_interned(), 1);
        assert!(Arc::ptr_eq(
            &p.pod(&a).unwrap().labels[0],
            &p.pod(&b).unwrap().labels[0]
        ));
        let c = key("PersistentVolumeClaim", "apps", "data");
        p.update(
            &c,
            Some(Placed::Claim {
                volume: Some("pv-1".into()),
            }),
        );
        assert_eq!(p.volume(&c), Some("pv-1"));
        assert!(p.remove(&a));
        assert!(p.update(&b, None));
        assert!(p.update(&c, None));
        assert!(!p.remove(&a));
        assert!(p.is_empty());
        assert!(p.on_node.is_empty());
        p.prune();
        assert_eq!(p.labels_interned(), 0);
        assert!(p.nodes.is_empty());
    }

    #[test]
    fn affected_objects_are_described_briefly() {
        let ks = ObjectKey::new(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "apps",
        );
        let hr = ObjectKey::new("helm.toolkit.fluxcd.io", "HelmRelease", "apps", "web");
        let list = [
            Affects {
                object: ks,
                pods: 3,
            },
            Affects {
                object: hr,
                pods: 1,
            },
        ];
        assert_eq!(
            describe(&list, 0),
            "Kustomization flux-system/apps (3 Pods), HelmRelease apps/web (1 Pod)"
        );
        assert!(describe(&list[..1], 2).ends_with("(3 Pods) (+2 more)"));
    }
}

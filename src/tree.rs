//! What the status page draws beyond one object: its tree (the paths up to the objects nothing
//! applies, and its descendants down to the Pods) and the fleet list with each workload's Pods,
//! ReplicaSets and Jobs grouped under it, so that 10,000 Pods are not 10,000 rows beside the
//! Kustomizations. Everything is bounded: paths, depth and nodes.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use crate::store::{Entry, Key, ObjectKey, Store};

/// Kinds listed under the workload that owns them rather than on their own.
pub const GROUPED_KINDS: &[(&str, &str)] = &[
    ("", "Pod"),
    ("apps", "ReplicaSet"),
    ("apps", "ControllerRevision"),
    ("batch", "Job"),
    ("discovery.k8s.io", "EndpointSlice"),
];

/// At most this many paths up from an object (an object applied by two Kustomizations has two).
pub const ANCESTOR_PATHS: usize = 4;
/// Levels looked at, up and down.
pub const DEPTH: usize = 5;
/// Descendants drawn at most; past it the tree says `truncated`.
pub const TREE_NODES: usize = 500;

pub fn is_grouped(key: &Key) -> bool {
    GROUPED_KINDS
        .iter()
        .any(|(g, k)| key.group == *g && key.kind == *k)
}

fn live<'a>(store: &'a Store, key: &Key) -> Option<&'a Entry> {
    store.get(key).filter(|e| e.is_live())
}

/// Where a grouped object is listed: its nearest live owner that is not grouped itself (the
/// Deployment of a Pod's ReplicaSet, the CronJob of a Job), when every owner on the way is
/// `shown`. None for an object of another kind, one whose owner is a GitOps object (a Job or a
/// bare Pod a Kustomization applies is listed on its own), or whose owners are not shown.
pub fn group_head(store: &Store, key: &Key, shown: impl Fn(&Key) -> bool) -> Option<Key> {
    if !is_grouped(key) {
        return None;
    }
    let mut at = Key::clone(key);
    for _ in 0..DEPTH {
        let owner = store
            .parents(&at)
            .into_iter()
            .find(|p| live(store, p).is_some())?;
        if !shown(&owner) {
            return None;
        }
        if is_grouped(&owner) {
            at = owner;
            continue;
        }
        if crate::agent::is_gitops_kind(&owner.group, &owner.kind) {
            return None;
        }
        return Some(owner);
    }
    None
}

/// Counts of grouped objects by kind and health, as the list shows them under their owner:
/// `{"Pod": {"healthy": 3, "unhealthy": 1}}`.
pub type Groups = BTreeMap<Key, BTreeMap<String, BTreeMap<&'static str, u32>>>;

/// Splits `keys` (the objects a list answers, in its order) into those listed and the counts
/// of those grouped under one of them.
pub fn group(store: &Store, keys: Vec<Key>) -> (Vec<Key>, Groups) {
    let shown: HashSet<Key> = keys.iter().cloned().collect();
    let mut listed = Vec::with_capacity(keys.len());
    let mut groups = Groups::new();
    for key in keys {
        match group_head(store, &key, |k| shown.contains(k)) {
            Some(head) => {
                let health = live(store, &key).map_or("unknown", |e| e.health().as_str());
                *groups
                    .entry(head)
                    .or_default()
                    .entry(key.kind.to_string())
                    .or_default()
                    .entry(health)
                    .or_default() += 1;
            }
            None => listed.push(key),
        }
    }
    (listed, groups)
}

fn node(store: &Store, key: &Key) -> Value {
    let mut v = json!({"group": key.group, "kind": key.kind, "namespace": key.namespace,
                       "name": key.name});
    match live(store, key) {
        Some(e) => v["health"] = json!(e.health()),
        None => v["watched"] = json!(false),
    }
    // Where a Pod runs and what it mounts: links out of the ownership tree.
    if key.group.is_empty()
        && key.kind == "Pod"
        && let Some(p) = store.placement.pod(key)
    {
        if let Some(n) = &p.node {
            let node = ObjectKey::new("", "Node", "", n);
            let health = store.get(&node).filter(|e| e.is_live()).map(Entry::health);
            v["node"] = json!({"name": n, "health": health});
        }
        if !p.claims.is_empty() {
            v["claims"] = json!(p.claims);
        }
    }
    v
}

/// One object's tree: `ancestors`, each path from an object nothing applies (a Kustomization,
/// an Application) down to the object's parent; `descendants`, the object and what it applied
/// or owns, nested (`children`), breadth first within [`TREE_NODES`]; `truncated` when
/// something was left out.
pub fn tree(store: &Store, key: &Key) -> Value {
    let mut truncated = false;
    let mut paths: Vec<Vec<Key>> = Vec::new();
    up(store, key, &mut Vec::new(), &mut paths, &mut truncated);
    let ancestors: Vec<Value> = paths
        .iter()
        .map(|p| p.iter().rev().map(|k| node(store, k)).collect())
        .collect();

    // Chosen breadth first, so that a wide first child does not take its siblings' budget.
    let mut seen: HashSet<Key> = HashSet::from([Key::clone(key)]);
    let mut kids: HashMap<Key, Vec<Key>> = HashMap::new();
    let mut level = vec![Key::clone(key)];
    for depth in 0..=DEPTH {
        let mut next = Vec::new();
        for k in &level {
            let children = store.children(k);
            if depth == DEPTH {
                truncated |= !children.is_empty();
                continue;
            }
            for c in children {
                if seen.len() >= TREE_NODES {
                    truncated = true;
                    break;
                }
                if seen.insert(Key::clone(&c)) {
                    kids.entry(Key::clone(k)).or_default().push(Key::clone(&c));
                    next.push(c);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        level = next;
    }
    let descendants = built(store, key, &kids);
    json!({"ancestors": ancestors, "descendants": descendants, "truncated": truncated})
}

fn built(store: &Store, key: &Key, kids: &HashMap<Key, Vec<Key>>) -> Value {
    let mut v = node(store, key);
    if let Some(children) = kids.get(key) {
        v["children"] = children.iter().map(|c| built(store, c, kids)).collect();
    }
    v
}

/// Paths up from `key` (nearest first in `path`), at most [`ANCESTOR_PATHS`] of at most
/// [`DEPTH`] objects; a cycle ends a path.
fn up(
    store: &Store,
    key: &Key,
    path: &mut Vec<Key>,
    paths: &mut Vec<Vec<Key>>,
    truncated: &mut bool,
) {
    let parents: Vec<Key> = store
        .parents(key)
        .into_iter()
        .filter(|p| !path.contains(p))
        .collect();
    if parents.is_empty() || path.len() >= DEPTH {
        if path.len() >= DEPTH && !parents.is_empty() {
            *truncated = true;
        }
        if !path.is_empty() {
            if paths.len() < ANCESTOR_PATHS {
                paths.push(path.clone());
            } else {
                *truncated = true;
            }
        }
        return;
    }
    for p in parents {
        if paths.len() >= ANCESTOR_PATHS {
            *truncated = true;
            return;
        }
        path.push(Key::clone(&p));
        up(store, &p, path, paths, truncated);
        path.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::health::assess;
    use crate::relations::Links;
    use crate::store::{Meta, ObjectKey, Observed};
    use serde_json::json;
    use std::sync::Arc;

    fn put(s: &mut Store, o: Value) {
        let now = jiff::Timestamp::from_second(1_800_000_000).unwrap();
        let key = ObjectKey::of(&o).unwrap();
        let seen = Observed {
            links: Links::of(&o, &key),
            key,
            resource_version: "1".into(),
            meta: Meta::of(&o),
            assessment: assess(&o, now),
            initial: false,
            compat: crate::metrics::Compat::of(&o),
            spec: None,
            images: Vec::new(),
        };
        s.apply(seen, now);
    }

    fn owned(kind: &str, api: &str, name: &str, owner: (&str, &str, &str)) -> Value {
        json!({"apiVersion": api, "kind": kind,
               "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
                            "ownerReferences": [{"apiVersion": owner.0, "kind": owner.1,
                                                 "name": owner.2, "uid": format!("uid-{}", owner.2),
                                                 "controller": true}]}})
    }

    fn key(group: &str, kind: &str, ns: &str, name: &str) -> Key {
        Arc::new(ObjectKey::new(group, kind, ns, name))
    }

    /// A Kustomization applying a Deployment (its ReplicaSet, two Pods) and a Job, and a bare
    /// Pod of nobody.
    fn shop() -> Store {
        let mut s = Store::new(crate::store::DEFAULT_RETENTION);
        put(
            &mut s,
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "shop", "namespace": "flux-system"},
            "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "R", "message": "m"}],
                "inventory": {"entries": [{"id": "shop_web_apps_Deployment", "v": "v1"},
                                          {"id": "shop_migrate_batch_Job", "v": "v1"}]}}}),
        );
        put(
            &mut s,
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "shop", "uid": "uid-web"}}),
        );
        put(
            &mut s,
            owned(
                "ReplicaSet",
                "apps/v1",
                "web-5c6b",
                ("apps/v1", "Deployment", "web"),
            ),
        );
        for pod in ["web-5c6b-2", "web-5c6b-10"] {
            put(
                &mut s,
                owned("Pod", "v1", pod, ("apps/v1", "ReplicaSet", "web-5c6b")),
            );
        }
        put(
            &mut s,
            json!({"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": "migrate", "namespace": "shop", "uid": "uid-migrate"}}),
        );
        put(
            &mut s,
            json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "debug", "namespace": "shop"}}),
        );
        s
    }

    #[test]
    fn pods_and_replica_sets_are_counted_under_their_workload() {
        let s = shop();
        let all: Vec<Key> = s.live().map(|(k, _)| Key::clone(k)).collect();
        let (listed, groups) = group(&s, all);
        let names: Vec<String> = listed
            .iter()
            .map(|k| format!("{}/{}", k.kind, k.name))
            .collect();
        // The Job a Kustomization applies and a Pod nobody owns stay on their own.
        assert_eq!(
            names,
            [
                "Pod/debug",
                "Deployment/web",
                "Job/migrate",
                "Kustomization/shop"
            ]
        );
        let web = &groups[&key("apps", "Deployment", "shop", "web")];
        assert_eq!(web["Pod"].values().sum::<u32>(), 2);
        assert_eq!(web["ReplicaSet"].values().sum::<u32>(), 1);
        assert_eq!(groups.len(), 1);
    }

    #[test]
    fn a_pod_whose_workload_is_not_shown_is_listed() {
        let s = shop();
        let pods: Vec<Key> = s
            .live()
            .filter(|(k, _)| k.kind == "Pod")
            .map(|(k, _)| Key::clone(k))
            .collect();
        let (listed, groups) = group(&s, pods);
        assert_eq!(listed.len(), 3);
        assert!(groups.is_empty());
    }

    #[test]
    fn the_tree_goes_up_to_the_kustomization_and_down_to_the_pods() {
        let s = shop();
        let pod = key("", "Pod", "shop", "web-5c6b-2");
        let t = tree(&s, &pod);
        let path: Vec<&str> = t["ancestors"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["name"].as_str().unwrap())
            .collect();
        assert_eq!(path, ["shop", "web", "web-5c6b"]);
        assert_eq!(t["ancestors"].as_array().unwrap().len(), 1);
        assert_eq!(t["descendants"]["name"], "web-5c6b-2");
        assert_eq!(t["truncated"], false);

        let ks = key(
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "flux-system",
            "shop",
        );
        let t = tree(&s, &ks);
        assert_eq!(t["ancestors"], json!([]));
        let d = &t["descendants"];
        let web = d["children"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "web")
            .unwrap();
        let rs = &web["children"][0];
        assert_eq!(rs["kind"], "ReplicaSet");
        assert_eq!(rs["children"].as_array().unwrap().len(), 2);
        assert_eq!(
            rs["children"][0]["health"],
            json!(s.get(&pod).unwrap().health())
        );
    }

    #[test]
    fn a_wide_tree_is_cut_at_its_budget_and_says_so() {
        let mut s = shop();
        for i in 0..TREE_NODES + 10 {
            put(
                &mut s,
                owned(
                    "Pod",
                    "v1",
                    &format!("p-{i}"),
                    ("apps/v1", "ReplicaSet", "web-5c6b"),
                ),
            );
        }
        let t = tree(&s, &key("apps", "Deployment", "shop", "web"));
        assert_eq!(t["truncated"], true);
        let pods = t["descendants"]["children"][0]["children"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(
            pods,
            TREE_NODES - 2,
            "the Deployment and its ReplicaSet count too"
        );
    }
}

//! How objects name their relatives: the children a parent says it applied (Flux inventories,
//! Argo CD's `status.resources`) and the parents a child says it belongs to (`ownerReferences`,
//! Flux's and Argo CD's tracking labels and annotation). Read once per update, so the store can
//! keep the links and drop the object.

use std::sync::Arc;

use serde_json::Value;

use crate::object::{TypeRef, ValueExt};
use crate::store::ObjectKey;

const ARGO_GROUP: &str = "argoproj.io";

/// A parent as a child names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Key(Arc<ObjectKey>),
    /// An Argo CD Application known only by name (label or annotation tracking without the
    /// Application's namespace): every Application of that name.
    ArgoApp(String),
}

/// The relatives one object names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    pub children: Vec<ObjectKey>,
    pub parents: Vec<ParentRef>,
}

/// A parent named by a child, before the store interns it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ParentRef {
    Key(ObjectKey),
    ArgoApp(String),
}

impl Links {
    /// The links `obj` declares. `key` is the object's own key (never its own relative).
    pub fn of(obj: &Value, key: &ObjectKey) -> Links {
        let mut links = Links::default();
        inventory(obj, &mut links.children);
        argo_resources(obj, &mut links.children);
        owner_references(obj, &key.namespace, &mut links.parents);
        tracking(obj, &mut links.parents);
        links.children.retain(|c| c != key);
        links.children.sort();
        links.children.dedup();
        links
            .parents
            .retain(|p| !matches!(p, ParentRef::Key(k) if k == key));
        links.parents.sort();
        links.parents.dedup();
        links
    }

    pub fn is_empty(&self) -> bool {
        self.children.is_empty() && self.parents.is_empty()
    }
}

/// Flux: `status.inventory.entries[].id` is `<namespace>_<name>_<group>_<kind>`; the namespace
/// is empty for cluster-scoped objects and the group for the core group. None of the four
/// parts can contain `_`.
fn inventory(obj: &Value, out: &mut Vec<ObjectKey>) {
    if !TypeRef::of(obj).group.ends_with(".toolkit.fluxcd.io") {
        return;
    }
    for entry in obj.array_at(&["status", "inventory", "entries"]) {
        let Some(id) = entry.str_at(&["id"]) else {
            continue;
        };
        let mut parts = id.split('_');
        if let (Some(namespace), Some(name), Some(group), Some(kind), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) && !name.is_empty()
            && !kind.is_empty()
        {
            out.push(ObjectKey::new(group, kind, namespace, name));
        }
    }
}

/// Argo CD: an Application's `status.resources[]` with group, kind, namespace and name.
fn argo_resources(obj: &Value, out: &mut Vec<ObjectKey>) {
    let t = TypeRef::of(obj);
    if t.group != ARGO_GROUP || t.kind != "Application" {
        return;
    }
    for r in obj.array_at(&["status", "resources"]) {
        let (Some(kind), Some(name)) = (r.str_at(&["kind"]), r.str_at(&["name"])) else {
            continue;
        };
        out.push(ObjectKey::new(
            r.str_at(&["group"]).unwrap_or_default(),
            kind,
            r.str_at(&["namespace"]).unwrap_or_default(),
            name,
        ));
    }
}

/// `metadata.ownerReferences`: owners live in the object's namespace (or are cluster-scoped,
/// which Kubernetes allows only for cluster-scoped owners of namespaced objects; those are
/// rare enough to be read as namespaced).
fn owner_references(obj: &Value, namespace: &str, out: &mut Vec<ParentRef>) {
    for r in obj.array_at(&["metadata", "ownerReferences"]) {
        let (Some(api_version), Some(kind), Some(name)) = (
            r.str_at(&["apiVersion"]),
            r.str_at(&["kind"]),
            r.str_at(&["name"]),
        ) else {
            continue;
        };
        let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
        out.push(ParentRef::Key(ObjectKey::new(group, kind, namespace, name)));
    }
}

/// Flux's `kustomize.toolkit.fluxcd.io/{name,namespace}` and `helm.toolkit.fluxcd.io/{name,
/// namespace}` labels; Argo CD's `argocd.argoproj.io/tracking-id` annotation
/// (`<app>:<group>/<kind>:<namespace>/<name>`) and `app.kubernetes.io/instance` label, where
/// `<app>` is `<namespace>_<name>` for Applications outside Argo CD's own namespace.
fn tracking(obj: &Value, out: &mut Vec<ParentRef>) {
    let label = |k: &str| obj.str_at(&["metadata", "labels", k]);
    for (group, kind, name_label, namespace_label) in [
        (
            "kustomize.toolkit.fluxcd.io",
            "Kustomization",
            "kustomize.toolkit.fluxcd.io/name",
            "kustomize.toolkit.fluxcd.io/namespace",
        ),
        (
            "helm.toolkit.fluxcd.io",
            "HelmRelease",
            "helm.toolkit.fluxcd.io/name",
            "helm.toolkit.fluxcd.io/namespace",
        ),
    ] {
        let (Some(name), Some(namespace)) = (label(name_label), label(namespace_label)) else {
            continue;
        };
        out.push(ParentRef::Key(ObjectKey::new(group, kind, namespace, name)));
    }
    let tracking_id = obj
        .str_at(&["metadata", "annotations", "argocd.argoproj.io/tracking-id"])
        .and_then(|id| id.split_once(':'))
        .map(|(app, _)| app);
    let app = tracking_id.or_else(|| label("app.kubernetes.io/instance"));
    // An Application tracks itself with its own label in app-of-apps setups; skip it.
    if let Some(app) = app.filter(|a| !a.is_empty()) {
        out.push(match app.split_once('_') {
            Some((namespace, name)) => {
                ParentRef::Key(ObjectKey::new(ARGO_GROUP, "Application", namespace, name))
            }
            None => ParentRef::ArgoApp(app.to_string()),
        });
    }
}

/// Kinds whose objects own others that inventories never list: watching a Deployment on demand
/// also watches its ReplicaSets and Pods, so one can walk from a Pod up to the Deployment.
pub fn dependents(group: &str, kind: &str) -> &'static [(&'static str, &'static str)] {
    match (group, kind) {
        ("apps", "Deployment") | ("argoproj.io", "Rollout") => {
            &[("apps", "ReplicaSet"), ("", "Pod")]
        }
        ("apps", "StatefulSet" | "DaemonSet" | "ReplicaSet") | ("batch", "Job") => &[("", "Pod")],
        ("batch", "CronJob") => &[("batch", "Job"), ("", "Pod")],
        _ => &[],
    }
}

/// Kinds herald never watches on demand: it has no business reading them.
pub fn never_watched(group: &str, kind: &str) -> bool {
    matches!(
        (group, kind),
        ("", "Secret") | ("", "Event") | ("events.k8s.io", "Event")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn links(obj: Value) -> Links {
        let key = ObjectKey::of(&obj).unwrap();
        Links::of(&obj, &key)
    }

    #[test]
    fn a_flux_inventory_names_children_of_every_scope() {
        let l = links(
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system"},
            "status": {"inventory": {"entries": [
                {"id": "apps_api_apps_Deployment", "v": "v1"},
                {"id": "_apps__Namespace", "v": "v1"},
                {"id": "apps_api-config__ConfigMap", "v": "v1"},
                {"id": "flux-system_apps_kustomize.toolkit.fluxcd.io_Kustomization", "v": "v1"},
                {"id": "garbage"}, {"v": "v1"}]}}}),
        );
        assert_eq!(
            l.children,
            vec![
                ObjectKey::new("", "ConfigMap", "apps", "api-config"),
                ObjectKey::new("", "Namespace", "", "apps"),
                ObjectKey::new("apps", "Deployment", "apps", "api"),
            ],
            "sorted, itself and malformed ids left out"
        );
    }

    #[test]
    fn an_application_names_its_resources_and_children_their_owners() {
        let l = links(
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": {"name": "guestbook", "namespace": "argocd"},
            "status": {"resources": [{"group": "apps", "kind": "Deployment", "namespace": "gb", "name": "ui"},
                                     {"kind": "Service", "namespace": "gb", "name": "ui"}]}}),
        );
        assert_eq!(l.children.len(), 2);
        assert_eq!(l.children[0], ObjectKey::new("", "Service", "gb", "ui"));

        let l = links(json!({"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "ui-1", "namespace": "gb",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "ui-5f", "uid": "u"}],
                "labels": {"app.kubernetes.io/instance": "guestbook",
                           "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system"}}}));
        assert_eq!(
            l.parents,
            vec![
                ParentRef::Key(ObjectKey::new("apps", "ReplicaSet", "gb", "ui-5f")),
                ParentRef::Key(ObjectKey::new(
                    "kustomize.toolkit.fluxcd.io",
                    "Kustomization",
                    "flux-system",
                    "apps"
                )),
                ParentRef::ArgoApp("guestbook".into()),
            ]
        );
    }

    #[test]
    fn the_tracking_annotation_wins_over_the_label() {
        let l = links(json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "ui", "namespace": "gb",
                "labels": {"app.kubernetes.io/instance": "ui-chart"},
                "annotations": {"argocd.argoproj.io/tracking-id": "team-a_guestbook:apps/Deployment:gb/ui"}}}));
        assert_eq!(
            l.parents,
            vec![ParentRef::Key(ObjectKey::new(
                "argoproj.io",
                "Application",
                "team-a",
                "guestbook"
            ))]
        );
    }
}

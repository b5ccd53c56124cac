//! A fake Kubernetes API server that speaks the real protocol, for tests and `herald demo`.
//!
//! It serves discovery (`/api`, `/apis`, `/apis/<group>/<version>`), get, list with
//! `resourceVersion`, `limit`/`continue`, label and field selectors, and chunked watch streams with
//! bookmarks and `410 Gone` for versions older than its history. Switches drop every connection,
//! compact the history, take the server down, or restore it to an older backup (lower
//! resourceVersions, as after an etcd restore), so clients' recovery paths can be tested.
//!
//! Leases, ConfigMaps and Secrets also take writes over HTTP (create, update, merge patch,
//! delete) with the real server's optimistic concurrency and `Status` errors, for leader
//! election and hand-over state; one client's writes can be made to fail
//! ([`FakeApiServer::fail_writes_from`]) to test a leader that cannot renew.

mod selector;
mod server;
mod state;
mod write;

pub use selector::Selector;
pub use server::{Backup, FakeApiServer, Options, WriteFault};
pub use state::{Change, ChangeKind, ResourceType, WriteError};
pub use write::{ApiError, MAX_REQUEST_BODY_BYTES};

/// Kubernetes Events (`events.k8s.io/v1`): not among [`gitops_resources`], so that a test
/// serves them only when it is about them.
pub fn events_resource() -> ResourceType {
    ResourceType::new("events.k8s.io", "v1", "Event", "events", true)
}

/// The resource types herald watches (Flux, Argo CD, the core kinds they deploy, and where Pods
/// run: Nodes, PersistentVolumes, PersistentVolumeClaims) and the ones it writes (Lease,
/// ConfigMap, Secret).
pub fn gitops_resources() -> Vec<ResourceType> {
    let r = ResourceType::new;
    vec![
        r("", "v1", "Namespace", "namespaces", false),
        r("", "v1", "Pod", "pods", true),
        r("", "v1", "Service", "services", true),
        r("", "v1", "Node", "nodes", false),
        r("", "v1", "PersistentVolume", "persistentvolumes", false),
        r(
            "",
            "v1",
            "PersistentVolumeClaim",
            "persistentvolumeclaims",
            true,
        ),
        r("", "v1", "ConfigMap", "configmaps", true),
        r("", "v1", "Secret", "secrets", true),
        r("coordination.k8s.io", "v1", "Lease", "leases", true),
        r("apps", "v1", "Deployment", "deployments", true),
        r("apps", "v1", "ReplicaSet", "replicasets", true),
        r("apps", "v1", "StatefulSet", "statefulsets", true),
        r("apps", "v1", "DaemonSet", "daemonsets", true),
        r("batch", "v1", "Job", "jobs", true),
        r("batch", "v1", "CronJob", "cronjobs", true),
        r(
            "kustomize.toolkit.fluxcd.io",
            "v1",
            "Kustomization",
            "kustomizations",
            true,
        ),
        r(
            "helm.toolkit.fluxcd.io",
            "v2",
            "HelmRelease",
            "helmreleases",
            true,
        ),
        r(
            "source.toolkit.fluxcd.io",
            "v1",
            "GitRepository",
            "gitrepositories",
            true,
        ),
        r(
            "source.toolkit.fluxcd.io",
            "v1",
            "HelmRepository",
            "helmrepositories",
            true,
        ),
        r(
            "source.toolkit.fluxcd.io",
            "v1",
            "HelmChart",
            "helmcharts",
            true,
        ),
        r("source.toolkit.fluxcd.io", "v1", "Bucket", "buckets", true),
        r(
            "source.toolkit.fluxcd.io",
            "v1beta2",
            "OCIRepository",
            "ocirepositories",
            true,
        ),
        r(
            "argoproj.io",
            "v1alpha1",
            "Application",
            "applications",
            true,
        ),
        r(
            "argoproj.io",
            "v1alpha1",
            "ApplicationSet",
            "applicationsets",
            true,
        ),
        r("argoproj.io", "v1alpha1", "AppProject", "appprojects", true),
    ]
}

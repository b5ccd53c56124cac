//! The demo cluster: Flux and Argo CD objects and what they deploy, the Nodes their Pods run
//! on, and a story that moves them through the states that matter (a deploy whose spec change
//! and Kubernetes warnings say why it broke, a failed health check and its recovery, a sync
//! failure, a suspension, a Pod crash-looping under a Kustomization Flux calls Ready, a
//! dependency stuck behind another, a Node going NotReady, a mutable tag re-pulled).

use serde_json::{Value, json};

use crate::fake::{FakeApiServer, WriteError};

const NS_FLUX: &str = "flux-system";
const NS_ARGO: &str = "argocd";

fn cond(kind: &str, status: &str, reason: &str, message: &str) -> Value {
    json!({"type": kind, "status": status, "reason": reason, "message": message,
           "lastTransitionTime": "2026-11-23T12:00:00Z"})
}

fn ks(name: &str, revision: &str, conditions: Vec<Value>, extra_spec: Value) -> Value {
    let mut spec = json!({"interval": "10m", "path": format!("./{name}"), "prune": true,
                          "sourceRef": {"kind": "GitRepository", "name": "flux-system"}});
    if let (Some(s), Some(extra)) = (spec.as_object_mut(), extra_spec.as_object()) {
        s.extend(extra.clone());
    }
    json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
           "metadata": {"name": name, "namespace": NS_FLUX, "generation": 1},
           "spec": spec,
           "status": {"observedGeneration": 1, "lastAppliedRevision": revision, "conditions": conditions,
                      "inventory": inventory(name)}})
}

fn ready_ks(name: &str, revision: &str) -> Value {
    ks(
        name,
        revision,
        vec![cond(
            "Ready",
            "True",
            "ReconciliationSucceeded",
            &format!("Applied revision: {revision}"),
        )],
        json!({}),
    )
}

fn git(revision: &str) -> Value {
    json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "GitRepository",
           "metadata": {"name": "flux-system", "namespace": NS_FLUX, "generation": 1},
           "spec": {"interval": "1m", "url": "https://git.example.com/platform/fleet", "ref": {"branch": "main"}},
           "status": {"observedGeneration": 1, "artifact": {"revision": revision},
                      "conditions": [cond("Ready", "True", "Succeeded", &format!("stored artifact for revision '{revision}'"))]}})
}

fn helm_release(name: &str, ns: &str, version: &str, ready: Value) -> Value {
    json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
           "metadata": {"name": name, "namespace": ns, "generation": 1},
           "spec": {"interval": "5m", "chart": {"spec": {"chart": name, "version": version,
                    "sourceRef": {"kind": "HelmRepository", "name": "charts", "namespace": NS_FLUX}}}},
           "status": {"observedGeneration": 1, "history": [{"chartVersion": version, "status": "deployed"}],
                      "conditions": [ready]}})
}

fn app(name: &str, sync: &str, health: &str, operation: Option<Value>) -> Value {
    let mut status = json!({"sync": {"status": sync, "revision": "9f2c1e7"},
                            "health": {"status": health}});
    if let Some(op) = operation {
        status["operationState"] = op;
    }
    if name == "guestbook" {
        status["resources"] = json!([
            {"group": "apps", "version": "v1", "kind": "Deployment", "namespace": "guestbook", "name": "guestbook-ui",
             "status": sync, "health": {"status": health}},
            {"version": "v1", "kind": "Service", "namespace": "guestbook", "name": "guestbook-ui", "status": sync},
        ]);
    }
    json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
           "metadata": {"name": name, "namespace": NS_ARGO},
           "spec": {"project": "default", "destination": {"namespace": name, "server": "https://kubernetes.default.svc"},
                    "source": {"repoURL": "https://git.example.com/apps", "path": name, "targetRevision": "HEAD"}},
           "status": status})
}

/// Who applied a workload, as its labels say.
#[derive(Clone, Copy)]
enum Owner {
    Kustomization(&'static str),
    HelmRelease(&'static str),
    Application(&'static str),
}

impl Owner {
    fn labels(self) -> Value {
        match self {
            Owner::Kustomization(name) => json!({"kustomize.toolkit.fluxcd.io/name": name,
                                                 "kustomize.toolkit.fluxcd.io/namespace": NS_FLUX}),
            Owner::HelmRelease(name) => json!({"helm.toolkit.fluxcd.io/name": name,
                                               "helm.toolkit.fluxcd.io/namespace": "apps"}),
            Owner::Application(name) => json!({"app.kubernetes.io/instance": name}),
        }
    }
}

/// The workloads: (namespace, Deployment, pod-template hash, replicas, who applied it).
const WORKLOADS: &[(&str, &str, &str, i64, Owner)] = &[
    ("apps", "api", "7d9f8", 3, Owner::Kustomization("apps")),
    ("apps", "web", "5c6b1", 2, Owner::Kustomization("apps")),
    ("apps", "worker", "8a2e4", 1, Owner::Kustomization("apps")),
    ("apps", "podinfo", "6c4d2", 1, Owner::HelmRelease("podinfo")),
    (
        "guestbook",
        "guestbook-ui",
        "85f7b",
        1,
        Owner::Application("guestbook"),
    ),
];

fn workload(name: &str) -> (&'static str, &'static str, &'static str, i64, Owner) {
    *WORKLOADS
        .iter()
        .find(|w| w.1 == name)
        .expect("a demo workload")
}

fn deployment(name: &str, ready: i64) -> Value {
    let (ns, name, _, replicas, owner) = workload(name);
    let available = if ready == replicas { "True" } else { "False" };
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": ns, "generation": 2, "labels": owner.labels(),
                        "creationTimestamp": "2026-11-01T00:00:00Z"},
           "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": name, "image": format!("{name}:1.4.2")}]}}},
           "status": {"observedGeneration": 2, "replicas": replicas, "updatedReplicas": replicas,
                      "readyReplicas": ready, "availableReplicas": ready,
                      "conditions": [cond("Available", available, "MinimumReplicas", ""),
                                     cond("Progressing", "True", "NewReplicaSetAvailable", "")]}})
}

fn replica_set(name: &str, ready: i64) -> Value {
    let (ns, name, hash, replicas, _) = workload(name);
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
           "metadata": {"name": format!("{name}-{hash}"), "namespace": ns, "generation": 1,
                        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "controller": true}]},
           "spec": {"replicas": replicas},
           "status": {"observedGeneration": 1, "replicas": replicas, "fullyLabeledReplicas": replicas,
                      "readyReplicas": ready, "availableReplicas": ready}})
}

fn service(name: &str) -> Value {
    let (ns, name, _, _, owner) = workload(name);
    json!({"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": name, "namespace": ns, "labels": owner.labels()},
           "spec": {"type": "ClusterIP", "clusterIP": "10.96.12.7", "ports": [{"port": 80, "targetPort": 8080}]},
           "status": {"loadBalancer": {}}})
}

fn pod(name: &str, i: usize, crashing: bool) -> Value {
    let (ns, name, hash, _, _) = workload(name);
    let (ready, state, last, restarts) = if crashing {
        (
            "False",
            json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 2m40s restarting failed container"}}),
            json!({"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": jiff::Timestamp::now().to_string()}}),
            6,
        )
    } else {
        (
            "True",
            json!({"running": {"startedAt": "2026-11-01T00:00:00Z"}}),
            json!({}),
            0,
        )
    };
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": format!("{name}-{hash}-{i}"), "namespace": ns, "creationTimestamp": "2026-11-01T00:00:00Z",
                        "labels": {"app": name},
                        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{name}-{hash}"), "controller": true}]},
           "spec": {"nodeName": node_of(name, i), "containers": [{"name": name, "image": format!("{name}:1.4.2")}]},
           "status": {"phase": "Running", "conditions": [cond("Ready", ready, "", "")],
                      "containerStatuses": [{"name": name, "ready": ready == "True", "restartCount": restarts,
                                              "image": format!("{name}:1.4.2"),
                                              "imageID": format!("registry.example.com/{name}@{}", digest(name, 0)),
                                              "state": state, "lastState": last}]}})
}

/// The Nodes: the Pods spread over them.
const NODES: [&str; 2] = ["node-a", "node-b"];

fn node_of(workload: &str, i: usize) -> &'static str {
    NODES[(workload.len() + i) % NODES.len()]
}

fn node(name: &str, ready: bool) -> Value {
    let condition = if ready {
        cond(
            "Ready",
            "True",
            "KubeletReady",
            "kubelet is posting ready status",
        )
    } else {
        cond(
            "Ready",
            "Unknown",
            "NodeStatusUnknown",
            "Kubelet stopped posting node status.",
        )
    };
    json!({"apiVersion": "v1", "kind": "Node",
           "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
           "status": {"conditions": [condition,
                                     cond("MemoryPressure", "False", "KubeletHasSufficientMemory", "")]}})
}

/// An image digest of a workload: the `n`th build pushed under the same tag.
fn digest(workload: &str, n: u8) -> String {
    // splitmix64 over the name and the build number: stable, and as random-looking as a digest.
    let mut x = workload
        .bytes()
        .fold(u64::from(n) + 1, |h, b| h.rotate_left(8) ^ u64::from(b));
    let mut next = || {
        x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    format!(
        "sha256:{:016x}{:016x}{:016x}{:016x}",
        next(),
        next(),
        next(),
        next()
    )
}

/// A Pod whose container was re-pulled: the same tag, the `n`th digest.
fn repulled(name: &str, i: usize, n: u8) -> Value {
    let mut p = pod(name, i, false);
    let image = p["spec"]["containers"][0]["image"].clone();
    p["status"]["containerStatuses"][0]["imageID"] =
        json!(format!("registry.example.com/{name}@{}", digest(name, n)));
    p["status"]["containerStatuses"][0]["image"] = image;
    p
}

/// A Kubernetes Warning Event about a Pod of a workload, as the kubelet reports it.
fn warning(of: &str, i: usize, reason: &str, note: &str, count: u64) -> Value {
    let (ns, name, hash, _, _) = workload(of);
    let pod = format!("{name}-{hash}-{i}");
    json!({"apiVersion": "events.k8s.io/v1", "kind": "Event", "type": "Warning",
           "metadata": {"name": format!("{pod}.{}", reason.to_lowercase()), "namespace": ns,
                        "uid": format!("demo-{pod}-{reason}")},
           "reason": reason, "note": note, "reportingController": "kubelet",
           "eventTime": jiff::Timestamp::now().to_string(),
           "series": {"count": count, "lastObservedTime": jiff::Timestamp::now().to_string()},
           "regarding": {"apiVersion": "v1", "kind": "Pod", "namespace": ns, "name": pod}})
}

/// The api Deployment at a new image, its spec's generation moved.
fn api_release(ready: i64) -> Value {
    let mut d = deployment("api", ready);
    d["metadata"]["generation"] = json!(3);
    d["status"]["observedGeneration"] = json!(3);
    d["spec"]["template"]["spec"]["containers"][0]["image"] = json!("api:1.5.0");
    d
}

/// What each Kustomization applied, as Flux records it in `status.inventory`.
fn inventory(name: &str) -> Value {
    let ids: Vec<String> = match name {
        "infra" => vec![
            "_apps__Namespace".into(),
            "_data__Namespace".into(),
            format!("{NS_FLUX}_charts_source.toolkit.fluxcd.io_HelmRepository"),
            "data_redis_helm.toolkit.fluxcd.io_HelmRelease".into(),
        ],
        "apps" => WORKLOADS
            .iter()
            .filter(|w| matches!(w.4, Owner::Kustomization(_)))
            .flat_map(|w| {
                [
                    format!("{}_{}_apps_Deployment", w.0, w.1),
                    format!("{}_{}__Service", w.0, w.1),
                ]
            })
            .chain(["apps_podinfo_helm.toolkit.fluxcd.io_HelmRelease".into()])
            .collect(),
        _ => Vec::new(),
    };
    json!({"entries": ids.iter().map(|id| json!({"id": id, "v": "v1"})).collect::<Vec<_>>()})
}

/// The demo cluster as it starts.
pub fn initial() -> Vec<Value> {
    let rev = "main@sha1:4f1c2a9";
    let mut objects = vec![
        git(rev),
        ready_ks("infra", rev),
        ready_ks("apps", rev),
        ready_ks("monitoring", rev),
        ready_ks("tenants", rev),
        json!({"apiVersion": "source.toolkit.fluxcd.io/v1", "kind": "HelmRepository",
               "metadata": {"name": "charts", "namespace": NS_FLUX},
               "spec": {"url": "https://charts.example.com", "interval": "1h"},
               "status": {"conditions": [cond("Ready", "True", "Succeeded", "stored artifact: revision 'sha256:91c3'")]}}),
        helm_release(
            "podinfo",
            "apps",
            "6.7.1",
            cond(
                "Ready",
                "True",
                "UpgradeSucceeded",
                "Helm upgrade succeeded for release apps/podinfo.v4 with chart podinfo@6.7.1",
            ),
        ),
        helm_release(
            "redis",
            "data",
            "19.0.2",
            cond(
                "Ready",
                "True",
                "InstallSucceeded",
                "Helm install succeeded for release data/redis.v1 with chart redis@19.0.2",
            ),
        ),
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
               "metadata": {"name": "default", "namespace": NS_ARGO}, "spec": {}}),
        app("guestbook", "Synced", "Healthy", None),
        app("billing", "Synced", "Healthy", None),
        app("search", "Synced", "Healthy", None),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}, "status": {"phase": "Active"}}),
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "data"}, "status": {"phase": "Active"}}),
    ];
    objects.extend(NODES.iter().map(|n| node(n, true)));
    for &(_, name, _, replicas, owner) in WORKLOADS {
        objects.push(deployment(name, replicas));
        objects.push(replica_set(name, replicas));
        for i in 0..replicas as usize {
            objects.push(pod(name, i, false));
        }
        if !matches!(owner, Owner::HelmRelease(_)) {
            objects.push(service(name));
        }
    }
    objects
}

/// One step of the story: a caption and the objects it changes.
pub struct Step {
    pub caption: &'static str,
    pub apply: Vec<Value>,
}

/// The story, in order; it ends where it began so it can loop.
pub fn story() -> Vec<Step> {
    let old = "main@sha1:4f1c2a9";
    let new = "main@sha1:b81e03d";
    let reconciling = |name: &str| {
        ks(
            name,
            old,
            vec![
                cond(
                    "Reconciling",
                    "True",
                    "Progressing",
                    &format!("Reconciliation in progress for revision {new}"),
                ),
                cond(
                    "Ready",
                    "Unknown",
                    "Progressing",
                    "Reconciliation in progress",
                ),
            ],
            json!({}),
        )
    };
    vec![
        Step {
            caption: "a commit lands: Flux fetches it and starts applying",
            apply: vec![git(new), reconciling("apps")],
        },
        // The kubelet's warnings come first, a step of their own: from two watches, Events
        // and Pods, in the same instant they may reach herald in either order, and a trouble
        // is told with the warnings herald has seen when it finds it.
        Step {
            caption: "the new api version's container keeps restarting: the kubelet warns",
            apply: vec![
                warning(
                    "api",
                    0,
                    "BackOff",
                    "Back-off restarting failed container api in pod",
                    6,
                ),
                warning(
                    "api",
                    0,
                    "Unhealthy",
                    "Readiness probe failed: HTTP probe failed with statuscode: 503",
                    14,
                ),
            ],
        },
        Step {
            caption: "the new api version (its image changed) fails its health check",
            apply: vec![
                api_release(1),
                replica_set("api", 1),
                pod("api", 0, true),
                ks(
                    "apps",
                    old,
                    vec![cond(
                        "Ready",
                        "False",
                        "HealthCheckFailed",
                        "health check failed after 5m0s: timeout waiting for: [Deployment/apps/api status: 'InProgress']",
                    )],
                    json!({}),
                ),
                ks(
                    "monitoring",
                    old,
                    vec![cond(
                        "Ready",
                        "False",
                        "DependencyNotReady",
                        "dependency 'flux-system/apps' is not ready",
                    )],
                    json!({"dependsOn": [{"name": "apps"}]}),
                ),
            ],
        },
        Step {
            caption: "a fix is pushed; api recovers and the dependency clears",
            apply: vec![
                api_release(3),
                replica_set("api", 3),
                pod("api", 0, false),
                ready_ks("apps", new),
                ready_ks("monitoring", new),
            ],
        },
        Step {
            caption: "Argo CD fails to sync billing (an admission webhook refuses it)",
            apply: vec![app(
                "billing",
                "OutOfSync",
                "Healthy",
                Some(
                    json!({"phase": "Failed", "message": "one or more objects failed to apply, reason: admission webhook \"policy.example.com\" denied the request"}),
                ),
            )],
        },
        Step {
            caption: "billing syncs again",
            apply: vec![app(
                "billing",
                "Synced",
                "Healthy",
                Some(
                    json!({"phase": "Succeeded", "message": "successfully synced (all tasks run)"}),
                ),
            )],
        },
        Step {
            caption: "an operator suspends tenants for maintenance",
            apply: vec![ks(
                "tenants",
                new,
                vec![cond(
                    "Ready",
                    "True",
                    "ReconciliationSucceeded",
                    &format!("Applied revision: {new}"),
                )],
                json!({"suspend": true}),
            )],
        },
        Step {
            caption: "a web Pod crash-loops while Flux still calls apps Ready",
            apply: vec![
                pod("web", 1, true),
                warning(
                    "web",
                    1,
                    "BackOff",
                    "Back-off restarting failed container web in pod",
                    4,
                ),
                replica_set("web", 1),
                deployment("web", 1),
            ],
        },
        Step {
            caption: "node-b stops reporting: herald names what runs there",
            apply: vec![node("node-b", false)],
        },
        Step {
            caption: "node-b is back",
            apply: vec![node("node-b", true)],
        },
        Step {
            caption: "worker's tag is re-pulled: a new build under the same tag",
            apply: vec![repulled("worker", 0, 1)],
        },
        Step {
            caption: "web recovers; tenants resumes; the cluster is back where it began",
            apply: vec![
                pod("web", 1, false),
                replica_set("web", 2),
                deployment("web", 2),
                ready_ks("tenants", old),
                ready_ks("apps", old),
                ready_ks("monitoring", old),
                git(old),
            ],
        },
    ]
}

/// Loads the initial cluster into a server.
pub fn load(server: &FakeApiServer) -> Result<(), WriteError> {
    for o in initial() {
        server.apply(o)?;
    }
    Ok(())
}

//! A realistic cluster for the scale benchmark: Flux Kustomizations (with inventories),
//! HelmReleases and Argo CD Applications, each with what it deployed (Deployments, their
//! ReplicaSets and Pods, Services, ConfigMaps), objects as the API server sends them
//! (`managedFields`, `uid`, `creationTimestamp`, Flux's and Argo CD's labels and annotations,
//! owner references, `last-applied-configuration` on some).
//!
//! Everything is a pure function of indices, so an update rebuilds an object with another
//! state instead of keeping every object in memory.

use serde_json::{Value, json};

/// What deployed an application: a Flux Kustomization (inventory), a HelmRelease (labels) or an
/// Argo CD Application (`status.resources`, instance label, tracking-id annotation).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Parent {
    Kustomization,
    HelmRelease,
    Application,
}

/// One application: a parent and the workloads it deployed.
#[derive(Clone, Copy, Debug)]
pub struct Unit {
    pub index: usize,
    pub parent: Parent,
    /// Deployments; each comes with a Service, a ConfigMap, two ReplicaSets (the current one
    /// and the previous one, scaled to 0) and the current one's Pods.
    pub deployments: usize,
}

pub const PODS_PER_DEPLOYMENT: usize = 2;
/// Objects per Deployment: itself, Service, ConfigMap, 2 ReplicaSets, its Pods.
pub const PER_DEPLOYMENT: usize = 5 + PODS_PER_DEPLOYMENT;
pub const NODES: usize = 50;

impl Unit {
    pub fn new(index: usize) -> Unit {
        let parent = match index % 10 {
            0..=5 => Parent::Kustomization,
            6..=8 => Parent::HelmRelease,
            _ => Parent::Application,
        };
        // Most applications have tens of children; one in 20 a few hundred, one in 100 about
        // 900 (the large parents whose roll-up grows with them).
        let deployments = if index % 100 == 37 {
            128
        } else if index % 20 == 11 {
            32
        } else {
            1 + index % 4
        };
        Unit {
            index,
            parent,
            deployments,
        }
    }

    pub fn namespace(&self) -> String {
        format!("app-{:05}", self.index)
    }

    pub fn parent_name(&self) -> String {
        match self.parent {
            Parent::Kustomization => format!("ks-app-{:05}", self.index),
            Parent::HelmRelease => format!("hr-app-{:05}", self.index),
            Parent::Application => format!("argo-app-{:05}", self.index),
        }
    }

    pub fn objects(&self, children: bool) -> usize {
        1 + if children {
            self.deployments * PER_DEPLOYMENT
        } else {
            0
        }
    }
}

/// The units of a cluster of about `total` objects (with children: parents, children and
/// [`NODES`] Nodes; without: parents only).
pub fn units(total: usize, children: bool) -> Vec<Unit> {
    let mut out = Vec::new();
    let mut n = if children { NODES } else { 0 };
    while n < total {
        let u = Unit::new(out.len());
        n += u.objects(children);
        out.push(u);
    }
    out
}

fn hash(i: usize, salt: u64) -> String {
    let mut x = (i as u64 ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 29;
    let alphabet = b"bcdfghjklmnpqrstvwxz2456789";
    (0..10)
        .map(|k| alphabet[((x >> (k * 6)) % alphabet.len() as u64) as usize] as char)
        .collect()
}

fn ts(i: usize) -> String {
    format!(
        "2026-11-{:02}T{:02}:{:02}:{:02}Z",
        1 + i % 28,
        i % 24,
        i % 60,
        (i * 7) % 60
    )
}

fn revision(state: usize) -> String {
    format!("main@sha1:{}", &hash(state, 0x5eed)[..10])
}

fn deployment_name(d: usize) -> String {
    const NAMES: [&str; 8] = [
        "api", "web", "worker", "cache", "gateway", "auth", "search", "billing",
    ];
    format!("{}-{d}", NAMES[d % NAMES.len()])
}

/// Labels and annotations every child of `u` carries from its parent.
fn parent_marks(u: &Unit, kind_path: &str, name: &str) -> (Value, Value) {
    let ns = u.namespace();
    let app = name.to_string();
    let mut labels = json!({"app.kubernetes.io/name": app, "app.kubernetes.io/part-of": u.parent_name(),
        "app.kubernetes.io/version": "1.8.3"});
    let mut annotations = json!({});
    match u.parent {
        Parent::Kustomization => {
            labels["kustomize.toolkit.fluxcd.io/name"] = json!(u.parent_name());
            labels["kustomize.toolkit.fluxcd.io/namespace"] = json!("flux-system");
        }
        Parent::HelmRelease => {
            labels["helm.toolkit.fluxcd.io/name"] = json!(u.parent_name());
            labels["helm.toolkit.fluxcd.io/namespace"] = json!(ns);
            labels["app.kubernetes.io/managed-by"] = json!("Helm");
            labels["helm.sh/chart"] = json!("service-1.8.3");
            annotations["meta.helm.sh/release-name"] = json!(u.parent_name());
            annotations["meta.helm.sh/release-namespace"] = json!(ns);
        }
        Parent::Application => {
            labels["app.kubernetes.io/instance"] = json!(u.parent_name());
            annotations["argocd.argoproj.io/tracking-id"] =
                json!(format!("{}:{kind_path}:{ns}/{name}", u.parent_name()));
        }
    }
    (labels, annotations)
}

fn manager(u: &Unit) -> (&'static str, &'static str) {
    match u.parent {
        Parent::Kustomization => ("kustomize-controller", "Apply"),
        Parent::HelmRelease => ("helm-controller", "Update"),
        Parent::Application => ("argocd-controller", "Update"),
    }
}

fn meta(
    name: &str,
    namespace: &str,
    i: usize,
    labels: Value,
    annotations: Value,
    managed: Value,
) -> Value {
    json!({"name": name, "namespace": namespace, "uid": format!("{}-{}", &hash(i, 1)[..8], hash(i, 2)),
        "creationTimestamp": ts(i), "labels": labels, "annotations": annotations, "managedFields": managed})
}

/// The parent of `u`, Ready or not (`state` even: ready).
pub fn parent(u: &Unit, state: usize) -> Value {
    let ready = state.is_multiple_of(2);
    let (status, reason) = if ready {
        ("True", "ReconciliationSucceeded")
    } else {
        ("False", "HealthCheckFailed")
    };
    let ns = u.namespace();
    let name = u.parent_name();
    let i = u.index;
    let managed = |controller: &str, spec: Value| {
        json!([
            {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1", "time": ts(i),
             "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}},
                 "f:labels": {".": {}, "f:team": {}}}, "f:spec": spec}},
            {"manager": controller, "operation": "Update", "apiVersion": "v1", "time": ts(i + state),
             "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:finalizers": {".": {}, "v:\"finalizers.fluxcd.io\"": {}}}}},
            {"manager": controller, "operation": "Update", "apiVersion": "v1", "time": ts(i + state), "subresource": "status",
             "fieldsType": "FieldsV1", "fieldsV1": {"f:status": {"f:conditions": {}, "f:observedGeneration": {}, "f:lastHandledReconcileAt": {}}}}
        ])
    };
    let conditions = |message: String| {
        json!([{"type": "Ready", "status": status, "reason": reason, "message": message,
                "lastTransitionTime": ts(i + state), "observedGeneration": 3}])
    };
    match u.parent {
        Parent::Kustomization => {
            let mut entries = Vec::new();
            for d in 0..u.deployments {
                let n = deployment_name(d);
                entries.push(json!({"id": format!("{ns}_{n}_apps_Deployment"), "v": "v1"}));
                entries.push(json!({"id": format!("{ns}_{n}__Service"), "v": "v1"}));
                entries.push(json!({"id": format!("{ns}_{n}-config__ConfigMap"), "v": "v1"}));
            }
            let message = if ready {
                format!("Applied revision: {}", revision(state))
            } else {
                format!(
                    "health check failed after 4m59s: timeout waiting for: [Deployment/{ns}/{} status: 'InProgress']",
                    deployment_name(0)
                )
            };
            json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                "metadata": {"name": name, "namespace": "flux-system", "generation": 3,
                    "uid": format!("{}-{}", &hash(i, 3)[..8], hash(i, 4)), "creationTimestamp": ts(i),
                    "finalizers": ["finalizers.fluxcd.io"], "labels": {"team": format!("t{}", i % 40)},
                    "managedFields": managed("kustomize-controller", json!({"f:interval": {}, "f:path": {}, "f:prune": {}, "f:sourceRef": {}, "f:targetNamespace": {}}))},
                "spec": {"interval": "10m", "path": format!("./apps/{ns}"), "prune": true, "wait": true, "timeout": "5m",
                    "targetNamespace": ns,
                    "sourceRef": {"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"}},
                "status": {"observedGeneration": 3, "lastAppliedRevision": revision(state), "lastAttemptedRevision": revision(state),
                    "lastHandledReconcileAt": ts(i + state), "conditions": conditions(message),
                    "inventory": {"entries": entries}}})
        }
        Parent::HelmRelease => {
            let message = if ready {
                format!(
                    "Helm upgrade succeeded for release {ns}/{name}.v{} with chart service@1.8.3",
                    2 + state
                )
            } else {
                "Helm upgrade failed for release: context deadline exceeded".to_string()
            };
            json!({"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
                "metadata": {"name": name, "namespace": ns, "generation": 3,
                    "uid": format!("{}-{}", &hash(i, 3)[..8], hash(i, 4)), "creationTimestamp": ts(i),
                    "finalizers": ["finalizers.fluxcd.io"], "labels": {"team": format!("t{}", i % 40)},
                    "managedFields": managed("helm-controller", json!({"f:interval": {}, "f:chart": {}, "f:values": {}}))},
                "spec": {"interval": "5m", "chart": {"spec": {"chart": "service", "version": "1.8.3",
                    "sourceRef": {"kind": "HelmRepository", "name": "charts", "namespace": "flux-system"}}},
                    "values": {"replicaCount": PODS_PER_DEPLOYMENT, "deployments": u.deployments}},
                "status": {"observedGeneration": 3, "lastAttemptedRevision": "1.8.3", "lastAttemptedReleaseAction": "upgrade",
                    "history": [{"chartName": "service", "chartVersion": "1.8.3", "status": if ready { "deployed" } else { "failed" },
                        "version": 2 + state, "name": name, "namespace": ns, "firstDeployed": ts(i), "lastDeployed": ts(i + state),
                        "digest": format!("sha256:{}", hash(state, 9))}],
                    "conditions": conditions(message)}})
        }
        Parent::Application => {
            let mut resources = Vec::new();
            for d in 0..u.deployments {
                let n = deployment_name(d);
                let health = if ready { "Healthy" } else { "Progressing" };
                resources.push(json!({"group": "apps", "version": "v1", "kind": "Deployment", "namespace": ns, "name": n,
                    "status": "Synced", "health": {"status": health}}));
                resources.push(
                    json!({"version": "v1", "kind": "Service", "namespace": ns, "name": n,
                    "status": "Synced", "health": {"status": "Healthy"}}),
                );
                resources.push(json!({"version": "v1", "kind": "ConfigMap", "namespace": ns, "name": format!("{n}-config"),
                    "status": "Synced"}));
            }
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                "metadata": {"name": name, "namespace": "argocd", "generation": 40 + state,
                    "uid": format!("{}-{}", &hash(i, 3)[..8], hash(i, 4)), "creationTimestamp": ts(i),
                    "labels": {"team": format!("t{}", i % 40)},
                    "managedFields": managed("argocd-application-controller", json!({"f:project": {}, "f:source": {}, "f:destination": {}, "f:syncPolicy": {}}))},
                "spec": {"project": "default", "destination": {"namespace": ns, "server": "https://kubernetes.default.svc"},
                    "source": {"repoURL": "https://git.example.com/platform/apps.git", "path": format!("apps/{ns}"), "targetRevision": "HEAD"},
                    "syncPolicy": {"automated": {"prune": true, "selfHeal": true}}},
                "status": {"sync": {"status": "Synced", "revision": &hash(state, 7)},
                    "health": {"status": if ready { "Healthy" } else { "Degraded" }},
                    "reconciledAt": ts(i + state), "sourceType": "Directory",
                    "operationState": {"phase": "Succeeded", "message": "successfully synced (all tasks run)",
                        "startedAt": ts(i + state), "finishedAt": ts(i + state)},
                    "resources": resources}})
        }
    }
}

/// A Deployment of `u`, all replicas available or one missing (`state` odd).
pub fn deployment(u: &Unit, d: usize, state: usize) -> Value {
    let ns = u.namespace();
    let name = deployment_name(d);
    let i = u.index * 1000 + d;
    let (labels, mut annotations) = parent_marks(u, "apps/Deployment", &name);
    annotations["deployment.kubernetes.io/revision"] = json!("2");
    let (mgr, op) = manager(u);
    let available = if state.is_multiple_of(2) {
        PODS_PER_DEPLOYMENT
    } else {
        PODS_PER_DEPLOYMENT - 1
    };
    let managed = json!([
        {"manager": mgr, "operation": op, "apiVersion": "apps/v1", "time": ts(i), "fieldsType": "FieldsV1",
         "fieldsV1": {"f:metadata": {"f:labels": {}, "f:annotations": {}}, "f:spec": {"f:replicas": {}, "f:selector": {},
             "f:template": {"f:metadata": {"f:labels": {}}, "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {}, "f:ports": {}, "f:resources": {}}}}}}}},
        {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "apps/v1", "time": ts(i + state),
         "fieldsType": "FieldsV1", "subresource": "status",
         "fieldsV1": {"f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}},
             "f:status": {"f:availableReplicas": {}, "f:conditions": {}, "f:observedGeneration": {}, "f:readyReplicas": {}, "f:replicas": {}, "f:updatedReplicas": {}}}}
    ]);
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"generation": 2, "name": name, "namespace": ns, "uid": format!("{}-{}", &hash(i, 5)[..8], hash(i, 6)),
            "creationTimestamp": ts(i), "labels": labels, "annotations": annotations, "managedFields": managed},
        "spec": {"replicas": PODS_PER_DEPLOYMENT, "revisionHistoryLimit": 10, "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "template": {"metadata": {"labels": {"app.kubernetes.io/name": name}},
                "spec": {"containers": [{"name": "app", "image": format!("registry.example.com/{name}:1.8.3"),
                    "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}}]}}},
        "status": {"observedGeneration": 2, "replicas": PODS_PER_DEPLOYMENT, "updatedReplicas": PODS_PER_DEPLOYMENT,
            "readyReplicas": available, "availableReplicas": available,
            "unavailableReplicas": PODS_PER_DEPLOYMENT - available,
            "conditions": [
                {"type": "Available", "status": if available == PODS_PER_DEPLOYMENT { "True" } else { "False" },
                 "reason": if available == PODS_PER_DEPLOYMENT { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" },
                 "message": "Deployment has minimum availability.", "lastUpdateTime": ts(i + state), "lastTransitionTime": ts(i + state)},
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                 "message": format!("ReplicaSet \"{name}-{}\" has successfully progressed.", &hash(i, 8)[..10]),
                 "lastUpdateTime": ts(i), "lastTransitionTime": ts(i)}]}})
}

fn owner(kind: &str, name: &str, uid_of: usize, a: u64, b: u64) -> Value {
    json!([{"apiVersion": "apps/v1", "kind": kind, "name": name,
        "uid": format!("{}-{}", &hash(uid_of, a)[..8], hash(uid_of, b)), "controller": true, "blockOwnerDeletion": true}])
}

fn replica_set_name(u: &Unit, d: usize, current: bool) -> String {
    let i = u.index * 1000 + d;
    format!(
        "{}-{}",
        deployment_name(d),
        &hash(i, if current { 8 } else { 10 })[..10]
    )
}

/// A ReplicaSet of a Deployment of `u`: the current one (`current`) or the previous one.
pub fn replica_set(u: &Unit, d: usize, current: bool) -> Value {
    let ns = u.namespace();
    let dep = deployment_name(d);
    let name = replica_set_name(u, d, current);
    let i = u.index * 1000 + d;
    let replicas = if current { PODS_PER_DEPLOYMENT } else { 0 };
    let managed = json!([{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "apps/v1", "time": ts(i),
        "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:annotations": {}, "f:labels": {}, "f:ownerReferences": {}},
            "f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {}}}},
        {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "apps/v1", "time": ts(i),
        "fieldsType": "FieldsV1", "subresource": "status",
        "fieldsV1": {"f:status": {"f:availableReplicas": {}, "f:fullyLabeledReplicas": {}, "f:observedGeneration": {}, "f:readyReplicas": {}, "f:replicas": {}}}}]);
    let mut m = meta(
        &name,
        &ns,
        i * 2 + usize::from(current),
        json!({"app.kubernetes.io/name": dep, "pod-template-hash": &name[name.len() - 10..]}),
        json!({"deployment.kubernetes.io/desired-replicas": "2", "deployment.kubernetes.io/max-replicas": "3",
               "deployment.kubernetes.io/revision": if current { "2" } else { "1" }}),
        managed,
    );
    m["ownerReferences"] = owner("Deployment", &dep, i, 5, 6);
    m["generation"] = json!(if current { 1 } else { 2 });
    json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": m,
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app.kubernetes.io/name": dep}},
            "template": {"metadata": {"labels": {"app.kubernetes.io/name": dep}},
                "spec": {"containers": [{"name": "app", "image": format!("registry.example.com/{dep}:1.8.{}", if current { 3 } else { 2 }),
                    "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                    "envFrom": [{"configMapRef": {"name": format!("{dep}-config")}}],
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}}],
                    "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "terminationGracePeriodSeconds": 30}}},
        "status": {"replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas,
            "availableReplicas": replicas, "observedGeneration": if current { 1 } else { 2 }}})
}

pub fn pod_name(u: &Unit, d: usize, p: usize) -> String {
    let i = u.index * 1000 + d;
    format!(
        "{}-{}",
        replica_set_name(u, d, true),
        &hash(i * 10 + p, 11)[..5]
    )
}

/// A Pod of the current ReplicaSet, ready or not (`state` odd: its container not ready).
pub fn pod(u: &Unit, d: usize, p: usize, state: usize) -> Value {
    let ns = u.namespace();
    let dep = deployment_name(d);
    let rs = replica_set_name(u, d, true);
    let name = pod_name(u, d, p);
    let i = (u.index * 1000 + d) * 10 + p;
    let ready = state.is_multiple_of(2);
    let r = if ready { "True" } else { "False" };
    let managed = json!([{"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1", "time": ts(i),
        "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:generateName": {}, "f:labels": {}, "f:ownerReferences": {}},
            "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {}}, "f:dnsPolicy": {}, "f:restartPolicy": {}}}},
        {"manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": ts(i + state), "fieldsType": "FieldsV1",
         "subresource": "status", "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:startTime": {}}}}]);
    let mut m = meta(
        &name,
        &ns,
        i,
        json!({"app.kubernetes.io/name": dep, "pod-template-hash": &rs[rs.len() - 10..]}),
        json!({"kubectl.kubernetes.io/restartedAt": ts(i)}),
        managed,
    );
    m["generateName"] = json!(format!("{rs}-"));
    m["ownerReferences"] = owner("ReplicaSet", &rs, (u.index * 1000 + d) * 2 + 1, 1, 2);
    let node = format!("node-{:03}", i % NODES);
    let waiting = if ready {
        json!({"running": {"startedAt": ts(i)}})
    } else {
        json!({"waiting": {"reason": "CrashLoopBackOff", "message": format!("back-off 2m40s restarting failed container=app pod={name}")}})
    };
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": m,
        "spec": {"nodeName": node, "restartPolicy": "Always", "serviceAccountName": "default",
            "containers": [{"name": "app", "image": format!("registry.example.com/{dep}:1.8.3"),
                "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
                "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
                        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}}],
                "envFrom": [{"configMapRef": {"name": format!("{dep}-config")}}],
                "volumeMounts": [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": format!("kube-api-access-{}", &hash(i, 15)[..5]), "readOnly": true}],
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent",
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}}],
            "tolerations": [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300}],
            "volumes": [{"name": format!("kube-api-access-{}", &hash(i, 15)[..5]), "projected": {"defaultMode": 420, "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}],
            "dnsPolicy": "ClusterFirst", "enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority", "priority": 0,
            "schedulerName": "default-scheduler", "terminationGracePeriodSeconds": 30},
        "status": {"phase": "Running", "hostIP": "10.0.0.12", "podIP": format!("10.244.{}.{}", (i / 250) % 250, i % 250),
            "qosClass": "Burstable", "startTime": ts(i),
            "conditions": [{"type": "Initialized", "status": "True", "lastTransitionTime": ts(i)},
                {"type": "Ready", "status": r, "lastTransitionTime": ts(i + state)},
                {"type": "ContainersReady", "status": r, "lastTransitionTime": ts(i + state)},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": ts(i)}],
            "containerStatuses": [{"name": "app", "ready": ready, "restartCount": state, "started": ready,
                "image": format!("registry.example.com/{dep}:1.8.3"), "imageID": format!("registry.example.com/{dep}@sha256:{}", hash(i, 12)),
                "containerID": format!("containerd://{}{}", hash(i, 13), hash(i, 14)), "state": waiting}]}})
}

pub fn service(u: &Unit, d: usize) -> Value {
    let ns = u.namespace();
    let name = deployment_name(d);
    let i = u.index * 1000 + d;
    let (labels, mut annotations) = parent_marks(u, "Service", &name);
    if u.parent == Parent::Application {
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = json!(format!(
            "{{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{{\"name\":\"{name}\",\"namespace\":\"{ns}\"}},\"spec\":{{\"ports\":[{{\"name\":\"http\",\"port\":80,\"targetPort\":8080}}],\"selector\":{{\"app.kubernetes.io/name\":\"{name}\"}}}}}}\n"
        ));
    }
    let (mgr, op) = manager(u);
    let managed = json!([{"manager": mgr, "operation": op, "apiVersion": "v1", "time": ts(i), "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {"f:annotations": {}, "f:labels": {}}, "f:spec": {"f:ports": {"k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:name": {}, "f:port": {}, "f:targetPort": {}}}, "f:selector": {}, "f:type": {}}}}]);
    json!({"apiVersion": "v1", "kind": "Service", "metadata": meta(&name, &ns, i * 3, labels, annotations, managed),
        "spec": {"type": "ClusterIP", "clusterIP": format!("10.96.{}.{}", (i / 250) % 250, i % 250), "clusterIPs": [format!("10.96.{}.{}", (i / 250) % 250, i % 250)],
            "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack", "sessionAffinity": "None",
            "ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080}],
            "selector": {"app.kubernetes.io/name": name}},
        "status": {"loadBalancer": {}}})
}

pub fn config_map(u: &Unit, d: usize) -> Value {
    let ns = u.namespace();
    let name = format!("{}-config", deployment_name(d));
    let i = u.index * 1000 + d;
    let (labels, mut annotations) = parent_marks(u, "ConfigMap", &name);
    let data = json!({"LOG_LEVEL": "info", "LISTEN": ":8080", "UPSTREAM": format!("http://backend.{ns}.svc:8080"),
        "FEATURES": "search,cache,audit", "config.yaml": format!("server:\n  port: 8080\n  timeout: 30s\ncache:\n  size: 512\n  ttl: 5m\nname: {name}\n")});
    if u.parent == Parent::Application {
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = json!(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": data})
                .to_string()
        );
    }
    let (mgr, op) = manager(u);
    let managed = json!([{"manager": mgr, "operation": op, "apiVersion": "v1", "time": ts(i), "fieldsType": "FieldsV1",
        "fieldsV1": {"f:data": {".": {}, "f:FEATURES": {}, "f:LISTEN": {}, "f:LOG_LEVEL": {}, "f:UPSTREAM": {}, "f:config.yaml": {}},
            "f:metadata": {"f:annotations": {}, "f:labels": {}}}}]);
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta(&name, &ns, i * 3 + 1, labels, annotations, managed),
        "data": data})
}

pub fn node(n: usize) -> Value {
    let name = format!("node-{n:03}");
    json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "uid": format!("{}-{}", &hash(n, 20)[..8], hash(n, 21)), "creationTimestamp": ts(n),
            "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "m6i.2xlarge",
                       "topology.kubernetes.io/zone": format!("eu-west-1{}", ["a", "b", "c"][n % 3])}},
        "spec": {"podCIDR": format!("10.244.{n}.0/24"), "providerID": format!("aws:///eu-west-1a/i-{}", hash(n, 22))},
        "status": {"capacity": {"cpu": "8", "memory": "32Gi", "pods": "110"}, "allocatable": {"cpu": "7910m", "memory": "31Gi", "pods": "110"},
            "conditions": [{"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory", "lastHeartbeatTime": ts(n), "lastTransitionTime": ts(n)},
                {"type": "DiskPressure", "status": "False", "reason": "KubeletHasNoDiskPressure", "lastHeartbeatTime": ts(n), "lastTransitionTime": ts(n)},
                {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status", "lastHeartbeatTime": ts(n), "lastTransitionTime": ts(n)}],
            "nodeInfo": {"kubeletVersion": "v1.31.2", "containerRuntimeVersion": "containerd://1.7.22", "osImage": "Bottlerocket OS 1.26.1"}}})
}

/// Every object of `u` (the parent first), in state 0.
pub fn unit_objects(u: &Unit, children: bool, mut f: impl FnMut(Value)) {
    f(parent(u, 0));
    if !children {
        return;
    }
    for d in 0..u.deployments {
        f(deployment(u, d, 0));
        f(service(u, d));
        f(config_map(u, d));
        f(replica_set(u, d, true));
        f(replica_set(u, d, false));
        for p in 0..PODS_PER_DEPLOYMENT {
            f(pod(u, d, p, 0));
        }
    }
}

//! A realistic Deployment as the API server sends it, for the examples that measure the cost of
//! a watch event: `managedFields` of three managers, Flux's labels, a
//! `kubectl.kubernetes.io/last-applied-configuration` annotation, a pod template and status
//! conditions.

use serde_json::{Value, json};

/// A `fieldsV1` map of about 40 keys, as a manager of a Deployment leaves it.
fn fields_v1(manager: usize) -> Value {
    let leaf = || json!({});
    let mut containers = serde_json::Map::new();
    for f in [
        "f:image",
        "f:imagePullPolicy",
        "f:name",
        "f:resources",
        "f:terminationMessagePath",
        "f:terminationMessagePolicy",
    ] {
        containers.insert(f.into(), leaf());
    }
    containers.insert(
        "f:ports".into(),
        json!({".": {}, "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:name": {}, "f:protocol": {}}}),
    );
    match manager {
        0 => json!({
            "f:metadata": {"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}},
                           "f:labels": {".": {}, "f:app": {}, "f:team": {}}},
            "f:spec": {"f:progressDeadlineSeconds": {}, "f:replicas": {}, "f:revisionHistoryLimit": {},
                       "f:selector": {}, "f:strategy": {"f:rollingUpdate": {".": {}, "f:maxSurge": {}, "f:maxUnavailable": {}}, "f:type": {}},
                       "f:template": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}},
                                      "f:spec": {"f:containers": {"k:{\"name\":\"app\"}": containers},
                                                 "f:dnsPolicy": {}, "f:restartPolicy": {}, "f:schedulerName": {},
                                                 "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}}}}
        }),
        1 => json!({
            "f:metadata": {"f:annotations": {"f:deployment.kubernetes.io/revision": {}}},
            "f:status": {"f:availableReplicas": {}, "f:observedGeneration": {}, "f:readyReplicas": {},
                         "f:replicas": {}, "f:updatedReplicas": {},
                         "f:conditions": {".": {},
                             "k:{\"type\":\"Available\"}": {".": {}, "f:lastTransitionTime": {}, "f:lastUpdateTime": {}, "f:message": {}, "f:reason": {}, "f:status": {}, "f:type": {}},
                             "k:{\"type\":\"Progressing\"}": {".": {}, "f:lastTransitionTime": {}, "f:lastUpdateTime": {}, "f:message": {}, "f:reason": {}, "f:status": {}, "f:type": {}}}}
        }),
        _ => json!({
            "f:metadata": {"f:labels": {"f:kustomize.toolkit.fluxcd.io/name": {}, "f:kustomize.toolkit.fluxcd.io/namespace": {}}},
            "f:spec": {"f:template": {"f:spec": {"f:containers": {"k:{\"name\":\"app\"}": {"f:env": {".": {}, "k:{\"name\":\"MODE\"}": {".": {}, "f:name": {}, "f:value": {}}}, "f:image": {}}}}}}
        }),
    }
}

/// Deployment `i` at `generation`, as the API server sends it.
pub fn deployment(i: usize, generation: u64) -> Value {
    let name = format!("web-{i}");
    let namespace = format!("team-{}", i % 50);
    let template = json!({
        "metadata": {"labels": {"app": name}},
        "spec": {"containers": [{"name": "app", "image": "registry.example.com/shop/web:1.4.2",
                                  "imagePullPolicy": "IfNotPresent",
                                  "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                                  "env": [{"name": "MODE", "value": "production"}],
                                  "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                                  "terminationMessagePath": "/dev/termination-log",
                                  "terminationMessagePolicy": "File"}],
                 "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
                 "securityContext": {}, "terminationGracePeriodSeconds": 30}
    });
    let applied = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name, "team": "shop"},
                     "annotations": {"description": "The shop's web front end: serves the catalogue and the basket, behind the ingress of the team."}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": name}}, "template": template}});
    let managers = [
        "kubectl-client-side-apply",
        "kube-controller-manager",
        "kustomize-controller",
    ];
    let managed: Vec<Value> = managers
        .iter()
        .enumerate()
        .map(|(m, manager)| {
            json!({"manager": manager, "operation": if m == 2 { "Apply" } else { "Update" },
                   "apiVersion": "apps/v1", "time": "2026-12-01T10:00:00Z",
                   "fieldsType": "FieldsV1", "fieldsV1": fields_v1(m)})
        })
        .collect();
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {
            "name": name, "namespace": namespace,
            "uid": format!("6f1c2a4e-0000-4000-8000-{i:012}"),
            "resourceVersion": (1000 + i as u64 * 7 + generation).to_string(),
            "generation": generation, "creationTimestamp": "2026-11-01T10:00:00Z",
            "labels": {"app": name, "team": "shop",
                       "kustomize.toolkit.fluxcd.io/name": format!("apps-{}", i % 100),
                       "kustomize.toolkit.fluxcd.io/namespace": "flux-system"},
            "annotations": {"deployment.kubernetes.io/revision": "4",
                            "kubectl.kubernetes.io/last-applied-configuration": format!("{applied}\n")},
            "managedFields": managed,
        },
        "spec": {"replicas": 3, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
                 "selector": {"matchLabels": {"app": name}},
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                 "template": template},
        "status": {"observedGeneration": generation, "replicas": 3, "updatedReplicas": 3,
                   "readyReplicas": 3, "availableReplicas": 3,
                   "conditions": [
                       {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                        "message": "Deployment has minimum availability.",
                        "lastUpdateTime": "2026-11-01T10:00:05Z", "lastTransitionTime": "2026-11-01T10:00:05Z"},
                       {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                        "message": format!("ReplicaSet \"{name}-7d9f8b6c5\" has successfully progressed."),
                        "lastUpdateTime": "2026-11-01T10:00:05Z", "lastTransitionTime": "2026-11-01T10:00:00Z"}]}
    })
}

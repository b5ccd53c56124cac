//! Edge cases of the core kinds, written from Kubernetes' semantics rather than from fixtures.

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::health::{Assessment, Health, assess};

fn now() -> Timestamp {
    "2026-11-23T12:00:00Z".parse().unwrap()
}

/// `now` minus a jiff span such as `2h` or `30m`, as RFC 3339.
fn ago(span: &str) -> String {
    let d: jiff::SignedDuration = span.parse().unwrap();
    (now() - d).to_string()
}

fn verdict(a: &Assessment) -> (Health, bool, &str) {
    (a.health, a.ready, a.status.as_str())
}

fn pod(created: &str, container_status: Value) -> Value {
    let ready = container_status["ready"].as_bool().unwrap_or(false);
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "namespace": "default", "creationTimestamp": ago(created)},
        "spec": {"containers": [{"name": "app", "image": "app:1"}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": if ready { "True" } else { "False" }}],
            "containerStatuses": [container_status],
        }
    })
}

#[test]
fn a_running_ready_pod_is_healthy() {
    let p = pod(
        "48h",
        json!({"name": "app", "ready": true, "restartCount": 0, "state": {"running": {}}}),
    );
    assert_eq!(
        verdict(&assess(&p, now())),
        (Health::Healthy, true, "Running")
    );
}

#[test]
fn crash_loop_reports_why_the_container_died() {
    let p = pod(
        "48h",
        json!({
            "name": "app", "ready": false, "restartCount": 7,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s"}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": ago("2m")}},
        }),
    );
    let a = assess(&p, now());
    assert_eq!(verdict(&a), (Health::Unhealthy, false, "OOMKilled"));
    assert!(a.message.contains("restarted 7 times"), "{}", a.message);
}

#[test]
fn old_crashes_fade_from_unhealthy_to_warning_to_forgotten() {
    let crashed = |when: &str| {
        pod(
            "72h",
            json!({
                "name": "app", "ready": true, "restartCount": 3, "state": {"running": {}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": ago(when)}},
            }),
        )
    };
    assert_eq!(assess(&crashed("10m"), now()).health, Health::Unhealthy);
    assert_eq!(assess(&crashed("5h"), now()).health, Health::Warning);
    assert_eq!(assess(&crashed("30h"), now()).health, Health::Healthy);
}

#[test]
fn a_single_restart_reads_crashed_once() {
    let p = pod(
        "72h",
        json!({
            "name": "app", "ready": true, "restartCount": 1, "state": {"running": {}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 2, "finishedAt": ago("3h")}},
        }),
    );
    assert_eq!(
        verdict(&assess(&p, now())),
        (Health::Warning, false, "CrashedOnce")
    );
}

#[test]
fn a_young_pod_gets_time_to_start() {
    let crashing = |created: &str| {
        pod(
            created,
            json!({
                "name": "app", "ready": false, "restartCount": 2,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": ago("1m")}},
            }),
        )
    };
    let young = assess(&crashing("4m"), now());
    assert_eq!(verdict(&young), (Health::Unknown, false, "Starting"));
    let old = assess(&crashing("11m"), now());
    assert_eq!(old.health, Health::Unhealthy);
}

#[test]
fn a_slow_readiness_probe_widens_the_start_window() {
    let mut p = pod(
        "15m",
        json!({
            "name": "app", "ready": false, "restartCount": 1,
            "state": {"running": {}},
            "lastState": {"terminated": {"reason": "Error", "exitCode": 1, "finishedAt": ago("1m")}},
        }),
    );
    p["spec"]["containers"][0]["readinessProbe"] = json!({"initialDelaySeconds": 1200});
    assert_eq!(assess(&p, now()).status, "Starting");
}

#[test]
fn image_pull_failures_are_unhealthy_at_once_but_creating_takes_time() {
    let waiting = |created: &str, reason: &str| {
        pod(
            created,
            json!({"name": "app", "ready": false, "restartCount": 0, "state": {"waiting": {"reason": reason}}}),
        )
    };
    assert_eq!(
        verdict(&assess(&waiting("2m", "ImagePullBackOff"), now())),
        (Health::Unhealthy, false, "ImagePullBackOff")
    );
    assert_eq!(
        verdict(&assess(&waiting("2m", "ContainerCreating"), now())),
        (Health::Unknown, false, "ContainerCreating")
    );
    // Still creating after an hour: something (a volume, a secret) is missing.
    assert_eq!(
        assess(&waiting("1h", "ContainerCreating"), now()).health,
        Health::Unhealthy
    );
}

#[test]
fn finished_pods_are_final() {
    let finished = |phase: &str| json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "status": {"phase": phase}});
    assert_eq!(
        verdict(&assess(&finished("Succeeded"), now())),
        (Health::Healthy, true, "Completed")
    );
    assert_eq!(
        verdict(&assess(&finished("Failed"), now())),
        (Health::Unhealthy, true, "Failed")
    );
}

#[test]
fn a_pod_stuck_terminating_is_a_warning() {
    let mut p = pod(
        "48h",
        json!({"name": "app", "ready": true, "restartCount": 0, "state": {"running": {}}}),
    );
    p["metadata"]["deletionTimestamp"] = json!(ago("5m"));
    assert_eq!(
        verdict(&assess(&p, now())),
        (Health::Unknown, false, "Terminating")
    );
    p["metadata"]["deletionTimestamp"] = json!(ago("40m"));
    let a = assess(&p, now());
    assert_eq!(verdict(&a), (Health::Warning, false, "Terminating"));
    assert!(a.message.contains("40m0s"), "{}", a.message);
}

#[test]
fn other_kinds_stuck_terminating_for_an_hour_are_a_warning() {
    let mut ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team", "deletionTimestamp": ago("10m")}, "status": {"phase": "Terminating"}});
    assert_eq!(
        verdict(&assess(&ns, now())),
        (Health::Unknown, false, "Terminating")
    );
    ns["metadata"]["deletionTimestamp"] = json!(ago("50h"));
    let a = assess(&ns, now());
    assert_eq!(verdict(&a), (Health::Warning, false, "TerminatingStalled"));
    assert_eq!(a.message, "terminating for 2d");
}

fn deployment(spec_replicas: i64, status: Value) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "d", "namespace": "default", "generation": 3, "creationTimestamp": ago("48h")},
        "spec": {"replicas": spec_replicas, "template": {"spec": {"containers": [{"name": "app"}]}}},
        "status": status,
    })
}

fn rollout_conditions(available: &str, progressing_reason: &str) -> Value {
    json!([
        {"type": "Available", "status": available},
        {"type": "Progressing", "status": if progressing_reason == "ProgressDeadlineExceeded" { "False" } else { "True" }, "reason": progressing_reason},
    ])
}

#[test]
fn a_finished_rollout_is_healthy_and_ready() {
    let d = deployment(
        3,
        json!({"observedGeneration": 3, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
               "conditions": rollout_conditions("True", "NewReplicaSetAvailable")}),
    );
    let a = assess(&d, now());
    assert_eq!(verdict(&a), (Health::Healthy, true, "Running"));
    assert_eq!(a.message, "3/3 ready");
}

#[test]
fn a_rollout_in_progress_is_not_ready() {
    let d = deployment(
        3,
        json!({"observedGeneration": 3, "replicas": 4, "updatedReplicas": 1, "readyReplicas": 3, "availableReplicas": 3,
               "conditions": rollout_conditions("True", "ReplicaSetUpdated")}),
    );
    let a = assess(&d, now());
    assert_eq!((a.health, a.ready), (Health::Healthy, false));
    assert_eq!(a.status, "Rolling Out");
    assert!(a.message.contains("3 updating"), "{}", a.message);
}

#[test]
fn a_rollout_past_its_deadline_has_failed() {
    let d = deployment(
        2,
        json!({"observedGeneration": 3, "replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2,
               "conditions": rollout_conditions("True", "ProgressDeadlineExceeded")}),
    );
    let a = assess(&d, now());
    assert_eq!(a.status, "Rollout Failed");
    assert!(a.health >= Health::Warning);
}

#[test]
fn an_unobserved_generation_is_not_ready() {
    let d = deployment(
        3,
        json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
               "conditions": rollout_conditions("True", "NewReplicaSetAvailable")}),
    );
    assert!(!assess(&d, now()).ready);
}

#[test]
fn a_paused_deployment_is_suspended() {
    let mut d = deployment(
        1,
        json!({"observedGeneration": 3, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1,
               "conditions": rollout_conditions("True", "NewReplicaSetAvailable")}),
    );
    d["spec"]["paused"] = json!(true);
    let a = assess(&d, now());
    assert!(a.suspended);
    assert_eq!(a.status, "Suspended");
}

#[test]
fn scaled_to_zero_is_neither_good_nor_bad() {
    let d = deployment(0, json!({"observedGeneration": 3}));
    assert_eq!(
        verdict(&assess(&d, now())),
        (Health::Unknown, true, "Scaled to Zero")
    );
}

#[test]
fn replica_failure_is_unhealthy() {
    let d = deployment(
        2,
        json!({"observedGeneration": 3, "conditions": [
            {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate", "message": "exceeded quota"}
        ]}),
    );
    let a = assess(&d, now());
    assert_eq!(a.health, Health::Unhealthy);
    assert_eq!(a.message, "exceeded quota");
}

#[test]
fn a_daemon_set_with_unavailable_pods() {
    let ds = |available: i64, updated: i64| {
        json!({
            "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds", "generation": 1},
            "status": {"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": updated,
                       "numberAvailable": available, "numberReady": available, "numberUnavailable": 3 - available},
        })
    };
    assert_eq!(
        verdict(&assess(&ds(3, 3), now())),
        (Health::Healthy, true, "Running")
    );
    assert_eq!(
        verdict(&assess(&ds(2, 3), now())),
        (Health::Warning, false, "PartiallyAvailable")
    );
    assert_eq!(
        verdict(&assess(&ds(0, 3), now())),
        (Health::Unhealthy, false, "PartiallyAvailable")
    );
    assert_eq!(
        verdict(&assess(&ds(3, 1), now())),
        (Health::Healthy, false, "Rolling Out")
    );
}

#[test]
fn a_stateful_set_is_ready_when_every_replica_is_updated() {
    let sts = |updated: i64| {
        json!({
            "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "generation": 2, "creationTimestamp": ago("72h")},
            "spec": {"replicas": 3},
            "status": {"observedGeneration": 2, "replicas": 3, "readyReplicas": 3, "updatedReplicas": updated},
        })
    };
    assert!(assess(&sts(3), now()).ready);
    assert!(!assess(&sts(2), now()).ready);
}

#[test]
fn jobs_by_their_conditions() {
    let job = |conds: Value| json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "status": {"conditions": conds}});
    assert_eq!(
        verdict(&assess(
            &job(json!([{"type": "Complete", "status": "True"}])),
            now()
        )),
        (Health::Healthy, true, "Completed")
    );
    assert_eq!(
        verdict(&assess(
            &job(json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}])),
            now()
        )),
        (Health::Unhealthy, true, "BackoffLimitExceeded")
    );
    assert_eq!(
        verdict(&assess(&job(json!([])), now())),
        (Health::Healthy, false, "Running")
    );
}

#[test]
fn cron_job_judged_by_its_last_run() {
    let cj = |status: Value| json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}, "spec": {"schedule": "0 * * * *"}, "status": status});
    let failed = cj(json!({"lastScheduleTime": ago("10m"), "lastSuccessfulTime": ago("70m")}));
    assert_eq!(
        verdict(&assess(&failed, now())),
        (Health::Unhealthy, true, "LastRunFailed")
    );
    let ok = cj(json!({"lastScheduleTime": ago("10m"), "lastSuccessfulTime": ago("9m")}));
    assert_eq!(
        verdict(&assess(&ok, now())),
        (Health::Healthy, true, "Completed")
    );
    let running = cj(json!({"lastScheduleTime": ago("1m"), "active": [{"name": "c-1"}]}));
    assert_eq!(
        verdict(&assess(&running, now())),
        (Health::Healthy, false, "Running")
    );
}

#[test]
fn a_cron_job_without_a_status_waits_for_its_controller() {
    let cj = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}, "spec": {"schedule": "0 * * * *"}});
    assert_eq!(
        verdict(&assess(&cj, now())),
        (Health::Unknown, false, "Pending")
    );
    let mut fresh = cj.clone();
    fresh["status"] = json!({});
    assert_eq!(
        verdict(&assess(&fresh, now())),
        (Health::Healthy, true, "Scheduled")
    );
}

#[test]
fn a_suspended_cron_job_says_so_and_a_failure_comes_before_the_suspension() {
    let cj = |status: Value| json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"}, "spec": {"schedule": "0 * * * *", "suspend": true}, "status": status});
    let running = assess(
        &cj(json!({"lastScheduleTime": ago("1m"), "active": [{"name": "c-1"}]})),
        now(),
    );
    assert_eq!(verdict(&running), (Health::Healthy, true, "Suspended"));
    assert!(running.suspended);
    assert!(
        running
            .message
            .starts_with("suspended: no new runs are scheduled; running since"),
        "{}",
        running.message
    );
    let idle = assess(&cj(json!({})), now());
    assert_eq!(idle.message, "suspended: no new runs are scheduled");
    let failed = assess(
        &cj(json!({"lastScheduleTime": ago("10m"), "lastSuccessfulTime": ago("70m")})),
        now(),
    );
    assert_eq!(verdict(&failed), (Health::Unhealthy, true, "LastRunFailed"));
    assert!(failed.suspended && failed.message.ends_with("the CronJob is suspended"));
}

#[test]
fn a_load_balancer_gets_an_hour_to_get_an_address() {
    let svc = |created: &str| json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "creationTimestamp": ago(created)}, "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {}}});
    assert_eq!(
        verdict(&assess(&svc("20m"), now())),
        (Health::Unknown, false, "Creating")
    );
    assert_eq!(
        verdict(&assess(&svc("2h"), now())),
        (Health::Unhealthy, false, "Creating")
    );
    let cluster_ip = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"type": "ClusterIP"}});
    assert_eq!(assess(&cluster_ip, now()).health, Health::Healthy);
}

#[test]
fn nodes() {
    let node = |ready: &str, extra: Value| {
        let mut conds =
            vec![json!({"type": "Ready", "status": ready, "message": "kubelet says so"})];
        conds.push(extra);
        json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}, "status": {"conditions": conds}})
    };
    let quiet = json!({"type": "MemoryPressure", "status": "False"});
    assert_eq!(
        verdict(&assess(&node("True", quiet.clone()), now())),
        (Health::Healthy, true, "Running")
    );
    assert_eq!(
        verdict(&assess(&node("False", quiet.clone()), now())),
        (Health::Unhealthy, false, "NotReady")
    );
    assert_eq!(
        verdict(&assess(&node("Unknown", quiet.clone()), now())),
        (Health::Unhealthy, false, "NodeStatusUnknown")
    );
    let pressure = json!({"type": "DiskPressure", "status": "True", "message": "disk full"});
    let a = assess(&node("True", pressure), now());
    assert_eq!(
        (a.health, a.status.as_str(), a.message.as_str()),
        (Health::Warning, "DiskPressure", "disk full")
    );
    let mut cordoned = node("True", quiet);
    cordoned["spec"] = json!({"unschedulable": true});
    assert_eq!(
        verdict(&assess(&cordoned, now())),
        (Health::Warning, true, "Unschedulable")
    );
}

#[test]
fn hpa_v1_reads_conditions_from_its_annotation() {
    let conds = r#"[{"type":"AbleToScale","status":"False","reason":"FailedGetScale","message":"no scale subresource"}]"#;
    let hpa = json!({"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h",
        "annotations": {"autoscaling.alpha.kubernetes.io/conditions": conds}}});
    let a = assess(&hpa, now());
    assert_eq!(a.health, Health::Unhealthy);
    assert_eq!(a.message, "no scale subresource");
    let mut broken = hpa.clone();
    broken["metadata"]["annotations"]["autoscaling.alpha.kubernetes.io/conditions"] =
        json!("{not json");
    assert_eq!(assess(&broken, now()).health, Health::Unknown);
}

#[test]
fn pvc_phases() {
    let pvc = |phase: &str| json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"}, "status": {"phase": phase}});
    assert_eq!(
        verdict(&assess(&pvc("Bound"), now())),
        (Health::Healthy, true, "Bound")
    );
    assert_eq!(
        verdict(&assess(&pvc("Lost"), now())),
        (Health::Unhealthy, false, "Lost")
    );
}

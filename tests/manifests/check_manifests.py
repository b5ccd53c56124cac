"""Checks of herald's rendered manifests, alert rules and Grafana dashboards, for
tests/check-manifests.sh. Each failure is printed as `FILE: message`; the exit status is 1 when
there was one.

  check_manifests.py objects DIR=RENDERED.yaml...    object shapes, RBAC, Deployment, PDB,
                                                     configuration
  check_manifests.py rules RENDERED.yaml OUT.yaml TEST.yaml
                                                     PrometheusRule spec -> plain rule file; every
                                                     alert needs a firing and a quiet test case and
                                                     counts each object once (check_replicas)
  check_manifests.py dashboards OUT.yaml FILE.json...
                                                     dashboard sanity, metric contract, each object
                                                     counted once; OUT.yaml gets every query as a
                                                     recording rule, for `promtool check rules` to
                                                     parse
"""
import json
import re
import sys

import yaml

FAILURES = []


def fail(where, message):
    FAILURES.append(f"{where}: {message}")


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def dig(obj, *keys):
    for k in keys:
        if isinstance(obj, dict):
            obj = obj.get(k)
        elif isinstance(obj, list) and isinstance(k, int) and k < len(obj):
            obj = obj[k]
        else:
            return None
    return obj


# --- objects -------------------------------------------------------------------------------
READ_VERBS = {"get", "list", "watch"}
CRD_KINDS = {"ServiceMonitor", "PrometheusRule"}
# What herald may write, and only in its own namespace, for leader election: (apiGroup, resource).
WRITABLE = {("coordination.k8s.io", "leases"), ("", "configmaps")}
# The verbs herald's leader election uses on them (kube's get_opt, create and replace).
ELECTION_VERBS = {"get", "create", "update"}


def check_objects(pairs):
    count = 0
    for pair in pairs:
        source, _, path = pair.partition("=")
        name = source.rpartition("/")[2]
        docs = load_all(path)
        count += len(docs)
        where = f"manifests/{source} (rendered)"
        deployments = [d for d in docs if d.get("kind") == "Deployment"]
        herald_ns = dig(deployments[0], "metadata", "namespace") if deployments else None
        for d in docs:
            ref = f"{d.get('kind')}/{dig(d, 'metadata', 'name')}"
            for field in ("apiVersion", "kind"):
                if not d.get(field):
                    fail(where, f"{ref}: no {field}")
            if not dig(d, "metadata", "name"):
                fail(where, f"{ref}: no metadata.name")
            kind = d.get("kind")
            if kind in ("ClusterRole", "Role"):
                check_rbac(where, ref, d, herald_ns)
            elif kind == "ServiceMonitor":
                check_servicemonitor(where, ref, d, docs)
            elif kind == "PrometheusRule":
                check_prometheusrule(where, ref, d)
            elif kind == "Deployment":
                check_deployment(where, ref, d, docs, name)
            elif kind == "NetworkPolicy":
                check_networkpolicy(where, ref, d)
        kinds = {d.get("kind") for d in docs}
        for needed in ("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
                       "RoleBinding", "ConfigMap", "Deployment", "PodDisruptionBudget", "Service",
                       "ServiceMonitor", "NetworkPolicy", "PrometheusRule"):
            if needed not in kinds:
                fail(where, f"no {needed} rendered")
        if name == "argocd" and not any(
                d.get("kind") == "Role" and dig(d, "metadata", "namespace") == "argocd" for d in docs):
            fail(where, "no Role granting read access to argocd-cm")
        if len(deployments) == 1:
            check_pdb(where, deployments[0], docs)
    return count


def check_rbac(where, ref, role, herald_ns):
    """ClusterRoles only read. A write verb may appear only in a Role in herald's namespace, on
    Leases and ConfigMaps, and every rule with a verb other than create names its objects
    (create cannot be limited by resourceNames, so it stands in rules of its own)."""
    namespace = dig(role, "metadata", "namespace")
    for i, rule in enumerate(role.get("rules") or []):
        verbs = set(rule.get("verbs") or [])
        resources = set(rule.get("resources") or [])
        groups = set(rule.get("apiGroups") or [])
        names = rule.get("resourceNames") or []
        if "secrets" in resources or ("*" in resources and ("" in groups or "*" in groups)):
            fail(where, f"{ref} rule {i} grants access to Secrets")
        if "*" in groups:
            fail(where, f"{ref} rule {i} grants every API group")
        if "*" in verbs:
            fail(where, f"{ref} rule {i} grants every verb")
        if role["kind"] == "ClusterRole" and "configmaps" in resources:
            fail(where, f"{ref} rule {i} grants ConfigMaps cluster-wide (use a Role in argocd's namespace)")
        writes = verbs - READ_VERBS
        if not writes:
            continue
        if role["kind"] != "Role":
            fail(where, f"{ref} rule {i} grants {sorted(writes)}: a ClusterRole may only get, list and watch")
            continue
        if namespace != herald_ns:
            fail(where, f"{ref} rule {i} grants {sorted(writes)} in namespace {namespace!r}: herald writes only in its own ({herald_ns!r})")
        bad = {(g, r) for g in groups for r in resources} - WRITABLE
        if bad or rule.get("nonResourceURLs"):
            fail(where, f"{ref} rule {i} grants {sorted(writes)} on {sorted(bad) or rule.get('nonResourceURLs')}: herald writes only Leases and ConfigMaps")
        if verbs - ELECTION_VERBS:
            fail(where, f"{ref} rule {i} grants {sorted(verbs - ELECTION_VERBS)}: leader election needs only get, create and update")
        if verbs == {"create"}:
            if names:
                fail(where, f"{ref} rule {i}: create cannot be limited by resourceNames, which would refuse it")
        elif not names:
            fail(where, f"{ref} rule {i} grants {sorted(verbs)} without resourceNames: name the Lease and the ConfigMaps")
        elif "create" in verbs:
            fail(where, f"{ref} rule {i}: create cannot be limited by resourceNames; give it a rule of its own")
    if role.get("aggregationRule"):
        fail(where, f"{ref} aggregates other roles")


def election_names(cfg, args):
    """The Lease and ConfigMaps herald's leader election uses, from its configuration and flags."""
    le = (cfg or {}).get("leaderElection") or {}
    shard = flag(args, "--shard") or dig(cfg, "shard", "name")
    lease = flag(args, "--lease-name") or le.get("leaseName") or (f"herald-{shard}" if shard else "herald")
    parts = le.get("stateParts", 16)
    configmaps = {f"{lease}-state-{i:02}" for i in range(parts)} | {f"{lease}-silences"}
    return lease, configmaps


def flag(args, name):
    for i, a in enumerate(args):
        if a == name and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(name + "="):
            return a.partition("=")[2]
    return None


def check_election_rbac(where, ref, dep, docs, cfg, args):
    """The Role bound to herald's ServiceAccount in its namespace grants get and update on its
    Lease and ConfigMaps, by name, and create on both."""
    ns = dig(dep, "metadata", "namespace")
    sa = dig(dep, "spec", "template", "spec", "serviceAccountName") or "default"
    bound = {dig(b, "roleRef", "name") for b in docs
             if b.get("kind") == "RoleBinding" and dig(b, "metadata", "namespace") == ns
             and dig(b, "roleRef", "kind") == "Role"
             and any(s.get("kind") == "ServiceAccount" and s.get("name") == sa
                     and s.get("namespace", ns) == ns for s in b.get("subjects") or [])}
    rules = [r for d in docs if d.get("kind") == "Role" and dig(d, "metadata", "namespace") == ns
             and dig(d, "metadata", "name") in bound for r in d.get("rules") or []]
    lease, configmaps = election_names(cfg, args)
    for group, resource, wanted in (("coordination.k8s.io", "leases", {lease}),
                                    ("", "configmaps", configmaps)):
        on = [r for r in rules if group in (r.get("apiGroups") or [])
              and resource in (r.get("resources") or [])]
        for verb in ("get", "update"):
            named = {n for r in on if verb in (r.get("verbs") or []) for n in r.get("resourceNames") or []}
            if wanted - named:
                fail(where, f"{ref}: no Role bound to ServiceAccount {sa} in {ns} lets it {verb} {resource} {sorted(wanted - named)}")
            if named - wanted:
                fail(where, f"{ref}: the Role lets herald {verb} {resource} it never uses: {sorted(named - wanted)}")
        if not any("create" in (r.get("verbs") or []) and not r.get("resourceNames") for r in on):
            fail(where, f"{ref}: no Role bound to ServiceAccount {sa} in {ns} lets it create {resource}")


def check_pdb(where, dep, docs):
    ns = dig(dep, "metadata", "namespace")
    labels = dig(dep, "spec", "template", "metadata", "labels") or {}
    pdbs = [p for p in docs if p.get("kind") == "PodDisruptionBudget"
            and dig(p, "metadata", "namespace") == ns
            and (dig(p, "spec", "selector", "matchLabels") or {})
            and (dig(p, "spec", "selector", "matchLabels") or {}).items() <= labels.items()]
    if len(pdbs) != 1:
        fail(where, f"expected one PodDisruptionBudget selecting herald's pods, found {len(pdbs)}")
        return
    spec = pdbs[0].get("spec") or {}
    replicas = dig(dep, "spec", "replicas")
    if "maxUnavailable" in spec:
        if spec["maxUnavailable"] in (0, "0%"):
            fail(where, "the PodDisruptionBudget allows no eviction: a node drain would hang")
    elif not isinstance(spec.get("minAvailable"), int) or spec["minAvailable"] >= (replicas or 1):
        fail(where, "the PodDisruptionBudget needs maxUnavailable, or an integer minAvailable below the replicas")


def check_networkpolicy(where, ref, np):
    """Ingress admits named peers only: a rule without `from`, or a peer that selects every pod
    of every namespace, lets anyone who reaches the pod write to it."""
    spec = np.get("spec") or {}
    if "Ingress" not in (spec.get("policyTypes") or []):
        fail(where, f"{ref}: policyTypes lacks Ingress: every connection would be admitted")
    rules = spec.get("ingress") or []
    if not rules:
        fail(where, f"{ref}: no ingress rule: Prometheus could not scrape herald")
    for i, rule in enumerate(rules):
        peers = rule.get("from")
        if not peers:
            fail(where, f"{ref}: ingress[{i}] has no `from`: it admits everyone")
        for j, peer in enumerate(peers or []):
            if "ipBlock" in peer:
                cidr = dig(peer, "ipBlock", "cidr")
                if cidr in ("0.0.0.0/0", "::/0"):
                    fail(where, f"{ref}: ingress[{i}].from[{j}] admits every address")
                continue
            ns = peer.get("namespaceSelector")
            pods = peer.get("podSelector")
            if ns is not None and not ns and not pods:
                fail(where, f"{ref}: ingress[{i}].from[{j}] admits every pod of every namespace")
        ports = {p.get("port") for p in rule.get("ports") or []}
        if ports != {8080}:
            fail(where, f"{ref}: ingress[{i}] must admit port 8080 only, not {sorted(ports, key=str) or 'every port'}")
    scraper = any(
        dig(peer, "namespaceSelector") and dig(peer, "podSelector")
        for rule in rules for peer in rule.get("from") or [])
    if not scraper:
        fail(where, f"{ref}: no rule admits the scraper (a namespace and pod selector)")


def check_servicemonitor(where, ref, sm, docs):
    endpoints = dig(sm, "spec", "endpoints")
    if not isinstance(endpoints, list) or not endpoints:
        fail(where, f"{ref}: spec.endpoints must be a non-empty list")
        return
    selector = dig(sm, "spec", "selector", "matchLabels") or {}
    if not selector:
        fail(where, f"{ref}: spec.selector.matchLabels is empty")
    services = [d for d in docs if d.get("kind") == "Service" and
                selector.items() <= (dig(d, "metadata", "labels") or {}).items()]
    if not services:
        fail(where, f"{ref}: selects no rendered Service")
    ports = {p.get("name") for s in services for p in dig(s, "spec", "ports") or []}
    for e in endpoints:
        if e.get("port") not in ports:
            fail(where, f"{ref}: endpoint port {e.get('port')!r} is not a port of the selected Service")
        if e.get("path", "/metrics") != "/metrics":
            fail(where, f"{ref}: endpoint path {e.get('path')!r}, herald serves /metrics")


def check_prometheusrule(where, ref, pr):
    groups = dig(pr, "spec", "groups")
    if not isinstance(groups, list) or not groups:
        fail(where, f"{ref}: spec.groups must be a non-empty list")
        return
    for g in groups:
        rules = g.get("rules")
        if not g.get("name") or not isinstance(rules, list) or not rules:
            fail(where, f"{ref}: group {g.get('name')!r} needs a name and rules")
            continue
        for r in rules:
            if not r.get("alert") or not r.get("expr"):
                fail(where, f"{ref}: group {g['name']}: every rule needs alert and expr: {r}")
                continue
            if not dig(r, "labels", "severity"):
                fail(where, f"{ref}: alert {r['alert']} has no severity label")
            for a in ("summary", "description"):
                if not dig(r, "annotations", a):
                    fail(where, f"{ref}: alert {r['alert']} has no {a} annotation")


def check_deployment(where, ref, dep, docs, name):
    spec = dig(dep, "spec", "template", "spec") or {}
    if dig(dep, "spec", "replicas") != 2:
        fail(where, f"{ref}: replicas must be 2 (one leads, one stands by)")
    strategy = dig(dep, "spec", "strategy") or {}
    if strategy.get("type") != "RollingUpdate" or dig(strategy, "rollingUpdate", "maxUnavailable") != 0:
        fail(where, f"{ref}: strategy must be RollingUpdate with maxUnavailable 0, so one replica stays ready")
    grace = spec.get("terminationGracePeriodSeconds", 30)
    if grace < 15:
        fail(where, f"{ref}: terminationGracePeriodSeconds {grace}: the leader needs up to about 13 s to hand over")
    labels = dig(dep, "spec", "template", "metadata", "labels") or {}
    terms = (dig(spec, "affinity", "podAntiAffinity", "preferredDuringSchedulingIgnoredDuringExecution") or [])
    terms = [t.get("podAffinityTerm") or {} for t in terms]
    terms += dig(spec, "affinity", "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution") or []
    if not any(t.get("topologyKey") == "kubernetes.io/hostname"
               and (dig(t, "labelSelector", "matchLabels") or {})
               and (dig(t, "labelSelector", "matchLabels") or {}).items() <= labels.items()
               for t in terms):
        fail(where, f"{ref}: no pod anti-affinity on kubernetes.io/hostname keeping herald's replicas apart")
    pod_sc = spec.get("securityContext") or {}
    if pod_sc.get("runAsNonRoot") is not True or dig(pod_sc, "seccompProfile", "type") != "RuntimeDefault":
        fail(where, f"{ref}: pod securityContext needs runAsNonRoot and seccompProfile RuntimeDefault")
    containers = spec.get("containers") or []
    if len(containers) != 1:
        fail(where, f"{ref}: expected one container")
        return
    c = containers[0]
    sc = c.get("securityContext") or {}
    expect = {"runAsNonRoot": True, "runAsUser": 65532, "readOnlyRootFilesystem": True,
              "allowPrivilegeEscalation": False}
    for k, v in expect.items():
        if sc.get(k) != v:
            fail(where, f"{ref}: container securityContext.{k} must be {v}")
    if dig(sc, "capabilities", "drop") != ["ALL"]:
        fail(where, f"{ref}: container must drop ALL capabilities")
    if not dig(c, "resources", "limits", "memory") or not dig(c, "resources", "requests", "memory"):
        fail(where, f"{ref}: memory requests and limits are required")
    ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
    if ports.get("http") != 8080:
        fail(where, f"{ref}: container port http must be 8080")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        if dig(c, probe, "httpGet", "path") != path or dig(c, probe, "httpGet", "port") not in ("http", 8080):
            fail(where, f"{ref}: {probe} must GET {path} on port http")
    env = {e.get("name"): dig(e, "valueFrom", "fieldRef", "fieldPath") for e in c.get("env") or []}
    for var, field, why in (("POD_NAME", "metadata.name", "the replica's identity in the Lease"),
                            ("POD_NAMESPACE", "metadata.namespace", "where the Lease and its ConfigMaps are")):
        if env.get(var) != field:
            fail(where, f"{ref}: env {var} must come from the downward API's {field} ({why})")
    args = c.get("args") or []
    config_path = args[args.index("--config") + 1] if "--config" in args[:-1] else None
    if not config_path:
        fail(where, f"{ref}: args have no --config")
        return
    mounts = {m.get("mountPath"): m.get("name") for m in c.get("volumeMounts") or []}
    config_dir, _, config_file = config_path.rpartition("/")
    volumes = {v.get("name"): v for v in spec.get("volumes") or []}
    cm_name = dig(volumes.get(mounts.get(config_dir)), "configMap", "name")
    cm = next((d for d in docs if d.get("kind") == "ConfigMap" and dig(d, "metadata", "name") == cm_name), None)
    if cm is None:
        fail(where, f"{ref}: {config_path} does not come from a rendered ConfigMap")
        return
    text = dig(cm, "data", config_file)
    if text is None:
        fail(where, f"{ref}: ConfigMap {cm_name} has no key {config_file}")
        return
    cfg = yaml.safe_load(text)
    check_config(f"{where} ConfigMap {cm_name} {config_file}", cfg, name)
    check_election_rbac(where, ref, dep, docs, cfg if isinstance(cfg, dict) else {}, args)


def check_config(where, cfg, name):
    if not isinstance(cfg, dict):
        fail(where, "not a YAML mapping")
        return
    for key in ("cluster", "watch", "receivers", "routes"):
        if key not in cfg:
            fail(where, f"no {key}")
    receivers = {r.get("name") for r in cfg.get("receivers") or []}
    for i, route in enumerate(cfg.get("routes") or []):
        for r in route.get("receivers") or []:
            if r not in receivers:
                fail(where, f"route {i} names receiver {r!r}, which is not defined")
    if dig(cfg, "leaderElection", "enabled") is not True:
        fail(where, "leaderElection.enabled must be true: two replicas, one sender")
    watch = cfg.get("watch") or {}
    expected = {"flux": (True, False), "argocd": (False, True)}.get(name)
    if expected and (watch.get("flux"), watch.get("argo")) != expected:
        fail(where, f"the {name} overlay must watch {'Flux' if name == 'flux' else 'Argo CD'} only")


# --- rules ---------------------------------------------------------------------------------
def extract_rules(rendered, out, test_file):
    rules = [d for d in load_all(rendered) if d.get("kind") == "PrometheusRule"]
    if len(rules) != 1:
        fail(rendered, f"expected one PrometheusRule, found {len(rules)}")
        return 0
    spec = rules[0].get("spec") or {}
    with open(out, "w") as f:
        yaml.safe_dump({"groups": spec.get("groups") or []}, f, sort_keys=False, width=1 << 20)
    alerts = [r["alert"] for g in spec.get("groups") or [] for r in g.get("rules") or [] if r.get("alert")]
    for g in spec.get("groups") or []:
        for r in g.get("rules") or []:
            if r.get("expr"):
                check_replicas(f"alert {r.get('alert') or r.get('record')}", r["expr"])
    with open(test_file) as f:
        tests = yaml.safe_load(f) or {}
    firing, quiet = set(), set()
    for t in tests.get("tests") or []:
        for case in t.get("alert_rule_test") or []:
            (firing if case.get("exp_alerts") else quiet).add(case.get("alertname"))
    for a in alerts:
        if a not in firing:
            fail(test_file, f"no test case where {a} fires")
        if a not in quiet:
            fail(test_file, f"no test case where {a} stays quiet")
    for a in (firing | quiet) - set(alerts):
        fail(test_file, f"tests alert {a}, which the PrometheusRule does not define")
    return len(alerts)


# --- dashboards ----------------------------------------------------------------------------
TARGET_LABELS = {"job", "instance", "namespace", "pod", "service", "endpoint", "container"}
HEALTH = {"healthy", "warning", "unhealthy", "unknown"}
BOOL = {"true", "false"}
# metric -> {label: allowed values, or None for any}
METRICS = {
    "herald_resource_info": {"cluster": None, "group": None, "kind": None, "namespace": None,
                             "name": None, "health": HEALTH, "status": None, "ready": BOOL,
                             "suspended": BOOL, "revision": None},
    "herald_resources": {"cluster": None, "kind": None, "health": HEALTH},
    "herald_health_transitions_total": {"kind": None, "from": HEALTH | {"none"},
                                        "to": HEALTH | {"deleted"}},
    "herald_notifications_total": {"receiver": None, "outcome": {"delivered", "retried", "failed"}},
    "herald_notification_delay_seconds_bucket": {"receiver": None, "le": None},
    "herald_notification_delay_seconds_sum": {"receiver": None},
    "herald_notification_delay_seconds_count": {"receiver": None},
    "herald_outbox_pending": {"receiver": None},
    "herald_check_duration_seconds_bucket": {"engine": {"builtin", "lua", "fallback"}, "le": None},
    "herald_check_duration_seconds_sum": {"engine": {"builtin", "lua", "fallback"}},
    "herald_check_duration_seconds_count": {"engine": {"builtin", "lua", "fallback"}},
    "herald_watch_events_total": {"kind": None, "type": {"apply", "delete", "malformed", "error"}},
    "herald_watch_up": {"kind": None, "watch_namespace": None},
    "herald_watch_last_event_timestamp_seconds": {"kind": None, "watch_namespace": None},
    "herald_watch_relists_total": {"kind": None, "reason": {"periodic", "expired", "restored"}},
    "herald_watch_relist_changes_total": {"kind": None, "change": {"added", "changed", "deleted"}},
    "herald_ready": {},
    "herald_lua_checks_quarantined": {},
    "herald_evaluations_abandoned_total": {},
    "herald_leader": {},
    "herald_handover_writes_total": {"outcome": {"ok", "error", "too_large"}},
    "herald_handover_state_bytes": {},
    "herald_handover_state_objects": {},
    "herald_handover_unwritten_changes": {},
    "herald_build_info": {"version": None},
    # the labels Flux's kube-state-metrics custom resource configuration produces
    "gotk_resource_info": {k: None for k in (
        "customresource_group", "customresource_kind", "customresource_version", "name",
        "exported_namespace", "ready", "suspended", "revision", "source_name", "chart_name",
        "chart_app_version", "chart_ref_name", "chart_source_name", "chart_version", "url",
        "endpoint", "bucket_name", "webhook_path", "image")},
    "argocd_app_info": {k: None for k in (
        "name", "namespace", "project", "dest_server", "dest_namespace", "repo",
        "health_status", "sync_status")},
    "process_resident_memory_bytes": {},
    "process_cpu_seconds_total": {},
    "up": {},
}
# A sharded herald (--shard NAME) labels every series of its registry, and herald_ready, with
# shard="NAME".
SHARDED = {
    "herald_health_transitions_total", "herald_watch_events_total",
    "herald_check_duration_seconds_bucket", "herald_check_duration_seconds_sum",
    "herald_check_duration_seconds_count", "herald_notifications_total",
    "herald_notification_delay_seconds_bucket", "herald_notification_delay_seconds_sum",
    "herald_notification_delay_seconds_count", "herald_watch_up",
    "herald_watch_last_event_timestamp_seconds", "herald_watch_relists_total",
    "herald_watch_relist_changes_total", "herald_ready", "herald_lua_checks_quarantined",
    "herald_evaluations_abandoned_total", "herald_leader", "herald_handover_writes_total",
    "herald_handover_state_bytes", "herald_handover_state_objects",
    "herald_handover_unwritten_changes", "process_resident_memory_bytes",
    "process_cpu_seconds_total",
}
for _metric in SHARDED:
    METRICS[_metric] = {**METRICS[_metric], "shard": None}
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "offset", "bool", "inf", "nan", "Inf", "NaN"}
GRAFANA_DURATIONS = {"$__rate_interval": "5m", "$__interval": "1m", "$__range": "1h",
                     "${__rate_interval}": "5m", "${__interval}": "1m", "${__range}": "1h"}
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
SELECTOR = re.compile(r'(?<![\w:$])([A-Za-z_:][\w:]*)?\s*\{([^{}]*)\}')
MATCHER = re.compile(r'\s*([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*')


def substitute(expr):
    for k, v in GRAFANA_DURATIONS.items():
        expr = expr.replace(k, v)
    return re.sub(r'\$\{[^}]*\}|\$\w+', "x", expr)


def check_expr(where, expr):
    """Metric names and label matchers against herald's metric contract."""
    # selectors with label matchers
    for m in SELECTOR.finditer(expr):
        metric, body = m.group(1), m.group(2)
        if metric is None or metric in KEYWORDS:
            continue
        labels = METRICS.get(metric)
        if labels is None:
            continue  # reported below
        rest = body
        for mm in MATCHER.finditer(body):
            label, op, value = mm.group(1), mm.group(2), json.loads(mm.group(3))
            rest = rest.replace(mm.group(0), "", 1)
            if label not in labels and label not in TARGET_LABELS:
                fail(where, f"{metric} has no label {label!r}: {expr}")
                continue
            allowed = labels.get(label)
            if allowed is None or "$" in value:
                continue
            values = value.split("|") if op in ("=~", "!~") else [value]
            for v in values:
                if re.fullmatch(r"[\w-]*", v) and v not in allowed:
                    fail(where, f"{metric}{{{label}}} is never {v!r} (one of {sorted(allowed)}): {expr}")
        if rest.replace(",", "").strip():
            fail(where, f"cannot read the matchers {body!r}: {expr}")
    # every identifier that is not a function, keyword or grouping label is a metric name
    bare = STRING.sub('""', expr)
    bare = re.sub(r"\{[^{}]*\}", "", bare)
    bare = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)", " ", bare)
    bare = re.sub(r"\[[^\]]*\]", "", bare)
    for m in re.finditer(r"(?<![\w.$:])([A-Za-z_:][\w:]*)(\s*\()?", bare):
        word, call = m.group(1), m.group(2)
        if call or word in KEYWORDS:
            continue
        if word not in METRICS:
            fail(where, f"uses {word!r}, which herald does not export: {expr}")


# Every herald replica watches the whole cluster and exports the same per-object series, told
# apart only by the scrape's labels of the replica. A query must collapse those copies (max or min
# without `instance` and `pod`) before it counts, sums or returns them, or it counts each object
# once per replica. The leader-only series (notifications, outbox, hand-over writes) are summed
# as they are: a standby adds 0. See dashboards/README.md, "Replicas".
REPLICATED = {"herald_resource_info", "herald_resources", "herald_health_transitions_total",
              "herald_watch_events_total", "herald_check_duration_seconds_count",
              "gotk_resource_info", "argocd_app_info"}
# The labels that tell replicas apart (the ServiceMonitor's and the plain scrape job's).
REPLICA_LABELS = {"instance", "pod"}
AGGREGATIONS = {"sum", "count", "avg", "min", "max", "group", "stddev", "stdvar", "topk",
                "bottomk", "quantile", "count_values"}
WORD_BEFORE = re.compile(r"([A-Za-z_][\w]*)\s*$")
CLAUSE_AFTER = re.compile(r"\s*(by|without)\s*\(([^()]*)\)")


def matching_open(text, close):
    depth = 0
    for j in range(close, -1, -1):
        if text[j] == ")":
            depth += 1
        elif text[j] == "(":
            depth -= 1
            if depth == 0:
                return j
    return -1


def matching_close(text, open_):
    depth = 0
    for j in range(open_, len(text)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return j
    return -1


def label_set(text):
    return {x.strip() for x in text.split(",") if x.strip()}


def check_replicas(where, expr):
    """Each series of REPLICATED must meet, going outwards, a max or min that drops instance and
    pod before any other aggregation that drops them, and before the query returns it; unless the
    query keeps the replicas apart on purpose (an aggregation by instance, say: a per-replica
    alert)."""
    text = STRING.sub(lambda m: '"' + "x" * (len(m.group(0)) - 2) + '"', expr)
    for m in re.finditer(r"(?<![\w:])([A-Za-z_:][\w:]*)", text):
        metric = m.group(1)
        if metric not in REPLICATED:
            continue
        pos, verdict, per_replica = m.start(), None, False
        while verdict is None:
            # the innermost parenthesis around pos
            depth, open_ = 0, -1
            for j in range(pos - 1, -1, -1):
                if text[j] == ")":
                    depth += 1
                elif text[j] == "(":
                    if depth == 0:
                        open_ = j
                        break
                    depth -= 1
            if open_ < 0:
                verdict = "ok" if per_replica else (
                    f"returns {metric} once per replica: collapse the replicas' copies first "
                    "(max by the object's labels, or max without (instance, pod))")
                break
            head = text[:open_].rstrip()
            clause = ("by", set())
            if head.endswith(")"):  # agg by (labels) (expr)
                start = matching_open(head, len(head) - 1)
                w = WORD_BEFORE.search(head[:start]) if start > 0 else None
                if w and w.group(1) in ("by", "without"):
                    clause = (w.group(1), label_set(head[start + 1:-1]))
                    head = head[:w.start()].rstrip()
            else:  # agg (expr) by (labels)
                c = CLAUSE_AFTER.match(text, matching_close(text, open_) + 1)
                if c:
                    clause = (c.group(1), label_set(c.group(2)))
            w = WORD_BEFORE.search(head)
            op = w.group(1) if w else ""
            if op in AGGREGATIONS:
                kind, labels = clause
                kept = (labels & REPLICA_LABELS) if kind == "by" else (REPLICA_LABELS - labels)
                if kept:
                    per_replica = True  # the replicas stay apart
                elif op in ("max", "min"):
                    verdict = "ok"
                else:
                    verdict = (f"{op} over the replicas' copies of {metric} counts every object "
                               "once per replica: collapse them first (max by the object's "
                               "labels, or max without (instance, pod))")
            pos = open_
        if verdict != "ok":
            fail(where, f"{verdict}: {expr}")


def walk_panels(panels):
    for p in panels or []:
        yield p
        yield from walk_panels(p.get("panels"))


def check_dashboards(out, files):
    records = []
    queries = 0
    uids = {}
    for path in files:
        try:
            with open(path) as f:
                d = json.load(f)
        except (OSError, ValueError) as e:
            fail(path, f"not valid JSON: {e}")
            continue
        if not isinstance(d.get("schemaVersion"), int) or d["schemaVersion"] < 36:
            fail(path, "schemaVersion missing or older than 36")
        if not d.get("uid") or not d.get("title"):
            fail(path, "needs a uid and a title")
        elif d["uid"] in uids:
            fail(path, f"uid {d['uid']} is also used by {uids[d['uid']]}")
        uids[d.get("uid")] = path
        variables = {v.get("name"): v for v in dig(d, "templating", "list") or []}
        ds = variables.get("datasource")
        if not ds or ds.get("type") != "datasource" or ds.get("query") != "prometheus":
            fail(path, "needs a `datasource` template variable of type datasource (prometheus)")
        for name, v in variables.items():
            if v.get("type") != "query":
                continue
            q = v.get("query")
            q = q.get("query") if isinstance(q, dict) else q
            m = re.fullmatch(r"\s*label_values\((.*),\s*(\w+)\s*\)\s*", q or "")
            if not m:
                fail(path, f"variable {name}: expected label_values(SELECTOR, LABEL), got {q!r}")
                continue
            selector, label = m.group(1), m.group(2)
            where = f"{path} variable {name}"
            check_expr(where, selector)
            metric = re.match(r"\s*([A-Za-z_:][\w:]*)", selector)
            if metric and metric.group(1) in METRICS:
                known = METRICS[metric.group(1)]
                if label not in known and label not in TARGET_LABELS:
                    fail(where, f"{metric.group(1)} has no label {label!r}")
            if dig(v, "datasource", "uid") != "${datasource}":
                fail(where, "datasource must be ${datasource}")
            records.append((f"{path} variable {name}", substitute(selector)))
        ids = set()
        for p in walk_panels(d.get("panels")):
            title = p.get("title") or "(untitled)"
            where = f"{path} panel {title!r}"
            if p.get("id") in ids:
                fail(where, f"duplicate panel id {p.get('id')}")
            ids.add(p.get("id"))
            if not isinstance(p.get("gridPos"), dict):
                fail(where, "no gridPos")
            if p.get("type") == "row":
                continue
            if dig(p, "datasource", "uid") != "${datasource}":
                fail(where, "panel datasource must be ${datasource}")
            targets = p.get("targets") or []
            if not targets:
                fail(where, "has no targets")
            for t in targets:
                expr = t.get("expr")
                if not expr or not expr.strip():
                    fail(where, f"target {t.get('refId')} has no expr")
                    continue
                if dig(t, "datasource", "uid") not in (None, "${datasource}"):
                    fail(where, f"target {t.get('refId')} datasource must be ${{datasource}}")
                queries += 1
                check_expr(where, expr)
                check_replicas(where, expr)
                records.append((f"{where} target {t.get('refId')}", substitute(expr)))
    rules = [{"record": f"dashboard_query_{i:04}", "expr": expr} for i, (_, expr) in enumerate(records)]
    with open(out, "w") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}, f, width=1 << 20)
    with open(out + ".index", "w") as f:
        for i, (where, _) in enumerate(records):
            f.write(f"dashboard_query_{i:04}\t{where}\n")
    return len(files), queries


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "objects":
        print(check_objects(args))
    elif cmd == "rules":
        print(extract_rules(*args))
    elif cmd == "dashboards":
        print(*check_dashboards(args[0], args[1:]))
    else:
        sys.exit(f"unknown command {cmd}")
    for f in FAILURES:
        print(f, file=sys.stderr)
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

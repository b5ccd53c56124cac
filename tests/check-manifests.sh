#!/usr/bin/env bash
# Checks manifests/, the PrometheusRule and dashboards/ (installs the tools it needs first):
#   - `kubectl kustomize` renders the base and both overlays, without warnings;
#   - every rendered object validates against Kubernetes 1.30's schemas (kubernetes-validate
#     --strict); ServiceMonitor and PrometheusRule, which it cannot check, and the RBAC (the
#     ClusterRole gets, lists and watches only; writes only in a Role in herald's namespace, on
#     its Lease and ConfigMaps by name, create apart; never Secrets), the Deployment (two
#     replicas, POD_NAME and POD_NAMESPACE, anti-affinity), the PodDisruptionBudget and herald's
#     configuration (leader election on) are checked by tests/manifests/check_manifests.py;
#   - promtool checks the alert rules and runs tests/manifests/herald-rules.test.yaml;
#   - the dashboards are valid JSON, every panel has queries, and every query uses only herald's
#     metrics (with their labels) and parses as PromQL;
#   - every query and alert rule collapses the replicas' copies of the per-object series before it
#     counts or sums them (each replica exports every object: dashboards/README.md, "Replicas").
# Prints one line on success; on failure, what failed and in which file, and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() {
    echo "check-manifests: FAIL: $*" >&2
    exit 1
}

kubectl=$(bash tests/install-tools.sh) || fail "tests/install-tools.sh could not install the tools"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=$work/out

# --- render --------------------------------------------------------------------------------
# kubectl before 1.21 embeds kustomize 2, which wants directories under `bases:` and patch files
# under `patchesStrategicMerge:`. The manifests use today's fields; for such a kubectl (Debian's
# kubernetes-client), render a copy translated to the old ones.
src=manifests
mkdir -p "$work/probe/base" "$work/probe/top"
printf 'resources:\n- sa.yaml\n' >"$work/probe/base/kustomization.yaml"
printf 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: probe\n' >"$work/probe/base/sa.yaml"
printf 'resources:\n- ../base\n' >"$work/probe/top/kustomization.yaml"
legacy=
if ! "$kubectl" kustomize "$work/probe/top" >/dev/null 2>&1; then
    legacy=1
    cp -r manifests "$work/legacy"
    src=$work/legacy
    python3 - "$src" <<'EOF' || fail "could not translate manifests/ for an old kustomize"
import os, sys, yaml
for root, _, files in os.walk(sys.argv[1]):
    if "kustomization.yaml" not in files:
        continue
    path = os.path.join(root, "kustomization.yaml")
    k = yaml.safe_load(open(path))
    res = k.get("resources") or []
    k["bases"] = [r for r in res if os.path.isdir(os.path.join(root, r))]
    k["resources"] = [r for r in res if not os.path.isdir(os.path.join(root, r))]
    patches = k.pop("patches", None) or []
    if any(set(p) != {"path"} for p in patches):
        sys.exit(f"{path}: only `patches: - path: FILE` can be translated")
    k["patchesStrategicMerge"] = [p["path"] for p in patches]
    yaml.safe_dump({key: v for key, v in k.items() if v != []}, open(path, "w"), sort_keys=False)
EOF
fi

rendered=()
for dir in base overlays/flux overlays/argocd; do
    name=$(basename "$dir")
    "$kubectl" kustomize "$src/$dir" >"$work/$name.yaml" 2>"$out" ||
        fail "kubectl kustomize manifests/$dir: $(cat "$out")"
    if [ -z "$legacy" ] && [ -s "$out" ]; then
        fail "kubectl kustomize manifests/$dir warns: $(cat "$out")"
    fi
    rendered+=("$dir=$work/$name.yaml")
done

# --- validate ------------------------------------------------------------------------------
crd_warning="Couldn't find schema for kind \(ServiceMonitor\|PrometheusRule\) "
for pair in "${rendered[@]}"; do
    name=manifests/${pair%%=*}
    file=${pair#*=}
    if ! python3 -m kubernetes_validate --strict -k 1.30 --quiet "$file" >"$out" 2>&1; then
        fail "$name (rendered) does not validate against Kubernetes 1.30:
$(grep -v "$crd_warning" "$out" | sed "s#$file#$name#")"
    fi
    # a schema it cannot find for anything but the two Prometheus Operator kinds is a typo
    if grep "Couldn't find schema" "$out" | grep -qv "$crd_warning"; then
        fail "$name (rendered): unknown kind:
$(grep "Couldn't find schema" "$out" | grep -v "$crd_warning" | sed "s#$file#$name#")"
    fi
done
objects=$(python3 tests/manifests/check_manifests.py objects "${rendered[@]}" 2>"$out") ||
    fail "manifests: $(cat "$out")"

# --- alert rules ---------------------------------------------------------------------------
rules=$work/rules
mkdir -p "$rules"
cp tests/manifests/herald-rules.test.yaml "$rules/"
alerts=$(python3 tests/manifests/check_manifests.py rules "$work/base.yaml" "$rules/herald-rules.yaml" \
    tests/manifests/herald-rules.test.yaml 2>"$out") ||
    fail "manifests/base/prometheusrule.yaml: $(cat "$out")"
promtool check rules "$rules/herald-rules.yaml" >"$out" 2>&1 ||
    fail "manifests/base/prometheusrule.yaml: promtool check rules: $(cat "$out")"
(cd "$rules" && promtool test rules herald-rules.test.yaml) >"$out" 2>&1 ||
    fail "tests/manifests/herald-rules.test.yaml: promtool test rules:
$(cat "$out")"

# --- dashboards ----------------------------------------------------------------------------
shopt -s nullglob
dashboards=(dashboards/*.json)
[ ${#dashboards[@]} -gt 0 ] || fail "dashboards/: no dashboard"
counts=$(python3 tests/manifests/check_manifests.py dashboards "$work/queries.yaml" "${dashboards[@]}" 2>"$out") ||
    fail "dashboards: $(cat "$out")"
if ! promtool check rules "$work/queries.yaml" >"$out" 2>&1; then
    # name the dashboard and panel of each query promtool could not parse
    msg=$(cat "$out")
    while IFS=$'\t' read -r record where; do
        msg=${msg//"$record"/"$record ($where)"}
    done <"$work/queries.yaml.index"
    fail "dashboards: a query is not valid PromQL: $msg"
fi

read -r ndash nqueries <<<"$counts"
echo "check-manifests: OK: 3 kustomizations rendered${legacy:+ (old kustomize)}, $objects objects valid (read-only but for herald's Lease and ConfigMaps), $alerts alerts tested by promtool, $ndash dashboards with $nqueries queries on herald's metrics"

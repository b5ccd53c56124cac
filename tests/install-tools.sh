#!/usr/bin/env bash
# Installs, on Debian bookworm, what tests/check-manifests.sh and the notification tests need,
# and only what is missing, so a second run changes nothing:
#   promtool and Prometheus (Debian `prometheus`), prometheus-alertmanager, chromium, PyYAML,
#   kubernetes-validate, aiosmtpd (PyPI), and a kubectl whose `kubectl kustomize` works (the
#   machine's own, else Debian's kubernetes-client unpacked under target/tools/ without
#   installing it).
# Quiet: prints nothing but errors, and on standard output one line, the kubectl to use.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=$PWD/target/tools
mkdir -p "$tools"

log=$(mktemp)
cleanup=("$log")
trap 'rm -rf "${cleanup[@]}"' EXIT

fail() {
    echo "install-tools: $*" >&2
    if [ -s "$log" ]; then sed 's/^/  | /' "$log" >&2; fi
    exit 1
}
# Runs a command with its output kept aside; shown only when it fails.
quiet() { "$@" >"$log" 2>&1 || fail "failed: $*"; }

sudo=()
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || fail "not root and no sudo: cannot install packages"
    sudo=(sudo)
fi

apt_updated=
apt_update_once() {
    if [ -z "$apt_updated" ]; then
        quiet "${sudo[@]}" apt-get update -qq
        apt_updated=1
    fi
}

apt_install() {
    apt_update_once
    # Debian's prometheus packages would start their service on a machine running an init
    # system; a policy-rc.d that denies every start prevents it (unless the machine has its own).
    local policy=/usr/sbin/policy-rc.d added=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
        "${sudo[@]}" chmod 755 "$policy"
        added=1
    fi
    local rc=0
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@" >"$log" 2>&1 || rc=$?
    if [ -n "$added" ]; then "${sudo[@]}" rm -f "$policy"; fi
    [ "$rc" = 0 ] || fail "failed: apt-get install $*"
}

# --- promtool, Prometheus, Alertmanager, Chromium -------------------------------------------
debs=()
command -v promtool >/dev/null || debs+=(prometheus)
command -v prometheus-alertmanager >/dev/null || debs+=(prometheus-alertmanager)
# The status page's test drives Debian's Chromium headless.
command -v chromium >/dev/null || debs+=(chromium)
if [ ${#debs[@]} -gt 0 ]; then apt_install "${debs[@]}"; fi
command -v promtool >/dev/null || fail "promtool still missing after installing prometheus"

# --- Python modules ------------------------------------------------------------------------
command -v python3 >/dev/null || apt_install python3
pip_install() {
    python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
    local flags=(-q --disable-pip-version-check --root-user-action=ignore)
    # Debian's own python3 refuses pip installs (PEP 668) unless told otherwise.
    if python3 -c 'import os, sys, sysconfig
sys.exit(0 if os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")) else 1)'; then
        flags+=(--break-system-packages)
    fi
    quiet python3 -m pip install "${flags[@]}" "$@"
}
python3 -c 'import yaml' 2>/dev/null || pip_install PyYAML
python3 -c 'import kubernetes_validate' 2>/dev/null || pip_install kubernetes-validate
python3 -c 'import aiosmtpd' 2>/dev/null || pip_install aiosmtpd

# --- kubectl with kustomize ----------------------------------------------------------------
kustomize_works() {
    local dir
    dir=$(mktemp -d)
    cleanup+=("$dir")
    printf 'resources:\n- cm.yaml\n' >"$dir/kustomization.yaml"
    printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n' >"$dir/cm.yaml"
    "$1" kustomize "$dir" 2>/dev/null | grep -q 'name: probe'
}

unpacked=$tools/kubernetes-client/usr/bin/kubectl
if command -v kubectl >/dev/null && kustomize_works kubectl; then
    command -v kubectl
elif [ -x "$unpacked" ] && kustomize_works "$unpacked"; then
    echo "$unpacked"
else
    apt_update_once
    rm -rf "$tools/kubernetes-client" "$tools"/kubernetes-client_*.deb
    (cd "$tools" && quiet apt-get download kubernetes-client)
    quiet dpkg-deb -x "$(ls "$tools"/kubernetes-client_*.deb)" "$tools/kubernetes-client"
    rm -f "$tools"/kubernetes-client_*.deb
    kustomize_works "$unpacked" || fail "$unpacked kustomize does not work"
    echo "$unpacked"
fi

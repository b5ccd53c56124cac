#!/bin/sh
# Whole-process timings of `herald lua test --scripts` over an Argo CD resource_customizations
# tree, once and copied ten times, beside an Argo CD-style gopher-lua run of the same suites
# (benches/lua-gopher, built when Go and Debian's golang-github-yuin-gopher-lua-dev and
# golang-gopkg-yaml.v3-dev are installed). BENCHMARKS.md, "Lua start-up", has the method.
#   sh benches/lua-startup.sh TREE [HERALD]
# TREE is a resource_customizations folder (read as test data, never copied into the
# repository); HERALD defaults to target/release/herald.
set -eu
tree=$1
herald=${2:-target/release/herald}
work=${WORK:-/tmp/herald-lua-bench}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work/x10" "$work/empty"
i=0
while [ $i -lt 10 ]; do
  cp -r "$tree" "$work/x10/copy$i"
  i=$((i + 1))
done
scripts=$(find "$tree" -name health.lua | wc -l)
t() { /usr/bin/time -f "  %e s wall, %U s user, %S s sys, %M KiB peak RSS" "$@"; }
echo "start-up: $scripts user checks, no suite (exits 2: no health_test.yaml)"
t "$herald" lua test "$work/empty" --scripts "$tree" >/dev/null 2>&1 || true
t "$herald" lua test "$work/empty" --scripts "$tree" 2>&1 | tail -1 || true
echo "herald lua test TREE --scripts TREE"
t "$herald" lua test "$tree" --scripts "$tree" 2>&1 | tail -2
echo "herald lua test TREEx10 --scripts TREEx10/copy0"
t "$herald" lua test "$work/x10" --scripts "$work/x10/copy0" 2>&1 | tail -2
if command -v go >/dev/null 2>&1 && [ -d /usr/share/gocode/src/github.com/yuin/gopher-lua ]; then
  (cd "$here/lua-gopher" && GO111MODULE=off GOPATH=/usr/share/gocode go build -o "$work/lua-gopher" .)
  echo "gopher-lua, Argo CD style: TREE"
  t "$work/lua-gopher" "$tree" 2>&1 | tail -2
  echo "gopher-lua, Argo CD style: TREEx10"
  t "$work/lua-gopher" "$work/x10" 2>&1 | tail -2
else
  echo "(no Go toolchain with gopher-lua: the gopher-lua comparison is skipped)"
fi

#!/bin/sh
# Writes N Deployments (default 500000, about 200 MB) to standard output, for measuring
# `herald check` on a large input (BENCHMARKS.md, "herald check streaming"):
#   sh benches/check-input.sh 500000 yaml > /tmp/objects.yaml   (multi-document YAML)
#   sh benches/check-input.sh 500000 json > /tmp/objects.json   (one JSON List, as kubectl writes it)
set -eu
n=${1:-500000}
format=${2:-yaml}
awk -v n="$n" -v format="$format" 'BEGIN {
  if (format == "json") printf "{\n  \"apiVersion\": \"v1\",\n  \"items\": [\n"
  for (i = 0; i < n; i++) {
    team = i % 50
    ready = (i % 1000 == 0) ? 0 : 3
    if (format == "json") {
      printf "%s    {\"apiVersion\": \"apps/v1\", \"kind\": \"Deployment\", \"metadata\": {\"name\": \"web-%d\", \"namespace\": \"team-%d\", \"labels\": {\"app\": \"web\", \"tier\": \"frontend\"}, \"annotations\": {\"description\": \"a deployment that makes the input large\"}}, \"spec\": {\"replicas\": 3, \"template\": {\"spec\": {\"containers\": [{\"name\": \"web\", \"image\": \"registry.example.com/web:1.%d\"}]}}}, \"status\": {\"replicas\": 3, \"readyReplicas\": %d, \"updatedReplicas\": 3, \"availableReplicas\": %d, \"observedGeneration\": 1}}", (i ? ",\n" : ""), i, team, i, ready, ready
    } else {
      printf "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-%d\n  namespace: team-%d\n  labels: {app: web, tier: frontend}\n  annotations: {description: a deployment that makes the input large}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - {name: web, image: \"registry.example.com/web:1.%d\"}\nstatus: {replicas: 3, readyReplicas: %d, updatedReplicas: 3, availableReplicas: %d, observedGeneration: 1}\n", i, team, i, ready, ready
    }
  }
  if (format == "json") printf "\n  ],\n  \"kind\": \"List\",\n  \"metadata\": {}\n}\n"
}'

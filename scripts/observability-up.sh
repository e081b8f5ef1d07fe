#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Prometheus, Grafana, OpenTelemetry collector and Jaeger (observability/, ADR 0004/0005).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/pods.sh
. "$REPO_ROOT/scripts/lib/pods.sh"

step observability "kubectl apply -k observability"
# The Grafana admin Secret's input is generated locally and never committed (kept if present).
run observability/scripts/gen-grafana-admin.sh
run kubectl apply -k observability
# Stops at once when a pod cannot get its image instead of waiting out the 300 s.
wait_fail_fast "$OBS_NAMESPACE" kubectl -n "$OBS_NAMESPACE" wait --for=condition=Available deployment --all --timeout=300s

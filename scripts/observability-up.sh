#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Prometheus, Grafana, OpenTelemetry collector and Jaeger (observability/, ADR 0004/0005).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

step observability "kubectl apply -k observability"
# The Grafana admin Secret's input is generated locally and never committed (kept if present).
run observability/scripts/gen-grafana-admin.sh
run kubectl apply -k observability
run kubectl -n "$OBS_NAMESPACE" wait --for=condition=Available deployment --all --timeout=300s

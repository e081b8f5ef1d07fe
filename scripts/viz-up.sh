#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# linkerd viz on our own Prometheus (ADR 0004): no second Prometheus in linkerd-viz.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

step viz "linkerd viz install (prometheus.enabled=false, prometheusUrl -> $OBS_NAMESPACE)"
apply_from linkerd viz install \
  --set prometheus.enabled=false \
  --set "prometheusUrl=http://prometheus.$OBS_NAMESPACE.svc.cluster.local:9090"
run linkerd viz check --wait=5m

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Gateway API CRDs, the linkerd-cni plugin (ADR 0003), Linkerd's CRDs and control plane with
# proxy tracing to our collector, then `linkerd check`. Re-running upgrades in place (keeps certs).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

installed=0
if ! is_dry_run && kubectl get namespace linkerd >/dev/null 2>&1; then installed=1; fi

step gateway-api "Gateway API CRDs $GATEWAY_API_VERSION (before Linkerd)"
run kubectl apply --server-side -f "$GATEWAY_API_URL"

step cni "linkerd-cni DaemonSet (no NET_ADMIN in app pods, so Pod Security restricted holds)"
# k3s keeps its flannel CNI config and binaries in non-default places.
apply_from linkerd install-cni \
  --dest-cni-net-dir=/var/lib/rancher/k3s/agent/etc/cni/net.d \
  --dest-cni-bin-dir=/bin
run kubectl -n linkerd-cni rollout status daemonset/linkerd-cni --timeout=300s

control_plane_values=(
  --set cniEnabled=true
  --set proxy.tracing.enabled=true
  --set "proxy.tracing.collector.endpoint=$COLLECTOR_ENDPOINT"
  --set proxy.tracing.collector.meshIdentity.serviceAccountName=otel-collector
  --set "proxy.tracing.collector.meshIdentity.namespace=$OBS_NAMESPACE"
)

if [ "$installed" = 1 ]; then
  log "Linkerd already installed: upgrading in place (an install would mint a new trust anchor)"
  step linkerd-crds "linkerd upgrade --crds"
  apply_from linkerd upgrade --crds
  step linkerd "linkerd upgrade (cni, proxy tracing)"
  apply_from linkerd upgrade "${control_plane_values[@]}"
else
  step linkerd-crds "linkerd check --pre, linkerd install --crds"
  run linkerd check --pre --linkerd-cni-enabled
  apply_from linkerd install --crds
  step linkerd "linkerd install (cni, proxy tracing to $COLLECTOR_ENDPOINT)"
  apply_from linkerd install "${control_plane_values[@]}"
fi

step check "linkerd check"
run linkerd check --wait=5m

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# What runs where: pods per namespace, Linkerd health, and viz golden metrics when present.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

cluster_reachable || die "kubectl reaches no cluster (context: $(kubectl config current-context 2>/dev/null || echo none)); run 'make mesh-up'"
step status "context $(kubectl config current-context)"
for ns in "${APP_NAMESPACES[@]}" "$OBS_NAMESPACE" linkerd linkerd-viz linkerd-cni; do
  if kubectl get namespace "$ns" >/dev/null 2>&1; then
    printf '\n--- %s\n' "$ns"
    kubectl -n "$ns" get pods -o wide
  else
    printf '\n--- %s: not present\n' "$ns"
  fi
done
if command -v linkerd >/dev/null 2>&1 && kubectl get namespace linkerd-viz >/dev/null 2>&1; then
  printf '\n--- linkerd viz stat (pingpong-mesh)\n'
  linkerd viz stat deploy -n pingpong-mesh || true
  printf '\n--- linkerd viz edges (pingpong-mesh)\n'
  linkerd viz edges deploy -n pingpong-mesh || true
fi

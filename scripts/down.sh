#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Delete the k3d cluster. With USE_CURRENT_CONTEXT=1, delete only what this repo applied.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

if [ "$USE_CURRENT_CONTEXT" = "1" ]; then
  step down "removing the showcase from the current context (cluster kept)"
  # Waits until the namespaces are gone: `linkerd uninstall` refuses (exit 1) while any meshed pod
  # outside Linkerd's namespaces is still terminating (linkerd2 cli/cmd/uninstall.go, edge-26.6.3).
  for o in mesh plain; do
    run kubectl delete -k "k8s/overlays/$o" --ignore-not-found --timeout=300s
  done
  run kubectl delete -k observability --ignore-not-found --timeout=300s
  if command -v linkerd >/dev/null 2>&1 && { is_dry_run || kubectl get namespace linkerd >/dev/null 2>&1; }; then
    delete_from linkerd viz uninstall
    # a refusal stops here, before the CNI plugin is taken from under a running control plane
    delete_from linkerd uninstall
  fi
  # linkerd uninstall leaves the CNI plugin. On SIGTERM its pods take linkerd-cni out of every
  # conflist and delete its binary (linkerd2-proxy-init cni-plugin/v1.6.8, the version
  # edge-26.6.3 installs: cni-plugin/deployment/scripts/install-cni.sh, cleanup()).
  if command -v linkerd >/dev/null 2>&1 && { is_dry_run || kubectl get namespace linkerd-cni >/dev/null 2>&1; }; then
    delete_from linkerd install-cni
  fi
  exit 0
fi
step down "k3d cluster delete $CLUSTER"
run k3d cluster delete "$CLUSTER"

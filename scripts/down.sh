#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Delete the k3d cluster. With USE_CURRENT_CONTEXT=1, delete only what this repo applied.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

if [ "$USE_CURRENT_CONTEXT" = "1" ]; then
  step down "removing the showcase from the current context (cluster kept)"
  for o in mesh plain; do
    run kubectl delete -k "k8s/overlays/$o" --ignore-not-found --wait=false
  done
  run kubectl delete -k observability --ignore-not-found --wait=false
  if command -v linkerd >/dev/null 2>&1 && { is_dry_run || kubectl get namespace linkerd >/dev/null 2>&1; }; then
    run sh -c 'linkerd viz uninstall | kubectl delete --ignore-not-found -f -'
    run sh -c 'linkerd uninstall | kubectl delete --ignore-not-found -f -'
  fi
  # linkerd uninstall leaves the CNI plugin. On SIGTERM its pods take linkerd-cni out of every
  # conflist and delete its binary (linkerd2-proxy-init cni-plugin/v1.6.8, the version
  # edge-26.6.3 installs: cni-plugin/deployment/scripts/install-cni.sh, cleanup()).
  if command -v linkerd >/dev/null 2>&1 && { is_dry_run || kubectl get namespace linkerd-cni >/dev/null 2>&1; }; then
    run sh -c 'linkerd install-cni | kubectl delete --ignore-not-found -f -'
  fi
  exit 0
fi
step down "k3d cluster delete $CLUSTER"
run k3d cluster delete "$CLUSTER"

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Create (or reuse) the k3d cluster $CLUSTER: 2 agents, no traefik/servicelb, pinned k3s image.
# USE_CURRENT_CONTEXT=1 creates nothing: it reads the current context's nodes and stops at once
# unless they are k3d, kind or minikube (scripts/lib/distro.sh), even in a dry run.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/distro.sh
. "$REPO_ROOT/scripts/lib/distro.sh"

if [ "$USE_CURRENT_CONTEXT" = "1" ]; then
  step cluster "current context $(kubectl config current-context 2>/dev/null || echo '(none)') (USE_CURRENT_CONTEXT=1: no cluster created)"
  detect_distro
  [ "${IMAGE_IMPORT:-}" = skip ] || require_image_loader
  describe_distro
  exit 0
fi

step cluster "k3d cluster \"$CLUSTER\" (context k3d-$CLUSTER), $K3S_IMAGE"

if ! is_dry_run && k3d cluster list "$CLUSTER" >/dev/null 2>&1; then
  log "cluster \"$CLUSTER\" exists: reusing it"
  run k3d cluster start "$CLUSTER" --wait
  run kubectl config use-context "k3d-$CLUSTER"
else
  # Flags as Linkerd's own CI runs k3d (servicelb and traefik off, no k3d load balancer).
  run k3d cluster create "$CLUSTER" \
    --image "$K3S_IMAGE" \
    --agents 2 \
    --no-lb \
    --k3s-arg '--disable=servicelb,traefik@server:0' \
    --wait --timeout 300s
fi
is_dry_run || run kubectl wait --for=condition=Ready nodes --all --timeout=180s
is_dry_run || warn_if_k3s_skipped_netpol "$CLUSTER"

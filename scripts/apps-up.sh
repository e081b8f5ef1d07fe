#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Apply the app overlays and wait for their rollouts.
#   scripts/apps-up.sh plain mesh      (the overlays under k8s/overlays/)
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/pods.sh
. "$REPO_ROOT/scripts/lib/pods.sh"

[ $# -gt 0 ] || die "usage: $0 plain|mesh [plain|mesh]"
overlays=("$@")
for o in "${overlays[@]}"; do
  case "$o" in plain | mesh) ;; *) die "overlay \"$o\": expected plain or mesh" ;; esac
done

step overlays "kubectl apply -k k8s/overlays/{${overlays[*]}}"
for o in "${overlays[@]}"; do
  run kubectl apply -k "k8s/overlays/$o"
done

# A pod that cannot get its image (not loaded into the nodes: ErrImageNeverPull, ImagePullBackOff)
# stops the wait at once with the pod, image and reason, instead of after 300 s.
step wait "rollouts of pinger and ponger"
for o in "${overlays[@]}"; do
  for d in ponger pinger; do
    wait_fail_fast "pingpong-$o" kubectl -n "pingpong-$o" rollout status "deployment/$d" --timeout=300s
  done
done

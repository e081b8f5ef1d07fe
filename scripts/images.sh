#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Build pingpong/<svc>:$VERSION for both services and load them into the cluster's nodes: the k3d
# cluster, or with USE_CURRENT_CONTEXT=1 the k3d, kind or minikube cluster detected from the nodes
# (scripts/lib/distro.sh; anything else is refused before the build).
# The names must be the ones k8s/base/kustomization.yaml maps the placeholders to; this checks it.
# IMAGE_IMPORT=skip builds only (you load the images yourself).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/distro.sh
. "$REPO_ROOT/scripts/lib/distro.sh"

VERSION="${VERSION:-$(project_version)}"
export VERSION # build-image.sh tags with the same version this script checks and imports
services=(pinger ponger)
kustomization="${KUSTOMIZATION:-$REPO_ROOT/k8s/base/kustomization.yaml}"

import="${IMAGE_IMPORT:-load}"
case "$import" in load | skip) ;; *) die "IMAGE_IMPORT=$import: expected skip (build only) or unset (build and load)" ;; esac
if [ "$import" = load ]; then
  detect_distro
  require_image_loader
fi

step images "build and load pingpong/{pinger,ponger}:$VERSION"
# The images: block of the base kustomization, as "placeholder newName newTag" lines.
mapped_images() {
  awk '
    /^images:/ { inside = 1; next }
    inside && /^[^ -]/ { inside = 0 }
    inside && /- name:/ { if (n != "") print n, nn, nt; n = $NF; nn = ""; nt = "" }
    inside && /newName:/ { nn = $NF }
    inside && /newTag:/ { nt = $NF }
    END { if (n != "") print n, nn, nt }
  ' "$1" | tr -d "\"'"
}
if [ -f "$kustomization" ]; then
  for svc in "${services[@]}"; do
    line="$(mapped_images "$kustomization" | awk -v s="$svc" '$1 == s')"
    [ "$line" = "$svc pingpong/$svc $VERSION" ] ||
      die "$kustomization: images: \"$svc\" maps to \"${line#"$svc" }\", expected \"pingpong/$svc $VERSION\" (what this script builds and imports)"
  done
else
  log "note: $kustomization not found; cannot cross-check image names"
fi

# services/Dockerfile, target <svc>, built by BuildKit; the base image is pulled when absent, and
# NPM_CA / NODE_EXTRA_CA_CERTS, when set, reach npm as a build secret (ADR/0007).
run scripts/docker/build-image.sh "${services[@]}"
refs=()
for svc in "${services[@]}"; do refs+=("pingpong/$svc:$VERSION"); done

if [ "$import" = load ]; then
  load_images "${refs[@]}"
else
  log "IMAGE_IMPORT=skip: load ${refs[*]} into your cluster's nodes yourself"
fi

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Build pingpong/<svc>:$VERSION for both services and import them into the k3d cluster.
# The names must be the ones k8s/base/kustomization.yaml maps the placeholders to; this checks it.
# IMAGE_IMPORT=skip builds only (e.g. USE_CURRENT_CONTEXT=1 on kind: load them yourself).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

VERSION="${VERSION:-$(project_version)}"
services=(pinger ponger)
kustomization="$REPO_ROOT/k8s/base/kustomization.yaml"

step images "build and import pingpong/{pinger,ponger}:$VERSION"
if [ -f "$kustomization" ]; then
  for svc in "${services[@]}"; do
    grep -Eq "newName: *\"?pingpong/$svc\"?" "$kustomization" ||
      die "$kustomization: images: no newName pingpong/$svc (the Makefile builds pingpong/$svc:$VERSION)"
  done
  if ! grep -Eq "newTag: *\"?$VERSION\"?" "$kustomization"; then
    die "$kustomization: images: newTag is not \"$VERSION\" (the version in package.json)"
  fi
else
  log "note: $kustomization not found; cannot cross-check image names"
fi

refs=()
for svc in "${services[@]}"; do
  run docker build -f "services/$svc/Dockerfile" -t "pingpong/$svc:$VERSION" .
  refs+=("pingpong/$svc:$VERSION")
done

import="${IMAGE_IMPORT:-k3d}"
if [ "$USE_CURRENT_CONTEXT" = "1" ] && [ -z "${IMAGE_IMPORT:-}" ]; then import=skip; fi
case "$import" in
  k3d) run k3d image import --mode=direct --cluster "$CLUSTER" "${refs[@]}" ;;
  skip) log "IMAGE_IMPORT=skip: load ${refs[*]} into your cluster yourself (e.g. 'kind load docker-image', 'minikube image load')" ;;
  *) die "IMAGE_IMPORT=$import: expected k3d or skip" ;;
esac

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Build pingpong/<svc>:<package.json version>, the target <svc> of services/Dockerfile, with the repository
# root as context, using BuildKit. A missing base image is pulled, or built offline as a stand-in
# (build-base.sh) when no registry answers. The CA bundle npm must trust (NPM_CA, else NODE_EXTRA_CA_CERTS
# when it names a file) goes in as the build secret `npm_ca`: mounted for `npm ci`, in no layer.
#   scripts/docker/build-image.sh [ponger] [pinger]     (default: both)
# Env: REVISION (label, default: git HEAD), BUILD_NETWORK (e.g. host; default: docker's default),
#      BUILD_VERBOSE=1 prints the build output (else only the tail of a failed build).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ "$#" -gt 0 ] || set -- ponger pinger
version="${VERSION:-$(project_version)}"
revision="${REVISION:-$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)}"
require_docker
set_build_cmd

# The base image: present, else pulled, else (no registry reachable) the offline stand-in.
base="$(base_image)"
if ! image_exists "$base"; then
  step "base image $base not present: docker pull (60 s at most)"
  if ! timeout 60 "$(docker_cmd)" pull -q "$base" >/dev/null 2>&1; then
    log "pull failed: building the offline stand-in (ADR/0007)"
    bash "$REPO_ROOT/scripts/docker/build-base.sh"
  fi
fi

extra=()
ca="${NPM_CA:-${NODE_EXTRA_CA_CERTS:-}}"
if [ -n "$ca" ]; then
  [ -f "$ca" ] || die "CA bundle \"$ca\" (NPM_CA / NODE_EXTRA_CA_CERTS) is not a file (expected a PEM bundle)"
  extra+=(--secret "id=npm_ca,src=$ca")
fi
[ -z "${BUILD_NETWORK:-}" ] || extra+=(--network "$BUILD_NETWORK")

for svc in "$@"; do
  case "$svc" in
    ponger | pinger) ;;
    *) die "unknown service \"$svc\" (expected ponger or pinger)" ;;
  esac
  image="pingpong/$svc:$version"
  step "build $image (${BUILD[*]}, CA secret: ${ca:-none})"
  log_file="$(mktemp "${TMPDIR:-/tmp}/pingpong-build-$svc.XXXXXX")"
  if ! (cd "$REPO_ROOT" && "${BUILD[@]}" -f services/Dockerfile --target "$svc" \
    --build-arg "VERSION=$version" --build-arg "REVISION=$revision" \
    "${extra[@]}" -t "$image" . >"$log_file" 2>&1); then
    tail -n 60 "$log_file" >&2
    die "docker build of $image failed (last lines above; full log: $log_file)"
  fi
  [ "${BUILD_VERBOSE:-0}" != 1 ] || cat "$log_file"
  rm -f "$log_file"
  # Earlier builds of this image, now untagged, only take disk space.
  "$(docker_cmd)" image prune -f --filter "label=org.opencontainers.image.title=$svc" >/dev/null
  step "built $image: $(image_size "$image")"
done

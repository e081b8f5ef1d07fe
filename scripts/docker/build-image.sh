#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Build pingpong/<svc>:<package.json version>: the target <svc> of services/Dockerfile, with the
# repository root as context, by BuildKit (the Dockerfile's RUN --mount needs it; ADR/0007).
# `docker build` pulls the base image (node:<version>-bookworm-slim) when it is not present.
#   scripts/docker/build-image.sh [ponger] [pinger]     (default: both)
# Env: VERSION (tag and label, default: package.json version), REVISION (label, default: git HEAD),
#      NPM_CA, else NODE_EXTRA_CA_CERTS when set: a PEM bundle npm must trust behind a
#      TLS-intercepting proxy, passed as the build secret npm_ca (mounted for `npm ci` only, in no
#      layer); BUILD_NETWORK (e.g. host); BUILD_VERBOSE=1 prints the build output (else only the
#      tail of a failed build); DOCKER (the client, default docker); DRY_RUN=1 prints the builds.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

[ "$#" -gt 0 ] || set -- ponger pinger
for svc in "$@"; do
  case "$svc" in
    ponger | pinger) ;;
    *) die "unknown service \"$svc\" (expected ponger or pinger)" ;;
  esac
done
version="${VERSION:-$(project_version)}"
revision="${REVISION:-$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)}"

extra=()
ca="${NPM_CA:-${NODE_EXTRA_CA_CERTS:-}}"
if [ -n "$ca" ]; then
  [ -f "$ca" ] || die "CA bundle \"$ca\" (NPM_CA / NODE_EXTRA_CA_CERTS) is not a file (expected a PEM bundle)"
  extra+=(--secret "id=npm_ca,src=$ca")
fi
[ -z "${BUILD_NETWORK:-}" ] || extra+=(--network "$BUILD_NETWORK")

dry_run=0
[ "${DRY_RUN:-0}" != 1 ] || dry_run=1
[ "$dry_run" = 1 ] || require_docker
cd "$REPO_ROOT"
for svc in "$@"; do
  image="pingpong/$svc:$version"
  # DOCKER_BUILDKIT=1: Docker 20.10's client builds with its built-in BuildKit; from 23.0 `docker
  # build` is buildx's, and a client without buildx fails here rather than fall back to the legacy
  # builder, which cannot do RUN --mount.
  build=(env DOCKER_BUILDKIT=1 "$DOCKER" build -f services/Dockerfile --target "$svc"
    --build-arg "VERSION=$version" --build-arg "REVISION=$revision" ${extra[@]+"${extra[@]}"} -t "$image" .)
  if [ "$dry_run" = 1 ]; then
    printf '+ %s\n' "${build[*]}"
    continue
  fi
  step "build $image (CA secret: ${ca:-none})"
  log_file="$(mktemp "${TMPDIR:-/tmp}/pingpong-build-$svc.XXXXXX")"
  if ! "${build[@]}" >"$log_file" 2>&1; then
    tail -n 60 "$log_file" >&2
    die "docker build of $image failed (last lines above; full log: $log_file)"
  fi
  [ "${BUILD_VERBOSE:-0}" != 1 ] || cat "$log_file"
  rm -f "$log_file"
  # Earlier builds of this image, now untagged, only take disk space.
  "$DOCKER" image prune -f --filter "label=org.opencontainers.image.title=$svc" >/dev/null
  step "built $image: $(image_size "$image")"
done

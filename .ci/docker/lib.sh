# shellcheck shell=bash source-path=SCRIPTDIR
# CI only: helpers for the offline CI machine's image job (.ci/docker/*.sh). Source it; on top of
# the product's scripts/docker/lib.sh it gives ensure_docker, image_exists, node_version and
# base_image.

ci_docker="${DOCKER:-}" # a client the caller chose
# shellcheck source=../../scripts/docker/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/docker/lib.sh"

# The client: Debian's docker.io 20.10 (/usr/bin/docker) has BuildKit built in. A newer `docker`
# earlier on PATH without the buildx plugin refuses DOCKER_BUILDKIT=1 (docker/cli v28.2.2
# cmd/docker/builder.go), so CI uses Debian's once it is installed; DOCKER=... overrides.
use_debian_client() {
  if [ -z "$ci_docker" ] && [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; fi
  export DOCKER
}
use_debian_client

# ensure_docker: install Debian's docker.io if no docker daemon binary exists, start dockerd
# in the background if the daemon does not answer, wait for it (bounded: DOCKERD_WAIT_S, 60 s).
ensure_docker() {
  local wait_s="${DOCKERD_WAIT_S:-60}" log_file="${DOCKERD_LOG:-/tmp/dockerd.log}" i
  if "$DOCKER" info >/dev/null 2>&1; then return 0; fi
  if ! command -v dockerd >/dev/null 2>&1; then
    step "installing Debian's docker.io (no dockerd found)"
    [ "$(id -u)" = 0 ] || die "dockerd is missing and installing it needs root"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
    use_debian_client
    if "$DOCKER" info >/dev/null 2>&1; then return 0; fi
  fi
  step "starting dockerd (log: $log_file)"
  [ "$(id -u)" = 0 ] || die "the docker daemon is not running and starting it needs root"
  nohup dockerd >"$log_file" 2>&1 &
  for ((i = 0; i < wait_s; i++)); do
    if "$DOCKER" info >/dev/null 2>&1; then
      log "dockerd is up after ${i}s"
      return 0
    fi
    sleep 1
  done
  tail -n 20 "$log_file" >&2 || true
  die "dockerd did not answer within ${wait_s}s"
}

image_exists() { "$DOCKER" image inspect "$1" >/dev/null 2>&1; }

# The Node version: package.json devDependencies "node" (exact, e.g. 24.21.0).
node_version() {
  local v
  v="$(sed -n '/"devDependencies"/,/}/s/^ *"node": "\([^"]*\)",\{0,1\}$/\1/p' "$REPO_ROOT/package.json" | head -n1)"
  [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
    || die "package.json: devDependencies \"node\" is \"$v\" (expected an exact version like 24.21.0)"
  printf '%s\n' "$v"
}

# The base image services/Dockerfile builds on (its first FROM).
base_image() {
  local img
  img="$(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$REPO_ROOT/services/Dockerfile" | head -n1)"
  [ -n "$img" ] || die "services/Dockerfile: no FROM line"
  printf '%s\n' "$img"
}

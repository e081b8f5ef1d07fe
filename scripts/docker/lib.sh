# shellcheck shell=bash source-path=SCRIPTDIR
# Helpers shared by scripts/docker/*.sh. Source it; it sets REPO_ROOT and gives log/step/die,
# project_version, node_version, docker_cmd, build_cmd and ensure_docker.

# shellcheck source=../lib/base.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/base.sh"

step() { printf '==> [docker] %s (%ss)\n' "$*" "$SECONDS"; }

# The Node version: package.json devDependencies "node" (exact, e.g. 24.21.0).
node_version() {
  local v
  v="$(sed -n '/"devDependencies"/,/}/s/^ *"node": "\([^"]*\)",\{0,1\}$/\1/p' "$REPO_ROOT/package.json" | head -n1)"
  [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] \
    || die "package.json: devDependencies \"node\" is \"$v\" (expected an exact version like 24.21.0)"
  printf '%s\n' "$v"
}

# The base image every Dockerfile names (the first FROM of services/Dockerfile).
base_image() {
  local img
  img="$(sed -n 's/^FROM \([^ ]*\).*/\1/p' "$REPO_ROOT/services/Dockerfile" | head -n1)"
  [ -n "$img" ] || die "services/Dockerfile: no FROM line"
  printf '%s\n' "$img"
}

# The docker client. Debian's docker.io client (/usr/bin/docker, 20.10) has BuildKit built in;
# a newer client needs the buildx plugin for BuildKit. DOCKER=... overrides.
docker_cmd() {
  if [ -n "${DOCKER:-}" ]; then printf '%s\n' "$DOCKER"; return; fi
  if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; return; fi
  command -v docker >/dev/null 2>&1 && { command -v docker; return; }
  echo docker
}

# BUILD array: the command that builds with BuildKit (needed for RUN --mount=type=secret).
BUILD=()
# shellcheck disable=SC2034  # BUILD is used by the scripts that source this file
set_build_cmd() {
  local d
  d="$(docker_cmd)"
  if "$d" buildx version >/dev/null 2>&1; then
    BUILD=("$d" buildx build --load)
  elif [ "$("$d" version --format '{{.Client.Version}}' 2>/dev/null | cut -d. -f1)" -lt 23 ] 2>/dev/null; then
    BUILD=(env DOCKER_BUILDKIT=1 "$d" build)
  else
    die "$d has no BuildKit: install the buildx plugin (package docker-buildx) or Debian's docker.io client"
  fi
}

# ensure_docker: install Debian's docker.io if no docker daemon binary exists, start dockerd
# in the background if the daemon does not answer, wait for it (bounded: DOCKERD_WAIT_S, 60 s).
ensure_docker() {
  local d wait_s="${DOCKERD_WAIT_S:-60}" i
  d="$(docker_cmd)"
  if "$d" info >/dev/null 2>&1; then return 0; fi
  if ! command -v dockerd >/dev/null 2>&1; then
    step "installing Debian's docker.io (no dockerd found)"
    [ "$(id -u)" = 0 ] || die "dockerd is missing and installing it needs root"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
    d="$(docker_cmd)"
    if "$d" info >/dev/null 2>&1; then return 0; fi
  fi
  step "starting dockerd (log: ${DOCKERD_LOG:-/tmp/dockerd.log})"
  [ "$(id -u)" = 0 ] || die "the docker daemon is not running and starting it needs root"
  nohup dockerd >"${DOCKERD_LOG:-/tmp/dockerd.log}" 2>&1 &
  for ((i = 0; i < wait_s; i++)); do
    if "$d" info >/dev/null 2>&1; then
      log "dockerd is up after ${i}s"
      return 0
    fi
    sleep 1
  done
  tail -n 20 "${DOCKERD_LOG:-/tmp/dockerd.log}" >&2 || true
  die "dockerd did not answer within ${wait_s}s"
}

# require_docker: stop with a clear message when the daemon does not answer (a user's machine:
# we never install or start Docker there; CI's ci-images.sh calls ensure_docker instead).
require_docker() {
  "$(docker_cmd)" info >/dev/null 2>&1 ||
    die "the Docker daemon is not reachable ('$(docker_cmd) info' failed): start Docker first (on a bare Debian machine, 'bash scripts/docker/ci-images.sh' installs and starts it)"
}

image_exists() { "$(docker_cmd)" image inspect "$1" >/dev/null 2>&1; }

# Human size of an image (docker's own rounding) and its bytes.
image_size() {
  "$(docker_cmd)" image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.1f MB (%d bytes)\n", $1 / 1000000, $1 }'
}

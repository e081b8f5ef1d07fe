# shellcheck shell=bash source-path=SCRIPTDIR
# Helpers shared by the image scripts. Source it; it sets REPO_ROOT and DOCKER and gives log/step/die,
# project_version, require_docker and image_size.

# shellcheck source=../lib/base.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/base.sh"

step() { printf '==> [docker] %s (%ss)\n' "$*" "$SECONDS"; }

# The docker client: DOCKER, else `docker` on PATH.
DOCKER="${DOCKER:-docker}"

# require_docker: stop with a clear message when the daemon does not answer.
require_docker() {
  "$DOCKER" info >/dev/null 2>&1 ||
    die "the Docker daemon is not reachable ('$DOCKER info' failed): start Docker first"
}

# Human size of an image (docker's own rounding) and its bytes.
image_size() {
  "$DOCKER" image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.1f MB (%d bytes)\n", $1 / 1000000, $1 }'
}

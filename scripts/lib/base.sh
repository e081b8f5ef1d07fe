# shellcheck shell=bash
# The few helpers every script library here shares (scripts/lib/common.sh for the cluster
# scripts, scripts/docker/lib.sh for the image scripts). Source it; it sets REPO_ROOT and gives
# log, die and project_version.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO_ROOT

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# The version in package.json: the tag of the images (docs/interfaces.md, Images).
project_version() {
  local v
  v="$(sed -n 's/^  "version": "\([^"]*\)",\{0,1\}$/\1/p' "$REPO_ROOT/package.json" | head -n1)"
  [ -n "$v" ] || die "package.json: key \"version\" not found (expected \"version\": \"X.Y.Z\")"
  printf '%s\n' "$v"
}

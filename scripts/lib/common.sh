# shellcheck shell=bash source-path=SCRIPTDIR
# Shared helpers for scripts/*.sh. Source it; it sets REPO_ROOT, puts ./.bin first on PATH,
# and gives: log/step/die, run (honours DRY_RUN=1), apply_from, project_version.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN_DIR="${BIN_DIR:-$REPO_ROOT/.bin}"
PATH="$BIN_DIR:$PATH"
export PATH REPO_ROOT BIN_DIR
# Every path below is relative to the repository root (docker build context ".", kustomize dirs).
cd "$REPO_ROOT" || exit 1

# shellcheck source=versions.sh
. "$REPO_ROOT/scripts/lib/versions.sh"

CLUSTER="${CLUSTER:-cluster}"
DRY_RUN="${DRY_RUN:-0}"
USE_CURRENT_CONTEXT="${USE_CURRENT_CONTEXT:-0}"
# shellcheck disable=SC2034  # used by the scripts that source this file
APP_NAMESPACES=(pingpong-plain pingpong-mesh)
OBS_NAMESPACE="observability"
# shellcheck disable=SC2034
PROM_QUERY_PATH="/api/v1/namespaces/${OBS_NAMESPACE}/services/prometheus:http/proxy"
# shellcheck disable=SC2034
COLLECTOR_ENDPOINT="otel-collector.${OBS_NAMESPACE}:4317"
# shellcheck disable=SC2034
COLLECTOR_IDENTITY="otel-collector.${OBS_NAMESPACE}.serviceaccount.identity.linkerd.cluster.local"

log() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
# A phase marker: one line, always on stdout, so a dry run shows the sequence.
step() { printf '==> [%s] %s\n' "$1" "$2"; }

is_dry_run() { [ "$DRY_RUN" = "1" ]; }

# Print a command (shell-quoted) and run it unless DRY_RUN=1.
run() {
  printf '+ %s\n' "$(quote_cmd "$@")"
  if is_dry_run; then return 0; fi
  "$@"
}

# apply_from CMD...: `CMD... | kubectl apply -f -`, printed the same way.
apply_from() {
  printf '+ %s | kubectl apply -f -\n' "$(quote_cmd "$@")"
  if is_dry_run; then return 0; fi
  "$@" | kubectl apply -f -
}

quote_cmd() {
  local out="" arg
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then out+="$arg "; else out+="$(printf '%q' "$arg") "; fi
  done
  printf '%s' "${out% }"
}

# The version in package.json: the tag of the images (docs/interfaces.md).
project_version() {
  local v
  v="$(sed -n 's/^  "version": "\([^"]*\)",\{0,1\}$/\1/p' "$REPO_ROOT/package.json" | head -n1)"
  [ -n "$v" ] || die "package.json: key \"version\" not found (expected \"version\": \"X.Y.Z\")"
  printf '%s\n' "$v"
}

# kubectl reaches a cluster (bounded: 10 s).
cluster_reachable() {
  kubectl version --request-timeout=10s >/dev/null 2>&1
}

host_arch() {
  case "$(uname -m)" in
    x86_64 | amd64) echo amd64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) die "unsupported CPU architecture $(uname -m) (expected x86_64 or aarch64)" ;;
  esac
}

# shellcheck shell=bash source-path=SCRIPTDIR
# Shared helpers for scripts/*.sh. Source it; it sets REPO_ROOT, puts ./.bin first on PATH,
# and gives: log/step/die, run (honours DRY_RUN=1), apply_from, project_version.

# shellcheck source=base.sh
. "$(dirname "${BASH_SOURCE[0]}")/base.sh"
BIN_DIR="${BIN_DIR:-$REPO_ROOT/.bin}"
PATH="$BIN_DIR:$PATH"
export PATH BIN_DIR
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

# delete_from CMD...: `CMD... | kubectl delete --ignore-not-found -f -`, printed the same way. Under
# the scripts' pipefail a CMD that fails fails the step, even though kubectl deletes nothing.
delete_from() {
  printf '+ %s | kubectl delete --ignore-not-found -f -\n' "$(quote_cmd "$@")"
  if is_dry_run; then return 0; fi
  "$@" | kubectl delete --ignore-not-found -f -
}

quote_cmd() {
  local out="" arg
  for arg in "$@"; do
    if [[ "$arg" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then out+="$arg "; else out+="$(printf '%q' "$arg") "; fi
  done
  printf '%s' "${out% }"
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

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Check the tools a target needs, at the pinned versions; name what is missing and how to get it.
#   scripts/preflight.sh [docker] [k3d] [kubectl] [linkerd]     (default: all four)
# Exits 1 listing every problem. With DRY_RUN=1 it reports problems but exits 0.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

problems=()
problem() { problems+=("$1"); }

minor_of() { # v1.33.1 -> 33
  local v="${1#v}"
  v="${v#*.}"
  printf '%s' "${v%%.*}"
}

check_docker() {
  if ! command -v docker >/dev/null 2>&1; then
    problem "docker: not found on PATH. Install Docker Engine on Linux (https://docs.docker.com/engine/install/) or Docker Desktop on macOS (https://docs.docker.com/desktop/), and start it."
  elif ! docker info >/dev/null 2>&1; then
    problem "docker: installed but the daemon is not reachable (docker info failed). Start it ('sudo systemctl start docker' on Linux, open Docker Desktop on macOS) and check you may use its socket."
  fi
}

check_k3d() {
  local out v
  if ! command -v k3d >/dev/null 2>&1; then
    problem "k3d: not found. Run 'make tools' (pinned $K3D_VERSION into ./.bin, SHA-256 verified; Linux or macOS, amd64 or arm64) or see https://k3d.io."
    return
  fi
  out="$(k3d version 2>/dev/null || true)"
  v="$(printf '%s\n' "$out" | sed -n 's/^k3d version \(v[0-9.]*\).*/\1/p' | head -n1)"
  case "$v" in
    "$K3D_VERSION") ;;
    v5.*) log "note: k3d $v found, $K3D_VERSION pinned (same major version, continuing)" ;;
    *) problem "k3d: version ${v:-unknown} found, $K3D_VERSION expected (k3d v5). Run 'make tools'." ;;
  esac
}

check_kubectl() {
  local v want_minor have_minor
  if ! command -v kubectl >/dev/null 2>&1; then
    problem "kubectl: not found. Run 'make tools' (pinned $KUBECTL_VERSION into ./.bin) or see https://kubernetes.io/docs/tasks/tools/."
    return
  fi
  v="$(kubectl version --client -o json 2>/dev/null | sed -n 's/.*"gitVersion": *"\(v[0-9][^"]*\)".*/\1/p' | head -n1)"
  want_minor="$(minor_of "$KUBECTL_VERSION")"
  have_minor="$(minor_of "${v:-v0.0}")"
  if [ -z "$v" ] || [ "$have_minor" -lt $((want_minor - 1)) ] || [ "$have_minor" -gt $((want_minor + 1)) ]; then
    problem "kubectl: version ${v:-unknown} found, $KUBECTL_VERSION expected (within one minor version). Run 'make tools'."
  elif [ "$v" != "$KUBECTL_VERSION" ]; then
    log "note: kubectl $v found, $KUBECTL_VERSION pinned (within the supported skew, continuing)"
  fi
}

check_linkerd() {
  local v
  if ! command -v linkerd >/dev/null 2>&1; then
    problem "linkerd: not found. Run 'make tools' (pinned $LINKERD_VERSION into ./.bin) or see https://linkerd.io/2-edge/getting-started/ (LINKERD2_VERSION=$LINKERD_VERSION)."
    return
  fi
  v="$(linkerd version --client --short 2>/dev/null | head -n1 || true)"
  if [ "$v" != "$LINKERD_VERSION" ]; then
    problem "linkerd: CLI version ${v:-unknown} found, $LINKERD_VERSION expected (the CLI installs its own version of the control plane). Run 'make tools'."
  fi
}

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(docker k3d kubectl linkerd)
step preflight "checking: ${tools[*]}"
for t in "${tools[@]}"; do
  case "$t" in
    docker | k3d | kubectl | linkerd) "check_$t" ;;
    *) die "preflight: unknown tool \"$t\" (expected docker, k3d, kubectl or linkerd)" ;;
  esac
done

if [ ${#problems[@]} -gt 0 ]; then
  log "preflight found ${#problems[@]} problem(s):"
  for p in "${problems[@]}"; do log "  - $p"; done
  if is_dry_run; then
    log "(dry run: continuing anyway)"
    exit 0
  fi
  exit 1
fi
log "preflight ok: ${tools[*]}"

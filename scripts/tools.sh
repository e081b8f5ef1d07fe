#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Install the pinned k3d, kubectl and linkerd CLIs into ./.bin, each checked against its SHA-256
# before it is made executable. Nothing is piped into a shell.
#   scripts/tools.sh [k3d] [kubectl] [linkerd]     (default: all three)
# TOOLS_MIRROR=URL fetches every asset from URL/<asset name> instead (used by the tests with file://).
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/checksum.sh
. "$REPO_ROOT/scripts/lib/checksum.sh"

arch="$(host_arch)"
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
[ "$os" = linux ] || die "make tools fetches Linux binaries only (found $os); install k3d $K3D_VERSION, kubectl $KUBECTL_VERSION, linkerd $LINKERD_VERSION yourself"

# asset_url TOOL -> URL of the binary; pinned_sum TOOL -> pinned SHA-256 ("" if not pinned).
asset_name() {
  case "$1" in
    k3d) echo "k3d-linux-$arch" ;;
    kubectl) echo "kubectl" ;;
    linkerd) echo "linkerd2-cli-$LINKERD_VERSION-linux-$arch" ;;
    *) die "unknown tool \"$1\" (expected k3d, kubectl or linkerd)" ;;
  esac
}
asset_url() {
  local name
  name="$(asset_name "$1")"
  if [ -n "${TOOLS_MIRROR:-}" ]; then echo "${TOOLS_MIRROR%/}/$name"; return; fi
  case "$1" in
    k3d) echo "https://github.com/k3d-io/k3d/releases/download/$K3D_VERSION/$name" ;;
    kubectl) echo "https://dl.k8s.io/release/$KUBECTL_VERSION/bin/linux/$arch/$name" ;;
    linkerd) echo "https://github.com/linkerd/linkerd2/releases/download/$LINKERD_VERSION/$name" ;;
  esac
}
pinned_sum() {
  local var
  var="$(echo "$1" | tr '[:lower:]' '[:upper:]')_SHA256_$arch"
  printf '%s' "${!var:-}"
}

fetch() { # fetch URL DEST
  local proto='=https'
  case "$1" in file://*) proto='=file' ;; esac
  curl --fail --silent --show-error --location --proto "$proto" --retry 3 --output "$2" "$1"
}

install_tool() {
  local tool="$1" url want tmp
  url="$(asset_url "$tool")"
  want="$(pinned_sum "$tool")"
  mkdir -p "$BIN_DIR"
  if [ -n "$want" ] && [ -f "$BIN_DIR/$tool" ] && verify_sha256 "$BIN_DIR/$tool" "$want" 2>/dev/null; then
    log "$tool: already installed and verified in $BIN_DIR"
    return 0
  fi
  tmp="$(mktemp "$BIN_DIR/.download-$tool.XXXXXX")"
  temp_files+=("$tmp" "$tmp.sha256")
  log "$tool: fetching $url"
  fetch "$url" "$tmp" || die "$tool: download failed: $url"
  if [ -z "$want" ]; then
    # Not pinned in the repo (see lib/versions.sh): use the digest upstream publishes beside it.
    fetch "$url.sha256" "$tmp.sha256" || die "$tool: no pinned checksum and no published $url.sha256"
    want="$(cut -d' ' -f1 <"$tmp.sha256" | tr -d '\r\n')"
    log "$tool: WARNING: checksum not pinned in scripts/lib/versions.sh; using upstream's $url.sha256"
    log "$tool: to pin it, set $(echo "$tool" | tr '[:lower:]' '[:upper:]')_SHA256_$arch=\"$want\""
  fi
  if ! verify_sha256 "$tmp" "$want"; then
    die "$tool: refusing to install $url: SHA-256 does not match the pinned value"
  fi
  chmod 0755 "$tmp"
  mv -f "$tmp" "$BIN_DIR/$tool"
  log "$tool: installed $BIN_DIR/$tool"
}

temp_files=()
cleanup() { if [ ${#temp_files[@]} -gt 0 ]; then rm -f "${temp_files[@]}"; fi; }
trap cleanup EXIT

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(k3d kubectl linkerd)
for t in "${tools[@]}"; do install_tool "$t"; done
log "tools ready in $BIN_DIR (the Makefile and scripts put it first on PATH)"

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Install the pinned k3d, kubectl and linkerd CLIs into ./.bin (Linux or macOS, amd64 or arm64),
# each verified against a SHA-256 before it is made executable; nothing is piped into a shell.
#   scripts/tools.sh [k3d] [kubectl] [linkerd]     (default: all three)
# The SHA-256 is the one pinned in scripts/lib/versions.sh (<TOOL>_SHA256_<os>_<arch>); where that
# is "", the one upstream publishes for the asset, printed with the line that pins it (ADR 0010).
# Any failure installs nothing. A tool already in ./.bin stays when ./.bin/<tool>.sha256, written
# only after verification, names the pinned version, this platform and the file's current SHA-256.
# Environment:
#   TOOLS_OS=linux|darwin TOOLS_ARCH=amd64|arm64  fetch another platform's binaries (default: this host)
#   TOOLS_MIRROR=URL  fetch https://HOST/PATH from URL/HOST/PATH instead (file:// or http:// for tests)
#   GITHUB_TOKEN      sent to api.github.com only (unauthenticated: 60 requests an hour per address)
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/checksum.sh
. "$REPO_ROOT/scripts/lib/checksum.sh"

die_config() { printf 'error: %s\n' "$*" >&2; exit 78; }

platform_os() {
  local os="${TOOLS_OS:-}"
  if [ -z "$os" ]; then
    case "$(uname -s)" in
      Linux) os=linux ;;
      Darwin) os=darwin ;;
      *) die "make tools fetches binaries for Linux and macOS only (this is $(uname -s)); install k3d $K3D_VERSION, kubectl $KUBECTL_VERSION and linkerd $LINKERD_VERSION yourself" ;;
    esac
  fi
  case "$os" in
    linux | darwin) printf '%s\n' "$os" ;;
    *) die_config "TOOLS_OS: expected linux or darwin" ;;
  esac
}

platform_arch() {
  case "${TOOLS_ARCH:-}" in
    "") host_arch ;;
    amd64 | arm64) printf '%s\n' "$TOOLS_ARCH" ;;
    *) die_config "TOOLS_ARCH: expected amd64 or arm64" ;;
  esac
}

os="$(platform_os)"
arch="$(platform_arch)"

# Upstream names, read at the pinned tags (ADR 0010): k3d v5.8.3 Makefile (build-cross:
# gox -output "_dist/k3d-{{.OS}}-{{.Arch}}"; gen-checksum: sha256sum _dist/* > checksums.txt);
# linkerd2 edge-26.6.3 cli/Dockerfile (linux-<arch>, darwin, darwin-arm64; no .sha256 since
# #14511); kubectl from dl.k8s.io's release/<v>/bin/<os>/<arch>/kubectl with kubectl.sha256 beside it.
upper() { printf '%s' "$1" | tr '[:lower:]' '[:upper:]'; }
tool_version() { local v; v="$(upper "$1")_VERSION"; printf '%s\n' "${!v}"; }
pin_var() { printf '%s_SHA256_%s_%s\n' "$(upper "$1")" "$os" "$arch"; }

asset_name() {
  case "$1" in
    k3d) echo "k3d-$os-$arch" ;;
    kubectl) echo kubectl ;;
    linkerd)
      if [ "$os-$arch" = darwin-amd64 ]; then
        echo "linkerd2-cli-$LINKERD_VERSION-darwin"
      else
        echo "linkerd2-cli-$LINKERD_VERSION-$os-$arch"
      fi
      ;;
  esac
}

asset_url() {
  case "$1" in
    k3d) echo "https://github.com/k3d-io/k3d/releases/download/$K3D_VERSION/$(asset_name k3d)" ;;
    kubectl) echo "https://dl.k8s.io/release/$KUBECTL_VERSION/bin/$os/$arch/kubectl" ;;
    linkerd) echo "https://github.com/linkerd/linkerd2/releases/download/$LINKERD_VERSION/$(asset_name linkerd)" ;;
  esac
}

# Where upstream publishes the asset's SHA-256, and what that is, for the messages.
published_url() {
  case "$1" in
    k3d) echo "https://github.com/k3d-io/k3d/releases/download/$K3D_VERSION/checksums.txt" ;;
    kubectl) echo "$(asset_url kubectl).sha256" ;;
    linkerd) echo "https://api.github.com/repos/linkerd/linkerd2/releases/tags/$LINKERD_VERSION" ;;
  esac
}
published_what() {
  case "$1" in
    k3d) echo "the release's checksums.txt" ;;
    kubectl) echo "dl.k8s.io's kubectl.sha256" ;;
    linkerd) echo "the \"digest\" GitHub's release API shows for the asset" ;;
  esac
}
published_digest() { # TOOL FILE
  case "$1" in
    k3d) digest_from_checksums_txt "$2" "$(asset_name k3d)" ;;
    kubectl) digest_from_sha256_file "$2" ;;
    linkerd) digest_from_release_json "$2" "$(asset_name linkerd)" ;;
  esac
}

# fetch URL DEST small|binary: curl, bounded in time and size. TOOLS_MIRROR serves the same paths.
fetch() {
  local url="$1" proto='=https' opts
  if [ -n "${TOOLS_MIRROR:-}" ]; then
    case "$TOOLS_MIRROR" in
      file://*) proto='=file' ;;
      http://*) proto='=http' ;;
      https://*) ;;
      *) die_config "TOOLS_MIRROR: expected a file://, http:// or https:// URL" ;;
    esac
    url="${TOOLS_MIRROR%/}/${url#https://}"
  fi
  opts=(--fail --silent --show-error --location --proto "$proto" --proto-redir "$proto"
    --retry 3 --connect-timeout 20 --output "$2")
  if [ "$3" = small ]; then
    opts+=(--max-time 60 --max-filesize 5000000)
  else
    opts+=(--speed-limit 1024 --speed-time 60 --max-filesize 400000000)
  fi
  if [[ "$url" == https://api.github.com/* ]]; then
    opts+=(--header 'Accept: application/vnd.github+json' --header 'X-GitHub-Api-Version: 2022-11-28')
    if [[ "${GITHUB_TOKEN:-}" =~ ^[A-Za-z0-9_]+$ ]]; then
      # On stdin, not in argv, so the token stays out of the process list.
      printf 'header = "Authorization: Bearer %s"\n' "$GITHUB_TOKEN" | curl --config - "${opts[@]}" "$url"
      return
    fi
  fi
  curl "${opts[@]}" "$url"
}

# keep_installed TOOL VERSION PIN: succeed (and say so) when ./.bin/TOOL is the verified VERSION.
keep_installed() {
  local tool="$1" version="$2" pin="$3" record="$BIN_DIR/$1.sha256" sum="" ver="" plat="" got
  [ -e "$BIN_DIR/$tool" ] || return 1
  if [ -f "$record" ]; then read -r sum ver plat _ <"$record" || true; fi
  if ! is_sha256 "$sum"; then
    log "$tool: $BIN_DIR/$tool has no verification record ($record): fetching it again"
    return 1
  fi
  if [ "$ver" != "$version" ] || [ "$plat" != "$os-$arch" ]; then
    log "$tool: $BIN_DIR/$tool was verified as another version or platform, $version for $os/$arch wanted: replacing it"
    return 1
  fi
  if [ -n "$pin" ] && [ "$sum" != "$pin" ]; then
    log "$tool: $BIN_DIR/$tool was verified against a digest that is not the pinned $(pin_var "$tool"): replacing it"
    return 1
  fi
  got="$(sha256_of "$BIN_DIR/$tool")"
  if [ "$got" != "$sum" ]; then
    log "$tool: $BIN_DIR/$tool is not the file verified at install (its SHA-256 changed since): replacing it"
    return 1
  fi
  log "$tool: $version already installed in $BIN_DIR, SHA-256 $sum as verified at install: keeping it"
}

install_tool() {
  local tool="$1" version url var pin tmp want how
  version="$(tool_version "$tool")"
  url="$(asset_url "$tool")"
  var="$(pin_var "$tool")"
  pin="${!var:-}"
  mkdir -p "$BIN_DIR"
  if keep_installed "$tool" "$version" "$pin"; then return 0; fi

  tmp="$(mktemp "$BIN_DIR/.download-$tool.XXXXXX")"
  temp_files+=("$tmp" "$tmp.published" "$tmp.record")
  log "$tool: fetching $url"
  fetch "$url" "$tmp" binary || die "$tool: download failed: $url"
  if [ -n "$pin" ]; then
    verify_sha256 "$tmp" "$pin" || die "$tool: refusing to install $url: its SHA-256 is not the pinned $var. \
If you bumped $(upper "$tool")_VERSION, that pin is the old version's: set $var=\"\" in \
scripts/lib/versions.sh and run 'make tools' again; it then verifies the download against \
$(published_what "$tool") ($(published_url "$tool")) and prints the line to pin."
    want="$pin"
    how="the pinned $var"
  else
    log "$tool: WARNING: no SHA-256 pinned for $os/$arch ($var in scripts/lib/versions.sh);" \
      "verifying against $(published_what "$tool"): $(published_url "$tool")"
    fetch "$(published_url "$tool")" "$tmp.published" small ||
      die "$tool: no pinned SHA-256 and $(published_what "$tool") could not be fetched: nothing installed$(
        [ "$tool" != linkerd ] || printf ' (api.github.com allows 60 unauthenticated requests an hour; GITHUB_TOKEN raises that)')"
    want="$(published_digest "$tool" "$tmp.published")" ||
      die "$tool: no pinned SHA-256 and $(published_what "$tool") gives none for $url: nothing installed"
    verify_sha256 "$tmp" "$want" ||
      die "$tool: refusing to install $url: its SHA-256 is not the one $(published_what "$tool") gives"
    how="$(published_what "$tool")"
  fi

  printf '%s %s %s-%s\n' "$want" "$version" "$os" "$arch" >"$tmp.record"
  chmod 0755 "$tmp"
  rm -f "$BIN_DIR/$tool.sha256"
  mv -f "$tmp" "$BIN_DIR/$tool"
  mv -f "$tmp.record" "$BIN_DIR/$tool.sha256"
  log "$tool: installed $version ($os/$arch) as $BIN_DIR/$tool, SHA-256 $want verified against $how"
  if [ -z "$pin" ]; then
    log "$tool: to pin it, set in scripts/lib/versions.sh: $var=\"$want\" (read from $(published_url "$tool"))"
  fi
}

temp_files=()
cleanup() { if [ ${#temp_files[@]} -gt 0 ]; then rm -f "${temp_files[@]}"; fi; }
trap cleanup EXIT

tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(k3d kubectl linkerd)
for t in "${tools[@]}"; do
  case "$t" in
    k3d | kubectl | linkerd) ;;
    *) die "unknown tool \"$t\" (expected k3d, kubectl or linkerd)" ;;
  esac
  var="$(pin_var "$t")"
  [ -z "${!var:-}" ] || is_sha256 "${!var}" ||
    die_config "scripts/lib/versions.sh: $var must be 64 lowercase hex digits, or \"\" to verify against what upstream publishes"
done
for t in "${tools[@]}"; do install_tool "$t"; done
log "tools ready in $BIN_DIR (the Makefile and scripts put it first on PATH; in your shell: export PATH=\"$BIN_DIR:\$PATH\")"

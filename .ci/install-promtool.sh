#!/usr/bin/env bash
# Installs promtool 3.x into ./.bin for observability/tests/prometheus-config.test.ts, which runs
# `promtool check config` on observability/prometheus/prometheus.yml. Debian bookworm's promtool
# (2.42) is built without Kubernetes service discovery and rejects our kubernetes_sd_configs;
# Debian sid's promtool package (3.x) has it. It is fetched with apt's own client from a
# throwaway sid index (the machine's apt sources and state are not touched) and unpacked with
# dpkg -x: nothing is installed system-wide. Run as root on the CI machine; idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

dest=.bin
if [ -x "$dest/promtool" ] && "$dest/promtool" --version 2>&1 | grep -q 'version 3\.'; then
  "$dest/promtool" --version 2>&1 | head -n 1
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/deb"
touch "$work/status"
mirror="$(bash .ci/debian-mirror.sh)" # the mirror apt already uses, suite set to sid
cat >"$work/sid.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: sid
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_opts=(
  -o "Dir::Etc::SourceList=$work/sid.sources" -o Dir::Etc::SourceParts=/nonexistent
  -o "Dir::State::Lists=$work/lists" -o "Dir::State::status=$work/status" -o "Dir::Cache=$work/cache"
  -o APT::Sandbox::User=root
)
apt-get "${apt_opts[@]}" -qq update
(cd "$work/deb" && apt-get "${apt_opts[@]}" -qq download promtool)
dpkg -x "$work"/deb/promtool_*.deb "$work/root"
mkdir -p "$dest"
install -m 0755 "$work/root/usr/bin/promtool" "$dest/promtool"
"$dest/promtool" --version 2>&1 | head -n 1

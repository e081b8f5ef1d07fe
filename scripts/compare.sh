#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Plain versus mesh from Prometheus: success rate, p50/p99, identity share, mTLS share.
# WINDOW=5m sets the rate window; PROM_URL=http://localhost:9090 skips the port-forward.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

node="$REPO_ROOT/node_modules/.bin/node"
[ -x "$node" ] || die "node_modules/.bin/node missing: run 'npm install' (it brings Node 24)"
if [ -z "${PROM_URL:-}" ]; then
  cluster_reachable || die "kubectl reaches no cluster; run 'make mesh-up' (or set PROM_URL)"
fi
step compare "plain vs mesh from Prometheus"
exec "$node" "$REPO_ROOT/scripts/lib/compare.ts"

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# How to open the UIs. `plain` as first argument leaves out the Linkerd ones.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

step access "how to look at it"
cat <<TEXT
Grafana     kubectl -n $OBS_NAMESPACE port-forward svc/grafana 3000:3000     -> http://localhost:3000
Jaeger UI   kubectl -n $OBS_NAMESPACE port-forward svc/jaeger 16686:16686    -> http://localhost:16686
Prometheus  kubectl -n $OBS_NAMESPACE port-forward svc/prometheus 9090:9090  -> http://localhost:9090
TEXT
if [ "${1:-}" != plain ]; then
  cat <<'TEXT'
Linkerd     linkerd viz dashboard        (opens the viz web UI)
            linkerd viz edges deploy -n pingpong-mesh   (SECURED = mTLS between pinger and ponger)
            linkerd viz stat deploy -n pingpong-mesh    (success rate, RPS, latency per deployment)
Demos       make zero-trust-demo   make compare   make status
TEXT
fi

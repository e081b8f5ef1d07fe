#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# How to open the UIs. `plain` as first argument leaves out the Linkerd ones. Commands are printed
# with the path the tool really has here: `make tools` installs into ./.bin, which is not on the
# user's PATH outside make.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"

# how_to_run TOOL: the word to type in the user's shell for TOOL.
how_to_run() {
  local found
  found="$(command -v "$1" 2>/dev/null || true)"
  if [ -n "$found" ] && [ "$found" = "$BIN_DIR/$1" ]; then
    printf './.bin/%s' "$1"
  else
    printf '%s' "$1"
  fi
}
kubectl_cmd="$(how_to_run kubectl)"
linkerd_cmd="$(how_to_run linkerd)"

step access "how to look at it"
cat <<TEXT
Grafana     $kubectl_cmd -n $OBS_NAMESPACE port-forward svc/grafana 3000:3000     -> http://localhost:3000
Jaeger UI   $kubectl_cmd -n $OBS_NAMESPACE port-forward svc/jaeger 16686:16686    -> http://localhost:16686
Prometheus  $kubectl_cmd -n $OBS_NAMESPACE port-forward svc/prometheus 9090:9090  -> http://localhost:9090
TEXT
if [ "${1:-}" != plain ]; then
  cat <<TEXT
Linkerd     $linkerd_cmd viz dashboard        (opens the viz web UI)
            $linkerd_cmd viz edges deploy -n pingpong-mesh   (SECURED = mTLS between pinger and ponger)
            $linkerd_cmd viz stat deploy -n pingpong-mesh    (success rate, RPS, latency per deployment)
Demos       make zero-trust-demo   make compare   make status
TEXT
fi
# shellcheck disable=SC2016 # $PATH is meant literally: the user's shell expands it
case "$kubectl_cmd$linkerd_cmd" in
  *./.bin/*) printf '(tools from make tools live in ./.bin; to type them bare: export PATH="%s:$PATH")\n' "$BIN_DIR" ;;
esac

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Resilience, plain vs mesh, under the same fault (ADR/0012). Every ponger pod of both namespaces
# answers FAULT_ERROR_RATE (0.5) of its /ping with 500 for FAULT_SECONDS (120 s); then Prometheus
# says what pinger saw in each namespace, and what the mesh's proxies did about it: the retries
# (retry.linkerd.io/* on the ponger Service) and the endpoints failure accrual took out.
# The fault is set on the ponger Deployments (env FAULT_ERROR_RATE, which wins over the config
# file) and removed again on every exit, interrupt (Ctrl-C) or SIGTERM included. Should this
# script be killed outright (SIGKILL), `scripts/resilience-demo.sh off` removes it.
# Prints one "RESULT namespace=..." line per namespace (the e2e suite parses them).
# FAULT_ERROR_RATE=0.5, FAULT_SECONDS=120, SETTLE_SECONDS=20; DRY_RUN=1 prints the commands.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/pods.sh
. "$REPO_ROOT/scripts/lib/pods.sh"

FAULT_ERROR_RATE="${FAULT_ERROR_RATE:-0.5}"
FAULT_SECONDS="${FAULT_SECONDS:-120}"
SETTLE_SECONDS="${SETTLE_SECONDS:-20}"
[[ "$FAULT_ERROR_RATE" =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || die "FAULT_ERROR_RATE: expected a number from 0 to 1, got \"$FAULT_ERROR_RATE\""
[[ "$FAULT_SECONDS" =~ ^[1-9][0-9]{0,4}$ ]] || die "FAULT_SECONDS: expected whole seconds from 1 to 99999, got \"$FAULT_SECONDS\""
[[ "$SETTLE_SECONDS" =~ ^[0-9]{1,4}$ ]] || die "SETTLE_SECONDS: expected whole seconds from 0 to 9999, got \"$SETTLE_SECONDS\""
node="$REPO_ROOT/node_modules/.bin/node"

# The fault lives in the Deployments' pod template, so a rollout replaces every ponger pod with a
# faulty one; removing the variable rolls them back. Both are idempotent.
faults_off() {
  local ns
  for ns in "${APP_NAMESPACES[@]}"; do
    run kubectl -n "$ns" set env deployment/ponger FAULT_ERROR_RATE- || log "could not remove the fault in $ns: run 'scripts/resilience-demo.sh off'"
  done
  for ns in "${APP_NAMESPACES[@]}"; do
    run kubectl -n "$ns" rollout status deployment/ponger --timeout=180s || log "ponger in $ns is not rolled back yet"
  done
}

if [ "${1:-}" = off ]; then
  step faults-off "remove the injected fault from ponger in ${APP_NAMESPACES[*]}"
  faults_off
  exit 0
fi
[ $# -eq 0 ] || die "usage: $0 [off]"

is_dry_run || cluster_reachable || die "kubectl reaches no cluster; run 'make mesh-up' first"
if ! is_dry_run && [ -z "${PROM_URL:-}" ]; then
  [ -x "$node" ] || die "node_modules/.bin/node missing: run 'npm install' (it brings Node 24)"
fi

faulty=0
sleeper=""
restore() {
  local status=$?
  if [ -n "$sleeper" ]; then kill "$sleeper" 2>/dev/null || true; fi
  if [ "$faulty" = 1 ]; then
    faulty=0
    step faults-off "remove the injected fault from ponger in ${APP_NAMESPACES[*]}"
    faults_off
  fi
  exit "$status"
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pause SECONDS: sleep in the background and wait for it, so that a signal ends the wait at once.
pause() {
  printf '+ sleep %s\n' "$1"
  if is_dry_run; then return 0; fi
  sleep "$1" &
  sleeper=$!
  wait "$sleeper"
  sleeper=""
}

step faults-on "every ponger pod in ${APP_NAMESPACES[*]} answers ${FAULT_ERROR_RATE} of /ping with 500"
faulty=1
for ns in "${APP_NAMESPACES[@]}"; do
  run kubectl -n "$ns" set env deployment/ponger "FAULT_ERROR_RATE=$FAULT_ERROR_RATE"
done
for ns in "${APP_NAMESPACES[@]}"; do
  wait_fail_fast "$ns" kubectl -n "$ns" rollout status deployment/ponger --timeout=180s
done

step wait "let the old pods drain (${SETTLE_SECONDS}s), then measure ${FAULT_SECONDS}s of pings under the fault"
pause "$SETTLE_SECONDS"
pause "$FAULT_SECONDS"

step measure "from Prometheus: pinger's success and latency, the proxies' retries and ejections"
run env "WINDOW=${FAULT_SECONDS}s" "$node" scripts/lib/compare.ts resilience
echo "  plain: no proxy, so pinger gets the 500s as ponger sends them (ping.retries is 0, as in mesh)."
echo "  mesh:  pinger's proxy retries each 5xx up to 3 times within a 600 ms budget and takes an endpoint"
echo "         out after 5 failures in a row (annotations on the ponger Service, ADR/0012)."

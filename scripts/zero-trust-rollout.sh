#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Zero trust, rolled out safely, on the throwaway namespace zero-trust-rollout (ADR/0012):
#   1. audit      pinger and ponger meshed, ponger's Server in `audit`, no authorization yet.
#                 An intruder (ServiceAccount intruder, wearing pinger's label) calls ponger: 200,
#                 and counted as a request deny would refuse; so is pinger, which nobody authorized.
#   2. read       what deny would refuse, per caller identity, from Prometheus (the proxies'
#                 inbound_http_authz_allow_total with authz_name="audit").
#   3. authorize  add the one authorization that belongs: pinger -> GET /ping.
#   4. deny       switch to deny; the intruder's same call gets 403, pinger is still served.
# The namespace is deleted at the end, on an interrupt (Ctrl-C) or SIGTERM too.
# Prints "RESULT stage=..." lines (the e2e suite parses them); exits 1 if an outcome differs.
# DRY_RUN=1 prints the commands; WAIT_SECONDS (120) bounds each wait for a pod or a counter.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/pods.sh
. "$REPO_ROOT/scripts/lib/pods.sh"
# shellcheck source=lib/intruder.sh
. "$REPO_ROOT/scripts/lib/intruder.sh"

NS="zero-trust-rollout"
STAGES="k8s/overlays/zero-trust-rollout"
WAIT_SECONDS="${WAIT_SECONDS:-120}"
[[ "$WAIT_SECONDS" =~ ^[1-9][0-9]{0,3}$ ]] || die "WAIT_SECONDS: expected whole seconds from 1 to 9999, got \"$WAIT_SECONDS\""
INTRUDER_ID="intruder.$NS.serviceaccount.identity.linkerd.cluster.local"
PINGER_ID="pinger.$NS.serviceaccount.identity.linkerd.cluster.local"
node="$REPO_ROOT/node_modules/.bin/node"

is_dry_run || cluster_reachable || die "kubectl reaches no cluster; run 'make mesh-up' first"
if ! is_dry_run; then
  kubectl get namespace linkerd >/dev/null 2>&1 || die "Linkerd is not installed; run 'make mesh-up' first"
  [ -n "${PROM_URL:-}" ] || [ -x "$node" ] || die "node_modules/.bin/node missing: run 'npm install' (it brings Node 24)"
fi

failures=0
sleeper=""
created=0
cleanup() {
  local status=$?
  if [ -n "$sleeper" ]; then kill "$sleeper" 2>/dev/null || true; fi
  if [ "$created" = 1 ]; then
    created=0
    step cleanup "delete the throwaway namespace $NS"
    run kubectl delete namespace "$NS" --ignore-not-found --wait=false || log "could not delete namespace $NS: kubectl delete namespace $NS"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pause SECONDS: a sleep that a signal ends at once.
pause() {
  sleep "$1" &
  sleeper=$!
  wait "$sleeper"
  sleeper=""
}

# requests VERDICT CLIENT_ID LINES -> the count on the matching AUTHZ line (0 when absent).
requests() {
  local n
  n="$(printf '%s\n' "$3" | sed -n "s/^AUTHZ verdict=$1 client=${2//./\\.} authz=[^ ]* requests=\([0-9]*\)$/\1/p" | head -n1)"
  printf '%s' "${n:-0}"
}

# await_count VERDICT CLIENT_ID WHAT: poll Prometheus (every 10 s, at most WAIT_SECONDS) until that
# counter is above 0; prints the last AUTHZ lines and sets COUNT (0 when it never rose).
COUNT=0
LINES=""
read_authz() {
  printf '+ %s\n' "$(quote_cmd "$node" scripts/lib/compare.ts authz "$NS")"
  if is_dry_run; then LINES=""; return 0; fi
  LINES="$("$node" scripts/lib/compare.ts authz "$NS" 2>/dev/null | grep '^AUTHZ' || true)"
}
await_count() {
  local i
  COUNT=0
  for ((i = 0; i < WAIT_SECONDS; i += 10)); do
    read_authz
    COUNT="$(requests "$1" "$2" "$LINES")"
    if is_dry_run || [ "$COUNT" -gt 0 ]; then break; fi
    pause 10
  done
  is_dry_run || [ "$COUNT" -gt 0 ] || log "no $3 counted within ${WAIT_SECONDS}s"
  if [ -n "$LINES" ]; then printf '%s\n' "$LINES" | sed 's/^/    /'; fi
}

check() { # check WHAT ACTUAL EXPECTED
  if [ "$2" != "$3" ]; then
    log "unexpected: $1 is $2, expected $3"
    failures=$((failures + 1))
  fi
}

# await_rollouts: ponger and pinger of the throwaway namespace rolled out (bounded; stops at once
# when a pod cannot get its image, as apps-up.sh does).
await_rollouts() {
  local d
  for d in ponger pinger; do wait_fail_fast "$NS" kubectl -n "$NS" rollout status "deployment/$d" --timeout=300s; done
}

step audit "deploy pinger and ponger into $NS: meshed, ponger's Server in audit, no authorization yet"
# From an empty namespace: one left by an earlier run is still terminating (the API server then
# refuses new content in it) or, after a SIGKILL, still holds the authorization of a later stage.
run kubectl delete namespace "$NS" --ignore-not-found --timeout=180s
created=1
run kubectl apply -k "$STAGES/audit"
apply_from kubectl -n "$NS" create serviceaccount intruder --dry-run=client -o yaml
await_rollouts

step audit-call "intruder ($INTRUDER_ID) -> http://ponger:8080/ping"
intruder_call "$NS" enabled
await_count audit "$INTRUDER_ID" "audited request from the intruder"
printf 'RESULT stage=audit caller=intruder http=%s would_be_denied=%s\n' "$CODE" "$COUNT"
is_dry_run || check "the intruder's answer in audit" "$CODE" 200
is_dry_run || [ "$COUNT" -gt 0 ] || check "the intruder's audited requests" "$COUNT" ">0"
echo "  why: no AuthorizationPolicy admits the intruder, but the Server is in audit: the proxy serves the"
echo "       request and counts it under authz_name=\"audit\" with the caller's client_id."

step read-denials "what deny would refuse, by caller (the counters behind 'linkerd viz authz -n $NS deploy/ponger')"
await_count audit "$PINGER_ID" "audited request from pinger"
printf 'RESULT stage=audit caller=pinger would_be_denied=%s\n' "$COUNT"
is_dry_run || [ "$COUNT" -gt 0 ] || check "pinger's audited requests" "$COUNT" ">0"
echo "  pinger would be refused too: it is the legitimate caller, and nobody authorized it yet."
echo "  Switching to deny now would have broken the application. The intruder is the one to refuse."

step authorize "add the missing authorization: pinger's ServiceAccount -> GET /ping"
run kubectl apply -k "$STAGES/authorized"
await_count allowed "$PINGER_ID" "request from pinger allowed by its AuthorizationPolicy"
printf 'RESULT stage=authorized caller=pinger allowed=%s\n' "$COUNT"
is_dry_run || [ "$COUNT" -gt 0 ] || check "pinger's authorized requests" "$COUNT" ">0"

step deny "switch ponger's Server and the namespace default to deny; restart so new pods carry it"
run kubectl apply -k "$STAGES/deny"
run kubectl -n "$NS" rollout restart deployment/pinger deployment/ponger
await_rollouts

step deny-call "the same call again: intruder -> http://ponger:8080/ping"
intruder_call "$NS" enabled
await_count denied "$INTRUDER_ID" "denied request from the intruder"
printf 'RESULT stage=deny caller=intruder http=%s denied=%s\n' "$CODE" "$COUNT"
is_dry_run || check "the intruder's answer in deny" "$CODE" 403
printf 'RESULT stage=deny caller=pinger denied=%s\n' "$(requests denied "$PINGER_ID" "$LINES")"
is_dry_run || check "pinger's denied requests" "$(requests denied "$PINGER_ID" "$LINES")" 0
echo "  why: deny refuses what no AuthorizationPolicy admits (403 from ponger's proxy); pinger is admitted"
echo "       by the authorization the audit stage showed was missing, so the application never broke."

if [ "$failures" -gt 0 ]; then
  die "$failures outcome(s) differ from what the rollout expects"
fi
echo "zero trust rolled out: audit showed who would be refused, the missing authorization came first, then deny"

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Zero trust, shown: a pod running as ServiceAccount "intruder" (not pinger) calls ponger's /ping.
# It wears pinger's pod label, as anyone allowed to create pods can: NetworkPolicies select by
# label, so they let it through in both namespaces. What differs is who checks identity.
#   pingpong-plain: nothing checks who calls, so it gets 200.
#   pingpong-mesh:  ponger's Linkerd policy admits only pinger's mTLS identity (its ServiceAccount),
#                   so a meshed intruder (wrong identity) and an unmeshed one (no identity) both get
#                   403 from ponger's proxy, which reads the request (Server proxyProtocol HTTP/1)
#                   before the app ever sees it.
# Prints one "RESULT ..." line per call (the e2e suite parses them); exits 1 if an outcome differs.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/intruder.sh
. "$REPO_ROOT/scripts/lib/intruder.sh"

cluster_reachable || die "kubectl reaches no cluster; run 'make mesh-up' first"
WAIT_SECONDS="${WAIT_SECONDS:-120}"
failures=0

# The intruder's ServiceAccounts and any pod of an interrupted call go when the demo ends.
cleanup() {
  for ns in pingpong-plain pingpong-mesh; do
    kubectl -n "$ns" delete pod -l app.kubernetes.io/component=intruder --ignore-not-found --wait=false >/dev/null 2>&1 || true
    kubectl -n "$ns" delete serviceaccount intruder --ignore-not-found --wait=false >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# call NS INJECT: the intruder (scripts/lib/intruder.sh) calls ponger once; sets CODE and MESHED.
call() {
  kubectl -n "$1" create serviceaccount intruder --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  intruder_call "$1" "$2" >/dev/null
}

# report NS WANT_MESHED EXPECT(allowed|denied): allowed = 200, denied = 403 (Linkerd's answer).
# meshed= is what the pod ran (MESHED), not what was asked: a row about a meshed intruder counts
# only if it had its proxy.
report() {
  local ns="$1" want_meshed="$2" expect="$3" verdict
  case "$CODE" in 200) verdict=allowed ;; 403) verdict=denied ;; *) verdict="unexpected-$CODE" ;; esac
  printf 'RESULT namespace=%s caller=intruder meshed=%s http=%s verdict=%s expected=%s\n' \
    "$ns" "$MESHED" "$CODE" "$verdict" "$expect"
  [ "$verdict" = "$expect" ] || failures=$((failures + 1))
  if [ "$MESHED" != "$want_meshed" ]; then
    log "the intruder in $ns ran with meshed=$MESHED, expected $want_meshed (is Linkerd's proxy injector up? its webhook fails open)"
    failures=$((failures + 1))
  fi
}

step zero-trust "intruder (ServiceAccount intruder) -> http://ponger:8080/ping"
call pingpong-plain disabled
report pingpong-plain false allowed
echo "  why: the NetworkPolicy admits it (it wears pinger's label; labels are not identity) and plain"
echo "       HTTP carries no identity, so ponger serves it and cannot tell who called."

call pingpong-mesh enabled
report pingpong-mesh true denied
echo "  why: the intruder has a valid mTLS identity (intruder.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local),"
echo "       but ponger's AuthorizationPolicy names only pinger's, so ponger's proxy answers 403 before the app sees it."
echo "       The NetworkPolicy let it through, as in plain: the label fooled it, the certificate did not."

call pingpong-mesh disabled
report pingpong-mesh false denied
echo "  why: no sidecar means no mTLS identity at all; ponger's proxy still reads the HTTP request and answers 403,"
echo "       because the only authorization on GET /ping requires pinger's mTLS identity."

if [ "$failures" -gt 0 ]; then
  die "$failures outcome(s) differ from what the showcase expects"
fi
echo "zero trust holds: identity, not network position, decides who may call ponger in the mesh"

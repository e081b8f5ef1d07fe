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

cluster_reachable || die "kubectl reaches no cluster; run 'make mesh-up' first"
WAIT_SECONDS="${WAIT_SECONDS:-120}"
failures=0

# call NS INJECT -> prints the HTTP status (000 = no HTTP answer)
call() {
  local ns="$1" inject="$2" pod phase code i
  pod="intruder-$inject-$$-$RANDOM"
  kubectl -n "$ns" create serviceaccount intruder --dry-run=client -o yaml | kubectl apply -f - >/dev/null
  kubectl -n "$ns" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Pod
metadata:
  name: $pod
  # pinger's label (so the NetworkPolicies admit it) plus a component label to find it by.
  # Not adopted by pinger's ReplicaSet: that selector also requires pod-template-hash.
  labels: { app.kubernetes.io/name: pinger, app.kubernetes.io/component: intruder }
  annotations: { linkerd.io/inject: $inject }
spec:
  serviceAccountName: intruder
  restartPolicy: Never
  securityContext:
    runAsNonRoot: true
    runAsUser: 10002
    runAsGroup: 10002
    seccompProfile: { type: RuntimeDefault }
  containers:
    - name: intruder
      image: $CURL_IMAGE
      imagePullPolicy: IfNotPresent
      command: [curl, -s, -o, /dev/null, -w, "%{http_code}", --max-time, "5", "http://ponger:8080/ping"]
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: { drop: [ALL] }
      resources:
        requests: { cpu: 10m, memory: 16Mi }
        limits: { cpu: 100m, memory: 64Mi }
YAML
  phase=""
  for ((i = 0; i < WAIT_SECONDS; i += 2)); do
    phase="$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.status.phase}' 2>/dev/null || true)"
    case "$phase" in Succeeded | Failed) break ;; esac
    sleep 2
  done
  code="$(kubectl -n "$ns" logs "$pod" -c intruder 2>/dev/null | tr -dc '0-9' | tail -c 3)"
  kubectl -n "$ns" delete pod "$pod" --wait=false >/dev/null 2>&1 || true
  case "$phase" in Succeeded | Failed) ;; *) log "pod $ns/$pod did not finish within ${WAIT_SECONDS}s (phase: ${phase:-unknown})" ;; esac
  printf '%s' "${code:-000}"
}

report() { # report NS MESHED CODE EXPECT(allowed|denied): allowed = 200, denied = 403 (Linkerd's answer)
  local ns="$1" meshed="$2" code="$3" expect="$4" verdict
  case "$code" in 200) verdict=allowed ;; 403) verdict=denied ;; *) verdict="unexpected-$code" ;; esac
  printf 'RESULT namespace=%s caller=intruder meshed=%s http=%s verdict=%s expected=%s\n' \
    "$ns" "$meshed" "$code" "$verdict" "$expect"
  [ "$verdict" = "$expect" ] || failures=$((failures + 1))
}

step zero-trust "intruder (ServiceAccount intruder) -> http://ponger:8080/ping"
code="$(call pingpong-plain disabled)"
report pingpong-plain false "$code" allowed
echo "  why: the NetworkPolicy admits it (it wears pinger's label; labels are not identity) and plain"
echo "       HTTP carries no identity, so ponger serves it and cannot tell who called."

code="$(call pingpong-mesh enabled)"
report pingpong-mesh true "$code" denied
echo "  why: the intruder has a valid mTLS identity (intruder.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local),"
echo "       but ponger's AuthorizationPolicy names only pinger's, so ponger's proxy answers 403 before the app sees it."
echo "       The NetworkPolicy let it through, as in plain: the label fooled it, the certificate did not."

code="$(call pingpong-mesh disabled)"
report pingpong-mesh false "$code" denied
echo "  why: no sidecar means no mTLS identity at all; ponger's proxy still reads the HTTP request and answers 403,"
echo "       because the only authorization on GET /ping requires pinger's mTLS identity."

if [ "$failures" -gt 0 ]; then
  die "$failures outcome(s) differ from what the showcase expects"
fi
echo "zero trust holds: identity, not network position, decides who may call ponger in the mesh"

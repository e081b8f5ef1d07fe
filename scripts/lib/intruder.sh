# shellcheck shell=bash
# shellcheck disable=SC2034  # CODE and MESHED are set for the scripts that source this file
# The intruder of the zero-trust demos, written once: a throwaway pod running as ServiceAccount
# "intruder" (the caller creates it) that wears pinger's label (so NetworkPolicies, which select by label, let it through)
# and calls http://ponger:8080/ping once. Source after lib/common.sh.
#   intruder_call NS INJECT     INJECT: enabled | disabled (linkerd.io/inject)
# Sets CODE to the HTTP status (000: no HTTP answer) and MESHED to whether the pod really ran a
# linkerd-proxy (true/false): the injector's webhook fails open (webhookFailurePolicy Ignore), so
# an annotation alone proves nothing. Honours DRY_RUN=1 (prints, runs nothing; MESHED=unknown).
# Waits at most WAIT_SECONDS (default 120) for the pod; `pause` may be redefined by the caller
# (e.g. a sleep a signal ends at once).

CODE=""
MESHED=""
type pause >/dev/null 2>&1 || pause() { sleep "$1"; }

intruder_call() {
  local ns="$1" inject="$2" pod phase="" i wait="${WAIT_SECONDS:-120}"
  pod="intruder-$inject-$$-$RANDOM"
  CODE="000"
  MESHED="unknown"
  run kubectl -n "$ns" apply -f - <<YAML
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
  automountServiceAccountToken: false
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
      # --retry: only transient failures (connection refused while the proxy starts, 5xx); a 403 is final
      command: [curl, -s, -o, /dev/null, -w, "%{http_code}", --retry, "3", --retry-connrefused, --max-time, "10", "http://ponger:8080/ping"]
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: { drop: [ALL] }
      resources:
        requests: { cpu: 10m, memory: 16Mi }
        limits: { cpu: 100m, memory: 64Mi }
YAML
  if is_dry_run; then return 0; fi
  for ((i = 0; i < wait; i += 2)); do
    phase="$(kubectl -n "$ns" get pod "$pod" -o jsonpath='{.status.phase}' 2>/dev/null || true)"
    case "$phase" in Succeeded | Failed) break ;; esac
    pause 2
  done
  CODE="$(kubectl -n "$ns" logs "$pod" -c intruder 2>/dev/null | tr -dc '0-9' | tail -c 3 || true)"
  CODE="${CODE:-000}"
  # native sidecar (an init container) or a regular one, as the injector chose
  if kubectl -n "$ns" get pod "$pod" -o jsonpath='{.spec.initContainers[*].name} {.spec.containers[*].name}' 2>/dev/null |
    tr ' ' '\n' | grep -qx linkerd-proxy; then
    MESHED=true
  else
    MESHED=false
  fi
  kubectl -n "$ns" delete pod "$pod" --wait=false >/dev/null 2>&1 || true
  case "$phase" in Succeeded | Failed) ;; *) log "pod $ns/$pod did not finish within ${wait}s (phase: ${phase:-unknown})" ;; esac
}

#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Gateway API CRDs, the linkerd-cni plugin (ADR 0003), Linkerd's CRDs and control plane with
# proxy tracing to our collector, then `linkerd check`. Re-running upgrades in place (keeps certs).
# Last, the observability pods created before Linkerd (make plain-up, then make mesh-up) are
# restarted so the proxy injector meshes them; pods that have their proxy are left alone.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/distro.sh
. "$REPO_ROOT/scripts/lib/distro.sh"
# shellcheck source=lib/pods.sh
. "$REPO_ROOT/scripts/lib/pods.sh"

detect_distro
installed=0
if may_read_cluster && kubectl get namespace linkerd >/dev/null 2>&1; then installed=1; fi

step gateway-api "Gateway API CRDs $GATEWAY_API_VERSION (before Linkerd)"
run kubectl apply --server-side -f "$GATEWAY_API_URL"

step cni "linkerd-cni DaemonSet on $DISTRO (no NET_ADMIN in app pods, so Pod Security restricted holds)"
# The plugin must land where the node's container runtime looks, or every new pod fails with
# `failed to find plugin "linkerd-cni"` (scripts/lib/distro.sh, ADR/0003). iptables -w waits for
# the xtables lock that k3s' network policy controller also takes, as Linkerd's own k3d tests do.
# The repair controller deletes meshed pods whose network validator failed because they started
# before the plugin was back in the chain (after a node or `k3d cluster start` restart, the
# node's CNI rewrites its conflist); without it they stay in Init:CrashLoopBackOff, control plane
# included (docs/upstream-facts.md, "Local clusters"). iptables: nft, or the node's own iptables
# where the kernel has no nf_tables (scripts/lib/distro.sh).
apply_from linkerd install-cni \
  "--dest-cni-net-dir=$CNI_NET_DIR" \
  "--dest-cni-bin-dir=$CNI_BIN_DIR" \
  --use-wait-flag \
  --set repairController.enabled=true \
  --set "iptablesMode=$CNI_IPTABLES_MODE"
run kubectl -n linkerd-cni rollout status daemonset/linkerd-cni --timeout=300s

control_plane_values=(
  --set cniEnabled=true
  # ADR/0011: NetworkPolicies see the ports the app dialled (charts/linkerd-control-plane/values.yaml
  # and controller/api/destination/endpoint_translator.go at edge-26.6.3)
  --set proxy.outboundTransportMode=transparent
  --set proxy.tracing.enabled=true
  --set "proxy.tracing.collector.endpoint=$COLLECTOR_ENDPOINT"
  --set proxy.tracing.collector.meshIdentity.serviceAccountName=otel-collector
  --set "proxy.tracing.collector.meshIdentity.namespace=$OBS_NAMESPACE"
)

if [ "$installed" = 1 ]; then
  log "Linkerd already installed: upgrading in place (an install would mint a new trust anchor)"
  step linkerd-crds "linkerd upgrade --crds"
  apply_from linkerd upgrade --crds
  step linkerd "linkerd upgrade (cni, proxy tracing)"
  apply_from linkerd upgrade "${control_plane_values[@]}"
else
  step linkerd-crds "linkerd check --pre, linkerd install --crds"
  run linkerd check --pre --linkerd-cni-enabled
  apply_from linkerd install --crds
  step linkerd "linkerd install (cni, proxy tracing to $COLLECTOR_ENDPOINT)"
  apply_from linkerd install "${control_plane_values[@]}"
fi

step check "linkerd check"
run linkerd check --wait=5m

step mesh-observability "restart the $OBS_NAMESPACE deployments whose pods have no linkerd-proxy"
# The proxy is injected only when a pod is created, so pods that predate Linkerd stay unmeshed
# (Prometheus then has no identity and its scrapes of meshed pods get 403).
if ! may_read_cluster; then
  log "(dry run: the cluster is not created yet, so no pod predates Linkerd)"
else
  unmeshed="$(unmeshed_deployments "$OBS_NAMESPACE")" || die "cannot list the pods of $OBS_NAMESPACE"
  if [ -z "$unmeshed" ]; then
    log "no pod in $OBS_NAMESPACE lacks its proxy: nothing to restart"
  else
    # a read loop, not mapfile: macOS ships bash 3.2, which has no mapfile (bash NEWS, bash-4.0)
    deployments=()
    while IFS= read -r d; do deployments+=("$d"); done <<<"$unmeshed"
    run kubectl -n "$OBS_NAMESPACE" rollout restart "${deployments[@]/#/deployment/}"
    for d in "${deployments[@]}"; do
      wait_fail_fast "$OBS_NAMESPACE" kubectl -n "$OBS_NAMESPACE" rollout status "deployment/$d" --timeout=300s
    done
  fi
fi

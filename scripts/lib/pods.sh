# shellcheck shell=bash
# What the pods of a namespace say: which Deployments' pods lack the Linkerd proxy, which pods
# cannot get their image; and a rollout wait that stops at once on the latter instead of
# waiting out its timeout. Source after common.sh.

# One line per pod: replicaset|pod-template-hash|pod|deletionTimestamp|linkerd.io/inject
# annotation|init and app container names|name=waiting reason=image for each container status.
# shellcheck disable=SC2016  # a kubectl jsonpath template, not a shell expansion
POD_JSONPATH='{range .items[*]}{.metadata.ownerReferences[0].name}{"|"}{.metadata.labels.pod-template-hash}{"|"}{.metadata.name}{"|"}{.metadata.deletionTimestamp}{"|"}{.metadata.annotations.linkerd\.io/inject}{"|"}{.spec.initContainers[*].name} {.spec.containers[*].name}{"|"}{range .status.initContainerStatuses[*]}{.name}={.state.waiting.reason}={.image} {end}{range .status.containerStatuses[*]}{.name}={.state.waiting.reason}={.image} {end}{"\n"}{end}'

# The kubelet's waiting reasons that no amount of waiting fixes (pkg/kubelet/images/types.go):
# the image is absent and may not be pulled, cannot be pulled (back-off), or is not a valid name.
FATAL_IMAGE_REASONS=" ErrImageNeverPull ImagePullBackOff InvalidImageName "

pod_lines() { kubectl -n "$1" get pods --request-timeout=10s -o jsonpath="$POD_JSONPATH"; }

# unmeshed_deployments NS: the Deployments with a live pod that has no linkerd-proxy container
# (and does not opt out with linkerd.io/inject: disabled).
# Linkerd 2.20 injects the proxy as a native sidecar (an init container with restartPolicy
# Always) by default, or as an app container with proxy.nativeSidecar=false: both are looked at.
# A pod's Deployment is its ReplicaSet's name minus "-<pod-template-hash>" (how the Deployment
# controller names ReplicaSets).
unmeshed_deployments() {
  local out rs hash pod deleting inject containers waiting
  out="$(pod_lines "$1")" || return 1
  while IFS='|' read -r rs hash pod deleting inject containers waiting; do
    if [ -z "$hash" ] || [ "${rs%-"$hash"}" = "$rs" ] || [ -n "$deleting" ] || [ "$inject" = disabled ]; then continue; fi
    case " $containers " in *" linkerd-proxy "*) ;; *) printf '%s\n' "${rs%-"$hash"}" ;; esac
  done <<<"$out" | sort -u
}

# image_pull_failures NS: "pod container image reason" for each container that cannot get its image.
image_pull_failures() {
  local out rs hash pod deleting inject containers waiting entry c reason image
  out="$(pod_lines "$1")" || return 0 # unreadable now: the rollout wait goes on and times out
  while IFS='|' read -r rs hash pod deleting inject containers waiting; do
    if [ -z "$pod" ] || [ -n "$deleting" ]; then continue; fi
    for entry in $waiting; do
      IFS='=' read -r c reason image <<<"$entry"
      case "$FATAL_IMAGE_REASONS" in *" $reason "*) printf '%s %s %s %s\n' "$pod" "$c" "$image" "$reason" ;; esac
    done
  done <<<"$out"
}

# wait_fail_fast NS kubectl ... --timeout=Ns: print the wait command as `run` does, then run it
# in slices of 10 s; between slices, a pod in NS that cannot get its image stops it at once.
wait_fail_fast() {
  local ns="$1"
  shift
  printf '+ %s\n' "$(quote_cmd "$@")"
  if is_dry_run; then return 0; fi
  local total="" probe=() a out bad pod c image reason
  for a in "$@"; do
    case "$a" in
      --timeout=*)
        total="${a#--timeout=}"
        probe+=(--timeout=10s)
        ;;
      *) probe+=("$a") ;;
    esac
  done
  [[ "$total" =~ ^[0-9]+s$ ]] || die "internal: wait_fail_fast needs --timeout=<seconds>s, got \"$total\""
  local deadline=$((SECONDS + ${total%s}))
  while :; do
    if out="$("${probe[@]}" 2>&1)"; then
      printf '%s\n' "$out"
      return 0
    fi
    bad="$(image_pull_failures "$ns")"
    if [ -n "$bad" ]; then
      log "$(quote_cmd "$@"): stopped, these containers cannot get their image:"
      while read -r pod c image reason; do log "  $ns/$pod container $c: $image ($reason)"; done <<<"$bad"
      die "the image is not in the cluster's nodes (or no registry has it). For pingpong/* images run 'make images', which builds them and loads them into the detected cluster (k3d, kind or minikube); see 'kubectl -n $ns describe pod <pod>'."
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "$out"
      die "$(quote_cmd "$@"): not done after $total; see 'kubectl -n $ns get pods' and 'kubectl -n $ns get events --sort-by=.lastTimestamp'"
    fi
    sleep 2
  done
}

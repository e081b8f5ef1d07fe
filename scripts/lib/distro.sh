# shellcheck shell=bash
# Which distribution kubectl points at, and what follows from it: the CNI paths linkerd-cni must
# use, how locally built images get into the nodes, whether NetworkPolicy is enforced.
# Source after common.sh. detect_distro sets
#   DISTRO          k3d | kind | minikube
#   DISTRO_CLUSTER  the k3d cluster, the kind cluster, or the minikube profile
#   CNI_NET_DIR     where the node's container runtime reads CNI config (linkerd-cni chains into it)
#   CNI_BIN_DIR     where it looks for CNI plugin binaries (linkerd-cni copies its plugin there)
#   CNI_IPTABLES_MODE  nft (linkerd-cni's default), or plain (the node's own `iptables`) on
#                   minikube's VM image, whose kernel has no nf_tables (DISTRO_OS names that image)
# Without USE_CURRENT_CONTEXT=1 the cluster is the k3d cluster $CLUSTER that cluster-up.sh makes.
# With it, the nodes say which distribution this is, or the scripts stop at once. Each fact below
# was read in upstream source at the versions in versions.sh (ADR/0009 lists them).

SUPPORTED_DISTROS="k3d (nodes k3d-<cluster>-server-N/agent-N), kind (docker provider), minikube"

# One line per node: name|providerID|minikube profile label|OS image.
# shellcheck disable=SC2016  # a kubectl jsonpath template, not a shell expansion
NODE_JSONPATH='{range .items[*]}{.metadata.name}{"|"}{.spec.providerID}{"|"}{.metadata.labels.minikube\.k8s\.io/name}{"|"}{.status.nodeInfo.osImage}{"\n"}{end}'

# The cluster can be read: always when it is the current context, never in a dry run of the
# default path (there the k3d cluster is not created yet).
may_read_cluster() { ! is_dry_run || [ "$USE_CURRENT_CONTEXT" = "1" ]; }

# minikube's VM drivers boot its Buildroot ISO (pkg/minikube/machine/machine.go
# fastDetectProvisioner; os-release ID buildroot), whose kernel config has no nf_tables at v1.38.1
# (deploy/iso/minikube-iso/board/minikube/*/linux_*_defconfig); its docker driver runs Ubuntu.
on_minikube_iso() { [ "$DISTRO" = minikube ] && [[ "${DISTRO_OS:-}" == Buildroot* ]]; }

set_distro() {
  DISTRO="$1" DISTRO_CLUSTER="$2" DISTRO_OS="${3:-}"
  case "$DISTRO" in
    k3d)
      # k3s's containerd config template: conf_dir = <data-dir>/agent/etc/cni/net.d, and since
      # k3s v1.31.7 / v1.32.3 (k3s #10868, #11497 via #11790) the rancher/k3s image's bin_dir is
      # the static /var/lib/rancher/k3s/data/cni, no longer /bin (k3d #1572).
      CNI_NET_DIR=/var/lib/rancher/k3s/agent/etc/cni/net.d
      CNI_BIN_DIR=/var/lib/rancher/k3s/data/cni
      ;;
    kind | minikube)
      # kind: the node image's containerd config sets no cni section (containerd's defaults), the
      # base image puts the plugins in /opt/cni/bin and kindnet writes /etc/cni/net.d/10-kindnet.conflist.
      # minikube v1.38: containerd bin_dir /opt/cni/bin, conf_dir forced to /etc/cni/net.d (the
      # old /etc/cni/net.mk is deleted); cri-dockerd and cri-o use the same two defaults.
      CNI_NET_DIR=/etc/cni/net.d
      CNI_BIN_DIR=/opt/cni/bin
      ;;
    *) die "internal: unknown distribution \"$DISTRO\"" ;;
  esac
  # linkerd-cni runs iptables-nft unless told otherwise (charts/linkerd2-cni/values.yaml
  # iptablesMode "nft", edge-26.6.3), and a pod whose rules cannot be set never starts. `plain`
  # runs the node's `iptables` (linkerd2-proxy-init cni-plugin/v1.6.8 proxy-init/cmd/root.go),
  # which on minikube's image is its legacy iptables (BR2_PACKAGE_IPTABLES, no nftables).
  CNI_IPTABLES_MODE=nft
  if on_minikube_iso; then CNI_IPTABLES_MODE=plain; fi
  export DISTRO DISTRO_CLUSTER DISTRO_OS CNI_NET_DIR CNI_BIN_DIR CNI_IPTABLES_MODE
}

# distro_of_node NAME PROVIDER_ID MINIKUBE_PROFILE -> "distro cluster", or fails with the reason.
distro_of_node() {
  local name="$1" provider="$2" profile="$3" rest
  case "$provider" in
    k3s://*)
      # k3s's cloud provider sets providerID k3s://<node>; k3d names nodes k3d-<cluster>-<role>-<n>.
      if [[ "$name" =~ ^k3d-(.+)-(server|agent)-[0-9]+$ ]]; then
        printf 'k3d %s\n' "${BASH_REMATCH[1]}"
      else
        printf 'node %s runs k3s but is not a k3d node (k3d names nodes k3d-<cluster>-server-N)\n' "$name"
        return 1
      fi
      ;;
    kind://*)
      # kind's kubeadm config: provider-id kind://<node provider>/<cluster>/<node>.
      rest="${provider#kind://}"
      if [ "${rest%%/*}" != docker ]; then
        printf 'node %s is a kind node on the "%s" provider; the images are built with docker, so only kind on docker is supported\n' "$name" "${rest%%/*}"
        return 1
      fi
      rest="${rest#*/}"
      printf 'kind %s\n' "${rest%%/*}"
      ;;
    *)
      # minikube labels every node minikube.k8s.io/name=<profile>; it sets no providerID.
      if [ -n "$profile" ]; then
        printf 'minikube %s\n' "$profile"
      else
        printf 'node %s (providerID "%s") is none of: %s\n' "$name" "$provider" "$SUPPORTED_DISTROS"
        return 1
      fi
      ;;
  esac
}

detect_distro() {
  if [ "$USE_CURRENT_CONTEXT" != "1" ]; then
    set_distro k3d "$CLUSTER"
    return
  fi
  local out name provider profile os found="" this osimage=""
  out="$(kubectl get nodes --request-timeout=10s -o jsonpath="$NODE_JSONPATH" 2>&1)" ||
    die "USE_CURRENT_CONTEXT=1: cannot list the nodes of context \"$(kubectl config current-context 2>/dev/null || echo none)\" to tell its distribution: $out"
  while IFS='|' read -r name provider profile os; do
    [ -n "$name" ] || continue
    osimage="${osimage:-$os}"
    this="$(distro_of_node "$name" "$provider" "$profile")" ||
      die "USE_CURRENT_CONTEXT=1: unsupported cluster: $this. Supported: $SUPPORTED_DISTROS. (Their CNI paths and image loading are known; for another distribution, make mesh-up would install linkerd-cni in the wrong place.)"
    [ -z "$found" ] || [ "$found" = "$this" ] ||
      die "USE_CURRENT_CONTEXT=1: the nodes disagree on the distribution (\"$found\" and \"$this\"); supported: $SUPPORTED_DISTROS"
    found="$this"
  done <<<"$out"
  [ -n "$found" ] || die "USE_CURRENT_CONTEXT=1: the current context has no nodes"
  set_distro "${found%% *}" "${found#* }" "$osimage"
}

# The CLI that loads images into this distribution.
image_loader() {
  case "$DISTRO" in k3d) echo k3d ;; kind) echo kind ;; minikube) echo minikube ;; esac
}

# Stop at once (before a long image build) when the loader CLI is missing.
require_image_loader() {
  local cli
  cli="$(image_loader)"
  command -v "$cli" >/dev/null 2>&1 && return 0
  local why="$DISTRO cluster \"$DISTRO_CLUSTER\": '$cli' is not on PATH, and it is what loads the locally built images into the nodes"
  if is_dry_run; then log "note (dry run): $why"; return 0; fi
  die "$why. Install it (k3d: make tools), or set IMAGE_IMPORT=skip and load the images yourself."
}

# load_images REF...: put locally built images into every node of the cluster.
load_images() {
  case "$DISTRO" in
    k3d) run k3d image import --mode=direct --cluster "$DISTRO_CLUSTER" "$@" ;;
    kind) run kind load docker-image --name "$DISTRO_CLUSTER" "$@" ;;
    minikube) run minikube image load -p "$DISTRO_CLUSTER" "$@" ;;
  esac
}

# The loud warning that the NetworkPolicies are decorative here: why, and how to get a cluster that
# enforces them.
netpol_warning() {
  local why="$1" fix="$2"
  log ''
  log '!!! WARNING: NetworkPolicy is NOT enforced on this cluster !!!'
  log "!!! $why"
  log '!!! The policies in k8s/ and observability/ are applied but decorative: the L3/L4 claims of the'
  log '!!! README do not hold here. Linkerd policy (identity, L7) in pingpong-mesh still holds. To'
  log '!!! enforce them:'
  log "!!!   $fix"
  log ''
}

# k3s enforces NetworkPolicy with its embedded controller, unless the host kernel lacks ipset: then
# it skips the controller with only a line in its log (k3s pkg/agent/netpol/netpol.go;
# docs/upstream-facts.md). The agent starts the controller once its node is configured, so the
# server node's container log (k3d's nodes are containers named as the nodes are) is read until it
# says either way, for up to a minute.
warn_if_k3s_skipped_netpol() {
  local node="k3d-$1-server-0" said i
  docker inspect "$node" >/dev/null 2>&1 || return 0 # not a container here: nothing to read
  for i in $(seq 30); do
    said="$(docker logs "$node" 2>&1 | grep -m1 -o -e 'Skipping network policy controller start.*' -e 'Starting network policy controller' || true)"
    case "$said" in
      Skipping*)
        netpol_warning "k3s in $node logged: $said (the host kernel has no ipset support)." \
          "run k3d on a host whose kernel has ipset (modprobe ip_set), then: make down && make mesh-up"
        return 0
        ;;
      Starting*) return 0 ;;
    esac
    [ "$i" -eq 30 ] || sleep 2
  done
  log "note: k3s in $node has not said within a minute whether its NetworkPolicy controller started (docker logs $node | grep 'network policy controller')"
}

# Linkerd 2.20 refuses a Kubernetes API older than 1.31 and its CI reaches 1.35 (linkerd2
# pkg/k8s/api.go minAPIVersion, bin/_test-helpers.sh k8s_version_max, edge-26.6.3); kind v0.32.0's
# default node image is 1.36 (pkg/apis/config/defaults/image.go). A newer server is not refused,
# only named, with the way back.
LINKERD_CI_MAX_MINOR=35
note_if_kubernetes_past_linkerd_ci() {
  local minor
  minor="$(kubectl get --raw /version --request-timeout=10s 2>/dev/null | sed -n 's/.*"minor": *"\([0-9]*\).*/\1/p' | head -n1)"
  [ -n "$minor" ] && [ "$minor" -gt "$LINKERD_CI_MAX_MINOR" ] || return 0
  log "note: this cluster runs Kubernetes 1.$minor; Linkerd 2.20's own CI reaches 1.$LINKERD_CI_MAX_MINOR. If the control plane misbehaves, recreate the cluster on 1.$LINKERD_CI_MAX_MINOR (kind: kind create cluster --image kindest/node:v1.$LINKERD_CI_MAX_MINOR.<patch>; minikube: --kubernetes-version=v1.$LINKERD_CI_MAX_MINOR.<patch>)."
}

# Linkerd's CNI plugin chains into the CNI configuration directory, which Cilium takes for itself
# with cni-exclusive (linkerd.io 2/features/cni: "install the latter with the option
# cni.exclusive=false"); minikube v1.38.1's Cilium sets cni-exclusive: "true" in cilium-config
# (pkg/minikube/cni/cilium.yaml).
warn_if_cilium_exclusive() {
  local exclusive
  exclusive="$(kubectl -n kube-system get configmap cilium-config --request-timeout=10s -o jsonpath='{.data.cni-exclusive}' 2>/dev/null || true)"
  [ "$exclusive" = true ] || return 0
  log "WARNING: Cilium runs with cni-exclusive=true (configmap kube-system/cilium-config): it takes the CNI configuration directory for itself, where Linkerd's CNI plugin must chain in; Linkerd asks for Cilium with cni.exclusive=false. Fix: set cni-exclusive to \"false\" in that ConfigMap and restart the cilium DaemonSet, or use Calico (minikube start --cni=calico)."
}

# Say what was detected, and say loudly when NetworkPolicy is not enforced: on k3d when k3s skipped
# its policy controller, on kind or minikube when no CNI that enforces it runs.
describe_distro() {
  log "distribution: $DISTRO, cluster \"$DISTRO_CLUSTER\"${DISTRO_OS:+ ($DISTRO_OS)}; linkerd-cni paths: conf $CNI_NET_DIR, plugins $CNI_BIN_DIR, iptables $CNI_IPTABLES_MODE; images loaded with '$(image_loader)'"
  may_read_cluster || return 0
  note_if_kubernetes_past_linkerd_ci
  if [ "$DISTRO" = k3d ]; then
    warn_if_k3s_skipped_netpol "$DISTRO_CLUSTER"
    return 0
  fi
  local ds
  # every namespace: the Tigera operator runs calico-node in calico-system, minikube's manifest in kube-system
  ds=" $(kubectl get daemonsets -A --request-timeout=10s -o jsonpath='{.items[*].metadata.name}' 2>/dev/null || true) "
  # kindnet enforces NetworkPolicy with nftables and fails open (kind v0.32.0 images/kindnetd:
  # kube-network-policies on google/nftables, FailOpen: true): on the VM image, which has no
  # nf_tables, it enforces nothing (minikube v1.38.1 ships a kindnetd image of the same line).
  local why="$DISTRO \"$DISTRO_CLUSTER\" runs none of kindnet, calico-node, cilium (minikube's default bridge CNI, for one, ignores NetworkPolicy)."
  case "$ds" in
    *" cilium "*)
      warn_if_cilium_exclusive
      return 0
      ;;
    *" calico-node "*) return 0 ;;
    *" kindnet "*)
      on_minikube_iso || return 0
      why="minikube \"$DISTRO_CLUSTER\" runs kindnet on its VM image ($DISTRO_OS): kindnet enforces NetworkPolicy with nftables, which that kernel lacks, and carries on without it."
      ;;
  esac
  local fix="kind create cluster with its default CNI (kindnet)"
  [ "$DISTRO" != minikube ] || fix="minikube start -p $DISTRO_CLUSTER --cni=calico   (or, with the docker driver, --cni=kindnet)"
  netpol_warning "$why" "$fix"
}

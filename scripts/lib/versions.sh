# shellcheck shell=bash
# Pinned tool and image versions: the one place to bump them.
# shellcheck disable=SC2034  # sourced by the other scripts

# The CLIs `make tools` installs (scripts/tools.sh, ADR 0010). <TOOL>_SHA256_<os>_<arch> is the
# SHA-256 of that release asset, pinned only when read from the source named above it. "" means not
# pinned: `make tools` then verifies the download against the digest upstream publishes for it
# (k3d: the release's checksums.txt; kubectl: dl.k8s.io's kubectl.sha256 beside the binary;
# linkerd: the "digest" GitHub's release API shows for the asset), prints it and the line to pin.
# Bumping a version: set its four _SHA256_ values to "", run `make tools` (TOOLS_OS/TOOLS_ARCH
# fetch another platform's), then pin what it prints, naming where the digest was read.

# k3d-<os>-<arch>: digests read from cashapp/hermit-packages k3d.hcl (commit fae401cc9892),
# sha256sums of https://github.com/rancher/k3d/releases/download/v5.8.3/k3d-<os>-<arch>.
K3D_VERSION="v5.8.3"
K3D_SHA256_linux_amd64="dbaa79a76ace7f4ca230a1ff41dc7d8a5036a8ad0309e9c54f9bf3836dbe853e"
K3D_SHA256_linux_arm64="0b8110f2229631af7402fb828259330985918b08fefd38b7f1b788a1c8687216"
K3D_SHA256_darwin_amd64="fd0f8e9e8ea4d8bc3674572ca6ed0833b639bf57c43c708616d937377324cfea"
K3D_SHA256_darwin_arm64="8da468daa7dc7cf7cdd4735f90a9bb05179fa27858250f62e3d8cdf5b5ca0698"

# release/v1.33.1/bin/<os>/<arch>/kubectl: digests read from loopingz/rules_k8s_cd
# lib/private/kubectl_toolchain.bzl (commit e3004157eb08), which copies dl.k8s.io's kubectl.sha256.
KUBECTL_VERSION="v1.33.1"
KUBECTL_SHA256_linux_amd64="5de4e9f2266738fd112b721265a0c1cd7f4e5208b670f811861f699474a100a3"
KUBECTL_SHA256_linux_arm64="d595d1a26b7444e0beb122e25750ee4524e74414bbde070b672b423139295ce6"
KUBECTL_SHA256_darwin_amd64="8d36a5c66142547ad16e332942fd16a0ca2b3346d9ebaab6c348de2c70d9d875"
KUBECTL_SHA256_darwin_arm64="8ae6823839993bb2e394c3cf1919748e530642c625dc9100159595301f53bdeb"

# Linkerd 2.20. No source readable from here lists edge-26.6.3's digests, and Linkerd no longer
# publishes .sha256 files (linkerd2 #14511, from edge-25.9.4): verified at install time against the
# release API's "digest" until pinned here from a named source.
LINKERD_VERSION="edge-26.6.3"
LINKERD_SHA256_linux_amd64=""
LINKERD_SHA256_linux_arm64=""
LINKERD_SHA256_darwin_amd64=""
LINKERD_SHA256_darwin_arm64=""

# Kubernetes 1.33: Linkerd 2.20's CLI refuses an API older than 1.31 and its CI runs k3s up to 1.35
# (docs/upstream-facts.md, "Linkerd: install").
K3S_IMAGE="rancher/k3s:v1.33.4-k3s1"

# Gateway API CRDs: the version `linkerd install` tells the user to apply; it refuses CRDs older
# than v1.1.1 (docs/upstream-facts.md, "Linkerd: install").
GATEWAY_API_VERSION="v1.2.1"
GATEWAY_API_URL="https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml"

# The throwaway client pod of the zero-trust demo (runs as a non-root user).
CURL_IMAGE="curlimages/curl:8.11.1"

# USE_CURRENT_CONTEXT=1 on kind or minikube (scripts/lib/distro.sh, ADR/0009): their CNI paths,
# image loading, node markers and default CNI were read in their source at these tags. The
# k3d/k3s facts were read at K3D_VERSION and K3S_IMAGE above. Not installed by `make tools`.
KIND_VERSION="v0.32.0"
MINIKUBE_VERSION="v1.38.1"

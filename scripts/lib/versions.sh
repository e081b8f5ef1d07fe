# shellcheck shell=bash
# Pinned tool and image versions: the one place to bump them.
# Checksums are SHA-256 of the release assets, as published upstream:
#   k3d:     https://github.com/k3d-io/k3d/releases/download/<v>/checksums.txt
#   kubectl: https://dl.k8s.io/release/<v>/bin/linux/<arch>/kubectl.sha256
#   linkerd: https://github.com/linkerd/linkerd2/releases/download/<v>/linkerd2-cli-<v>-linux-<arch>.sha256
# shellcheck disable=SC2034  # sourced by the other scripts

K3D_VERSION="v5.8.3"
K3D_SHA256_amd64="dbaa79a76ace7f4ca230a1ff41dc7d8a5036a8ad0309e9c54f9bf3836dbe853e"
K3D_SHA256_arm64="0b8110f2229631af7402fb828259330985918b08fefd38b7f1b788a1c8687216"

KUBECTL_VERSION="v1.33.1"
KUBECTL_SHA256_amd64="5de4e9f2266738fd112b721265a0c1cd7f4e5208b670f811861f699474a100a3"
KUBECTL_SHA256_arm64="d595d1a26b7444e0beb122e25750ee4524e74414bbde070b672b423139295ce6"

# Linkerd 2.20. Its checksums were not found in any source this repo could check; until they are
# pinned here, `make tools` verifies against the .sha256 file Linkerd publishes next to each binary
# and prints the digest so it can be pinned (see scripts/tools.sh).
LINKERD_VERSION="edge-26.6.3"
LINKERD_SHA256_amd64=""
LINKERD_SHA256_arm64=""

# Kubernetes 1.33 (Linkerd 2.20 supports 1.31-1.35).
K3S_IMAGE="rancher/k3s:v1.33.4-k3s1"

# Gateway API CRDs: the version Linkerd 2.20 recommends (it supports 1.2.1-1.5.1).
GATEWAY_API_VERSION="v1.2.1"
GATEWAY_API_URL="https://github.com/kubernetes-sigs/gateway-api/releases/download/${GATEWAY_API_VERSION}/standard-install.yaml"

# The throwaway client pod of the zero-trust demo (runs as a non-root user).
CURL_IMAGE="curlimages/curl:8.11.1"

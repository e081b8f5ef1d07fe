#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Cluster, images, observability and the plain overlay only: no Linkerd. USE_CURRENT_CONTEXT=1 uses
# kubectl's current cluster if it is k3d, kind or minikube (scripts/lib/distro.sh), else stops at once.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
here="$REPO_ROOT/scripts"

if [ "$USE_CURRENT_CONTEXT" = "1" ]; then
  "$here/preflight.sh" docker kubectl
else
  "$here/preflight.sh" docker k3d kubectl
fi
"$here/cluster-up.sh"
"$here/images.sh"
"$here/observability-up.sh"
"$here/apps-up.sh" plain
"$here/print-access.sh" plain

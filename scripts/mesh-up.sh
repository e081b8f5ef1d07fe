#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The whole showcase: cluster, images, Linkerd (CNI, tracing), observability, viz, both overlays.
# Safe to re-run. DRY_RUN=1 prints the commands in order without running them; with
# USE_CURRENT_CONTEXT=1 it still reads (never changes) the cluster: its nodes, to know the
# distribution (k3d, kind or minikube; anything else stops here), and what Linkerd would restart.
set -euo pipefail
# shellcheck source=lib/common.sh
. "$(dirname "$0")/lib/common.sh"
here="$REPO_ROOT/scripts"

if [ "$USE_CURRENT_CONTEXT" = "1" ]; then
  "$here/preflight.sh" docker kubectl linkerd
else
  "$here/preflight.sh" docker k3d kubectl linkerd
fi
"$here/cluster-up.sh"
"$here/images.sh"
"$here/linkerd-up.sh"
"$here/observability-up.sh"
"$here/viz-up.sh"
"$here/apps-up.sh" plain mesh
"$here/print-access.sh"

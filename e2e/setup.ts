// Root hooks: without a reachable cluster the whole suite is skipped (exit 0) with one line,
// unless E2E_REQUIRE_CLUSTER=1; without kubectl it fails and says how to get it.
import { closeForwards, noClusterReason } from './lib/kube.ts';

before(async function () {
  this.timeout(30_000);
  const reason = await noClusterReason();
  if (reason !== null) {
    // The GitHub workflow sets E2E_REQUIRE_CLUSTER=1: there, a skip would hide a broken cluster path.
    if (process.env['E2E_REQUIRE_CLUSTER'] === '1')
      throw new Error(`e2e: no reachable Kubernetes cluster (${reason}) and E2E_REQUIRE_CLUSTER=1`);
    console.log(`e2e: skipped, no reachable Kubernetes cluster (${reason}); run 'make mesh-up' first`);
    this.skip();
  }
});

after(async () => {
  await closeForwards();
});

// Root hooks: without a reachable cluster the whole suite is skipped (exit 0) with one line.
import { closeForwards, noClusterReason } from './lib/kube.ts';

before(async function () {
  this.timeout(30_000);
  const reason = await noClusterReason();
  if (reason !== null) {
    console.log(`e2e: skipped, no reachable Kubernetes cluster (${reason}); run 'make mesh-up' first`);
    this.skip();
  }
});

after(async () => {
  await closeForwards();
});

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, run } from './lib/run.ts';

describe('e2e suite without a cluster', function () {
  this.timeout(120_000);
  it('skips everything with one clear line and exits 0', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kubeconfig-'));
    try {
      const kubeconfig = path.join(dir, 'config');
      writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
      const r = run(process.execPath, [path.join(REPO_ROOT, 'node_modules/mocha/bin/mocha.js'), '--config', 'e2e/.mocharc.json'], {
        env: { ...process.env, KUBECONFIG: kubeconfig },
        timeout: 100_000,
      });
      expect(r.status, r.stdout + r.stderr).to.equal(0);
      const lines = r.stdout.split('\n').filter((l) => l.startsWith('e2e: skipped'));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/no reachable Kubernetes cluster .*make mesh-up/);
      expect(r.stdout).to.match(/\b0 passing\b/);
      expect(r.stdout).to.match(/\b\d+ pending\b/);
      expect(r.stdout).not.to.match(/failing/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

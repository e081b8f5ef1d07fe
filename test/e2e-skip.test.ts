import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from './support/repo.ts';
import { run } from './support/run.ts';

describe('e2e suite without a cluster', function () {
  this.timeout(120_000);
  let dir = '';
  let kubeconfig = '';
  const mocha = (env: NodeJS.ProcessEnv) =>
    run(process.execPath, [path.join(REPO_ROOT, 'node_modules/mocha/bin/mocha.js'), '--config', 'e2e/.mocharc.json'], {
      env,
      timeout: 100_000,
    });
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kubeconfig-'));
    kubeconfig = path.join(dir, 'config');
    writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('skips everything with one clear line and exits 0', () => {
    const r = mocha({ ...process.env, KUBECONFIG: kubeconfig, E2E_REQUIRE_CLUSTER: '' });
    expect(r.status, r.stdout + r.stderr).to.equal(0);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('e2e: skipped'));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/no reachable Kubernetes cluster .*make mesh-up/);
    expect(r.stdout).to.match(/\b0 passing\b/);
    expect(r.stdout).to.match(/\b\d+ pending\b/);
    expect(r.stdout).not.to.match(/failing/);
  });

  it('fails instead of skipping where a cluster is required (E2E_REQUIRE_CLUSTER=1, the GitHub workflow)', () => {
    const r = mocha({ ...process.env, KUBECONFIG: kubeconfig, E2E_REQUIRE_CLUSTER: '1' });
    expect(r.status).to.not.equal(0);
    expect(r.stdout + r.stderr).to.match(/no reachable Kubernetes cluster .*E2E_REQUIRE_CLUSTER=1/);
  });

  it('fails, saying how to get it, when kubectl is neither in ./.bin nor on PATH', function () {
    if (existsSync(path.join(REPO_ROOT, '.bin', 'kubectl'))) this.skip(); // make tools ran here: ./.bin has one
    const r = mocha({ ...process.env, KUBECONFIG: kubeconfig, KUBECTL: '', PATH: path.dirname(process.execPath) });
    expect(r.status).to.not.equal(0);
    expect(r.stdout + r.stderr).to.match(/kubectl not found in \.\/\.bin or on PATH: run 'make tools'/);
  });
});

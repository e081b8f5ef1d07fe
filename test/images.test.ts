import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from './support/repo.ts';
import { run } from './support/run.ts';

const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function images(kustomization?: string) {
  const env: Record<string, string> = { ...process.env, DRY_RUN: '1' } as Record<string, string>;
  if (kustomization) env['KUSTOMIZATION'] = kustomization;
  return run(path.join(REPO_ROOT, 'scripts/images.sh'), [], { env });
}

describe('scripts/images.sh', () => {
  // what it builds and imports from k8s/base/kustomization.yaml, as make mesh-up runs it: test/mesh-up-dry-run.test.ts
  // ('issues the commands in the order Linkerd needs them' matches both command lines whole)
  describe('refuses a kustomization that maps to other images', () => {
    let dir = '';
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'kust-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const cases: [string, string, RegExp][] = [
      ['another tag', `newTag: "${version}"`, /"ponger" maps to "pingpong\/ponger latest"/],
      ['another name', 'newName: pingpong/ponger', /"ponger" maps to "example\/ponger/],
    ];
    for (const [what, find, error] of cases) {
      it(what, () => {
        const good = `images:\n  - name: pinger\n    newName: pingpong/pinger\n    newTag: "${version}"\n  - name: ponger\n    newName: pingpong/ponger\n    newTag: "${version}"\n`;
        // Break only ponger's entry (the last occurrence).
        const i = good.lastIndexOf(find);
        const replacement = find.startsWith('newTag') ? 'newTag: latest' : 'newName: example/ponger';
        const file = path.join(dir, 'kustomization.yaml');
        writeFileSync(file, good.slice(0, i) + replacement + good.slice(i + find.length));
        const r = images(file);
        expect(r.status).to.equal(1);
        expect(r.stderr).to.match(error);
        expect(r.stdout).not.to.match(/docker build/);
      });
    }
  });
});

describe('scripts/docker/build-image.sh', () => {
  const build = (args: string[], env: Record<string, string>) =>
    run(path.join(REPO_ROOT, 'scripts/docker/build-image.sh'), args, {
      env: { PATH: process.env['PATH'] ?? '', DRY_RUN: '1', REVISION: 'r1', ...env },
    });

  it('builds each service as the target of that name of services/Dockerfile, tagged with the package.json version', () => {
    const ca = path.join(REPO_ROOT, 'package.json'); // any file: only its path is passed
    const r = build(['pinger', 'ponger'], { NPM_CA: ca });
    expect(r.status, r.stderr).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).to.have.length(2);
    for (const [i, svc] of ['pinger', 'ponger'].entries()) {
      expect(lines[i]).to.equal(
        `+ env DOCKER_BUILDKIT=1 docker build -f services/Dockerfile --target ${svc} --build-arg VERSION=${version} ` +
          `--build-arg REVISION=r1 --secret id=npm_ca,src=${ca} -t pingpong/${svc}:${version} .`,
      );
    }
    // Without a CA bundle there is no secret: the Dockerfile's mount is optional.
    expect(build(['ponger'], {}).stdout).not.to.include('--secret');
  });

  it('refuses an unknown service and a CA bundle that is not a file, before building', () => {
    const unknown = build(['pinger', 'pangolin'], {});
    expect(unknown.status).to.equal(1);
    expect(unknown.stderr).to.include('unknown service "pangolin" (expected ponger or pinger)');
    expect(unknown.stdout).to.equal('');
    const noCa = build(['ponger'], { NPM_CA: '/nonexistent/ca.pem' });
    expect(noCa.status).to.equal(1);
    expect(noCa.stderr).to.include('CA bundle "/nonexistent/ca.pem" (NPM_CA / NODE_EXTRA_CA_CERTS) is not a file');
  });
});

import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, run } from './lib/run.ts';

const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const base = path.join(REPO_ROOT, 'k8s/base/kustomization.yaml');

function images(kustomization?: string) {
  const env: Record<string, string> = { ...process.env, DRY_RUN: '1' } as Record<string, string>;
  if (kustomization) env['KUSTOMIZATION'] = kustomization;
  return run(path.join(REPO_ROOT, 'scripts/images.sh'), [], { env });
}

describe('scripts/images.sh', () => {
  it('builds and imports exactly the names k8s/base/kustomization.yaml maps to', function () {
    try { readFileSync(base); } catch { this.skip(); }
    const r = images();
    expect(r.status, r.stderr).to.equal(0);
    // build-image.sh tags pingpong/<svc>:$VERSION (BuildKit, CA secret, base image; ADR/0007)
    expect(r.stdout).to.include('+ scripts/docker/build-image.sh pinger ponger');
    expect(r.stdout).to.include(`+ k3d image import --mode=direct --cluster cluster pingpong/pinger:${version} pingpong/ponger:${version}`);
  });

  describe('refuses a kustomization that maps to other images', () => {
    let dir = '';
    beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'kust-')); });
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

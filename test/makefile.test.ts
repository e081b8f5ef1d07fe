import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { helpTargets, ruleTargets, undocumented } from './makefile-targets.ts';
import { REPO_ROOT } from './support/repo.ts';
import { run } from './support/run.ts';

const makefile = readFileSync(path.join(REPO_ROOT, 'Makefile'), 'utf8');

describe('Makefile', () => {
  it('`make help` lists every target, each with a description', () => {
    const help = run('make', ['-s', 'help']);
    expect(help.status, help.stderr).to.equal(0);
    const targets = ruleTargets(makefile);
    expect(targets).to.include.members([
      'mesh-up',
      'plain-up',
      'down',
      'status',
      'zero-trust-demo',
      'compare',
      'tools',
      'test',
      'e2e',
      'images',
      'run-local-kube-with-ping-pong-app',
      'cluster-up-with-services',
    ]);
    expect(undocumented(makefile, help.stdout)).to.deep.equal([]);
    expect(helpTargets(help.stdout).sort()).to.deep.equal([...targets].sort());
  });

  it('the help check catches a target without a ## description', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mk-'));
    try {
      const broken = `${makefile}\nsecret-target:\n\t@echo hidden\n`;
      writeFileSync(path.join(dir, 'Makefile'), broken);
      copyFileSync(path.join(REPO_ROOT, 'package.json'), path.join(dir, 'package.json'));
      const help = run('make', ['-s', '-f', path.join(dir, 'Makefile'), 'help'], { cwd: dir });
      expect(help.status, help.stderr).to.equal(0);
      expect(undocumented(broken, help.stdout)).to.deep.equal(['secret-target']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ruleTargets ignores variable assignments and .PHONY', () => {
    expect(ruleTargets('A := 1\nB ?= 2\n.PHONY: x\nx: ## d\n\techo\ny z: x\n')).to.deep.equal(['x', 'y', 'z']);
  });

  // the exercises' aliases run what mesh-up runs: test/mesh-up-dry-run.test.ts 'the exercise aliases'
  it('reads VERSION from package.json', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = run('make', ['-s', '--no-print-directory', '-p', '-n', 'help']);
    expect(r.stdout).to.match(new RegExp(`^VERSION := ${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
  });
});

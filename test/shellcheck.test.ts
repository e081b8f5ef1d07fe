import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { missingTool } from './support/manifests.ts';
import { REPO_ROOT } from './support/repo.ts';
import { hasCommand, run } from './support/run.ts';

/** A file's text, read in this process ('' when git still lists a file that is gone). */
function text(f: string): string {
  try {
    return readFileSync(path.join(REPO_ROOT, f), 'utf8');
  } catch {
    return '';
  }
}

/** Every shell script in the tree: tracked or new, *.sh or with a sh/bash shebang. */
function shellScripts(): string[] {
  const files = run('git', ['ls-files', '--cached', '--others', '--exclude-standard']).stdout.split('\n').filter(Boolean);
  return files.filter((f) => {
    if (f.startsWith('node_modules/')) return false;
    if (f.endsWith('.sh')) return true;
    if (/\.[a-z]+$/.test(path.basename(f))) return false;
    const head = text(f).slice(0, 64);
    return /^#!.*\b(ba)?sh\b/.test(head);
  });
}

describe('shellcheck', function () {
  this.timeout(120_000);
  before(function () {
    if (!hasCommand('shellcheck')) missingTool(this, 'shellcheck not installed (apt-get install -y shellcheck; .ci/run installs it)');
  });

  it('passes on every shell script in the repo', () => {
    const scripts = shellScripts();
    expect(scripts).to.include.members(['scripts/mesh-up.sh', 'scripts/preflight.sh', 'scripts/tools.sh']);
    const r = run('shellcheck', ['-x', ...scripts]);
    expect(r.status, r.stdout + r.stderr).to.equal(0);
  });

  it('every executable script stops on errors (bash: set -euo pipefail, POSIX sh: set -eu)', () => {
    const lax = shellScripts().filter((f) => {
      const t = text(f);
      if (!t.startsWith('#!')) return false; // a sourced library: runs under its caller's settings
      const isBash = /^#!.*\bbash\b/.test(t);
      return !(isBash ? /^set -euo pipefail$/m : /^set -eu(o pipefail)?$/m).test(t);
    });
    expect(lax).to.deep.equal([]);
  });

  it('catches a broken script (the check can fail)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sc-'));
    try {
      const bad = path.join(dir, 'bad.sh');
      writeFileSync(bad, '#!/usr/bin/env bash\nset -euo pipefail\nrm -rf $1/*\n');
      const r = run('shellcheck', [bad]);
      expect(r.status).to.not.equal(0);
      expect(r.stdout).to.match(/SC2086/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

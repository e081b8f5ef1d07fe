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

/**
 * Syntax newer than bash 3.2, the bash macOS ships (and so what runs `make` and every script on a
 * stock Mac). Each is dated by bash's NEWS file at the tag named (bminor/bash).
 */
const NEWER_THAN_BASH_3_2: [RegExp, string][] = [
  [/\b(mapfile|readarray)\b/, 'mapfile/readarray (bash-4.0 NEWS u)'],
  [/\b(declare|local|typeset)\s+-[a-zA-Z]*A/, 'associative arrays (bash-4.0 NEWS ii)'],
  [/\bcoproc\b/, 'coproc (bash-4.0 NEWS kk)'],
  [/&>>|\|&|;;&/, '&>>, |& or ;;& (bash-4.0 NEWS cc, dd, ff)'],
  [/\$\{[#!]?\w+(\[[^\]]*\])?(\^|,)/, 'case-modifying expansion ${x^^}/${x,,} (bash-4.0 NEWS hh)'],
  [/\bshopt\s+-s\s+globstar\b/, 'globstar (bash-4.0 NEWS w)'],
  [/\bBASHPID\b/, 'BASHPID (bash-4.0 NEWS c)'],
  [/\b(declare|typeset)\s+-[a-zA-Z]*g/, 'declare -g (bash-4.2 NEWS e)'],
  [/(\[\[|\btest)\s+-v\s/, 'test -v (bash-4.2 NEWS f)'],
  [/\$\{\w+\[-\d+\]\}/, 'a negative array subscript (bash-4.3 NEWS w)'],
  [/\b(declare|local|typeset)\s+-[a-zA-Z]*n\b/, 'namerefs (bash-4.3 NEWS w)'],
  [/\bwait\s+-n\b/, 'wait -n (bash-4.3 NEWS cc)'],
  [/\$\{\w+(\[[^\]]*\])?@[QEPAaKkUuL]\}/, '${x@Q} transformations (bash-4.4 NEWS o)'],
  [/\bEPOCH(SECONDS|REALTIME)\b/, 'EPOCHSECONDS/EPOCHREALTIME (bash-5.0 NEWS b)'],
];

/** "file:line: what" for each use of syntax newer than bash 3.2 outside comments. */
function newerThanBash32(file: string, source: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((line, i) => {
    const code = line.replace(/(^|\s)#.*$/, '');
    for (const [re, what] of NEWER_THAN_BASH_3_2) if (re.test(code)) out.push(`${file}:${i + 1}: ${what}`);
  });
  return out;
}

describe('scripts on the bash macOS ships (3.2)', () => {
  it('no script the user runs, and no Makefile recipe, uses syntax newer than bash 3.2 (.ci/ runs on Linux only)', () => {
    const host = [...shellScripts().filter((f) => !f.startsWith('.ci/')), 'Makefile'];
    expect(host).to.include.members(['scripts/linkerd-up.sh', 'scripts/tools.sh', 'Makefile']);
    expect(host.flatMap((f) => newerThanBash32(f, text(f)))).to.deep.equal([]);
  });

  it('the check names each newer construct, and leaves comments alone', () => {
    const sample = [
      'mapfile -t deployments <<<"$unmeshed"',
      'declare -A seen',
      'echo "${name,,}" |& tee log',
      'echo "${parts[-1]}"',
      'local -n ref=$1',
      '# mapfile would be simpler, but bash 3.2 has none',
      'while IFS= read -r d; do deployments+=("$d"); done <<<"$unmeshed"',
    ].join('\n');
    expect(newerThanBash32('x.sh', sample)).to.deep.equal([
      'x.sh:1: mapfile/readarray (bash-4.0 NEWS u)',
      'x.sh:2: associative arrays (bash-4.0 NEWS ii)',
      'x.sh:3: &>>, |& or ;;& (bash-4.0 NEWS cc, dd, ff)',
      'x.sh:3: case-modifying expansion ${x^^}/${x,,} (bash-4.0 NEWS hh)',
      'x.sh:4: a negative array subscript (bash-4.3 NEWS w)',
      'x.sh:5: namerefs (bash-4.3 NEWS w)',
    ]);
  });
});

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

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { ruleTargets } from './makefile-targets.ts';
import { REPO_ROOT } from './support/repo.ts';

/** `make <target>` mentions in a text that the Makefile does not define. */
function unknownMakeTargets(text: string, makefile: string): string[] {
  const targets = new Set(ruleTargets(makefile));
  const mentioned = [...text.matchAll(/`(?:[A-Z_]+=\S+ )*make ([a-z0-9-]+)/g)].map((m) => m[1] ?? '');
  return [...new Set(mentioned.filter((t) => !targets.has(t)))];
}

describe('README.md', () => {
  const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const makefile = readFileSync(path.join(REPO_ROOT, 'Makefile'), 'utf8');

  it('gives the two commands: make mesh-up to run, npm install && npm test to test', () => {
    expect(readme).to.include('```sh\nmake mesh-up\n```');
    expect(readme).to.include('```sh\nnpm install && npm test\n```');
  });

  it('mentions only make targets that exist', () => {
    expect(unknownMakeTargets(readme, makefile)).to.deep.equal([]);
  });

  it('the target check catches a made-up target', () => {
    expect(unknownMakeTargets('run `make mesh-up` then `DRY_RUN=1 make teleport`', makefile)).to.deep.equal(['teleport']);
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { readVersion } from './version.ts';

describe('shared/version', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'version-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** root/a/b/c/d/main.ts, with package.json files where given (relative dir → content) */
  function tree(name: string, files: Record<string, string>): string {
    const base = join(root, name);
    mkdirSync(join(base, 'a/b/c/d'), { recursive: true });
    for (const [dir, content] of Object.entries(files)) writeFileSync(join(base, dir, 'package.json'), content);
    return pathToFileURL(join(base, 'a/b/c/d/main.ts')).href;
  }

  it("reads the nearest package.json's version, passing over unreadable ones and ones without a string version", () => {
    const url = tree('nested', {
      '.': '{"version":"9.9.9"}',
      a: '{"version":"1.4.2"}',
      'a/b': '{"name":"no-version"}',
      'a/b/c': '{"version":7}',
      'a/b/c/d': 'not json',
    });
    expect(readVersion(url)).to.equal('1.4.2');
    expect(readVersion(url, 4)).to.equal('1.4.2');
  });

  it('is `unknown` when no package.json with a version lies within maxLevels', () => {
    const url = tree('far', { '.': '{"version":"2.0.0"}' });
    expect(readVersion(url, 5)).to.equal('2.0.0');
    expect(readVersion(url, 4)).to.equal('unknown');
  });

  it("gives the services the repository's version", async () => {
    const { readFileSync } = await import('node:fs');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(readVersion(new URL('../../ponger/src/main.ts', import.meta.url).href)).to.equal(pkg.version);
  });
});

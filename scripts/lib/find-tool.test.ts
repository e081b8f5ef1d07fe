import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { findTool } from './find-tool.ts';

describe('findTool: $OVERRIDE, then ./.bin, then PATH', () => {
  let dir = '';
  const exe = (path: string) => {
    writeFileSync(path, '#!/bin/sh\n');
    chmodSync(path, 0o755);
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'find-tool-'));
    for (const d of ['bin', 'path1', 'path2']) mkdirSync(join(dir, d));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds a tool that exists only in ./.bin (what make tools installs), before PATH', () => {
    exe(join(dir, 'bin', 'kubectl'));
    exe(join(dir, 'path2', 'kubectl'));
    expect(findTool('kubectl', { PATH: '' }, join(dir, 'bin'))).to.equal(join(dir, 'bin', 'kubectl'));
    expect(findTool('kubectl', { PATH: `${join(dir, 'path1')}:${join(dir, 'path2')}` }, join(dir, 'bin'))).to.equal(
      join(dir, 'bin', 'kubectl'),
    );
  });

  it('falls back to PATH in order, skips non-executables, and reports nothing found as undefined', () => {
    writeFileSync(join(dir, 'path1', 'linkerd'), 'not executable');
    exe(join(dir, 'path2', 'linkerd'));
    expect(findTool('linkerd', { PATH: `${join(dir, 'path1')}:${join(dir, 'path2')}` }, join(dir, 'bin'))).to.equal(
      join(dir, 'path2', 'linkerd'),
    );
    expect(findTool('k3d', { PATH: join(dir, 'path1') }, join(dir, 'bin'))).to.equal(undefined);
  });

  it('an override wins, and a bad override is an error naming the variable', () => {
    expect(findTool('kubectl', { KUBECTL: join(dir, 'path2', 'kubectl'), PATH: '' }, join(dir, 'bin'))).to.equal(
      join(dir, 'path2', 'kubectl'),
    );
    expect(() => findTool('kubectl', { KUBECTL: join(dir, 'nope') }, join(dir, 'bin'))).to.throw(/KUBECTL=.*nope: not an executable file/);
  });
});

import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { run } from './support/run.ts';

describe('scripts/print-access.sh', () => {
  it('prints ./.bin/linkerd when linkerd is only where make tools put it, and how to put ./.bin on PATH', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'print-access-'));
    try {
      mkdirSync(path.join(dir, '.bin'));
      writeFileSync(path.join(dir, '.bin', 'linkerd'), '#!/bin/sh\n');
      chmodSync(path.join(dir, '.bin', 'linkerd'), 0o755);
      const r = run('bash', ['scripts/print-access.sh'], {
        env: { ...process.env, BIN_DIR: path.join(dir, '.bin'), PATH: '/usr/bin:/bin' },
      });
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout).to.include('./.bin/linkerd viz dashboard');
      expect(r.stdout).to.include(`export PATH="${path.join(dir, '.bin')}:$PATH"`);
      const plain = run('bash', ['scripts/print-access.sh', 'plain'], {
        env: { ...process.env, BIN_DIR: path.join(dir, '.bin'), PATH: '/usr/bin:/bin' },
      });
      expect(plain.stdout).not.to.include('linkerd viz');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

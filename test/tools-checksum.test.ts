import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REPO_ROOT, run } from './lib/run.ts';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const verify = (file: string, want: string) =>
  run('bash', ['-c', `. scripts/lib/checksum.sh && verify_sha256 "$1" "$2"`, 'verify', file, want]);

describe('SHA-256 verification (scripts/lib/checksum.sh)', () => {
  let dir = '';
  beforeEach(() => { dir = mkdtempSync(path.join(tmpdir(), 'sum-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a file whose digest matches', () => {
    const file = path.join(dir, 'tool');
    writeFileSync(file, 'the real binary\n');
    const r = verify(file, sha256('the real binary\n'));
    expect(r.status, r.stderr).to.equal(0);
  });

  it('rejects a tampered file and shows both digests', () => {
    const file = path.join(dir, 'tool');
    writeFileSync(file, 'the real binary, with one byte changed\n');
    const r = verify(file, sha256('the real binary\n'));
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/checksum MISMATCH/);
    expect(r.stderr).to.include(sha256('the real binary\n'));
  });

  it('rejects an expected value that is not a SHA-256', () => {
    const file = path.join(dir, 'tool');
    writeFileSync(file, 'x');
    const r = verify(file, 'deadbeef');
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/expected 64 lowercase hex digits/);
  });
});

describe('scripts/tools.sh (assets from a local file:// mirror)', function () {
  this.timeout(60_000);
  let dir = '';
  let mirror = '';
  let bin = '';
  const arch = run('uname', ['-m']).stdout.trim() === 'aarch64' ? 'arm64' : 'amd64';
  const tools = (...args: string[]) =>
    run(path.join(REPO_ROOT, 'scripts/tools.sh'), args, {
      env: { ...process.env, TOOLS_MIRROR: `file://${mirror}`, BIN_DIR: bin },
    });
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tools-'));
    mirror = path.join(dir, 'mirror');
    bin = path.join(dir, 'bin');
    run('mkdir', ['-p', mirror]);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a k3d binary whose digest is not the pinned one and installs nothing', () => {
    writeFileSync(path.join(mirror, `k3d-linux-${arch}`), '#!/bin/sh\necho "k3d version v5.8.3 (tampered)"\n');
    const r = tools('k3d');
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.match(/k3d: refusing to install .*SHA-256 does not match the pinned value/);
    expect(existsSync(path.join(bin, 'k3d'))).to.equal(false);
    expect(readdirSync(bin).filter((f) => f.startsWith('.download'))).to.deep.equal([]);
  });

  it('refuses a kubectl binary whose digest is not the pinned one', () => {
    writeFileSync(path.join(mirror, 'kubectl'), 'not kubectl');
    const r = tools('kubectl');
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.match(/checksum MISMATCH/);
    expect(existsSync(path.join(bin, 'kubectl'))).to.equal(false);
  });

  it('unpinned linkerd: installs when it matches upstream\'s .sha256 and says how to pin it', () => {
    const asset = `linkerd2-cli-edge-26.6.3-linux-${arch}`;
    const body = '#!/bin/sh\necho edge-26.6.3\n';
    writeFileSync(path.join(mirror, asset), body);
    writeFileSync(path.join(mirror, `${asset}.sha256`), `${sha256(body)}  ${asset}\n`);
    const r = tools('linkerd');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/WARNING: checksum not pinned/);
    expect(r.stderr).to.include(`LINKERD_SHA256_${arch}="${sha256(body)}"`);
    expect(run(path.join(bin, 'linkerd'), []).stdout.trim()).to.equal('edge-26.6.3');
  });

  it('unpinned linkerd: refuses a binary that does not match upstream\'s .sha256', () => {
    const asset = `linkerd2-cli-edge-26.6.3-linux-${arch}`;
    writeFileSync(path.join(mirror, asset), 'tampered');
    writeFileSync(path.join(mirror, `${asset}.sha256`), `${sha256('original')}  ${asset}\n`);
    const r = tools('linkerd');
    expect(r.status).to.not.equal(0);
    expect(existsSync(path.join(bin, 'linkerd'))).to.equal(false);
  });

  it('fails clearly when an asset cannot be fetched', () => {
    const r = tools('k3d');
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.match(/k3d: download failed/);
  });

  it('rejects an unknown tool name', () => {
    const r = tools('helm');
    expect(r.status).to.not.equal(0);
    expect(r.stderr).to.match(/unknown tool "helm"/);
  });
});

// scripts/tools.sh and scripts/lib/checksum.sh against a local file:// mirror that serves fake
// binaries, checksum files and release-API answers at the upstream paths (TOOLS_MIRROR), so the
// asset names and URLs are checked too. Upstream facts modelled here (ADR 0010):
//  - k3d v5.8.3 Makefile: binaries `_dist/k3d-<os>-<arch>`, `checksums.txt` from `sha256sum _dist/*`;
//  - linkerd2 edge-26.6.3 cli/Dockerfile: linkerd2-cli-<v>-linux-<arch>, -darwin (amd64), -darwin-arm64,
//    no .sha256 files (#14511); GitHub's release API gives each asset a "digest": "sha256:<hex>";
//  - dl.k8s.io: release/<v>/bin/<os>/<arch>/kubectl with the bare hex digest in kubectl.sha256.

import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from './support/repo.ts';
import { run } from './support/run.ts';

const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
const lib = (fn: string, ...args: string[]) => run('bash', ['-c', `. scripts/lib/checksum.sh && ${fn} "$@"`, fn, ...args]);

const K3D = 'https://github.com/k3d-io/k3d/releases/download/v5.8.3';
const KUBECTL = 'https://dl.k8s.io/release/v1.33.1/bin';
const LINKERD = 'https://github.com/linkerd/linkerd2/releases/download/edge-26.6.3';
const API = 'https://api.github.com/repos/linkerd/linkerd2/releases/tags/edge-26.6.3';
const PLATFORMS = [
  { os: 'linux', arch: 'amd64', linkerd: 'linkerd2-cli-edge-26.6.3-linux-amd64' },
  { os: 'linux', arch: 'arm64', linkerd: 'linkerd2-cli-edge-26.6.3-linux-arm64' },
  { os: 'darwin', arch: 'amd64', linkerd: 'linkerd2-cli-edge-26.6.3-darwin' },
  { os: 'darwin', arch: 'arm64', linkerd: 'linkerd2-cli-edge-26.6.3-darwin-arm64' },
] as const;
const fake = (tool: string, os: string, arch: string) => `#!/bin/sh\necho "${tool} ${os}/${arch}"\n`;

/** A GitHub "get a release" answer shaped like the real one, with decoys a naive parser would take. */
function releaseJson(assets: { name: string; digest: string | null }[], pretty = true): string {
  const decoy = `sha256:${'d'.repeat(64)}`;
  const release = {
    url: API,
    tag_name: 'edge-26.6.3',
    name: assets[0]?.name ?? 'edge-26.6.3',
    body: `notes: \\ "]}" "name": "${assets[0]?.name}", "digest": "${decoy}" {[\\`,
    assets: assets.map((a, id) => ({
      url: `${API}/assets/${id}`,
      id,
      node_id: `RA_${id}`,
      name: a.name,
      label: '',
      uploader: { login: 'github-actions[bot]', name: a.name, digest: decoy },
      content_type: 'application/octet-stream',
      state: 'uploaded',
      size: 27,
      digest: a.digest,
      download_count: 3,
      browser_download_url: `${LINKERD}/${a.name}`,
    })),
  };
  return JSON.stringify(release, null, pretty ? 2 : undefined);
}

describe('scripts/lib/checksum.sh', () => {
  let dir = '';
  const file = (name: string, body: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, body);
    return f;
  };
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'sum-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('verify_sha256 accepts the file with that digest and rejects any other, showing both digests', () => {
    expect(lib('verify_sha256', file('ok', 'the real binary\n'), sha256('the real binary\n')).status).to.equal(0);
    const r = lib('verify_sha256', file('bad', 'the real binary!\n'), sha256('the real binary\n'));
    expect(r.status).to.equal(1);
    expect(r.stderr)
      .to.match(/checksum MISMATCH/)
      .and.include(sha256('the real binary\n'))
      .and.include(sha256('the real binary!\n'));
    expect(lib('verify_sha256', file('x', 'x'), 'deadbeef').stderr).to.match(/expected 64 lowercase hex digits/);
  });

  it("digest_from_release_json takes the asset's own digest, not the notes' or the uploader's", () => {
    const want = 'a'.repeat(64);
    const assets = [
      { name: 'other', digest: `sha256:${'c'.repeat(64)}` },
      { name: 'linkerd2-cli-x', digest: `sha256:${want}` },
    ];
    for (const pretty of [true, false]) {
      const r = lib('digest_from_release_json', file('rel.json', releaseJson(assets, pretty)), 'linkerd2-cli-x');
      expect(r.status, r.stderr).to.equal(0);
      expect(r.stdout.trim()).to.equal(want);
    }
  });

  it('digest_from_release_json fails when the asset, its sha256 digest or whole JSON is missing', () => {
    const ok = { name: 'linkerd2-cli-x', digest: `sha256:${'a'.repeat(64)}` };
    const cases: Record<string, [string, RegExp]> = {
      'no such asset': [releaseJson([{ ...ok, name: 'linkerd2-cli-y' }]), /no asset named linkerd2-cli-x/],
      'digest null': [releaseJson([{ ...ok, digest: null }]), /has no "digest"/],
      'not sha256': [releaseJson([{ ...ok, digest: `sha512:${'a'.repeat(128)}` }]), /has no "digest"/],
      'short digest': [releaseJson([{ ...ok, digest: 'sha256:abc' }]), /has no "digest"/],
      'two assets of that name': [releaseJson([ok, ok]), /more than one asset/],
      truncated: [releaseJson([ok]).slice(0, -40), /not a complete JSON object/],
      'an HTML error page': ['<html><body>Unicorn!</body></html>', /not a complete JSON object/],
    };
    for (const [name, [body, message]] of Object.entries(cases)) {
      const r = lib('digest_from_release_json', file('rel.json', body), 'linkerd2-cli-x');
      expect(r.status, name).to.equal(1);
      expect(r.stdout, name).to.equal('');
      expect(r.stderr, name).to.match(message);
    }
  });

  it("digest_from_checksums_txt matches the exact asset name under k3d's _dist/ paths", () => {
    const sums = file(
      'checksums.txt',
      [
        `${'1'.repeat(64)}  _dist/k3d-linux-amd64.sig`,
        `${'2'.repeat(64)}  _dist/k3d-linux-amd64`,
        `${'3'.repeat(64)}  _dist/k3d-linux-arm64`,
        `${'4'.repeat(64)}  _dist/k3d-windows-amd64.exe`,
        '',
      ].join('\n'),
    );
    expect(lib('digest_from_checksums_txt', sums, 'k3d-linux-amd64').stdout.trim()).to.equal('2'.repeat(64));
    const r = lib('digest_from_checksums_txt', sums, 'k3d-darwin-arm64');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/no SHA-256 line for k3d-darwin-arm64/);
  });
});

describe('scripts/tools.sh (a copy of the scripts, assets from a local file:// mirror)', function () {
  this.timeout(60_000);
  let dir = '';
  let root = '';
  let mirror = '';
  let bin = '';

  /** Copy tools.sh and its libraries into `root`, with versions.sh lines replaced (each must exist). */
  function setVersions(edits: Record<string, string>) {
    mkdirSync(path.join(root, 'scripts/lib'), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, 'scripts/tools.sh'), path.join(root, 'scripts/tools.sh'));
    for (const f of ['base.sh', 'common.sh', 'checksum.sh']) {
      copyFileSync(path.join(REPO_ROOT, 'scripts/lib', f), path.join(root, 'scripts/lib', f));
    }
    let text = readFileSync(path.join(REPO_ROOT, 'scripts/lib/versions.sh'), 'utf8');
    for (const [key, value] of Object.entries(edits)) {
      const line = new RegExp(`^${key}=".*"$`, 'm');
      expect(text, key).to.match(line);
      text = text.replace(line, `${key}="${value}"`);
    }
    writeFileSync(path.join(root, 'scripts/lib/versions.sh'), text);
  }
  const serve = (url: string, body: string) => {
    const f = path.join(mirror, url.replace(/^https:\/\//, ''));
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, body);
  };
  const tools = (platform: { os: string; arch: string }, ...args: string[]) =>
    run('bash', [path.join(root, 'scripts/tools.sh'), ...args], {
      env: { ...process.env, TOOLS_MIRROR: `file://${mirror}`, BIN_DIR: bin, TOOLS_OS: platform.os, TOOLS_ARCH: platform.arch },
    });
  const installed = (tool: string) => (existsSync(path.join(bin, tool)) ? readFileSync(path.join(bin, tool), 'utf8') : null);
  const leftovers = () => (existsSync(bin) ? readdirSync(bin).filter((f) => f.startsWith('.download')) : []);
  const linuxAmd64 = PLATFORMS[0];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tools-'));
    root = path.join(dir, 'repo');
    mirror = path.join(dir, 'mirror');
    bin = path.join(dir, 'bin');
    mkdirSync(mirror);
    setVersions({});
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('pinned: installs the k3d whose SHA-256 is the pin, records it, and a re-run keeps it unfetched', () => {
    const body = fake('k3d', 'linux', 'amd64');
    setVersions({ K3D_SHA256_linux_amd64: sha256(body) });
    serve(`${K3D}/k3d-linux-amd64`, body);
    const r = tools(linuxAmd64, 'k3d');
    expect(r.status, r.stderr).to.equal(0);
    expect(installed('k3d')).to.equal(body);
    expect(readFileSync(path.join(bin, 'k3d.sha256'), 'utf8')).to.equal(`${sha256(body)} v5.8.3 linux-amd64\n`);
    rmSync(mirror, { recursive: true });
    const again = tools(linuxAmd64, 'k3d');
    expect(again.status, again.stderr).to.equal(0);
    expect(again.stderr)
      .to.match(/k3d: v5\.8\.3 already installed .* keeping it/)
      .and.not.match(/fetching/);
  });

  it('pinned: refuses a download that is not the pinned file, installs nothing, says how to re-pin', () => {
    const cases: [tool: string, url: string, pin: string][] = [
      ['k3d', `${K3D}/k3d-linux-amd64`, 'K3D_SHA256_linux_amd64'],
      ['kubectl', `${KUBECTL}/linux/amd64/kubectl`, 'KUBECTL_SHA256_linux_amd64'],
    ];
    for (const [tool, url, pin] of cases) {
      serve(url, 'not the pinned binary');
      const r = tools(linuxAmd64, tool);
      expect(r.status, tool).to.equal(1);
      expect(r.stderr)
        .to.match(/checksum MISMATCH/)
        .and.include(`not the pinned ${pin}`)
        .and.include(`set ${pin}="" in scripts/lib/versions.sh and run 'make tools' again`);
      expect([installed(tool), existsSync(path.join(bin, `${tool}.sha256`)), leftovers()]).to.deep.equal([null, false, []]);
    }
  });

  it('bumping a version without its pins: the old binary is not kept and the new one is refused', () => {
    const old = fake('k3d', 'linux', 'amd64');
    setVersions({ K3D_SHA256_linux_amd64: sha256(old) });
    serve(`${K3D}/k3d-linux-amd64`, old);
    expect(tools(linuxAmd64, 'k3d').status).to.equal(0);
    setVersions({ K3D_VERSION: 'v5.9.9', K3D_SHA256_linux_amd64: sha256(old) });
    serve('https://github.com/k3d-io/k3d/releases/download/v5.9.9/k3d-linux-amd64', 'k3d v5.9.9');
    const r = tools(linuxAmd64, 'k3d');
    expect(r.status).to.equal(1);
    expect(r.stderr)
      .to.match(/verified as another version or platform, v5\.9\.9 for linux\/amd64 wanted/)
      .and.include('If you bumped K3D_VERSION')
      .and.include('/v5.9.9/checksums.txt');
    expect(installed('k3d')).to.equal(old);
  });

  it('unpinned linkerd: verified against the release API digest, printed with the line to pin; a re-run keeps it', () => {
    const body = fake('linkerd', 'linux', 'amd64');
    serve(`${LINKERD}/${linuxAmd64.linkerd}`, body);
    serve(API, releaseJson([{ name: linuxAmd64.linkerd, digest: `sha256:${sha256(body)}` }]));
    const r = tools(linuxAmd64, 'linkerd');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr)
      .to.match(/WARNING: no SHA-256 pinned/)
      .and.include(`to pin it, set in scripts/lib/versions.sh: LINKERD_SHA256_linux_amd64="${sha256(body)}"`);
    expect(run(path.join(bin, 'linkerd'), []).stdout).to.equal('linkerd linux/amd64\n');
    rmSync(mirror, { recursive: true });
    const again = tools(linuxAmd64, 'linkerd');
    expect(again.status, again.stderr).to.equal(0);
    expect(again.stderr).to.match(/linkerd: edge-26\.6\.3 already installed .* keeping it/);
  });

  it("unpinned linkerd: fails closed when the API gives no digest or another file's, or does not answer", () => {
    const body = fake('linkerd', 'linux', 'amd64');
    // 'no such asset' takes the same path as 'no digest' (digest_from_release_json fails: its own test above);
    // taking the right platform's asset: the per-platform tests below
    const answers: Record<string, string | null> = {
      'no digest': releaseJson([{ name: linuxAmd64.linkerd, digest: null }]),
      "another file's digest": releaseJson([{ name: linuxAmd64.linkerd, digest: `sha256:${sha256('other')}` }]),
      'no answer': null,
    };
    serve(`${LINKERD}/${linuxAmd64.linkerd}`, body);
    for (const [name, answer] of Object.entries(answers)) {
      rmSync(path.join(mirror, 'api.github.com'), { recursive: true, force: true });
      if (answer !== null) serve(API, answer);
      const r = tools(linuxAmd64, 'linkerd');
      expect(r.status, name).to.equal(1);
      expect(r.stderr, name).to.match(/linkerd: (no pinned SHA-256 and .*: nothing installed|refusing to install)/);
      expect([installed('linkerd'), existsSync(path.join(bin, 'linkerd.sha256')), leftovers()], name).to.deep.equal([null, false, []]);
    }
  });

  it('replaces a ./.bin tool that is not the file verified at install', () => {
    const body = fake('linkerd', 'linux', 'amd64');
    serve(`${LINKERD}/${linuxAmd64.linkerd}`, body);
    serve(API, releaseJson([{ name: linuxAmd64.linkerd, digest: `sha256:${sha256(body)}` }], false));
    expect(tools(linuxAmd64, 'linkerd').status).to.equal(0);
    writeFileSync(path.join(bin, 'linkerd'), '#!/bin/sh\necho tampered\n');
    const r = tools(linuxAmd64, 'linkerd');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/not the file verified at install .*: replacing it/);
    expect(installed('linkerd')).to.equal(body);
  });

  for (const p of PLATFORMS) {
    it(`${p.os}/${p.arch}: fetches upstream's asset names; unpinned k3d and kubectl verified by checksums.txt and kubectl.sha256`, () => {
      setVersions({ [`K3D_SHA256_${p.os}_${p.arch}`]: '', [`KUBECTL_SHA256_${p.os}_${p.arch}`]: '' });
      const sums: string[] = [];
      const assets: { name: string; digest: string }[] = [];
      for (const q of PLATFORMS) {
        // every platform's assets are served: only the right ones may be taken
        serve(`${K3D}/k3d-${q.os}-${q.arch}`, fake('k3d', q.os, q.arch));
        sums.push(`${sha256(fake('k3d', q.os, q.arch))}  _dist/k3d-${q.os}-${q.arch}`);
        serve(`${KUBECTL}/${q.os}/${q.arch}/kubectl`, fake('kubectl', q.os, q.arch));
        serve(`${KUBECTL}/${q.os}/${q.arch}/kubectl.sha256`, sha256(fake('kubectl', q.os, q.arch)));
        serve(`${LINKERD}/${q.linkerd}`, fake('linkerd', q.os, q.arch));
        assets.push({ name: q.linkerd, digest: `sha256:${sha256(fake('linkerd', q.os, q.arch))}` });
      }
      serve(`${K3D}/checksums.txt`, `${sums.join('\n')}\n`);
      serve(API, releaseJson(assets));
      const r = tools(p);
      expect(r.status, r.stderr).to.equal(0);
      for (const tool of ['k3d', 'kubectl', 'linkerd']) expect(installed(tool), tool).to.equal(fake(tool, p.os, p.arch));
      expect(r.stderr)
        .to.include(`K3D_SHA256_${p.os}_${p.arch}="${sha256(fake('k3d', p.os, p.arch))}"`)
        .and.include(`KUBECTL_SHA256_${p.os}_${p.arch}="${sha256(fake('kubectl', p.os, p.arch))}"`);
    });
  }

  it('stops with exit 78 on a malformed pin or platform, and names an unknown tool or a failed download', () => {
    setVersions({ K3D_SHA256_linux_amd64: 'deadbeef' });
    const pin = tools(linuxAmd64, 'k3d');
    expect([pin.status, pin.stderr]).to.deep.equal([
      78,
      'error: scripts/lib/versions.sh: K3D_SHA256_linux_amd64 must be 64 lowercase hex digits, or "" to verify against what upstream publishes\n',
    ]);
    expect(tools({ os: 'windows', arch: 'amd64' }, 'k3d').status).to.equal(78);
    expect(tools(linuxAmd64, 'helm').stderr).to.match(/unknown tool "helm"/);
    setVersions({});
    const missing = tools(linuxAmd64, 'kubectl');
    expect(missing.status).to.equal(1);
    expect(missing.stderr).to.include(`kubectl: download failed: ${KUBECTL}/linux/amd64/kubectl`);
  });
});

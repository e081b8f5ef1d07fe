import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { REPO_ROOT } from './support/repo.ts';
import { run } from './support/run.ts';

// A PATH holding only fake tools (plus the basics the script uses), so the host's tools don't leak in.
function fakePath(dir: string, tools: Record<string, string>): string {
  const bin = path.join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  for (const basic of ['bash', 'sh', 'sed', 'head', 'dirname', 'uname', 'tr', 'cat', 'env', 'printf']) {
    const real = ['/usr/bin', '/bin']
      .map((d) => path.join(d, basic))
      .find((p) => {
        try {
          accessSync(p, constants.X_OK);
          return true;
        } catch {
          return false;
        }
      });
    if (real) symlinkSync(real, path.join(bin, basic));
  }
  for (const [name, script] of Object.entries(tools)) {
    const file = path.join(bin, name);
    writeFileSync(file, `#!/bin/sh\n${script}\n`);
    chmodSync(file, 0o755);
  }
  return bin;
}

const GOOD = {
  docker: 'exit 0',
  k3d: 'echo "k3d version v5.8.3"; echo "k3s version v1.31.5-k3s1 (default)"',
  kubectl: `echo '{"clientVersion": {"gitVersion": "v1.33.1"}}'`,
  linkerd: 'echo edge-26.6.3',
};

function preflight(tools: Record<string, string>, args: string[] = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'preflight-'));
  try {
    const bin = fakePath(dir, tools);
    return run(path.join(REPO_ROOT, 'scripts/preflight.sh'), args, {
      env: { PATH: bin, BIN_DIR: path.join(dir, 'no-such-bin'), HOME: dir },
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('scripts/preflight.sh', () => {
  it('passes when every tool is there at the pinned version', () => {
    const r = preflight(GOOD);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/preflight ok/);
  });

  it('exits non-zero naming every tool that is not on PATH, each with how to get it', () => {
    const r = preflight({});
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/found 4 problem\(s\)/);
    expect(r.stderr).to.match(/^ {2}- docker: not found.*docs\.docker\.com/m);
    for (const missing of ['k3d', 'kubectl', 'linkerd'])
      expect(r.stderr).to.match(new RegExp(`^ {2}- ${missing}: not found.*make tools`, 'm'));
  });

  it('names a docker whose daemon is down and a linkerd CLI at the wrong version', () => {
    const r = preflight({ ...GOOD, docker: 'exit 1', linkerd: 'echo edge-25.1.1' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/found 2 problem\(s\)/);
    expect(r.stderr).to.match(/docker: installed but the daemon is not reachable/);
    expect(r.stderr).to.match(/linkerd: CLI version edge-25\.1\.1 found, edge-26\.6\.3 expected/);
  });

  it('checks only the tools asked for (plain-up needs no linkerd)', () => {
    const tools: Record<string, string> = { ...GOOD };
    delete tools['linkerd'];
    expect(preflight(tools, ['docker', 'k3d', 'kubectl']).status).to.equal(0);
  });

  it('rejects an unknown tool name', () => {
    const r = preflight(GOOD, ['helm']);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/unknown tool "helm"/);
  });
});

import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
    const real = ['/usr/bin', '/bin'].map((d) => path.join(d, basic)).find((p) => run('test', ['-x', p]).status === 0);
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

  for (const missing of ['docker', 'k3d', 'kubectl', 'linkerd'] as const) {
    it(`exits non-zero naming ${missing} and how to get it when it is not on PATH`, () => {
      const tools: Record<string, string> = { ...GOOD };
      delete tools[missing];
      const r = preflight(tools);
      expect(r.status).to.equal(1);
      expect(r.stderr).to.match(new RegExp(`- ${missing}: not found`));
      expect(r.stderr).to.match(missing === 'docker' ? /docs\.docker\.com/ : /make tools/);
    });
  }

  it('names a linkerd CLI at the wrong version', () => {
    const r = preflight({ ...GOOD, linkerd: 'echo edge-25.1.1' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/linkerd: CLI version edge-25\.1\.1 found, edge-26\.6\.3 expected/);
  });

  it('names a docker whose daemon is down', () => {
    const r = preflight({ ...GOOD, docker: 'exit 1' });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.match(/docker: installed but the daemon is not reachable/);
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

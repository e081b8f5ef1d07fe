import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { type Forward, ForwardPool, portForward } from './port-forward.ts';

/** A forward whose kubectl exits when `end()` is called. */
function fakeForward(url: string): Forward & { end: () => void; closed: boolean } {
  let end = () => {};
  const ended = new Promise<void>((res) => {
    end = res;
  });
  const fwd = { url, ended, end, closed: false, close: () => (fwd.closed = true) };
  return fwd;
}

describe('ForwardPool', () => {
  it('reuses an open forward, and opens a new one after a failure or once kubectl has exited', async () => {
    const opened: string[] = [];
    const forwards: ReturnType<typeof fakeForward>[] = [];
    const pool = new ForwardPool(async (ns, svc, port) => {
      opened.push(`${ns}/${svc}:${port}`);
      if (opened.length === 1) throw new Error('unable to forward port because pod is not running');
      const f = fakeForward(`http://127.0.0.1:${40000 + opened.length}`);
      forwards.push(f);
      return f;
    });
    let failure: unknown;
    await pool.url('observability', 'prometheus', 9090).catch((e: unknown) => (failure = e));
    expect(String(failure)).to.match(/pod is not running/);
    expect(await pool.url('observability', 'prometheus', 9090)).to.equal('http://127.0.0.1:40002');
    expect(await pool.url('observability', 'prometheus', 9090)).to.equal('http://127.0.0.1:40002');
    expect(opened).to.have.length(2);

    forwards[0]?.end();
    await forwards[0]?.ended;
    await new Promise((r) => setImmediate(r));
    expect(await pool.url('observability', 'prometheus', 9090)).to.equal('http://127.0.0.1:40003');
    expect(await pool.url('observability', 'jaeger', 16686)).to.equal('http://127.0.0.1:40004');
    expect(opened).to.deep.equal([
      'observability/prometheus:9090',
      'observability/prometheus:9090',
      'observability/prometheus:9090',
      'observability/jaeger:16686',
    ]);

    await pool.close();
    expect(forwards.map((f) => f.closed)).to.deep.equal([false, true, true]);
  });
});

describe('portForward (a fake kubectl)', function () {
  this.timeout(10_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'pf-'));
  const kubectl = path.join(dir, 'kubectl');
  const saved = process.env['KUBECTL'];
  before(() => {
    process.env['KUBECTL'] = kubectl;
  });
  after(() => {
    if (saved === undefined) delete process.env['KUBECTL'];
    else process.env['KUBECTL'] = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  const fake = (script: string) => {
    writeFileSync(kubectl, `#!/bin/sh\n${script}\n`);
    chmodSync(kubectl, 0o755);
  };

  it('resolves with the local port kubectl prints, and `ended` settles when kubectl exits', async () => {
    fake('echo "Forwarding from 127.0.0.1:43123 -> 9090"; sleep 0.2');
    const fwd = await portForward('observability', 'prometheus', 9090);
    expect(fwd.url).to.equal('http://127.0.0.1:43123');
    await fwd.ended;
  });

  it('rejects with what kubectl said when it exits before forwarding', async () => {
    fake('echo "error: unable to forward port because pod is not running. Current status=Pending" >&2; exit 1');
    let failure: unknown;
    await portForward('observability', 'prometheus', 9090).catch((e: unknown) => (failure = e));
    expect(String(failure)).to.match(/exited \(1\): error: unable to forward port because pod is not running/);
  });
});

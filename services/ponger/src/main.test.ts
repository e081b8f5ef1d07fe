import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { httpRequest } from '../../../test/support/http.ts';
import { waitFor } from '../../../test/support/poll.ts';
import type { Service } from '../../../test/support/processes.ts';
import { LOOPBACK_ANY_PORT, startService } from '../../../test/support/services.ts';
import { listen } from '../../shared/src/listen.ts';

const LOOPBACK = { ...LOOPBACK_ANY_PORT, OTEL_TRACES_EXPORTER: 'none' };

describe('ponger/main (spawned)', () => {
  let dir: string;
  const children: Service[] = [];
  before(() => (dir = mkdtempSync(join(tmpdir(), 'ponger-test-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  function run(env: Record<string, string> = {}, args: string[] = []): Service {
    const c = startService('ponger', { ...LOOPBACK, ...env }, args);
    children.push(c);
    return c;
  }
  function yamlFile(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  // One spawned refusal holds the wiring (exit 78, one stderr line); each key's refusal text is held
  // in-process by config.test.ts (ponger's keys) and shared/src/config.test.ts (unknown keys, TLS
  // keys, bad YAML, unreadable files).
  it('exits 78 with one stderr line naming the key on a config mistake (a -c YAML file)', async () => {
    const c = run({}, ['-c', yamlFile('type.yaml', 'faults:\n  latencyMs: soon\n')]);
    const { code } = await c.exited;
    expect(code).to.equal(78);
    const lines = c.stderr.filter((l) => l !== '');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^config error: faults\.latencyMs \(FAULT_LATENCY_MS\): expected an integer in 0\.\.20000, got "soon"/);
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const blocker: Server = createServer();
    const { port } = await listen(blocker, 0, '127.0.0.1');
    try {
      const c = run({ PORT: String(port) });
      const { code } = await c.exited;
      expect(code).to.equal(1);
      expect(c.stderr.join('\n')).to.include(
        `start-up error: app cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE); change service.port (PORT)`,
      );
    } finally {
      blocker.close();
    }
  });

  it('reads -c YAML with env on top', async () => {
    const c = run({ FAULT_ERROR_RATE: '1' }, [
      '-c',
      yamlFile('ok.yaml', 'faults:\n  errorRate: 0\n  latencyMs: 5\nidentity:\n  maxSeries: 3\n'),
    ]);
    const info = await c.listening();
    expect(info).to.include({ error_rate: 1, latency_ms: 5, identity_max_series: 3 });
    expect((await httpRequest(info.app_port as number, '/ping')).status).to.equal(500);
  });

  it('on SIGTERM: /readyz 503 at once, in-flight requests finish with 200, exit 0', async () => {
    const c = run({ FAULT_LATENCY_MS: '700', SHUTDOWN_DRAIN_MS: '300', SHUTDOWN_TIMEOUT_MS: '5000' });
    const info = await c.listening();
    const appPort = info.app_port as number;
    const adminPort = info.admin_port as number;
    await waitFor(async () => (await httpRequest(adminPort, '/readyz')).status === 200, 5000, 'ready');
    const inflight = [1, 2, 3].map(() => httpRequest(appPort, '/ping', { timeoutMs: 5000 }));
    // Let the requests reach the server (they then sit in the 700 ms fault delay). Had they not
    // arrived before the listener closed, they would fail below, so this cannot pass by accident.
    await new Promise((r) => setTimeout(r, 100));
    c.child.kill('SIGTERM');
    await waitFor(async () => (await httpRequest(adminPort, '/readyz').catch(() => ({ status: 0 }))).status === 503, 2000, '/readyz 503');
    expect((await httpRequest(adminPort, '/livez')).status).to.equal(200);
    const results = await Promise.all(inflight);
    expect(results.map((r) => `${r.status} ${r.body}`)).to.deep.equal(['200 pong', '200 pong', '200 pong']);
    const { code } = await c.exited;
    expect(code).to.equal(0);
    // every step, once, in order (a missing line fails too)
    const steps = c.lines.map((l) => String(l.msg)).filter((m) => m.startsWith('shutdown: '));
    expect(steps).to.deep.equal([
      'shutdown: signal received',
      'shutdown: readiness false, draining',
      'shutdown: closing servers',
      'shutdown: flushing telemetry',
      'shutdown: done',
    ]);
    expect(c.lines.at(-1)?.msg).to.equal('shutdown: done');
  });

  it('a second signal exits at once with 130', async () => {
    const c = run({ SHUTDOWN_DRAIN_MS: '20000', SHUTDOWN_TIMEOUT_MS: '30000' });
    await c.listening();
    c.child.kill('SIGTERM');
    await waitFor(() => c.lines.some((l) => l.msg === 'shutdown: readiness false, draining'), 3000, 'shutdown started');
    const t0 = Date.now();
    c.child.kill('SIGINT');
    const { code } = await c.exited;
    expect(code).to.equal(130);
    expect(Date.now() - t0).to.be.lessThan(2000);
  });
});

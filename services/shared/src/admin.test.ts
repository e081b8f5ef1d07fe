import type { Server } from 'node:http';
import { expect } from 'chai';
import { Counter, Gauge } from 'prom-client';
import { parseExposition, value as sampleValue } from '../../../test/support/exposition.ts';
import { httpRequest } from '../../../test/support/http.ts';
import { createAdminServer, Readiness } from './admin.ts';
import { closeServer } from './lifecycle.ts';
import { listen } from './listen.ts';
import { type AppRegistry, createRegistry } from './metrics.ts';

describe('shared/admin', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await closeServer(s);
  });

  /** an admin server on a loopback port, made in the test itself */
  async function start(registry: AppRegistry = createRegistry()): Promise<{ port: number; readiness: Readiness }> {
    const readiness = new Readiness();
    const server = createAdminServer({ registry, readiness });
    servers.push(server);
    const { port } = await listen(server, 0, '127.0.0.1', 'admin');
    return { port, readiness };
  }

  it('answers /livez 200, /readyz 503 while starting and 200 when ready (GET or HEAD, any query), never cached', async () => {
    const { port, readiness } = await start();
    const live = await httpRequest(port, '/livez');
    expect([live.status, live.body]).to.deep.equal([200, 'ok\n']);
    expect(live.headers).to.include({ 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': '3' });
    const kept = await httpRequest(port, '/livez', { headers: { connection: 'keep-alive' } });
    expect(kept.headers.connection).to.equal('keep-alive');
    const starting = await httpRequest(port, '/readyz');
    expect([starting.status, starting.body]).to.deep.equal([503, 'starting\n']);
    readiness.markReady();
    const ready = await httpRequest(port, '/readyz?from=kubelet');
    expect([ready.status, ready.body]).to.deep.equal([200, 'ready\n']);
    const head = await httpRequest(port, '/readyz', { method: 'HEAD' });
    expect([head.status, head.body, head.headers['content-length']]).to.deep.equal([200, '', '6']);
  });

  it('serves /metrics as Prometheus text 0.0.4 unless Accept asks for OpenMetrics (as Prometheus 3 does)', async () => {
    const registry = createRegistry();
    const counter = new Counter({ name: 'demo_events_total', help: 'demo', registers: [registry] });
    const { port } = await start(registry);
    counter.inc(3);
    const plain = await httpRequest(port, '/metrics');
    expect(plain.status).to.equal(200);
    expect(plain.headers['content-type']).to.equal('text/plain; version=0.0.4; charset=utf-8');
    expect(plain.headers.vary).to.equal('accept');
    expect(plain.body).to.include('# TYPE demo_events_total counter\n');
    expect(plain.body).not.to.include('# EOF');
    // Prometheus v3.14.0 scrape/scrape.go acceptHeader with config.DefaultScrapeProtocols
    const prometheus3 =
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2';
    const om = await httpRequest(port, '/metrics', { headers: { accept: prometheus3 } });
    expect(om.headers['content-type']).to.match(/^application\/openmetrics-text; version=1\.0\.0/);
    expect(om.body).to.match(/# EOF\n$/);
    // the counter keeps its name in both formats, whichever was rendered first
    const again = await httpRequest(port, '/metrics', { headers: { accept: 'text/plain;version=0.0.4' } });
    for (const body of [plain.body, om.body, again.body]) {
      const samples = parseExposition(body);
      expect(sampleValue(samples, 'demo_events_total')).to.equal(3);
      // a gauge keeps its name too: only counters get _total
      expect(sampleValue(samples, 'process_start_time_seconds')).to.be.greaterThan(1_700_000_000);
    }
    expect(again.body).to.include('# TYPE demo_events_total counter\n');
  });

  it('answers 500 naming the error when collecting a metric fails', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    new Gauge({
      name: 'broken',
      help: 'throws',
      registers: [registry],
      collect() {
        throw new Error('sensor unplugged');
      },
    });
    const { port } = await start(registry);
    const res = await httpRequest(port, '/metrics');
    expect([res.status, res.body]).to.deep.equal([500, 'metrics collection failed: sensor unplugged\n']);
  });

  it('404s unknown paths whatever the method, 405s other methods on known paths with Allow', async () => {
    const { port } = await start();
    for (const method of ['GET', 'POST']) {
      const res = await httpRequest(port, '/ping', { method });
      expect([res.status, res.body]).to.deep.equal([404, 'not found\n']);
    }
    const post = await httpRequest(port, '/metrics', { method: 'POST' });
    expect([post.status, post.body, post.headers.allow]).to.deep.equal([405, 'method not allowed\n', 'GET, HEAD']);
  });

  it('once shutdown began: /readyz 503 "shutting down", /livez still 200, and each answer closes its connection', async () => {
    const { port, readiness } = await start();
    readiness.markReady();
    readiness.markShuttingDown();
    const keepAlive = { headers: { connection: 'keep-alive' } };
    const ready = await httpRequest(port, '/readyz', keepAlive);
    expect([ready.status, ready.body, ready.headers.connection]).to.deep.equal([503, 'shutting down\n', 'close']);
    const live = await httpRequest(port, '/livez', keepAlive);
    expect([live.status, live.headers.connection]).to.deep.equal([200, 'close']);
  });
});

import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Counter } from 'prom-client';
import { Readiness, createAdminServer } from './admin.ts';
import { createRegistry } from './metrics.ts';
import { listen } from './listen.ts';
import { closeServer } from './lifecycle.ts';
import { httpRequest } from '../test/helpers.ts';
import { parseExposition, value as sampleValue } from '../test/exposition.ts';

describe('shared/admin', () => {
  let server: Server;
  let port: number;
  const readiness = new Readiness();
  const registry = createRegistry();
  const counter = new Counter({ name: 'demo_events_total', help: 'demo', registers: [registry] });

  before(async () => {
    server = createAdminServer({ registry, readiness });
    port = ((await listen(server, 0, '127.0.0.1', 'admin')) as AddressInfo).port;
  });
  after(() => closeServer(server));

  it('answers /livez 200 and /readyz 503 while starting, 200 when ready, 503 when shutting down', async () => {
    expect((await httpRequest(port, '/livez')).status).to.equal(200);
    expect((await httpRequest(port, '/readyz')).status).to.equal(503);
    readiness.markReady();
    expect((await httpRequest(port, '/readyz')).status).to.equal(200);
  });

  it('serves /metrics as OpenMetrics with the registry content', async () => {
    counter.inc(3);
    const res = await httpRequest(port, '/metrics');
    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^application\/openmetrics-text/);
    const samples = parseExposition(res.body);
    expect(sampleValue(samples, 'demo_events_total')).to.equal(3);
    expect(samples.some((s) => s.name.startsWith('process_'))).to.equal(true);
  });

  it('404s unknown paths, 405s other methods with Allow', async () => {
    expect((await httpRequest(port, '/ping')).status).to.equal(404);
    const post = await httpRequest(port, '/metrics', { method: 'POST' });
    expect(post.status).to.equal(405);
    expect(post.headers.allow).to.equal('GET, HEAD');
  });

  it('keeps /livez 200 after shutdown began while /readyz is 503', async () => {
    readiness.markShuttingDown();
    expect((await httpRequest(port, '/readyz')).status).to.equal(503);
    expect((await httpRequest(port, '/livez')).status).to.equal(200);
  });
});

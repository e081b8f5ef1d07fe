import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Counter } from 'prom-client';
import { parseExposition, value as sampleValue } from '../../../test/support/exposition.ts';
import { httpRequest } from '../../../test/support/http.ts';
import { createAdminServer, Readiness } from './admin.ts';
import { closeServer } from './lifecycle.ts';
import { listen } from './listen.ts';
import { createRegistry } from './metrics.ts';

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

  it('serves /metrics as Prometheus text 0.0.4 unless Accept asks for OpenMetrics (as Prometheus 3 does)', async () => {
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
      expect(samples.some((s) => s.name.startsWith('process_'))).to.equal(true);
    }
    expect(again.body).to.include('# TYPE demo_events_total counter\n');
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

import type { Server } from 'node:http';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { expect } from 'chai';
import { type Captured, captureLogger } from '../../../test/support/capture-logger.ts';
import { parseExposition, value as sampleValue } from '../../../test/support/exposition.ts';
import { httpRequest } from '../../../test/support/http.ts';
import { pollUntil } from '../../../test/support/poll.ts';
import { rawExchange } from '../../../test/support/raw-socket.ts';
import { Readiness } from '../../shared/src/admin.ts';
import { listen } from '../../shared/src/listen.ts';
import { createPongerApp, type PongerApp } from './app.ts';

const PINGER = 'pinger.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local';

interface Running {
  ponger: PongerApp;
  server: Server;
  port: number;
  log: Captured;
}

async function start(
  options: { errorRate?: number; latencyMs?: number; maxSeries?: number; random?: () => number; readiness?: Readiness } = {},
): Promise<Running> {
  const log = captureLogger('ponger');
  const ponger = createPongerApp({
    errorRate: options.errorRate ?? 0,
    latencyMs: options.latencyMs ?? 0,
    maxSeries: options.maxSeries ?? 20,
    logger: log.logger,
    random: options.random,
    readiness: options.readiness,
  });
  const server = ponger.createHttpServer();
  const { port } = await listen(server, 0, '127.0.0.1', 'app');
  return { ponger, server, port, log };
}

async function samples(r: Running) {
  return parseExposition(await r.ponger.registry.metrics());
}

describe('ponger/app', () => {
  const running: Running[] = [];
  afterEach(() => {
    for (const r of running.splice(0)) {
      r.server.closeAllConnections();
      r.server.close();
    }
  });
  async function app(options?: Parameters<typeof start>[0]): Promise<Running> {
    const r = await start(options);
    running.push(r);
    return r;
  }

  it('GET /ping -> 200 pong text/plain, no x-powered-by nor ETag; HEAD -> 200 without body', async () => {
    const r = await app();
    const res = await httpRequest(r.port, '/ping');
    expect(res.status).to.equal(200);
    expect(res.body).to.equal('pong');
    expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
    expect(res.headers).not.to.have.property('x-powered-by');
    expect(res.headers).not.to.have.property('etag');
    const head = await httpRequest(r.port, '/ping', { method: 'HEAD' });
    expect(head.status).to.equal(200);
    expect(head.body).to.equal('');
  });

  it('other methods on /ping -> 405 with Allow: GET, HEAD', async () => {
    const r = await app();
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const res = await httpRequest(r.port, '/ping', { method });
      expect(res.status, method).to.equal(405);
      expect(res.headers.allow, method).to.equal('GET, HEAD');
      expect(res.headers['content-type'], method).to.equal('text/plain; charset=utf-8');
      expect(res.body, method).to.equal('method not allowed\n');
    }
  });

  it('unknown paths -> 404 with route label unmatched, never the raw path; the log has the path, cut at 200', async () => {
    const r = await app();
    for (let i = 0; i < 4; i++) {
      const res = await httpRequest(r.port, `/secret-${i}`);
      expect(res.status).to.equal(404);
      expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
      expect(res.body).to.equal('not found\n');
    }
    expect((await httpRequest(r.port, `/secret-${'x'.repeat(300)}`)).status).to.equal(404);
    expect(r.log.lines[0]).to.include({ msg: 'GET unmatched 404', route: 'unmatched', status: 404, path: '/secret-0' });
    expect(r.log.lines[4]?.path).to.equal(`/secret-${'x'.repeat(192)}`);
    const s = await samples(r);
    expect(
      sampleValue(s, 'http_server_request_duration_seconds_count', {
        http_route: 'unmatched',
        http_response_status_code: '404',
        http_request_method: 'GET',
      }),
    ).to.equal(5);
    expect(s.some((x) => Object.values(x.labels).some((v) => v.includes('secret')))).to.equal(false);
  });

  it('counts requests by route, method and status in the histogram', async () => {
    const r = await app();
    for (let i = 0; i < 7; i++) await httpRequest(r.port, '/ping');
    await httpRequest(r.port, '/ping', { method: 'POST' });
    await httpRequest(r.port, '/ping', { method: 'BREW' }).catch(() => undefined);
    const s = await samples(r);
    const ping200 = { http_request_method: 'GET', http_route: '/ping', http_response_status_code: '200' };
    expect(sampleValue(s, 'http_server_request_duration_seconds_count', ping200)).to.equal(7);
    expect(sampleValue(s, 'http_server_request_duration_seconds_bucket', { ...ping200, le: '+Inf' })).to.equal(7);
    expect(sampleValue(s, 'http_server_request_duration_seconds_sum', ping200))
      .to.be.greaterThan(0)
      .and.lessThan(7);
    expect(
      sampleValue(s, 'http_server_request_duration_seconds_count', {
        http_request_method: 'POST',
        http_route: '/ping',
        http_response_status_code: '405',
      }),
    ).to.equal(1);
    expect(sampleValue(s, 'ponger_requests_by_client_identity_total', { client_id: 'none' })).to.be.at.least(8);
  });

  it('reports the identity in the response header, the log and the metric', async () => {
    const r = await app();
    const res = await httpRequest(r.port, '/ping', { headers: { 'l5d-client-id': PINGER } });
    expect(res.headers['x-ponger-client-id']).to.equal(PINGER);
    const forged = await httpRequest(r.port, '/ping', { headers: { 'l5d-client-id': 'admin' } });
    expect(forged.headers['x-ponger-client-id']).to.equal('invalid');
    expect((await httpRequest(r.port, '/ping')).headers['x-ponger-client-id']).to.equal('none');
    const lines = r.log.lines.filter((l) => l.route === '/ping');
    expect(lines.map((l) => l.client_id)).to.deep.equal([PINGER, 'invalid', 'none']);
    expect(lines[0]).to.include({ msg: 'GET /ping 200', status: 200, method: 'GET' });
    expect(lines[0], 'a matched route logs no path').not.to.have.property('path');
    expect(lines[0], 'only an invalid identity logs the raw value').not.to.have.property('client_id_raw');
    expect(lines[1]).to.include({ client_id_raw: 'admin' });
    const s = await samples(r);
    expect(sampleValue(s, 'ponger_requests_by_client_identity_total', { client_id: PINGER })).to.equal(1);
    expect(sampleValue(s, 'ponger_requests_by_client_identity_total', { client_id: 'invalid' })).to.equal(1);
    expect(sampleValue(s, 'ponger_requests_by_client_identity_total', { client_id: 'none' })).to.equal(1);
    await httpRequest(r.port, '/ping', { headers: { 'l5d-client-id': 'f'.repeat(150) } });
    expect(r.log.lines.at(-1)?.client_id_raw, 'cut at 100 characters').to.equal('f'.repeat(100));
  });

  it('1,000 distinct forged identities keep the identity series <= maxSeries + 3', async () => {
    const maxSeries = 5;
    const r = await app({ maxSeries });
    const started = Date.now();
    for (let i = 0; i < 1000 && Date.now() - started < 20_000; i++) {
      const value = i % 2 === 0 ? `sa${i}.ns.serviceaccount.identity.linkerd.cluster.local` : `forged-${i}`;
      await httpRequest(r.port, '/ping', { headers: { 'l5d-client-id': value } });
    }
    await httpRequest(r.port, '/ping');
    const series = (await samples(r)).filter((x) => x.name === 'ponger_requests_by_client_identity_total');
    expect(series.length).to.be.at.most(maxSeries + 3);
    expect(series.reduce((n, x) => n + x.value, 0)).to.equal(1001);
    expect(sampleValue(series, 'ponger_requests_by_client_identity_total', { client_id: 'other' })).to.equal(500 - maxSeries);
    expect(sampleValue(series, 'ponger_requests_by_client_identity_total', { client_id: 'invalid' })).to.equal(500);
  });

  it('errorRate 1 answers 500 and counts them', async () => {
    const r = await app({ errorRate: 1 });
    for (let i = 0; i < 4; i++) {
      const res = await httpRequest(r.port, '/ping');
      expect(res.status).to.equal(500);
      expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
      expect(res.body).to.equal('injected fault\n');
    }
    expect(
      sampleValue(await samples(r), 'http_server_request_duration_seconds_count', {
        http_route: '/ping',
        http_response_status_code: '500',
      }),
    ).to.equal(4);
  });

  it('errorRate 0.5 uses the random source', async () => {
    const values = [0.1, 0.9, 0.49, 0.5];
    const r = await app({ errorRate: 0.5, random: () => values.shift() ?? 0.99 });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await httpRequest(r.port, '/ping')).status);
    expect(statuses).to.deep.equal([500, 200, 500, 200]);
  });

  it('a handler that fails (here the random source) answers 500 internal error, logs it and counts it', async () => {
    const r = await app({
      errorRate: 0.5,
      random: () => {
        throw new Error('no entropy');
      },
    });
    const res = await httpRequest(r.port, '/ping');
    expect(res.status).to.equal(500);
    expect(res.headers['content-type']).to.equal('text/plain; charset=utf-8');
    expect(res.body).to.equal('internal error\n');
    expect(r.log.lines[0]).to.deep.include({ level: 'error', msg: 'request failed', err: { name: 'Error', message: 'no entropy' } });
    expect(r.log.lines[1]).to.include({ msg: 'GET /ping 500', status: 500 });
    expect(
      sampleValue(await samples(r), 'http_server_request_duration_seconds_count', {
        http_route: '/ping',
        http_response_status_code: '500',
      }),
    ).to.equal(1);
  });

  it('answers Connection: close once shutdown began, so keep-alive clients move on', async () => {
    const readiness = new Readiness();
    const r = await app({ readiness });
    const keepAlive = { headers: { connection: 'keep-alive' } };
    expect((await httpRequest(r.port, '/ping', keepAlive)).headers.connection).to.equal('keep-alive');
    readiness.markShuttingDown();
    const res = await httpRequest(r.port, '/ping', keepAlive);
    expect(res.status).to.equal(200);
    expect(res.headers.connection).to.equal('close');
  });

  it('latencyMs delays /ping and shows in the histogram', async () => {
    const r = await app({ latencyMs: 120 });
    const t0 = Date.now();
    expect((await httpRequest(r.port, '/ping')).status).to.equal(200);
    expect(Date.now() - t0).to.be.at.least(110);
    expect(r.log.lines[0]?.duration_ms, 'the log line in ms').to.be.within(110, 5000);
    const s = await samples(r);
    const labels = { http_route: '/ping', http_response_status_code: '200' };
    expect(sampleValue(s, 'http_server_request_duration_seconds_bucket', { ...labels, le: '0.1' })).to.equal(0);
    expect(sampleValue(s, 'http_server_request_duration_seconds_bucket', { ...labels, le: '0.25' })).to.equal(1);
  });

  it('survives oversized headers (431 or closed) and garbage bytes (400 or closed)', async () => {
    const r = await app();
    const big = await rawExchange(r.port, `GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(big === '' || big.startsWith('HTTP/1.1 431'), big.slice(0, 40)).to.equal(true);
    const garbage = await rawExchange(r.port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]));
    expect(garbage === '' || garbage.startsWith('HTTP/1.1 400'), garbage.slice(0, 40)).to.equal(true);
    const nonsense = await rawExchange(r.port, 'HELLO THERE\r\n\r\n');
    expect(nonsense === '' || nonsense.startsWith('HTTP/1.1 400'), nonsense.slice(0, 40)).to.equal(true);
    const res = await httpRequest(r.port, '/ping');
    expect(res.status).to.equal(200);
    expect(res.body).to.equal('pong');
    const codes = r.log.lines.filter((l) => l.msg === 'client error').map((l) => l.code);
    expect(codes, 'the parser codes, at debug').to.include('HPE_HEADER_OVERFLOW');
  });

  describe('with a global tracer provider (as main.ts starts it)', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    before(() => {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
      expect(trace.setGlobalTracerProvider(provider), 'no other global tracer provider').to.equal(true);
    });
    after(async () => {
      await provider.shutdown();
      trace.disable();
      context.disable();
    });

    it("one SERVER span per request from the `ponger` tracer: `GET /ping` with http.route and the caller's identity; unmatched keeps `GET`", async () => {
      const r = await app();
      await httpRequest(r.port, '/ping', { headers: { 'l5d-client-id': PINGER } });
      await httpRequest(r.port, '/secret');
      const spans = await pollUntil(() => exporter.getFinishedSpans().length >= 2 && exporter.getFinishedSpans(), 2000, 'two spans');
      const [ping, unmatched] = spans.sort((a, b) => String(a.attributes['url.path']).localeCompare(String(b.attributes['url.path'])));
      expect(ping?.instrumentationScope.name).to.equal('ponger');
      expect(ping?.name).to.equal('GET /ping');
      expect(ping?.attributes).to.include({ 'http.route': '/ping', 'linkerd.client_id': PINGER, 'http.response.status_code': 200 });
      expect(unmatched?.name).to.equal('GET');
      expect(unmatched?.attributes).to.include({ 'url.path': '/secret', 'linkerd.client_id': 'none', 'http.response.status_code': 404 });
      expect(unmatched?.attributes, 'http.route is a template or absent').not.to.have.property('http.route');
    });
  });
});

import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { pong, reset, silent, startServer, type TestServer, unavailable } from '../../../test/support/loopback-servers.ts';
import { freePort } from '../../../test/support/ports.ts';
import { classifyError, classifyStatus, createPingClient, MAX_BODY_BYTES, type PingClient, pingUrl } from './client.ts';

describe('pinger client', () => {
  let servers: TestServer[] = [];
  let clients: PingClient[] = [];
  const serve = async (...args: Parameters<typeof startServer>) => {
    const s = await startServer(...args);
    servers.push(s);
    return s;
  };
  const client = (url: string, over: { timeoutMs?: number; retries?: number; maxBodyBytes?: number } = {}) => {
    const c = createPingClient({
      url,
      timeoutMs: over.timeoutMs ?? 300,
      retries: over.retries ?? 0,
      maxSockets: 1,
      ...(over.maxBodyBytes ? { maxBodyBytes: over.maxBodyBytes } : {}),
    });
    clients.push(c);
    return c;
  };
  afterEach(async () => {
    for (const c of clients) c.close();
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    clients = [];
  });

  describe('pingUrl', () => {
    it('appends /ping to a base URL', () => {
      expect(pingUrl('http://ponger:8080')).to.equal('http://ponger:8080/ping');
      expect(pingUrl('http://ponger:8080/')).to.equal('http://ponger:8080/ping');
      expect(pingUrl('http://gw/ponger/')).to.equal('http://gw/ponger/ping');
    });
    it('uses a URL already ending in /ping as is', () => {
      expect(pingUrl('http://ponger:8080/ping')).to.equal('http://ponger:8080/ping');
      expect(pingUrl('http://gw/x/ping/')).to.equal('http://gw/x/ping/');
    });
    it('does not mistake a path merely containing ping', () => {
      expect(pingUrl('http://h/pinger')).to.equal('http://h/pinger/ping');
    });
  });

  it('classifies statuses', () => {
    expect([200, 204, 299].map(classifyStatus)).to.deep.equal(['success', 'success', 'success']);
    expect([199, 301, 404, 500, 503].map(classifyStatus)).to.deep.equal([
      'http_error',
      'http_error',
      'http_error',
      'http_error',
      'http_error',
    ]);
    expect(classifyError(new Error('x'))).to.equal('connection_error');
  });

  it('200: success, status, client id from ponger, latency measured', async () => {
    const s = await serve(pong);
    const r = await client(s.url).ping();
    expect(r).to.deep.include({ outcome: 'success', status: 200, clientId: 'none', retried: [] });
    expect(r.latencyMs).to.be.greaterThan(0).and.below(300);
    expect(s.requests[0]?.url).to.equal('/ping');
    expect(s.requests[0]?.method).to.equal('GET');
  });

  it('503: http_error with the status, not thrown', async () => {
    const s = await serve(unavailable);
    const r = await client(s.url).ping();
    expect(r).to.deep.include({ outcome: 'http_error', status: 503 });
    expect(r.clientId).to.equal(undefined);
    expect(s.requests).to.have.length(1); // retries are off by default
  });

  it('a server that never answers: timeout after timeoutMs', async () => {
    const s = await serve(silent);
    const r = await client(s.url, { timeoutMs: 150 }).ping();
    expect(r.outcome).to.equal('timeout');
    expect(r.status).to.equal(undefined);
    expect(r.error).to.equal('ETIMEDOUT');
    expect(r.latencyMs).to.be.at.least(140).and.below(1000);
  });

  it('nothing listening: connection_error ECONNREFUSED', async () => {
    const r = await client(`http://127.0.0.1:${await freePort()}`).ping();
    expect(r).to.deep.include({ outcome: 'connection_error', error: 'ECONNREFUSED' });
  });

  it('socket destroyed by the server: connection_error', async () => {
    const s = await serve(reset);
    const r = await client(s.url).ping();
    expect(r.outcome).to.equal('connection_error');
    expect(r.error).to.match(/ECONNRESET|socket hang up/);
  });

  it('reads every body up to the cap to the end and reuses one keep-alive connection', async () => {
    const full = 'x'.repeat(MAX_BODY_BYTES);
    const s = await serve((_req, res, n) => {
      res.statusCode = n % 2 === 0 ? 500 : 200;
      res.end(full);
    });
    const c = client(s.url);
    const outcomes = [];
    for (let i = 0; i < 6; i++) outcomes.push((await c.ping()).outcome);
    expect(outcomes).to.deep.equal(['success', 'http_error', 'success', 'http_error', 'success', 'http_error']);
    expect(s.connections).to.equal(1);
  });

  describe('response body cap', () => {
    it('refuses a declared Content-Length over the cap before reading, keeping status and client id', async () => {
      let written = 0;
      const s = await serve((_req, res) => {
        res.writeHead(200, { 'content-length': String(100 * 1024 * 1024), 'x-ponger-client-id': 'none' });
        const chunk = Buffer.alloc(64 * 1024, 120);
        const pump = () => {
          while (!res.destroyed && written < 100 * 1024 * 1024) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
        };
        res.on('close', () => res.destroy());
        pump();
      });
      const r = await client(s.url).ping();
      expect(r).to.deep.include({
        outcome: 'body_too_large',
        status: 200,
        clientId: 'none',
        error: `response body over ${MAX_BODY_BYTES} bytes`,
      });
      expect(written).to.be.below(16 * 1024 * 1024); // the server was cut off long before 100 MB
    });

    it('cuts an endless chunked body once the cap is passed', async () => {
      const s = await serve((_req, res) => {
        const timer = setInterval(() => res.write('y'.repeat(8 * 1024)), 1);
        res.on('close', () => clearInterval(timer));
      });
      const r = await client(s.url, { timeoutMs: 5000 }).ping();
      expect(r.outcome).to.equal('body_too_large');
      expect(r.latencyMs).to.be.below(4000); // cut by the cap, not by the timeout
    });

    it('counts decoded bytes: a small gzip that inflates past the cap is cut; one that fits is read', async () => {
      const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
      const fits = gzipSync(Buffer.alloc(MAX_BODY_BYTES));
      expect(bomb.length).to.be.below(MAX_BODY_BYTES);
      const s = await serve((_req, res, n) => {
        res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': String((n === 1 ? bomb : fits).length) });
        res.end(n === 1 ? bomb : fits);
      });
      const c = client(s.url);
      expect((await c.ping()).outcome).to.equal('body_too_large');
      expect((await c.ping()).outcome).to.equal('success');
    });

    it("headers past Node's 16 KiB are a connection_error", async () => {
      const s = await serve((_req, res) => {
        res.setHeader('x-big', 'h'.repeat(20 * 1024));
        res.end('pong');
      });
      expect(await client(s.url).ping()).to.deep.include({ outcome: 'connection_error', error: 'HPE_HEADER_OVERFLOW' });
    });

    it('is never retried', async () => {
      const s = await serve((_req, res) => res.end('z'.repeat(2048)));
      const r = await client(s.url, { retries: 2, maxBodyBytes: 1024 }).ping();
      expect(r).to.deep.include({ outcome: 'body_too_large', retried: [] });
      expect(s.requests).to.have.length(1);
    });
  });

  it('keeps a DNS-name shaped client id and reports anything else as invalid', async () => {
    const s = await serve((_req, res, n) => {
      res.setHeader(
        'x-ponger-client-id',
        n === 1 ? 'pinger.ns.serviceaccount.identity.linkerd.cluster.local' : `EVIL value ${'x'.repeat(300)}`,
      );
      res.end('pong');
    });
    const c = client(s.url);
    expect((await c.ping()).clientId).to.equal('pinger.ns.serviceaccount.identity.linkerd.cluster.local');
    expect((await c.ping()).clientId).to.equal('invalid');
  });

  it('refuses a URL with credentials without showing them', () => {
    let message = '';
    try {
      createPingClient({ url: 'http://:s3cret@ponger:1', timeoutMs: 1, retries: 0, maxSockets: 1 });
    } catch (err) {
      expect(err).to.be.instanceOf(RangeError);
      message = (err as Error).message;
    }
    expect(message).to.equal('url: expected no credentials, got http://REDACTED@ponger:1');
  });

  describe('with retries', () => {
    it('retries a 503 at once and reports the retried attempt apart', async () => {
      const s = await serve((req, res, n) => (n === 1 ? unavailable : pong)(req, res, n));
      const r = await client(s.url, { retries: 2 }).ping();
      expect(r).to.deep.include({ outcome: 'success', status: 200, retried: ['http_error'] });
      expect(s.requests).to.have.length(2);
      expect(r.latencyMs).to.be.below(250); // no backoff
    });

    for (const status of [502, 503, 504]) {
      it(`retries a ${status} at once, whatever its Retry-After says`, async () => {
        const s = await serve((req, res, n) => {
          if (n > 1) return pong(req, res, n);
          res.writeHead(status, { 'retry-after': '3600' });
          res.end();
        });
        const r = await client(s.url, { retries: 1 }).ping();
        expect(r).to.deep.include({ outcome: 'success', retried: ['http_error'] });
        expect(r.latencyMs).to.be.below(250);
      });
    }

    it('never retries another status', async () => {
      for (const status of [400, 404, 429, 500, 501, 301]) {
        const s = await serve((_req, res) => {
          res.statusCode = status;
          res.end();
        });
        const r = await client(s.url, { retries: 2 }).ping();
        expect(r, String(status)).to.deep.include({ outcome: 'http_error', status, retried: [] });
        expect(s.requests).to.have.length(1);
      }
    });

    it('gives up after the limit with the last outcome', async () => {
      const s = await serve(unavailable);
      const r = await client(s.url, { retries: 2 }).ping();
      expect(r).to.deep.include({ outcome: 'http_error', status: 503, retried: ['http_error', 'http_error'] });
      expect(s.requests).to.have.length(3);
    });

    it('retries a refused connection', async () => {
      const r = await client(`http://127.0.0.1:${await freePort()}`, { retries: 1 }).ping();
      expect(r).to.deep.include({ outcome: 'connection_error', retried: ['connection_error'] });
    });

    it('applies the timeout to each attempt', async () => {
      const s = await serve(silent);
      const r = await client(s.url, { retries: 1, timeoutMs: 100 }).ping();
      expect(r).to.deep.include({ outcome: 'timeout', retried: ['timeout'] });
      expect(s.requests).to.have.length(2);
      expect(r.latencyMs).to.be.at.least(190).and.below(1000);
    });
  });

  it('rejects a negative retry count', () => {
    expect(() => createPingClient({ url: 'http://x', timeoutMs: 1, retries: -1, maxSockets: 1 })).to.throw(RangeError, /retries/);
  });
});

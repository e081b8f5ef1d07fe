import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { pong, reset, silent, startServer, type TestServer, unavailable } from '../../../test/support/loopback-servers.ts';
import { REAL_CLOCK_RETRIES, sleep } from '../../../test/support/poll.ts';
import { freePort } from '../../../test/support/ports.ts';
import { thrown } from '../../../test/support/thrown.ts';
import {
  classifyError,
  classifyStatus,
  cleanClientId,
  createPingClient,
  errorText,
  MAX_BODY_BYTES,
  type PingClient,
  pingUrl,
} from './client.ts';

describe('pinger client', function () {
  this.retries(REAL_CLOCK_RETRIES);
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
      timeoutMs: over.timeoutMs ?? 3000, // generous: a cold first request on a loaded machine is slow
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
      expect(pingUrl('http://gw/ponger//')).to.equal('http://gw/ponger/ping');
    });
    it('uses a URL already ending in /ping as is', () => {
      expect(pingUrl('http://ponger:8080/ping')).to.equal('http://ponger:8080/ping');
      expect(pingUrl('http://gw/x/ping/')).to.equal('http://gw/x/ping/');
    });
    it('does not mistake a path merely containing ping', () => {
      expect(pingUrl('http://h/pinger')).to.equal('http://h/pinger/ping');
      expect(pingUrl('http://h/ping/x')).to.equal('http://h/ping/x/ping');
    });
  });

  it('classifies statuses and errors', () => {
    expect([200, 204, 299].map(classifyStatus)).to.deep.equal(['success', 'success', 'success']);
    expect([199, 300, 301, 404, 500, 503].map(classifyStatus)).to.deep.equal(Array(6).fill('http_error'));
    // got's TimeoutError and a socket's own ETIMEDOUT both carry the code
    expect(classifyError(Object.assign(new Error('connect ETIMEDOUT 10.0.0.1:80'), { code: 'ETIMEDOUT' }))).to.equal('timeout');
    expect(classifyError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).to.equal('connection_error');
    expect(classifyError(new Error('x'))).to.equal('connection_error');
    expect(classifyError(undefined)).to.equal('connection_error');
  });

  it('logs an error as its code, or else its message with credentials redacted, both bounded', () => {
    expect(errorText(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).to.equal('ECONNRESET');
    expect(errorText(Object.assign(new Error('x'), { code: 'E'.repeat(500) }))).to.equal('E'.repeat(100));
    // got's own code says nothing: the message does
    const gotError = Object.assign(new Error('bad answer from http://u:pw@ponger/ping'), { code: 'ERR_GOT_REQUEST_ERROR' });
    expect(errorText(gotError)).to.equal('bad answer from http://REDACTED@ponger/ping');
    expect(errorText(Object.assign(new Error('numbered'), { code: -104 }))).to.equal('numbered');
    expect(errorText(new Error('m'.repeat(1000)))).to.equal('m'.repeat(300));
    expect(errorText('thrown text')).to.equal('thrown text');
    expect(errorText(undefined)).to.equal('undefined');
  });

  it("keeps ponger's client id only when DNS-name shaped", () => {
    const name = 'pinger.ns.serviceaccount.identity.linkerd.cluster.local';
    for (const ok of [name, 'a', '0', 'a-b', 'x'.repeat(253)]) expect(cleanClientId(ok), ok).to.equal(ok);
    for (const bad of ['x'.repeat(254), '-a', 'a-', '.a', 'A', 'a b', `${name}\n`, 'evil\u00e9', ['a'], ['a', 'b']]) {
      expect(cleanClientId(bad), String(bad)).to.equal('invalid');
    }
    expect(cleanClientId(undefined)).to.equal(undefined);
    expect(cleanClientId('')).to.equal(undefined);
  });

  it('200: success, status, client id from ponger, latency measured', async () => {
    const s = await serve(pong);
    const r = await client(s.url).ping();
    expect(r).to.deep.include({ outcome: 'success', status: 200, clientId: 'none', retried: [] });
    expect(r.latencyMs).to.be.greaterThan(0).and.below(3000);
    expect(s.requests[0]?.url).to.equal('/ping');
    expect(s.requests[0]?.method).to.equal('GET');
    expect(s.requests[0]?.headers['user-agent']).to.equal('pingpong-pinger');
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
    it('refuses a declared Content-Length over the cap before any byte, keeping status and client id', async () => {
      // the headers come, the body never does: only the declared length can end this before the timeout
      const s = await serve((_req, res) => {
        res.writeHead(200, { 'content-length': String(MAX_BODY_BYTES + 1), 'x-ponger-client-id': 'none' });
        res.flushHeaders();
      });
      const r = await client(s.url, { timeoutMs: 5000 }).ping();
      expect(r).to.deep.include({
        outcome: 'body_too_large',
        status: 200,
        clientId: 'none',
        error: `response body over ${MAX_BODY_BYTES} bytes`,
      });
      expect(r.latencyMs).to.be.below(4000);
    });

    it('cuts an endless chunked body once the cap is passed, and the connection with it', async () => {
      let closed: Promise<void> | undefined;
      const s = await serve((_req, res) => {
        const timer = setInterval(() => res.write('y'.repeat(8 * 1024)), 1);
        closed = new Promise((resolve) => res.on('close', resolve));
        res.on('close', () => clearInterval(timer));
      });
      const r = await client(s.url, { timeoutMs: 5000 }).ping();
      expect(r).to.deep.include({ outcome: 'body_too_large', status: 200 });
      expect(r.latencyMs).to.be.below(4000); // cut by the cap, not by the timeout
      const cut = await Promise.race([closed?.then(() => 'closed'), sleep(3000).then(() => 'still sending')]);
      expect(cut).to.equal('closed');
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

  it('refuses a URL with credentials without showing them', () => {
    for (const url of ['http://:s3cret@ponger:1', 'http://s3cret@ponger:1']) {
      const err = thrown(() => createPingClient({ url, timeoutMs: 1, retries: 0, maxSockets: 1 }), RangeError);
      expect(err.message).to.equal('url: expected no credentials, got http://REDACTED@ponger:1');
    }
  });

  describe('with retries', () => {
    it('retries a 503 at once and reports the retried attempt apart', async () => {
      const s = await serve((req, res, n) => (n === 1 ? unavailable : pong)(req, res, n));
      const r = await client(s.url, { retries: 2 }).ping();
      expect(r).to.deep.include({ outcome: 'success', status: 200, retried: ['http_error'] });
      expect(s.requests).to.have.length(2);
      expect(r.latencyMs).to.be.below(900); // no backoff (got's own would wait 1 s)
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
        expect(r.latencyMs).to.be.below(900);
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

  it('rejects a retry count that is not an integer >= 0, naming it', () => {
    for (const retries of [-1, 1.5]) {
      const err = thrown(() => createPingClient({ url: 'http://x', timeoutMs: 1, retries, maxSockets: 1 }), RangeError);
      expect(err.message).to.equal(`retries: expected an integer >= 0, got ${retries}`);
    }
  });
});

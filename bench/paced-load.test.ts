import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { nextResponse, pacedLoad, parsePacedResult, runPaced } from './paced-load.ts';

async function serve(delayMs: number, arrivals: number[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => {
    arrivals.push(performance.now());
    setTimeout(() => res.end('pong'), delayMs);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('bench paced load generator', function () {
  this.timeout(10_000);

  it('sends the asked number of requests evenly, not in bursts', async () => {
    const arrivals: number[] = [];
    const s = await serve(0, arrivals);
    try {
      const r = await pacedLoad({ url: s.url, rate: 200, durationSec: 1, connections: 4 });
      expect(r.sent).to.equal(200);
      expect(r.ok).to.equal(200);
      expect(r.failed).to.equal(0);
      // evenly paced: no 100 ms window gets much more than its share (20); a burst would put ~200 in one
      const first = arrivals[0] as number;
      const perWindow = new Map<number, number>();
      for (const t of arrivals) {
        const w = Math.floor((t - first) / 100);
        perWindow.set(w, (perWindow.get(w) ?? 0) + 1);
      }
      expect(Math.max(...perWindow.values())).to.be.at.most(45);
    } finally {
      await s.close();
    }
  });

  it('measures latency from the due time: a 30 ms server shows p50 >= 30 ms', async () => {
    const s = await serve(30, []);
    try {
      const r = await pacedLoad({ url: s.url, rate: 50, durationSec: 0.6, connections: 8 });
      expect(r.ok).to.equal(30);
      expect(r.p50Ms).to.be.at.least(30);
      expect(r.p99Ms).to.be.at.least(r.p50Ms);
    } finally {
      await s.close();
    }
  });

  it('reads responses by Content-Length, a partial one waits, anything else is refused', () => {
    const ok = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\ncontent-length: 4\r\n\r\npong';
    expect(nextResponse(Buffer.from(ok + ok))).to.deep.equal({ status: 200, close: false, size: ok.length });
    expect(nextResponse(Buffer.from(ok.slice(0, -1)))).to.equal('partial');
    expect(nextResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Le'))).to.equal('partial');
    const closing = 'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
    expect(nextResponse(Buffer.from(closing))).to.deep.equal({ status: 503, close: true, size: closing.length });
    expect(nextResponse(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npong\r\n0\r\n\r\n'))).to.equal('bad');
    expect(nextResponse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).to.equal('bad');
    expect(nextResponse(Buffer.alloc(17 * 1024, 'a'))).to.equal('bad');
  });

  it('counts another status, a closed connection and a timeout as failed, and goes on', async () => {
    let n = 0;
    const server = http.createServer((_req, res) => {
      n++;
      // (writeHead then end answers chunked: a Content-Length is set as our servers set it)
      if (n === 2) return void res.writeHead(500, { 'content-length': 2 }).end('no');
      if (n === 3) return void res.writeHead(200, { connection: 'close', 'content-length': 4 }).end('pong'); // ok, then a new connection
      if (n === 4) return void res.socket?.destroy(); // failed
      if (n === 5) return; // never answered: failed at its timeout
      res.end('pong');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
      const r = await pacedLoad({ url, rate: 40, durationSec: 0.25, connections: 2, timeoutMs: 300 });
      expect(r).to.deep.include({ sent: 10, ok: 7, failed: 3 });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('runPaced runs the generator as its own process and reads its result line', async () => {
    const arrivals: number[] = [];
    const s = await serve(0, arrivals);
    try {
      const r = await runPaced({ url: s.url, rate: 100, durationSec: 0.3, connections: 2 });
      expect(r).to.deep.include({ sent: 30, ok: 30, failed: 0 });
      expect(arrivals).to.have.length(30);
      expect(r.p99Ms).to.be.at.least(r.p50Ms).and.at.most(r.maxMs);
    } finally {
      await s.close();
    }
  });

  it('reads a result line by its marker, names a bad figure, and takes null latencies only when nothing was answered', () => {
    const line = (o: Record<string, unknown>): string => `PACED_RESULT ${JSON.stringify(o)}`;
    const good = { sent: 10, ok: 10, failed: 0, rps: 100, p50Ms: 1, p99Ms: 2, maxMs: 3 };
    expect(parsePacedResult(['{"sent":99}', line(good), 'noise'])).to.deep.equal(good);
    const unanswered = parsePacedResult([line({ ...good, ok: 0, failed: 10, p50Ms: null, p99Ms: null, maxMs: null })]);
    expect(unanswered).to.deep.include({ sent: 10, ok: 0, failed: 10 });
    expect(unanswered.p99Ms).to.be.NaN;
    expect(() => parsePacedResult([line({ ...good, p99Ms: null })])).to.throw('PACED_RESULT: p99Ms is null');
    expect(() => parsePacedResult([line({ ...good, sent: '10' })])).to.throw('PACED_RESULT: sent is "10"');
    expect(() => parsePacedResult(['{"sent":1}'])).to.throw('no PACED_RESULT line in the paced-load output');
  });

  it('counts failures and rejects bad options by name', async () => {
    const r = await pacedLoad({ url: 'http://127.0.0.1:1/ping', rate: 20, durationSec: 0.2, connections: 1 });
    expect(r.failed).to.equal(4);
    expect(r.ok).to.equal(0);
    expect(r.p99Ms).to.be.NaN;
    await pacedLoad({ url: 'http://127.0.0.1:1/', rate: 0, durationSec: 1, connections: 1 }).then(
      () => expect.fail('rate 0 accepted'),
      (e: Error) => expect(e.message).to.match(/rate must be > 0/),
    );
  });
});

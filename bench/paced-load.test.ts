import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { pacedLoad } from './paced-load.ts';

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

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { wrkOrSkip } from './needs-wrk.ts';
import { findWrk, parseWrkOutput, wrkArgs, wrkMissingMessage } from './wrk.ts';

// wrk 4.1's own text, then the line bench/wrk-report.lua prints (taken from a real run)
const WRK_TEXT = `Running 1s test @ http://127.0.0.1:42745/ping
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   522.47us    1.04ms  17.94ms   93.82%
  27743 requests in 1.10s, 4.42MB read
Requests/sec:  25221.41
`;
const result = (over: Record<string, unknown> = {}): string =>
  `WRK_RESULT ${JSON.stringify({
    duration_us: 1_100_000,
    requests: 27_743,
    bytes: 4_633_081,
    errors: { connect: 0, read: 1, write: 2, status: 743, timeout: 3 },
    latency_us: { min: 59, mean: 522.5, max: 17_945, p50: 254, p90: 840, p99: 5384, p999: 12_556 },
    ...over,
  })}\n`;

describe('bench wrk load generator', function () {
  this.timeout(20_000);

  it('parses the Lua done() line: exact counts, status errors apart, latency in ms', () => {
    const r = parseWrkOutput(WRK_TEXT + result());
    expect(r.requests).to.equal(27_743);
    expect(r.ok).to.equal(27_000);
    expect(r.non2xx).to.equal(743);
    expect(r.errors).to.equal(3);
    expect(r.timeouts).to.equal(3);
    expect(r.durationSec).to.equal(1.1);
    expect(r.rps).to.be.closeTo(27_000 / 1.1, 1e-6);
    expect(r.p50Ms).to.equal(0.254);
    expect(r.p99Ms).to.equal(5.384);
    expect(r.maxMs).to.equal(17.945);
    // the last result line wins (one run prints one; a stray earlier one must not)
    expect(
      parseWrkOutput(result({ requests: 1, errors: { connect: 0, read: 0, write: 0, status: 0, timeout: 0 } }) + result()).requests,
    ).to.equal(27_743);
  });

  it('gives no latency (NaN, not 0) when no response arrived or the script wrote null', () => {
    // what wrk 4.1 prints against a server that accepts and never answers
    const r = parseWrkOutput(
      'WRK_RESULT {"duration_us":1003078,"requests":0,"bytes":0,"errors":{"connect":0,"read":0,"write":0,"status":0,"timeout":0},' +
        '"latency_us":{"min":18446744073709551616,"mean":0.0,"max":0,"p50":0,"p90":0,"p99":0,"p999":0}}',
    );
    expect(r.ok).to.equal(0);
    expect(r.rps).to.equal(0);
    expect(r.p99Ms).to.be.NaN;
    expect(r.p50Ms).to.be.NaN;
    expect(parseWrkOutput(result({ latency_us: { min: null, mean: null, max: null, p50: null, p90: null, p99: null, p999: null } })).maxMs)
      .to.be.NaN;
  });

  it('rejects output without a result, bad JSON, missing or impossible counts, naming what is wrong', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n')).to.throw(/no "WRK_RESULT" line/);
    expect(() => parseWrkOutput(WRK_TEXT)).to.throw(/no "WRK_RESULT" line/);
    expect(() => parseWrkOutput('WRK_RESULT {"duration_us":nan}')).to.throw(/not JSON/);
    expect(() => parseWrkOutput(result({ errors: { connect: 0, read: 0, write: 0, timeout: 0 } }))).to.throw(/errors\.status missing/);
    expect(() => parseWrkOutput(result({ requests: -1 }))).to.throw(/requests missing or not a count/);
    expect(() => parseWrkOutput(result({ requests: 10 }))).to.throw(/errors\.status \(743\) exceeds requests \(10\)/);
    expect(() => parseWrkOutput(result({ duration_us: 0 }))).to.throw(/duration_us is 0/);
    expect(() => parseWrkOutput(result({ latency_us: { p50: 1 } }))).to.throw(/latency_us\.p90 missing/);
  });

  it('builds one-thread command lines and refuses durations wrk cannot take', () => {
    const args = wrkArgs({ url: 'http://127.0.0.1:1/ping', connections: 32, durationSec: 15 });
    expect(args.slice(0, 6)).to.deep.equal(['-t', '1', '-c', '32', '-d', '15s']);
    expect(args.at(-1)).to.equal('http://127.0.0.1:1/ping');
    expect(args[args.indexOf('-s') + 1]).to.match(/bench\/wrk-report\.lua$/);
    expect(() => wrkArgs({ url: 'x', connections: 32, durationSec: 1.5 })).to.throw(/durationSec must be a whole number/);
    expect(() => wrkArgs({ url: 'x', connections: 0, durationSec: 1 })).to.throw(/connections must be/);
  });

  it('finds wrk on PATH or BENCH_WRK, and names the Debian package when it is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wrk-path-'));
    try {
      expect(findWrk({ PATH: dir })).to.equal(undefined);
      expect(wrkMissingMessage({ PATH: dir })).to.match(/install the Debian package "wrk" \(apt-get install wrk\)/);
      writeFileSync(join(dir, 'wrk'), '#!/bin/sh\n');
      expect(findWrk({ PATH: dir })).to.equal(undefined); // not executable
      chmodSync(join(dir, 'wrk'), 0o755);
      expect(findWrk({ PATH: `/nonexistent:${dir}` })).to.equal(join(dir, 'wrk'));
      expect(findWrk({ PATH: dir, BENCH_WRK: join(dir, 'nope') })).to.equal(undefined);
      expect(wrkMissingMessage({ BENCH_WRK: join(dir, 'nope') })).to.match(/BENCH_WRK=.*nope is not an executable file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the real wrk with bench/wrk-report.lua counts what the server answered, >= 400 apart', async function () {
    const wrk = wrkOrSkip(this);
    let answered = 0;
    const server = http.createServer((_req, res) => {
      answered++;
      res.writeHead(answered % 3 === 0 ? 503 : 200, { 'content-length': '4' }).end('pong');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
      const child = spawn(wrk, wrkArgs({ url, connections: 4, durationSec: 1 }), { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
      });
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const [code] = await once(child, 'close');
      clearTimeout(kill);
      expect(code, out).to.equal(0);
      const r = parseWrkOutput(out);
      expect(r.requests).to.be.greaterThan(100);
      // wrk drops the responses still in flight when time is up: at most one per connection
      expect(answered - r.requests).to.be.within(0, 4);
      expect(r.ok + r.non2xx).to.equal(r.requests);
      expect(r.non2xx).to.be.closeTo(r.requests / 3, 5);
      expect(r.errors + r.timeouts).to.equal(0);
      expect(r.p99Ms).to.be.greaterThan(0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

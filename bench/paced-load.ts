// An open-loop, evenly paced load generator for "latency at a fixed rate". wrk has no rate option
// (Debian packages no wrk2), and autocannon's -R/-r, used before, are bursty: each connection
// sends its whole per-second quota back to back, then waits for a 1 s timer to reset it
// (autocannon 9 lib/httpClient.js, reqsMadeThisSecond), so its "half rate" latency is queueing
// latency at full speed. Here request i is due at t0 + i / rate, requests go out over a
// keep-alive pool, and latency is measured from the due time (so a stalled sender or server
// cannot hide queued requests: no coordinated omission).
// Run as its own process: `node bench/paced-load.ts URL RATE DURATION_SEC [CONNECTIONS]` prints JSON;
// runPaced() does that, CPU-pinned, for the harness.
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startProcess } from './child.ts';
import { percentile } from './stats.ts';

export interface PacedOptions {
  readonly url: string;
  /** requests per second, > 0 */
  readonly rate: number;
  readonly durationSec: number;
  readonly connections: number;
  /** per-request timeout, ms */
  readonly timeoutMs?: number;
}

export interface PacedResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export async function pacedLoad(o: PacedOptions): Promise<PacedResult> {
  if (!(o.rate > 0)) throw new RangeError(`paced load: rate must be > 0, got ${o.rate}`);
  if (!(o.durationSec > 0)) throw new RangeError(`paced load: durationSec must be > 0, got ${o.durationSec}`);
  if (!(Number.isInteger(o.connections) && o.connections > 0))
    throw new RangeError(`paced load: connections must be a positive integer, got ${o.connections}`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const total = Math.floor(o.rate * o.durationSec);
  const interval = 1000 / o.rate;
  const latencies: number[] = [];
  let sent = 0,
    ok = 0,
    failed = 0;
  const pending = new Set<Promise<void>>();
  const fire = (due: number): void => {
    sent++;
    const p = new Promise<void>((resolve) => {
      const req = http.get(o.url, { agent, timeout: o.timeoutMs ?? 5000 }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
            ok++;
            latencies.push(performance.now() - due);
          } else failed++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        failed++;
        resolve();
      });
    });
    pending.add(p);
    void p.then(() => pending.delete(p));
  };
  const t0 = performance.now() + 5;
  let next = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && t0 + next * interval <= now) fire(t0 + next++ * interval);
      if (next >= total) {
        done();
        return;
      }
      setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
    };
    setTimeout(tick, 5);
  });
  const elapsedMs = performance.now() - t0;
  // the straggler bound must not outlive the wait: a pending timer kept the generator's process alive for 6 s after its result
  let straggler: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.allSettled([...pending]),
    new Promise((r) => {
      straggler = setTimeout(r, (o.timeoutMs ?? 5000) + 1000);
    }),
  ]);
  clearTimeout(straggler);
  agent.destroy();
  const has = latencies.length > 0;
  return {
    sent,
    ok,
    failed,
    rps: ok / (elapsedMs / 1000),
    p50Ms: has ? percentile(latencies, 50) : Number.NaN,
    p99Ms: has ? percentile(latencies, 99) : Number.NaN,
    maxMs: has ? Math.max(...latencies) : Number.NaN,
  };
}

const PACED = fileURLToPath(import.meta.url);

/** The evenly paced open-loop generator (bench/paced-load.ts) as its own, CPU-pinned process. */
export async function runPaced(o: {
  url: string;
  rate: number;
  durationSec: number;
  connections: number;
  cpus?: string | undefined;
}): Promise<PacedResult> {
  const child = startProcess({
    name: 'paced-load',
    args: [PACED, o.url, String(o.rate), String(o.durationSec), String(o.connections)],
    cpus: o.cpus,
    keepStdout: true,
  });
  const limitMs = (o.durationSec + 30) * 1000;
  const timer = setTimeout(() => {
    void child.stop(1000);
  }, limitMs);
  const code = await new Promise<number | null>((resolve) => child.child.once('close', (c: number | null) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`paced-load exited with ${String(code)} (bounded at ${limitMs} ms): ${child.stderrTail()}`);
  const line = child.lines.filter((l) => l.startsWith('{')).at(-1);
  if (line === undefined) throw new Error('paced-load: no JSON result on stdout');
  return JSON.parse(line) as PacedResult;
}

if (import.meta.main) {
  const [url, rate, duration, connections] = process.argv.slice(2);
  if (url === undefined || rate === undefined || duration === undefined) {
    process.stderr.write('usage: node bench/paced-load.ts URL RATE DURATION_SEC [CONNECTIONS]\n');
    process.exit(64);
  }
  const r = await pacedLoad({ url, rate: Number(rate), durationSec: Number(duration), connections: Number(connections ?? 32) });
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

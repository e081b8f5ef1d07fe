// An open-loop, evenly paced load generator for "latency at a fixed rate". wrk has no rate option
// (Debian packages no wrk2), and autocannon's -R/-r, used before, are bursty: each connection
// sends its whole per-second quota back to back, then waits for a 1 s timer to reset it
// (autocannon 9 lib/httpClient.js, reqsMadeThisSecond), so its "half rate" latency is queueing
// latency at full speed. Here request i is due at t0 + i / rate and goes out on a free keep-alive
// connection (up to `connections`, opened as needed; queued when all are busy), and latency is
// measured from the due time (so a stalled sender or server cannot hide queued requests: no
// coordinated omission).
// The client is a bare socket per connection writing one fixed GET and reading responses by their
// Content-Length, not node:http's client: that one cost about 80 µs of CPU per request here, and
// its own pauses put a p99 of 68 ms on a bare node:http server paced at 4,800 req/s, where this
// client measures 2.7 ms (BENCHMARKS.md). It speaks only what our servers answer: HTTP/1.x with a
// Content-Length; any other response, a closed connection or a timeout counts as failed.
// Run as its own process: `node bench/paced-load.ts URL RATE DURATION_SEC CONNECTIONS` prints PACED_RESULT {json};
// runPaced() does that, CPU-pinned, for the harness.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { exitedCleanly, figure, figures, resultLine, startProcess } from './child.ts';
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

/** Longest response head read before the connection is given up (our servers send ~200 bytes). */
const MAX_HEAD_BYTES = 16 * 1024;

interface Conn {
  readonly socket: net.Socket;
  /** due time of the request in flight on it, if any */
  due: number | undefined;
  deadline: number;
  buf: Buffer | undefined;
}

/**
 * The next complete response in `buf`: its status, whether it asks to close, and its size; or
 * 'partial' (wait for more bytes) or 'bad' (not HTTP/1.x with a Content-Length, or a head too long).
 */
export function nextResponse(buf: Buffer): { status: number; close: boolean; size: number } | 'partial' | 'bad' {
  const end = buf.indexOf('\r\n\r\n');
  if (end === -1) return buf.length > MAX_HEAD_BYTES ? 'bad' : 'partial';
  const head = buf.toString('latin1', 0, end);
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
  const length = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(\r\n|$)/i.exec(head)?.[1];
  if (status === undefined || length === undefined) return 'bad';
  const size = end + 4 + Number(length);
  if (buf.length < size) return 'partial';
  return { status: Number(status), close: /\r\nconnection:[ \t]*close/i.test(head), size };
}

export async function pacedLoad(o: PacedOptions): Promise<PacedResult> {
  if (!(o.rate > 0)) throw new RangeError(`paced load: rate must be > 0, got ${o.rate}`);
  if (!(o.durationSec > 0)) throw new RangeError(`paced load: durationSec must be > 0, got ${o.durationSec}`);
  if (!(Number.isInteger(o.connections) && o.connections > 0))
    throw new RangeError(`paced load: connections must be a positive integer, got ${o.connections}`);
  const url = new URL(o.url);
  if (url.protocol !== 'http:') throw new RangeError(`paced load: url must be http://, got ${o.url}`);
  const request = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`, 'latin1');
  const timeoutMs = o.timeoutMs ?? 5000;
  const total = Math.floor(o.rate * o.durationSec);
  const interval = 1000 / o.rate;
  const latencies = new Float64Array(total);
  let measured = 0,
    sent = 0,
    ok = 0,
    failed = 0;
  let allAnswered: (() => void) | undefined;
  const conns = new Set<Conn>();
  const idle: Conn[] = [];
  const queue: number[] = [];
  let queued = 0; // queue[queued..] wait for a connection

  const answered = (): void => {
    if (ok + failed === total) allAnswered?.();
  };
  const send = (c: Conn, due: number): void => {
    c.due = due;
    c.deadline = performance.now() + timeoutMs;
    c.socket.write(request);
  };
  const freed = (c: Conn): void => {
    if (queued < queue.length) send(c, queue[queued++] as number);
    else idle.push(c);
  };
  const open = (due: number): void => {
    const socket = net.connect({ host: url.hostname, port: Number(url.port || 80), noDelay: true });
    const c: Conn = { socket, due, deadline: performance.now() + timeoutMs, buf: undefined };
    conns.add(c);
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      c.buf = c.buf === undefined ? chunk : Buffer.concat([c.buf, chunk]);
      for (;;) {
        const r = nextResponse(c.buf);
        if (r === 'partial') return;
        if (r === 'bad' || c.due === undefined) return void socket.destroy();
        if (r.status >= 200 && r.status < 300) {
          ok++;
          latencies[measured++] = performance.now() - c.due;
        } else failed++;
        c.due = undefined;
        c.buf = c.buf.length > r.size ? c.buf.subarray(r.size) : undefined;
        answered();
        if (r.close) return void socket.destroy();
        freed(c);
        if (c.buf === undefined) return;
      }
    });
    socket.on('error', () => {}); // 'close' follows, and counts the request in flight
    socket.once('close', () => {
      conns.delete(c);
      const at = idle.indexOf(c);
      if (at !== -1) idle.splice(at, 1);
      if (c.due !== undefined) {
        c.due = undefined;
        failed++;
        answered();
      }
      // a request still waiting gets a new connection (or fails on it)
      if (queued < queue.length) open(queue[queued++] as number);
    });
  };
  const dispatch = (due: number): void => {
    sent++;
    const c = idle.pop();
    if (c !== undefined) send(c, due);
    else if (conns.size < o.connections) open(due);
    else queue.push(due);
  };
  // one timer for every request's timeout: a connection whose request is overdue is closed
  const reaper = setInterval(() => {
    const now = performance.now();
    for (const c of conns) if (c.due !== undefined && now > c.deadline) c.socket.destroy();
  }, 50);

  const t0 = performance.now() + 5;
  let next = 0;
  await new Promise<void>((done) => {
    const tick = (): void => {
      const now = performance.now();
      while (next < total && t0 + next * interval <= now) dispatch(t0 + next++ * interval);
      if (next >= total) {
        done();
        return;
      }
      setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
    };
    setTimeout(tick, 5);
  });
  const elapsedMs = performance.now() - t0;
  // every request answered or failed, bounded: the last one's timeout, then one more second
  let straggler: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((r) => {
      allAnswered = r;
      answered();
    }),
    new Promise((r) => {
      straggler = setTimeout(r, timeoutMs + 1000);
    }),
  ]);
  clearTimeout(straggler);
  clearInterval(reaper);
  for (const c of conns) c.socket.destroy();
  const done = Array.from(latencies.subarray(0, measured));
  const has = done.length > 0;
  return {
    sent,
    ok,
    failed: sent - ok, // answered with another status, closed, timed out, or not answered within the bound
    rps: ok / (elapsedMs / 1000),
    p50Ms: has ? percentile(done, 50) : Number.NaN,
    p99Ms: has ? percentile(done, 99) : Number.NaN,
    maxMs: has ? done.reduce((a, b) => Math.max(a, b)) : Number.NaN,
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
  await exitedCleanly(child, (o.durationSec + 30) * 1000);
  return parsePacedResult(child.lines);
}

const MARKER = 'PACED_RESULT';

/**
 * The generator's PACED_RESULT line, checked; throws naming what is wrong. The latencies are
 * null in it (JSON has no NaN) only when nothing was answered, and read back as NaN.
 */
export function parsePacedResult(lines: readonly string[]): PacedResult {
  const r = resultLine(lines, MARKER, 'paced-load');
  const { sent, ok, failed, rps } = figures(MARKER, r, ['sent', 'ok', 'failed', 'rps']);
  const latency = (k: 'p50Ms' | 'p99Ms' | 'maxMs'): number => (ok === 0 && r[k] === null ? Number.NaN : figure(MARKER, r[k], k));
  return { sent, ok, failed, rps, p50Ms: latency('p50Ms'), p99Ms: latency('p99Ms'), maxMs: latency('maxMs') };
}

if (import.meta.main) {
  const [url, rate, duration, connections] = process.argv.slice(2);
  if (url === undefined || rate === undefined || duration === undefined || connections === undefined) {
    process.stderr.write('usage: node bench/paced-load.ts URL RATE DURATION_SEC CONNECTIONS\n');
    process.exit(64);
  }
  const r = await pacedLoad({ url, rate: Number(rate), durationSec: Number(duration), connections: Number(connections) });
  process.stdout.write(`${MARKER} ${JSON.stringify(r)}\n`);
}

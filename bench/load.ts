// The load generator: autocannon 9 run as its own (CPU-pinned) process with --json output.
import { fileURLToPath } from 'node:url';
import { startNode } from './child.ts';
import { clockTicksPerSecond, readCpuTicks } from './procfs.ts';
import type { PacedResult } from './paced-load.ts';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationSec: number;
  /** requests per second over all connections (autocannon -R); unset = as fast as possible */
  readonly overallRate?: number | undefined;
  readonly cpus?: string | undefined;
}

export interface LoadResult {
  readonly durationSec: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** 2xx responses per second over the whole run */
  readonly rps: number;
  /** autocannon latency percentiles, ms (integer resolution: its histogram records whole ms) */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /** CPU used by the autocannon process, % of one core (sampled every 0.5 s; NaN if unread) */
  readonly loadgenCpuPct?: number | undefined;
}

interface AutocannonJson {
  duration: number; errors: number; timeouts: number; non2xx: number; '2xx': number;
  latency: { p50: number; p99: number; max: number; mean: number };
}

/** Turn autocannon's --json output into a LoadResult; throws naming the missing key. */
export function parseAutocannon(text: string): LoadResult {
  const line = text.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (line === undefined) throw new Error('autocannon: no JSON result on stdout');
  const j = JSON.parse(line) as Partial<AutocannonJson>;
  const num = (v: unknown, key: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`autocannon result: ${key} missing or not a number`);
    return v;
  };
  const duration = num(j.duration, 'duration');
  const ok = num(j['2xx'], '2xx');
  return {
    durationSec: duration,
    ok,
    non2xx: num(j.non2xx, 'non2xx'),
    errors: num(j.errors, 'errors'),
    timeouts: num(j.timeouts, 'timeouts'),
    rps: duration > 0 ? ok / duration : 0,
    p50Ms: num(j.latency?.p50, 'latency.p50'),
    p99Ms: num(j.latency?.p99, 'latency.p99'),
    maxMs: num(j.latency?.max, 'latency.max'),
    meanMs: num(j.latency?.mean, 'latency.mean'),
  };
}

const AUTOCANNON = fileURLToPath(import.meta.resolve('autocannon/autocannon.js'));

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const args = [AUTOCANNON, '--json', '-n', '-c', String(o.connections), '-p', '1', '-d', String(o.durationSec), '-t', '5'];
  if (o.overallRate !== undefined) args.push('-R', String(Math.max(1, Math.floor(o.overallRate))));
  args.push(o.url);
  const child = startNode({ name: 'autocannon', args, cpus: o.cpus, keepStdout: true });
  const limitMs = (o.durationSec + 30) * 1000;
  const timer = setTimeout(() => { void child.stop(1000); }, limitMs);
  const started = Date.now();
  let ticks = Number.NaN, ticksAt = started;
  const sampler = setInterval(() => {
    try { ticks = readCpuTicks(child.pid); ticksAt = Date.now(); } catch { /* exited */ }
  }, 500);
  const code = await new Promise<number | null>((resolve) => child.proc.once('close', (c: number | null) => resolve(c)));
  clearInterval(sampler);
  clearTimeout(timer);
  // give readline a tick to deliver the last line
  await new Promise((r) => setImmediate(r));
  if (code !== 0) throw new Error(`autocannon exited with ${String(code)} (bounded at ${limitMs} ms): ${child.stderrTail()}`);
  const loadgenCpuPct = (ticks / clockTicksPerSecond()) / ((ticksAt - started) / 1000) * 100;
  return { ...parseAutocannon(child.lines.join('\n')), loadgenCpuPct };
}

const PACED = fileURLToPath(new URL('./paced-load.ts', import.meta.url));

/** The evenly paced open-loop generator (bench/paced-load.ts) as its own, CPU-pinned process. */
export async function runPaced(o: { url: string; rate: number; durationSec: number; connections: number; cpus?: string | undefined }): Promise<PacedResult> {
  const child = startNode({
    name: 'paced-load',
    args: [PACED, o.url, String(o.rate), String(o.durationSec), String(o.connections)],
    cpus: o.cpus,
    keepStdout: true,
  });
  const limitMs = (o.durationSec + 30) * 1000;
  const timer = setTimeout(() => { void child.stop(1000); }, limitMs);
  const code = await new Promise<number | null>((resolve) => child.proc.once('close', (c: number | null) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`paced-load exited with ${String(code)} (bounded at ${limitMs} ms): ${child.stderrTail()}`);
  const line = child.lines.filter((l) => l.startsWith('{')).at(-1);
  if (line === undefined) throw new Error('paced-load: no JSON result on stdout');
  return JSON.parse(line) as PacedResult;
}

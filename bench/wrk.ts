// The throughput load generator: wrk (Debian package `wrk`, a C program on epoll), run as its own
// CPU-pinned process with one thread (it gets one core) and bench/wrk-report.lua, whose done()
// hook prints the exact counts and latency percentiles as one "WRK_RESULT {json}" line.
// No fallback to another generator: ratios are only comparable when every scenario of a run is
// measured by the same generator, so a missing wrk stops the run with the package to install.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess } from './child.ts';
import { clockTicksPerSecond, readCpuTicks } from './procfs.ts';

/** The Debian package that provides /usr/bin/wrk. */
export const WRK_PACKAGE = 'wrk';
export const WRK_SCRIPT = fileURLToPath(new URL('./wrk-report.lua', import.meta.url));
const MARKER = 'WRK_RESULT ';

export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  /** whole seconds (wrk's -d takes an integer) */
  readonly durationSec: number;
  readonly cpus?: string | undefined;
}

export interface LoadResult {
  /** measured by wrk (its own clock, slightly longer than -d) */
  readonly durationSec: number;
  /** responses received, any status */
  readonly requests: number;
  /** responses with a status below 400 (wrk counts >= 400 as status errors) */
  readonly ok: number;
  /** responses with a status of 400 or more */
  readonly non2xx: number;
  /** socket errors: connect + read + write */
  readonly errors: number;
  readonly timeouts: number;
  /** ok responses per second over wrk's measured duration */
  readonly rps: number;
  /** latency percentiles from wrk's histogram (recorded in µs), ms; closed loop, so at saturation they include queueing */
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
  /** CPU used by the wrk process, % of one core (sampled every 0.25 s; NaN if unread) */
  readonly loadgenCpuPct?: number | undefined;
}

/** Path of the wrk binary: BENCH_WRK if set, else `wrk` on PATH; undefined when none is executable. */
export function findWrk(env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const override = env['BENCH_WRK']?.trim();
  if (override) return executable(override) ? override : undefined;
  for (const dir of (env['PATH'] ?? '/usr/bin').split(delimiter)) {
    if (dir !== '' && executable(join(dir, 'wrk'))) return join(dir, 'wrk');
  }
  return undefined;
}

export function wrkMissingMessage(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const override = env['BENCH_WRK']?.trim();
  return override
    ? `BENCH_WRK=${override} is not an executable file; unset it to use wrk from PATH`
    : `wrk not found on PATH: the throughput scenarios need it; install the Debian package "${WRK_PACKAGE}" (apt-get install ${WRK_PACKAGE}) or set BENCH_WRK to its path`;
}

/** The wrk command line for one run (one thread: the load side has one core). */
export function wrkArgs(o: LoadOptions): string[] {
  if (!(Number.isInteger(o.durationSec) && o.durationSec >= 1))
    throw new RangeError(`wrk: durationSec must be a whole number >= 1, got ${o.durationSec}`);
  if (!(Number.isInteger(o.connections) && o.connections >= 1))
    throw new RangeError(`wrk: connections must be a whole number >= 1, got ${o.connections}`);
  return ['-t', '1', '-c', String(o.connections), '-d', `${o.durationSec}s`, '--timeout', '5s', '-s', WRK_SCRIPT, o.url];
}

interface WrkJson {
  duration_us: number;
  requests: number;
  bytes: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latency_us: { min: number; mean: number; max: number; p50: number; p90: number; p99: number; p999: number };
}

/**
 * Turn wrk's stdout (its own text, then the WRK_RESULT line of bench/wrk-report.lua) into a
 * LoadResult. Throws naming what is wrong: no result line, bad JSON, a missing or negative count.
 * Latency figures are NaN when no response arrived (wrk then reports 0) or the script wrote null.
 */
export function parseWrkOutput(text: string): LoadResult {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(MARKER))
    .at(-1);
  if (line === undefined) throw new Error(`wrk: no "${MARKER.trim()}" line on stdout (was it run with -s bench/wrk-report.lua?)`);
  let j: Partial<WrkJson>;
  try {
    j = JSON.parse(line.slice(MARKER.length)) as Partial<WrkJson>;
  } catch (err) {
    throw new Error(`wrk: ${MARKER.trim()} line is not JSON: ${(err as Error).message}`);
  }
  if (typeof j !== 'object' || j === null) throw new Error(`wrk: ${MARKER.trim()} is not a JSON object`);
  const count = (v: unknown, key: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new Error(`wrk result: ${key} missing or not a count >= 0 (got ${JSON.stringify(v)})`);
    return v;
  };
  const durationUs = count(j.duration_us, 'duration_us');
  if (durationUs === 0) throw new Error('wrk result: duration_us is 0');
  const requests = count(j.requests, 'requests');
  // with no response wrk reports latency 0 (and min 2^64): no figure, not a fast one
  const latMs = (v: unknown, key: string): number => {
    if (v === null || requests === 0) return Number.NaN;
    return count(v, `latency_us.${key}`) / 1000;
  };
  const status = count(j.errors?.status, 'errors.status');
  if (status > requests) throw new Error(`wrk result: errors.status (${status}) exceeds requests (${requests})`);
  const ok = requests - status;
  const lat = j.latency_us;
  return {
    durationSec: durationUs / 1e6,
    requests,
    ok,
    non2xx: status,
    errors: count(j.errors?.connect, 'errors.connect') + count(j.errors?.read, 'errors.read') + count(j.errors?.write, 'errors.write'),
    timeouts: count(j.errors?.timeout, 'errors.timeout'),
    rps: ok / (durationUs / 1e6),
    p50Ms: latMs(lat?.p50, 'p50'),
    p90Ms: latMs(lat?.p90, 'p90'),
    p99Ms: latMs(lat?.p99, 'p99'),
    maxMs: latMs(lat?.max, 'max'),
    meanMs: latMs(lat?.mean, 'mean'),
  };
}

/** Run wrk against url for durationSec, pinned to cpus; bounded at durationSec + 30 s. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const wrk = findWrk();
  if (wrk === undefined) throw new Error(wrkMissingMessage());
  const child = startProcess({ name: 'wrk', command: wrk, args: wrkArgs(o), cpus: o.cpus, keepStdout: true });
  const limitMs = (o.durationSec + 30) * 1000;
  const timer = setTimeout(() => {
    void child.stop(1000);
  }, limitMs);
  const started = Date.now();
  let ticks = Number.NaN,
    ticksAt = started;
  const sampler = setInterval(() => {
    try {
      ticks = readCpuTicks(child.pid);
      ticksAt = Date.now();
    } catch {
      /* exited */
    }
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.child.once('close', (c: number | null) => resolve(c)));
  clearInterval(sampler);
  clearTimeout(timer);
  // give readline a tick to deliver the last line
  await new Promise((r) => setImmediate(r));
  const out = child.lines.join('\n');
  // wrk exits 1 when it cannot connect at all; its message is on stdout
  if (code !== 0)
    throw new Error(`wrk exited with ${String(code)} (bounded at ${limitMs} ms): ${`${out}\n${child.stderrTail()}`.trim().slice(-600)}`);
  const loadgenCpuPct = (ticks / clockTicksPerSecond() / ((ticksAt - started) / 1000)) * 100;
  return { ...parseWrkOutput(out), loadgenCpuPct };
}

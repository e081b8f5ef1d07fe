// The benchmark scenarios. Each starts its own processes (server under test pinned to one CPU,
// load generator (wrk) and helpers to the other), measures, stops everything, returns raw figures.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FLUSH_TIMEOUT_MS, SHUTDOWN_MARGIN_MS } from '../services/shared/src/budgets.ts';
import { freePort } from '../test/support/ports.ts';
import { type Child, sampleRss, startProcess, waitHttp, waitListening } from './child.ts';
import type { SinkStats } from './otlp-sink.ts';
import { type PacedResult, runPaced } from './paced-load.ts';
import { parsePingLines, sumCounter } from './pinger-log.ts';
import { clockTicksPerSecond, readCpuTicks, readMemory } from './procfs.ts';
import type { Settings } from './settings.ts';
import {
  cpuPercent,
  type Lateness,
  type RssSample,
  type RssSummary,
  type ScheduleStats,
  scheduleStats,
  summarizeRss,
  tickLateness,
} from './stats.ts';
import { type LoadResult, runLoad } from './wrk.ts';

const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
// The services as the image runs them: compiled to dist/ (buildServices), not type-stripped .ts,
// which costs about 28 MB of RSS for the stripper alone.
export const PONGER_MAIN = here('../dist/ponger/src/main.js');
/** `tsc -p tsconfig.build.json` (npm run build): dist/ as the Dockerfile builds it. */
export function buildServices(): void {
  const tsc = here('../node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', here('../tsconfig.build.json')], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0)
    throw new Error(`building the services (tsc -p tsconfig.build.json) failed: ${(r.stdout + r.stderr).trim().slice(0, 500)}`);
}
export const PINGER_MAIN = here('../dist/pinger/src/main.js');
const BARE = here('./bare-server.ts');
const SINK = here('./otlp-sink.ts');

export type Tracing = 'off' | 'always_on' | 'ratio10';

/**
 * Shutdown settings for the services under test: no drain (nothing routes to them), and a deadline
 * the config accepts while spans are exported, at least drain + telemetry flush + margin
 * (services/shared/src/common-keys.ts checkCommon), plus 500 ms: 4000 ms today.
 */
const SHUTDOWN_ENV = {
  SHUTDOWN_DRAIN_MS: '0',
  SHUTDOWN_TIMEOUT_MS: String(FLUSH_TIMEOUT_MS + SHUTDOWN_MARGIN_MS + 500),
} as const;
/** SIGTERM grace before SIGKILL: the services' own deadline plus a second. */
const STOP_GRACE_MS = Number(SHUTDOWN_ENV.SHUTDOWN_TIMEOUT_MS) + 1000;

export interface ThroughputResult {
  readonly label: string;
  readonly tracing: Tracing | 'bare';
  /** NODE_OPTIONS of the server under test ('' = none) */
  readonly nodeOptions: string;
  readonly load: LoadResult;
  readonly peakRssMb: number;
  /** server CPU during the measured run: % of one core, and CPU time per answered request (µs) */
  readonly cpuPct: number;
  readonly cpuUsPerRequest: number;
  readonly sink?: SinkStats | undefined;
  /** every response the server gave in this scenario (warm-up, measured and half-rate runs) */
  readonly served: number;
  /**
   * Latency at half the measured max rate (only for the full-tracing run), evenly paced
   * (bench/paced-load.ts), with the server's CPU over that run.
   */
  /** req/s of every round when the scenario ran more than once (this result is the median one) */
  readonly roundsRps?: readonly number[] | undefined;
  readonly half?:
    | { readonly rate: number; readonly paced: PacedResult; readonly cpuPct: number; readonly cpuUsPerRequest: number }
    | undefined;
}

const mb = (kb: number): number => kb / 1024;
const answered = (l: LoadResult): number => l.ok + l.non2xx;

function serverCpu(ticks: number, wallMs: number, requests: number): { cpuPct: number; cpuUsPerRequest: number } {
  const hz = clockTicksPerSecond();
  return { cpuPct: cpuPercent(ticks, hz, wallMs), cpuUsPerRequest: requests > 0 ? ((ticks / hz) * 1e6) / requests : Number.NaN };
}

/** Poll the sink until its span count has not moved for 1.5 s (the batch processor exports every 5 s), at most maxMs. */
async function settled(stats: () => Promise<SinkStats>, maxMs: number): Promise<SinkStats> {
  const deadline = Date.now() + maxMs;
  let last = await stats();
  let stableSince = Date.now();
  while (Date.now() < deadline && Date.now() - stableSince < 1500) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await stats();
    if (now.spans !== last.spans) stableSince = Date.now();
    last = now;
  }
  return last;
}

async function withChildren<T>(fn: (started: Child[]) => Promise<T>): Promise<T> {
  const started: Child[] = [];
  try {
    return await fn(started);
  } finally {
    for (const c of started.reverse()) await c.stop(STOP_GRACE_MS);
  }
}

async function startSinkProcess(s: Settings, started: Child[]): Promise<{ port: number; stats(): Promise<SinkStats> }> {
  const sink = startProcess({ name: 'otlp-sink', args: [SINK], env: { PORT: '0' }, cpus: s.loadCpu, keepStdout: true });
  started.push(sink);
  const port = await waitListening(sink);
  return {
    port,
    stats: async () => (await (await fetch(`http://127.0.0.1:${port}/stats`)).json()) as SinkStats,
  };
}

function tracingEnv(tracing: Tracing, sinkPort: number | undefined): Record<string, string> {
  if (tracing === 'off') return { OTEL_SDK_DISABLED: 'true' };
  const env: Record<string, string> = {
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${String(sinkPort)}`,
    OTEL_TRACES_SAMPLER: tracing === 'always_on' ? 'always_on' : 'parentbased_traceidratio',
  };
  if (tracing === 'ratio10') env['OTEL_TRACES_SAMPLER_ARG'] = '0.1';
  return env;
}

/** Start ponger (the real main) with the given tracing mode; resolves once /readyz and /ping answer. */
export async function startPonger(
  started: Child[],
  tracing: Tracing,
  cpus: string | undefined,
  node: {
    /** Node command-line flags before main.js (Settings.nodeFlags.ponger: the image's) */
    flags: readonly string[];
    /** NODE_OPTIONS (undefined: none) */
    options?: string | undefined;
  },
  sinkPort?: number,
): Promise<{ child: Child; url: string; admin: string }> {
  const port = await freePort();
  const metricsPort = await freePort();
  const child = startProcess({
    name: 'ponger',
    args: [...node.flags, PONGER_MAIN],
    cpus,
    nodeOptions: node.options,
    env: {
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      HOST: '127.0.0.1',
      ...SHUTDOWN_ENV,
      ...tracingEnv(tracing, sinkPort),
    },
  });
  started.push(child);
  const admin = `http://127.0.0.1:${metricsPort}`;
  const url = `http://127.0.0.1:${port}/ping`;
  await waitHttp(child, `${admin}/readyz`);
  await waitHttp(child, url);
  return { child, url, admin };
}

/** Throughput and latency at fixed concurrency for one server variant (a..d). */
export async function throughput(
  s: Settings,
  variant: 'bare' | Tracing,
  label: string,
  nodeOptions: string,
  withHalfRate = false,
): Promise<ThroughputResult> {
  return withChildren(async (started) => {
    let url: string;
    let server: Child;
    let sink: { port: number; stats(): Promise<SinkStats> } | undefined;
    if (variant === 'bare') {
      server = startProcess({ name: 'bare-server', args: [BARE], env: { PORT: '0' }, cpus: s.serverCpu, keepStdout: true, nodeOptions });
      started.push(server);
      url = `http://127.0.0.1:${await waitListening(server)}/ping`;
    } else {
      if (variant !== 'off') sink = await startSinkProcess(s, started);
      const p = await startPonger(started, variant, s.serverCpu, { flags: s.nodeFlags.ponger, options: nodeOptions }, sink?.port);
      server = p.child;
      url = p.url;
    }
    const common = { url, connections: s.connections, cpus: s.loadCpu };
    const warm = await runLoad({ ...common, durationSec: s.warmupSec });
    const ticks0 = readCpuTicks(server.pid);
    const t0 = Date.now();
    const load = await runLoad({ ...common, durationSec: s.measureSec });
    const cpu = serverCpu(readCpuTicks(server.pid) - ticks0, Date.now() - t0, answered(load));
    let served = answered(warm) + answered(load);
    const peakRssMb = mb(readMemory(server.pid).hwmKb);
    let half: ThroughputResult['half'];
    if (withHalfRate) {
      const rate = Math.max(1, Math.floor(load.rps / 2));
      const pTicks0 = readCpuTicks(server.pid);
      const pt0 = Date.now();
      const paced = await runPaced({ ...common, rate, durationSec: s.measureSec });
      half = { rate, paced, ...serverCpu(readCpuTicks(server.pid) - pTicks0, Date.now() - pt0, paced.ok + paced.failed) };
      served += paced.ok + paced.failed;
    }
    const sinkStats = sink ? await settled(sink.stats, s.quick ? 3000 : 8000) : undefined;
    return { label, tracing: variant, nodeOptions, load, peakRssMb, ...cpu, sink: sinkStats, served, half };
  });
}

export interface SustainedResult {
  readonly label: string;
  readonly tracing: Tracing;
  readonly nodeOptions: string;
  readonly durationSec: number;
  readonly cpuPct: number;
  readonly cpuUsPerRequest: number;
  readonly load: LoadResult;
  readonly rss: RssSummary;
  readonly peakRssMb: number;
  readonly samples: RssSample[];
}

/** Ponger (full tracing, or tracing off) under load for sustainedSec, RSS sampled each second. */
export async function sustained(s: Settings, tracing: 'always_on' | 'off', label: string, nodeOptions: string): Promise<SustainedResult> {
  return withChildren(async (started) => {
    const sink = tracing === 'off' ? undefined : await startSinkProcess(s, started);
    const p = await startPonger(started, tracing, s.serverCpu, { flags: s.nodeFlags.ponger, options: nodeOptions }, sink?.port);
    const sampler = sampleRss(p.child.pid, 1000);
    const ticks0 = readCpuTicks(p.child.pid);
    const t0 = Date.now();
    const load = await runLoad({ url: p.url, connections: s.connections, cpus: s.loadCpu, durationSec: s.sustainedSec });
    const cpu = serverCpu(readCpuTicks(p.child.pid) - ticks0, Date.now() - t0, answered(load));
    const samples = sampler.stop();
    return {
      label,
      tracing,
      nodeOptions,
      durationSec: s.sustainedSec,
      ...cpu,
      load,
      rss: summarizeRss(samples),
      peakRssMb: mb(readMemory(p.child.pid).hwmKb),
      samples,
    };
  });
}

export interface PingerResult {
  readonly durationSec: number;
  readonly intervalMs: number;
  readonly tickSource: string;
  readonly schedule: ScheduleStats;
  /** lateness against k * interval, when the log lines carry the tick number */
  readonly lateness?: Lateness | undefined;
  readonly outcomes: Record<string, number>;
  /** pinger_requests_total (skipped ticks left out) delta over the window vs window / interval */
  readonly metricsCount: number;
  readonly metricsExpected: number;
  readonly metricsDriftPct: number;
  readonly cpuPct: number;
  /** pinger CPU time per ping done (metricsCount), µs */
  readonly cpuUsPerPing: number;
  /** NODE_OPTIONS of the pinger ('' = none) */
  readonly nodeOptions: string;
  readonly rss: RssSummary;
  readonly peakRssMb: number;
}

async function scrapeTotal(admin: string): Promise<number> {
  const res = await fetch(`${admin}/metrics`);
  return sumCounter(await res.text(), 'pinger_requests', 'outcome="skipped"');
}

/** The pinger at a 100 ms interval against a real ponger for pingerSec. */
export async function pinger(s: Settings, nodeOptions: string): Promise<PingerResult> {
  return withChildren(async (started) => {
    const sink = await startSinkProcess(s, started);
    const ponger = await startPonger(started, 'off', s.loadCpu, { flags: s.nodeFlags.ponger });
    const metricsPort = await freePort();
    const child = startProcess({
      name: 'pinger',
      args: [...s.nodeFlags.pinger, PINGER_MAIN],
      cpus: s.serverCpu,
      keepStdout: true,
      nodeOptions,
      env: {
        PONGER_URL: ponger.url.replace(/\/ping$/, ''),
        PING_INTERVAL_MS: String(s.pingerIntervalMs),
        METRICS_PORT: String(metricsPort),
        HOST: '127.0.0.1',
        ...SHUTDOWN_ENV,
        ...tracingEnv('always_on', sink.port),
      },
    });
    started.push(child);
    const admin = `http://127.0.0.1:${metricsPort}`;
    await waitHttp(child, `${admin}/readyz`);
    const t0 = Date.now();
    const ticks0 = readCpuTicks(child.pid);
    const total0 = await scrapeTotal(admin);
    const sampler = sampleRss(child.pid, 1000);
    await new Promise((r) => setTimeout(r, s.pingerSec * 1000));
    const ticks1 = readCpuTicks(child.pid);
    const total1 = await scrapeTotal(admin);
    const wallMs = Date.now() - t0;
    const samples = sampler.stop();
    const peakRssMb = mb(readMemory(child.pid).hwmKb);
    const log = parsePingLines(child.lines, t0, t0 + wallMs);
    const metricsExpected = wallMs / s.pingerIntervalMs;
    const metricsCount = total1 - total0;
    return {
      durationSec: wallMs / 1000,
      intervalMs: s.pingerIntervalMs,
      tickSource: log.source,
      schedule: scheduleStats(log.tickStartsMs, s.pingerIntervalMs),
      lateness: log.numbered.length > 0 ? tickLateness(log.numbered, s.pingerIntervalMs) : undefined,
      outcomes: log.outcomes,
      metricsCount,
      metricsExpected,
      metricsDriftPct: ((metricsExpected - metricsCount) / metricsExpected) * 100,
      cpuPct: cpuPercent(ticks1 - ticks0, clockTicksPerSecond(), wallMs),
      cpuUsPerPing: metricsCount > 0 ? (((ticks1 - ticks0) / clockTicksPerSecond()) * 1e6) / metricsCount : Number.NaN,
      nodeOptions,
      rss: summarizeRss(samples),
      peakRssMb,
    };
  });
}

// `npm run bench:alternating`: what tracing costs ponger per request over real loopback sockets,
// with the untraced and the traced path measured in the SAME process (bench/alternating-server.ts
// switches between them every 200 ms under one wrk run). On this VM one process of a build can
// run 20% slower than the next (BENCHMARKS.md); `npm run bench` compares separate processes, so
// which speed each lands on moves its ratio by more than the 10% target's margin. Here that swing
// is common to both phases. It does not replace `npm run bench` (whose ratios the targets are):
// the untraced phase runs with the SDK loaded, and work that outlives its phase (span export,
// GC of traced garbage) may be counted in the other phase.
// Per sampling mode (ratio 0, 10%, 100%) and round: a fresh server pinned to CPU 1, wrk on CPU 0
// for a warm-up, then the measured run. ALT_ROUNDS (default 3), ALT_SECONDS (default 15),
// BENCH_QUICK=1 (1 round of 2 s); raw figures to BENCH_OUT (default bench/results/alternating.json,
// bench/results/local/alternating.json for a quick run). Needs wrk (Debian package `wrk`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitedCleanly, figure, figures, hasTaskset, resultLine, startProcess, waitListening } from './child.ts';
import { wholeNumber } from './env.ts';
import { MODES } from './in-process.ts';
import { imageNodeFlags, manifestNodeOptions, resultsFile, WRK_CONNECTIONS } from './settings.ts';
import { percentile } from './stats.ts';
import { findWrk, type LoadResult, runLoad, wrkMissingMessage } from './wrk.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const SERVER = here('./alternating-server.ts');
const SINK = here('./otlp-sink.ts');

export const TRACED_MODES = ['ratio 0', '10%', '100%'] as const;
export type TracedMode = (typeof TRACED_MODES)[number];

export interface Phase {
  requests: number;
  /** CPU time (user + system) of the process during this phase's intervals, µs */
  cpuUs: number;
}
export interface ServerResult {
  untraced: Phase;
  traced: Phase;
  /** requests served traced since the start, warm-up included (each one a span at 100%) */
  tracedTotal: number;
  /** spans the batch processor finished with: sent, dropped with its queue full, lost in a failed export */
  spans: { exported: number; dropped: number; failed: number };
}

/** The server's ALTERNATING_RESULT line, checked; throws naming what is wrong. */
export function parseServerResult(lines: readonly string[]): ServerResult {
  const marker = 'ALTERNATING_RESULT';
  const r = resultLine(lines, marker, 'server');
  const phase = (name: 'untraced' | 'traced'): Phase => {
    const p = (r[name] ?? {}) as Record<string, unknown>;
    const requests = figure(marker, p['requests'], `${name}.requests`);
    if (requests === 0) throw new Error(`${marker}: no request was served ${name}`);
    return { requests, cpuUs: figure(marker, p['cpuUs'], `${name}.cpuUs`) };
  };
  const spans = figures(marker, (r['spans'] ?? {}) as Record<string, unknown>, ['exported', 'dropped', 'failed'], 'spans.');
  return {
    untraced: phase('untraced'),
    traced: phase('traced'),
    tracedTotal: figure(marker, r['tracedTotal'], 'tracedTotal'),
    spans,
  };
}

export interface Round {
  untracedUs: number;
  tracedUs: number;
  /** untraced / traced CPU per request: the share of untraced throughput tracing keeps */
  keeps: number;
  requests: number;
}

export function roundOf(r: ServerResult): Round {
  const untracedUs = r.untraced.cpuUs / r.untraced.requests;
  const tracedUs = r.traced.cpuUs / r.traced.requests;
  return { untracedUs, tracedUs, keeps: untracedUs / tracedUs, requests: r.untraced.requests + r.traced.requests };
}

/** The medians of a mode's rounds, and each round's share kept. */
export function summarizeRounds(rounds: readonly Round[]): string {
  const med = (f: (r: Round) => number): number => percentile(rounds.map(f), 50);
  const each = rounds.map((r) => `${(100 * r.keeps).toFixed(1)}%`).join(' / ');
  return `untraced ${med((r) => r.untracedUs).toFixed(1)} µs/request, traced ${med((r) => r.tracedUs).toFixed(1)} µs/request: traced keeps ${(100 * med((r) => r.keeps)).toFixed(1)}% (rounds ${each})`;
}

/** One line per mode: the mode, then its summary. */
export function formatModeLine(mode: TracedMode, rounds: readonly Round[]): string {
  return `${mode.padEnd(7)} ${summarizeRounds(rounds)}`;
}

/** How each round runs: durations, the server's Node flags, and the CPUs of server and load. */
export interface RoundSettings {
  /** wrk's connections */
  connections: number;
  warmupSec: number;
  measureSec: number;
  nodeOptions: string;
  flags: readonly string[];
  serverCpu: string | undefined;
  loadCpu: string | undefined;
}

export interface MeasureOptions extends RoundSettings {
  mode: TracedMode;
  sinkPort: number;
}

/** One round of one mode: a fresh server, a warm-up, the measured wrk run, the server's figures. */
export async function measure(o: MeasureOptions): Promise<{ server: ServerResult; load: LoadResult }> {
  const server = startProcess({
    name: `alternating server (${o.mode})`,
    args: [...o.flags, SERVER],
    cpus: o.serverCpu,
    keepStdout: true,
    nodeOptions: o.nodeOptions,
    env: { ...MODES[o.mode], OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${String(o.sinkPort)}` },
  });
  try {
    const url = `http://127.0.0.1:${String(await waitListening(server))}/ping`;
    await runLoad({ url, connections: o.connections, durationSec: o.warmupSec, cpus: o.loadCpu });
    server.child.kill('SIGUSR2');
    const load = await runLoad({ url, connections: o.connections, durationSec: o.measureSec, cpus: o.loadCpu });
    if (load.non2xx > 0 || load.errors > 0)
      throw new Error(`${server.name}: ${String(load.non2xx)} non-2xx answers, ${String(load.errors)} socket errors`);
    server.child.kill('SIGTERM');
    await exitedCleanly(server, 10_000);
    return { server: parseServerResult(server.lines), load };
  } finally {
    await server.stop(1000);
  }
}

export interface AlternatingRun extends RoundSettings {
  rounds: number;
}

/** `rounds` rounds of each mode, interleaved, against one span sink (on loadCpu); each round's figures. */
export async function runAlternating<M extends TracedMode>(
  modes: readonly M[],
  o: AlternatingRun,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<Record<M, Round[]>> {
  const sink = startProcess({ name: 'otlp-sink', args: [SINK], env: { PORT: '0' }, cpus: o.loadCpu, keepStdout: true });
  const results = Object.fromEntries(modes.map((m) => [m, [] as Round[]])) as Record<M, Round[]>;
  try {
    const sinkPort = await waitListening(sink);
    for (let round = 1; round <= o.rounds; round++) {
      for (const mode of modes) {
        const r = roundOf((await measure({ ...o, mode, sinkPort })).server);
        log(
          `alternating: round ${String(round)}, ${mode}: untraced ${r.untracedUs.toFixed(1)}, traced ${r.tracedUs.toFixed(1)} µs/request (${String(r.requests)} requests)`,
        );
        results[mode].push(r);
      }
    }
  } finally {
    await sink.stop(1000);
  }
  return results;
}

async function main(): Promise<void> {
  if (findWrk() === undefined) throw new Error(wrkMissingMessage());
  const quick = process.env['BENCH_QUICK'] === '1';
  const pin = availableParallelism() >= 2 && hasTaskset();
  const run: AlternatingRun = {
    connections: WRK_CONNECTIONS,
    rounds: wholeNumber('ALT_ROUNDS', process.env['ALT_ROUNDS'], quick ? 1 : 3, 1, 9),
    warmupSec: quick ? 1 : 3,
    measureSec: wholeNumber('ALT_SECONDS', process.env['ALT_SECONDS'], quick ? 2 : 15, 1, 600),
    nodeOptions: manifestNodeOptions('ponger'),
    flags: imageNodeFlags('ponger'),
    serverCpu: pin ? '1' : undefined,
    loadCpu: pin ? '0' : undefined,
  };
  const results = await runAlternating(TRACED_MODES, run);
  const out = process.env['BENCH_OUT'] ?? here(`../${resultsFile('alternating.json', quick)}`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ pinned: pin, ...run, results }, null, 2)}\n`);
  console.log(
    `ponger over loopback, untraced and traced alternating every 200 ms in one process; wrk, ${String(run.connections)} connections, ${String(run.measureSec)} s; ${String(run.rounds)} round(s); NODE_OPTIONS ${run.nodeOptions}; flags ${run.flags.join(' ') || 'none'}`,
  );
  for (const mode of TRACED_MODES) console.log(formatModeLine(mode, results[mode]));
}

if (import.meta.main) await main();

// `npm run bench:in-process`: ponger's CPU per request in one process, without sockets
// (bench/in-process-worker.ts), by tracing mode (off, sampler ratio 0, 10%, 100%) and by the Node
// command-line flags (the image's ENTRYPOINT flags, and none), in interleaved rounds; prints the
// median of each and the ratios to untraced. No kernel loopback work and no load generator share
// the figure, so it moves a few percent between runs where the socket benchmark moves 20-50%
// (BENCHMARKS.md, ADR/0015). It overstates the exporter's cost: its few HTTP client requests are
// the only real sockets in the process, which makes node:http's shared functions polymorphic for
// every request (BENCHMARKS.md, Method); judge exporter changes over sockets (`npm run bench`).
// The worker runs on CPU 1 and the OTLP sink on CPU 0 when taskset can
// pin them. IN_PROCESS_REQUESTS (default 100000), IN_PROCESS_ROUNDS (default 3), BENCH_QUICK=1
// (2000 requests, 1 round); the raw figures go to BENCH_OUT (default bench/results/in-process.json,
// bench/results/local/in-process.json for a quick run).
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, exitedCleanly, figures, hasTaskset, resultLine, startProcess, waitListening } from './child.ts';
import { wholeNumber } from './env.ts';
import { imageNodeFlags, manifestNodeOptions, resultsFile } from './settings.ts';
import { percentile } from './stats.ts';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const WORKER = here('./in-process-worker.ts');
const SINK = here('./otlp-sink.ts');

export const MODES = {
  off: { OTEL_SDK_DISABLED: 'true' },
  'ratio 0': { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
  '10%': { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
  '100%': { OTEL_TRACES_SAMPLER: 'always_on' },
} as const satisfies Record<string, Record<string, string>>;
export type Mode = keyof typeof MODES;

export interface WorkerResult {
  requests: number;
  cpuUsPerRequest: number;
  spansPerRequest: number;
}

/** The worker's IN_PROCESS_RESULT line, checked; throws naming what is wrong. */
export function parseWorkerResult(lines: readonly string[]): WorkerResult {
  return figures('IN_PROCESS_RESULT', resultLine(lines, 'IN_PROCESS_RESULT', 'worker'), ['requests', 'cpuUsPerRequest', 'spansPerRequest']);
}

export interface Variant {
  label: string;
  flags: readonly string[];
}

export interface Row {
  variant: string;
  mode: Mode;
  /** CPU µs per request of each round */
  rounds: number[];
  median: number;
  spansPerRequest: number;
}

/** One line per variant and mode: the median, the rounds, spans per request and the ratio to untraced. */
export function formatRows(rows: readonly Row[]): string[] {
  const width = Math.max(0, ...rows.map((r) => r.variant.length));
  return rows.map((r) => {
    const off = rows.find((x) => x.variant === r.variant && x.mode === 'off')?.median;
    const vsOff =
      r.mode === 'off' || off === undefined
        ? ''
        : `; ${(r.median / off).toFixed(2)}x untraced (keeps ${((100 * off) / r.median).toFixed(0)}%)`;
    const rounds = r.rounds.map((x) => x.toFixed(1)).join(' / ');
    return `${r.variant.padEnd(width)} ${r.mode.padEnd(8)} ${r.median.toFixed(1).padStart(6)} µs/request (rounds ${rounds}); ${r.spansPerRequest.toFixed(2)} spans/request${vsOff}`;
  });
}

interface Run {
  sinkPort: number;
  requests: number;
  /** the manifest's NODE_OPTIONS, read once */
  nodeOptions: string;
  cpus: string | undefined;
}

async function runWorker(v: Variant, mode: Mode, { sinkPort, requests, nodeOptions, cpus }: Run): Promise<WorkerResult> {
  const child: Child = startProcess({
    name: `in-process worker (${v.label}, ${mode})`,
    args: [...v.flags, WORKER],
    cpus,
    keepStdout: true,
    nodeOptions,
    env: { ...MODES[mode], OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${String(sinkPort)}`, IN_PROCESS_REQUESTS: String(requests) },
  });
  await exitedCleanly(child, 120_000);
  return parseWorkerResult(child.lines);
}

async function main(): Promise<void> {
  const quick = process.env['BENCH_QUICK'] === '1';
  const requests = wholeNumber('IN_PROCESS_REQUESTS', process.env['IN_PROCESS_REQUESTS'], quick ? 2000 : 100_000);
  const rounds = wholeNumber('IN_PROCESS_ROUNDS', process.env['IN_PROCESS_ROUNDS'], quick ? 1 : 3, 1, 9);
  const pin = availableParallelism() >= 2 && hasTaskset();
  const nodeOptions = manifestNodeOptions('ponger');
  const image = imageNodeFlags('ponger');
  const variants: Variant[] = [{ label: `image flags (${image.join(' ') || 'none'})`, flags: image }];
  if (image.length > 0) variants.push({ label: 'no command-line flags', flags: [] });
  // one cell per variant and mode, each run once per round, interleaved
  const cells = variants.flatMap((v) => (Object.keys(MODES) as Mode[]).map((mode) => ({ v, mode, results: [] as WorkerResult[] })));
  const sink = startProcess({ name: 'otlp-sink', args: [SINK], env: { PORT: '0' }, cpus: pin ? '0' : undefined, keepStdout: true });
  try {
    const run: Run = { sinkPort: await waitListening(sink), requests, nodeOptions, cpus: pin ? '1' : undefined };
    for (let round = 1; round <= rounds; round++) {
      for (const { v, mode, results } of cells) {
        const r = await runWorker(v, mode, run);
        process.stderr.write(`in-process: round ${String(round)}, ${v.label}, ${mode}: ${r.cpuUsPerRequest.toFixed(1)} µs/request\n`);
        results.push(r);
      }
    }
  } finally {
    await sink.stop(1000);
  }
  const rows: Row[] = cells.map(({ v, mode, results }) => {
    const us = results.map((r) => r.cpuUsPerRequest);
    return {
      variant: v.label,
      mode,
      rounds: us,
      median: percentile(us, 50),
      spansPerRequest: results.at(-1)?.spansPerRequest ?? Number.NaN,
    };
  });
  const out = process.env['BENCH_OUT'] ?? here(`../${resultsFile('in-process.json', quick)}`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ requests, rounds, pinned: pin, nodeOptions, rows }, null, 2)}\n`);
  console.log(
    `ponger in one process, no sockets: ${String(requests)} GET /ping per run, ${String(rounds)} interleaved round(s), ${pin ? 'worker on CPU 1, sink on CPU 0' : 'unpinned'}; NODE_OPTIONS ${nodeOptions}`,
  );
  for (const line of formatRows(rows)) console.log(line);
}

if (import.meta.main) await main();

// `npm run bench`: runs every scenario once, prints ONE table, writes the raw figures as JSON.
// BENCH_QUICK=1 shortens every phase to seconds; BENCH_ONLY=bare,ponger-full,... picks scenarios;
// BENCH_OUT=path changes the JSON file (default bench/results/latest.json).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { evaluate, markdownTable, type Results } from './report.ts';
import { pinger, sustained, throughput } from './scenarios.ts';
import { readSettings, type ScenarioName, type Settings } from './settings.ts';

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

export interface RunOutput {
  readonly meta: Record<string, unknown>;
  readonly results: Results;
  readonly errors: Partial<Record<ScenarioName, string>>;
  readonly table: string;
}

export async function runBench(s: Settings, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<RunOutput> {
  const results: { -readonly [K in keyof Results]: Results[K] } = {};
  const errors: Partial<Record<ScenarioName, string>> = {};
  const step = async (name: ScenarioName, fn: () => Promise<void>): Promise<void> => {
    if (!s.only.has(name)) return;
    const t0 = Date.now();
    log(`bench: ${name} ...`);
    try {
      await fn();
      log(`bench: ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } catch (err) {
      errors[name] = (err as Error).message;
      log(`bench: ${name} FAILED: ${(err as Error).message}`);
    }
  };
  const started = new Date();
  const loadBefore = loadavg();
  await step('bare', async () => { results.bare = await throughput(s, 'bare', '(a) bare node:http server'); });
  await step('ponger-notel', async () => { results.notel = await throughput(s, 'off', '(b) ponger, tracing off (OTEL_SDK_DISABLED=true), metrics on'); });
  await step('ponger-full', async () => { results.full = await throughput(s, 'always_on', '(c) ponger, metrics + tracing, always_on, OTLP to sink', true); });
  await step('ponger-10pct', async () => { results.ratio10 = await throughput(s, 'ratio10', '(d) ponger, metrics + tracing, parentbased_traceidratio 0.1'); });
  await step('sustained', async () => { results.sustained = await sustained(s); });
  await step('pinger', async () => { results.pinger = await pinger(s); });
  const { rows, targets } = evaluate(results);
  const meta = {
    started: started.toISOString(),
    finished: new Date().toISOString(),
    node: process.version,
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    memTotalMb: Math.round(totalmem() / 2 ** 20),
    /** 1/5/15-minute load averages: other work on the machine skews every figure */
    loadavgBefore: loadBefore.map((x) => Number(x.toFixed(2))),
    loadavgAfter: loadavg().map((x) => Number(x.toFixed(2))),
    placement: s.serverCpu === undefined ? 'unpinned (no taskset or 1 CPU)' : `server under test on CPU ${s.serverCpu}; autocannon, OTLP sink and helpers on CPU ${s.loadCpu}`,
    settings: { ...s, only: [...s.only] },
  };
  return { meta, results, errors, table: markdownTable(rows) + (targets.length ? '' : '\n(no targets evaluated)') };
}

if (import.meta.main) {
  const s = readSettings();
  const out = await runBench(s);
  mkdirSync(dirname(s.outFile), { recursive: true });
  const { results, errors, meta } = out;
  writeFileSync(s.outFile, `${JSON.stringify({ meta, errors, results, targets: evaluate(results).targets }, null, 2)}\n`);
  process.stdout.write(`\n${String(meta['node'])} on ${String(meta['nproc'])} x ${String(meta['cpuModel'])}; ${String(meta['placement'])}\n`);
  process.stdout.write(`load average before ${JSON.stringify(meta['loadavgBefore'])}, after ${JSON.stringify(meta['loadavgAfter'])}\n`);
  process.stdout.write(`${s.quick ? 'QUICK smoke run (BENCH_QUICK=1): figures are not meaningful\n' : ''}\n${out.table}\n\nraw figures: ${s.outFile}\n`);
  for (const [name, msg] of Object.entries(errors)) process.stdout.write(`FAILED ${name}: ${msg}\n`);
  process.exitCode = Object.keys(errors).length > 0 ? 1 : 0;
}

// `npm run bench`: runs every scenario once, prints ONE table and the targets of issue 13 with
// PASS/MISS, writes the raw figures as JSON. BENCH_QUICK=1 shortens every phase to seconds;
// BENCH_ONLY=bare,ponger-full,... picks scenarios; BENCH_OUT=path changes the JSON file (default
// bench/results/latest.json, or the git-ignored bench/results/local/latest.json for a quick or
// BENCH_ONLY run); BENCH_NODE_OPTIONS / BENCH_NODE_OPTIONS_<SCENARIO> set the Node flags of the
// process under test; BENCH_WRK=path picks the wrk binary (default: wrk on PATH).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { runAlternating } from './alternating.ts';
import { evaluate, markdownTable, type Results, targetLines } from './report.ts';
import { buildServices, pinger, sustained, type ThroughputResult, throughput } from './scenarios.ts';
import { readSettings, SCENARIOS, type ScenarioName, type Settings, WRK_SCENARIOS } from './settings.ts';
import { findWrk, wrkMissingMessage } from './wrk.ts';

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** wrk's version line (`wrk -v` prints it and exits 1). */
function wrkVersion(path: string): string {
  const r = spawnSync(path, ['-v'], { encoding: 'utf8', timeout: 5000 });
  return (
    `${r.stdout ?? ''}${r.stderr ?? ''}`
      .split('\n')[0]
      ?.replace(/\s*Copyright.*$/, '')
      .trim() || 'unknown'
  );
}

export interface RunOutput {
  readonly meta: Record<string, unknown>;
  readonly results: Results;
  readonly errors: Partial<Record<ScenarioName, string>>;
  readonly table: string;
  /** one line per target: PASS/MISS/N/A, name, figures */
  readonly targets: string;
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
  const wrk = findWrk();
  if (wrk === undefined && WRK_SCENARIOS.some((n) => s.only.has(n))) throw new Error(wrkMissingMessage());
  if ([...s.only].some((n) => n !== 'bare')) buildServices();
  const o = s.nodeOptions;
  await step('bare', async () => {
    results.bare = await throughput(s, 'bare', '(a) bare node:http server', o.bare);
  });
  // (b), (c), (d) in interleaved rounds, so a noisy stretch of the machine hits all three alike;
  // each target reads the median round of each. The half-rate paced run goes with the last (c).
  const rounds: Record<'notel' | 'full' | 'ratio10', ThroughputResult[]> = { notel: [], full: [], ratio10: [] };
  for (let r = 1; r <= s.rounds; r++) {
    await step('ponger-notel', async () => {
      rounds.notel.push(await throughput(s, 'off', '(b) ponger, tracing off (OTEL_SDK_DISABLED=true), metrics on', o['ponger-notel']));
    });
    await step('ponger-full', async () => {
      rounds.full.push(
        await throughput(s, 'always_on', '(c) ponger, metrics + tracing, always_on, OTLP to sink', o['ponger-full'], r === s.rounds),
      );
    });
    await step('ponger-10pct', async () => {
      rounds.ratio10.push(await throughput(s, 'ratio10', '(d) ponger, metrics + tracing, parentbased_traceidratio 0.1', o['ponger-10pct']));
    });
  }
  results.notel = medianRound(rounds.notel);
  results.full = medianRound(rounds.full);
  results.ratio10 = medianRound(rounds.ratio10);
  // (d) against (b) once more, both in one process (bench/alternating.ts): the VM's
  // process-to-process swing, which moves (d)/(b) by more than its margin, is left out
  await step('ponger-10pct-one-process', async () => {
    const run = {
      connections: s.connections,
      rounds: s.rounds,
      warmupSec: s.warmupSec,
      measureSec: s.measureSec,
      flags: s.nodeFlags.ponger,
      nodeOptions: o['ponger-10pct-one-process'],
      serverCpu: s.serverCpu,
      loadCpu: s.loadCpu,
    };
    results.oneProcess10 = (await runAlternating(['10%'], run, log))['10%'];
  });
  await step('sustained', async () => {
    results.sustained = await sustained(s, 'always_on', '(e) ponger, full tracing', o.sustained);
  });
  await step('sustained-notel', async () => {
    results.sustainedNotel = await sustained(s, 'off', '(f) ponger, tracing off', o['sustained-notel']);
  });
  await step('pinger', async () => {
    results.pinger = await pinger(s, o.pinger);
  });
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
    placement:
      s.serverCpu === undefined
        ? 'unpinned (no taskset or 1 CPU)'
        : `server under test on CPU ${s.serverCpu}; wrk, OTLP sink and helpers on CPU ${s.loadCpu}`,
    loadGenerator:
      wrk === undefined ? 'none (no throughput scenario)' : `${wrkVersion(wrk)} (${wrk}), 1 thread, ${s.connections} connections`,
    /** NODE_OPTIONS of the process under test, per scenario run ('' = none) */
    nodeOptions: Object.fromEntries(SCENARIOS.filter((n) => s.only.has(n)).map((n) => [n, s.nodeOptions[n]])),
    /** Node command-line flags of ponger and pinger (their image's ENTRYPOINT, or BENCH_NODE_FLAGS) */
    nodeFlags: s.nodeFlags,
    /** the harness's own NODE_OPTIONS: never passed on to the processes it starts */
    harnessNodeOptions: process.env['NODE_OPTIONS'] ?? '',
    settings: { ...s, only: [...s.only] },
  };
  return { meta, results, errors, table: markdownTable(rows), targets: targetLines(targets) };
}

/** The round with the median req/s (the half-rate figures kept from whichever round had them). */
export function medianRound(runs: readonly ThroughputResult[]): ThroughputResult | undefined {
  if (runs.length === 0) return undefined;
  const sorted = [...runs].sort((a, b) => a.load.rps - b.load.rps);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)] as ThroughputResult;
  const half = runs.find((r) => r.half !== undefined)?.half;
  return { ...mid, half: mid.half ?? half, roundsRps: runs.length > 1 ? runs.map((r) => r.load.rps) : undefined };
}

function commandLineFlags(meta: RunOutput['meta']): string {
  const f = meta['nodeFlags'] as Settings['nodeFlags'];
  const show = (x: readonly string[]): string => (x.length > 0 ? x.join(' ') : '(none)');
  return f.ponger.join(' ') === f.pinger.join(' ') ? show(f.ponger) : `ponger: ${show(f.ponger)}; pinger: ${show(f.pinger)}`;
}

/** The report header: machine, placement, generator and the Node flags of each process under test. */
export function header(meta: RunOutput['meta'], quick: boolean): string {
  const opts = Object.entries(meta['nodeOptions'] as Record<string, string>);
  const same = new Set(opts.map(([, v]) => v)).size <= 1;
  const flagsLine = same
    ? `Node flags of the process under test: ${opts[0]?.[1] || '(none)'}`
    : `Node flags of the process under test: ${opts.map(([k, v]) => `${k}: ${v || '(none)'}`).join('; ')}`;
  const harness = meta['harnessNodeOptions']
    ? `\nNODE_OPTIONS of the harness (${String(meta['harnessNodeOptions'])}) is NOT passed on: use BENCH_NODE_OPTIONS`
    : '';
  return [
    `${String(meta['node'])} on ${String(meta['nproc'])} x ${String(meta['cpuModel'])}; ${String(meta['placement'])}`,
    `load generator: ${String(meta['loadGenerator'])}`,
    `${flagsLine}${harness}`,
    `Node command-line flags of ponger and pinger (services/Dockerfile ENTRYPOINT unless BENCH_NODE_FLAGS): ${commandLineFlags(meta)}`,
    `load average before ${JSON.stringify(meta['loadavgBefore'])}, after ${JSON.stringify(meta['loadavgAfter'])}`,
    ...(quick ? ['QUICK smoke run (BENCH_QUICK=1): figures are not meaningful'] : []),
  ].join('\n');
}

if (import.meta.main) {
  let s: Settings;
  let out: RunOutput;
  try {
    s = readSettings();
    out = await runBench(s);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(1);
  }
  mkdirSync(dirname(s.outFile), { recursive: true });
  const { results, errors, meta } = out;
  writeFileSync(s.outFile, `${JSON.stringify({ meta, errors, results, targets: evaluate(results).targets }, null, 2)}\n`);
  process.stdout.write(
    `\n${header(meta, s.quick)}\n\n${out.table}\n\nTargets (issue 13), one run:\n${out.targets}\n\nraw figures: ${s.outFile}\n`,
  );
  for (const [name, msg] of Object.entries(errors)) process.stdout.write(`FAILED ${name}: ${msg}\n`);
  process.exitCode = Object.keys(errors).length > 0 ? 1 : 0;
}

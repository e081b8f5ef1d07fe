// Benchmark durations and placement, from the environment (BENCH_QUICK=1 for a smoke run).
import { availableParallelism } from 'node:os';
import { hasTaskset } from './child.ts';

export const SCENARIOS = ['bare', 'ponger-notel', 'ponger-full', 'ponger-10pct', 'sustained', 'pinger'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Settings {
  readonly quick: boolean;
  readonly connections: number;
  readonly warmupSec: number;
  readonly measureSec: number;
  readonly sustainedSec: number;
  readonly pingerSec: number;
  readonly pingerIntervalMs: number;
  /** CPU for the process under test / for the load generator and helpers (undefined = unpinned) */
  readonly serverCpu: string | undefined;
  readonly loadCpu: string | undefined;
  readonly only: ReadonlySet<ScenarioName>;
  readonly outFile: string;
}

export function readSettings(env: Readonly<Record<string, string | undefined>> = process.env): Settings {
  const quick = env['BENCH_QUICK'] === '1';
  const onlyRaw = (env['BENCH_ONLY'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of onlyRaw) {
    if (!(SCENARIOS as readonly string[]).includes(s)) {
      throw new Error(`BENCH_ONLY: unknown scenario "${s}", expected a comma list of ${SCENARIOS.join(', ')}`);
    }
  }
  const pin = availableParallelism() >= 2 && hasTaskset();
  return {
    quick,
    connections: 32,
    warmupSec: quick ? 1 : 3,
    measureSec: quick ? 2 : 15,
    sustainedSec: quick ? 3 : 60,
    pingerSec: quick ? 3 : 60,
    pingerIntervalMs: 100,
    serverCpu: pin ? '1' : undefined,
    loadCpu: pin ? '0' : undefined,
    only: new Set((onlyRaw.length > 0 ? onlyRaw : SCENARIOS) as ScenarioName[]),
    outFile: env['BENCH_OUT'] ?? 'bench/results/latest.json',
  };
}

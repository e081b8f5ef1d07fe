// Benchmark durations, placement and the Node flags of each process under test, from the
// environment (BENCH_QUICK=1 for a smoke run).
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseAllDocuments } from 'yaml';
import { entrypointNodeFlags } from '../scripts/docker/dockerfile-check.ts';
import { hasTaskset } from './child.ts';
import { wholeNumber } from './env.ts';

export const SCENARIOS = [
  'bare',
  'ponger-notel',
  'ponger-full',
  'ponger-10pct',
  'ponger-10pct-one-process',
  'sustained',
  'sustained-notel',
  'pinger',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** Scenarios whose load comes from wrk (all but the pinger's, which makes its own). */
export const WRK_SCENARIOS: readonly ScenarioName[] = SCENARIOS.filter((n) => n !== 'pinger');

/** The env key that sets one scenario's Node flags: ponger-full -> BENCH_NODE_OPTIONS_PONGER_FULL. */
export const nodeOptionsKey = (n: ScenarioName): string => `BENCH_NODE_OPTIONS_${n.toUpperCase().replaceAll('-', '_')}`;

export interface Settings {
  readonly quick: boolean;
  readonly connections: number;
  readonly warmupSec: number;
  readonly measureSec: number;
  /** interleaved rounds of (b), (c), (d); each target reads the median round (BENCH_ROUNDS) */
  readonly rounds: number;
  readonly sustainedSec: number;
  readonly pingerSec: number;
  readonly pingerIntervalMs: number;
  /** CPU for the process under test / for the load generator and helpers (undefined = unpinned) */
  readonly serverCpu: string | undefined;
  readonly loadCpu: string | undefined;
  readonly only: ReadonlySet<ScenarioName>;
  readonly outFile: string;
  /**
   * NODE_OPTIONS for the process under test in each scenario (the server; the pinger in `pinger`):
   * BENCH_NODE_OPTIONS_<SCENARIO> if set, else BENCH_NODE_OPTIONS, else none. Helpers (sink, paced
   * generator) never get them, and the harness's own NODE_OPTIONS is not passed on.
   */
  readonly nodeOptions: Readonly<Record<ScenarioName, string>>;
  /**
   * Node command-line flags of ponger and pinger (before main.js): their images' ENTRYPOINT flags
   * (services/Dockerfile), or BENCH_NODE_FLAGS (whitespace-separated; empty for none) for an A/B run.
   */
  readonly nodeFlags: Readonly<Record<'ponger' | 'pinger', readonly string[]>>;
}

/** The Node flags of a service's image entrypoint, so the benchmark starts it as the container does. */
export function imageNodeFlags(service: 'ponger' | 'pinger', root = new URL('..', import.meta.url)): string[] {
  return entrypointNodeFlags(readFileSync(new URL('services/Dockerfile', root), 'utf8'), service);
}

/** BENCH_NODE_FLAGS: every word a --flag; undefined when unset. */
function readNodeFlags(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const flags = raw.split(/\s+/).filter((f) => f !== '');
  const bad = flags.find((f) => !f.startsWith('--'));
  if (bad !== undefined) throw new Error(`BENCH_NODE_FLAGS: expected Node flags (--...), got "${bad}"`);
  return flags;
}

/**
 * NODE_OPTIONS of a service's container in k8s/base, so the benchmark measures the flags the
 * cluster runs with ('' when the manifest sets none).
 */
export function manifestNodeOptions(service: 'ponger' | 'pinger', root = new URL('..', import.meta.url)): string {
  const file = new URL(`k8s/base/${service}/deployment.yaml`, root);
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const d = doc.toJS() as {
      kind?: string;
      spec?: { template?: { spec?: { containers?: { name: string; env?: { name: string; value?: string }[] }[] } } };
    } | null;
    if (d?.kind !== 'Deployment') continue;
    const c = d.spec?.template?.spec?.containers?.find((x) => x.name === service);
    if (!c) throw new Error(`${file.pathname}: no container named ${service}`);
    return c.env?.find((e) => e.name === 'NODE_OPTIONS')?.value?.trim() ?? '';
  }
  throw new Error(`${file.pathname}: no Deployment`);
}

/**
 * Where a run's raw figures go unless BENCH_OUT says (relative to the repository root): a full run
 * writes the committed record, bench/results/<name>; a smoke or partial run (BENCH_QUICK=1,
 * BENCH_ONLY) writes the git-ignored bench/results/local/<name>, so it never overwrites the record.
 */
export function resultsFile(name: string, partial: boolean): string {
  return partial ? `bench/results/local/${name}` : `bench/results/${name}`;
}

/** BENCH_ROUNDS: whole number 1..9; default 3 (1 for BENCH_QUICK), also when blank. */
function readRounds(raw: string | undefined, quick: boolean): number {
  return wholeNumber('BENCH_ROUNDS', raw?.trim() === '' ? undefined : raw, quick ? 1 : 3, 1, 9);
}

/** wrk's connections in every throughput run (`npm run bench` and `npm run bench:alternating`). */
export const WRK_CONNECTIONS = 32;

export function readSettings(env: Readonly<Record<string, string | undefined>> = process.env): Settings {
  const quick = env['BENCH_QUICK'] === '1';
  const onlyRaw = (env['BENCH_ONLY'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const s of onlyRaw) {
    if (!(SCENARIOS as readonly string[]).includes(s)) {
      throw new Error(`BENCH_ONLY: unknown scenario "${s}", expected a comma list of ${SCENARIOS.join(', ')}`);
    }
  }
  const known = new Set(SCENARIOS.map(nodeOptionsKey));
  for (const k of Object.keys(env)) {
    if (k.startsWith('BENCH_NODE_OPTIONS_') && !known.has(k)) {
      throw new Error(`${k}: unknown scenario, expected one of ${[...known].join(', ')}`);
    }
  }
  const pin = availableParallelism() >= 2 && hasTaskset();
  const flagsOverride = readNodeFlags(env['BENCH_NODE_FLAGS']);
  return {
    quick,
    connections: WRK_CONNECTIONS,
    warmupSec: quick ? 1 : 3,
    measureSec: quick ? 1 : 15,
    rounds: readRounds(env['BENCH_ROUNDS'], quick),
    sustainedSec: quick ? 3 : 60,
    pingerSec: quick ? 3 : 60,
    pingerIntervalMs: 100,
    serverCpu: pin ? '1' : undefined,
    loadCpu: pin ? '0' : undefined,
    only: new Set((onlyRaw.length > 0 ? onlyRaw : SCENARIOS) as ScenarioName[]),
    outFile: env['BENCH_OUT'] ?? resultsFile('latest.json', quick || onlyRaw.length > 0),
    // the manifests' flags unless BENCH_NODE_OPTIONS(_<SCENARIO>) says otherwise; none for the bare server
    nodeOptions: Object.fromEntries(
      SCENARIOS.map((n) => [
        n,
        (
          env[nodeOptionsKey(n)] ??
          env['BENCH_NODE_OPTIONS'] ??
          (n === 'bare' ? '' : manifestNodeOptions(n === 'pinger' ? 'pinger' : 'ponger'))
        ).trim(),
      ]),
    ) as Record<ScenarioName, string>,
    nodeFlags: {
      ponger: flagsOverride ?? imageNodeFlags('ponger'),
      pinger: flagsOverride ?? imageNodeFlags('pinger'),
    },
  };
}

// Spawning the processes under test through test/support/processes.ts: pinned to a CPU with taskset
// when available, a reproducible environment, stdout lines collected on request (/dev/null
// otherwise), RSS sampled from /proc, stopped with SIGTERM then SIGKILL.
import { spawnSync } from 'node:child_process';
import { pollUntil } from '../test/support/poll.ts';
import { type Child, startProcess as start } from '../test/support/processes.ts';
import { readMemory } from './procfs.ts';
import type { RssSample } from './stats.ts';

export type { Child };

let tasksetOk: boolean | undefined;
/** taskset exists and may set affinity here (containers can forbid it). */
export function hasTaskset(): boolean {
  if (tasksetOk === undefined) {
    const r = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    tasksetOk = r.status === 0;
  }
  return tasksetOk;
}

export interface StartOptions {
  /** label used in error messages */
  readonly name: string;
  /** executable to run; default this very Node binary */
  readonly command?: string;
  /** arguments after the executable */
  readonly args: readonly string[];
  /** NODE_OPTIONS for this process only (Node flags of the process under test, e.g. --max-semi-space-size=64) */
  readonly nodeOptions?: string | undefined;
  readonly env?: Readonly<Record<string, string>>;
  /** CPU list for taskset (e.g. "1"); ignored without taskset */
  readonly cpus?: string | undefined;
  /** keep stdout lines in memory (for log parsing); otherwise stdout goes to /dev/null */
  readonly keepStdout?: boolean;
  /** called for each stdout line when keepStdout is set */
  readonly onLine?: (line: string) => void;
}

const SERVICE_KEYS = new Set([
  'PORT',
  'METRICS_PORT',
  'HOST',
  'LOG_LEVEL',
  'SHUTDOWN_DRAIN_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'FAULT_ERROR_RATE',
  'FAULT_LATENCY_MS',
  'IDENTITY_MAX_SERIES',
  'PONGER_URL',
  'TARGET',
  'PING_INTERVAL_MS',
  'TICK_MS',
  'PING_TIMEOUT_MS',
  'PING_MAX_IN_FLIGHT',
  'PING_RETRIES',
]);

/**
 * The parent's environment without OTEL_*, service config variables and NODE_OPTIONS, so runs are
 * reproducible: Node flags reach only the process under test, through StartOptions.nodeOptions.
 */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !k.startsWith('OTEL_') && !SERVICE_KEYS.has(k) && k !== 'NODE_OPTIONS') out[k] = v;
  }
  return out;
}

/** Spawn `COMMAND ARGS` (default: this very Node binary) as a separate process, optionally CPU-pinned. */
export function startProcess(opts: StartOptions): Child {
  const exe = opts.command ?? process.execPath;
  const pin = opts.cpus !== undefined && hasTaskset();
  const nodeOptions: Record<string, string> = opts.nodeOptions?.trim() ? { NODE_OPTIONS: opts.nodeOptions.trim() } : {};
  return start({
    name: opts.name,
    command: pin ? 'taskset' : exe,
    args: pin ? ['-c', opts.cpus as string, exe, ...opts.args] : [...opts.args],
    baseEnv: cleanEnv(),
    env: { ...opts.env, ...nodeOptions },
    cwd: process.cwd(),
    stdout: opts.keepStdout ? 'keep' : 'ignore',
    ...(opts.onLine ? { onLine: opts.onLine } : {}),
  });
}

/** Wait for the child's first stdout line shaped like {"listening":PORT}. */
export function waitListening(child: Child, timeoutMs = 10_000): Promise<number> {
  return pollUntil(
    () => {
      for (const line of child.lines) {
        try {
          const v = JSON.parse(line) as { listening?: unknown };
          if (typeof v.listening === 'number') return v.listening;
        } catch {
          /* not JSON */
        }
      }
      if (child.hasExited()) throw new Error(`${child.name}: exited before reporting {"listening":PORT}${describeExit(child)}`);
      return undefined;
    },
    timeoutMs,
    () => `${child.name} to report {"listening":PORT}${describeExit(child)}`,
    { intervalMs: 50 },
  );
}

function describeExit(child: Child): string {
  const tail = child.stderrTail().trim();
  return `${child.hasExited() ? ` (exited, code ${String(child.child.exitCode ?? child.child.signalCode)})` : ''}${tail ? `; stderr: ${tail}` : ''}`;
}

/**
 * Waits for a run-to-completion child (a generator, a worker) to exit; past limitMs it is stopped
 * (SIGTERM, then SIGKILL a second later). Throws unless it exited 0, with its stderr.
 */
export async function exitedCleanly(child: Child, limitMs: number): Promise<void> {
  const timer = setTimeout(() => void child.stop(1000), limitMs);
  const exit = await child.exited;
  clearTimeout(timer);
  if (exit.code !== 0)
    throw new Error(`${child.name} exited with ${String(exit.code ?? exit.signal)} (bounded at ${limitMs} ms)${describeExit(child)}`);
}

/** The JSON object of the last `MARKER {...}` line a child printed (its result); throws when there is none. */
export function resultLine(lines: readonly string[], marker: string, who: string): Record<string, unknown> {
  const line = lines.findLast((l) => l.startsWith(`${marker} `));
  if (line === undefined) throw new Error(`no ${marker} line in the ${who} output`);
  return JSON.parse(line.slice(marker.length + 1)) as Record<string, unknown>;
}

/** One figure of a result line: a finite number >= 0, else throws `MARKER: what is <value>`. */
export function figure(marker: string, value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new Error(`${marker}: ${what} is ${JSON.stringify(value)}`);
  return value;
}

/** The figures `keys` of a result line's object, each checked by `figure` and named `prefix` + key in its error. */
export function figures<K extends string>(
  marker: string,
  r: Readonly<Record<string, unknown>>,
  keys: readonly K[],
  prefix = '',
): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, figure(marker, r[k], `${prefix}${k}`)])) as Record<K, number>;
}

/** Poll GET url until it answers `status` (default 200). */
export async function waitHttp(child: Child, url: string, timeoutMs = 15_000, status = 200): Promise<void> {
  let last = 'no answer';
  await pollUntil(
    async () => {
      if (child.hasExited()) throw new Error(`${child.name}: exited before ${url} answered ${status}${describeExit(child)}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === status) return true;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      return undefined;
    },
    timeoutMs,
    () => `${child.name}: ${url} to answer ${status} (last: ${last})${describeExit(child)}`,
    { intervalMs: 100 },
  );
}

export interface RssSampler {
  readonly samples: RssSample[];
  stop(): RssSample[];
}

/** Sample VmRSS of pid every periodMs (t relative to the start); stops quietly if the pid exits. */
export function sampleRss(pid: number, periodMs: number): RssSampler {
  const t0 = Date.now();
  const samples: RssSample[] = [];
  const take = (): void => {
    try {
      samples.push({ tMs: Date.now() - t0, rssKb: readMemory(pid).rssKb });
    } catch {
      clearInterval(timer);
    }
  };
  take();
  const timer = setInterval(take, periodMs);
  return {
    samples,
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

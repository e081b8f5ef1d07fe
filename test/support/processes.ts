// The one way tests, harnesses and benchmarks start a child process: only the environment given
// (plus PATH, unless another base is passed) so the runner's env cannot leak in, stdout and stderr
// read line by line, and a stop that holds its deadline (SIGTERM, then SIGKILL after the grace).
// spawnService() runs a service's main.ts (or any Node script) with the repo's Node 24
// (process.execPath) and parses its JSON log lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pollUntil } from './poll.ts';
import { REPO_ROOT } from './repo.ts';

/** stderr lines kept per process (the last ones): enough for any error message, bounded for long runs */
const STDERR_LINES = 1000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartOptions {
  /** label used in error messages; default the command */
  name?: string;
  /** executable; default this very Node binary (process.execPath) */
  command?: string;
  args?: readonly string[];
  /** added to baseEnv: the child's whole environment */
  env?: Readonly<Record<string, string>>;
  /** default: PATH only */
  baseEnv?: Readonly<Record<string, string>>;
  /** default: the repo root */
  cwd?: string;
  /** 'ignore' sends stdout to /dev/null (long runs whose output nobody reads); default 'keep' */
  stdout?: 'keep' | 'ignore';
  /** called for each complete stdout line */
  onLine?: (line: string) => void;
}

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** stdout, one entry per line */
  readonly lines: string[];
  /** stderr, one entry per line (the last STDERR_LINES) */
  readonly stderr: string[];
  /** resolves once the process exited and all its output was read */
  readonly exited: Promise<Exit>;
  hasExited(): boolean;
  /** the last `chars` characters of stderr, for error messages */
  stderrTail(chars?: number): string;
  /** sends `signal` if the process is still running */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone */
  stop(graceMs?: number): Promise<Exit>;
  /** resident set size now, in MiB (Linux /proc) */
  rssMb(): number;
}

/** Splits a stream into lines, calling `onLine` for each complete one. */
function eachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let rest = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) onLine(p);
  });
  stream?.on('end', () => rest !== '' && onLine(rest));
}

export function startProcess(opts: StartOptions): Child {
  const command = opts.command ?? process.execPath;
  const name = opts.name ?? command;
  const child = spawn(command, [...(opts.args ?? [])], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...(opts.baseEnv ?? { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }), ...opts.env },
    stdio: ['ignore', opts.stdout === 'ignore' ? 'ignore' : 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  child.on('error', (err) => stderr.push(`spawn error: ${err.message}`));
  if (child.pid === undefined) throw new Error(`${name}: spawn of ${command} failed`);
  eachLine(child.stdout, (line) => {
    lines.push(line);
    opts.onLine?.(line);
  });
  eachLine(child.stderr, (line) => {
    stderr.push(line);
    if (stderr.length > STDERR_LINES) stderr.shift();
  });
  let done = false;
  const exited = new Promise<Exit>((res) => child.on('close', (code, signal) => res({ code, signal })));
  void exited.then(() => {
    done = true;
  });
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    name,
    pid: child.pid,
    child,
    lines,
    stderr,
    exited,
    hasExited: () => done,
    stderrTail: (chars = 4000) => stderr.join('\n').slice(-chars),
    kill(signal = 'SIGTERM') {
      if (running()) child.kill(signal);
    },
    async stop(graceMs = 5000) {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (running()) child.kill('SIGKILL');
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
    rssMb() {
      const status = readFileSync(`/proc/${String(child.pid)}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
      if (kb === undefined) throw new Error(`${name}: no VmRSS in /proc/${String(child.pid)}/status`);
      return Number(kb) / 1024;
    },
  };
}

export type LogLine = Record<string, unknown> & { msg?: string; time?: string };

export interface Service extends Omit<Child, 'lines'> {
  /** stdout, one parsed JSON line each; a line that is not JSON is kept as {msg: 'NOT JSON', raw} */
  readonly lines: LogLine[];
  /** first log line matching, polling until timeoutMs */
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** waits for the `listening` log line and returns it; throws if the process exits first */
  listening(timeoutMs?: number): Promise<LogLine>;
}

const running = new Set<Service>();

/** Starts the Node script `script` (relative to the repo root, or absolute); stopAll() kills what is left. */
export function spawnService(script: string, options: { name?: string; env?: Record<string, string>; args?: string[] } = {}): Service {
  const name = options.name ?? script;
  const lines: LogLine[] = [];
  const { lines: _raw, ...proc } = startProcess({
    name,
    args: [resolve(REPO_ROOT, script), ...(options.args ?? [])],
    env: options.env ?? {},
    onLine: (line) => {
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: 'NOT JSON', raw: line });
      }
    },
  });
  const stderrText = (): string => proc.stderr.join('\n');
  const service: Service = {
    ...proc,
    lines,
    waitForLine(pred, timeoutMs = 10_000, what = 'a log line') {
      return pollUntil(
        () => lines.find(pred),
        timeoutMs,
        () => `${name}: ${what} (stderr: ${stderrText().slice(0, 500)})`,
      );
    },
    async listening(timeoutMs = 10_000) {
      const found = await pollUntil(
        () => lines.find((l) => l.msg === 'listening') ?? (proc.hasExited() ? 'exited' : undefined),
        timeoutMs,
        `${name}: the listening log line`,
      );
      if (found === 'exited') throw new Error(`${name} exited before listening: ${stderrText()}`);
      return found;
    },
  };
  running.add(service);
  void proc.exited.then(() => running.delete(service));
  return service;
}

/** Kills every service still running (after hooks) and waits for them to exit. */
export async function stopAll(): Promise<void> {
  const all = [...running];
  for (const s of all) s.kill('SIGKILL');
  await Promise.all(all.map((s) => s.exited));
}

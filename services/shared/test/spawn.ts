// The process-level tests' one spawner: runs a service's main.ts with the repo's Node 24
// (process.execPath), with only the environment given (plus PATH) so the runner's env cannot leak
// in, and reads its JSON log lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pollUntil } from './helpers.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string; time?: string };

export interface Service {
  name: string;
  child: ChildProcess;
  /** stdout, one parsed JSON line each; a line that is not JSON is kept as {msg: 'NOT JSON', raw} */
  lines: LogLine[];
  /** stderr, split into lines */
  stderr: string[];
  /** resolves once the process exited and all its output was read */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** first log line matching, polling until timeoutMs */
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  /** waits for the `listening` log line and returns it; throws if the process exits first */
  listening(timeoutMs?: number): Promise<LogLine>;
  kill(signal?: NodeJS.Signals): void;
  /** resident set size now, in MiB (Linux /proc) */
  rssMb(): number;
}

const running = new Set<Service>();

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

/** Starts `script` (relative to the repo root, or absolute). */
export function spawnService(script: string, options: { name?: string; env?: Record<string, string>; args?: string[] } = {}): Service {
  const name = options.name ?? script;
  const child = spawn(process.execPath, [resolve(REPO_ROOT, script), ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  eachLine(child.stdout, (line) => {
    try {
      lines.push(JSON.parse(line) as LogLine);
    } catch {
      lines.push({ msg: 'NOT JSON', raw: line });
    }
  });
  eachLine(child.stderr, (line) => stderr.push(line));
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('close', (code, signal) => res({ code, signal })),
  );
  const service: Service = {
    name,
    child,
    lines,
    stderr,
    exited,
    waitForLine(pred, timeoutMs = 10_000, what = 'a log line') {
      return pollUntil(() => lines.find(pred), timeoutMs, `${name}: ${what} (stderr: ${stderr.join('\n').slice(0, 500)})`);
    },
    async listening(timeoutMs = 10_000) {
      const found = await pollUntil(
        () => lines.find((l) => l.msg === 'listening') ?? (done ? 'exited' : undefined),
        timeoutMs,
        `${name}: the listening log line`,
      );
      if (found === 'exited') throw new Error(`${name} exited before listening: ${stderr.join('\n')}`);
      return found;
    },
    rssMb() {
      const status = readFileSync(`/proc/${String(child.pid)}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
      if (kb === undefined) throw new Error(`${name}: no VmRSS in /proc/${String(child.pid)}/status`);
      return Number(kb) / 1024;
    },
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  running.add(service);
  void exited.then(() => {
    done = true;
    running.delete(service);
  });
  return service;
}

/** Kills every service still running (after hooks) and waits for them to exit. */
export async function stopAll(): Promise<void> {
  const all = [...running];
  for (const s of all) s.kill('SIGKILL');
  await Promise.all(all.map((s) => s.exited));
}

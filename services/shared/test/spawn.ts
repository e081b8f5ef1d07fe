// Spawns a service's main.ts with Node 24 (process.execPath) for process-level tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './helpers.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Spawned {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** parsed JSON log lines from stdout */
  logs(): Record<string, unknown>[];
  /** resolves with the exit code (or 128+signal number style string when killed) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** waits for the `listening` log line and returns its fields */
  listening(timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(): void;
}

export function spawnService(script: string, options: { env?: Record<string, string>; args?: string[] } = {}): Spawned {
  const child = spawn(process.execPath, [script, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', OTEL_TRACES_EXPORTER: 'none', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const collect = (into: string[]) => {
    let rest = '';
    return (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      into.push(...parts);
    };
  };
  child.stdout?.on('data', collect(stdout));
  child.stderr?.on('data', collect(stderr));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  const logs = () => stdout.flatMap((l) => { try { return [JSON.parse(l) as Record<string, unknown>]; } catch { return []; } });
  return {
    child, stdout, stderr, exited, logs,
    async listening(timeoutMs = 10_000) {
      await waitFor(() => done || logs().some((l) => l.msg === 'listening'), timeoutMs, 'the listening log line');
      const line = logs().find((l) => l.msg === 'listening');
      if (!line) throw new Error(`service exited before listening: ${stderr.join('\n')}`);
      return line;
    },
    kill() {
      if (!done) child.kill('SIGKILL');
    },
  };
}

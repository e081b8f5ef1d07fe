// `npm start`: ponger and pinger as child processes on loopback, each JSON log line printed by
// pino-pretty as one line (`ponger | [12:00:01] INFO: GET /ping 200 {"method":"GET",...}`), other
// output as it is, after the same prefix; Ctrl-C stops both cleanly.
// Each runs with its image's Node flags (services/Dockerfile ENTRYPOINT).
// Tracing is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set. Ports (0 = any free port):
// PONGER_PORT (8080), PONGER_ADMIN_PORT (2112), PINGER_ADMIN_PORT (2113).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { prettyFactory } from 'pino-pretty';
import { entrypointNodeFlags } from './docker/dockerfile-check.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HOST = '127.0.0.1';
const DOCKERFILE = readFileSync(`${ROOT}services/Dockerfile`, 'utf8');

// local time, fields as one JSON object on the same line (err included), the prefix names the service
const pretty = prettyFactory({
  singleLine: true,
  translateTime: 'SYS:HH:MM:ss',
  ignore: 'service,trace_id,span_id',
  errorLikeObjectKeys: [],
});

/** One output line for one line a child wrote: a JSON object pretty-printed, anything else as it is. */
export function showLine(name: string, line: string): { text: string; record?: Record<string, unknown> } {
  let record: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) record = parsed as Record<string, unknown>;
  } catch {
    // not JSON: shown as it is
  }
  const body = record
    ? pretty(record)
        .replace(/\r?\n$/, '')
        .replace(/[\r\n]/g, (c) => (c === '\n' ? '\\n' : '\\r'))
    : line;
  const text = `${name.padEnd(6)} | ${body}`;
  return record ? { text, record } : { text };
}

function port(name: string, fallback: number): string {
  const raw = process.env[name] ?? String(fallback);
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) {
    process.stderr.write(`start-local: ${name}: expected a port 0..65535, got ${JSON.stringify(raw)}\n`);
    process.exit(78);
  }
  return raw;
}

const common: Record<string, string> = {
  HOST,
  SHUTDOWN_DRAIN_MS: process.env.SHUTDOWN_DRAIN_MS ?? '200',
  SHUTDOWN_TIMEOUT_MS: process.env.SHUTDOWN_TIMEOUT_MS ?? '5000',
  ...(process.env.OTEL_EXPORTER_OTLP_ENDPOINT ? {} : { OTEL_TRACES_EXPORTER: 'none' }),
};

interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<number>;
}

const children: Child[] = [];
let stopping = false;

function start(name: string, env: Record<string, string>, onLog: (rec: Record<string, unknown>) => void): Child {
  // the Node flags of the service's image (ADR 0015), so a local run behaves as the container does
  const flags = entrypointNodeFlags(DOCKERFILE, name);
  const proc = spawn(process.execPath, [...flags, `services/${name}/src/main.ts`], {
    cwd: ROOT,
    env: { ...process.env, ...common, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: Ctrl-C reaches us only, we forward one SIGTERM
  });
  const lines = (stream: NodeJS.ReadableStream | null, err: boolean) => {
    let rest = '';
    stream?.on('data', (chunk: Buffer) => {
      const parts = (rest + chunk.toString('utf8')).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        if (line === '') continue;
        const { text, record } = showLine(name, line);
        (err ? process.stderr : process.stdout).write(`${text}\n`);
        if (record) onLog(record);
      }
    });
  };
  lines(proc.stdout, false);
  lines(proc.stderr, true);
  const exited = new Promise<number>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0))),
  );
  const child = { name, proc, exited };
  children.push(child);
  void exited.then((code) => {
    if (!stopping) {
      process.stderr.write(`start-local: ${name} exited with ${code}; stopping\n`);
      void stop('SIGTERM', 1);
    }
  });
  return child;
}

async function stop(signal: NodeJS.Signals, forcedCode?: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // pinger first, so its last ping still finds ponger; then ponger
  for (const c of [...children].reverse()) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill(signal);
    await c.exited;
  }
  const codes = await Promise.all(children.map((c) => c.exited));
  const ok = codes.every((c) => c === 0);
  process.stdout.write(`start-local: stopped (${children.map((c, i) => `${c.name} ${codes[i]}`).join(', ')})\n`);
  process.exit(forcedCode ?? (ok ? 0 : 1));
}

function main(): void {
  let signals = 0;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      signals++;
      if (signals === 1) {
        process.stdout.write('start-local: stopping (Ctrl-C again to force)\n');
        void stop('SIGTERM');
      } else {
        for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGINT'); // second signal: exit at once
      }
    });
  }
  process.on('exit', () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
  });

  start('ponger', { PORT: port('PONGER_PORT', 8080), METRICS_PORT: port('PONGER_ADMIN_PORT', 2112) }, (rec) => {
    if (rec.msg !== 'listening' || children.length > 1) return;
    process.stdout.write(`start-local: ponger http://${HOST}:${rec.app_port}/ping, metrics http://${HOST}:${rec.admin_port}/metrics\n`);
    start('pinger', { PONGER_URL: `http://${HOST}:${rec.app_port}`, METRICS_PORT: port('PINGER_ADMIN_PORT', 2113) }, (p) => {
      if (p.msg === 'pinger started')
        process.stdout.write(`start-local: pinger metrics http://${HOST}:${p.admin_port}/metrics (Ctrl-C stops both)\n`);
    });
  });
}

// imported by its test for showLine only
if (import.meta.main) main();

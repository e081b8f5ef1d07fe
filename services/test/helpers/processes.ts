// Runs the real services as child processes (process.execPath = the repo's Node 24) and reads
// their JSON log lines; a trace receiver and an identity-injecting proxy for the process tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '../../shared/test/helpers.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MAIN = {
  pinger: `${ROOT}services/pinger/src/main.ts`,
  ponger: `${ROOT}services/ponger/src/main.ts`,
} as const;

export type LogLine = Record<string, unknown> & { msg?: string; time?: string };

export interface Service {
  name: string;
  child: ChildProcess;
  lines: LogLine[];
  stderr: string[];
  /** resolves with the exit code (or 128 + signal number style string for signals) */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** first log line matching, polling until timeoutMs */
  waitForLine(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  kill(signal?: NodeJS.Signals): void;
}

const running = new Set<Service>();

/** Starts a service with only the given environment (plus PATH), so the runner's env cannot leak in. */
export function startService(name: keyof typeof MAIN, env: Record<string, string>, args: string[] = []): Service {
  const child = spawn(process.execPath, [MAIN[name], ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const stderr: string[] = [];
  let buf = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as LogLine);
      } catch {
        lines.push({ msg: 'NOT JSON', raw: line });
      }
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const service: Service = {
    name,
    child,
    lines,
    stderr,
    exited,
    async waitForLine(pred, timeoutMs = 10_000, what = 'a log line') {
      const found = await pollUntil(() => lines.find(pred), timeoutMs, `${name}: ${what} (stderr: ${stderr.join('').slice(0, 500)})`);
      return found;
    },
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  running.add(service);
  void exited.then(() => running.delete(service));
  return service;
}

/** Kills every service still running (after hooks) and waits for them to exit. */
export async function stopAll(): Promise<void> {
  const all = [...running];
  for (const s of all) s.kill('SIGKILL');
  await Promise.all(all.map((s) => s.exited));
}


export interface HttpResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** One loopback GET on a fresh connection, bounded. */
export function get(url: string, headers: Record<string, string> = {}, timeoutMs = 3000): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function listenLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A port with nothing listening (bound on 0, then released) for a service to take later. */
export async function freePort(): Promise<number> {
  const s = createServer();
  const port = await listenLoopback(s);
  await closeServer(s);
  return port;
}

/**
 * Stands in for Linkerd's inbound proxy: forwards every request to `target`, replacing any
 * `l5d-client-id` with `identity` (what the proxy does for a request that arrived over mTLS).
 */
export async function startIdentityProxy(target: string, identity: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const headers = { ...req.headers, 'l5d-client-id': identity };
    const up = request(new URL(req.url ?? '/', target), { method: req.method, headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  const port = await listenLoopback(server);
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

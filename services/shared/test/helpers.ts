// Small helpers for tests: collect log lines, fetch over loopback, parse Prometheus text.
import { createServer, request, type Server } from 'node:http';
import { listen } from '../src/listen.ts';
import { createLogger, type Logger } from '../src/logger.ts';

/** The error `fn` throws, which must be an instance of `type` (anything else is rethrown). */
export function thrown<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (err) {
    if (err instanceof type) return err;
    throw err;
  }
  throw new Error(`expected a ${type.name}`);
}

export interface Captured {
  logger: Logger;
  lines: Record<string, unknown>[];
}

export function captureLogger(service = 'test'): Captured {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service, level: 'debug', write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}

export interface SimpleResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP request on a fresh connection (no agent keep-alive), bounded by timeoutMs. */
export function httpRequest(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; timeoutMs?: number; host?: string } = {},
): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.host ?? '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        agent: false,
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${options.timeoutMs ?? 5000} ms: ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls `fn` every 25 ms until it returns a value other than undefined/false; throws naming `what` on timeout. */
export async function pollUntil<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  await pollUntil(async () => (await check()) || undefined, timeoutMs, what);
}

/** Closes a test server now: open connections are dropped, not waited for. */
export function closeNow(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** A loopback port with nothing listening on it (bound on 0, then released): for a process to take later, or for a client to be refused by. */
export async function freePort(): Promise<number> {
  const server = createServer();
  const { port } = await listen(server, 0, '127.0.0.1');
  await closeNow(server);
  return port;
}

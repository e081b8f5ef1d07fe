// Loopback HTTP for tests, harnesses and benchmarks: one bounded request on a fresh connection,
// a fetch that reads the body, and closing a test server now.
import { request, type Server } from 'node:http';

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

/** One loopback GET of `url` on a fresh connection, bounded (httpRequest with a URL). */
export function get(url: string, headers: Record<string, string> = {}, timeoutMs = 3000): Promise<SimpleResponse> {
  const u = new URL(url);
  return httpRequest(Number(u.port), `${u.pathname}${u.search}`, { host: u.hostname, headers, timeoutMs });
}

/** GET `url` with fetch, bounded by timeoutMs, and read the body as text. Rejects when there is no answer. */
export async function fetchText(
  url: string,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { headers: options.headers ?? {}, signal: AbortSignal.timeout(options.timeoutMs ?? 2000) });
  return { status: res.status, body: await res.text() };
}

/** The body of a 2xx answer to GET `url`, or undefined for any other status (a probe for pollUntil). */
export async function httpOk(url: string, headers: Record<string, string> = {}): Promise<string | undefined> {
  const res = await fetchText(url, { headers });
  return res.status >= 200 && res.status < 300 ? res.body : undefined;
}

/** Closes a test server now: open connections are dropped, not waited for. */
export function closeNow(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

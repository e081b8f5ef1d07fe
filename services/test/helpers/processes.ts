// Runs the real services as child processes (process.execPath = the repo's Node 24) and reads
// their JSON log lines; a trace receiver and an identity-injecting proxy for the process tests.
import { createServer, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { listen } from '../../shared/src/listen.ts';
import { closeNow, httpRequest, type SimpleResponse } from '../../shared/test/helpers.ts';
import { type Service, spawnService } from '../../shared/test/spawn.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MAIN = {
  pinger: `${ROOT}services/pinger/src/main.ts`,
  ponger: `${ROOT}services/ponger/src/main.ts`,
} as const;

export type { LogLine, Service } from '../../shared/test/spawn.ts';
export { stopAll } from '../../shared/test/spawn.ts';

/** Starts pinger or ponger by name with only the given environment (plus PATH). */
export function startService(name: keyof typeof MAIN, env: Record<string, string>, args: string[] = []): Service {
  return spawnService(MAIN[name], { name, env, args });
}

export type HttpResult = SimpleResponse;

/** One loopback GET of `url` on a fresh connection, bounded (httpRequest with a URL). */
export function get(url: string, headers: Record<string, string> = {}, timeoutMs = 3000): Promise<HttpResult> {
  const u = new URL(url);
  return httpRequest(Number(u.port), `${u.pathname}${u.search}`, { host: u.hostname, headers, timeoutMs });
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
  const { port } = await listen(server, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, close: () => closeNow(server) };
}

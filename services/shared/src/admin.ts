// The admin server (not listening): /metrics, /livez, /readyz. Probes never touch downstreams.
import type { Server, ServerResponse } from 'node:http';
import { ADMIN_LIMITS, createLimitedServer, type HttpLimits } from './http-server.ts';
import type { Logger } from './logger.ts';
import { type AppRegistry, CONTENT_TYPES, MetricsRenderer, negotiateFormat } from './metrics.ts';

/** Readiness: false until `markReady()`, false for good once `markShuttingDown()` ran. */
export class Readiness {
  #ready = false;
  #shuttingDown = false;
  get ready(): boolean {
    return this.#ready && !this.#shuttingDown;
  }
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }
  markReady(): void {
    this.#ready = true;
  }
  markShuttingDown(): void {
    this.#shuttingDown = true;
  }
}

export interface AdminOptions {
  registry: AppRegistry;
  readiness: Readiness;
  logger?: Logger;
  limits?: HttpLimits;
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(body); // Node's server sends no body in answer to HEAD
}

export function createAdminServer({ registry, readiness, logger, limits = ADMIN_LIMITS }: AdminOptions): Server {
  const renderer = new MetricsRenderer(registry);
  return createLimitedServer(
    async (req, res) => {
      const path = String(req.url).split('?')[0]; // a server's request always has a url
      const known = path === '/metrics' || path === '/livez' || path === '/readyz';
      if (!known) return send(res, 404, 'not found\n');
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD');
        return send(res, 405, 'method not allowed\n');
      }
      if (readiness.shuttingDown) res.setHeader('connection', 'close');
      if (path === '/livez') return send(res, 200, 'ok\n');
      if (path === '/readyz')
        return readiness.ready ? send(res, 200, 'ready\n') : send(res, 503, readiness.shuttingDown ? 'shutting down\n' : 'starting\n');
      // the format the client asked for (Accept), rendered at most once at a time (MetricsRenderer)
      const format = negotiateFormat(req.headers.accept);
      res.setHeader('vary', 'accept');
      try {
        send(res, 200, await renderer.render(format), CONTENT_TYPES[format]);
      } catch (err) {
        send(res, 500, `metrics collection failed: ${(err as Error).message}\n`);
      }
    },
    { limits, logger },
  );
}

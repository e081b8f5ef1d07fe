// Loopback HTTP servers with scripted behaviour, for the pinger unit tests, and an
// identity-injecting proxy for the process tests.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen } from '../../services/shared/src/listen.ts';
import { closeNow } from './http.ts';

export interface TestServer {
  url: string;
  port: number;
  /** requests seen, in order */
  requests: IncomingMessage[];
  /** TCP connections accepted */
  connections: number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

export async function startServer(handler: Handler): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handler(req, res, requests.length);
  });
  const state = { connections: 0 };
  server.on('connection', (s) => {
    state.connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export const pong: Handler = (_req, res) => {
  res.setHeader('x-ponger-client-id', 'none');
  res.end('pong');
};
export const unavailable: Handler = (_req, res) => {
  res.statusCode = 503;
  res.end('unavailable');
};
/** Reads the request and never answers. */
export const silent: Handler = () => {};
/** Destroys the socket without a response (the client sees ECONNRESET or a socket hang up). */
export const reset: Handler = (req) => {
  req.socket.destroy();
};

/** A W3C traceparent, version 00: trace id, parent (span) id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/;

export interface IdentityProxy {
  url: string;
  /** trace id -> the span id this proxy wrote into the request's traceparent (its own span) */
  spans: Map<string, string>;
  close(): Promise<void>;
}

/**
 * Stands in for Linkerd's inbound proxy with proxy tracing on: forwards every request to `target`,
 * replacing any `l5d-client-id` with `identity` (what the proxy does for a request that arrived
 * over mTLS), and writing a new span id, its own span's, into a W3C traceparent. linkerd2-proxy
 * release/v2.359.0 linkerd/trace-context/src/propagation.rs and service.rs: with a span sink the
 * proxy reads W3C first, then B3, and rewrites the span id only in the format it read, sampled or
 * not; any other trace header (a b3 from the caller) passes unchanged.
 */
export async function startIdentityProxy(target: string, identity: string): Promise<IdentityProxy> {
  const spans = new Map<string, string>();
  const server = createServer((req, res) => {
    const headers: IncomingHttpHeaders = { ...req.headers, 'l5d-client-id': identity };
    const tp = TRACEPARENT.exec(String(req.headers.traceparent ?? ''));
    if (tp) {
      const [, traceId = '', flags = ''] = tp;
      const spanId = randomBytes(8).toString('hex');
      spans.set(traceId, spanId);
      headers.traceparent = `00-${traceId}-${spanId}-${flags}`;
    }
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
  return { url: `http://127.0.0.1:${port}`, spans, close: () => closeNow(server) };
}

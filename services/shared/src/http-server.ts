// node:http servers with the limits of docs/interfaces.md "Limits", for ponger's app port and both
// admin ports. What Node does not bound by itself:
// - pipelining: Node parses a whole 64 KiB read (about 2,000 pipelined `GET /ping`) before it
//   looks at back-pressure, and queues every response in memory. Here a connection holds at most
//   `maxPipelined` requests in progress; the next one is answered 503 `Connection: close`, the
//   socket stops reading, and requests parsed behind it are dropped, never handed to the app (nor
//   traced: this runs before the instrumented `emit`).
// - timeouts: Node checks headersTimeout/requestTimeout only every `connectionsCheckingInterval`
//   (30 s by default), so a 10 s header timeout fired at 30 s. The interval here is a tenth of the
//   shorter timeout, at most 1 s.
// - connections: past maxConnections a new connection is closed at once, so a flood of
//   connections cannot make one turn of the event loop (and with it /readyz on the admin port,
//   which shares the loop) take seconds.
// - shutdown: `closeConnections()` ends every connection with no request in progress (idle
//   keep-alive, silent, or a request still arriving) and the others once their last response is
//   written, so close() returns as soon as in-flight work is done.
import { type IncomingMessage, type RequestListener, Server, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from './logger.ts';

export interface HttpLimits {
  /** bytes of request line + headers; past it: 431 and close */
  maxHeaderSize: number;
  /** ms to receive the complete headers; past it: 408 and close */
  headersTimeoutMs: number;
  /** ms to receive the complete request; past it: 408 and close */
  requestTimeoutMs: number;
  /** ms an idle keep-alive connection stays open */
  keepAliveTimeoutMs: number;
  /** requests in progress on one connection; past it: 503 `Connection: close` */
  maxPipelined: number;
  /** open connections; past it a new connection is closed at once (Node's server.maxConnections) */
  maxConnections: number;
}

/** ponger's app port. keepAlive above the 60 s idle timeout of common proxies and load balancers. */
export const APP_LIMITS: HttpLimits = {
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxPipelined: 100,
  maxConnections: 256,
};

/** Admin ports (/metrics, /livez, /readyz): probes and scrapes send small requests, one at a time. */
export const ADMIN_LIMITS: HttpLimits = {
  maxHeaderSize: 16 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxPipelined: 16,
  maxConnections: 64,
};

/** How often Node checks the header and request timeouts: a tenth of the shorter one, 50 ms..1 s. */
export function checkingIntervalMs(limits: HttpLimits): number {
  return Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 10)));
}

interface Tracking {
  maxPipelined: number;
  /** requests in progress per open connection (0: idle or a request still arriving) */
  inProgress: Map<Socket, number>;
  /** connections that got their 503 and are closing: later requests on them are dropped */
  shed: WeakSet<Socket>;
  closing: boolean;
}

class LimitedServer extends Server {
  readonly tracking: Tracking;
  constructor(tracking: Tracking, options: ServerOptions, handler: RequestListener) {
    super(options, handler);
    this.tracking = tracking;
  }
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    // a request past the limit is not handed to the listeners (Node ignores what emit returns)
    return (
      (event !== 'request' || admit(this.tracking, args[0] as IncomingMessage, args[1] as ServerResponse)) &&
      super.emit(event as string, ...args)
    );
  }
}

function admit(t: Tracking, req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket;
  if (t.shed.has(socket)) return false;
  const n = (t.inProgress.get(socket) ?? 0) + 1;
  if (n > t.maxPipelined) {
    // Stryker disable next-line CallExpression: without it each request parsed behind gets its own 503, queued behind this one and never written (this one closes the connection); only work and memory differ
    t.shed.add(socket);
    // Stop reading for good: Node resumes the socket each time it has parsed a request
    // (node v24 lib/_http_common.js parserOnMessageComplete -> readStart), so a pause alone
    // lasts only until the next pipelined request in the same read.
    // Stryker disable next-line ArrowFunction: Node's callers ignore what resume() returns
    socket.resume = () => socket;
    socket.pause();
    res.statusCode = 503;
    res.setHeader('connection', 'close');
    res.setHeader('content-type', 'text/plain; charset=utf-8');
    res.end('too many pipelined requests\n');
    return false;
  }
  t.inProgress.set(socket, n);
  res.once('close', () => {
    const before = t.inProgress.get(socket);
    if (before === undefined) return; // the connection is gone already
    const left = before - 1;
    t.inProgress.set(socket, left);
    if (t.closing && left === 0) socket.destroySoon();
  });
  return true;
}

export interface LimitedServerOptions {
  limits: HttpLimits;
  logger?: Logger;
}

/** A node:http server (not listening) enforcing `limits`. */
export function createLimitedServer(handler: RequestListener, { limits, logger }: LimitedServerOptions): Server {
  const t: Tracking = { maxPipelined: limits.maxPipelined, inProgress: new Map(), shed: new WeakSet(), closing: false };
  const server = new LimitedServer(
    t,
    {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingIntervalMs(limits),
    },
    handler,
  );
  // (the constructor options above and these properties are the same settings; set both so a
  // Node that ignores an option still gets the value)
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  server.on('connection', (socket: Socket) => {
    if (t.closing) return void socket.destroy();
    t.inProgress.set(socket, 0);
    socket.once('close', () => t.inProgress.delete(socket));
  });
  // Malformed or late requests: answer 431 / 408 / 400 when the socket can still take it, then close.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    logger?.debug('client error', { code: err.code });
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a socket already gone (a reset) takes no answer; end() on it would be a no-op
    if (!socket.writable || socket.destroyed) return void socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  return server;
}

/**
 * Shutdown: ends every connection with no request in progress now, and each other one as soon as
 * its last response is written. Returns false for a server not made by createLimitedServer.
 */
export function closeConnections(server: Server): boolean {
  if (!(server instanceof LimitedServer)) return false;
  const t = server.tracking;
  t.closing = true;
  for (const [socket, n] of t.inProgress) if (n === 0) socket.destroySoon();
  return true;
}

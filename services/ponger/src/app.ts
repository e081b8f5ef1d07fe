// ponger's express app and metrics, built WITHOUT listening (tests run it on port 0).
// Its SERVER spans come from server-spans.ts (ADR 0013), through the global tracer provider.
import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { INVALID_SPAN_CONTEXT, trace } from '@opentelemetry/api';
import express, { type NextFunction, type Request, type Response } from 'express';
import { Counter, Histogram } from 'prom-client';
import type { Readiness } from '../../shared/src/admin.ts';
import { APP_LIMITS, createLimitedServer, type HttpLimits } from '../../shared/src/http-server.ts';
import type { Logger } from '../../shared/src/logger.ts';
import {
  type AppRegistry,
  createRegistry,
  DURATION_BUCKETS,
  exemplarOf,
  methodLabel,
  observeWithExemplar,
} from '../../shared/src/metrics.ts';
import { setSpanRoute, withServerSpans } from '../../shared/src/server-spans.ts';
import { type ClientIdentity, IDENTITY_HEADER, IdentityLabeler, REPORT_HEADER } from './identity.ts';

export const PING_ROUTE = '/ping';
export const UNMATCHED_ROUTE = 'unmatched';
export const ALLOW = 'GET, HEAD';

export interface PongerAppOptions {
  errorRate: number;
  latencyMs: number;
  maxSeries: number;
  /** identities always given their own metric label (identity.expected) */
  expectedIdentities?: readonly string[];
  logger: Logger;
  registry?: AppRegistry;
  /** answers `Connection: close` once shutdown began, so keep-alive clients move on */
  readiness?: Readiness;
  /** [0,1) source for the error fault; injectable for tests */
  random?: () => number;
}

export interface PongerMetrics {
  duration: Histogram<'http_request_method' | 'http_route' | 'http_response_status_code'>;
  byIdentity: Counter<'client_id'>;
}

export interface PongerApp {
  app: express.Express;
  registry: AppRegistry;
  metrics: PongerMetrics;
  identities: IdentityLabeler;
  /** a node:http server for the app with APP_LIMITS or `limits` (not listening) */
  createHttpServer(limits?: HttpLimits): Server;
}

export function createPongerMetrics(registry: AppRegistry): PongerMetrics {
  return {
    duration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP requests served by ponger, by route template.',
      labelNames: ['http_request_method', 'http_route', 'http_response_status_code'],
      buckets: [...DURATION_BUCKETS],
      enableExemplars: true,
      registers: [registry],
    }),
    byIdentity: new Counter({
      name: 'ponger_requests_by_client_identity_total',
      help: 'Requests by the client identity Linkerd reported in l5d-client-id (bounded: none, invalid, other).',
      labelNames: ['client_id'],
      registers: [registry],
    }),
  };
}

/** The route template of a matched request, for the metric, the log line and the SERVER span. */
function setRoute(res: Response, route: string): void {
  res.locals.route = route;
  // The SERVER span (server-spans.ts) gets http.route and the name `GET /ping`. Unmatched
  // requests set no route: their label is `unmatched` and their span keeps the bare `GET`
  // (http.route is a real template or absent, ADR 0013).
  setSpanRoute(res, route);
}

export function createPongerApp(options: PongerAppOptions): PongerApp {
  const { logger, errorRate, latencyMs } = options;
  const random = options.random ?? Math.random;
  const registry = options.registry ?? createRegistry();
  const metrics = createPongerMetrics(registry);
  const identities = new IdentityLabeler(options.maxSeries, options.expectedIdentities);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // Observe every request: identity reporting, RED metrics with exemplars, one log line.
  app.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const identity: ClientIdentity = identities.classify(req.headers[IDENTITY_HEADER]);
    res.locals.identity = identity;
    res.setHeader(REPORT_HEADER, identity.reported);
    if (options.readiness?.shuttingDown) res.setHeader('connection', 'close');
    const span = trace.getActiveSpan();
    if (span?.isRecording()) span.setAttribute('linkerd.client_id', identity.reported);
    // The request's span context, kept for the access log line and the exemplar: a pipelined
    // response is written (and finishes) in the previous response's context, so the line names
    // its span explicitly instead of reading the active one (or switching context per request).
    // No span (tracing off, or an untraced path): the invalid context, so the line has no ids.
    const spanContext = span?.spanContext() ?? INVALID_SPAN_CONTEXT;
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = typeof res.locals.route === 'string' ? res.locals.route : UNMATCHED_ROUTE;
      const labels = {
        http_request_method: methodLabel(req.method),
        http_route: route,
        http_response_status_code: String(res.statusCode),
      };
      observeWithExemplar(metrics.duration, labels, seconds, exemplarOf(spanContext)?.trace_id);
      metrics.byIdentity.inc({ client_id: identity.label });
      const fields: Record<string, unknown> = {
        method: req.method,
        route,
        status: res.statusCode,
        duration_ms: Math.round(seconds * 1e4) / 10,
        client_id: identity.reported,
      };
      if (route === UNMATCHED_ROUTE) fields.path = req.originalUrl.slice(0, 200);
      if (identity.kind === 'invalid') fields.client_id_raw = String(req.headers[IDENTITY_HEADER]).slice(0, 100);
      logger.info(`${req.method} ${route} ${res.statusCode}`, fields, spanContext);
    });
    next();
  });

  app.get(PING_ROUTE, async (_req: Request, res: Response) => {
    setRoute(res, PING_ROUTE);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: sleep(0) would only add one timer turn; the guard keeps it off the fault-free path
    if (latencyMs > 0) await sleep(latencyMs);
    if (random() < errorRate) {
      res.status(500).type('text/plain').send('injected fault\n');
      return;
    }
    res.status(200).type('text/plain').send('pong');
  });

  app.all(PING_ROUTE, (_req: Request, res: Response) => {
    setRoute(res, PING_ROUTE);
    res.status(405).set('allow', ALLOW).type('text/plain').send('method not allowed\n');
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('not found\n');
  });

  // A handler that throws or rejects: 500 with a plain body (never Express's HTML page with the stack).
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    logger.error('request failed', { err });
    // Stryker disable next-line ConditionalExpression: unreachable today (no handler here fails after its answer began); it keeps a future one from a second answer and Express's stderr trace
    if (res.headersSent) return void res.destroy();
    res.status(500).type('text/plain').send('internal error\n');
  });

  return {
    app,
    registry,
    metrics,
    identities,
    createHttpServer(limits = APP_LIMITS) {
      return createLimitedServer(withServerSpans(app, { tracer: trace.getTracer('ponger') }), { limits, logger });
    },
  };
}

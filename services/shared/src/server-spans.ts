// One SERVER span per HTTP request, made by the app with the OpenTelemetry API (ADR 0013).
// instrumentation-http's incoming path costs about as much per request as serving it, sampled
// or not (BENCHMARKS.md); here an unsampled request costs a header parse, the sampler's decision
// and one context switch, and only a recorded span reads attributes or listens for the end.
// Attributes follow the stable HTTP semantic conventions (the collector's span metrics key on
// http.request.method, http.response.status_code and http.route).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { methodLabel } from './metrics.ts';

/** Paths never traced: probes and scrapes would drown the real traffic. */
export const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/livez', '/readyz', '/metrics']);

/** The request's path without the query. */
function pathOf(req: IncomingMessage): string {
  // Stryker disable next-line StringLiteral: a server request always has its url (the type is shared with client responses)
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function isUntraced(req: IncomingMessage): boolean {
  return UNTRACED_PATHS.has(pathOf(req));
}

const recorded = new WeakMap<ServerResponse, Span>();

/**
 * Names the request's span by its route template once the app knows it (`GET /ping`, and
 * http.route). Without a call the span keeps the bare method: http.route is a real template or
 * absent, never the raw path.
 */
export function setSpanRoute(res: ServerResponse, route: string): void {
  const span = recorded.get(res);
  if (!span) return;
  span.setAttribute('http.route', route);
  span.updateName(`${methodLabel(res.req.method)} ${route}`);
}

export interface ServerSpanOptions {
  /** e.g. the global provider's `trace.getTracer('ponger')` (the SDK's once telemetry started) */
  tracer: Tracer;
}

/** Wraps a request listener: each request runs inside its SERVER span's context. */
export function withServerSpans(listener: RequestListener, options: ServerSpanOptions): RequestListener {
  const { tracer } = options;
  return (req, res) => {
    if (isUntraced(req)) return void listener(req, res);
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const method = methodLabel(req.method);
    const span = tracer.startSpan(method, { kind: SpanKind.SERVER }, parent);
    // Stryker disable next-line ConditionalExpression: a non-recording span ignores attributes, names and end; the guard only spares unsampled requests the work
    if (span.isRecording()) record(span, req, res, method);
    context.with(trace.setSpan(parent, span), listener, undefined, req, res);
  };
}

function record(span: Span, req: IncomingMessage, res: ServerResponse, method: string): void {
  // (the socket's ports and address are undefined once it is gone: the SDK then drops the attribute)
  span.setAttributes({
    'http.request.method': method,
    'url.path': pathOf(req),
    'url.scheme': 'http',
    'network.protocol.version': req.httpVersion,
    'server.port': req.socket.localPort,
    'client.address': req.socket.remoteAddress,
  });
  if (method === '_OTHER') span.setAttribute('http.request.method_original', String(req.method));
  recorded.set(res, span);
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (!res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR, message: 'response not completed' });
    else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
}

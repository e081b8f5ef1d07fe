// An OTLP/HTTP trace receiver for process tests: POST /v1/traces with the JSON encoding, which is
// what @opentelemetry/exporter-trace-otlp-http 0.301 sends (Content-Type application/json, hex
// trace/span ids). Any other content type is answered 415 and recorded as an error, so a change of
// encoding fails the tests loudly instead of looking like missing spans.
import { createServer } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { listen } from '../src/listen.ts';
import { closeNow } from './helpers.ts';

export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client */
  kind: number;
  attributes: Record<string, unknown>;
}

export const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpAttr {
  key: string;
  value?: OtlpValue;
}
interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  kind?: number;
  attributes?: OtlpAttr[];
}
interface OtlpRequest {
  resourceSpans?: { resource?: { attributes?: OtlpAttr[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[];
}

function attrs(list: OtlpAttr[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of list ?? []) {
    const v = a.value ?? {};
    out[a.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : undefined) ?? v.doubleValue ?? v.boolValue;
  }
  return out;
}

export function decodeJsonTraces(body: string): ReceivedSpan[] {
  const doc = JSON.parse(body) as OtlpRequest;
  const spans: ReceivedSpan[] = [];
  for (const rs of doc.resourceSpans ?? []) {
    const service = String(attrs(rs.resource?.attributes)['service.name'] ?? '');
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        spans.push({
          service,
          traceId: s.traceId ?? '',
          spanId: s.spanId ?? '',
          parentSpanId: s.parentSpanId ?? '',
          name: s.name ?? '',
          kind: s.kind ?? 0,
          attributes: attrs(s.attributes),
        });
      }
    }
  }
  return spans;
}

export interface TraceReceiver {
  /** base URL for OTEL_EXPORTER_OTLP_ENDPOINT */
  url: string;
  spans: ReceivedSpan[];
  errors: string[];
  close(): Promise<void>;
}

/** `delayMs`: answer each export after this long (a slow collector). */
export async function startTraceReceiver(options: { delayMs?: number } = {}): Promise<TraceReceiver> {
  const spans: ReceivedSpan[] = [];
  const errors: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        errors.push(`${req.method} ${req.url}`);
        res.writeHead(404).end();
        return;
      }
      const type = String(req.headers['content-type'] ?? '');
      if (!type.startsWith('application/json')) {
        errors.push(`unsupported content-type ${type}`);
        res.writeHead(415).end();
        return;
      }
      try {
        const raw = Buffer.concat(chunks);
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        spans.push(...decodeJsonTraces(body.toString('utf8')));
        const answer = (): void => void res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        if (options.delayMs === undefined) answer();
        else setTimeout(answer, options.delayMs).unref();
      } catch (err) {
        errors.push(`bad body: ${(err as Error).message}`);
        res.writeHead(400).end();
      }
    });
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    errors,
    close: () => closeNow(server),
  };
}

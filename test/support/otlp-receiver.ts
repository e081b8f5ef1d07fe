// The one OTLP/HTTP trace receiver: startOtlpReceiver() accepts POST /v1/traces (gzip or not) and
// hands each body to the caller, answering 200 with an empty ExportTraceServiceResponse, or 400
// when the caller cannot read it. Two users build on it:
// - startTraceReceiver(), for the process tests: the JSON encoding only, which is what
//   @opentelemetry/exporter-trace-otlp-http 0.301 sends (Content-Type application/json, hex
//   trace/span ids), decoded into spans. Any other content type is answered 415 and recorded as an
//   error, so a change of encoding fails the tests loudly instead of looking like missing spans.
// - bench/otlp-sink.ts, the benchmark's sink: JSON and protobuf, counting spans and wire bytes.
import { createServer, type IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { listen } from '../../services/shared/src/listen.ts';
import { closeNow } from './http.ts';

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

export interface OtlpExport {
  /** the body as received on the wire (before gunzip) */
  raw: Buffer;
  /** the body, gunzipped if it was sent with Content-Encoding gzip */
  body: Buffer;
  /** Content-Type application/x-protobuf (otherwise JSON) */
  protobuf: boolean;
}

export interface OtlpReceiverOptions {
  /** default 0 (any free port) on 127.0.0.1 */
  port?: number;
  host?: string;
  /** accept application/x-protobuf too (and read anything else as JSON); default JSON only, others get 415 */
  protobuf?: boolean;
  /** answer each export after this long (a slow collector) */
  delayMs?: number;
  keepAliveTimeoutMs?: number;
  /** one POST /v1/traces; throwing answers 400 */
  onExport(e: OtlpExport): void;
  /** a request answered with an error status (404, 415, 400), and why */
  onReject?(status: number, why: string): void;
  /** GET routes answered 200 with the JSON of what the function returns */
  get?: Record<string, () => unknown>;
}

export interface OtlpReceiver {
  /** base URL for OTEL_EXPORTER_OTLP_ENDPOINT */
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startOtlpReceiver(options: OtlpReceiverOptions): Promise<OtlpReceiver> {
  const handle = (req: IncomingMessage, raw: Buffer): { status: number; type?: string; body: string; why?: string } => {
    const route = req.method === 'GET' ? options.get?.[req.url ?? ''] : undefined;
    if (route !== undefined) return { status: 200, type: 'application/json', body: JSON.stringify(route()) };
    if (req.method !== 'POST' || req.url !== '/v1/traces') return { status: 404, body: '', why: `${req.method} ${req.url}` };
    const type = String(req.headers['content-type'] ?? '');
    const protobuf = options.protobuf === true && type.startsWith('application/x-protobuf');
    if (!options.protobuf && !type.startsWith('application/json'))
      return { status: 415, body: '', why: `unsupported content-type ${type}` };
    try {
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      options.onExport({ raw, body, protobuf });
    } catch (err) {
      const message = (err as Error).message;
      return { status: 400, type: 'text/plain', body: `bad OTLP body: ${message}`, why: `bad body: ${message}` };
    }
    // an empty ExportTraceServiceResponse means full success in both encodings
    return protobuf ? { status: 200, type: 'application/x-protobuf', body: '' } : { status: 200, type: 'application/json', body: '{}' };
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = handle(req, Buffer.concat(chunks));
      if (answer.why !== undefined) options.onReject?.(answer.status, answer.why);
      const send = (): void => void res.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {}).end(answer.body);
      if (answer.status !== 200 || options.delayMs === undefined || req.method !== 'POST') send();
      else setTimeout(send, options.delayMs).unref();
    });
  });
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  const host = options.host ?? '127.0.0.1';
  const { port } = await listen(server, options.port ?? 0, host, 'OTLP receiver');
  return { url: `http://${host}:${port}`, port, close: () => closeNow(server) };
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
  const receiver = await startOtlpReceiver({
    ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
    onExport: (e) => void spans.push(...decodeJsonTraces(e.body.toString('utf8'))),
    onReject: (_status, why) => void errors.push(why),
  });
  return { url: receiver.url, spans, errors, close: receiver.close };
}

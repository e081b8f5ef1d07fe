// A tiny OTLP/HTTP trace sink for the benchmark, built on the tests' OTLP receiver
// (test/support/otlp-receiver.ts): accepts POST /v1/traces (JSON or protobuf, optionally gzip),
// counts requests, spans and wire bytes, answers 200. GET /stats returns the counts. What is
// bench-only lives here: the counting, the protobuf span count, and running as its own process:
// `node bench/otlp-sink.ts` prints {"listening":PORT} on stdout.
import { startOtlpReceiver } from '../test/support/otlp-receiver.ts';

export interface SinkStats {
  requests: number;
  spans: number;
  /** request body bytes as received on the wire (before gunzip) */
  bytes: number;
  rejected: number;
  /** spans per span name (JSON bodies only; at most 50 distinct names, the rest under "(other)") */
  names: Record<string, number>;
}

/** Count spans in an OTLP JSON ExportTraceServiceRequest, tallying their names into `names` if given. */
export function countJsonSpans(body: string, names?: Record<string, number>): number {
  const doc = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: { name?: unknown }[] }[] }[] };
  let n = 0;
  for (const rs of doc.resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        n++;
        if (!names) continue;
        let name = typeof span.name === 'string' ? span.name : '(unnamed)';
        if (!(name in names) && Object.keys(names).length >= 50) name = '(other)';
        names[name] = (names[name] ?? 0) + 1;
      }
    }
  }
  return n;
}

function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0,
    mul = 1;
  for (;;) {
    if (pos >= buf.length) throw new Error('protobuf: truncated varint');
    const b = buf[pos++] as number;
    value += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [value, pos];
    mul *= 128;
    if (mul > 2 ** 63) throw new Error('protobuf: varint too long');
  }
}

/** The LEN-delimited payloads of field `field` in one protobuf message. */
function lenFields(buf: Uint8Array, field: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = readVarint(buf, pos);
    const wire = key & 7,
      num = Math.floor(key / 8);
    if (wire === 0) [, pos] = readVarint(buf, pos);
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      let len: number;
      [len, pos] = readVarint(buf, pos);
      if (pos + len > buf.length) throw new Error('protobuf: field runs past the end');
      if (num === field) out.push(buf.subarray(pos, pos + len));
      pos += len;
    } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  if (pos !== buf.length) throw new Error('protobuf: truncated message');
  return out;
}

/** Count spans in an OTLP protobuf ExportTraceServiceRequest (resource_spans=1, scope_spans=2, spans=2). */
export function countProtobufSpans(buf: Uint8Array): number {
  let n = 0;
  for (const rs of lenFields(buf, 1)) for (const ss of lenFields(rs, 2)) n += lenFields(ss, 2).length;
  return n;
}

export interface Sink {
  readonly port: number;
  readonly stats: SinkStats;
  close(): Promise<void>;
}

export async function startSink(port = 0, host = '127.0.0.1'): Promise<Sink> {
  const stats: SinkStats = { requests: 0, spans: 0, bytes: 0, rejected: 0, names: {} };
  const receiver = await startOtlpReceiver({
    port,
    host,
    protobuf: true,
    keepAliveTimeoutMs: 30_000,
    get: { '/stats': () => stats },
    onExport: ({ raw, body, protobuf }) => {
      // tally names into a scratch object first so a body that fails half way counts nothing
      const names: Record<string, number> = { ...stats.names };
      const spans = protobuf ? countProtobufSpans(body) : countJsonSpans(body.toString('utf8'), names);
      stats.names = names;
      stats.requests++;
      stats.spans += spans;
      stats.bytes += raw.length;
    },
    onReject: (status) => {
      if (status === 400) stats.rejected++;
    },
  });
  return { port: receiver.port, stats, close: receiver.close };
}

if (import.meta.main) {
  const sink = await startSink(Number(process.env['PORT'] ?? 0), process.env['HOST'] ?? '127.0.0.1');
  process.stdout.write(`${JSON.stringify({ listening: sink.port })}\n`);
  const stop = (): void => {
    void sink.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

import { gzipSync } from 'node:zlib';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { expect } from 'chai';
import { countProtobufSpans, type Sink, startSink } from './otlp-sink.ts';

/** protobuf LEN field: key (field << 3 | 2), varint length, bytes */
function len(field: number, payload: Uint8Array): Buffer {
  const lenBytes: number[] = [];
  let n = payload.length;
  do {
    lenBytes.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return Buffer.concat([Buffer.from([(field << 3) | 2, ...lenBytes]), payload]);
}
const span = (name: string): Buffer => len(5, Buffer.from(name)); // Span.name = 5
const varintField = (field: number, v: number): Buffer => Buffer.from([field << 3, v]);

async function post(sink: Sink, body: Buffer | string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${sink.port}/v1/traces`, {
    method: 'POST',
    body: typeof body === 'string' ? body : new Uint8Array(body),
    headers,
  });
  await res.arrayBuffer();
  return res.status;
}

describe('bench OTLP sink', () => {
  let sink: Sink;
  beforeEach(async () => {
    sink = await startSink(0);
  });
  afterEach(async () => {
    await sink.close();
  });

  it('counts the spans a real OTLP/HTTP exporter sends it', async () => {
    const provider = new TracerProvider({
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: `http://127.0.0.1:${sink.port}/v1/traces` }) })],
    });
    const tracer = provider.getTracer('bench-test');
    for (let i = 0; i < 7; i++) tracer.startSpan(`s${i}`).end();
    tracer.startActiveSpan('parent', (p) => {
      tracer.startSpan('child').end();
      p.end();
    });
    await provider.forceFlush();
    await provider.shutdown();
    expect(sink.stats.spans).to.equal(9);
    expect(sink.stats.requests).to.be.at.least(1);
    expect(sink.stats.bytes).to.be.greaterThan(500);
    expect(sink.stats.rejected).to.equal(0);
    expect(sink.stats.names).to.deep.equal({ s0: 1, s1: 1, s2: 1, s3: 1, s4: 1, s5: 1, s6: 1, parent: 1, child: 1 });
    const viaHttp = (await (await fetch(`http://127.0.0.1:${sink.port}/stats`)).json()) as { spans: number };
    expect(viaHttp.spans).to.equal(9);
  });

  it('counts JSON spans across resources and scopes, gzip included', async () => {
    const body = JSON.stringify({
      resourceSpans: [{ scopeSpans: [{ spans: [{}, {}] }, { spans: [{}] }] }, { scopeSpans: [{ spans: [{}] }, {}] }, {}],
    });
    expect(await post(sink, body, { 'content-type': 'application/json' })).to.equal(200);
    expect(await post(sink, gzipSync(body), { 'content-type': 'application/json', 'content-encoding': 'gzip' })).to.equal(200);
    expect(sink.stats.spans).to.equal(8);
    expect(sink.stats.requests).to.equal(2);
  });

  it('counts protobuf spans, skipping other fields', async () => {
    // ResourceSpans{resource=1, scope_spans=2 x2}; ScopeSpans{scope=1, spans=2, schema_url=3}
    const scopeA = Buffer.concat([len(1, Buffer.from('scope')), len(2, span('a')), len(2, span('b')), len(3, Buffer.from('url'))]);
    const scopeB = Buffer.concat([len(2, span('c')), varintField(4, 1)]);
    const rs = Buffer.concat([len(1, Buffer.from([0x0a, 0x00])), len(2, scopeA), len(2, scopeB)]);
    const req = Buffer.concat([len(1, rs), len(1, len(2, len(2, span('d'))))]);
    expect(countProtobufSpans(req)).to.equal(4);
    expect(await post(sink, req, { 'content-type': 'application/x-protobuf' })).to.equal(200);
    expect(sink.stats.spans).to.equal(4);
  });

  it('rejects a malformed body with 400 and does not count it', async () => {
    expect(await post(sink, '{"resourceSpans": [', { 'content-type': 'application/json' })).to.equal(400);
    expect(await post(sink, Buffer.from([0x0a, 0x05, 0x01]), { 'content-type': 'application/x-protobuf' })).to.equal(400);
    expect(sink.stats).to.deep.equal({ requests: 0, spans: 0, bytes: 0, rejected: 2, names: {} });
    const res = await fetch(`http://127.0.0.1:${sink.port}/v1/metrics`, { method: 'POST', body: '{}' });
    expect(res.status).to.equal(404);
  });
});

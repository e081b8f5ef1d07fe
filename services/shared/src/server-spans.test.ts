import { createServer, type Server } from 'node:http';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOffSampler, InMemorySpanExporter, ParentBasedSampler, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { expect } from 'chai';
import { closeNow, httpRequest } from '../../../test/support/http.ts';
import { pollUntil } from '../../../test/support/poll.ts';
import { listen } from './listen.ts';
import { setSpanRoute, withServerSpans } from './server-spans.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const parent = (sampled: boolean) => ({ traceparent: `00-${TRACE}-00f067aa0ba902b7-0${sampled ? 1 : 0}` });

describe("server spans (the app's own SERVER span per request)", () => {
  const exporter = new InMemorySpanExporter();
  // root spans are not sampled, so a test sees a span only when its traceparent says sampled
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new AlwaysOffSampler() }),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('test');
  const contextManager = new AsyncLocalStorageContextManager();
  let server: Server;
  let port = 0;
  const seen: { traceId?: string; recording?: boolean }[] = [];

  before(async () => {
    context.setGlobalContextManager(contextManager.enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    server = createServer(
      withServerSpans(
        (req, res) => {
          const span = trace.getSpan(context.active());
          seen.push({ traceId: span?.spanContext().traceId, recording: span?.isRecording() });
          if (req.url?.startsWith('/ping')) setSpanRoute(res, '/ping');
          if (req.url === '/hang') return void res.socket?.destroy();
          res.statusCode = req.url === '/boom' ? 500 : 200;
          res.end('x');
        },
        { tracer },
      ),
    );
    port = (await listen(server, 0, '127.0.0.1')).port;
  });
  after(async () => {
    await closeNow(server);
    context.disable();
    propagation.disable();
  });
  // the span ends on the response's 'close', which may come just after the client has its answer
  const finished = (n: number) =>
    pollUntil(() => exporter.getFinishedSpans().length >= n && exporter.getFinishedSpans(), 2000, `${n} finished spans`);
  beforeEach(() => {
    exporter.reset();
    seen.length = 0;
  });

  it('records a sampled request: SERVER kind, the incoming parent, stable HTTP attributes, named by route', async () => {
    await httpRequest(port, '/ping?x=1', { headers: parent(true) });
    const [span] = await finished(1);
    expect(span?.name).to.equal('GET /ping');
    expect(span?.kind).to.equal(1); // SpanKind.SERVER
    expect(span?.spanContext().traceId).to.equal(TRACE);
    expect(span?.parentSpanContext?.spanId).to.equal('00f067aa0ba902b7');
    expect(span?.attributes).to.include({
      'http.request.method': 'GET',
      'url.path': '/ping',
      'url.scheme': 'http',
      'http.route': '/ping',
      'http.response.status_code': 200,
      'server.port': port,
      'client.address': '127.0.0.1',
    });
    expect(span?.attributes, 'only for methods reported as _OTHER').not.to.have.property('http.request.method_original');
    expect(span?.status.code).to.equal(0);
    expect(seen).to.deep.equal([{ traceId: TRACE, recording: true }]);
  });

  it('an unsampled request records nothing, yet runs in its trace context (logs keep the trace id)', async () => {
    await httpRequest(port, '/ping', { headers: parent(false) });
    await httpRequest(port, '/ping'); // root: not sampled here
    // a sampled request after them: once its span has ended, any span of theirs would have too
    await httpRequest(port, '/ping', { headers: parent(true) });
    const spans = await finished(1);
    expect(spans.map((sp) => sp.parentSpanContext?.spanId)).to.deep.equal(['00f067aa0ba902b7']);
    expect(seen[0]).to.deep.equal({ traceId: TRACE, recording: false });
    expect(seen[1]?.recording).to.equal(false);
  });

  it('no route: the bare method and no http.route; a 5xx or a response never completed is an error; odd methods are _OTHER', async () => {
    await httpRequest(port, '/boom', { headers: parent(true) });
    await httpRequest(port, '/hang', { headers: parent(true) }).catch(() => undefined);
    await httpRequest(port, '/x', { method: 'PURGE', headers: parent(true) });
    const byPath = Object.fromEntries((await finished(3)).map((s) => [s.attributes['url.path'], s]));
    expect(byPath['/boom']?.name).to.equal('GET');
    expect(byPath['/boom']?.attributes).not.to.have.property('http.route');
    expect(byPath['/boom']?.status.code).to.equal(2); // ERROR
    expect(byPath['/hang']?.status).to.deep.equal({ code: 2, message: 'response not completed' });
    expect(byPath['/x']?.attributes).to.include({ 'http.request.method': '_OTHER', 'http.request.method_original': 'PURGE' });
  });

  it('probes and scrapes are not traced at all', async () => {
    for (const path of ['/livez', '/readyz', '/metrics?x']) await httpRequest(port, path, { headers: parent(true) });
    expect(seen.every((s) => s.traceId === undefined)).to.equal(true);
    // a traced request after them: once its span has ended, any span of theirs would have too
    await httpRequest(port, '/ping', { headers: parent(true) });
    expect((await finished(1)).map((sp) => sp.attributes['url.path'])).to.deep.equal(['/ping']);
  });
});

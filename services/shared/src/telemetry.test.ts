// startTelemetry() in this process, against the shared OTLP receiver on a loopback port. The SDK
// reads OTEL_* from process.env itself, so each test sets what it needs and restores it; the OTel
// API globals the SDK registers are reset after each test so other tests are unaffected.
import http from 'node:http';
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import { expect } from 'chai';
import { captureLogger, untimed } from '../../../test/support/capture-logger.ts';
import { parseExposition, value } from '../../../test/support/exposition.ts';
import { startServer, type TestServer } from '../../../test/support/loopback-servers.ts';
import { decodeJsonTraces, KIND, type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from '../../../test/support/otlp-receiver.ts';
import { pollUntil } from '../../../test/support/poll.ts';
import { BSP_DEFAULTS } from './budgets.ts';
import { createRegistry } from './metrics.ts';
import { dropWarner, rateLimitedReporter, SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, startTelemetry, type Telemetry } from './telemetry.ts';

interface Received {
  spans: ReceivedSpan[];
  /** resource attributes of each ResourceSpans received */
  resources: Record<string, unknown>[];
  receiver: OtlpReceiver;
}

async function receive(options: { delayMs?: number; reject?: boolean } = {}): Promise<Received> {
  const spans: ReceivedSpan[] = [];
  const resources: Record<string, unknown>[] = [];
  const receiver = await startOtlpReceiver({
    ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
    onExport: (e) => {
      if (options.reject) throw new Error('rejected by the test');
      const text = e.body.toString('utf8');
      spans.push(...decodeJsonTraces(text));
      const doc = JSON.parse(text) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] } }[] };
      for (const rs of doc.resourceSpans)
        resources.push(Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value.stringValue])));
    },
  });
  return { spans, resources, receiver };
}

/** GET on node:http's exports (the ones instrumentation-http patches); resolves with the request headers the server saw. */
function call(server: TestServer): Promise<http.IncomingHttpHeaders> {
  return new Promise((resolve, reject) => {
    http
      .get(`${server.url}/ping`, (res) => {
        res.resume();
        res.on('end', () => resolve(server.requests.at(-1)?.headers ?? {}));
      })
      .on('error', reject);
  });
}

const OTEL_KEYS = [
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_EXPORTER',
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_PROPAGATORS',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_BSP_SCHEDULE_DELAY',
  'OTEL_BSP_MAX_QUEUE_SIZE',
  'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
  'OTEL_BSP_EXPORT_TIMEOUT',
  'OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT',
  'OTEL_NODE_RESOURCE_DETECTORS',
  'OTEL_LOGS_EXPORTER',
];

describe('shared/telemetry', function () {
  this.timeout(15_000);
  const saved = new Map(OTEL_KEYS.map((k) => [k, process.env[k]]));
  const closers: (() => Promise<void>)[] = [];
  let telemetry: Telemetry | undefined;

  /** Sets process.env for one test: only these OTEL_* keys (plus the SDK's quiet defaults), restored after. */
  function setEnv(vars: Record<string, string>): void {
    for (const k of OTEL_KEYS) delete process.env[k];
    // no host/process detectors (their async attributes only slow the export), no log exporter
    Object.assign(process.env, { OTEL_NODE_RESOURCE_DETECTORS: 'none', OTEL_LOGS_EXPORTER: 'none' }, vars);
  }

  afterEach(async () => {
    await telemetry?.shutdown(2000);
    telemetry = undefined;
    for (const close of closers.splice(0)) await close();
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    trace.disable();
    context.disable();
    propagation.disable();
    setGlobalErrorHandler(loggingErrorHandler());
  });

  async function start(r?: Received): Promise<TestServer> {
    const server = await startServer((_req, res) => res.end('pong'));
    closers.push(server.close);
    if (r) closers.push(r.receiver.close);
    return server;
  }

  it('exports spans with the service name and version, cuts long attribute values, propagates W3C (no B3), flushes at shutdown', async () => {
    const r = await receive();
    const server = await start(r);
    // a long batch delay: the spans reach the receiver only because shutdown flushes them
    // blank is unset, as in @opentelemetry/core
    setEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: r.receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: ' ',
      OTEL_PROPAGATORS: ' ',
    });
    const { logger, lines } = captureLogger();
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1.2.3', logger });
    expect(telemetry.exporting).to.equal(true);
    expect(lines.map(untimed)).to.deep.equal([
      { level: 'info', service: 'test', msg: 'tracing on', exporter: 'otlp/http', endpoint: r.receiver.url },
    ]);

    trace
      .getTracer('test')
      .startSpan('work', { attributes: { 'url.path': 'x'.repeat(5000) } })
      .end();
    const headers = await trace.getTracer('test').startActiveSpan('parent', async (span) => {
      const seen = await call(server);
      span.end();
      return seen;
    });
    // default propagators (blank OTEL_PROPAGATORS is unset): W3C trace context and baggage, no B3
    expect(headers.traceparent).to.match(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(headers).not.to.have.property('b3');
    expect(r.spans).to.deep.equal([]);

    await telemetry.shutdown(5000);
    expect(r.spans.map((s) => s.name).sort()).to.deep.equal(['GET', 'parent', 'work']);
    expect(new Set(r.spans.map((s) => s.service))).to.deep.equal(new Set(['ponger']));
    for (const res of r.resources) expect(res).to.include({ 'service.name': 'ponger', 'service.version': '1.2.3' });
    const work = r.spans.find((s) => s.name === 'work');
    expect(work?.attributes['url.path']).to.equal('x'.repeat(SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT));
    // the outgoing call's CLIENT span is the child of the active span, and its context is what went on the wire
    const client = r.spans.find((s) => s.kind === KIND.CLIENT);
    const parent = r.spans.find((s) => s.name === 'parent');
    expect(client?.parentSpanId).to.equal(parent?.spanId);
    expect(headers.traceparent).to.equal(`00-${client?.traceId}-${client?.spanId}-01`);

    expect(lines.filter((l) => l.level === 'warn')).to.deep.equal([]);
    const registry = createRegistry({ defaultMetrics: false });
    telemetry.registerMetrics(registry);
    expect(telemetry.spans).to.deep.equal({ exported: 3, dropped: 0, failed: 0 });
    for (let scrape = 0; scrape < 2; scrape++) {
      const samples = parseExposition(await registry.metrics());
      expect(value(samples, 'otel_sdk_processor_span_processed_total', { error_type: '' })).to.equal(3);
    }
  });

  it(`keeps at most ${BSP_DEFAULTS.maxQueueSize} spans queued and sends batches of ${BSP_DEFAULTS.maxExportBatchSize}; drops are counted and warned`, async () => {
    const r = await receive();
    await start(r);
    setEnv({
      OTEL_TRACES_EXPORTER: ' OTLP ',
      OTEL_SERVICE_NAME: 'renamed',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${r.receiver.url}/v1/traces`,
      OTEL_BSP_SCHEDULE_DELAY: '60000',
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '4',
    });
    const { logger, lines } = captureLogger();
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1.2.3', logger });
    expect(lines.find((l) => l.msg === 'tracing on')).to.include({ exporter: 'otlp/http', endpoint: `${r.receiver.url}/v1/traces` });
    // in one synchronous burst: the first full batch leaves the queue at once, the queue then
    // fills up, and every further span is dropped until an export completes
    const tracer = trace.getTracer('test');
    for (let i = 0; i < 1000; i++) tracer.startSpan('burst', { attributes: { n: i, long: 'x'.repeat(10) } }).end();
    const queued = BSP_DEFAULTS.maxExportBatchSize + BSP_DEFAULTS.maxQueueSize;
    expect(telemetry.spans.dropped).to.equal(1000 - queued);
    expect(lines.filter((l) => l.level === 'warn').map(untimed)).to.deep.equal([
      {
        level: 'warn',
        service: 'test',
        msg: 'spans dropped: the export queue is full (collector slow or down); see otel_sdk_processor_span_processed_total',
        dropped: 1,
        queue_size: BSP_DEFAULTS.maxQueueSize,
      },
    ]);

    await telemetry.shutdown(5000);
    expect(r.spans).to.have.length(queued);
    expect(r.spans[0]).to.include({ service: 'renamed', name: 'burst' });
    expect(r.spans.map((s) => s.attributes.n)).to.deep.equal([...Array(queued).keys()]);
    expect(r.spans[0]?.attributes.long).to.equal('xxxx');
    const registry = createRegistry({ defaultMetrics: false });
    telemetry.registerMetrics(registry);
    const samples = parseExposition(await registry.metrics());
    expect(value(samples, 'otel_sdk_processor_span_processed_total', { error_type: '' })).to.equal(queued);
    expect(value(samples, 'otel_sdk_processor_span_processed_total', { error_type: 'queue_full' })).to.equal(1000 - queued);
    expect(value(samples, 'otel_sdk_processor_span_processed_total', { error_type: 'export_failed' })).to.equal(0);
  });

  it('counts spans lost in failed exports and dropped from a full OTEL_BSP_MAX_QUEUE_SIZE queue, and reports the failures without rejecting', async () => {
    const r = await receive({ reject: true });
    await start(r);
    setEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: r.receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_BSP_MAX_QUEUE_SIZE: '5',
      OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '2',
    });
    const { logger, lines } = captureLogger();
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1.2.3', logger });
    const { spans } = telemetry;
    const tracer = trace.getTracer('test');
    // 2 leave at once, 5 fill the queue, the 8th is dropped
    for (let i = 0; i < 8; i++) tracer.startSpan('lost').end();
    expect(spans.dropped).to.equal(1);
    // batches of 2 as each export fails, the last one after the 50 ms delay (the SDK's default is 5 s)
    await pollUntil(() => spans.failed === 7, 2000, '7 spans counted as failed');
    tracer.startSpan('lost at shutdown').end();
    await telemetry.shutdown(5000);
    expect(spans).to.deep.equal({ exported: 0, dropped: 1, failed: 8 });
    const registry = createRegistry({ defaultMetrics: false });
    telemetry.registerMetrics(registry);
    const samples = parseExposition(await registry.metrics());
    expect(value(samples, 'otel_sdk_processor_span_processed_total', { error_type: 'export_failed' })).to.equal(8);
    expect(value(samples, 'otel_sdk_processor_span_processed_total', { error_type: 'queue_full' })).to.equal(1);
    // failures in the background go through the SDK's error handler (ours, rate-limited); the one at shutdown is logged by it
    expect(
      lines.filter((l) => l.level === 'warn').map(({ msg, error, dropped, queue_size }) => ({ msg, error, dropped, queue_size })),
    ).to.deep.equal([
      {
        msg: 'spans dropped: the export queue is full (collector slow or down); see otel_sdk_processor_span_processed_total',
        error: undefined,
        dropped: 1,
        queue_size: 5,
      },
      { msg: 'telemetry error (further ones rate-limited)', error: 'Bad Request', dropped: undefined, queue_size: undefined },
      { msg: 'telemetry shutdown failed', error: 'Bad Request', dropped: undefined, queue_size: undefined },
    ]);
  });

  it('OTEL_BSP_EXPORT_TIMEOUT ends an export the collector does not answer', async () => {
    const r = await receive({ delayMs: 5000 });
    await start(r);
    setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: r.receiver.url, OTEL_BSP_SCHEDULE_DELAY: '60000', OTEL_BSP_EXPORT_TIMEOUT: '100' });
    const { logger, lines } = captureLogger();
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1.2.3', logger });
    trace.getTracer('test').startSpan('slow').end();
    await telemetry.shutdown(3000);
    expect(lines.filter((l) => l.level === 'warn').map(({ msg, error }) => ({ msg, error }))).to.deep.equal([
      { msg: 'telemetry shutdown failed', error: 'Timeout' },
    ]);
  });

  it('shutdown gives up after its budget when the collector is slow, and says so', async () => {
    const r = await receive({ delayMs: 5000 });
    await start(r);
    setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: r.receiver.url, OTEL_BSP_SCHEDULE_DELAY: '60000' });
    const { logger, lines } = captureLogger();
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1.2.3', logger });
    trace.getTracer('test').startSpan('slow').end();
    const started = Date.now();
    await telemetry.shutdown(200);
    expect(Date.now() - started).to.be.below(2000);
    expect(lines.filter((l) => l.level === 'warn').map(untimed)).to.deep.equal([
      { level: 'warn', service: 'test', msg: 'telemetry flush timed out, pending spans dropped', timeout_ms: 200 },
    ]);
  });

  it('trace and span ids come from crypto randomness (PooledIdGenerator), not Math.random as the SDK default', async () => {
    const r = await receive();
    await start(r);
    setEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: r.receiver.url, OTEL_TRACES_SAMPLER: 'always_off' });
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1.2.3', logger: captureLogger().logger });
    const tracer = trace.getTracer('ids');
    const random = Math.random;
    Math.random = () => 0.5; // the SDK's RandomIdGenerator would give every span the same ids
    try {
      const [a, b] = [tracer.startSpan('a').spanContext(), tracer.startSpan('b').spanContext()];
      expect(a.traceId).not.to.equal(b.traceId);
      expect(a.spanId).not.to.equal(b.spanId);
      expect(isSpanContextValid(a) && isSpanContextValid(b)).to.equal(true);
    } finally {
      Math.random = random;
    }
  });

  it('OTEL_TRACES_EXPORTER=none: no spans sent, trace context still propagated (here tracecontext only, from OTEL_PROPAGATORS)', async () => {
    const r = await receive();
    const server = await start(r);
    setEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: r.receiver.url, OTEL_PROPAGATORS: 'tracecontext' });
    const { logger, lines } = captureLogger();
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1.2.3', logger });
    expect(telemetry.exporting).to.equal(false);
    expect(lines.map(untimed)).to.deep.equal([
      { level: 'info', service: 'test', msg: 'tracing: context propagation only', exporter: 'none' },
    ]);
    const incoming = propagation.extract(context.active(), { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
    const headers = await context.with(incoming, () => call(server));
    expect(headers.traceparent).to.match(/^00-0af7651916cd43dd8448eb211c80319c-/);
    expect(headers).not.to.have.property('b3');
    await telemetry.shutdown(2000);
    expect(r.spans).to.deep.equal([]);
  });

  it('B3 only when OTEL_PROPAGATORS lists it, before tracecontext: then both are written, and a traceparent wins over a b3', async () => {
    const proxied = { traceparent: `00-${'a'.repeat(32)}-${'c'.repeat(16)}-01`, b3: `${'a'.repeat(32)}-${'b'.repeat(16)}-1` };
    const b3Only = { b3: `${'d'.repeat(32)}-${'e'.repeat(16)}-1` };
    const parentOf = (carrier: Record<string, string>): string | undefined =>
      trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier))?.spanId;
    const { logger } = captureLogger();
    setEnv({ OTEL_TRACES_EXPORTER: 'none' });
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1', logger });
    expect(parentOf(proxied)).to.equal('c'.repeat(16));
    expect(parentOf(b3Only), 'b3 ignored by default').to.equal(undefined);
    await telemetry.shutdown(2000);
    // the API keeps the first global propagator registered: let the second start register its own
    trace.disable();
    context.disable();
    propagation.disable();

    const server = await start();
    setEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_PROPAGATORS: 'b3,tracecontext,baggage' });
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1', logger });
    expect(parentOf(proxied)).to.equal('c'.repeat(16));
    expect(parentOf(b3Only)).to.equal('e'.repeat(16));
    const headers = await context.with(propagation.extract(ROOT_CONTEXT, proxied), () => call(server));
    expect(headers.traceparent).to.match(/^00-a{32}-/);
    expect(headers.b3).to.match(/^a{32}-[0-9a-f]{16}-1$/);
  });

  it('a list of exporters is left to the SDK, and the log names it', async () => {
    setEnv({ OTEL_TRACES_EXPORTER: 'otlp,console' });
    const { logger, lines } = captureLogger();
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1.2.3', logger });
    expect(telemetry.exporting).to.equal(true);
    expect(lines.map(({ msg, exporter, endpoint }) => ({ msg, exporter, endpoint }))).to.deep.equal([
      { msg: 'tracing on', exporter: 'otlp,console', endpoint: 'http://localhost:4318' },
    ]);
    await telemetry.shutdown(500);
    // console alone: spans go to stdout, so the line names no endpoint
    setEnv({ OTEL_TRACES_EXPORTER: 'console' });
    const second = captureLogger();
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1.2.3', logger: second.logger });
    expect(second.lines.map(({ msg, exporter, endpoint }) => ({ msg, exporter, endpoint }))).to.deep.equal([
      { msg: 'tracing on', exporter: 'console', endpoint: undefined },
    ]);
  });

  it('OTEL_SDK_DISABLED=true (any case, blanks around): no SDK, zero span metrics, shutdown at once', async () => {
    setEnv({});
    const { logger, lines } = captureLogger();
    telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: '1.2.3', logger, env: { OTEL_SDK_DISABLED: ' True ' } });
    expect(telemetry.exporting).to.equal(false);
    expect(lines.map(({ msg, reason }) => ({ msg, reason }))).to.deep.equal([{ msg: 'tracing off', reason: 'OTEL_SDK_DISABLED=true' }]);
    const span = trace.getTracer('test').startSpan('x');
    expect(span.isRecording()).to.equal(false);
    const registry = createRegistry({ defaultMetrics: false });
    telemetry.registerMetrics(registry);
    const samples = parseExposition(await registry.metrics());
    for (const error_type of ['', 'queue_full', 'export_failed'])
      expect(value(samples, 'otel_sdk_processor_span_processed_total', { error_type })).to.equal(0);
    await telemetry.shutdown(1);
  });
});

describe('shared/telemetry rate-limited warnings', () => {
  it('rateLimitedReporter logs the first error at once, then one line per interval with the count skipped', () => {
    const { logger, lines } = captureLogger();
    let now = 1000;
    const report = rateLimitedReporter(logger, 'telemetry error', 60_000, () => now);
    report(new Error('e'.repeat(400)));
    now += 59_999;
    report('skipped 1');
    report(new Error('skipped 2'));
    now += 1;
    report('plain string');
    expect(lines.map(({ level, msg, error, suppressed_since_last }) => ({ level, msg, error, suppressed_since_last }))).to.deep.equal([
      { level: 'warn', msg: 'telemetry error', error: 'e'.repeat(300), suppressed_since_last: 0 },
      { level: 'warn', msg: 'telemetry error', error: 'plain string', suppressed_since_last: 2 },
    ]);
  });

  it('dropWarner warns at the first drop, then once per interval with the spans dropped since', () => {
    const { logger, lines } = captureLogger();
    let now = 0;
    const dropped = dropWarner(logger, 512, 60_000, () => now);
    dropped(3);
    now = 59_999;
    dropped(4);
    dropped(5);
    now = 60_000;
    dropped(1);
    now = 60_001;
    dropped(7);
    expect(lines.map(({ dropped, queue_size }) => ({ dropped, queue_size }))).to.deep.equal([
      { dropped: 3, queue_size: 512 },
      { dropped: 10, queue_size: 512 },
    ]);
  });
});

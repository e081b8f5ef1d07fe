// OpenTelemetry tracing for both services (SDK 3.x / 0.301). instrumentation-http makes the
// CLIENT span of each outgoing call (pinger's got call) and injects the trace context; its
// incoming path is off: the SERVER span of each request is the app's own (server-spans.ts,
// ADR 0013), which costs a fraction per request. No express instrumentation, no
// import-in-the-middle hook. Call startTelemetry() BEFORE importing the app module:
// instrumentations patch modules as they load.
import { createRequire } from 'node:module';
import { createNoopMeter, type Meter, type MeterProvider, type Counter as OtelCounter } from '@opentelemetry/api';
import { getNumberFromEnv, setGlobalErrorHandler } from '@opentelemetry/core';
import { Counter } from 'prom-client';
import { BSP_DEFAULTS, FLUSH_TIMEOUT_MS } from './budgets.ts';
import { PooledIdGenerator } from './id-generator.ts';
import type { Logger } from './logger.ts';
import type { AppRegistry } from './metrics.ts';

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  logger: Logger;
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Longest span attribute value (characters) unless OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT or
 * OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT is set: a 15 KB request path must not make a 16 KB span.
 */
export const SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT = 1024;

/** Spans the batch span processor finished with (OTLP exporter only). */
export interface SpanStats {
  exported: number;
  /** dropped because the queue was full (OTEL_BSP_MAX_QUEUE_SIZE): the collector is too slow */
  dropped: number;
  /** lost in a failed export */
  failed: number;
}

export interface Telemetry {
  /** false when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none */
  readonly exporting: boolean;
  readonly spans: Readonly<SpanStats>;
  /** adds otel_sdk_processor_span_processed_total (from `spans`) to an app's registry */
  registerMetrics(registry: AppRegistry): void;
  /** flushes pending spans and stops the SDK, giving up after timeoutMs (default FLUSH_TIMEOUT_MS); never rejects */
  shutdown(timeoutMs?: number): Promise<void>;
}

/** true at the first call, then at most once per interval (the rate limit of the two warnings below) */
function intervalGate(intervalMs: number, now: () => number): () => boolean {
  let last = -Infinity;
  return () => {
    const t = now();
    if (t - last < intervalMs) return false;
    last = t;
    return true;
  };
}

/** Logs the first error at once, then at most one line per interval with the count skipped. */
export function rateLimitedReporter(
  logger: Logger,
  msg: string,
  intervalMs = 60_000,
  now: () => number = Date.now,
): (err: unknown) => void {
  const due = intervalGate(intervalMs, now);
  let suppressed = 0;
  return (err: unknown) => {
    if (!due()) {
      suppressed++;
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    logger.warn(msg, { error: message.slice(0, 300), suppressed_since_last: suppressed });
    suppressed = 0;
  };
}

/** The Prometheus counter of `stats`, named after OTel's otel.sdk.processor.span.processed. */
function registerSpanMetrics(registry: AppRegistry, stats: Readonly<SpanStats>): void {
  new Counter({
    name: 'otel_sdk_processor_span_processed_total',
    help: 'Spans the batch span processor finished with: exported (error_type empty), dropped with its queue full (queue_full), lost in a failed export (export_failed).',
    labelNames: ['error_type'],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ error_type: '' }, stats.exported);
      this.inc({ error_type: 'queue_full' }, stats.dropped);
      this.inc({ error_type: 'export_failed' }, stats.failed);
    },
  });
}

/**
 * A MeterProvider for the BatchSpanProcessor's own metrics (@opentelemetry/sdk-trace 3.1.0
 * dist/export/SpanProcessorMetrics.mjs: counter otel.sdk.processor.span.processed, attribute
 * error.type `queue_full` for a span dropped, the error's name for a failed export, none when
 * exported) that only counts into `stats`. No OTel metrics pipeline is needed for it.
 */
function countingMeterProvider(stats: SpanStats, onDropped: (count: number) => void): MeterProvider {
  const noop = createNoopMeter();
  const counter: OtelCounter = {
    add(value, attributes) {
      // Stryker disable next-line OptionalChaining: SpanProcessorMetrics 3.1.0 passes attributes on every add()
      const error = attributes?.['error.type'];
      if (error === undefined) stats.exported += value;
      else if (error === 'queue_full') {
        stats.dropped += value;
        onDropped(value);
      } else stats.failed += value;
    },
  };
  // otel.sdk.processor.span.processed is the only counter SpanProcessorMetrics 3.1.0 creates
  const meter: Meter = Object.assign(Object.create(noop) as Meter, { createCounter: () => counter });
  return { getMeter: () => meter };
}

/**
 * Warns at the first drop, then at most once per interval with the count dropped since; names the
 * queue size the processor really has (OTEL_BSP_MAX_QUEUE_SIZE or BSP_DEFAULTS.maxQueueSize).
 */
export function dropWarner(logger: Logger, queueSize: number, intervalMs = 60_000, now: () => number = Date.now): (count: number) => void {
  const due = intervalGate(intervalMs, now);
  let since = 0;
  return (count) => {
    since += count;
    if (!due()) return;
    logger.warn('spans dropped: the export queue is full (collector slow or down); see otel_sdk_processor_span_processed_total', {
      dropped: since,
      queue_size: queueSize,
    });
    since = 0;
  };
}

function envList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const env = options.env ?? process.env;
  const { logger } = options;
  const disabled = env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true';
  const exporters = envList(env.OTEL_TRACES_EXPORTER);
  const exportOff = exporters[0] === 'none';
  const spans: SpanStats = { exported: 0, dropped: 0, failed: 0 };
  const registerMetrics = (registry: AppRegistry): void => registerSpanMetrics(registry, spans);
  if (disabled) {
    logger.info('tracing off', { reason: 'OTEL_SDK_DISABLED=true' });
    return { exporting: false, spans, registerMetrics, shutdown: async () => {} };
  }
  const [{ NodeSDK }, { HttpInstrumentation }, { OTLPTraceExporter }, { resourceFromAttributes, defaultResource }, { BatchSpanProcessor }] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/sdk-trace'),
    ]);
  // Outgoing calls only; incoming requests get their SERVER span from server-spans.ts.
  const instrumentations = [new HttpInstrumentation({ disableIncomingRequestInstrumentation: true })];
  setGlobalErrorHandler(rateLimitedReporter(logger, 'telemetry error (further ones rate-limited)'));

  // Propagators: the SDK's, from OTEL_PROPAGATORS; unset, W3C tracecontext + baggage (sdk-node
  // 0.301.0 dist/utils.mjs setupPropagator). No B3 by default (ADR 0008, amendment): Linkerd's
  // proxies rewrite only traceparent, and otel-env.ts refuses a list with b3 after tracecontext.

  // Unset or `otlp`: our OTLP/HTTP exporter behind a BatchSpanProcessor built as the SDK builds it
  // (sdk-node 0.301.0 create-from-env.mjs createBatchSpanProcessorFromEnv: OTEL_BSP_* apply),
  // whose drops and failed exports are counted. Anything else (`none`, `console`, a list): the SDK
  // reads the variable itself; `none` first gives no span processor (sdk-node 0.301.0 utils.mjs
  // getSpanProcessorsFromEnv).
  const useOtlp = exporters.length === 0 || (exporters.length === 1 && exporters[0] === 'otlp');
  // OTEL_BSP_* are integers > 0 when set: checkOtelEnv (otel-env.ts) refused anything else at start
  const bspSetting = getNumberFromEnv;
  const otlpProcessor = (): InstanceType<typeof BatchSpanProcessor> => {
    const maxQueueSize = bspSetting('OTEL_BSP_MAX_QUEUE_SIZE') ?? BSP_DEFAULTS.maxQueueSize;
    return new BatchSpanProcessor({
      exporter: new OTLPTraceExporter(),
      selfObsMeterProvider: countingMeterProvider(spans, dropWarner(logger, maxQueueSize)),
      maxQueueSize,
      scheduledDelayMillis: bspSetting('OTEL_BSP_SCHEDULE_DELAY'),
      exportTimeoutMillis: bspSetting('OTEL_BSP_EXPORT_TIMEOUT'),
      maxExportBatchSize: bspSetting('OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? BSP_DEFAULTS.maxExportBatchSize,
    });
  };
  // Our attribute length limit unless the standard variables set one (the SDK reads them itself:
  // sdk-node 0.301.0 create-from-env.mjs createSpanLimitsFromEnv, overridden by spanLimits given here).
  const lengthFromEnv = [env.OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT, env.OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT].some(
    (v) => v !== undefined && v.trim() !== '',
  );
  const spanLimits = lengthFromEnv ? {} : { attributeValueLengthLimit: SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT };
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? options.serviceName,
    resource: defaultResource().merge(resourceFromAttributes({ 'service.version': options.serviceVersion })),
    instrumentations,
    spanLimits,
    // ids cut from a pool of crypto-random hex: about 300 ns less per request than the default
    idGenerator: new PooledIdGenerator(),
    ...(useOtlp ? { spanProcessors: [otlpProcessor()] } : {}),
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  // instrumentation-http patches node:http's exports only when `http` is next require()d after the
  // instrumentation is enabled (@opentelemetry/instrumentation 0.301.0 dist/platform/node/
  // instrumentation.mjs enable(): require-in-the-middle hooks; the ESM hook needs a loader we do not
  // register). ESM imports (got, our servers) do not trigger it: whether pinger's calls were traced
  // depended on a module loaded later (prom-client) happening to require('http'). Require it here.
  createRequire(import.meta.url)('http');
  logger.info(exportOff ? 'tracing: context propagation only' : 'tracing on', {
    exporter: exportOff ? 'none' : useOtlp ? 'otlp/http' : exporters.join(','),
    // only where spans go over OTLP: `console` alone (or `none`) sends nothing anywhere
    endpoint:
      exporters.length === 0 || exporters.includes('otlp')
        ? (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318')
        : undefined,
  });
  return {
    exporting: !exportOff,
    spans,
    registerMetrics,
    shutdown: async (timeoutMs = FLUSH_TIMEOUT_MS) => {
      // An unreachable collector makes the exporter retry for its whole timeout; do not let that
      // eat the shutdown deadline: pending spans are dropped after timeoutMs.
      // unref'd: the timer never holds the process up, cleared or not
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs).unref()));
      try {
        const outcome = await Promise.race([sdk.shutdown(), gaveUp]);
        if (outcome === 'timeout') logger.warn('telemetry flush timed out, pending spans dropped', { timeout_ms: timeoutMs });
      } catch (err) {
        logger.warn('telemetry shutdown failed', { error: (err as Error).message });
      }
      // Stryker disable next-line CallExpression: the timer is unref'd; leaving it to fire changes nothing observable
      clearTimeout(timer);
    },
  };
}

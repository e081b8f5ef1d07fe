// OpenTelemetry tracing for both services (SDK 3.x / 0.301): instrumentation-http only, so each
// request is one SERVER span (ponger) or one CLIENT span (pinger's got call). ponger names its
// SERVER span by route template through the RPC metadata (see ponger's app.ts and ADR 0008): no
// express instrumentation, no import-in-the-middle hook. Call startTelemetry() BEFORE importing
// the app module: instrumentations patch modules as they load.
import type { IncomingMessage } from 'node:http';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator, setGlobalErrorHandler } from '@opentelemetry/core';
import { B3Propagator } from '@opentelemetry/propagator-b3';
import type { Logger } from './logger.ts';

/** Paths never traced: probes and scrapes would drown the real traffic. */
export const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/livez', '/readyz', '/metrics']);

export interface TelemetryOptions {
  serviceName: string;
  serviceVersion: string;
  logger: Logger;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface Telemetry {
  /** false when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none */
  readonly exporting: boolean;
  /** flushes pending spans and stops the SDK, giving up after timeoutMs (default 3000); never rejects */
  shutdown(timeoutMs?: number): Promise<void>;
}

export function isUntraced(req: IncomingMessage): boolean {
  return UNTRACED_PATHS.has((req.url ?? '/').split('?')[0] ?? '/');
}

/** Logs the first error at once, then at most one line per interval with the count skipped. */
export function rateLimitedReporter(logger: Logger, msg: string, intervalMs = 60_000, now: () => number = Date.now): (err: unknown) => void {
  let last = -Infinity;
  let suppressed = 0;
  return (err: unknown) => {
    const t = now();
    if (t - last < intervalMs) {
      suppressed++;
      return;
    }
    last = t;
    const message = err instanceof Error ? err.message : String(err);
    logger.warn(msg, { error: message.slice(0, 300), suppressed_since_last: suppressed });
    suppressed = 0;
  };
}

function envList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
}

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const env = options.env ?? process.env;
  const { logger } = options;
  const disabled = (env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true';
  const exporters = envList(env.OTEL_TRACES_EXPORTER);
  const exportOff = exporters[0] === 'none';
  if (disabled) {
    logger.info('tracing off', { reason: 'OTEL_SDK_DISABLED=true' });
    return { exporting: false, shutdown: async () => {} };
  }
  const [{ NodeSDK }, { HttpInstrumentation }, { OTLPTraceExporter }, { resourceFromAttributes, defaultResource }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const instrumentations = [new HttpInstrumentation({ ignoreIncomingRequestHook: isUntraced })];
  setGlobalErrorHandler(rateLimitedReporter(logger, 'telemetry error (further ones rate-limited)'));

  // OTEL_PROPAGATORS wins when set; default: W3C tracecontext + baggage, B3 accepted.
  const textMapPropagator = env.OTEL_PROPAGATORS === undefined || env.OTEL_PROPAGATORS.trim() === ''
    ? new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new B3Propagator()] })
    : undefined;

  // Unset or `otlp`: our OTLP/HTTP exporter behind the SDK's BatchSpanProcessor (OTEL_BSP_* apply).
  // `none`: no span processors. Anything else (e.g. `console`): the SDK reads the variable itself.
  const useOtlp = exporters.length === 0 || (exporters.length === 1 && exporters[0] === 'otlp');
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? options.serviceName,
    resource: defaultResource().merge(resourceFromAttributes({ 'service.version': options.serviceVersion })),
    instrumentations,
    ...(textMapPropagator ? { textMapPropagator } : {}),
    ...(exportOff ? { spanProcessors: [] } : useOtlp ? { traceExporter: new OTLPTraceExporter() } : {}),
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  logger.info(exportOff ? 'tracing: context propagation only' : 'tracing on', {
    exporter: exportOff ? 'none' : useOtlp ? 'otlp/http' : exporters.join(','),
    endpoint: exportOff ? undefined : env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT ?? 'http://localhost:4318',
  });
  return {
    exporting: !exportOff,
    shutdown: async (timeoutMs = 3000) => {
      // An unreachable collector makes the exporter retry for its whole timeout; do not let that
      // eat the shutdown deadline: pending spans are dropped after timeoutMs.
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
      try {
        const outcome = await Promise.race([sdk.shutdown().then(() => 'flushed' as const), gaveUp]);
        if (outcome === 'timeout') logger.warn('telemetry flush timed out, pending spans dropped', { timeout_ms: timeoutMs });
      } catch (err) {
        logger.warn('telemetry shutdown failed', { error: (err as Error).message });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

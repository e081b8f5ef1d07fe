// prom-client helpers: one Registry per app instance (never the global one), OpenMetrics so
// exemplars render, and the exemplar labels of the active span.
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { Registry, collectDefaultMetrics, openMetricsContentType, type Histogram, type LabelValues, type OpenMetricsContentType } from 'prom-client';

/** Histogram buckets shared by ponger's server and pinger's client durations (seconds). */
export const DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Methods reported as themselves; anything else is `_OTHER` (bounded label). */
export const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

export function methodLabel(method: string | undefined): string {
  return method !== undefined && KNOWN_METHODS.has(method) ? method : '_OTHER';
}

/** The registry type every app uses (OpenMetrics); type parameters that take it as `AppRegistry`. */
export type AppRegistry = Registry<OpenMetricsContentType>;

export interface RegistryOptions {
  /** prom-client default process metrics (`process_*`, `nodejs_*`); default true */
  defaultMetrics?: boolean;
}

export function createRegistry(options: RegistryOptions = {}): AppRegistry {
  const registry = new Registry<OpenMetricsContentType>();
  registry.setContentType(openMetricsContentType);
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** Exemplar labels: `{trace_id}` of the active, sampled span, or undefined (32 hex chars < 128). */
export function exemplarLabels(): { trace_id: string } | undefined {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !isSpanContextValid(ctx) || (ctx.traceFlags & 1) === 0) return undefined;
  return { trace_id: ctx.traceId };
}

/**
 * Observes `seconds` on a histogram created with `enableExemplars`, with the `trace_id` exemplar
 * when there is one. prom-client types exemplar labels with the metric's own label names, and
 * trace_id is not one of them, hence the one cast, here.
 */
export function observeWithExemplar<T extends string>(histogram: Histogram<T>, labels: LabelValues<T>, seconds: number, traceId: string | undefined): void {
  const exemplar = traceId === undefined ? {} : { trace_id: traceId };
  histogram.observe({ labels, value: seconds, exemplarLabels: exemplar as unknown as LabelValues<T> });
}

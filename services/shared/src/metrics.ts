// prom-client helpers: one Registry per app instance (never the global one), OpenMetrics so
// exemplars render, Prometheus text 0.0.4 for clients that do not ask for OpenMetrics, and the
// exemplar labels of the active span.
import { isSpanContextValid, type SpanContext, TraceFlags, trace } from '@opentelemetry/api';
import {
  collectDefaultMetrics,
  type Histogram,
  type LabelValues,
  type Metric,
  type OpenMetricsContentType,
  openMetricsContentType,
  prometheusContentType,
  Registry,
} from 'prom-client';

/** Histogram buckets shared by ponger's server and pinger's client durations (seconds). */
export const DURATION_BUCKETS: readonly number[] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Methods reported as themselves; anything else is `_OTHER` (bounded label). */
export const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

export function methodLabel(method: string | undefined): string {
  // Stryker disable next-line ConditionalExpression: `method !== undefined` only narrows the type; KNOWN_METHODS.has(undefined) is false anyway
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

/**
 * Exemplar labels: `{trace_id}` of `ctx` when it is sampled and valid, or undefined (32 hex
 * chars < 128). The sampled flag is read first: most requests are not.
 */
export function exemplarOf(ctx: SpanContext | undefined): { trace_id: string } | undefined {
  if (!ctx || (ctx.traceFlags & TraceFlags.SAMPLED) === 0 || !isSpanContextValid(ctx)) return undefined;
  return { trace_id: ctx.traceId };
}

/** Exemplar labels of the active span (exemplarOf). */
export function exemplarLabels(): { trace_id: string } | undefined {
  return exemplarOf(trace.getActiveSpan()?.spanContext());
}

/**
 * Observes `seconds` on a histogram created with `enableExemplars`, with the `trace_id` exemplar
 * when there is one. prom-client types exemplar labels with the metric's own label names, and
 * trace_id is not one of them, hence the one cast, here.
 */
export function observeWithExemplar<T extends string>(
  histogram: Histogram<T>,
  labels: LabelValues<T>,
  seconds: number,
  traceId: string | undefined,
): void {
  const exemplar = traceId === undefined ? {} : { trace_id: traceId };
  histogram.observe({ labels, value: seconds, exemplarLabels: exemplar as unknown as LabelValues<T> });
}

export type ExpositionFormat = 'openmetrics' | 'prometheus';

/**
 * OpenMetrics only when the Accept header lists `application/openmetrics-text` with a q at least
 * that of `text/plain`; anything else (no header, `*\/*`, `text/plain`) gets Prometheus text 0.0.4.
 * Prometheus 3 asks for OpenMetrics first (config/config.go DefaultScrapeProtocols and
 * scrape/scrape.go acceptHeader, v3.14.0), so it keeps the exemplars, which only OpenMetrics carries.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined) return 'prometheus';
  let openMetrics = 0;
  let text = 0;
  for (const part of accept.slice(0, 1024).split(',')) {
    const [type, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain') text = Math.max(text, q);
  }
  return openMetrics > 0 && openMetrics >= text ? 'openmetrics' : 'prometheus';
}

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  openmetrics: openMetricsContentType,
  prometheus: prometheusContentType,
};

/**
 * A counter as Prometheus text shows it. prom-client's OpenMetrics rendering strips `_total` from
 * the counter's name for good (registry.js standardizeCounterName) and adds it back per sample;
 * in Prometheus text the name must keep it, or every counter changes name between formats.
 */
interface Collectable {
  get(): Promise<{ name: string; type: string }>;
}

function prometheusView(metric: Collectable): Collectable {
  return {
    ...metric,
    get: async () => {
      const data = await metric.get();
      return data.type === 'counter' && !data.name.endsWith('_total') ? { ...data, name: `${data.name}_total` } : data;
    },
  };
}

/** The exposition of `registry` in `format` (the registry itself stays OpenMetrics). */
export async function renderMetrics(registry: AppRegistry, format: ExpositionFormat): Promise<string> {
  if (format === 'openmetrics') return registry.metrics();
  const text = new Registry(); // prom-client's default content type: Prometheus text 0.0.4
  for (const metric of registry.getMetricsAsArray() as unknown as Collectable[])
    text.registerMetric(prometheusView(metric) as unknown as Metric);
  return text.metrics();
}

/** Shortest time between the starts of two renderings of one format (see MetricsRenderer). */
export const MIN_RENDER_INTERVAL_MS = 100;

/**
 * Renders at most one exposition at a time per format, and starts renderings at least
 * MIN_RENDER_INTERVAL_MS apart. A scrape that arrives while a rendering runs (or too soon after one
 * started) waits for the next one, never getting an answer older than its request, and every scrape
 * waiting then shares that next one: a flood of scrapes costs at most ten renderings a second.
 */
export class MetricsRenderer {
  readonly #registry: AppRegistry;
  readonly #minIntervalMs: number;
  readonly #running = new Map<ExpositionFormat, Promise<string>>();
  readonly #next = new Map<ExpositionFormat, Promise<string>>();
  readonly #lastStart = new Map<ExpositionFormat, number>();
  renderings = 0;
  constructor(registry: AppRegistry, minIntervalMs = MIN_RENDER_INTERVAL_MS) {
    this.#registry = registry;
    this.#minIntervalMs = minIntervalMs;
  }

  #gap(format: ExpositionFormat): number {
    return Math.max(0, (this.#lastStart.get(format) ?? -Infinity) + this.#minIntervalMs - Date.now());
  }

  render(format: ExpositionFormat): Promise<string> {
    const queued = this.#next.get(format);
    if (queued !== undefined) return queued;
    const running = this.#running.get(format);
    if (running === undefined && this.#gap(format) === 0) return this.#start(format);
    const next = (running ?? Promise.resolve())
      .then(
        () => undefined,
        () => undefined,
      )
      .then(() => new Promise((resolve) => setTimeout(resolve, this.#gap(format))))
      .then(() => {
        this.#next.delete(format);
        return this.#start(format);
      });
    this.#next.set(format, next);
    return next;
  }

  #start(format: ExpositionFormat): Promise<string> {
    this.renderings++;
    this.#lastStart.set(format, Date.now());
    const p = renderMetrics(this.#registry, format).finally(() => this.#running.delete(format));
    this.#running.set(format, p);
    return p;
  }
}

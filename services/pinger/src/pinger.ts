// Ties the schedule to the client: each tick either starts one ping (a `ping` span, one JSON log
// line, metrics) or, when ping.maxInFlight pings are still running, counts the tick as skipped.
// Ticks the scheduler passed over (a blocked event loop) are counted as skipped too, so
// pings + skipped == ticks due. A ping never rejects: every failure is an outcome.
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { redactUrl } from '../../shared/src/config.ts';
import type { Logger } from '../../shared/src/logger.ts';
import { exemplarLabels } from '../../shared/src/metrics.ts';
import type { PingClient, PingResult } from './client.ts';
import type { PingerMetrics } from './metrics.ts';
import { type Clock, Scheduler, type TickInfo } from './scheduler.ts';

export interface PingerOptions {
  client: PingClient;
  metrics: PingerMetrics;
  logger: Logger;
  intervalMs: number;
  maxInFlight: number;
  /** the `ping` spans' tracer (app.ts: the global provider's, named pinger) */
  tracer: Tracer;
  clock?: Clock;
  /** called after each finished ping (tests, and nothing else) */
  onResult?: (result: PingResult) => void;
}

export interface PingerStats {
  ticks: number;
  started: number;
  finished: number;
  skipped: number;
  inFlight: number;
}

export class Pinger {
  readonly #o: PingerOptions;
  readonly #scheduler: Scheduler;
  readonly #inFlight = new Set<Promise<void>>();
  #stats = { started: 0, finished: 0, skipped: 0 };

  constructor(options: PingerOptions) {
    if (!Number.isInteger(options.maxInFlight) || options.maxInFlight < 1) {
      throw new RangeError(`maxInFlight: expected an integer >= 1, got ${options.maxInFlight}`);
    }
    this.#o = options;
    this.#scheduler = new Scheduler({
      intervalMs: options.intervalMs,
      ...(options.clock ? { clock: options.clock } : {}),
      onTick: (t) => this.#tick(t),
      onMissed: (n, firstK) => this.#skip(n, 'late', firstK),
      onError: (err) => options.logger.error('scheduler callback failed', { err }),
    });
  }

  get running(): boolean {
    return this.#scheduler.running;
  }

  get stats(): PingerStats {
    const { ticks, missed } = this.#scheduler.stats;
    return { ...this.#stats, ticks: ticks + missed, inFlight: this.#inFlight.size };
  }

  start(): void {
    this.#scheduler.start();
  }

  /** Stops scheduling; pings in flight go on. */
  stop(): void {
    this.#scheduler.stop();
  }

  /** Resolves true once no ping is in flight, false if `timeoutMs` passes first. */
  async drain(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      while (this.#inFlight.size > 0) {
        const done = await Promise.race([Promise.allSettled([...this.#inFlight]).then(() => true), deadline]);
        if (!done) return false;
      }
      return true;
    } finally {
      clearTimeout(timer);
    }
  }

  /** One log line per skip event: `tick` is the first tick skipped, `count` how many from there. */
  #skip(count: number, reason: 'max_in_flight' | 'late', firstK: number): void {
    this.#stats.skipped += count;
    this.#o.metrics.recordSkipped(count);
    this.#o.logger.warn('ping', { outcome: 'skipped', reason, count, in_flight: this.#inFlight.size, tick: firstK });
  }

  #tick(t: TickInfo): void {
    if (this.#inFlight.size >= this.#o.maxInFlight) {
      this.#skip(1, 'max_in_flight', t.k);
      return;
    }
    this.#stats.started += 1;
    const p: Promise<void> = this.#ping(t)
      .catch((err: unknown) => this.#o.logger.error('ping failed unexpectedly', { err }))
      .finally(() => {
        this.#inFlight.delete(p);
        this.#stats.finished += 1;
        this.#o.metrics.setInFlight(this.#inFlight.size);
      });
    this.#inFlight.add(p);
    this.#o.metrics.setInFlight(this.#inFlight.size);
  }

  #ping(t: TickInfo): Promise<void> {
    const { client, metrics, logger } = this.#o;
    return this.#o.tracer.startActiveSpan(
      'ping',
      { kind: SpanKind.INTERNAL, attributes: { 'url.full': redactUrl(client.url), 'pinger.tick': t.k } },
      async (span) => {
        try {
          const result = await client.ping();
          span.setAttribute('pinger.outcome', result.outcome);
          // The SDK drops an attribute set to undefined (@opentelemetry/core 3.1.0, maybeAddAttribute); the guards say so to TypeScript.
          // Stryker disable next-line ConditionalExpression: equivalent, an undefined status adds no attribute either way
          if (result.status !== undefined) span.setAttribute('http.response.status_code', result.status);
          // Stryker disable next-line ConditionalExpression: equivalent, an undefined client id adds no attribute either way
          if (result.clientId !== undefined) span.setAttribute('pinger.ponger_client_id', result.clientId);
          if (result.retried.length > 0) span.setAttribute('pinger.retries', result.retried.length);
          if (result.outcome !== 'success')
            span.setStatus({ code: SpanStatusCode.ERROR, message: result.error ?? `HTTP ${result.status}` });
          metrics.recordPing(result, exemplarLabels()?.trace_id);
          const fields = {
            outcome: result.outcome,
            status: result.status ?? null,
            latency_ms: Math.round(result.latencyMs * 100) / 100,
            client_id: result.clientId ?? null,
            error: result.error, // pino leaves a field out when it is undefined (pino 10.4.0, lib/tools.js asJson)
            ...(result.retried.length > 0 ? { retries: result.retried.length } : {}),
            tick: t.k,
          };
          if (result.outcome === 'success') logger.info('ping', fields);
          else logger.warn('ping', fields);
          this.#o.onResult?.(result);
        } finally {
          span.end();
        }
      },
    );
  }
}

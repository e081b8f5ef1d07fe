// pinger's metrics (docs/interfaces.md, "Metrics"), registered on the registry it is given.
import { Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import { DURATION_BUCKETS, observeWithExemplar } from '../../shared/src/metrics.ts';
import { OUTCOMES, type Outcome, RETRYABLE_OUTCOMES } from './client.ts';

export type PingOutcome = Outcome | 'skipped';
export const PING_OUTCOMES: readonly PingOutcome[] = [...OUTCOMES, 'skipped'];

export interface PingerMetrics {
  /** one finished ping: its outcome, duration, retried attempts; exemplar = the ping's trace id */
  recordPing(result: { outcome: Outcome; latencyMs: number; retried: readonly Outcome[] }, traceId?: string, nowMs?: number): void;
  recordSkipped(count?: number): void;
  setInFlight(n: number): void;
}

export function createPingerMetrics(registry: Registry<RegistryContentType>): PingerMetrics {
  const requests = new Counter({
    name: 'pinger_requests_total',
    help: 'Pings by outcome: success (2xx), http_error, timeout, connection_error, body_too_large (response body over the cap, cut), skipped (tick not sent: too many in flight or the loop was late).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const retries = new Counter({
    name: 'pinger_retries_total',
    help: 'Attempts that were retried (ping.retries > 0: timeouts, connection errors, 502/503/504), by the outcome of the attempt that failed.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_client_request_duration_seconds',
    help: 'Duration of pinger requests to ponger, retries included, by method and outcome.',
    labelNames: ['http_request_method', 'outcome'] as const,
    buckets: [...DURATION_BUCKETS],
    enableExemplars: true,
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'pinger_last_success_timestamp_seconds',
    help: 'Unix time of the last successful ping (0 until one succeeds).',
    registers: [registry],
  });
  const inFlight = new Gauge({
    name: 'pinger_requests_in_flight',
    help: 'Pings sent and not finished yet.',
    registers: [registry],
  });
  // Every outcome exists from the start, so rate() and absence checks see 0 rather than nothing.
  // The two gauges have no labels: prom-client starts those at 0 (prom-client 15.1.3, lib/gauge.js reset).
  for (const outcome of PING_OUTCOMES) requests.inc({ outcome }, 0);
  for (const outcome of RETRYABLE_OUTCOMES) retries.inc({ outcome }, 0);

  return {
    recordPing(result, traceId, nowMs = Date.now()) {
      requests.inc({ outcome: result.outcome });
      for (const outcome of result.retried) retries.inc({ outcome });
      observeWithExemplar(duration, { http_request_method: 'GET', outcome: result.outcome }, result.latencyMs / 1000, traceId);
      if (result.outcome === 'success') lastSuccess.set(nowMs / 1000);
    },
    recordSkipped(count = 1) {
      requests.inc({ outcome: 'skipped' }, count);
    },
    setInFlight(n) {
      inFlight.set(n);
    },
  };
}

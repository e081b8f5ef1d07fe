// The mesh's resilience settings for pinger -> ponger (ADR/0012), read from the rendered ponger
// Service the way Linkerd 2.20's policy controller reads them (linkerd2 edge-26.6.3,
// policy-controller/k8s/index/src/outbound/index.rs `parse_duration`, `parse_timeouts`,
// `parse_accrual_config`; outbound/index/http.rs `parse_http_retry`), and checked against
// pinger's own timeout so that the proxy's verdict reaches the app before the app gives up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { K8sObject } from '../../test/support/manifests.ts';
import { REPO_ROOT } from '../../test/support/repo.ts';

/** The annotation prefixes Linkerd reads on a Service for retries, timeouts and failure accrual. */
export const RESILIENCE_PREFIXES = ['retry.linkerd.io/', 'timeout.linkerd.io/', 'balancer.linkerd.io/', 'balancer.alpha.linkerd.io/'];

/**
 * Linkerd's duration syntax: a whole number and a unit ms, s, m, h or d ("0" alone is zero);
 * fractions, negatives and bare numbers are rejected (index.rs `parse_duration`). Milliseconds.
 */
export function linkerdDurationMs(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(s.trim());
  if (!m) throw new Error(`"${s}" is not a Linkerd duration (a whole number with ms, s, m, h or d)`);
  const n = Number(m[1]);
  if (m[2] === undefined) {
    if (n === 0) return 0;
    throw new Error(`"${s}": missing duration unit`);
  }
  return n * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
}

export interface Resilience {
  retryLimit: number;
  retryStatuses: string;
  retryTimeoutMs: number;
  requestTimeoutMs: number;
  accrual: string;
  maxFailures: number;
}

/** The settings on a Service, as the policy controller parses them; errors name the annotation. */
export function resilienceOf(service: K8sObject): Resilience {
  const a = service.metadata.annotations ?? {};
  const get = (k: string) => {
    const v = a[k];
    if (v === undefined) throw new Error(`${service.metadata.name}: annotation ${k} missing`);
    return v;
  };
  const limit = Number(get('retry.linkerd.io/limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > 65535)
    // 0 does not turn retries off: parse_http_retry drops it and, with other retry annotations set,
    // retries once (docs/upstream-facts.md, "Linkerd: resilience")
    throw new Error(
      `retry.linkerd.io/limit: expected an integer 1..65535 (0 means the default 1, not none), got "${a['retry.linkerd.io/limit']}"`,
    );
  const statuses = get('retry.linkerd.io/http');
  for (const cond of statuses.split(',')) {
    // a range's start must not pass its end (parse_http_retry: `s <= e`)
    const range = /^([1-5]\d\d)-([1-5]\d\d)$/.exec(cond);
    const ok = /^(5xx|gateway-error)$/i.test(cond) || /^[1-5]\d\d$/.test(cond) || (range !== null && Number(range[1]) <= Number(range[2]));
    if (!ok) throw new Error(`retry.linkerd.io/http: invalid retry condition "${cond}" (5xx, gateway-error, a status or a range)`);
  }
  const accrual = get('balancer.linkerd.io/failure-accrual');
  if (accrual !== 'consecutive' && accrual !== 'unified')
    throw new Error(`balancer.linkerd.io/failure-accrual: expected consecutive or unified, got "${accrual}"`);
  // The default when unset is 7 (parse_consecutive_params).
  const maxFailures = Number(a['balancer.linkerd.io/failure-accrual-consecutive-max-failures'] ?? '7');
  const minPenalty = linkerdDurationMs(a['balancer.linkerd.io/failure-accrual-consecutive-min-penalty'] ?? '1s');
  const maxPenalty = linkerdDurationMs(a['balancer.linkerd.io/failure-accrual-consecutive-max-penalty'] ?? '60s');
  if (minPenalty > maxPenalty || maxPenalty === 0)
    throw new Error('failure accrual: min-penalty must not exceed max-penalty, and max-penalty must not be zero');
  return {
    retryLimit: limit,
    retryStatuses: statuses,
    retryTimeoutMs: linkerdDurationMs(get('retry.linkerd.io/timeout')),
    requestTimeoutMs: linkerdDurationMs(get('timeout.linkerd.io/request')),
    accrual,
    maxFailures,
  };
}

/** pinger's ping.timeoutMs and ping.retries, from its config file in the base. */
export function pingerTimeouts(): { timeoutMs: number; retries: number } {
  const cfg = parse(readFileSync(join(REPO_ROOT, 'k8s/base/pinger/config.yaml'), 'utf8')) as {
    ping?: { timeoutMs?: number; retries?: number };
  };
  return { timeoutMs: cfg.ping?.timeoutMs ?? 800, retries: cfg.ping?.retries ?? 0 };
}

/**
 * The longest wait before retry number n + 1 (n from 0): the policy controller gives every retry
 * policy an exponential backoff of 25 ms to 250 ms with jitter ratio 1 (linkerd2 edge-26.6.3
 * policy-controller/grpc/src/outbound/http.rs `convert_retry`); the proxy waits base + jitter,
 * base = min(25 ms x 2^n, 250 ms), jitter at most base and at most 250 ms - base
 * (linkerd2-proxy release/v2.359.0 linkerd/exp-backoff/src/lib.rs `base`, `jitter`), and it waits
 * before every retry (linkerd/http/retry/src/lib.rs). So 50, 100, 200, 250, 250, ... ms.
 */
export function retryBackoffMaxMs(n: number): number {
  const base = Math.min(25 * 2 ** n, 250);
  return base + Math.min(base, 250 - base);
}

/**
 * Problems with how the mesh's budget and pinger's fit together:
 * - every attempt fits in the request budget even when each one runs to its headers timeout and
 *   every backoff is the longest: retry.timeout x (limit + 1) + the backoffs <=
 *   timeout.linkerd.io/request (the request timeout is one deadline for all attempts:
 *   linkerd2-proxy stream-timeouts `StreamLifetime`, set before the retry layer);
 * - pinger waits longer than the whole budget: ping.timeoutMs > timeout.linkerd.io/request,
 *   or pinger would time out (and count "timeout") while the proxy still had a retry to make;
 * - pinger itself does not retry on top (ping.retries 0): app retries x proxy attempts multiply.
 */
export function budgetProblems(r: Resilience, pinger: { timeoutMs: number; retries: number }): string[] {
  const out: string[] = [];
  const attempts = r.retryLimit + 1;
  let backoffMs = 0;
  for (let n = 0; n < r.retryLimit; n++) backoffMs += retryBackoffMaxMs(n);
  const worstMs = r.retryTimeoutMs * attempts + backoffMs;
  if (worstMs > r.requestTimeoutMs) {
    out.push(
      `retry.linkerd.io/timeout ${r.retryTimeoutMs} ms x ${attempts} attempts + up to ${backoffMs} ms of backoff between them = ${worstMs} ms exceeds timeout.linkerd.io/request ${r.requestTimeoutMs} ms: the last attempts cannot run`,
    );
  }
  if (pinger.timeoutMs <= r.requestTimeoutMs) {
    out.push(
      `ping.timeoutMs ${pinger.timeoutMs} ms must exceed timeout.linkerd.io/request ${r.requestTimeoutMs} ms, or pinger gives up before the proxy's retries are done`,
    );
  }
  if (pinger.retries !== 0)
    out.push(
      `ping.retries is ${pinger.retries}: app retries on top of the proxy's multiply the attempts (up to ${(pinger.retries + 1) * attempts})`,
    );
  return out;
}

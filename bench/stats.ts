// Pure number crunching for the benchmark: percentiles, ratios, slopes, schedule drift/jitter and
// the PASS/MISS verdicts. No I/O here so it can be tested on known input.

/** Nearest-rank percentile (p in 0..100) of the values; throws on an empty list or a bad p. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be within 0..100, got ${p}`);
  if (values.length === 0) throw new RangeError('percentile: no values');
  const sorted = [...values].sort((x, y) => x - y);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] as number;
}

/** a / b, or NaN when b is 0 or either side is not a finite number. */
export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return Number.NaN;
  return a / b;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Least-squares slope dy/dx; NaN with fewer than two distinct x. */
export function slope(points: readonly Point[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  let sx = 0,
    sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / n,
    my = sy / n;
  let num = 0,
    den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

export interface RssSample {
  readonly tMs: number;
  readonly rssKb: number;
}

export interface RssSummary {
  readonly startMb: number;
  readonly maxMb: number;
  readonly endMb: number;
  /** slope of RSS over the second half of the samples, MB per minute */
  readonly lastHalfSlopeMbPerMin: number;
}

export function summarizeRss(samples: readonly RssSample[]): RssSummary {
  if (samples.length === 0) throw new RangeError('summarizeRss: no samples');
  const mb = (kb: number): number => kb / 1024;
  const half = samples.slice(Math.floor(samples.length / 2));
  const perMs = slope(half.map((s) => ({ x: s.tMs, y: mb(s.rssKb) })));
  return {
    startMb: mb((samples[0] as RssSample).rssKb),
    maxMb: mb(Math.max(...samples.map((s) => s.rssKb))),
    endMb: mb((samples[samples.length - 1] as RssSample).rssKb),
    lastHalfSlopeMbPerMin: perMs * 60_000,
  };
}

export interface ScheduleStats {
  readonly count: number;
  /** ms between first and last event */
  readonly spanMs: number;
  /** events expected in that span at a perfect schedule: spanMs / interval + 1 */
  readonly expected: number;
  /** (expected - count) / expected in %, positive = fewer events than the schedule asks */
  readonly countDriftPct: number;
  /** (spanMs - (count-1)*interval) / ((count-1)*interval) in %, positive = running late */
  readonly timeDriftPct: number;
  /** p50/p99/max of |gap between consecutive events - interval|, ms */
  readonly jitterP50Ms: number;
  readonly jitterP99Ms: number;
  readonly jitterMaxMs: number;
}

/** Drift and period jitter of event times (ms, ascending) against a fixed interval. */
export function scheduleStats(timesMs: readonly number[], intervalMs: number): ScheduleStats {
  if (!(intervalMs > 0)) throw new RangeError(`scheduleStats: intervalMs must be > 0, got ${intervalMs}`);
  if (timesMs.length < 2) throw new RangeError(`scheduleStats: need at least 2 events, got ${timesMs.length}`);
  const first = timesMs[0] as number;
  const last = timesMs[timesMs.length - 1] as number;
  const spanMs = last - first;
  const count = timesMs.length;
  const expected = spanMs / intervalMs + 1;
  const jitter: number[] = [];
  for (let i = 1; i < count; i++) {
    const gap = (timesMs[i] as number) - (timesMs[i - 1] as number);
    if (gap < 0) throw new RangeError(`scheduleStats: times must ascend (index ${i})`);
    jitter.push(Math.abs(gap - intervalMs));
  }
  const ideal = (count - 1) * intervalMs;
  return {
    count,
    spanMs,
    expected,
    countDriftPct: ((expected - count) / expected) * 100,
    timeDriftPct: ((spanMs - ideal) / ideal) * 100,
    jitterP50Ms: percentile(jitter, 50),
    jitterP99Ms: percentile(jitter, 99),
    jitterMaxMs: Math.max(...jitter),
  };
}

export type Verdict = 'PASS' | 'MISS' | 'N/A';

export interface Target {
  readonly name: string;
  /** human form, e.g. ">= 50%" */
  readonly goal: string;
  readonly measured: number;
  readonly unit: string;
  readonly verdict: Verdict;
  /** the figures behind the measurement, e.g. "16,000 / 20,000 req/s" */
  readonly detail: string;
}

/** Compare a measurement with a limit; a NaN measurement is N/A, never a pass. */
export function judge(name: string, measured: number, op: '>=' | '<=' | '<', limit: number, unit: string, detail = ''): Target {
  let verdict: Verdict;
  if (!Number.isFinite(measured)) verdict = 'N/A';
  else if (op === '>=') verdict = measured >= limit ? 'PASS' : 'MISS';
  else if (op === '<=') verdict = measured <= limit ? 'PASS' : 'MISS';
  else verdict = measured < limit ? 'PASS' : 'MISS';
  return { name, goal: `${op} ${limit}${unit}`, measured, unit, verdict, detail };
}

/** CPU share in % of one core from clock-tick deltas over a wall-clock span. */
export function cpuPercent(ticksDelta: number, clockTicksPerSec: number, wallMs: number): number {
  if (!(clockTicksPerSec > 0) || !(wallMs > 0)) return Number.NaN;
  return (ticksDelta / clockTicksPerSec / (wallMs / 1000)) * 100;
}

export interface Lateness {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly ticks: number;
}

/**
 * How late each numbered tick started against the ideal schedule t_k = t0 + k * interval, with t0
 * taken as the earliest (t - k * interval) seen, so the most punctual tick counts as 0 late.
 */
export function tickLateness(ticks: readonly { k: number; t: number }[], intervalMs: number): Lateness {
  if (!(intervalMs > 0)) throw new RangeError(`tickLateness: intervalMs must be > 0, got ${intervalMs}`);
  if (ticks.length === 0) throw new RangeError('tickLateness: no ticks');
  const offsets = ticks.map((x) => x.t - x.k * intervalMs);
  const t0 = Math.min(...offsets);
  const late = offsets.map((o) => o - t0);
  return { p50Ms: percentile(late, 50), p99Ms: percentile(late, 99), maxMs: Math.max(...late), ticks: ticks.length };
}

// Reading the pinger's JSON log lines (msg "ping", one per result) and its /metrics counters.

export interface PingLog {
  /** estimated tick start times, ms since epoch, ascending */
  readonly tickStartsMs: number[];
  /** how the tick start was derived: `time - latency_ms` per line, `time` where latency_ms is missing */
  readonly source: string;
  /** (tick number, start time) pairs for lines carrying a numeric `tick` field */
  readonly numbered: { k: number; t: number }[];
  readonly outcomes: Record<string, number>;
  /** lines that were not JSON or had no parseable time */
  readonly unparsed: number;
}

/**
 * Tick start per `ping` line: the line's `time` is written when the result is known, so the tick
 * started `latency_ms` earlier. Lines without a numeric latency_ms (e.g. skipped ticks) use `time`.
 * Only ticks starting within [fromMs, toMs] are kept.
 */
export function parsePingLines(lines: readonly string[], fromMs = -Infinity, toMs = Infinity): PingLog {
  const starts: number[] = [];
  const numbered: { k: number; t: number }[] = [];
  const outcomes: Record<string, number> = {};
  let unparsed = 0;
  let withLatency = 0,
    withoutLatency = 0;
  for (const line of lines) {
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      unparsed++;
      continue;
    }
    if (rec['msg'] !== 'ping') continue;
    const t = typeof rec['time'] === 'string' ? Date.parse(rec['time']) : Number.NaN;
    if (!Number.isFinite(t)) {
      unparsed++;
      continue;
    }
    const lat = rec['latency_ms'];
    const hasLatency = typeof lat === 'number' && Number.isFinite(lat);
    const start = hasLatency ? t - lat : t;
    if (start < fromMs || start > toMs) continue;
    if (hasLatency) withLatency++;
    else withoutLatency++;
    starts.push(start);
    if (typeof rec['tick'] === 'number' && Number.isInteger(rec['tick'])) numbered.push({ k: rec['tick'], t: start });
    const outcome = typeof rec['outcome'] === 'string' ? rec['outcome'] : 'unknown';
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
  }
  starts.sort((x, y) => x - y);
  numbered.sort((x, y) => x.k - y.k);
  return {
    tickStartsMs: starts,
    numbered,
    source:
      withoutLatency === 0
        ? 'time - latency_ms'
        : withLatency === 0
          ? 'time'
          : `time - latency_ms (time for ${withoutLatency} lines without latency_ms)`,
    outcomes,
    unparsed,
  };
}

/**
 * Sum of a counter's samples (all label sets) in Prometheus/OpenMetrics text; NaN if absent.
 * Samples whose label set contains `exclude` (e.g. 'outcome="skipped"') are left out.
 */
export function sumCounter(metricsText: string, name: string, exclude?: string): number {
  let sum = 0,
    seen = false;
  const re = new RegExp(`^${name}(?:_total)?(\\{[^}]*\\})?\\s+([0-9.eE+-]+)`, 'gm');
  for (const m of metricsText.matchAll(re)) {
    seen = true;
    if (exclude !== undefined && (m[1] ?? '').includes(exclude)) continue;
    sum += Number(m[2]);
  }
  return seen ? sum : Number.NaN;
}

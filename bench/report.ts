// Turns the raw figures into targets (PASS/MISS) and ONE markdown table.
import type { PingerResult, SustainedResult, ThroughputResult } from './scenarios.ts';
import { judge, ratio, type Target } from './stats.ts';

export interface Results {
  readonly bare?: ThroughputResult | undefined;
  readonly notel?: ThroughputResult | undefined;
  readonly full?: ThroughputResult | undefined;
  readonly ratio10?: ThroughputResult | undefined;
  readonly sustained?: SustainedResult | undefined;
  readonly pinger?: PingerResult | undefined;
}

export const RSS_LIMIT_MB = 150;

export interface Row {
  readonly measurement: string;
  readonly result: string;
  readonly target: string;
  readonly verdict: string;
}

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const fix = (n: number, d: number): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

function loadRow(t: ThroughputResult, rssTarget: boolean): { row: Row; target?: Target } {
  const l = t.load;
  const spans = t.sink ? `; ${int(t.sink.spans)} spans exported for ${int(t.served)} requests served (${fix(t.sink.spans / t.served, 2)} per request)` : '';
  const errs = l.non2xx + l.errors + l.timeouts > 0 ? `; ${int(l.non2xx)} non-2xx, ${int(l.errors)} errors, ${int(l.timeouts)} timeouts` : '';
  const cpu = `; server CPU ${fix(t.cpuPct, 0)}% of a core, ${fix(t.cpuUsPerRequest, 0)} µs/request; autocannon CPU ${fix(l.loadgenCpuPct ?? Number.NaN, 0)}%`;
  const result = `${int(l.rps)} req/s; p50 ${fix(l.p50Ms, 0)} ms, p99 ${fix(l.p99Ms, 0)} ms${cpu}; peak RSS ${fix(t.peakRssMb, 0)} MB${spans}${errs}`;
  if (!rssTarget) return { row: { measurement: t.label, result, target: 'ceiling (reference)', verdict: '' } };
  const target = judge(`${t.label}: peak RSS`, t.peakRssMb, '<=', RSS_LIMIT_MB, ' MB');
  return { row: { measurement: t.label, result, target: `peak RSS ${target.goal}`, verdict: target.verdict }, target };
}

/** Evaluate every target that the available results allow; returns the table rows and targets. */
export function evaluate(r: Results): { rows: Row[]; targets: Target[] } {
  const rows: Row[] = [];
  const targets: Target[] = [];
  const add = (measurement: string, result: string, t?: Target, target?: string): void => {
    if (t) targets.push(t);
    rows.push({ measurement, result, target: target ?? t?.goal ?? '', verdict: t?.verdict ?? '' });
  };
  if (r.bare) rows.push(loadRow(r.bare, false).row);
  for (const t of [r.notel, r.full, r.ratio10]) {
    if (!t) continue;
    const { row, target } = loadRow(t, true);
    rows.push(row);
    if (target) targets.push(target);
  }
  if (r.bare && r.notel) {
    add('throughput (b)/(a): ponger vs bare node:http', `${fix(ratio(r.notel.load.rps, r.bare.load.rps), 2)} (CPU per request ${fix(ratio(r.notel.cpuUsPerRequest, r.bare.cpuUsPerRequest), 1)}x)`, undefined, '(information)');
  }
  if (r.notel && r.full) {
    const v = ratio(r.full.load.rps, r.notel.load.rps) * 100;
    add('throughput (c)/(b): full tracing vs tracing off', `${fix(v, 0)}% (CPU per request ${fix(ratio(r.full.cpuUsPerRequest, r.notel.cpuUsPerRequest), 1)}x)`, judge('full tracing >= 50% of tracing-off throughput', v, '>=', 50, '%'));
  }
  if (r.notel && r.ratio10) {
    const v = ratio(r.ratio10.load.rps, r.notel.load.rps) * 100;
    add('throughput (d)/(b): 10% sampling vs tracing off', `${fix(v, 0)}% (CPU per request ${fix(ratio(r.ratio10.cpuUsPerRequest, r.notel.cpuUsPerRequest), 1)}x)`, judge('10% sampling >= 80% of tracing-off throughput', v, '>=', 80, '%'));
  }
  if (r.full?.half) {
    const h = r.full.half;
    add(`(c) at half its max rate, ${int(h.rate)} req/s evenly paced (bench/paced-load.ts)`,
      `${int(h.paced.rps)} req/s; p50 ${fix(h.paced.p50Ms, 1)} ms, p99 ${fix(h.paced.p99Ms, 1)} ms, max ${fix(h.paced.maxMs, 0)} ms; ${int(h.paced.failed)} failed`,
      judge('p99 at half the max rate (paced)', h.paced.p99Ms, '<=', 10, ' ms'));
    add(`(c) at half its max rate, autocannon -R ${int(h.rate)} (bursty: each second's quota sent at once)`,
      `${int(h.load.rps)} req/s; p50 ${fix(h.load.p50Ms, 0)} ms, p99 ${fix(h.load.p99Ms, 0)} ms`, undefined, '(information: p99 <= 10 ms judged on the paced run)');
  }
  if (r.sustained) {
    const s = r.sustained;
    add(`ponger, full tracing, ${s.durationSec} s sustained load`,
      `${int(s.load.rps)} req/s, ${fix(s.cpuUsPerRequest, 0)} µs CPU/request; RSS start ${fix(s.rss.startMb, 0)} / max ${fix(s.rss.maxMb, 0)} / end ${fix(s.rss.endMb, 0)} MB; last-half slope ${fix(s.rss.lastHalfSlopeMbPerMin, 2)} MB/min`,
      judge('sustained load: max RSS', s.rss.maxMb, '<=', RSS_LIMIT_MB, ' MB'), `max RSS <= ${RSS_LIMIT_MB} MB`);
  }
  if (r.pinger) {
    const p = r.pinger;
    const skipped = p.outcomes['skipped'] ?? 0;
    add(`pinger every ${p.intervalMs} ms for ${fix(p.durationSec, 0)} s: drift (counter)`,
      `${int(p.metricsCount)} pings done (pinger_requests_total, skipped left out) vs ${fix(p.metricsExpected, 1)} due: ${fix(p.metricsDriftPct, 2)}%; ${int(skipped)} skipped`,
      judge('pinger drift (pinger_requests_total vs elapsed/interval)', Math.abs(p.metricsDriftPct), '<', 0.5, '%'), '|drift| < 0.5%');
    add('pinger: drift (log times)',
      `${int(p.schedule.count)} ticks in ${fix(p.schedule.spanMs / 1000, 1)} s (${fix(p.schedule.expected, 1)} expected): ${fix(p.schedule.countDriftPct, 2)}% by count, ${fix(p.schedule.timeDriftPct, 2)}% late`,
      judge('pinger drift (log tick times)', Math.abs(p.schedule.countDriftPct), '<', 0.5, '%'), '|drift| < 0.5%');
    const late = p.lateness ? `; lateness vs k x ${p.intervalMs} ms: p50 ${fix(p.lateness.p50Ms, 1)}, p99 ${fix(p.lateness.p99Ms, 1)}, max ${fix(p.lateness.maxMs, 1)} ms` : '';
    add(`pinger: tick period jitter |gap - ${p.intervalMs} ms| (tick start = ${p.tickSource})`, `p50 ${fix(p.schedule.jitterP50Ms, 1)} ms, p99 ${fix(p.schedule.jitterP99Ms, 1)} ms, max ${fix(p.schedule.jitterMaxMs, 1)} ms${late}`,
      judge('pinger p99 jitter', p.schedule.jitterP99Ms, '<', 5, ' ms'));
    add('pinger: CPU and memory', `CPU ${fix(p.cpuPct, 2)}% of one core; RSS start ${fix(p.rss.startMb, 0)} / end ${fix(p.rss.endMb, 0)} MB, peak ${fix(p.peakRssMb, 0)} MB`,
      undefined, '(information: the RSS target is for ponger under load)');
  }
  return { rows, targets };
}

const esc = (s: string): string => s.replaceAll('|', '\\|');

export function markdownTable(rows: readonly Row[]): string {
  const head = ['Measurement', 'Result', 'Target', 'Verdict'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${[r.measurement, r.result, r.target, r.verdict].map(esc).join(' | ')} |`);
  return lines.join('\n');
}

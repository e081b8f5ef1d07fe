// Turns the raw figures into the targets of issue 13 (PASS/MISS/N/A, each with its figures), ONE
// markdown table, and a plain list of the targets.
import { type Round, summarizeRounds } from './alternating.ts';
import type { PingerResult, SustainedResult, ThroughputResult } from './scenarios.ts';
import { judge, ratio, type Target } from './stats.ts';

export interface Results {
  readonly bare?: ThroughputResult | undefined;
  readonly notel?: ThroughputResult | undefined;
  readonly full?: ThroughputResult | undefined;
  readonly ratio10?: ThroughputResult | undefined;
  /** 10% sampling, untraced and traced requests alternating in one process, each round's figures */
  readonly oneProcess10?: readonly Round[] | undefined;
  /** full tracing, sustained load */
  readonly sustained?: SustainedResult | undefined;
  /** tracing off, sustained load */
  readonly sustainedNotel?: SustainedResult | undefined;
  readonly pinger?: PingerResult | undefined;
}

/** The limits, in one place (issue 13). */
export const LIMITS = {
  /** (d) 10% sampling req/s as % of (b) tracing off */
  ratio10KeepsPct: 80,
  /** (c) full sampling req/s as % of (b) */
  fullKeepsPct: 55,
  /** peak RSS (VmHWM) of ponger under sustained load, full tracing / tracing off */
  rssFullMb: 150,
  rssNotelMb: 120,
  /** p99 of the evenly paced run at half of (c)'s req/s */
  halfRateP99Ms: 10,
  /** pinger p99 |gap - interval| at 100 ms ticks */
  pingerJitterP99Ms: 5,
  /** pinger |drift| by counter and by log */
  pingerDriftPct: 0.5,
} as const;

export interface Row {
  readonly measurement: string;
  readonly result: string;
  readonly target: string;
  readonly verdict: string;
}

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');
const fix = (n: number, d: number): string => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const flags = (o: string): string => (o ? `; NODE_OPTIONS ${o}` : '');

function loadRow(t: ThroughputResult): Row {
  const l = t.load;
  const spans = t.sink
    ? `; ${int(t.sink.spans)} spans exported for ${int(t.served)} requests served (${fix(t.sink.spans / t.served, 2)} per request)`
    : '';
  const errs =
    l.non2xx + l.errors + l.timeouts > 0
      ? `; ${int(l.non2xx)} status >= 400, ${int(l.errors)} socket errors, ${int(l.timeouts)} timeouts`
      : '';
  const cpu = `; server CPU ${fix(t.cpuPct, 0)}% of a core, ${fix(t.cpuUsPerRequest, 1)} µs/request; wrk CPU ${fix(l.loadgenCpuPct ?? Number.NaN, 0)}%`;
  const rounds = t.roundsRps ? ` (median of ${t.roundsRps.length} rounds: ${t.roundsRps.map(int).join(' / ')} req/s)` : '';
  const result = `${int(l.rps)} req/s${rounds}; p50 ${fix(l.p50Ms, 2)} ms, p99 ${fix(l.p99Ms, 2)} ms${cpu}; peak RSS ${fix(t.peakRssMb, 0)} MB${spans}${errs}${flags(t.nodeOptions)}`;
  return {
    measurement: t.label,
    result,
    target: t.tracing === 'bare' ? 'ceiling (reference)' : '(figures for the ratios below)',
    verdict: '',
  };
}

/** One "keeps X% of untraced throughput" target, with the CPU-per-request ratio beside it as information. */
function keeps(
  name: string,
  traced: ThroughputResult | undefined,
  off: ThroughputResult | undefined,
  limit: number,
): { target: Target; rows: Row[] } {
  const pct = traced && off ? ratio(traced.load.rps, off.load.rps) * 100 : Number.NaN;
  const detail =
    traced && off ? `${int(traced.load.rps)} / ${int(off.load.rps)} req/s` : 'not measured: needs ponger-notel and the traced scenario';
  const target = judge(name, pct, '>=', limit, '%', detail);
  if (!traced || !off) return { target, rows: [] };
  const cpuX = ratio(traced.cpuUsPerRequest, off.cpuUsPerRequest);
  return {
    target,
    rows: [
      {
        measurement: `throughput ${traced.label.slice(0, 3)}/${off.label.slice(0, 3)}: ${name}`,
        result: `${fix(pct, 2)}% (${detail})`,
        target: target.goal,
        verdict: target.verdict,
      },
      {
        measurement: `CPU per request ${traced.label.slice(0, 3)} vs ${off.label.slice(0, 3)} (least disturbed by a noisy machine)`,
        result: `${fix(cpuX, 2)}x (${fix(traced.cpuUsPerRequest, 1)} vs ${fix(off.cpuUsPerRequest, 1)} µs/request; throughput that CPU alone would allow: ${fix(100 / cpuX, 1)}%)`,
        target: '(information)',
        verdict: '',
      },
    ],
  };
}

/** (d) and (b) in one process: the share tracing keeps by CPU per request, each round and the medians. */
function oneProcessRow(rounds: readonly Round[]): Row {
  return {
    measurement: '(d) vs (b) in one process: 10% sampling, untraced and traced requests alternating every 200 ms (bench/alternating.ts)',
    result: summarizeRounds(rounds),
    target: "(information: without the VM's process-to-process swing)",
    verdict: '',
  };
}

function sustainedRow(s: SustainedResult | undefined, name: string, limit: number, missing: string): { target: Target; row?: Row } {
  if (!s) return { target: judge(name, Number.NaN, '<=', limit, ' MB', `not measured: needs ${missing}`) };
  const detail = `VmHWM ${fix(s.peakRssMb, 1)} MB at ${int(s.load.rps)} req/s for ${s.durationSec} s`;
  const target = judge(name, s.peakRssMb, '<=', limit, ' MB', detail);
  return {
    target,
    row: {
      measurement: `${s.label}, ${s.durationSec} s sustained load`,
      result: `${int(s.load.rps)} req/s, ${fix(s.cpuUsPerRequest, 1)} µs CPU/request; peak RSS (VmHWM) ${fix(s.peakRssMb, 1)} MB; sampled RSS start ${fix(s.rss.startMb, 0)} / max ${fix(s.rss.maxMb, 0)} / end ${fix(s.rss.endMb, 0)} MB; last-half slope ${fix(s.rss.lastHalfSlopeMbPerMin, 2)} MB/min${flags(s.nodeOptions)}`,
      target: `peak RSS ${target.goal}`,
      verdict: target.verdict,
    },
  };
}

/**
 * Evaluate every target. Targets of issue 13 are always returned (N/A, "not measured", when their
 * scenarios did not run); table rows only for what was measured.
 */
export function evaluate(r: Results): { rows: Row[]; targets: Target[] } {
  const rows: Row[] = [];
  const targets: Target[] = [];
  for (const t of [r.bare, r.notel, r.full, r.ratio10]) if (t) rows.push(loadRow(t));
  if (r.bare && r.notel) {
    rows.push({
      measurement: 'throughput (b)/(a): ponger vs bare node:http',
      result: `${fix(ratio(r.notel.load.rps, r.bare.load.rps) * 100, 1)}% (CPU per request ${fix(ratio(r.notel.cpuUsPerRequest, r.bare.cpuUsPerRequest), 2)}x)`,
      target: '(information)',
      verdict: '',
    });
  }
  for (const k of [
    keeps('10% sampling keeps >= 80% of untraced throughput', r.ratio10, r.notel, LIMITS.ratio10KeepsPct),
    keeps('full sampling keeps >= 55% of untraced throughput', r.full, r.notel, LIMITS.fullKeepsPct),
  ]) {
    targets.push(k.target);
    rows.push(...k.rows);
  }
  if (r.oneProcess10 && r.oneProcess10.length > 0) rows.push(oneProcessRow(r.oneProcess10));

  const half = r.full?.half;
  const halfName = `p99 at half the traced max rate, evenly paced <= ${LIMITS.halfRateP99Ms} ms`;
  if (half) {
    const detail = `${int(half.rate)} req/s paced (half of (c)'s ${int(r.full?.load.rps ?? Number.NaN)}): p50 ${fix(half.paced.p50Ms, 2)}, p99 ${fix(half.paced.p99Ms, 2)}, max ${fix(half.paced.maxMs, 1)} ms; ${int(half.paced.failed)} failed`;
    const t = judge(halfName, half.paced.p99Ms, '<=', LIMITS.halfRateP99Ms, ' ms', detail);
    targets.push(t);
    rows.push({
      measurement: `(c) at half its max rate, ${int(half.rate)} req/s evenly paced (bench/paced-load.ts)`,
      result: `${int(half.paced.rps)} req/s; p50 ${fix(half.paced.p50Ms, 2)} ms, p99 ${fix(half.paced.p99Ms, 2)} ms, max ${fix(half.paced.maxMs, 1)} ms; ${int(half.paced.failed)} failed; server CPU ${fix(half.cpuPct, 0)}% of a core, ${fix(half.cpuUsPerRequest, 1)} µs/request`,
      target: `p99 ${t.goal}`,
      verdict: t.verdict,
    });
  } else {
    targets.push(judge(halfName, Number.NaN, '<=', LIMITS.halfRateP99Ms, ' ms', 'not measured: needs ponger-full'));
  }

  for (const x of [
    sustainedRow(r.sustained, `peak RSS with full tracing under sustained load <= ${LIMITS.rssFullMb} MB`, LIMITS.rssFullMb, 'sustained'),
    sustainedRow(
      r.sustainedNotel,
      `peak RSS untraced under sustained load <= ${LIMITS.rssNotelMb} MB`,
      LIMITS.rssNotelMb,
      'sustained-notel',
    ),
  ]) {
    targets.push(x.target);
    if (x.row) rows.push(x.row);
  }

  const jitterName = `pinger p99 tick jitter < ${LIMITS.pingerJitterP99Ms} ms`;
  const p = r.pinger;
  if (!p) {
    targets.push(judge(jitterName, Number.NaN, '<', LIMITS.pingerJitterP99Ms, ' ms', 'not measured: needs pinger'));
    return { rows, targets };
  }
  const skipped = p.outcomes['skipped'] ?? 0;
  const add = (measurement: string, result: string, t: Target, target?: string): void => {
    targets.push(t);
    rows.push({ measurement, result, target: target ?? t.goal, verdict: t.verdict });
  };
  const late = p.lateness
    ? `; lateness vs k x ${p.intervalMs} ms: p50 ${fix(p.lateness.p50Ms, 1)}, p99 ${fix(p.lateness.p99Ms, 1)}, max ${fix(p.lateness.maxMs, 1)} ms`
    : '';
  add(
    `pinger: tick period jitter |gap - ${p.intervalMs} ms| (tick start = ${p.tickSource})`,
    `p50 ${fix(p.schedule.jitterP50Ms, 2)} ms, p99 ${fix(p.schedule.jitterP99Ms, 2)} ms, max ${fix(p.schedule.jitterMaxMs, 1)} ms${late}`,
    judge(
      jitterName,
      p.schedule.jitterP99Ms,
      '<',
      LIMITS.pingerJitterP99Ms,
      ' ms',
      `${int(p.schedule.count)} ticks at ${p.intervalMs} ms: p50 ${fix(p.schedule.jitterP50Ms, 2)}, p99 ${fix(p.schedule.jitterP99Ms, 2)}, max ${fix(p.schedule.jitterMaxMs, 1)} ms`,
    ),
  );
  add(
    `pinger every ${p.intervalMs} ms for ${fix(p.durationSec, 0)} s: drift (counter)`,
    `${int(p.metricsCount)} pings done (pinger_requests_total, skipped left out) vs ${fix(p.metricsExpected, 1)} due: ${fix(p.metricsDriftPct, 2)}%; ${int(skipped)} skipped`,
    judge(
      'pinger |drift| by pinger_requests_total < 0.5%',
      Math.abs(p.metricsDriftPct),
      '<',
      LIMITS.pingerDriftPct,
      '%',
      `${int(p.metricsCount)} done vs ${fix(p.metricsExpected, 1)} due`,
    ),
  );
  add(
    'pinger: drift (log times)',
    `${int(p.schedule.count)} ticks in ${fix(p.schedule.spanMs / 1000, 1)} s (${fix(p.schedule.expected, 1)} expected): ${fix(p.schedule.countDriftPct, 2)}% by count, ${fix(p.schedule.timeDriftPct, 2)}% late`,
    judge(
      'pinger |drift| by logged ticks < 0.5%',
      Math.abs(p.schedule.countDriftPct),
      '<',
      LIMITS.pingerDriftPct,
      '%',
      `${int(p.schedule.count)} ticks vs ${fix(p.schedule.expected, 1)} expected`,
    ),
  );
  rows.push({
    measurement: 'pinger: CPU and memory',
    result: `CPU ${fix(p.cpuPct, 2)}% of one core, ${fix(p.cpuUsPerPing, 0)} µs per ping; RSS start ${fix(p.rss.startMb, 0)} / end ${fix(p.rss.endMb, 0)} MB, peak ${fix(p.peakRssMb, 0)} MB${flags(p.nodeOptions)}`,
    target: '(information: the RSS targets are for ponger under load)',
    verdict: '',
  });
  return { rows, targets };
}

const esc = (s: string): string => s.replaceAll('|', '\\|');

export function markdownTable(rows: readonly Row[]): string {
  const head = ['Measurement', 'Result', 'Target', 'Verdict'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${[r.measurement, r.result, r.target, r.verdict].map(esc).join(' | ')} |`);
  return lines.join('\n');
}

/** One line per target: verdict, name, measured value and the figures behind it. */
export function targetLines(targets: readonly Target[]): string {
  return targets
    .map((t) => {
      // enough decimals that a value just past a limit does not print as the limit itself
      const measured = Number.isFinite(t.measured) ? `${fix(t.measured, t.unit === ' MB' ? 1 : 2)}${t.unit}` : 'n/a';
      return `${t.verdict.padEnd(4)}  ${t.name}: ${measured}${t.detail ? ` (${t.detail})` : ''}`;
    })
    .join('\n');
}

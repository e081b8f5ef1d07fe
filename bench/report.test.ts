import { expect } from 'chai';
import type { LoadResult } from './load.ts';
import { parseAutocannon } from './load.ts';
import { evaluate, markdownTable } from './report.ts';
import type { ThroughputResult } from './scenarios.ts';
import { readSettings } from './settings.ts';

const load = (rps: number, p99Ms = 5): LoadResult => ({
  durationSec: 10, ok: rps * 10, non2xx: 0, errors: 0, timeouts: 0, rps, p50Ms: 1, p99Ms, maxMs: 50, meanMs: 1.5,
});
const tp = (label: string, rps: number, peakRssMb: number, extra: Partial<ThroughputResult> = {}): ThroughputResult => ({
  label, tracing: 'off', load: load(rps), peakRssMb, served: rps * 13, cpuPct: 98, cpuUsPerRequest: 1e6 / rps, ...extra,
});

describe('bench report', () => {
  it('computes the ratios and verdicts of the throughput targets', () => {
    const { targets, rows } = evaluate({
      bare: tp('(a)', 10_000, 60),
      notel: tp('(b)', 6000, 80),
      full: tp('(c)', 2900, 151, { half: { rate: 1450, load: load(1450, 3), paced: { sent: 100, ok: 100, failed: 0, rps: 1450, p50Ms: 1, p99Ms: 10.5, maxMs: 20 } }, sink: { requests: 10, spans: 2900 * 13 * 3, bytes: 1, rejected: 0, names: {} } }),
      ratio10: tp('(d)', 4800, 90),
    });
    const byName = Object.fromEntries(targets.map((t) => [t.name, t]));
    expect(byName['full tracing >= 50% of tracing-off throughput']?.measured).to.be.closeTo(48.333, 1e-3);
    expect(byName['full tracing >= 50% of tracing-off throughput']?.verdict).to.equal('MISS');
    expect(byName['10% sampling >= 80% of tracing-off throughput']?.measured).to.be.closeTo(80, 1e-9);
    expect(byName['10% sampling >= 80% of tracing-off throughput']?.verdict).to.equal('PASS');
    expect(byName['p99 at half the max rate (paced)']?.verdict).to.equal('MISS');
    expect(byName['p99 at half the max rate (paced)']?.measured).to.equal(10.5);
    expect(byName['(c): peak RSS']?.verdict).to.equal('MISS');
    expect(byName['(b): peak RSS']?.verdict).to.equal('PASS');
    expect(rows.find((r) => r.measurement.startsWith('throughput (b)/(a)'))?.result).to.equal('0.60 (CPU per request 1.7x)');
    expect(rows.find((r) => r.measurement === '(b)')?.result).to.contain('server CPU 98% of a core, 167 µs/request');
    expect(rows.find((r) => r.measurement === '(c)')?.result).to.contain('113,100 spans exported for 37,700 requests served (3.00 per request)');
    const md = markdownTable(rows);
    expect(md.split('\n')[0]).to.equal('| Measurement | Result | Target | Verdict |');
    expect(md).to.contain('| MISS |');
  });

  it('judges the pinger by |drift| and jitter, and leaves missing parts out', () => {
    const { targets } = evaluate({
      pinger: {
        durationSec: 60, intervalMs: 100, tickSource: 'time - latency_ms',
        schedule: { count: 597, spanMs: 59_900, expected: 600, countDriftPct: 0.5, timeDriftPct: 0.5, jitterP50Ms: 0.4, jitterP99Ms: 4.9, jitterMaxMs: 9 },
        outcomes: { success: 597 }, metricsCount: 603, metricsExpected: 600, metricsDriftPct: -0.5, cpuPct: 2, peakRssMb: 70,
        rss: { startMb: 60, maxMb: 70, endMb: 65, lastHalfSlopeMbPerMin: 0 },
      },
    });
    expect(targets.map((t) => t.verdict)).to.deep.equal(['MISS', 'MISS', 'PASS']);
    expect(evaluate({}).targets).to.deep.equal([]);
  });

  it('parses autocannon JSON and names a missing key', () => {
    const good = JSON.stringify({ duration: 2, errors: 0, timeouts: 0, non2xx: 1, '2xx': 500, latency: { p50: 1, p99: 7, max: 30, mean: 1.2 } });
    const r = parseAutocannon(`noise\n${good}\n`);
    expect(r.rps).to.equal(250);
    expect(r.p99Ms).to.equal(7);
    expect(() => parseAutocannon(good.replace('"p99":7', '"p99x":7'))).to.throw(/latency\.p99 missing/);
    expect(() => parseAutocannon('')).to.throw(/no JSON/);
  });

  it('reads settings and rejects an unknown BENCH_ONLY scenario by name', () => {
    const q = readSettings({ BENCH_QUICK: '1', BENCH_ONLY: 'bare, pinger' });
    expect(q.quick).to.equal(true);
    expect([...q.only]).to.deep.equal(['bare', 'pinger']);
    expect(q.measureSec).to.be.lessThan(5);
    const full = readSettings({});
    expect(full.measureSec).to.be.at.least(10);
    expect(full.sustainedSec).to.be.at.least(60);
    expect(full.pingerSec).to.be.at.least(60);
    expect(full.only.size).to.equal(6);
    expect(() => readSettings({ BENCH_ONLY: 'bare,pongr' })).to.throw(/BENCH_ONLY: unknown scenario "pongr"/);
  });
});

import { expect } from 'chai';
import { cpuPercent, judge, percentile, ratio, scheduleStats, slope, summarizeRss, tickLateness } from './stats.ts';

describe('bench stats', () => {
  it('percentile uses nearest rank on unsorted input', () => {
    const v = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(percentile(v, 50)).to.equal(5);
    expect(percentile(v, 90)).to.equal(9);
    expect(percentile(v, 99)).to.equal(10);
    expect(percentile(v, 0)).to.equal(1);
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(hundred, 99)).to.equal(99);
    expect(percentile(hundred, 99.9)).to.equal(100);
  });

  it('percentile rejects empty input and p outside 0..100', () => {
    expect(() => percentile([], 50)).to.throw(/no values/);
    expect(() => percentile([1], 101)).to.throw(/0\.\.100/);
    expect(() => percentile([1], Number.NaN)).to.throw(/0\.\.100/);
  });

  it('ratio is NaN for a zero or non-finite denominator', () => {
    expect(ratio(50, 200)).to.equal(0.25);
    expect(ratio(1, 0)).to.be.NaN;
    expect(ratio(Number.NaN, 2)).to.be.NaN;
  });

  it('slope fits a line and is NaN without two distinct x', () => {
    expect(
      slope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).to.be.closeTo(2, 1e-12);
    expect(slope([{ x: 1, y: 1 }])).to.be.NaN;
    expect(
      slope([
        { x: 1, y: 1 },
        { x: 1, y: 2 },
      ]),
    ).to.be.NaN;
  });

  it('summarizeRss reports start/max/end and the last-half slope in MB/min', () => {
    // grows 1 MB/s for 10 s, then flat for 10 s
    const samples = Array.from({ length: 21 }, (_, i) => ({ tMs: i * 1000, rssKb: (50 + Math.min(i, 10)) * 1024 }));
    const s = summarizeRss(samples);
    expect(s.startMb).to.equal(50);
    expect(s.maxMb).to.equal(60);
    expect(s.endMb).to.equal(60);
    expect(s.lastHalfSlopeMbPerMin).to.be.closeTo(0, 1e-9);
    const growing = summarizeRss(samples.map((x) => ({ tMs: x.tMs, rssKb: 1024 * (50 + x.tMs / 1000) })));
    expect(growing.lastHalfSlopeMbPerMin).to.be.closeTo(60, 1e-9);
    expect(() => summarizeRss([])).to.throw(/no samples/);
  });

  it('scheduleStats finds no drift on a perfect schedule', () => {
    const t = Array.from({ length: 601 }, (_, i) => 1000 + i * 100);
    const s = scheduleStats(t, 100);
    expect(s.count).to.equal(601);
    expect(s.expected).to.equal(601);
    expect(s.countDriftPct).to.equal(0);
    expect(s.timeDriftPct).to.equal(0);
    expect(s.jitterP99Ms).to.equal(0);
  });

  it('scheduleStats measures a late schedule and period jitter', () => {
    // every tick 1 ms late relative to the previous one (setInterval-style creep): 1% slow
    const late = Array.from({ length: 101 }, (_, i) => i * 101);
    const s = scheduleStats(late, 100);
    expect(s.timeDriftPct).to.be.closeTo(1, 1e-9);
    // span 10100 ms -> 102 ticks expected, 101 seen
    expect(s.countDriftPct).to.be.closeTo((1 / 102) * 100, 1e-9);
    expect(s.jitterP99Ms).to.equal(1);
    // one 30 ms hiccup among 200 gaps: p50 stays 0, max is 30
    const hiccup = Array.from({ length: 201 }, (_, i) => i * 100 + (i >= 100 ? 30 : 0));
    const h = scheduleStats(hiccup, 100);
    expect(h.jitterP50Ms).to.equal(0);
    expect(h.jitterMaxMs).to.equal(30);
    expect(() => scheduleStats([1], 100)).to.throw(/at least 2/);
    expect(() => scheduleStats([1, 2], 0)).to.throw(/intervalMs must be > 0/);
    expect(() => scheduleStats([5, 2], 100)).to.throw(/ascend/);
  });

  it('judge gives PASS, MISS and N/A (never PASS for NaN)', () => {
    expect(judge('x', 0.5, '>=', 0.5, '').verdict).to.equal('PASS');
    expect(judge('x', 0.49, '>=', 0.5, '').verdict).to.equal('MISS');
    expect(judge('x', 10, '<=', 10, ' ms').verdict).to.equal('PASS');
    expect(judge('x', 10.1, '<=', 10, ' ms').verdict).to.equal('MISS');
    expect(judge('x', 0.5, '<', 0.5, '%').verdict).to.equal('MISS');
    expect(judge('x', Number.NaN, '<', 0.5, '%').verdict).to.equal('N/A');
    expect(judge('x', 1, '<=', 10, ' ms').goal).to.equal('<= 10 ms');
  });

  it('cpuPercent converts clock ticks to % of one core', () => {
    expect(cpuPercent(50, 100, 1000)).to.equal(50);
    expect(cpuPercent(600, 100, 60_000)).to.equal(10);
    expect(cpuPercent(1, 100, 0)).to.be.NaN;
  });

  it('tickLateness measures lateness against k * interval from the most punctual tick', () => {
    // ticks 5..104, each 2 ms late except tick 50 which is on time and tick 80 which is 12 ms late
    const ticks = Array.from({ length: 100 }, (_, i) => {
      const k = i + 5;
      return { k, t: 1000 + k * 100 + (k === 50 ? 0 : k === 80 ? 12 : 2) };
    });
    const l = tickLateness(ticks, 100);
    expect(l.p50Ms).to.equal(2);
    expect(l.maxMs).to.equal(12);
    expect(l.ticks).to.equal(100);
    // a schedule that creeps (setInterval-like) shows growing lateness
    const creeping = Array.from({ length: 100 }, (_, k) => ({ k, t: k * 101 }));
    expect(tickLateness(creeping, 100).maxMs).to.equal(99);
    expect(() => tickLateness([], 100)).to.throw(/no ticks/);
  });
});

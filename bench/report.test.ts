import { expect } from 'chai';
import { evaluate, markdownTable, targetLines } from './report.ts';
import { medianRound } from './run.ts';
import type { SustainedResult, ThroughputResult } from './scenarios.ts';
import { imageNodeFlags, manifestNodeOptions, nodeOptionsKey, readSettings } from './settings.ts';
import type { LoadResult } from './wrk.ts';

const load = (rps: number, p99Ms = 5): LoadResult => ({
  durationSec: 10,
  requests: rps * 10,
  ok: rps * 10,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  rps,
  p50Ms: 1,
  p90Ms: 2,
  p99Ms,
  maxMs: 50,
  meanMs: 1.5,
});
const tp = (label: string, rps: number, peakRssMb: number, extra: Partial<ThroughputResult> = {}): ThroughputResult => ({
  label,
  tracing: 'off',
  nodeOptions: '',
  load: load(rps),
  peakRssMb,
  served: rps * 13,
  cpuPct: 98,
  cpuUsPerRequest: 1e6 / rps,
  ...extra,
});
const sus = (label: string, peakRssMb: number): SustainedResult => ({
  label,
  tracing: 'always_on',
  nodeOptions: '--max-semi-space-size=64',
  durationSec: 60,
  cpuPct: 97,
  cpuUsPerRequest: 50,
  load: load(9000),
  rss: { startMb: 80, maxMb: peakRssMb - 2, endMb: peakRssMb - 5, lastHalfSlopeMbPerMin: 0.1 },
  peakRssMb,
  samples: [],
});

describe('bench report', () => {
  it('judges the issue 13 throughput ratios, paced p99 and the two RSS limits with their figures', () => {
    const { targets, rows } = evaluate({
      bare: tp('(a)', 10_000, 60, { tracing: 'bare' }),
      notel: tp('(b)', 6000, 80),
      full: tp('(c)', 3299, 151, {
        half: {
          rate: 1649,
          cpuPct: 40,
          cpuUsPerRequest: 240,
          paced: { sent: 100, ok: 100, failed: 0, rps: 1649, p50Ms: 1, p99Ms: 10.5, maxMs: 20 },
        },
        sink: { requests: 10, spans: 3299 * 13 * 3, bytes: 1, rejected: 0, names: {} },
      }),
      ratio10: tp('(d)', 4800, 90),
      oneProcess10: [
        { untracedUs: 50, tracedUs: 62.5, keeps: 0.8, requests: 1000 },
        { untracedUs: 60, tracedUs: 100, keeps: 0.6, requests: 1000 },
        { untracedUs: 40, tracedUs: 45, keeps: 40 / 45, requests: 1000 },
      ],
      sustained: sus('(e) ponger, full tracing', 150),
      sustainedNotel: sus('(f) ponger, tracing off', 120.4),
    });
    const by = Object.fromEntries(targets.map((t) => [t.name, t]));
    const full = by['full sampling keeps >= 55% of untraced throughput'];
    expect(full?.measured).to.be.closeTo(54.983, 1e-3);
    expect(full?.verdict).to.equal('MISS');
    expect(full?.detail).to.equal('3,299 / 6,000 req/s');
    const r10 = by['10% sampling keeps >= 80% of untraced throughput'];
    expect(r10?.measured).to.be.closeTo(80, 1e-9);
    expect(r10?.verdict).to.equal('PASS');
    expect(by['p99 at half the traced max rate, evenly paced <= 10 ms']?.verdict).to.equal('MISS');
    expect(by['p99 at half the traced max rate, evenly paced <= 10 ms']?.measured).to.equal(10.5);
    // RSS is judged on the sustained runs' VmHWM, each against its own limit
    expect(by['peak RSS with full tracing under sustained load <= 150 MB']?.verdict).to.equal('PASS');
    expect(by['peak RSS untraced under sustained load <= 120 MB']?.verdict).to.equal('MISS');
    expect(by['pinger p99 tick jitter < 5 ms']?.verdict).to.equal('N/A');
    expect(rows.find((r) => r.measurement.startsWith('throughput (b)/(a)'))?.result).to.equal('60.0% (CPU per request 1.67x)');
    expect(rows.find((r) => r.measurement.startsWith('CPU per request (d) vs (b)'))?.result).to.match(
      /^1\.25x \(208\.3 vs 166\.7 µs\/request; .* 80\.0%\)$/,
    );
    expect(rows.find((r) => r.measurement === '(b)')?.result).to.contain('server CPU 98% of a core, 166.7 µs/request');
    // the one-process figure is information beside the target, never a verdict
    const one = rows.find((r) => r.measurement.startsWith('(d) vs (b) in one process'));
    expect(one?.result).to.equal('untraced 50.0 µs/request, traced 62.5 µs/request: traced keeps 80.0% (rounds 80.0% / 60.0% / 88.9%)');
    expect(one?.verdict).to.equal('');
    expect(rows.find((r) => r.measurement === '(c)')?.result).to.contain(
      '128,661 spans exported for 42,887 requests served (3.00 per request)',
    );
    expect(rows.find((r) => r.measurement.startsWith('(c) at half'))?.result).to.contain('240.0 µs/request');
    expect(rows.find((r) => r.measurement.startsWith('(e)'))?.result).to.contain('NODE_OPTIONS --max-semi-space-size=64');
    const md = markdownTable(rows);
    expect(md.split('\n')[0]).to.equal('| Measurement | Result | Target | Verdict |');
    const lines = targetLines(targets).split('\n');
    expect(lines).to.include('MISS  full sampling keeps >= 55% of untraced throughput: 54.98% (3,299 / 6,000 req/s)');
    expect(lines).to.include('MISS  peak RSS untraced under sustained load <= 120 MB: 120.4 MB (VmHWM 120.4 MB at 9,000 req/s for 60 s)');
  });

  it('judges the pinger by jitter and |drift|, and lists unmeasured targets as N/A, never PASS', () => {
    const { targets } = evaluate({
      pinger: {
        durationSec: 60,
        intervalMs: 100,
        tickSource: 'time - latency_ms',
        nodeOptions: '',
        cpuUsPerPing: 900,
        schedule: {
          count: 597,
          spanMs: 59_900,
          expected: 600,
          countDriftPct: 0.5,
          timeDriftPct: 0.5,
          jitterP50Ms: 0.4,
          jitterP99Ms: 4.9,
          jitterMaxMs: 9,
        },
        outcomes: { success: 597 },
        metricsCount: 603,
        metricsExpected: 600,
        metricsDriftPct: -0.5,
        cpuPct: 2,
        peakRssMb: 70,
        rss: { startMb: 60, maxMb: 70, endMb: 65, lastHalfSlopeMbPerMin: 0 },
      },
    });
    expect(targets.filter((t) => t.name.startsWith('pinger')).map((t) => t.verdict)).to.deep.equal(['PASS', 'MISS', 'MISS']);
    const none = evaluate({});
    expect(none.rows).to.deep.equal([]);
    expect(none.targets).to.have.length(6);
    expect(none.targets.every((t) => t.verdict === 'N/A' && t.detail.startsWith('not measured'))).to.equal(true);
  });

  it('reads settings: scenarios, per-scenario Node flags, and rejects unknown names', () => {
    const q = readSettings({ BENCH_QUICK: '1', BENCH_ONLY: 'bare, pinger' });
    expect(q.quick).to.equal(true);
    expect([...q.only]).to.deep.equal(['bare', 'pinger']);
    expect(q.measureSec).to.be.lessThan(5);
    // by default, the flags the manifests give each service; none for the bare server
    expect(q.nodeOptions.bare).to.equal('');
    expect(q.nodeOptions.pinger).to.equal(manifestNodeOptions('pinger'));
    expect(q.nodeOptions['ponger-full'])
      .to.equal(manifestNodeOptions('ponger'))
      .and.match(/^--max-semi-space-size=\d+ --max-old-space-size=\d+$/);
    const full = readSettings({});
    expect(full.measureSec).to.be.at.least(10);
    expect(full.sustainedSec).to.be.at.least(60);
    expect(full.pingerSec).to.be.at.least(60);
    expect(full.only.size).to.equal(8);
    // only a full run writes the committed record; smoke and partial runs go to the ignored local/
    expect(full.outFile).to.equal('bench/results/latest.json');
    expect(q.outFile).to.equal('bench/results/local/latest.json');
    expect(readSettings({ BENCH_ONLY: 'bare' }).outFile).to.equal('bench/results/local/latest.json');
    expect(readSettings({ BENCH_QUICK: '1', BENCH_OUT: '/tmp/x.json' }).outFile).to.equal('/tmp/x.json');
    expect(() => readSettings({ BENCH_ONLY: 'bare,pongr' })).to.throw(/BENCH_ONLY: unknown scenario "pongr"/);
    const o = readSettings({
      BENCH_NODE_OPTIONS: '--max-semi-space-size=32',
      [nodeOptionsKey('ponger-full')]: ' --max-semi-space-size=64 ',
    }).nodeOptions;
    expect(nodeOptionsKey('sustained-notel')).to.equal('BENCH_NODE_OPTIONS_SUSTAINED_NOTEL');
    expect(o['ponger-full']).to.equal('--max-semi-space-size=64');
    expect(o['ponger-notel']).to.equal('--max-semi-space-size=32');
    // command-line flags: the images' ENTRYPOINT flags, or BENCH_NODE_FLAGS for both services
    expect(full.nodeFlags.ponger).to.deep.equal(imageNodeFlags('ponger'));
    expect(full.nodeFlags.pinger).to.deep.equal(imageNodeFlags('pinger'));
    expect(readSettings({ BENCH_NODE_FLAGS: '' }).nodeFlags).to.deep.equal({ ponger: [], pinger: [] });
    expect(readSettings({ BENCH_NODE_FLAGS: ' --a  --b=1 ' }).nodeFlags.pinger).to.deep.equal(['--a', '--b=1']);
    expect(() => readSettings({ BENCH_NODE_FLAGS: '--a -e' })).to.throw(/BENCH_NODE_FLAGS: expected Node flags \(--...\), got "-e"/);
    expect(() => readSettings({ BENCH_NODE_OPTIONS_PONGER_FUL: '--x' })).to.throw(
      /BENCH_NODE_OPTIONS_PONGER_FUL: unknown scenario, expected one of .*BENCH_NODE_OPTIONS_PONGER_FULL/,
    );
  });

  it('rounds: the median round by req/s, its rounds listed, the paced run kept; BENCH_ROUNDS validated', () => {
    const half = { rate: 1, paced: { sent: 1, ok: 1, failed: 0, rps: 1, p50Ms: 1, p99Ms: 2, maxMs: 3 }, cpuPct: 1, cpuUsPerRequest: 1 };
    const m = medianRound([tp('r1', 900, 1), tp('r2', 1200, 2, { half }), tp('r3', 1000, 3)]);
    expect(m?.load.rps).to.equal(1000);
    expect(m?.roundsRps).to.deep.equal([900, 1200, 1000]);
    expect(m?.half).to.deep.equal(half);
    expect(medianRound([tp('only', 5, 1)])?.roundsRps).to.equal(undefined);
    expect(medianRound([])).to.equal(undefined);
    expect(markdownTable(evaluate({ notel: m }).rows)).to.contain('(median of 3 rounds: 900 / 1,200 / 1,000 req/s)');
    expect(readSettings({}).rounds).to.equal(3);
    expect(readSettings({ BENCH_QUICK: '1' }).rounds).to.equal(1);
    expect(() => readSettings({ BENCH_ROUNDS: '0' })).to.throw(/BENCH_ROUNDS: expected a whole number from 1 to 9, got "0"/);
  });
});

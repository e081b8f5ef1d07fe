import { expect } from 'chai';
import { parseSamples, sumSamples } from './metrics-text.ts';

describe('scripts/docker metrics-text: reading counters from /metrics', () => {
  const openMetrics = [
    '# HELP pinger_requests Pings by outcome.',
    '# TYPE pinger_requests counter',
    'pinger_requests_total{outcome="success"} 7 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736"} 1 1700000000.123',
    'pinger_requests_total{outcome="timeout"} 2',
    'pinger_requests_created{outcome="success"} 1700000000.1',
    'process_start_time_seconds 1700000000',
    'weird_total{path="a\\"b",x="y"} 1',
    '# EOF',
  ].join('\n');

  it('reads labelled samples and ignores exemplars and comments', () => {
    const s = parseSamples(openMetrics);
    expect(sumSamples(s, 'pinger_requests_total', { outcome: 'success' })).to.equal(7);
    expect(sumSamples(s, 'pinger_requests_total')).to.equal(9);
    expect(sumSamples(s, 'process_start_time_seconds')).to.equal(1700000000);
    expect(sumSamples(s, 'weird_total', { path: 'a"b' })).to.equal(1);
  });

  it('returns 0 for a series that is absent, so a missing counter fails the smoke check', () => {
    expect(sumSamples(parseSamples(openMetrics), 'pinger_requests_total', { outcome: 'connection_error' })).to.equal(0);
  });

  it('rejects a line that is not a sample, naming it', () => {
    expect(() => parseSamples('pinger_requests_total{outcome="success"}')).to.throw(/cannot parse line/);
    expect(() => parseSamples('up abc')).to.throw(/value "abc" of up is not a number/);
  });
});

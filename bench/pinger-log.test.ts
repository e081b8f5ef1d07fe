import { expect } from 'chai';
import { parsePingLines, sumCounter } from './pinger-log.ts';

describe('bench pinger log reader', () => {
  it('derives tick starts from time - latency_ms and counts outcomes', () => {
    const lines = [
      '{"time":"2026-01-01T00:00:00.105Z","level":"info","service":"pinger","msg":"ping","outcome":"success","latency_ms":5,"tick":1}',
      'not json',
      '{"time":"2026-01-01T00:00:00.050Z","level":"info","service":"pinger","msg":"started"}',
      '{"time":"2026-01-01T00:00:00.203Z","level":"info","service":"pinger","msg":"ping","outcome":"success","latency_ms":3,"tick":2}',
      '{"time":"2026-01-01T00:00:00.390Z","level":"warn","service":"pinger","msg":"ping","outcome":"timeout","latency_ms":90.5}',
    ];
    const p = parsePingLines(lines);
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    expect(p.tickStartsMs.map((t) => t - base)).to.deep.equal([100, 200, 299.5]);
    expect(p.source).to.equal('time - latency_ms');
    expect(p.outcomes).to.deep.equal({ success: 2, timeout: 1 });
    expect(p.unparsed).to.equal(1);
    expect(p.numbered.map((x) => [x.k, x.t - base])).to.deep.equal([
      [1, 100],
      [2, 200],
    ]);
    const windowed = parsePingLines(lines, base + 150, base + 250);
    expect(windowed.tickStartsMs.map((t) => t - base)).to.deep.equal([200]);
    expect(windowed.outcomes).to.deep.equal({ success: 1 });
  });

  it('falls back to time when latency_ms is missing and says so', () => {
    const p = parsePingLines(['{"time":"2026-01-01T00:00:01.000Z","msg":"ping","outcome":"skipped"}', '{"time":"bad","msg":"ping"}']);
    expect(p.source).to.equal('time');
    const mixed = parsePingLines([
      '{"time":"2026-01-01T00:00:01.000Z","msg":"ping","outcome":"skipped"}',
      '{"time":"2026-01-01T00:00:01.105Z","msg":"ping","latency_ms":5}',
    ]);
    expect(mixed.source).to.equal('time - latency_ms (time for 1 lines without latency_ms)');
    expect(mixed.tickStartsMs.map((t) => t - Date.parse('2026-01-01T00:00:01.000Z'))).to.deep.equal([0, 100]);
    expect(p.tickStartsMs).to.have.length(1);
    expect(p.unparsed).to.equal(1);
  });

  it('sums a counter over label sets, ignoring other metrics', () => {
    const text = [
      '# TYPE pinger_requests counter',
      'pinger_requests_total{outcome="success"} 598',
      'pinger_requests_total{outcome="timeout"} 2',
      'pinger_requests_created{outcome="success"} 1700000000',
      'pinger_retries_total{outcome="success"} 7',
    ].join('\n');
    expect(sumCounter(text, 'pinger_requests')).to.equal(600);
    expect(sumCounter(text, 'pinger_requests_total')).to.equal(600);
    expect(sumCounter(text, 'absent_metric')).to.be.NaN;
    expect(sumCounter(text, 'pinger_requests', 'outcome="timeout"')).to.equal(598);
  });
});

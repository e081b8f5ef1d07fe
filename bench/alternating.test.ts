// bench/alternating.ts: the server's result line is checked, a round's ratio is untraced over
// traced CPU per request, and one short real round (wrk, the server, a span sink) alternates for
// real: both phases serve, and with full sampling the sink gets exactly one span per request served
// in the traced phase and none from the untraced one.
import { expect } from 'chai';
import { formatModeLine, measure, parseServerResult, roundOf } from './alternating.ts';
import { wrkOrSkip } from './needs-wrk.ts';
import { startSink } from './otlp-sink.ts';

const line = (r: unknown): string => `ALTERNATING_RESULT ${JSON.stringify(r)}`;
const NO_SPANS = { exported: 0, dropped: 0, failed: 0 };

describe('bench alternating (untraced and traced in one process)', function () {
  this.timeout(60_000);

  it('reads the last ALTERNATING_RESULT line and refuses a missing line, a bad figure or an empty phase, naming it', () => {
    const good = {
      untraced: { requests: 100, cpuUs: 5000 },
      traced: { requests: 80, cpuUs: 5000 },
      tracedTotal: 120,
      spans: { exported: 110, dropped: 10, failed: 0 },
    };
    expect(parseServerResult(['{"listening":1}', line({ ...good, tracedTotal: 1 }), line(good)])).to.deep.equal(good);
    expect(() => parseServerResult(['{"listening":1}'])).to.throw(/no ALTERNATING_RESULT line/);
    expect(() => parseServerResult([line({ ...good, traced: { requests: 80 } })])).to.throw(/traced\.cpuUs is undefined/);
    expect(() => parseServerResult([line({ ...good, untraced: { requests: -1, cpuUs: 1 } })])).to.throw(/untraced\.requests is -1/);
    expect(() => parseServerResult([line({ ...good, traced: { requests: 0, cpuUs: 0 } })])).to.throw(/no request was served traced/);
    expect(() => parseServerResult([line({ ...good, tracedTotal: 'x' })])).to.throw(/tracedTotal is "x"/);
    expect(() => parseServerResult([line({ ...good, spans: { exported: 1, dropped: 0 } })])).to.throw(/spans\.failed is undefined/);
  });

  it('a round keeps untraced/traced CPU per request; the line gives the medians and every round', () => {
    const r1 = roundOf({
      untraced: { requests: 100, cpuUs: 5000 },
      traced: { requests: 80, cpuUs: 5000 },
      tracedTotal: 80,
      spans: NO_SPANS,
    });
    expect(r1).to.deep.equal({ untracedUs: 50, tracedUs: 62.5, keeps: 0.8, requests: 180 });
    const r2 = roundOf({ untraced: { requests: 10, cpuUs: 600 }, traced: { requests: 10, cpuUs: 1000 }, tracedTotal: 10, spans: NO_SPANS });
    const r3 = roundOf({ untraced: { requests: 10, cpuUs: 400 }, traced: { requests: 10, cpuUs: 450 }, tracedTotal: 10, spans: NO_SPANS });
    expect(formatModeLine('10%', [r1, r2, r3])).to.equal(
      '10%     untraced 50.0 µs/request, traced 62.5 µs/request: traced keeps 80.0% (rounds 80.0% / 60.0% / 88.9%)',
    );
  });

  it('one real round alternates: both phases serve, and only the traced one makes spans (one per request at 100%)', async function () {
    wrkOrSkip(this);
    const sink = await startSink();
    try {
      const { server, load } = await measure({
        mode: '100%',
        sinkPort: sink.port,
        connections: 8,
        warmupSec: 1,
        measureSec: 1,
        nodeOptions: '',
        flags: [],
        serverCpu: undefined,
        loadCpu: undefined,
      });
      expect(load.ok).to.be.greaterThan(100);
      // 200 ms phases over about a second: neither phase can take nearly all requests
      const { untraced, traced } = server;
      expect(traced.requests / untraced.requests).to.be.within(0.2, 5);
      expect(untraced.cpuUs).to.be.greaterThan(0);
      expect(traced.cpuUs).to.be.greaterThan(0);
      expect(server.tracedTotal).to.be.at.least(traced.requests);
      // every traced request made one span and no untraced one did (a span the queue had no room
      // for under load is counted as dropped); the server flushed before it printed the result
      const { exported, dropped, failed } = server.spans;
      expect(exported + dropped + failed).to.equal(server.tracedTotal);
      expect(exported).to.be.greaterThan(0);
      expect(sink.stats.spans).to.equal(exported);
      expect(Object.keys(sink.stats.names)).to.deep.equal(['GET /ping']);
    } finally {
      await sink.close();
    }
  });
});

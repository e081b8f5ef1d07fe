import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promqlErrors } from '../../observability/tests/promql.ts';
import { collect, formatTable, queries, scalarOf, urlQuery, type Metric } from './compare.ts';

const vector = (v: string | null) =>
  JSON.stringify({ status: 'success', data: { resultType: 'vector', result: v === null ? [] : [{ metric: {}, value: [1, v] }] } });

describe('compare: PromQL', () => {
  for (const ns of ['pingpong-plain', 'pingpong-mesh']) {
    it(`every query for ${ns} parses and selects only that namespace`, () => {
      for (const [metric, q] of Object.entries(queries(ns, '5m'))) {
        expect(promqlErrors(q), `${metric}: ${q}`).to.deep.equal([]);
        const selectors = q.match(/\{[^}]*\}/g) ?? [];
        expect(selectors.length, metric).to.be.greaterThan(0);
        for (const s of selectors) expect(s, metric).to.include(`namespace="${ns}"`);
      }
    });
  }

  it('the parser check catches a broken query', () => {
    expect(promqlErrors('sum(rate(pinger_requests_total{namespace="x"[5m]))')).to.not.deep.equal([]);
  });

  it('uses the metric names of docs/interfaces.md', () => {
    const q = queries('pingpong-mesh', '1m');
    expect(q.successRate).to.match(/pinger_requests_total\{[^}]*outcome="success"/);
    expect(q.successRate).to.match(/outcome!="skipped"/);
    expect(q.p99Seconds).to.match(/^histogram_quantile\(0\.99, sum by \(le\) \(rate\(http_client_request_duration_seconds_bucket/);
    expect(q.identityShare).to.include('ponger_requests_by_client_identity_total');
    expect(q.mtlsShare).to.include('tls="true"');
  });

  it('rejects a bad namespace or window with a message naming it', () => {
    expect(() => queries('Bad NS', '5m')).to.throw(/namespace: expected a DNS label/);
    expect(() => queries('pingpong-mesh', 'five')).to.throw(/WINDOW: expected a PromQL duration/);
  });
});

describe('compare: answers', () => {
  it('reads one number from an instant vector; empty or NaN is no data', () => {
    expect(scalarOf(vector('0.995'), 'q')).to.equal(0.995);
    expect(scalarOf(vector(null), 'q')).to.equal(null);
    expect(scalarOf(vector('NaN'), 'q')).to.equal(null);
  });

  it('turns a Prometheus error or a malformed answer into a clear error', () => {
    expect(() => scalarOf(JSON.stringify({ status: 'error', error: 'parse error at char 3' }), 'q')).to.throw(/rejected q: parse error/);
    expect(() => scalarOf('<html>', 'q')).to.throw(/not JSON/);
    expect(() => scalarOf(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }), 'q')).to.throw(/expected data.resultType "vector"/);
  });

  it('prints the table', () => {
    const table = formatTable([
      { namespace: 'pingpong-plain', successRate: 1, p50Seconds: 0.0012, p99Seconds: 0.004, identityShare: 0, mtlsShare: null },
      { namespace: 'pingpong-mesh', successRate: 0.999, p50Seconds: 0.0021, p99Seconds: 0.0093, identityShare: 1, mtlsShare: 1 },
    ], '5m');
    const lines = table.split('\n');
    expect(lines[1]).to.match(/^namespace\s+success rate\s+p50\s+p99/);
    expect(lines[3]).to.match(/^pingpong-plain\s+100\.0%\s+1\.2 ms\s+4\.0 ms\s+0\.0%\s+no data$/);
    expect(lines[4]).to.match(/^pingpong-mesh\s+99\.9%\s+2\.1 ms\s+9\.3 ms\s+100\.0%\s+100\.0%$/);
  });
});

describe('compare: against a fake Prometheus on loopback', () => {
  let server: Server;
  let base = '';
  const seen: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const q = url.searchParams.get('query') ?? '';
      seen.push(q);
      res.setHeader('content-type', 'application/json');
      if (url.pathname !== '/api/v1/query') { res.statusCode = 404; res.end('{}'); return; }
      const mesh = q.includes('pingpong-mesh');
      let v: string | null = '1';
      if (q.includes('histogram_quantile(0.5')) v = mesh ? '0.002' : '0.001';
      else if (q.includes('histogram_quantile(0.99')) v = mesh ? '0.010' : '0.005';
      else if (q.includes('response_total')) v = mesh ? '1' : null;
      else if (q.includes('ponger_requests_by_client_identity_total')) v = mesh ? '1' : '0';
      res.end(vector(v));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('collects every column for both namespaces', async () => {
    const rows = await collect(urlQuery(base), '5m');
    expect(rows.map((r) => r.namespace)).to.deep.equal(['pingpong-plain', 'pingpong-mesh']);
    expect(rows[0]).to.deep.include({ successRate: 1, p50Seconds: 0.001, p99Seconds: 0.005, identityShare: 0, mtlsShare: null });
    expect(rows[1]).to.deep.include({ successRate: 1, p50Seconds: 0.002, p99Seconds: 0.01, identityShare: 1, mtlsShare: 1 });
    const metrics: Metric[] = ['successRate', 'p50Seconds', 'p99Seconds', 'identityShare', 'mtlsShare'];
    expect(seen.length).to.equal(2 * metrics.length);
  });

  it('reports an HTTP error from Prometheus', async () => {
    const query = urlQuery(`${base}/wrong-prefix`);
    let err: unknown;
    try { await query('up'); } catch (e) { err = e; }
    expect(String(err)).to.match(/HTTP 404/);
  });
});

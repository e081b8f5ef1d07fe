import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { promqlErrors } from '../../observability/tests/promql.ts';
import {
  authzQueries,
  collect,
  collectAuthz,
  collectResilience,
  formatAuthz,
  formatResilience,
  formatTable,
  type Metric,
  queries,
  resilienceQueries,
  scalarOf,
  urlQuery,
  vectorOf,
} from './compare.ts';

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
    expect(() => scalarOf(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }), 'q')).to.throw(
      /expected data.resultType "vector"/,
    );
  });

  it('prints the table', () => {
    const table = formatTable(
      [
        { namespace: 'pingpong-plain', successRate: 1, p50Seconds: 0.0012, p99Seconds: 0.004, identityShare: 0, mtlsShare: null },
        { namespace: 'pingpong-mesh', successRate: 0.999, p50Seconds: 0.0021, p99Seconds: 0.0093, identityShare: 1, mtlsShare: 1 },
      ],
      '5m',
    );
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
      if (url.pathname !== '/api/v1/query') {
        res.statusCode = 404;
        res.end('{}');
        return;
      }
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
    try {
      await query('up');
    } catch (e) {
      err = e;
    }
    expect(String(err)).to.match(/HTTP 404/);
  });
});

describe('compare: resilience and authorization queries', () => {
  for (const ns of ['pingpong-plain', 'pingpong-mesh']) {
    it(`every resilience query for ${ns} parses and selects only that namespace`, () => {
      for (const [metric, q] of Object.entries(resilienceQueries(ns, '2m'))) {
        expect(promqlErrors(q), `${metric}: ${q}`).to.deep.equal([]);
        for (const sel of q.match(/\{[^}]*\}/g) ?? []) expect(sel, metric).to.include(`namespace="${ns}"`);
      }
    });
  }

  it("reads the proxy metrics linkerd2-proxy v2.359.0 emits, for pinger's calls to the ponger Service", () => {
    const q = resilienceQueries('pingpong-mesh', '2m');
    expect(q.retries).to.equal(
      'sum(increase(outbound_http_route_retry_requests_total{namespace="pingpong-mesh",deployment="pinger",parent_name="ponger"}[2m]))',
    );
    expect(q.retrySuccesses).to.include('outbound_http_route_retry_successes_total');
    expect(q.retryLimitExceeded).to.include('outbound_http_route_retry_limit_exceeded_total');
    expect(q.ejectedMax).to.match(
      /^max_over_time\(sum\(outbound_http_balancer_endpoints\{[^}]*backend_name="ponger",endpoint_state="pending"\}\)\[2m:10s\]\)$/,
    );
    expect(() => resilienceQueries('pingpong-mesh', '2 minutes')).to.throw(/WINDOW/);
  });

  it("authorization queries parse, and name ponger's http Server; a bad namespace is refused", () => {
    const q = authzQueries('zero-trust-rollout');
    for (const expr of [q.allow, q.deny]) expect(promqlErrors(expr), expr).to.deep.equal([]);
    expect(q.allow).to.equal(
      'sum by (client_id, authz_kind, authz_name) (inbound_http_authz_allow_total{namespace="zero-trust-rollout",deployment="ponger",srv_name="ponger-http"})',
    );
    expect(() => authzQueries('x"} or up{')).to.throw(/namespace: expected a DNS label/);
  });

  it('vectorOf keeps every series with its labels; scalarOf still refuses more than one', () => {
    const body = JSON.stringify({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { client_id: 'a' }, value: [1, '3'] },
          { metric: { client_id: 'b' }, value: [1, 'NaN'] },
        ],
      },
    });
    expect(vectorOf(body, 'q')).to.deep.equal([
      { metric: { client_id: 'a' }, value: 3 },
      { metric: { client_id: 'b' }, value: 0 },
    ]);
    expect(() => scalarOf(body, 'q')).to.throw(/expected one series, got 2/);
  });

  it('formats the resilience table and one RESULT line per namespace; no proxy reads n/a', () => {
    const out = formatResilience(
      [
        {
          namespace: 'pingpong-plain',
          attempted: 120,
          successRate: 0.5083,
          p50Seconds: 0.002,
          p99Seconds: 0.009,
          retries: null,
          retrySuccesses: null,
          retryLimitExceeded: null,
          ejectedMax: null,
        },
        {
          namespace: 'pingpong-mesh',
          attempted: 119,
          successRate: 0.9412,
          p50Seconds: 0.004,
          p99Seconds: 0.031,
          retries: 101,
          retrySuccesses: 55,
          retryLimitExceeded: 7,
          ejectedMax: 1,
        },
      ],
      '120s',
    );
    const lines = out.split('\n');
    expect(lines[3]).to.match(/^pingpong-plain\s+120\s+50\.8%\s+2\.0 ms\s+9\.0 ms\s+n\/a\s+n\/a\s+n\/a\s+n\/a$/);
    expect(lines[4]).to.match(/^pingpong-mesh\s+119\s+94\.1%\s+4\.0 ms\s+31\.0 ms\s+101\s+55\s+7\s+1$/);
    expect(lines).to.include('RESULT namespace=pingpong-plain pings=120 success_rate=0.5083 p99_ms=9.0 retries=n/a ejected_max=n/a');
    expect(lines).to.include('RESULT namespace=pingpong-mesh pings=119 success_rate=0.9412 p99_ms=31.0 retries=101 ejected_max=1');
  });

  it('sorts authorization counters into allowed, audit (served, would be denied) and denied, per caller', async () => {
    const answers: Record<string, unknown[]> = {
      allow: [
        {
          metric: {
            client_id: 'pinger.z.serviceaccount.identity.linkerd.cluster.local',
            authz_kind: 'authorizationpolicy',
            authz_name: 'ponger-ping-from-pinger',
          },
          value: [1, '40'],
        },
        {
          metric: { client_id: 'intruder.z.serviceaccount.identity.linkerd.cluster.local', authz_kind: 'default', authz_name: 'audit' },
          value: [1, '1'],
        },
      ],
      deny: [{ metric: { client_id: '' }, value: [1, '2'] }],
    };
    const q = authzQueries('z');
    const samples = await collectAuthz(
      async (promql) =>
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: promql === q.allow ? answers['allow'] : answers['deny'] },
        }),
      'z',
    );
    expect(formatAuthz(samples).split('\n')).to.deep.equal([
      'AUTHZ verdict=allowed client=pinger.z.serviceaccount.identity.linkerd.cluster.local authz=ponger-ping-from-pinger requests=40',
      'AUTHZ verdict=audit client=intruder.z.serviceaccount.identity.linkerd.cluster.local authz=audit requests=1',
      'AUTHZ verdict=denied client=none authz=- requests=2',
    ]);
    expect(formatAuthz([])).to.match(/^AUTHZ none/);
  });

  it('collects the resilience columns for both namespaces from one Prometheus', async () => {
    const seen: string[] = [];
    const rows = await collectResilience(async (promql) => {
      seen.push(promql);
      const mesh = promql.includes('pingpong-mesh');
      const v = promql.includes('outbound_http') ? (mesh ? '4' : null) : '0.5';
      return JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: v === null ? [] : [{ metric: {}, value: [1, v] }] },
      });
    }, '2m');
    expect(rows.map((r) => [r.namespace, r.retries, r.ejectedMax, r.successRate])).to.deep.equal([
      ['pingpong-plain', null, null, 0.5],
      ['pingpong-mesh', 4, 4, 0.5],
    ]);
    expect(seen).to.have.length(2 * 8);
  });
});

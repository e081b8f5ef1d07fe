import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { renderDashboard } from '../grafana/build-dashboards.ts';
import { buildDashboards } from '../grafana/dashboards.ts';
import {
  type DashboardFile,
  dashboardQueries,
  datasourceUids,
  loadDashboards,
  substitute,
  variableQueryExpr,
} from './dashboard-queries.ts';
import { assertParses, metricNames, promqlErrors } from './promql.ts';

const OBS = join(import.meta.dirname, '..');
const VARIABLE_VALUES = { namespace: 'pingpong-plain', deployment: 'ponger' };

function provisionedDatasources(): Array<Record<string, unknown>> {
  const doc = parse(readFileSync(join(OBS, 'grafana/provisioning/datasources.yaml'), 'utf8')) as { datasources?: unknown };
  if (!Array.isArray(doc.datasources)) throw new Error('datasources.yaml: key "datasources" must be a list');
  return doc.datasources as Array<Record<string, unknown>>;
}

describe('observability: Grafana dashboards', () => {
  const dashboards: DashboardFile[] = loadDashboards();

  it('has the three dashboards, each loading as JSON with a fixed, unique uid named like its file', () => {
    expect(dashboards.map((d) => d.file)).to.deep.equal(['pingpong-linkerd.json', 'pingpong-overview.json', 'pingpong-plain-vs-mesh.json']);
    const uids = dashboards.map((d) => d.json['uid']);
    for (const d of dashboards) {
      expect(d.json['uid'], d.file)
        .to.be.a('string')
        .and.match(/^[a-z0-9-]{1,40}$/);
      expect(`${String(d.json['uid'])}.json`, d.file).to.equal(d.file);
      expect(d.json['title'], d.file).to.be.a('string').and.not.equal('');
    }
    expect(new Set(uids).size).to.equal(uids.length);
  });

  it('are exactly what dashboards.ts builds (run `npm run obs:dashboards` after editing it)', () => {
    for (const [file, json] of buildDashboards()) {
      const committed = readFileSync(join(OBS, 'grafana/dashboards', file), 'utf8');
      expect(committed, `${file} is stale`).to.equal(renderDashboard(json));
    }
  });

  const provisioned = (): Set<unknown> => new Set(provisionedDatasources().map((d) => d['uid']));
  /** The datasources a dashboard names that are not provisioned uids (by name, or an unknown uid). */
  const unprovisioned = (json: Parameters<typeof datasourceUids>[0], uids: Set<unknown>): string[] =>
    datasourceUids(json).filter((uid) => !uids.has(uid));

  it('refer to datasources only by provisioned uids', () => {
    const uids = provisioned();
    expect([...uids].sort()).to.deep.equal(['jaeger', 'prometheus']);
    for (const d of dashboards) {
      expect(datasourceUids(d.json).length, `${d.file} names no datasource`).to.be.greaterThan(0);
      expect(unprovisioned(d.json, uids), `${d.file}: datasources not provisioned`).to.deep.equal([]);
    }
  });

  it('the datasource check rejects a datasource given by name or an unknown uid', () => {
    const bad = {
      panels: [{ datasource: 'Prometheus', targets: [{ datasource: { uid: 'nope' } }, { datasource: { uid: 'prometheus' } }] }],
    };
    expect(unprovisioned(bad, provisioned())).to.deep.equal(['(not by uid: "Prometheus")', 'nope']);
  });

  it('every PromQL expression (targets and variable queries, variables substituted) parses', () => {
    let count = 0;
    for (const d of dashboards) {
      for (const values of [VARIABLE_VALUES, { namespace: 'pingpong-mesh', deployment: 'pinger' }]) {
        for (const q of dashboardQueries(d, values)) {
          assertParses(q.expr, q.where);
          expect(metricNames(q.expr).length, `${q.where} queries no metric`).to.be.greaterThan(0);
          count++;
        }
      }
    }
    expect(count).to.be.greaterThan(40);
  });

  it('the PromQL check catches broken expressions', () => {
    for (const broken of [
      'sum(rate(pinger_requests_total[5m])',
      'rate(pinger_requests_total{outcome="x"}[5m]) +',
      'sum by (le (rate(x[1m]))',
      'histogram_quantile(0.9, )',
      '',
    ]) {
      expect(promqlErrors(broken), broken).to.not.be.empty;
      expect(() => assertParses(broken, 'test')).to.throw(/does not parse/);
    }
    expect(promqlErrors('sum by (outcome) (rate(pinger_requests_total{namespace="a"}[1m]))')).to.be.empty;
  });

  it('an undefined template variable is an error, not silently kept', () => {
    expect(() => substitute('rate(x{namespace="$nope"}[$__rate_interval])', {}, 'test')).to.throw(/unknown template variable \$nope/);
    expect(substitute('rate(x{a="${namespace}"}[$__rate_interval])', { namespace: 'n' }, 't')).to.equal('rate(x{a="n"}[1m])');
  });

  it('variable queries: label_values selectors are checked, plain label lists are not PromQL', () => {
    expect(variableQueryExpr('label_values(up{job="pingpong-apps"}, namespace)')).to.equal('up{job="pingpong-apps"}');
    expect(variableQueryExpr('label_values(namespace)')).to.equal(null);
    expect(variableQueryExpr('query_result(sum(up))')).to.equal('sum(up)');
  });

  it('the overview has the namespace variable and client/server RED panels from the contract metrics', () => {
    const overview = dashboards.find((d) => d.file === 'pingpong-overview.json');
    if (!overview) throw new Error('pingpong-overview.json missing');
    const names = new Set(dashboardQueries(overview, VARIABLE_VALUES).flatMap((q) => metricNames(q.expr)));
    for (const m of [
      'pinger_requests_total',
      'http_client_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_bucket',
      'http_server_request_duration_seconds_count',
    ]) {
      expect(names.has(m), m).to.equal(true);
    }
    const raw = dashboardQueries(overview, VARIABLE_VALUES)
      .map((q) => q.raw)
      .join('\n');
    expect(raw).to.include('namespace="$namespace"');
  });

  it('the Prometheus datasource links exemplars (trace_id) to the Jaeger datasource', () => {
    const prom = provisionedDatasources().find((d) => d['uid'] === 'prometheus');
    const jsonData = (prom?.['jsonData'] ?? {}) as { exemplarTraceIdDestinations?: Array<Record<string, unknown>> };
    expect(jsonData.exemplarTraceIdDestinations).to.deep.equal([{ name: 'trace_id', datasourceUid: 'jaeger' }]);
  });
});

// The real thing on loopback: ponger + pinger twice (as if in pingpong-plain and in
// pingpong-mesh), Debian's Prometheus scraping them with the static equivalent of the k8s
// job, and every app-level dashboard query answered with data.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { stringify } from 'yaml';
import { findTool } from '../../scripts/lib/find-tool.ts';
import { exposedSampleNames } from '../../test/support/exposition.ts';
import { httpOk } from '../../test/support/http.ts';
import { missingTool } from '../../test/support/manifests.ts';
import { pollUntil } from '../../test/support/poll.ts';
import { freePort } from '../../test/support/ports.ts';
import { type Child, startProcess } from '../../test/support/processes.ts';
import { REPO_ROOT } from '../../test/support/repo.ts';
import { dashboardQueries, loadDashboards, type Query, substitute, variableQueryExpr, variables } from './dashboard-queries.ts';
import { job, loadPrometheusConfig, staticEquivalent } from './prometheus-config.ts';
import { metricNames } from './promql.ts';
import { podPortTarget } from './relabel.ts';

const PONGER = join(REPO_ROOT, 'services/ponger/src/main.ts');
const PINGER = join(REPO_ROOT, 'services/pinger/src/main.ts');
const NAMESPACES = ['pingpong-plain', 'pingpong-mesh'] as const;
const MESH_CLIENT_ID = 'pinger.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local';
// metrics the apps export (docs/interfaces.md); queries made only of these must return data
const APP_METRIC = /^(http_server_request_duration_seconds|http_client_request_duration_seconds|pinger_|ponger_|process_|nodejs_)/;
// rate windows short enough for a 1 s scrape interval and a test of a few seconds
const TEST_VARS = { __rate_interval: '15s', __interval: '1s', __range: '1m' };

interface AppSet {
  namespace: string;
  ponger: { app: number; admin: number };
  pingerAdmin: number;
}

/** What a process wrote (stdout, then the last of stderr), for an error message. */
function output(p: Child): string {
  return [...p.lines.slice(-100), ...p.stderr.slice(-100)].join('\n');
}

function appLevel(q: Query): boolean {
  const names = metricNames(q.expr);
  return names.length > 0 && names.every((n) => APP_METRIC.test(n));
}

function appQueries(): Query[] {
  const out: Query[] = [];
  for (const d of loadDashboards()) {
    const hasNamespaceVar = variables(d.json).some((v) => v['name'] === 'namespace');
    for (const ns of hasNamespaceVar ? NAMESPACES : [NAMESPACES[0]]) {
      for (const q of dashboardQueries(d, { namespace: ns, deployment: 'ponger', ...TEST_VARS })) {
        if (appLevel(q)) out.push({ ...q, where: `${q.where} [namespace=${ns}]` });
      }
    }
  }
  return out;
}

describe('observability: real scrape of the services (loopback)', function () {
  this.timeout(90_000);
  const procs: Child[] = [];
  const sets: AppSet[] = [];
  let dir = '';
  let staticJob: Record<string, unknown> = {};
  let prom: { port: number; child: Child } | undefined;

  before(async function () {
    if (!existsSync(PONGER) || !existsSync(PINGER)) {
      console.log(`      skipped: ${existsSync(PONGER) ? PINGER : PONGER} is not there yet`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'obs-scrape-'));
    const common = { HOST: '127.0.0.1', OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'warn', SHUTDOWN_DRAIN_MS: '0', SHUTDOWN_TIMEOUT_MS: '2000' };
    for (const namespace of NAMESPACES) {
      const set: AppSet = { namespace, ponger: { app: await freePort(), admin: await freePort() }, pingerAdmin: await freePort() };
      sets.push(set);
      procs.push(
        startProcess({
          name: `ponger/${namespace}`,
          args: [PONGER],
          env: {
            ...common,
            PORT: String(set.ponger.app),
            METRICS_PORT: String(set.ponger.admin),
            FAULT_ERROR_RATE: '0.2',
            FAULT_LATENCY_MS: '2',
          },
        }),
      );
      procs.push(
        startProcess({
          name: `pinger/${namespace}`,
          args: [PINGER],
          env: {
            ...common,
            METRICS_PORT: String(set.pingerAdmin),
            PONGER_URL: `http://127.0.0.1:${set.ponger.app}`,
            PING_INTERVAL_MS: '100',
            PING_TIMEOUT_MS: '500',
          },
        }),
      );
    }
    // Prometheus starts beside the services: it holds back its first scrape for its discovery
    // throttle (5 s in Prometheus 2.42: discovery/manager.go updatert, scrape/manager.go reloader)
    const PROMETHEUS = findTool('prometheus');
    if (PROMETHEUS) {
      const k8sJob = job(loadPrometheusConfig(), 'pingpong-apps');
      const discovered = sets.flatMap((s) => [
        podPortTarget({
          namespace: s.namespace,
          pod: 'ponger-local',
          address: `127.0.0.1:${s.ponger.admin}`,
          container: 'ponger',
          portName: 'admin',
          podLabels: { 'app.kubernetes.io/name': 'ponger' },
        }),
        podPortTarget({
          namespace: s.namespace,
          pod: 'pinger-local',
          address: `127.0.0.1:${s.pingerAdmin}`,
          container: 'pinger',
          portName: 'admin',
          podLabels: { 'app.kubernetes.io/name': 'pinger' },
        }),
        // what the k8s job must not scrape: the app port
        podPortTarget({
          namespace: s.namespace,
          pod: 'ponger-local',
          address: `127.0.0.1:${s.ponger.app}`,
          container: 'ponger',
          portName: 'http',
          podLabels: { 'app.kubernetes.io/name': 'ponger' },
        }),
      ]);
      staticJob = staticEquivalent(k8sJob, discovered, { scrape_interval: '1s', scrape_timeout: '1s' });
      const cfgFile = join(dir, 'prometheus.yml');
      writeFileSync(cfgFile, stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [staticJob] }));
      const port = await freePort();
      const child = startProcess({
        name: 'prometheus',
        command: PROMETHEUS,
        args: [
          `--config.file=${cfgFile}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--enable-feature=exemplar-storage',
          '--log.level=warn',
        ],
      });
      procs.push(child);
      prom = { port, child };
    }
    try {
      for (const s of sets) {
        for (const port of [s.ponger.admin, s.pingerAdmin]) {
          await pollUntil(() => httpOk(`http://127.0.0.1:${port}/readyz`), 30_000, `readiness on 127.0.0.1:${port}`, {
            intervalMs: 250,
            retryErrors: true,
          });
        }
      }
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${procs.map((p) => `--- ${p.name}\n${output(p)}`).join('\n')}`);
    }
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.stop(3000)));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('every app metric a dashboard queries is exposed by ponger or pinger', async () => {
    const exposed = new Set<string>();
    for (const s of sets) {
      for (const port of [s.ponger.admin, s.pingerAdmin]) {
        const text = await pollUntil(() => httpOk(`http://127.0.0.1:${port}/metrics`), 10_000, `/metrics on ${port}`, {
          intervalMs: 250,
          retryErrors: true,
        });
        for (const n of exposedSampleNames(text)) exposed.add(n);
      }
    }
    const queried = new Set(appQueries().flatMap((q) => metricNames(q.expr)));
    expect(queried.size).to.be.greaterThan(5);
    const missing = [...queried].filter((n) => !exposed.has(n));
    expect(missing, 'queried by a dashboard but not exposed').to.deep.equal([]);
  });

  it('the exposed-names check sees counters, histograms and gauges (and not what is absent)', () => {
    const names = exposedSampleNames('# TYPE a counter\n# TYPE h histogram\n# TYPE g gauge\ng 1\n');
    for (const n of ['a_total', 'h_bucket', 'h_count', 'g']) expect(names.has(n), n).to.equal(true);
    expect(names.has('b_total')).to.equal(false);
  });

  it('Debian Prometheus, with the static equivalent of the k8s job, answers every app-level dashboard query', async function () {
    if (!prom) missingTool(this, 'prometheus not found in ./.bin or on PATH (apt-get install prometheus; .ci/run installs it)');
    expect((staticJob['static_configs'] as unknown[]).length).to.equal(4);
    const { port, child } = prom;
    const api = `http://127.0.0.1:${port}/api/v1`;
    await pollUntil(() => httpOk(`http://127.0.0.1:${port}/-/ready`), 20_000, 'Prometheus ready', {
      intervalMs: 250,
      retryErrors: true,
    }).catch((e: Error) => {
      throw new Error(`${e.message}\n${output(child)}`);
    });

    const query = async (expr: string): Promise<unknown[]> => {
      const res = await fetch(`${api}/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(5000) });
      const body = (await res.json()) as { status: string; error?: string; data?: { result?: unknown[] } };
      if (body.status !== 'success') throw new Error(`Prometheus rejected the query: ${body.error ?? res.status}: ${expr}`);
      return body.data?.result ?? [];
    };

    // the relabel-produced labels arrive as they would from Kubernetes
    const ups = await pollUntil(
      async () => {
        const r = (await query('up{job="pingpong-apps"} == 1')) as Array<{ metric: Record<string, string> }>;
        return r.length === 4 ? r : undefined;
      },
      20_000,
      'all 4 targets up',
      { intervalMs: 250, retryErrors: true },
    );
    expect(ups.map((u) => `${u.metric['namespace']}/${u.metric['app']}/${u.metric['pod']}`).sort()).to.deep.equal([
      'pingpong-mesh/pinger/pinger-local',
      'pingpong-mesh/ponger/ponger-local',
      'pingpong-plain/pinger/pinger-local',
      'pingpong-plain/ponger/ponger-local',
    ]);

    // the overview's namespace variable lists both namespaces
    const overview = loadDashboards().find((d) => d.file === 'pingpong-overview.json');
    const plainVsMesh = loadDashboards().find((d) => d.file === 'pingpong-plain-vs-mesh.json');
    const nsVar = overview ? variables(overview.json).find((v) => v['name'] === 'namespace') : undefined;
    const inner = variableQueryExpr(String(nsVar?.['query'] ?? ''));
    if (!inner) throw new Error('pingpong-overview.json: namespace variable has no label_values(<selector>, namespace) query');
    const nsSeries = (await query(substitute(inner, TEST_VARS, 'namespace variable'))) as Array<{ metric: Record<string, string> }>;
    expect([...new Set(nsSeries.map((s) => s.metric['namespace']))].sort()).to.deep.equal(['pingpong-mesh', 'pingpong-plain']);

    const queries = appQueries();
    expect(queries.length).to.be.greaterThan(15);
    // the check: every query returns data before the deadline, else the error names the empty ones
    await pollUntil(
      async () => {
        const missing: string[] = [];
        for (const q of queries) if ((await query(q.expr)).length === 0) missing.push(`${q.where}: ${q.expr}`);
        return missing.length === 0 ? missing : undefined;
      },
      40_000,
      'every app-level query to return data',
      { intervalMs: 1000, retryErrors: true },
    ).catch(async (e: Error) => {
      const missing: string[] = [];
      for (const q of queries) if ((await query(q.expr)).length === 0) missing.push(`${q.where}: ${q.expr}`);
      throw new Error(`${e.message}; still empty:\n${missing.join('\n')}`);
    });

    // what the inbound Linkerd proxy does in the mesh: requests arrive with a verified
    // identity. The dashboard's share then rises above 0 for pingpong-mesh only.
    const mesh = sets.find((s) => s.namespace === 'pingpong-mesh');
    if (!mesh) throw new Error('no pingpong-mesh app set');
    const shareExpr = substitute(
      (plainVsMesh ? dashboardQueries(plainVsMesh, TEST_VARS) : []).find((q) => q.where.includes('verified identity'))?.raw ?? '',
      TEST_VARS,
      'identity share',
    );
    expect(shareExpr).to.include('client_id!~"none|invalid|other"');
    const byNs = await pollUntil(
      async () => {
        for (let i = 0; i < 5; i++) {
          await fetch(`http://127.0.0.1:${mesh.ponger.app}/ping`, {
            headers: { 'l5d-client-id': MESH_CLIENT_ID },
            signal: AbortSignal.timeout(2000),
          }).then((r) => r.text());
        }
        const share = (await query(shareExpr)) as Array<{ metric: Record<string, string>; value: [number, string] }>;
        const m = Object.fromEntries(share.map((s) => [s.metric['namespace'], Number(s.value[1])]));
        return (m['pingpong-mesh'] ?? 0) > 0 ? m : undefined;
      },
      20_000,
      'a verified-identity share > 0 in pingpong-mesh',
      { intervalMs: 500, retryErrors: true },
    );
    expect(byNs['pingpong-plain']).to.equal(0);
    expect(byNs['pingpong-mesh']).to.be.within(0.01, 1);
  });
});

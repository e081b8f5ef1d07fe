import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { findResource, isObj, OBS, readYamlDocs } from './manifests.ts';
import { job, jobs, keptTargets, loadPrometheusConfig, prometheusGrantedResources, prometheusProblems, staticEquivalent } from './prometheus-config.ts';
import { podPortTarget, relabel, relabelProblems } from './relabel.ts';

const app = (namespace: string, name: string, portName = 'admin', extra: Partial<Parameters<typeof podPortTarget>[0]> = {}) =>
  podPortTarget({ namespace, pod: `${name}-7d9c-abcde`, address: '10.42.0.7:2112', container: name, portName, podLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'pingpong' }, ...extra });

describe('observability: Prometheus config', () => {
  const cfg = loadPrometheusConfig();

  it('has the app, span-metrics and linkerd viz jobs, and is structurally sound', () => {
    expect(jobs(cfg).map((j) => j.job_name)).to.deep.equal(['prometheus', 'pingpong-apps', 'otel-collector-spanmetrics', 'linkerd-controller', 'linkerd-multicluster-controller', 'linkerd-proxy']);
    expect(prometheusProblems(cfg, prometheusGrantedResources())).to.deep.equal([]);
  });

  it('RBAC is least privilege: pods only, read-only', () => {
    expect(prometheusGrantedResources()).to.deep.equal(['pods']);
    const role = findResource(readYamlDocs(join(OBS, 'prometheus/rbac.yaml')), 'ClusterRole', 'observability-prometheus');
    const rules = (role['rules'] as unknown[]).filter(isObj);
    expect(rules.flatMap((r) => r['verbs'] as string[]).sort()).to.deep.equal(['get', 'list', 'watch']);
  });

  it('the structural check catches a role RBAC does not grant, a bad regex and a keep without source', () => {
    const broken = structuredClone(cfg);
    const j = job(broken, 'pingpong-apps');
    j.kubernetes_sd_configs = [{ role: 'endpoints' }];
    j.relabel_configs = [{ action: 'keep', regex: 'pingpong-(' }, { action: 'replace', regex: 'x' }];
    j.job_name = 'prometheus';
    const problems = prometheusProblems(broken, prometheusGrantedResources()).join('\n');
    expect(problems).to.match(/role "endpoints" needs endpoints, which the ClusterRole does not grant/);
    expect(problems).to.match(/regex "pingpong-\(" does not compile/);
    expect(problems).to.match(/action keep needs source_labels/);
    expect(problems).to.match(/action replace needs target_label/);
    expect(problems).to.match(/job_name "prometheus" is used twice/);
  });

  it('pingpong-apps keeps admin ports of pingpong-* pods with labels namespace, pod, app', () => {
    const j = job(cfg, 'pingpong-apps');
    const kept = keptTargets(j, [
      app('pingpong-plain', 'ponger'),
      app('pingpong-mesh', 'pinger'),
      app('pingpong-plain', 'ponger', 'http'), // app port: not scraped
      app('default', 'ponger'), // other namespace
      app('pingpong-mesh', 'ponger', 'linkerd-admin', { container: 'linkerd-proxy' }), // the proxy: job linkerd-proxy
      app('pingpong-mesh', 'ponger', 'admin', { phase: 'Succeeded' }),
    ]);
    expect(kept).to.deep.equal([
      { address: '10.42.0.7:2112', labels: { namespace: 'pingpong-plain', pod: 'ponger-7d9c-abcde', app: 'ponger' } },
      { address: '10.42.0.7:2112', labels: { namespace: 'pingpong-mesh', pod: 'pinger-7d9c-abcde', app: 'pinger' } },
    ]);
  });

  it('linkerd-proxy keeps only linkerd-admin of linkerd-proxy containers, with viz labels (namespace, pod, deployment)', () => {
    const j = job(cfg, 'linkerd-proxy');
    const proxy = podPortTarget({
      namespace: 'pingpong-mesh', pod: 'ponger-1', address: '10.42.0.8:4191', container: 'linkerd-proxy', portName: 'linkerd-admin',
      podLabels: { 'app.kubernetes.io/name': 'ponger', 'linkerd.io/control-plane-ns': 'linkerd', 'linkerd.io/proxy-deployment': 'ponger', 'linkerd.io/workload-ns': 'pingpong-mesh' },
    });
    const [kept, ...rest] = keptTargets(j, [proxy, app('pingpong-mesh', 'ponger'), { ...proxy, __meta_kubernetes_pod_label_linkerd_io_control_plane_ns: 'other' }]);
    expect(rest).to.deep.equal([]);
    expect(kept?.labels).to.include({ namespace: 'pingpong-mesh', pod: 'ponger-1', deployment: 'ponger', app_kubernetes_io_name: 'ponger', control_plane_ns: 'linkerd', workload_ns: 'pingpong-mesh' });
  });

  it('linkerd-controller keeps the control plane admin ports but not the proxies; span metrics job finds the collector', () => {
    const ctl = job(cfg, 'linkerd-controller');
    const dst = podPortTarget({ namespace: 'linkerd', pod: 'linkerd-destination-1', address: '10.42.0.9:9996', container: 'destination', portName: 'admin-http' });
    const pol = podPortTarget({ namespace: 'linkerd', pod: 'linkerd-destination-1', address: '10.42.0.9:9990', container: 'policy', portName: 'admin' });
    const web = podPortTarget({ namespace: 'linkerd-viz', pod: 'metrics-api-1', address: '10.42.0.11:9995', container: 'metrics-api', portName: 'admin-http' });
    const app = podPortTarget({ namespace: 'linkerd', pod: 'linkerd-destination-1', address: '10.42.0.9:8086', container: 'destination', portName: 'grpc' });
    const prx = podPortTarget({ namespace: 'linkerd', pod: 'linkerd-destination-1', address: '10.42.0.9:4191', container: 'linkerd-proxy', portName: 'linkerd-admin' });
    expect(keptTargets(ctl, [dst, pol, web, app, prx]).map((t) => t.labels)).to.deep.equal([{ component: 'destination' }, { component: 'policy' }, { component: 'metrics-api' }]);
    const sm = job(cfg, 'otel-collector-spanmetrics');
    const col = podPortTarget({ namespace: 'observability', pod: 'otel-collector-1', address: '10.42.0.10:8889', container: 'otel-collector', portName: 'metrics', podLabels: { 'app.kubernetes.io/name': 'otel-collector' } });
    expect(keptTargets(sm, [col, { ...col, __meta_kubernetes_pod_container_port_name: 'otlp-http' }])).to.have.length(1);
    expect(sm['honor_labels']).to.equal(true);
  });

  it('the relabel engine follows Prometheus semantics (anchored regex, $1 default, empty value removes)', () => {
    expect(relabel({ a: 'xy' }, [{ source_labels: ['a'], regex: 'x', action: 'keep' }])).to.equal(null);
    expect(relabel({ a: 'x;y' }, [{ source_labels: ['a'], regex: '(.*);(.*)', target_label: 'b', replacement: '${2}-$1' }])).to.deep.equal({ a: 'x;y', b: 'y-x' });
    expect(relabel({ a: '', b: 'keep' }, [{ source_labels: ['a'], target_label: 'b' }])).to.deep.equal({ a: '' });
    expect(relabelProblems({ action: 'hashmod' }, 'x')).to.have.length(1);
  });

  it('Debian promtool accepts the config with each Kubernetes job turned into its static equivalent', function () {
    if (!existsSync('/usr/bin/promtool')) this.skip(); // .ci/run installs the prometheus package
    const dir = mkdtempSync(join(tmpdir(), 'obs-promtool-'));
    try {
      const sample = [app('pingpong-plain', 'ponger'), podPortTarget({ namespace: 'linkerd', pod: 'd', address: '10.0.0.1:9990', container: 'identity', portName: 'admin-http', podLabels: { component: 'linkerd-service-mirror', 'linkerd.io/control-plane-ns': 'linkerd' } })];
      const proxy = podPortTarget({ namespace: 'pingpong-mesh', pod: 'p', address: '10.0.0.2:4191', container: 'linkerd-proxy', portName: 'linkerd-admin', podLabels: { 'linkerd.io/control-plane-ns': 'linkerd' } });
      const mirror = podPortTarget({ namespace: 'x', pod: 'm', address: '10.0.0.3:9999', container: 'service-mirror', portName: 'mirror-admin', podLabels: { component: 'linkerd-service-mirror' } });
      const col = podPortTarget({ namespace: 'observability', pod: 'c', address: '10.0.0.4:8889', container: 'otel-collector', portName: 'metrics', podLabels: { 'app.kubernetes.io/name': 'otel-collector' } });
      const converted = {
        ...cfg,
        scrape_configs: jobs(cfg).map((j) => (j.kubernetes_sd_configs ? staticEquivalent(j, [...sample, proxy, mirror, col]) : j)),
      };
      const file = join(dir, 'prometheus.yml');
      writeFileSync(file, stringify(converted));
      const r = spawnSync('/usr/bin/promtool', ['check', 'config', '--syntax-only', file], { encoding: 'utf8', timeout: 20000 });
      expect(r.status, `${r.stdout}\n${r.stderr}`).to.equal(0);
      // and it does reject a broken one
      writeFileSync(file, stringify({ ...converted, scrape_configs: [{ job_name: 'x', scrape_interval: 'often', static_configs: [{ targets: ['a:1'] }] }] }));
      const bad = spawnSync('/usr/bin/promtool', ['check', 'config', '--syntax-only', file], { encoding: 'utf8', timeout: 20000 });
      expect(bad.status).to.not.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// prometheus/prometheus.yml: valid for Prometheus (promtool, the real check), discovery the
// RBAC allows, and the targets and labels each job's relabelling keeps (relabel.ts, modelled on
// Prometheus' own relabel.go).
import { expect } from 'chai';
import { describeRendered, find, missingTool, render } from '../../test/support/manifests.ts';
import {
  job,
  jobs,
  keptTargets,
  loadPrometheusConfig,
  prometheusGrantedResources,
  promtool,
  promtoolCheck,
  sdRoleProblems,
} from './prometheus-config.ts';
import { podPortTarget, relabel } from './relabel.ts';

const app = (namespace: string, name: string, portName = 'admin', extra: Partial<Parameters<typeof podPortTarget>[0]> = {}) =>
  podPortTarget({
    namespace,
    pod: `${name}-7d9c-abcde`,
    address: '10.42.0.7:2112',
    container: name,
    portName,
    podLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'pingpong' },
    ...extra,
  });

describeRendered('observability: Prometheus config', () => {
  const cfg = loadPrometheusConfig();

  it('promtool accepts it (Kubernetes discovery included), and rejects a duplicate job and a regex that does not compile', function () {
    const tool = promtool();
    if ('missing' in tool) missingTool(this, tool.missing);
    const ok = promtoolCheck(tool, cfg);
    expect(ok.status, ok.output).to.equal(0);
    const dup = structuredClone(cfg);
    job(dup, 'pingpong-apps').job_name = 'prometheus';
    expect(promtoolCheck(tool, dup).output).to.match(/multiple scrape configs with job name "prometheus"/);
    const badRegex = structuredClone(cfg);
    job(badRegex, 'pingpong-apps').relabel_configs![0]!.regex = 'pingpong-(';
    expect(promtoolCheck(tool, badRegex).output).to.match(/error parsing regexp/);
  });

  it('has the app, span-metrics and linkerd viz jobs', () => {
    expect(jobs(cfg).map((j) => j.job_name)).to.deep.equal([
      'prometheus',
      'pingpong-apps',
      'otel-collector-spanmetrics',
      'linkerd-controller',
      'linkerd-multicluster-controller',
      'linkerd-proxy',
    ]);
  });

  it('discovers only what its ClusterRole grants, read-only: pods; a role it does not grant is caught', () => {
    const objs = render('observability');
    const granted = prometheusGrantedResources(objs);
    expect(granted).to.deep.equal(['pods']);
    const rules = find(objs, 'ClusterRole', 'observability-prometheus')['rules'] as Array<{ verbs: string[] }>;
    expect(rules.flatMap((r) => r.verbs).sort(), 'read-only').to.deep.equal(['get', 'list', 'watch']);
    expect(sdRoleProblems(cfg, granted)).to.deep.equal([]);
    const broken = structuredClone(cfg);
    job(broken, 'pingpong-apps').kubernetes_sd_configs = [{ role: 'endpoints' }];
    expect(sdRoleProblems(broken, granted).join('\n')).to.match(/role "endpoints" needs endpoints, which the ClusterRole does not grant/);
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
      namespace: 'pingpong-mesh',
      pod: 'ponger-1',
      address: '10.42.0.8:4191',
      container: 'linkerd-proxy',
      portName: 'linkerd-admin',
      podLabels: {
        'app.kubernetes.io/name': 'ponger',
        'linkerd.io/control-plane-ns': 'linkerd',
        'linkerd.io/proxy-deployment': 'ponger',
        'linkerd.io/workload-ns': 'pingpong-mesh',
      },
    });
    const [kept, ...rest] = keptTargets(j, [
      proxy,
      app('pingpong-mesh', 'ponger'),
      { ...proxy, __meta_kubernetes_pod_label_linkerd_io_control_plane_ns: 'other' },
    ]);
    expect(rest).to.deep.equal([]);
    expect(kept?.labels).to.include({
      namespace: 'pingpong-mesh',
      pod: 'ponger-1',
      deployment: 'ponger',
      app_kubernetes_io_name: 'ponger',
      control_plane_ns: 'linkerd',
      workload_ns: 'pingpong-mesh',
    });
  });

  it('linkerd-controller keeps the control plane admin ports but not the proxies; span metrics job finds the collector', () => {
    const ctl = job(cfg, 'linkerd-controller');
    const dst = podPortTarget({
      namespace: 'linkerd',
      pod: 'linkerd-destination-1',
      address: '10.42.0.9:9996',
      container: 'destination',
      portName: 'admin-http',
    });
    const pol = podPortTarget({
      namespace: 'linkerd',
      pod: 'linkerd-destination-1',
      address: '10.42.0.9:9990',
      container: 'policy',
      portName: 'admin',
    });
    const web = podPortTarget({
      namespace: 'linkerd-viz',
      pod: 'metrics-api-1',
      address: '10.42.0.11:9995',
      container: 'metrics-api',
      portName: 'admin-http',
    });
    const app = podPortTarget({
      namespace: 'linkerd',
      pod: 'linkerd-destination-1',
      address: '10.42.0.9:8086',
      container: 'destination',
      portName: 'grpc',
    });
    const prx = podPortTarget({
      namespace: 'linkerd',
      pod: 'linkerd-destination-1',
      address: '10.42.0.9:4191',
      container: 'linkerd-proxy',
      portName: 'linkerd-admin',
    });
    expect(keptTargets(ctl, [dst, pol, web, app, prx]).map((t) => t.labels)).to.deep.equal([
      { component: 'destination' },
      { component: 'policy' },
      { component: 'metrics-api' },
    ]);
    const sm = job(cfg, 'otel-collector-spanmetrics');
    const col = podPortTarget({
      namespace: 'observability',
      pod: 'otel-collector-1',
      address: '10.42.0.10:8889',
      container: 'otel-collector',
      portName: 'metrics',
      podLabels: { 'app.kubernetes.io/name': 'otel-collector' },
    });
    expect(keptTargets(sm, [col, { ...col, __meta_kubernetes_pod_container_port_name: 'otlp-http' }])).to.have.length(1);
    expect(sm['honor_labels']).to.equal(true);
  });

  it('the relabel model follows relabel.go: anchored (?s) regex, $1 default, empty result deletes, no match no change', () => {
    expect(relabel({ a: 'xy' }, [{ source_labels: ['a'], regex: 'x', action: 'keep' }])).to.equal(null);
    expect(relabel({ a: 'x\ny' }, [{ source_labels: ['a'], regex: 'x.y', action: 'keep' }]), '. matches a newline').to.deep.equal({
      a: 'x\ny',
    });
    expect(relabel({ a: 'x;y' }, [{ source_labels: ['a'], regex: '(.*);(.*)', target_label: 'b', replacement: '${2}-$1' }])).to.deep.equal({
      a: 'x;y',
      b: 'y-x',
    });
    expect(relabel({ a: '', b: 'keep' }, [{ source_labels: ['a'], target_label: 'b' }])).to.deep.equal({ a: '' });
    expect(relabel({ a: 'q', b: 'keep' }, [{ source_labels: ['a'], regex: 'z', target_label: 'b' }])).to.deep.equal({ a: 'q', b: 'keep' });
    expect(() => relabel({}, [{ action: 'hashmod', target_label: 'x' }])).to.throw(/not supported/);
  });
});

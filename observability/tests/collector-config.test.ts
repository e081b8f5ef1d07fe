import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectorProblems, type CollectorContext } from './collector-check.ts';
import { containerPort, findResource, get, isObj, OBS, readYaml, readYamlDocs, REPO, servicePort, yamlFiles, type Obj } from './manifests.ts';

function load(): { cfg: Obj; ctx: CollectorContext } {
  const cfg = readYaml(join(OBS, 'otel-collector/config.yaml'));
  if (!isObj(cfg)) throw new Error('otel-collector/config.yaml: expected a mapping');
  // the contract's endpoint, and every one the app manifests set (when k8s/ has them)
  const contract = /OTEL_EXPORTER_OTLP_ENDPOINT=(http:\/\/[^`\s]+)/.exec(readFileSync(join(REPO, 'docs/interfaces.md'), 'utf8'))?.[1];
  if (!contract) throw new Error('docs/interfaces.md: no OTEL_EXPORTER_OTLP_ENDPOINT=... for Kubernetes');
  const appEndpoints = [contract];
  let k8sFiles: string[] = [];
  try {
    k8sFiles = yamlFiles(join(REPO, 'k8s'));
  } catch {
    // k8s/ not there yet
  }
  for (const f of k8sFiles) {
    for (const m of readFileSync(f, 'utf8').matchAll(/name:\s*OTEL_EXPORTER_OTLP_ENDPOINT\s*\n\s*value:\s*"?([^"\s]+)"?/g)) appEndpoints.push(m[1] ?? '');
  }
  return {
    cfg,
    ctx: {
      collectorService: findResource(readYamlDocs(join(OBS, 'otel-collector/service.yaml')), 'Service', 'otel-collector'),
      collectorDeployment: findResource(readYamlDocs(join(OBS, 'otel-collector/deployment.yaml')), 'Deployment', 'otel-collector'),
      jaegerService: findResource(readYamlDocs(join(OBS, 'jaeger/service.yaml')), 'Service', 'jaeger'),
      appEndpoints,
    },
  };
}

const clone = <T>(v: T): T => structuredClone(v);

describe('observability: OpenTelemetry Collector config', () => {
  it('is consistent: components defined and used, ports match Service/container, endpoints match Jaeger and the apps', () => {
    const { cfg, ctx } = load();
    expect(ctx.appEndpoints.length).to.be.greaterThan(0);
    expect(collectorProblems(cfg, ctx)).to.deep.equal([]);
  });

  it('checks the app manifests too when they set the endpoint', () => {
    const { ctx } = load();
    // the contract plus pinger and ponger in k8s/base once the k8s engineer's files exist
    let manifests = 0;
    try {
      manifests = yamlFiles(join(REPO, 'k8s')).filter((f) => readFileSync(f, 'utf8').includes('OTEL_EXPORTER_OTLP_ENDPOINT')).length;
    } catch {
      manifests = 0;
    }
    expect(ctx.appEndpoints.length).to.equal(1 + manifests);
    for (const ep of ctx.appEndpoints) expect(ep).to.equal('http://otel-collector.observability.svc.cluster.local:4318');
  });

  it('has the Service ports of the contract', () => {
    const { ctx } = load();
    expect(servicePort(ctx.collectorService, 'otlp-grpc')).to.equal(4317);
    expect(servicePort(ctx.collectorService, 'otlp-http')).to.equal(4318);
    expect(servicePort(ctx.collectorService, 'metrics')).to.equal(8889);
    expect(servicePort(ctx.collectorService, 'health')).to.equal(13133);
    expect(servicePort(ctx.jaegerService, 'otlp-grpc')).to.equal(4317);
    expect(servicePort(ctx.jaegerService, 'http-ui')).to.equal(16686);
  });

  describe('catches broken configs', () => {
    const cases: Array<[string, (cfg: Obj, ctx: CollectorContext) => void, RegExp]> = [
      ['a pipeline processor that is not defined', (c) => delete (c['processors'] as Obj)['k8s_attributes'], /pipelines\.traces\.processors: "k8s_attributes" is not defined/],
      ['a defined exporter no pipeline uses', (c) => ((c['exporters'] as Obj)['debug'] = {}), /exporters\.debug: defined but used by no pipeline/],
      ['an extension not listed in service.extensions', (c) => ((c['extensions'] as Obj)['pprof'] = {}), /extensions\.pprof: defined but used/],
      ['a connector used on one side only', (c) => ((get(c, 'service.pipelines') as Obj)['metrics/spanmetrics'] = { receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['prometheus'] }), /connectors\.span_metrics: must be an exporter of one pipeline and a receiver/],
      ['receiver port that differs from the Service', (c) => ((get(c, 'receivers.otlp.protocols.http') as Obj)['endpoint'] = '${env:MY_POD_IP}:4319'), /receivers\.otlp\.protocols\.http\.endpoint: port 4319, but the container port named otlp-http is 4318/],
      ['a receiver bound to localhost', (c) => ((get(c, 'receivers.otlp.protocols.grpc') as Obj)['endpoint'] = 'localhost:4317'), /binds "localhost"/],
      ['an exporter pointing past the Jaeger Service', (c) => ((get(c, 'exporters') as Obj)['otlp_grpc/jaeger'] = { endpoint: 'jaeger-collector.observability.svc.cluster.local:4317' }), /expected the Jaeger Service "jaeger\.observability\.svc\.cluster\.local:4317"/],
      ['an app endpoint on the gRPC port', (_c, x) => x.appEndpoints.push('http://otel-collector.observability.svc.cluster.local:4317'), /port 4317, expected the Service's otlp-http port 4318/],
      ['an app endpoint naming another host', (_c, x) => x.appEndpoints.push('http://collector.monitoring:4318'), /host collector\.monitoring, expected the collector Service/],
      ['linkerd.client_id as a span-metrics dimension', (c) => ((get(c, 'connectors.span_metrics') as Obj)['dimensions'] as Obj[]).push({ name: 'linkerd.client_id' }), /"linkerd\.client_id" is client-controlled/],
      ['memory_limiter not first', (c) => ((get(c, 'service.pipelines.traces') as Obj)['processors'] = ['k8s_attributes', 'memory_limiter', 'batch']), /expected memory_limiter first/],
      ['a deprecated component name', (c) => ((c['connectors'] as Obj)['spanmetrics'] = (c['connectors'] as Obj)['span_metrics']), /"spanmetrics" is a deprecated alias, expected "span_metrics"/],
      ['an env variable the container does not set', (c) => ((get(c, 'exporters.prometheus') as Obj)['endpoint'] = '${env:POD_IP}:8889'), /\$\{env:POD_IP\} is used in the config but not set/],
    ];
    for (const [what, breakIt, expected] of cases) {
      it(what, () => {
        const { cfg, ctx } = load();
        const c = clone(cfg);
        const x = { ...ctx, appEndpoints: [...ctx.appEndpoints] };
        breakIt(c, x);
        const problems = collectorProblems(c, x);
        expect(problems.join('\n')).to.match(expected);
      });
    }
  });

  it('Jaeger: OTLP/gRPC in and UI on the Service ports, UI reachable by port-forward, in-memory store bounded', () => {
    const cfg = readYaml(join(OBS, 'jaeger/config.yaml'));
    const deploy = findResource(readYamlDocs(join(OBS, 'jaeger/deployment.yaml')), 'Deployment', 'jaeger');
    const svc = findResource(readYamlDocs(join(OBS, 'jaeger/service.yaml')), 'Service', 'jaeger');
    const grpc = String(get(cfg, 'receivers.otlp.protocols.grpc.endpoint'));
    const ui = String(get(cfg, 'extensions.jaeger_query.http.endpoint'));
    expect(grpc).to.equal(`\${env:MY_POD_IP}:${containerPort(deploy, 'otlp-grpc')}`);
    // the UI binds all interfaces: containerd's port-forward dials localhost in the pod (docs/upstream-facts.md)
    expect(ui).to.equal(`0.0.0.0:${containerPort(deploy, 'http-ui')}`);
    expect(servicePort(svc, 'otlp-grpc')).to.equal(containerPort(deploy, 'otlp-grpc'));
    const store = String(get(cfg, 'extensions.jaeger_query.storage.traces'));
    expect(get(cfg, 'exporters.jaeger_storage_exporter.trace_storage')).to.equal(store);
    const max = Number(get(cfg, `extensions.jaeger_storage.backends.${store}.memory.max_traces`, 'a bound on stored traces'));
    expect(max).to.be.within(1000, 100000);
  });
});

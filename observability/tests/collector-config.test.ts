import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { OVERLAYS } from '../../k8s/tests/project.ts';
import {
  containerPort,
  describeRendered,
  find,
  get,
  isObj,
  type Obj,
  podTemplate,
  podTemplates,
  render,
  servicePort,
} from '../../test/support/manifests.ts';
import { REPO_ROOT } from '../../test/support/repo.ts';
import { type CollectorContext, collectorProblems } from './collector-check.ts';

const OBS = join(REPO_ROOT, 'observability');
const readYaml = (rel: string): Obj => {
  const v: unknown = parse(readFileSync(join(OBS, rel), 'utf8'));
  if (!isObj(v)) throw new Error(`observability/${rel}: expected a mapping`);
  return v;
};

/** OTEL_EXPORTER_OTLP_ENDPOINT of every app container the overlays render. */
function renderedAppEndpoints(): string[] {
  return Object.values(OVERLAYS)
    .flatMap((d) => podTemplates(render(d)))
    .flatMap((t) =>
      t.spec.containers.flatMap((c) => (c.env ?? []).filter((e) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT').map((e) => e.value ?? '')),
    );
}

function load(): { cfg: Obj; ctx: CollectorContext } {
  // the contract's endpoint, and every one the app manifests set
  const contract = /OTEL_EXPORTER_OTLP_ENDPOINT=(http:\/\/[^`\s]+)/.exec(readFileSync(join(REPO_ROOT, 'docs/interfaces.md'), 'utf8'))?.[1];
  if (!contract) throw new Error('docs/interfaces.md: no OTEL_EXPORTER_OTLP_ENDPOINT=... for Kubernetes');
  const objs = render('observability');
  return {
    cfg: readYaml('otel-collector/config.yaml'),
    ctx: {
      collectorService: find(objs, 'Service', 'otel-collector'),
      collectorPod: podTemplate(objs, 'otel-collector'),
      jaegerService: find(objs, 'Service', 'jaeger'),
      appEndpoints: [contract, ...renderedAppEndpoints()],
    },
  };
}

const clone = <T>(v: T): T => structuredClone(v);

describeRendered('observability: OpenTelemetry Collector config', () => {
  it('is consistent: components defined and used, ports match Service/container, endpoints match Jaeger and the apps', () => {
    const { cfg, ctx } = load();
    expect(collectorProblems(cfg, ctx)).to.deep.equal([]);
  });

  it("the apps of both overlays and the contract all send to the collector Service's OTLP/HTTP port", () => {
    const { ctx } = load();
    expect(ctx.appEndpoints).to.have.length(1 + 4); // the contract, pinger and ponger in plain and mesh
    expect([...new Set(ctx.appEndpoints)]).to.deep.equal(['http://otel-collector.observability.svc.cluster.local:4318']);
  });

  describe('catches broken configs', () => {
    const cases: Array<[string, (cfg: Obj, ctx: CollectorContext) => void, RegExp]> = [
      [
        'a pipeline processor that is not defined',
        (c) => delete (c['processors'] as Obj)['k8s_attributes'],
        /pipelines\.traces\.processors: "k8s_attributes" is not defined/,
      ],
      [
        'a defined exporter no pipeline uses',
        (c) => ((c['exporters'] as Obj)['debug'] = {}),
        /exporters\.debug: defined but used by no pipeline/,
      ],
      [
        'an extension not listed in service.extensions',
        (c) => ((c['extensions'] as Obj)['pprof'] = {}),
        /extensions\.pprof: defined but used/,
      ],
      [
        'a connector used on one side only',
        (c) =>
          ((get(c, 'service.pipelines') as Obj)['metrics/spanmetrics'] = {
            receivers: ['otlp'],
            processors: ['memory_limiter'],
            exporters: ['prometheus'],
          }),
        /connectors\.span_metrics: must be an exporter of one pipeline and a receiver/,
      ],
      [
        'receiver port that differs from the Service',
        (c) => ((get(c, 'receivers.otlp.protocols.http') as Obj)['endpoint'] = '${env:MY_POD_IP}:4319'),
        /receivers\.otlp\.protocols\.http\.endpoint: port 4319, but the container port named otlp-http is 4318/,
      ],
      [
        'a receiver bound to localhost',
        (c) => ((get(c, 'receivers.otlp.protocols.grpc') as Obj)['endpoint'] = 'localhost:4317'),
        /binds "localhost"/,
      ],
      [
        'an exporter pointing past the Jaeger Service',
        (c) => ((get(c, 'exporters') as Obj)['otlp_grpc/jaeger'] = { endpoint: 'jaeger-collector.observability.svc.cluster.local:4317' }),
        /expected the Jaeger Service "jaeger\.observability\.svc\.cluster\.local:4317"/,
      ],
      [
        'an app endpoint on the gRPC port',
        (_c, x) => x.appEndpoints.push('http://otel-collector.observability.svc.cluster.local:4317'),
        /port 4317, expected the Service's otlp-http port 4318/,
      ],
      [
        'an app endpoint naming another host',
        (_c, x) => x.appEndpoints.push('http://collector.monitoring:4318'),
        /host collector\.monitoring, expected the collector Service/,
      ],
      [
        'linkerd.client_id as a span-metrics dimension',
        (c) => ((get(c, 'connectors.span_metrics') as Obj)['dimensions'] as Obj[]).push({ name: 'linkerd.client_id' }),
        /"linkerd\.client_id" is client-controlled/,
      ],
      [
        'memory_limiter not first',
        (c) => ((get(c, 'service.pipelines.traces') as Obj)['processors'] = ['k8s_attributes', 'memory_limiter', 'batch']),
        /expected memory_limiter first/,
      ],
      [
        'a deprecated component name',
        (c) => ((c['connectors'] as Obj)['spanmetrics'] = (c['connectors'] as Obj)['span_metrics']),
        /"spanmetrics" is a deprecated alias, expected "span_metrics"/,
      ],
      [
        'an unknown component type (a misspelt extension)',
        (c) => {
          (c['extensions'] as Obj)['healthcheck'] = (c['extensions'] as Obj)['health_check'];
          (get(c, 'service') as Obj)['extensions'] = ['healthcheck'];
        },
        /extensions\.healthcheck: unknown type "healthcheck", expected one of health_check/,
      ],
      [
        'no service.instance.id for senders without one (the proxies) before span metrics',
        (c) => ((get(c, 'service.pipelines.traces') as Obj)['processors'] = ['memory_limiter', 'k8s_attributes', 'batch']),
        /service\.pipelines\.traces\.processors: the pipeline feeding span metrics needs a resource processor inserting service\.instance\.id from k8s\.pod\.uid/,
      ],
      [
        "the instance id upserted, overwriting the apps' own",
        (c) => ((((get(c, 'processors.resource/instance') as Obj)['attributes'] as Obj[])[0] as Obj)['action'] = 'upsert'),
        /needs a resource processor inserting service\.instance\.id from k8s\.pod\.uid \(action insert\)/,
      ],
      [
        'the instance id inserted before k8s_attributes',
        (c) =>
          ((get(c, 'service.pipelines.traces') as Obj)['processors'] = ['memory_limiter', 'resource/instance', 'k8s_attributes', 'batch']),
        /expected the service\.instance\.id insert after k8s_attributes/,
      ],
      [
        'an env variable the container does not set',
        (c) => ((get(c, 'exporters.prometheus') as Obj)['endpoint'] = '${env:POD_IP}:8889'),
        /\$\{env:POD_IP\} is used in the config but not set/,
      ],
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
    const cfg = readYaml('jaeger/config.yaml');
    const objs = render('observability');
    const deploy = podTemplate(objs, 'jaeger');
    const svc = find(objs, 'Service', 'jaeger');
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

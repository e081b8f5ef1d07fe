// Every flow the docs promise, and every flow they say is refused, checked against the
// NetworkPolicies of all namespaces at once, on the port each connection really uses on the wire
// with Linkerd 2.20 installed the way scripts/linkerd-up.sh installs it (model: linkerd-wire.ts).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OBS, readYaml, readYamlDocs, type Obj } from '../../observability/tests/manifests.ts';
import { reachable, wirePort, type Connection, type Pod, type PoliciesByNamespace, type TransportMode } from './linkerd-wire.ts';
import { OVERLAYS } from './project.ts';
import { render, REPO_ROOT } from './render.ts';

/** The transport mode our install sets (one source of truth: the values in linkerd-up.sh). */
function installedTransportMode(): TransportMode {
  const script = readFileSync(join(REPO_ROOT, 'scripts/linkerd-up.sh'), 'utf8');
  const modes = [...script.matchAll(/proxy\.outboundTransportMode=([a-z-]+)/g)].map((m) => m[1]);
  if (modes.length === 0) return 'transport-header'; // the chart's default
  const unique = [...new Set(modes)];
  if (unique.length !== 1 || (unique[0] !== 'transparent' && unique[0] !== 'transport-header')) throw new Error(`linkerd-up.sh sets outboundTransportMode to ${unique.join(', ')}`);
  return unique[0];
}

function policiesByNamespace(): Map<string, Obj[]> {
  const out = new Map<string, Obj[]>();
  const add = (ns: string, p: Obj) => out.set(ns, [...(out.get(ns) ?? []), p]);
  for (const dir of Object.values(OVERLAYS)) {
    for (const o of render(dir).filter((x) => x.kind === 'NetworkPolicy')) add(o.metadata.namespace ?? '', o as Obj);
  }
  const kust = readYaml(join(OBS, 'kustomization.yaml')) as { namespace: string; resources: string[] };
  for (const f of kust.resources) for (const o of readYamlDocs(join(OBS, f)).filter((x) => x['kind'] === 'NetworkPolicy')) add(kust.namespace, o);
  return out;
}

/** Pod template labels as rendered (the policies select on more than the name, e.g. part-of). */
function templateLabels(): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const kust = readYaml(join(OBS, 'kustomization.yaml')) as { namespace: string; resources: string[] };
  const obs = kust.resources.flatMap((f) => readYamlDocs(join(OBS, f))).map((o): Obj => ({ ...o, metadata: { ...(o['metadata'] as object), namespace: kust.namespace } }));
  for (const o of [...Object.values(OVERLAYS).flatMap((d) => render(d) as Obj[]), ...obs].filter((x) => x['kind'] === 'Deployment')) {
    const meta = o['metadata'] as { namespace: string };
    const labels = (o['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    out.set(`${meta.namespace}/${labels['app.kubernetes.io/name'] ?? ''}`, labels);
  }
  return out;
}
const LABELS = templateLabels();
const pod = (namespace: string, name: string, meshed: boolean, extra: Partial<Pod> = {}): Pod => ({ namespace, labels: LABELS.get(`${namespace}/${name}`) ?? { 'app.kubernetes.io/name': name }, meshed, ...extra });
const cluster = (meshed: boolean) => ({
  plainPinger: pod('pingpong-plain', 'pinger', false),
  plainPonger: pod('pingpong-plain', 'ponger', false),
  meshPinger: pod('pingpong-mesh', 'pinger', true),
  meshPonger: pod('pingpong-mesh', 'ponger', true),
  prometheus: pod('observability', 'prometheus', meshed),
  grafana: pod('observability', 'grafana', meshed),
  collector: pod('observability', 'otel-collector', meshed),
  jaeger: pod('observability', 'jaeger', meshed),
  destination: { namespace: 'linkerd', labels: { 'linkerd.io/control-plane-component': 'destination' }, meshed: true },
  vizMetrics: { namespace: 'linkerd-viz', labels: { component: 'metrics-api' }, meshed: true },
  vizTap: { namespace: 'linkerd-viz', labels: { component: 'tap' }, meshed: true },
  dns: { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, meshed: false },
  stranger: pod('default', 'x', false),
});

describe('flows on the wire: NetworkPolicies of every namespace, as Linkerd 2.20 puts traffic on the wire', () => {
  const policies: PoliciesByNamespace = policiesByNamespace();
  const mode = installedTransportMode();
  const p = cluster(true);
  const mesh = [p.meshPinger, p.meshPonger];
  const obsPods = [p.prometheus, p.grafana, p.collector, p.jaeger];

  it('linkerd-up.sh installs Linkerd in transparent mode (ADR/0011)', () => {
    expect(mode).to.equal('transparent');
  });

  const promised: Array<[string, Connection]> = [
    ['pinger -> ponger:8080 (plain)', { from: p.plainPinger, to: p.plainPonger, port: 8080 }],
    ['pinger -> ponger:8080 (mesh, mTLS)', { from: p.meshPinger, to: p.meshPonger, port: 8080 }],
    ...[p.plainPinger, p.plainPonger, ...mesh].map((a): [string, Connection] => [`${a.namespace}/${a.labels['app.kubernetes.io/name']} -> collector OTLP/HTTP 4318`, { from: a, to: p.collector, port: 4318 }]),
    ...[...mesh, ...obsPods, p.destination, p.vizTap].map((a): [string, Connection] => [`proxy of ${a.namespace}/${Object.values(a.labels)[0]} -> collector OTLP/gRPC 4317`, { from: a, to: p.collector, port: 4317, origin: 'proxy' }]),
    ...[...mesh, ...obsPods].flatMap((a) => [8080, 8086, 8090].map((port): [string, Connection] => [`proxy of ${a.namespace}/${a.labels['app.kubernetes.io/name']} -> control plane ${port}`, { from: a, to: p.destination, port, origin: 'proxy' }])),
    ['collector -> jaeger OTLP/gRPC 4317', { from: p.collector, to: p.jaeger, port: 4317 }],
    ...[p.plainPinger, p.plainPonger, ...mesh].map((a): [string, Connection] => [`prometheus -> ${a.namespace}/${a.labels['app.kubernetes.io/name']} admin 2112`, { from: p.prometheus, to: a, port: 2112 }]),
    ...[...mesh, ...obsPods, p.destination].map((a): [string, Connection] => [`prometheus -> proxy admin 4191 of ${a.namespace}/${Object.values(a.labels)[0]}`, { from: p.prometheus, to: a, port: 4191 }]),
    ['prometheus -> span metrics 8889', { from: p.prometheus, to: p.collector, port: 8889 }],
    ['prometheus -> control plane admin 9996', { from: p.prometheus, to: p.destination, port: 9996 }],
    ['prometheus -> API server 6443', { from: p.prometheus, to: 'outside', port: 6443 }],
    ['collector -> API server 443', { from: p.collector, to: 'outside', port: 443 }],
    ['grafana -> prometheus 9090', { from: p.grafana, to: p.prometheus, port: 9090 }],
    ['grafana -> jaeger 16686', { from: p.grafana, to: p.jaeger, port: 16686 }],
    ['linkerd-viz metrics-api -> prometheus 9090', { from: p.vizMetrics, to: p.prometheus, port: 9090 }],
    ...[...mesh, ...obsPods].map((a): [string, Connection] => [`linkerd-viz tap -> proxy 4190 of ${a.namespace}/${a.labels['app.kubernetes.io/name']}`, { from: p.vizTap, to: a, port: 4190 }]),
    ...[p.plainPinger, p.meshPonger, p.jaeger].flatMap((a) => (['UDP', 'TCP'] as const).map((protocol): [string, Connection] => [`${a.namespace}/${a.labels['app.kubernetes.io/name']} -> DNS ${protocol} 53`, { from: a, to: p.dns, port: 53, protocol }])),
    // Labels are not identity: an intruder wearing pinger's label passes L4 in both namespaces;
    // in the mesh ponger's Linkerd policy answers 403 (see the last test).
    ['intruder with pinger\'s label -> ponger:8080 (plain)', { from: pod('pingpong-plain', 'pinger', false), to: p.plainPonger, port: 8080 }],
    ['meshed intruder with pinger\'s label -> ponger:8080 (mesh; L7 says 403)', { from: p.meshPinger, to: p.meshPonger, port: 8080 }],
  ];
  const refused: Array<[string, Connection]> = [
    ['meshed app -> grafana 3000', { from: p.meshPinger, to: p.grafana, port: 3000 }],
    ['unmeshed app -> grafana 3000', { from: p.plainPinger, to: p.grafana, port: 3000 }],
    ['meshed app -> prometheus 9090', { from: p.meshPonger, to: p.prometheus, port: 9090 }],
    ['meshed app -> jaeger 4317 directly', { from: p.meshPonger, to: p.jaeger, port: 4317 }],
    ['unmeshed app -> jaeger 16686', { from: p.plainPonger, to: p.jaeger, port: 16686 }],
    ['meshed app -> span metrics 8889', { from: p.meshPinger, to: p.collector, port: 8889 }],
    ['another namespace -> collector 4318', { from: p.stranger, to: p.collector, port: 4318 }],
    ['prometheus -> ponger app port 8080', { from: p.prometheus, to: p.meshPonger, port: 8080 }],
    ['pinger -> ponger admin 2112 (only Prometheus scrapes)', { from: p.meshPinger, to: p.meshPonger, port: 2112 }],
    ['grafana -> collector 4318', { from: p.grafana, to: p.collector, port: 4318 }],
    ['meshed app -> proxy admin 4191 in observability', { from: p.meshPinger, to: p.jaeger, port: 4191 }],
    ['plain pinger -> mesh ponger (across namespaces)', { from: p.plainPinger, to: p.meshPonger, port: 8080 }],
    ['jaeger -> the outside 443', { from: p.jaeger, to: 'outside', port: 443 }],
    ['grafana -> the outside 443 (no update checks)', { from: p.grafana, to: 'outside', port: 443 }],
    ['DNS to a pod that is not DNS', { from: p.jaeger, to: p.plainPonger, port: 53, protocol: 'UDP' }],
  ];

  describe('after make mesh-up (observability meshed)', () => {
    for (const [what, c] of promised) it(`allows ${what}`, () => expect(reachable(policies, c, mode), `wire port ${wirePort(c, mode)}`).to.equal(true));
    for (const [what, c] of refused) it(`refuses ${what}`, () => expect(reachable(policies, c, mode), `wire port ${wirePort(c, mode)}`).to.equal(false));
  });

  it('after make plain-up (no Linkerd, nothing meshed): the promised unmeshed flows hold, the refusals too', () => {
    const u = cluster(false);
    const plainPromised: Connection[] = [
      { from: u.plainPinger, to: u.plainPonger, port: 8080 },
      { from: u.plainPonger, to: u.collector, port: 4318 },
      { from: u.collector, to: u.jaeger, port: 4317 },
      { from: u.prometheus, to: u.plainPinger, port: 2112 },
      { from: u.prometheus, to: u.collector, port: 8889 },
      { from: u.grafana, to: u.prometheus, port: 9090 },
      { from: u.grafana, to: u.jaeger, port: 16686 },
    ];
    for (const c of plainPromised) expect(reachable(policies, c, mode), JSON.stringify(c)).to.equal(true);
    expect(reachable(policies, { from: u.plainPinger, to: u.grafana, port: 3000 }, mode)).to.equal(false);
  });

  it('the model rewrites meshed-to-meshed app traffic to 4143 in transport-header mode, and nothing else', () => {
    const th: TransportMode = 'transport-header';
    expect(wirePort({ from: p.grafana, to: p.prometheus, port: 9090 }, th)).to.equal(4143);
    expect(wirePort({ from: p.grafana, to: p.prometheus, port: 9090 }, 'transparent')).to.equal(9090);
    expect(wirePort({ from: p.prometheus, to: p.meshPonger, port: 4191 }, th), 'proxy admin is a meta port').to.equal(4191);
    expect(wirePort({ from: p.vizTap, to: p.meshPonger, port: 4190 }, th), 'proxy control is a meta port').to.equal(4190);
    expect(wirePort({ from: p.meshPonger, to: p.collector, port: 4317, origin: 'proxy' }, th), 'proxy-originated').to.equal(4317);
    expect(wirePort({ from: p.prometheus, to: p.plainPonger, port: 2112 }, th), 'unmeshed server').to.equal(2112);
    expect(wirePort({ from: p.plainPinger, to: p.meshPonger, port: 8080 }, th), 'unmeshed client').to.equal(8080);
    expect(wirePort({ from: { ...p.grafana, skipOutbound: [9090] }, to: p.prometheus, port: 9090 }, th), 'skip-outbound-ports').to.equal(9090);
    expect(wirePort({ from: p.grafana, to: { ...p.prometheus, skipInbound: [9090] }, port: 9090 }, th), 'skip-inbound-ports').to.equal(9090);
  });

  it('catches the failure transport-header mode would bring: the observability flows blocked on 4143', () => {
    const th: TransportMode = 'transport-header';
    const blocked: Connection[] = [
      { from: p.grafana, to: p.prometheus, port: 9090 },
      { from: p.grafana, to: p.jaeger, port: 16686 },
      { from: p.collector, to: p.jaeger, port: 4317 },
      { from: p.prometheus, to: p.collector, port: 8889 },
      { from: p.prometheus, to: p.meshPonger, port: 2112 },
      { from: p.meshPinger, to: p.meshPonger, port: 8080 },
    ];
    for (const c of blocked) expect(reachable(policies, c, th), JSON.stringify(c)).to.equal(false);
    // what does not change with the mode
    expect(reachable(policies, { from: p.prometheus, to: p.meshPonger, port: 4191 }, th)).to.equal(true);
    expect(reachable(policies, { from: p.grafana, to: p.collector, port: 4317, origin: 'proxy' }, th)).to.equal(true);
  });

  it('where L4 admits a meshed caller by label, Linkerd policy narrows it to pinger\'s identity on GET /ping', () => {
    const objs = render(OVERLAYS.mesh);
    const get = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name) as (Obj & { spec: Record<string, unknown> }) | undefined;
    const ns = objs.find((o) => o.kind === 'Namespace');
    expect(ns?.metadata.annotations?.['config.linkerd.io/default-inbound-policy']).to.equal('deny');
    expect(get('Server', 'ponger-http')?.spec['accessPolicy']).to.equal('deny');
    const authz = objs.filter((o) => o.kind === 'AuthorizationPolicy' && (o['spec'] as { targetRef: { name: string } }).targetRef.name === 'ponger-ping');
    expect(authz.map((a) => (a['spec'] as { requiredAuthenticationRefs: { name: string }[] }).requiredAuthenticationRefs.map((r) => r.name))).to.deep.equal([['pinger']]);
    expect(get('MeshTLSAuthentication', 'pinger')?.spec['identityRefs']).to.deep.equal([{ kind: 'ServiceAccount', name: 'pinger' }]);
  });
});

describe('flows on the wire: the throwaway namespace of make zero-trust-rollout, beside the others', () => {
  // The same NetworkPolicies in all three stages (only Linkerd policy changes between them).
  const NS = 'zero-trust-rollout';
  const stages = ['audit', 'authorized', 'deny'].map((s) => render(`k8s/overlays/zero-trust-rollout/${s}`).filter((o) => o.kind === 'NetworkPolicy'));
  const policies = new Map(policiesByNamespace());
  policies.set(NS, stages[2] as Obj[]);
  const mode = installedTransportMode();
  const p = cluster(true);
  const labels = (name: string) => ({ ...(LABELS.get(`pingpong-mesh/${name}`) ?? {}) });
  const rPinger: Pod = { namespace: NS, labels: labels('pinger'), meshed: true };
  const rPonger: Pod = { namespace: NS, labels: labels('ponger'), meshed: true };

  it('every stage renders the same NetworkPolicies', () => {
    expect(JSON.stringify(stages[0])).to.equal(JSON.stringify(stages[2]));
    expect(JSON.stringify(stages[1])).to.equal(JSON.stringify(stages[2]));
  });

  const promised: Array<[string, Connection]> = [
    ['pinger -> ponger:8080', { from: rPinger, to: rPonger, port: 8080 }],
    ['intruder with pinger\'s label -> ponger:8080 (L4 admits it; Linkerd policy audits, then denies)', { from: { ...rPinger }, to: rPonger, port: 8080 }],
    ['prometheus -> ponger proxy admin 4191 (the authz counters the rollout reads)', { from: p.prometheus, to: rPonger, port: 4191, origin: 'app' }],
    ['proxy of ponger -> control plane 8090', { from: rPonger, to: p.destination, port: 8090, origin: 'proxy' }],
    ['ponger -> DNS UDP 53', { from: rPonger, to: p.dns, port: 53, protocol: 'UDP' }],
  ];
  const refused: Array<[string, Connection]> = [
    ['rollout pinger -> mesh ponger', { from: rPinger, to: p.meshPonger, port: 8080 }],
    ['mesh pinger -> rollout ponger', { from: p.meshPinger, to: rPonger, port: 8080 }],
    ['rollout app -> collector 4318 (no traces from here: the collector admits the showcase namespaces only)', { from: rPinger, to: p.collector, port: 4318 }],
    ['prometheus -> rollout app admin 2112 (Prometheus scrapes the apps of the showcase namespaces only)', { from: p.prometheus, to: rPonger, port: 2112 }],
    ['rollout app -> grafana 3000', { from: rPinger, to: p.grafana, port: 3000 }],
  ];
  for (const [what, c] of promised) it(`allows ${what}`, () => expect(reachable(policies, c, mode), `wire port ${wirePort(c, mode)}`).to.equal(true));
  for (const [what, c] of refused) it(`refuses ${what}`, () => expect(reachable(policies, c, mode), `wire port ${wirePort(c, mode)}`).to.equal(false));
});

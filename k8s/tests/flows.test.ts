// Every flow the docs promise, and every flow they say is refused, checked against the
// NetworkPolicies of all namespaces at once, on the port each connection really uses on the wire
// with Linkerd 2.20 installed the way scripts/linkerd-up.sh installs it (model: linkerd-wire.ts).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { describeRendered, type K8sObject, networkPolicies, ns, podTemplates, render } from '../../test/support/manifests.ts';
import { REPO_ROOT } from '../../test/support/repo.ts';
import { type Connection, type Pod, type PoliciesByNamespace, reachable, type TransportMode, wirePort } from './linkerd-wire.ts';
import { allowed } from './netpol.ts';
import { OVERLAYS, ROLLOUT_NAMESPACE, ROLLOUT_STAGES } from './project.ts';

/** The transport mode our install sets (one source of truth: the values in linkerd-up.sh). */
function installedTransportMode(): TransportMode {
  const script = readFileSync(join(REPO_ROOT, 'scripts/linkerd-up.sh'), 'utf8');
  const modes = [...script.matchAll(/proxy\.outboundTransportMode=([a-z-]+)/g)].map((m) => m[1]);
  if (modes.length === 0) return 'transport-header'; // the chart's default
  const unique = [...new Set(modes)];
  if (unique.length !== 1 || (unique[0] !== 'transparent' && unique[0] !== 'transport-header'))
    throw new Error(`linkerd-up.sh sets outboundTransportMode to ${unique.join(', ')}`);
  return unique[0];
}

const SHOWCASE = [OVERLAYS.plain, OVERLAYS.mesh, 'observability'];

function policiesByNamespace(dirs = SHOWCASE): Map<string, K8sObject[]> {
  const out = new Map<string, K8sObject[]>();
  for (const p of dirs.flatMap((d) => networkPolicies(render(d)))) out.set(ns(p), [...(out.get(ns(p)) ?? []), p]);
  return out;
}

/** A made-up pod of a rendered workload: its template's labels (the policies select on more than the name, e.g. part-of). */
function podOf(labels: Map<string, Record<string, string>>, namespace: string, name: string, meshed: boolean): Pod {
  const l = labels.get(`${namespace}/${name}`);
  if (!l) throw new Error(`no workload ${namespace}/${name} rendered`);
  return { namespace, labels: l, meshed };
}

function cluster(meshed: boolean) {
  const labels = new Map(
    SHOWCASE.flatMap((d) => podTemplates(render(d))).map((t) => [`${t.namespace}/${t.owner.metadata.name}`, t.labels]),
  );
  const pod = (namespace: string, name: string, m: boolean) => podOf(labels, namespace, name, m);
  return {
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
    stranger: { namespace: 'default', labels: { 'app.kubernetes.io/name': 'x' }, meshed: false },
  } satisfies Record<string, Pod>;
}

describeRendered('flows on the wire: NetworkPolicies of every namespace, as Linkerd 2.20 puts traffic on the wire', () => {
  const policies: PoliciesByNamespace = policiesByNamespace();
  const mode = installedTransportMode();
  const p = cluster(true);
  const mesh = [p.meshPinger, p.meshPonger];
  const obsPods = [p.prometheus, p.grafana, p.collector, p.jaeger];

  it('linkerd-up.sh installs Linkerd in transparent mode (ADR/0011)', () => {
    expect(mode).to.equal('transparent');
  });

  const promised: Array<[string, Connection]> = [
    // Labels are not identity: an intruder wearing pinger's labels passes L4 as pinger does, in
    // both namespaces; in the mesh ponger's Linkerd policy answers it 403 (overlays.test.ts).
    ['pinger (or an intruder with its labels) -> ponger:8080 (plain)', { from: p.plainPinger, to: p.plainPonger, port: 8080 }],
    [
      'pinger (or a meshed intruder with its labels: L7 says 403) -> ponger:8080 (mesh, mTLS)',
      { from: p.meshPinger, to: p.meshPonger, port: 8080 },
    ],
    ...[p.plainPinger, p.plainPonger, ...mesh].map((a): [string, Connection] => [
      `${a.namespace}/${a.labels['app.kubernetes.io/name']} -> collector OTLP/HTTP 4318`,
      { from: a, to: p.collector, port: 4318 },
    ]),
    ...[...mesh, ...obsPods, p.destination, p.vizTap].map((a): [string, Connection] => [
      `proxy of ${a.namespace}/${Object.values(a.labels)[0]} -> collector OTLP/gRPC 4317`,
      { from: a, to: p.collector, port: 4317, origin: 'proxy' },
    ]),
    ...[...mesh, ...obsPods].flatMap((a) =>
      [8080, 8086, 8090].map((port): [string, Connection] => [
        `proxy of ${a.namespace}/${a.labels['app.kubernetes.io/name']} -> control plane ${port}`,
        { from: a, to: p.destination, port, origin: 'proxy' },
      ]),
    ),
    ['collector -> jaeger OTLP/gRPC 4317', { from: p.collector, to: p.jaeger, port: 4317 }],
    ...[p.plainPinger, p.plainPonger, ...mesh].map((a): [string, Connection] => [
      `prometheus -> ${a.namespace}/${a.labels['app.kubernetes.io/name']} admin 2112`,
      { from: p.prometheus, to: a, port: 2112 },
    ]),
    ...[...mesh, ...obsPods, p.destination].map((a): [string, Connection] => [
      `prometheus -> proxy admin 4191 of ${a.namespace}/${Object.values(a.labels)[0]}`,
      { from: p.prometheus, to: a, port: 4191 },
    ]),
    ['prometheus -> span metrics 8889', { from: p.prometheus, to: p.collector, port: 8889 }],
    ['prometheus -> control plane admin 9996', { from: p.prometheus, to: p.destination, port: 9996 }],
    ['prometheus -> API server 6443', { from: p.prometheus, to: 'outside', port: 6443 }],
    ['collector -> API server 443', { from: p.collector, to: 'outside', port: 443 }],
    ['grafana -> prometheus 9090', { from: p.grafana, to: p.prometheus, port: 9090 }],
    ['grafana -> jaeger 16686', { from: p.grafana, to: p.jaeger, port: 16686 }],
    ['linkerd-viz metrics-api -> prometheus 9090', { from: p.vizMetrics, to: p.prometheus, port: 9090 }],
    ...[...mesh, ...obsPods].map((a): [string, Connection] => [
      `linkerd-viz tap -> proxy 4190 of ${a.namespace}/${a.labels['app.kubernetes.io/name']}`,
      { from: p.vizTap, to: a, port: 4190 },
    ]),
    ...[p.plainPinger, p.meshPonger, p.jaeger].flatMap((a) =>
      (['UDP', 'TCP'] as const).map((protocol): [string, Connection] => [
        `${a.namespace}/${a.labels['app.kubernetes.io/name']} -> DNS ${protocol} 53`,
        { from: a, to: p.dns, port: 53, protocol },
      ]),
    ),
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
    for (const [what, c] of promised)
      it(`allows ${what}`, () => expect(reachable(policies, c, mode), `wire port ${wirePort(c, mode)}`).to.equal(true));
    for (const [what, c] of refused)
      it(`refuses ${what}`, () => expect(reachable(policies, c, mode), `wire port ${wirePort(c, mode)}`).to.equal(false));
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
    expect(wirePort({ from: { ...p.grafana, skipOutbound: [9090] }, to: p.prometheus, port: 9090 }, th), 'skip-outbound-ports').to.equal(
      9090,
    );
    expect(wirePort({ from: p.grafana, to: { ...p.prometheus, skipInbound: [9090] }, port: 9090 }, th), 'skip-inbound-ports').to.equal(
      9090,
    );
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
  // What Linkerd policy then does at L7 (403 for anyone but pinger's identity): overlays.test.ts
  // (pongerHttpOnlyFromPinger, meshInjected) and zero-trust-rollout.test.ts (the deny stage).
});

describeRendered('flows on the wire: the throwaway namespace of make zero-trust-rollout, beside the others', () => {
  // The same NetworkPolicies in all three stages (only Linkerd policy changes between them).
  const stages = Object.values(ROLLOUT_STAGES).map((d) => networkPolicies(render(d)));
  const policies = policiesByNamespace([...SHOWCASE, ROLLOUT_STAGES.deny]);
  const mode = installedTransportMode();
  const p = cluster(true);
  const rollout = new Map(podTemplates(render(ROLLOUT_STAGES.deny)).map((t) => [`${t.namespace}/${t.owner.metadata.name}`, t.labels]));
  const rPinger = podOf(rollout, ROLLOUT_NAMESPACE, 'pinger', true);
  const rPonger = podOf(rollout, ROLLOUT_NAMESPACE, 'ponger', true);

  it('every stage renders the same NetworkPolicies', () => {
    expect(JSON.stringify(stages[0])).to.equal(JSON.stringify(stages[2]));
    expect(JSON.stringify(stages[1])).to.equal(JSON.stringify(stages[2]));
  });

  const promised: Array<[string, Connection]> = [
    [
      'pinger (or an intruder with its labels: Linkerd policy audits it, then denies it) -> ponger:8080',
      { from: rPinger, to: rPonger, port: 8080 },
    ],
    [
      'prometheus -> ponger proxy admin 4191 (the authz counters the rollout reads)',
      { from: p.prometheus, to: rPonger, port: 4191, origin: 'app' },
    ],
    ['proxy of ponger -> control plane 8090', { from: rPonger, to: p.destination, port: 8090, origin: 'proxy' }],
    ['ponger -> DNS UDP 53', { from: rPonger, to: p.dns, port: 53, protocol: 'UDP' }],
  ];
  const refused: Array<[string, Connection]> = [
    ['rollout pinger -> mesh ponger', { from: rPinger, to: p.meshPonger, port: 8080 }],
    ['mesh pinger -> rollout ponger', { from: p.meshPinger, to: rPonger, port: 8080 }],
    [
      'rollout app -> collector 4318 (no traces from here: the collector admits the showcase namespaces only)',
      { from: rPinger, to: p.collector, port: 4318 },
    ],
    [
      'prometheus -> rollout app admin 2112 (Prometheus scrapes the apps of the showcase namespaces only)',
      { from: p.prometheus, to: rPonger, port: 2112 },
    ],
    ['rollout app -> grafana 3000', { from: rPinger, to: p.grafana, port: 3000 }],
  ];
  for (const [what, c] of promised)
    it(`allows ${what}`, () => expect(reachable(policies, c, mode), `wire port ${wirePort(c, mode)}`).to.equal(true));
  for (const [what, c] of refused)
    it(`refuses ${what}`, () => expect(reachable(policies, c, mode), `wire port ${wirePort(c, mode)}`).to.equal(false));
});

describeRendered('the NetworkPolicy evaluator (netpol.ts) follows the API, not our policies', () => {
  const obs = () => networkPolicies(render('observability'));
  const jaeger = {
    namespace: 'observability',
    labels: { 'app.kubernetes.io/name': 'jaeger', 'app.kubernetes.io/part-of': 'observability' },
  };
  const stranger = { namespace: 'default', labels: {} };

  it('a pod no policy isolates is open: without the policies selecting jaeger, a stranger reaches it', () => {
    expect(allowed(obs(), 'observability', { from: stranger, to: jaeger, port: 4317 })).to.equal(false);
    const open = obs().filter((p) => !['default-deny', 'jaeger', 'allow-linkerd-proxy'].includes(p.metadata.name));
    expect(allowed(open, 'observability', { from: stranger, to: jaeger, port: 4317 })).to.equal(true);
  });

  it('policyTypes unset: a policy with an egress section isolates egress too; endPort makes a range', () => {
    const policy = (egress: unknown[]): K8sObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'x', namespace: 'default' },
      spec: { podSelector: {}, egress },
    });
    const out = (port: number, policies: K8sObject[]) => allowed(policies, 'default', { from: stranger, to: 'outside', port });
    expect(out(443, [policy([{ ports: [{ port: 80 }] }])])).to.equal(false);
    expect(out(8085, [policy([{ ports: [{ port: 8080, endPort: 8090 }] }])])).to.equal(true);
    expect(out(8091, [policy([{ ports: [{ port: 8080, endPort: 8090 }] }])])).to.equal(false);
    const bad = policy([{ to: [{ podSelector: { matchExpressions: [{ key: 'a', operator: 'Equals' }] } }] }]);
    expect(() => allowed([bad], 'default', { from: stranger, to: stranger, port: 80 })).to.throw(/operator Equals/);
  });
});

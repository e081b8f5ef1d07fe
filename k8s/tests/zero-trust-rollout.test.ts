// The three states `make zero-trust-rollout` applies (k8s/overlays/zero-trust-rollout): each holds
// the same invariants as the showcase overlays (its schemas: schema.test.ts), and differs from
// the next by exactly the step the README describes.
import { expect } from 'chai';
import { describeRendered, fixture, id, type K8sObject, type Loose, render } from '../../test/support/manifests.ts';
import { SHOWCASE_INVARIANTS } from './invariants.ts';
import { linkerdRefsResolve, meshInjected, pongerHttpOnlyFromPinger } from './invariants-cluster.ts';
import { OVERLAYS, ROLLOUT_NAMESPACE, ROLLOUT_STAGES } from './project.ts';

const get = fixture;
/** The env the rollout adds to each app: no trace export, and nothing sampled for the proxies to send. */
const NO_TRACES = [
  { name: 'OTEL_TRACES_EXPORTER', value: 'none' },
  { name: 'OTEL_TRACES_SAMPLER', value: 'always_off' },
];
/** A render with the namespace and the traces switches taken out, to compare with the mesh overlay. */
const normalized = (objs: K8sObject[], ns: string) =>
  JSON.parse(
    JSON.stringify(objs)
      .replaceAll(ns, 'NS')
      .replaceAll(`,${JSON.stringify(NO_TRACES).slice(1, -1)}`, ''),
  ) as K8sObject[];

describeRendered('k8s: the zero-trust rollout stages', () => {
  for (const [stage, dir] of Object.entries(ROLLOUT_STAGES)) {
    it(`${stage}: one namespace, ${ROLLOUT_NAMESPACE}; the showcase invariants hold (schemas: schema.test.ts)`, () => {
      const objs = render(dir);
      expect(objs.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name)).to.deep.equal([ROLLOUT_NAMESPACE]);
      expect(objs.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== ROLLOUT_NAMESPACE).map(id)).to.deep.equal([]);
      const checks = [...Object.values(SHOWCASE_INVARIANTS), linkerdRefsResolve];
      expect(checks.flatMap((c) => c(objs))).to.deep.equal([]);
      expect(get(objs, 'Namespace', ROLLOUT_NAMESPACE).metadata.labels['pod-security.kubernetes.io/enforce']).to.equal('restricted');
    });
  }

  it("audit: inbound policy audit, ponger's Server in audit, and pinger not authorized yet", () => {
    const objs = render(ROLLOUT_STAGES.audit);
    expect(get(objs, 'Namespace', ROLLOUT_NAMESPACE).metadata.annotations['config.linkerd.io/default-inbound-policy']).to.equal('audit');
    expect(get(objs, 'Server', 'ponger-http').spec.accessPolicy).to.equal('audit');
    expect(objs.some((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'ponger-ping-from-pinger')).to.equal(false);
    expect(pongerHttpOnlyFromPinger(objs).join('\n')).to.match(/no AuthorizationPolicy/);
  });

  it("authorized: the audit stage plus exactly the missing authorization (pinger's ServiceAccount only)", () => {
    const audit = render(ROLLOUT_STAGES.audit);
    const authorized = render(ROLLOUT_STAGES.authorized);
    expect(get(authorized, 'Server', 'ponger-http').spec.accessPolicy).to.equal('audit');
    expect(pongerHttpOnlyFromPinger(authorized)).to.deep.equal([]);
    const added = authorized.filter((o) => !audit.some((a) => JSON.stringify(a) === JSON.stringify(o))).map(id);
    expect(added).to.deep.equal([`AuthorizationPolicy ${ROLLOUT_NAMESPACE}/ponger-ping-from-pinger`]);
  });

  it('deny: the mesh overlay, object for object, in the throwaway namespace (and without traces)', () => {
    const deny = render(ROLLOUT_STAGES.deny);
    expect(meshInjected(deny)).to.deep.equal([]);
    expect(get(deny, 'Server', 'ponger-http').spec.accessPolicy).to.equal('deny');
    expect(normalized(deny, ROLLOUT_NAMESPACE)).to.deep.equal(normalized(render(OVERLAYS.mesh), 'pingpong-mesh'));
    const tail = deny
      .filter((o) => o.kind === 'Deployment')
      .map((d: Loose) => d.spec.template.spec.containers[0].env.slice(-NO_TRACES.length));
    expect(tail).to.deep.equal([NO_TRACES, NO_TRACES]);
  });
});

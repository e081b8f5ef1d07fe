// Invariants across objects: PDB vs HPA, mesh vs plain, Linkerd authorization, coexistence.

import { id, type K8sObject, ns, podTemplates, type Selector, selects } from '../../test/support/manifests.ts';
import type { Check } from './invariants-pods.ts';

interface Pdb {
  selector?: Selector;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}
interface Hpa {
  scaleTargetRef?: { kind?: string; name?: string };
  minReplicas?: number;
  maxReplicas?: number;
}

function scaled(value: number | string, replicas: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const pct = Number(value.replace('%', '')) / 100;
  return roundUp ? Math.ceil(pct * replicas) : Math.floor(pct * replicas);
}

/** A PDB never blocks every eviction while its workload runs at the HPA's minReplicas. */
export const pdbHpaCompatible: Check = (objs) => {
  const out: string[] = [];
  for (const pdb of objs.filter((o) => o.kind === 'PodDisruptionBudget')) {
    const s = pdb['spec'] as Pdb;
    const owners = podTemplates(objs).filter((t) => t.namespace === ns(pdb) && selects(s.selector, t.labels));
    if (owners.length === 0) out.push(`${id(pdb)}: selector matches no pod template`);
    for (const t of owners) {
      const hpa = objs.find(
        (o) =>
          o.kind === 'HorizontalPodAutoscaler' &&
          ns(o) === t.namespace &&
          (o['spec'] as Hpa).scaleTargetRef?.name === t.owner.metadata.name,
      );
      const replicas = hpa ? ((hpa['spec'] as Hpa).minReplicas ?? 1) : ((t.owner['spec'] as { replicas?: number }).replicas ?? 1);
      const basis = hpa ? `${id(hpa)} minReplicas ${replicas}` : `replicas ${replicas}`;
      // The disruption controller rounds minAvailable percentages up and maxUnavailable ones up too.
      const allowed =
        s.maxUnavailable !== undefined ? scaled(s.maxUnavailable, replicas, true) : replicas - scaled(s.minAvailable ?? 0, replicas, true);
      if (allowed < 1) out.push(`${id(pdb)}: allows no eviction of ${id(t.owner)} at ${basis} (drains would deadlock)`);
    }
  }
  return out;
};

const LINKERDISH = /linkerd|l5d/i;

/** Nothing Linkerd-specific: no Linkerd API, annotation, label or proxy port anywhere. */
export const noLinkerd: Check = (objs) => {
  const out: string[] = [];
  for (const o of objs) {
    const text = JSON.stringify(o);
    if (LINKERDISH.test(o.apiVersion)) out.push(`${id(o)}: Linkerd API ${o.apiVersion}`);
    else if (LINKERDISH.test(text)) out.push(`${id(o)}: mentions Linkerd (${text.match(/.{0,30}(linkerd|l5d).{0,30}/i)?.[0] ?? ''})`);
    if (/"port":(4143|4190|4191)\b/.test(text)) out.push(`${id(o)}: opens a Linkerd proxy port`);
  }
  return out;
};

/** Every app pod template is injected by Linkerd, by namespace or pod annotation. */
export const meshInjected: Check = (objs) => {
  const out: string[] = [];
  for (const t of podTemplates(objs)) {
    const nsObj = objs.find((o) => o.kind === 'Namespace' && o.metadata.name === t.namespace);
    const podAnn = t.annotations['linkerd.io/inject'];
    const nsAnn = nsObj?.metadata.annotations?.['linkerd.io/inject'];
    const injected = podAnn === 'enabled' || (podAnn === undefined && nsAnn === 'enabled');
    if (!injected) out.push(`${id(t.owner)}: not injected (linkerd.io/inject pod=${String(podAnn)}, namespace=${String(nsAnn)})`);
    if (nsObj?.metadata.annotations?.['config.linkerd.io/default-inbound-policy'] !== 'deny')
      out.push(`namespace ${t.namespace}: config.linkerd.io/default-inbound-policy must be deny`);
  }
  return out;
};

interface Ref {
  group?: string;
  kind?: string;
  name?: string;
  namespace?: string;
}

function find(objs: K8sObject[], kind: string, name: string | undefined, namespace: string): K8sObject | undefined {
  return objs.find((o) => o.kind === kind && o.metadata.name === name && ns(o) === namespace);
}

/** Identities (as "sa.namespace") an AuthorizationPolicy accepts; "*" for anything non-mTLS. */
function identitiesOf(objs: K8sObject[], policy: K8sObject): string[] {
  const out: string[] = [];
  for (const ref of (policy['spec'] as { requiredAuthenticationRefs?: Ref[] }).requiredAuthenticationRefs ?? []) {
    const refNs = ref.namespace ?? ns(policy);
    if (ref.kind === 'ServiceAccount') out.push(`${String(ref.name)}.${refNs}`);
    else if (ref.kind === 'MeshTLSAuthentication') {
      const authn = find(objs, 'MeshTLSAuthentication', ref.name, refNs);
      if (!authn) {
        out.push(`missing MeshTLSAuthentication ${String(ref.name)}`);
        continue;
      }
      const s = authn['spec'] as { identities?: string[]; identityRefs?: Ref[] };
      for (const i of s.identities ?? []) out.push(i.split('.serviceaccount.')[0] ?? i);
      for (const r of s.identityRefs ?? [])
        out.push(r.kind === 'ServiceAccount' ? `${r.name ?? '*'}.${r.namespace ?? ns(authn)}` : `* (${String(r.kind)})`);
    } else out.push(`* (${String(ref.kind)})`);
  }
  return out;
}

/** ponger's http port has a Server, and every authorization reaching it accepts pinger's ServiceAccount only. */
export const pongerHttpOnlyFromPinger: Check = (objs) => {
  const out: string[] = [];
  for (const ponger of podTemplates(objs).filter((t) => t.labels['app.kubernetes.io/name'] === 'ponger')) {
    const n = ponger.namespace;
    const servers = objs.filter(
      (o) =>
        o.kind === 'Server' &&
        ns(o) === n &&
        selects((o['spec'] as { podSelector?: Selector }).podSelector, ponger.labels) &&
        ['http', 8080].includes((o['spec'] as { port?: string | number }).port ?? ''),
    );
    const [server] = servers;
    if (server === undefined || servers.length !== 1) {
      out.push(`${id(ponger.owner)}: expected exactly one Server on port http, found ${servers.length}`);
      continue;
    }
    const routes = objs.filter(
      (o) =>
        o.kind === 'HTTPRoute' &&
        ns(o) === n &&
        ((o['spec'] as { parentRefs?: Ref[] }).parentRefs ?? []).some((p) => p.kind === 'Server' && p.name === server.metadata.name),
    );
    const targets = [server, ...routes];
    const policies = objs.filter(
      (o) =>
        (o.kind === 'AuthorizationPolicy' &&
          ns(o) === n &&
          targets.some((t) => {
            const ref = (o['spec'] as { targetRef?: Ref }).targetRef;
            return ref?.kind === t.kind && ref.name === t.metadata.name;
          })) ||
        (o.kind === 'AuthorizationPolicy' && ns(o) === n && (o['spec'] as { targetRef?: Ref }).targetRef?.kind === 'Namespace'),
    );
    if (policies.length === 0) out.push(`${id(server)}: no AuthorizationPolicy, pinger could not call ponger`);
    for (const p of policies) {
      const ids = identitiesOf(objs, p);
      const expected = `pinger.${n}`;
      if (ids.length !== 1 || ids[0] !== expected)
        out.push(`${id(p)}: must authorize exactly ${expected}, authorizes ${ids.join(', ') || 'nothing'}`);
    }
  }
  return out;
};

/** Linkerd references resolve: routes to Servers, policies to targets and authentications. */
export const linkerdRefsResolve: Check = (objs) => {
  const out: string[] = [];
  for (const o of objs.filter((x) => x.kind === 'HTTPRoute')) {
    for (const p of (o['spec'] as { parentRefs?: Ref[] }).parentRefs ?? []) {
      if (!find(objs, p.kind ?? 'Gateway', p.name, p.namespace ?? ns(o)))
        out.push(`${id(o)}: parentRef ${String(p.kind)} ${String(p.name)} not rendered`);
    }
  }
  for (const o of objs.filter((x) => x.kind === 'AuthorizationPolicy')) {
    const s = o['spec'] as { targetRef?: Ref; requiredAuthenticationRefs?: Ref[] };
    if (s.targetRef?.kind !== 'Namespace' && !find(objs, s.targetRef?.kind ?? '', s.targetRef?.name, ns(o)))
      out.push(`${id(o)}: targetRef ${String(s.targetRef?.kind)} ${String(s.targetRef?.name)} not rendered`);
    for (const r of s.requiredAuthenticationRefs ?? []) {
      const refNs = r.namespace ?? ns(o);
      const local = r.kind !== 'ServiceAccount' || refNs === ns(o);
      if (local && !find(objs, r.kind ?? '', r.name, refNs))
        out.push(`${id(o)}: authentication ${String(r.kind)} ${String(r.name)} not rendered`);
    }
  }
  for (const o of objs.filter((x) => x.kind === 'Server')) {
    const s = o['spec'] as { podSelector?: Selector; port?: string | number };
    const pods = podTemplates(objs).filter((t) => t.namespace === ns(o) && selects(s.podSelector, t.labels));
    if (pods.length === 0) out.push(`${id(o)}: podSelector matches no pod template`);
    const proxyPorts: (string | number)[] = ['linkerd-admin', 'linkerd-proxy', 4191, 4143];
    for (const t of pods) {
      if (
        !proxyPorts.includes(s.port ?? '') &&
        !t.spec.containers.some((c) => (c.ports ?? []).some((p) => p.name === s.port || p.containerPort === s.port))
      ) {
        out.push(`${id(o)}: port ${String(s.port)} is not declared by ${id(t.owner)} (nor a Linkerd proxy port)`);
      }
    }
  }
  return out;
};

/** Two renders can be applied side by side: disjoint namespaces, and every namespaced object inside its own. */
export function overlaysCoexist(a: K8sObject[], b: K8sObject[]): string[] {
  const out: string[] = [];
  const namespaces = (objs: K8sObject[]) => new Set(objs.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
  const [na, nb] = [namespaces(a), namespaces(b)];
  for (const n of na) if (nb.has(n)) out.push(`namespace ${n} is rendered by both overlays`);
  for (const [objs, own] of [
    [a, na],
    [b, nb],
  ] as const) {
    for (const o of objs) {
      if (o.kind === 'Namespace') continue;
      if (!own.has(ns(o))) out.push(`${id(o)}: not in a namespace its overlay renders (${[...own].join(', ')})`);
    }
  }
  return out;
}

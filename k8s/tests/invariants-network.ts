// Invariants on Services, the pinger -> ponger target and NetworkPolicies.
import type { INetworkPolicyPeer, INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1';
import { parse } from 'yaml';
import {
  declaresPort,
  id,
  type K8sObject,
  mapSelects,
  networkPolicies,
  ns,
  type PodTemplate,
  podTemplates,
  selects,
  servicePorts,
} from '../../test/support/manifests.ts';
import type { Check } from './invariants-pods.ts';
import { linkerdAppProtocol } from './linkerd-wire.ts';

function templatesOf(objs: K8sObject[], svc: K8sObject): PodTemplate[] {
  const selector = (svc['spec'] as { selector?: Record<string, string> } | undefined)?.selector;
  return podTemplates(objs).filter((t) => t.namespace === ns(svc) && mapSelects(selector, t.labels));
}

/** Every Service selects a pod template in its namespace, and each targetPort is declared there. */
export const servicesSelectPods: Check = (objs) => {
  const out: string[] = [];
  for (const svc of objs.filter((o) => o.kind === 'Service')) {
    const templates = templatesOf(objs, svc);
    if (templates.length === 0) {
      out.push(`${id(svc)}: selector matches no pod template`);
      continue;
    }
    for (const p of servicePorts(svc)) {
      const target = p.targetPort ?? p.port;
      for (const t of templates) {
        if (!t.spec.containers.some((c) => declaresPort(c, target)))
          out.push(`${id(svc)} port ${p.name ?? p.port}: targetPort ${String(target)} is not declared by ${id(t.owner)}`);
      }
    }
  }
  return out;
};

/**
 * Every Service port's `appProtocol` is one Linkerd reads: an unknown one (`grpc`, say) makes the
 * proxies carry the port as opaque TCP, with no HTTP metrics for it (linkerdAppProtocol).
 */
export const appProtocolsKnownToLinkerd: Check = (objs) =>
  objs
    .filter((o) => o.kind === 'Service')
    .flatMap((svc) =>
      servicePorts(svc)
        .filter((p) => p.appProtocol !== undefined && linkerdAppProtocol(p.appProtocol) === 'unknown')
        .map(
          (p) =>
            `${id(svc)} port ${p.name ?? p.port}: appProtocol ${JSON.stringify(p.appProtocol)} is unknown to Linkerd, which then carries the port as opaque TCP; use http, kubernetes.io/h2c or linkerd.io/opaque`,
        ),
    );

/** pinger's ponger.url (ConfigMap config.yaml, or PONGER_URL/TARGET env) names a rendered Service port. */
export const pingerTargetResolves: Check = (objs) => {
  const out: string[] = [];
  for (const t of podTemplates(objs).filter((x) => x.labels['app.kubernetes.io/name'] === 'pinger')) {
    const where = id(t.owner);
    const c = t.spec.containers.find((x) => x.name === 'pinger');
    let url = c?.env?.find((e) => e.name === 'PONGER_URL' || e.name === 'TARGET')?.value;
    if (url === undefined) {
      const cmName = (t.spec.volumes ?? []).find((v) => v.configMap)?.configMap?.name;
      const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === cmName && ns(o) === t.namespace);
      const text = (cm?.['data'] as Record<string, string> | undefined)?.['config.yaml'];
      if (text === undefined) {
        out.push(`${where}: no config.yaml ConfigMap mounted (expected ConfigMap ${String(cmName)})`);
        continue;
      }
      url = (parse(text) as { ponger?: { url?: string } } | null)?.ponger?.url;
    }
    if (url === undefined) {
      out.push(`${where}: ponger.url is not set`);
      continue;
    }
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      out.push(`${where}: ponger.url ${url} is not a URL`);
      continue;
    }
    const [svcName, svcNs = t.namespace] = parsed.hostname.split('.');
    const port = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
    const svc = objs.find((o) => o.kind === 'Service' && o.metadata.name === svcName && ns(o) === svcNs);
    if (!svc) {
      out.push(`${where}: ponger.url ${url} names Service ${String(svcName)} in ${svcNs}, which is not rendered`);
      continue;
    }
    if (!servicePorts(svc).some((p) => p.port === port)) out.push(`${where}: ponger.url ${url}: Service ${svcName} has no port ${port}`);
    if (parsed.pathname !== '/' && parsed.pathname !== '')
      out.push(`${where}: ponger.url ${url} must be a base URL (pinger appends /ping)`);
  }
  return out;
};

function egressPorts(objs: K8sObject[], t: PodTemplate): { peer: INetworkPolicyPeer[]; ports: INetworkPolicyPort[] }[] {
  return networkPolicies(objs)
    .filter((np) => ns(np) === t.namespace && (np.spec?.policyTypes ?? []).includes('Egress') && selects(np.spec?.podSelector, t.labels))
    .flatMap((np) => (np.spec?.egress ?? []).map((r) => ({ peer: r.to ?? [], ports: r.ports ?? [] })));
}

/** Every pod may reach cluster DNS on UDP 53 and TCP 53. */
export const dnsBothProtocols: Check = (objs) => {
  const out: string[] = [];
  for (const t of podTemplates(objs)) {
    const rules = egressPorts(objs, t).filter((r) => r.peer.some((p) => p.podSelector?.matchLabels?.['k8s-app'] === 'kube-dns'));
    for (const protocol of ['UDP', 'TCP']) {
      if (!rules.some((r) => r.ports.some((p) => p.port === 53 && (p.protocol ?? 'TCP') === protocol)))
        out.push(`${id(t.owner)}: no egress to kube-dns on ${protocol} 53`);
    }
  }
  return out;
};

function isDefaultDeny(
  np: K8sObject & { spec?: { podSelector?: object; policyTypes?: string[]; ingress?: unknown[]; egress?: unknown[] } },
): boolean {
  const s = np.spec;
  return (
    !!s &&
    Object.keys(s.podSelector ?? { x: 1 }).length === 0 &&
    (s.policyTypes ?? []).includes('Ingress') &&
    (s.policyTypes ?? []).includes('Egress') &&
    (s.ingress ?? []).length === 0 &&
    (s.egress ?? []).length === 0
  );
}

/** NetworkPolicies only where workloads run, and a default deny (ingress + egress) wherever they run. */
export const networkPolicyPlacement: Check = (objs) => {
  const out: string[] = [];
  const workloadNs = new Set(podTemplates(objs).map((t) => t.namespace));
  const nps = networkPolicies(objs);
  for (const np of nps) if (!workloadNs.has(ns(np))) out.push(`${id(np)}: no workload runs in namespace "${ns(np)}"`);
  for (const n of workloadNs)
    if (!nps.some((np) => ns(np) === n && isDefaultDeny(np)))
      out.push(`namespace "${n}": workloads run without a default-deny NetworkPolicy (Ingress and Egress)`);
  for (const np of nps) {
    if (
      Object.keys(np.spec?.podSelector ?? {}).length > 0 &&
      !podTemplates(objs).some((t) => t.namespace === ns(np) && selects(np.spec?.podSelector, t.labels))
    ) {
      out.push(`${id(np)}: podSelector matches no pod template`);
    }
  }
  return out;
};

/** The app flow itself is allowed at both ends: pinger egress to ponger:8080 and ponger ingress from pinger. */
export const appFlowAllowed: Check = (objs) => {
  const out: string[] = [];
  const nps = networkPolicies(objs);
  for (const pinger of podTemplates(objs).filter((t) => t.labels['app.kubernetes.io/name'] === 'pinger')) {
    const ponger = podTemplates(objs).find((t) => t.namespace === pinger.namespace && t.labels['app.kubernetes.io/name'] === 'ponger');
    if (!ponger) {
      out.push(`${id(pinger.owner)}: no ponger in namespace ${pinger.namespace}`);
      continue;
    }
    const egress = egressPorts(objs, pinger).some(
      (r) =>
        r.peer.some((p) => !p.namespaceSelector && selects(p.podSelector, ponger.labels)) &&
        r.ports.some((p) => p.port === 8080 || p.port === 'http'),
    );
    if (!egress) out.push(`${id(pinger.owner)}: no egress to ponger on 8080`);
    const ingress = nps
      .filter(
        (np) =>
          ns(np) === ponger.namespace && (np.spec?.policyTypes ?? []).includes('Ingress') && selects(np.spec?.podSelector, ponger.labels),
      )
      .some((np) =>
        (np.spec?.ingress ?? []).some(
          (r) =>
            (r.from ?? []).some((p) => !p.namespaceSelector && selects(p.podSelector, pinger.labels)) &&
            (r.ports ?? []).some((p) => p.port === 8080 || p.port === 'http'),
        ),
      );
    if (!ingress) out.push(`${id(ponger.owner)}: no ingress from pinger on 8080`);
  }
  return out;
};

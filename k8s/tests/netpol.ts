// A small evaluator of Kubernetes NetworkPolicy, enough to ask "is this flow allowed?" of the
// policies of one namespace. It follows the networking.k8s.io/v1 API as documented in Kubernetes
// 1.33's OpenAPI (the NetworkPolicySpec, NetworkPolicyPeer and NetworkPolicyPort docs, shipped in
// kubernetes-models 4.5.1):
// - a pod is isolated in a direction only when some policy selects it with that policy type, and
//   then a connection passes if any rule of any such policy admits it (rules are additive);
// - policyTypes, when unset, is Ingress plus Egress if the policy has an egress section;
// - a peer with podSelector only means pods of the policy's namespace; with namespaceSelector,
//   namespaces matched by their labels (here only kubernetes.io/metadata.name, which the API
//   server sets on every namespace); an empty or missing `from`/`to` admits every peer, an empty
//   or missing `ports` every port; endPort makes a range.
// ipBlock peers are only used here for addresses that are not pods (the API server).
import type { INetworkPolicyPeer, INetworkPolicyPort, INetworkPolicySpec } from 'kubernetes-models/networking.k8s.io/v1';
import { type K8sObject, selects } from '../../test/support/manifests.ts';

export interface Endpoint {
  namespace: string;
  labels: Record<string, string>;
}
export interface Flow {
  from: Endpoint | 'outside'; // 'outside': an address that is not a pod (e.g. the API server)
  to: Endpoint | 'outside';
  port: number;
  protocol?: 'TCP' | 'UDP';
}

const nsLabels = (ns: string): Record<string, string> => ({ 'kubernetes.io/metadata.name': ns });

function peerMatches(peer: INetworkPolicyPeer, policyNs: string, other: Endpoint | 'outside'): boolean {
  if (peer.ipBlock) return other === 'outside';
  if (other === 'outside') return false;
  const nsOk = peer.namespaceSelector ? selects(peer.namespaceSelector, nsLabels(other.namespace)) : other.namespace === policyNs;
  const podOk = peer.podSelector ? selects(peer.podSelector, other.labels) : true;
  return nsOk && podOk;
}

function portMatches(ports: INetworkPolicyPort[] | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port !== 'number') throw new Error(`port ${p.port}: named ports are not supported by this check, use numbers`);
    return port >= p.port && port <= (p.endPort ?? p.port);
  });
}

function policyTypes(s: INetworkPolicySpec): string[] {
  return s.policyTypes ?? ['Ingress', ...(s.egress ? ['Egress'] : [])];
}

function direction(
  policies: K8sObject[],
  namespace: string,
  pod: Endpoint,
  kind: 'Ingress' | 'Egress',
  other: Endpoint | 'outside',
  port: number,
  protocol: string,
): boolean {
  const specs = policies.map((p) => (p['spec'] ?? {}) as INetworkPolicySpec);
  const selecting = specs.filter((s) => policyTypes(s).includes(kind) && selects(s.podSelector, pod.labels));
  if (selecting.length === 0) return true; // not isolated in this direction
  return selecting.some((s) => {
    const rules =
      kind === 'Ingress'
        ? (s.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
        : (s.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
    return rules.some(({ peers, ports }) => {
      const peerOk = !peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, namespace, other));
      return peerOk && portMatches(ports, port, protocol);
    });
  });
}

/**
 * Whether the policies of `namespace` let the flow through. Only the side(s) of the flow that
 * live in `namespace` are evaluated; the other side's namespace is someone else's business.
 */
export function allowed(policies: K8sObject[], namespace: string, flow: Flow): boolean {
  const protocol = flow.protocol ?? 'TCP';
  let ok = true;
  if (flow.from !== 'outside' && flow.from.namespace === namespace)
    ok &&= direction(policies, namespace, flow.from, 'Egress', flow.to, flow.port, protocol);
  if (flow.to !== 'outside' && flow.to.namespace === namespace)
    ok &&= direction(policies, namespace, flow.to, 'Ingress', flow.from, flow.port, protocol);
  return ok;
}

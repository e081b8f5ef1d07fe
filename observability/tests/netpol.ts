// A small evaluator of Kubernetes NetworkPolicy (podSelector/namespaceSelector with
// matchLabels and matchExpressions, ports with endPort), enough to ask "is this flow allowed?"
// of the policies in one namespace.
import { isObj, type Obj } from './manifests.ts';

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

function matches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObj(selector)) return false;
  const ml = isObj(selector['matchLabels']) ? selector['matchLabels'] : {};
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  const exprs = Array.isArray(selector['matchExpressions']) ? selector['matchExpressions'].filter(isObj) : [];
  for (const e of exprs) {
    const key = String(e['key']);
    const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
    const has = key in labels;
    switch (e['operator']) {
      case 'In':
        if (!has || !values.includes(labels[key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`matchExpressions operator ${String(e['operator'])} is not one of In, NotIn, Exists, DoesNotExist`);
    }
  }
  return true;
}

const nsLabels = (ns: string): Record<string, string> => ({ 'kubernetes.io/metadata.name': ns });

function peerMatches(peer: Obj, policyNs: string, other: Endpoint | 'outside'): boolean {
  if (isObj(peer['ipBlock'])) return other === 'outside'; // we only use ipBlock for non-pod addresses
  if (other === 'outside') return false;
  const hasNs = 'namespaceSelector' in peer;
  const hasPod = 'podSelector' in peer;
  const nsOk = hasNs ? matches(peer['namespaceSelector'], nsLabels(other.namespace)) : other.namespace === policyNs;
  const podOk = hasPod ? matches(peer['podSelector'], other.labels) : true;
  return nsOk && podOk;
}

function portMatches(ports: unknown, port: number, protocol: string): boolean {
  if (!Array.isArray(ports) || ports.length === 0) return true;
  return ports.filter(isObj).some((p) => {
    const proto = String(p['protocol'] ?? 'TCP');
    if (proto !== protocol) return false;
    if (p['port'] === undefined) return true;
    if (typeof p['port'] !== 'number') throw new Error(`port ${String(p['port'])}: named ports are not supported by this check, use numbers`);
    const end = typeof p['endPort'] === 'number' ? p['endPort'] : p['port'];
    return port >= p['port'] && port <= end;
  });
}

function direction(policies: Obj[], namespace: string, pod: Endpoint, kind: 'Ingress' | 'Egress', other: Endpoint | 'outside', port: number, protocol: string): boolean {
  const selecting = policies.filter((p) => {
    const spec = isObj(p['spec']) ? p['spec'] : {};
    const types = Array.isArray(spec['policyTypes']) ? spec['policyTypes'] : ['Ingress'];
    return types.includes(kind) && matches(spec['podSelector'], pod.labels);
  });
  if (selecting.length === 0) return true; // not isolated in this direction
  return selecting.some((p) => {
    const spec = p['spec'] as Obj;
    const rules = kind === 'Ingress' ? spec['ingress'] : spec['egress'];
    if (!Array.isArray(rules)) return false;
    return rules.filter(isObj).some((r) => {
      const peers = kind === 'Ingress' ? r['from'] : r['to'];
      const peerOk = !Array.isArray(peers) || peers.length === 0 || peers.filter(isObj).some((peer) => peerMatches(peer, namespace, other));
      return peerOk && portMatches(r['ports'], port, protocol);
    });
  });
}

/**
 * Whether the policies of `namespace` let the flow through. Only the side(s) of the flow that
 * live in `namespace` are evaluated; the other side's namespace is someone else's business.
 */
export function allowed(policies: Obj[], namespace: string, flow: Flow): boolean {
  const protocol = flow.protocol ?? 'TCP';
  let ok = true;
  if (flow.from !== 'outside' && flow.from.namespace === namespace) ok &&= direction(policies, namespace, flow.from, 'Egress', flow.to, flow.port, protocol);
  if (flow.to !== 'outside' && flow.to.namespace === namespace) ok &&= direction(policies, namespace, flow.to, 'Ingress', flow.from, flow.port, protocol);
  return ok;
}

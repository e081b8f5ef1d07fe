// Typed views of rendered objects for the invariants.
import type { IContainer, IPodSpec, IServicePort } from 'kubernetes-models/v1';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { K8sObject } from './render.ts';

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'];

export interface PodTemplate {
  owner: K8sObject;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  spec: IPodSpec;
}

export function ns(obj: K8sObject): string {
  return obj.metadata.namespace ?? '';
}

export function id(obj: K8sObject): string {
  return `${obj.kind} ${ns(obj) ? `${ns(obj)}/` : ''}${obj.metadata.name}`;
}

export function podTemplates(objs: K8sObject[]): PodTemplate[] {
  return objs
    .filter((o) => WORKLOAD_KINDS.includes(o.kind))
    .map((o) => {
      const template = (o['spec'] as { template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: IPodSpec } } | undefined)?.template;
      return {
        owner: o,
        namespace: ns(o),
        labels: template?.metadata?.labels ?? {},
        annotations: template?.metadata?.annotations ?? {},
        spec: template?.spec ?? { containers: [] },
      };
    });
}

export function allContainers(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** A label selector (matchLabels + matchExpressions) against a label set; empty selects all. */
export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(value ?? ''))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(value ?? '')) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Plain map selector (Service.spec.selector): must be non-empty to select anything. */
export function mapSelects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Does a container declare this port (by name or number)? */
export function declaresPort(container: IContainer, port: number | string | undefined): boolean {
  if (port === undefined) return false;
  return (container.ports ?? []).some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}

export function servicePorts(svc: K8sObject): IServicePort[] {
  return ((svc['spec'] as { ports?: IServicePort[] } | undefined)?.ports) ?? [];
}

export function networkPolicies(objs: K8sObject[]): (K8sObject & INetworkPolicy)[] {
  return objs.filter((o) => o.kind === 'NetworkPolicy') as (K8sObject & INetworkPolicy)[];
}

export function spec<T>(obj: K8sObject): T {
  return (obj['spec'] ?? {}) as T;
}

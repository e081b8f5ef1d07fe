// The one model of rendered manifests for the tests of k8s/, observability/ and the image smoke
// test: a kustomization rendered by kubectl's embedded kustomize, parsed, and read through typed
// views (pod templates, containers, ports, Services, NetworkPolicies, label selectors).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IContainer, IPodSpec, IServicePort } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { findTool } from '../../scripts/lib/find-tool.ts';
import { REPO_ROOT } from './repo.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A rendered Kubernetes object; kind-specific parts are read through the views below. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

// ------------------------------------------------------------------------------ rendering

const HOW = "run 'make tools' (kubectl v1.33 embeds kustomize v5.6) or set KUBECTL=/path/to/kubectl";

/** kubectl ($KUBECTL, ./.bin, PATH), or undefined. */
export function kubectlPath(): string | undefined {
  return findTool('kubectl');
}

/**
 * A tool a test needs is missing: a clear skip locally, a failure when CI=true (CI installs
 * every tool the tests use). Call from a hook or test.
 */
export function missingTool(ctx: Mocha.Context, why: string): never {
  if (process.env['CI'] === 'true') throw new Error(`${why} (CI=true: the tool must be there)`);
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

/**
 * A suite that needs rendered manifests. Without kubectl it is one test that skips saying why
 * (fails when CI=true); the suite body never runs, so it may render at collection time.
 */
export function describeRendered(title: string, body: (this: Mocha.Suite) => void): void {
  if (kubectlPath()) {
    describe(title, body);
    return;
  }
  describe(title, () => {
    it('renders the manifests', function () {
      missingTool(this, `kubectl not found in ./.bin or on PATH: ${HOW}`);
    });
  });
}

/** Parses a multi-document YAML stream into objects; every document must look like a Kubernetes object. */
export function parseManifests(text: string, source: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: YAML error: ${doc.errors[0]?.message ?? 'unknown'}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (!isObj(value)) throw new Error(`${source}: expected a mapping per document, got ${Array.isArray(value) ? 'a list' : typeof value}`);
    const obj = value as Partial<K8sObject>;
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') throw new Error(`${source}: document without apiVersion/kind`);
    if (typeof obj.metadata?.name !== 'string') throw new Error(`${source}: ${obj.kind} without metadata.name`);
    out.push(obj as K8sObject);
  }
  return out;
}

function kustomize(absDir: string, label: string): K8sObject[] {
  const kubectl = kubectlPath();
  if (!kubectl) throw new Error(`kubectl kustomize ${label}: kubectl not found in ./.bin or on PATH: ${HOW}`);
  let text: string;
  try {
    text = execFileSync(kubectl, ['kustomize', absDir], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`kubectl kustomize ${label} failed: ${stderr.trim()}`);
  }
  return parseManifests(text, label);
}

/**
 * observability/ names a gitignored env file (grafana/admin.secret.env, written by
 * observability/scripts/gen-grafana-admin.sh) in its secretGenerator: it is rendered from a
 * temporary copy in which that generator has run, never from the developer's own file.
 */
function kustomizeObservability(): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'obs-render-'));
  try {
    const copy = join(dir, 'observability');
    const tests = join(REPO_ROOT, 'observability', 'tests');
    cpSync(join(REPO_ROOT, 'observability'), copy, {
      recursive: true,
      filter: (src) => !src.endsWith('admin.secret.env') && !src.startsWith(tests),
    });
    const gen = spawnSync('bash', [join(copy, 'scripts/gen-grafana-admin.sh')], { encoding: 'utf8', timeout: 10_000 });
    if (gen.status !== 0) throw new Error(`observability/scripts/gen-grafana-admin.sh failed: ${gen.stderr}`);
    return kustomize(copy, 'observability');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const cache = new Map<string, K8sObject[]>();

/** `kubectl kustomize <dir>` (dir relative to the repo root), parsed; cached, a fresh copy each call. */
export function render(dir: string): K8sObject[] {
  let objs = cache.get(dir);
  if (!objs) {
    objs = dir === 'observability' ? kustomizeObservability() : kustomize(join(REPO_ROOT, dir), dir);
    cache.set(dir, objs);
  }
  return structuredClone(objs);
}

// ------------------------------------------------------------------------------ views

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

export function spec<T>(obj: K8sObject): T {
  return (obj['spec'] ?? {}) as T;
}

/** Negative tests mutate deep into rendered objects: `fixture()` hands them one untyped. */
// biome-ignore lint/suspicious/noExplicitAny: see above; only tests use it
export type Loose = any;
export const fixture = (objs: K8sObject[], kind: string, name: string): Loose => find(objs, kind, name);

/** The object of this kind and name (and namespace, when given); an error naming it when absent. */
export function find(objs: K8sObject[], kind: string, name: string, namespace?: string): K8sObject {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name && (namespace === undefined || ns(x) === namespace));
  if (!o) throw new Error(`no ${kind} ${namespace ? `${namespace}/` : ''}${name} rendered`);
  return o;
}

export function podTemplates(objs: K8sObject[]): PodTemplate[] {
  return objs
    .filter((o) => WORKLOAD_KINDS.includes(o.kind))
    .map((o) => {
      const template = spec<{
        template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: IPodSpec };
      }>(o).template;
      return {
        owner: o,
        namespace: ns(o),
        labels: template?.metadata?.labels ?? {},
        annotations: template?.metadata?.annotations ?? {},
        spec: template?.spec ?? { containers: [] },
      };
    });
}

/** The pod template of one workload (a Deployment unless said otherwise). */
export function podTemplate(objs: K8sObject[], name: string, kind = 'Deployment'): PodTemplate {
  const owner = find(objs, kind, name);
  return podTemplates([owner])[0]!;
}

export function allContainers(spec: IPodSpec): IContainer[] {
  return [...(spec.initContainers ?? []), ...spec.containers];
}

/** Does a container declare this port (by name or number)? */
export function declaresPort(container: IContainer, port: number | string | undefined): boolean {
  if (port === undefined) return false;
  return (container.ports ?? []).some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
}

/** The number of the container port with this name in a pod template; an error naming both when absent. */
export function containerPort(t: PodTemplate, name: string): number {
  for (const c of t.spec.containers) {
    const p = (c.ports ?? []).find((x) => x.name === name);
    if (p) return p.containerPort;
  }
  throw new Error(`${id(t.owner)} has no container port named ${name}`);
}

export function servicePorts(svc: K8sObject): IServicePort[] {
  return spec<{ ports?: IServicePort[] }>(svc).ports ?? [];
}

/** The number of the Service port with this name; an error naming both when absent. */
export function servicePort(svc: K8sObject, name: string): number {
  const p = servicePorts(svc).find((x) => x.name === name);
  if (!p) throw new Error(`${id(svc)} has no port named ${name}`);
  return p.port;
}

export function networkPolicies(objs: K8sObject[]): (K8sObject & INetworkPolicy)[] {
  return objs.filter((o) => o.kind === 'NetworkPolicy') as (K8sObject & INetworkPolicy)[];
}

/** A metav1.LabelSelector: matchLabels and matchExpressions. */
export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * Whether a LabelSelector selects a label set, as the LabelSelector API type defines it (its
 * doc in Kubernetes 1.33's OpenAPI, shipped in kubernetes-models 4.5.1): "The result of
 * matchLabels and matchExpressions are ANDed. An empty label selector matches all objects. A
 * null label selector matches no objects."; operators In, NotIn, Exists and DoesNotExist, and
 * NotIn holds where the key is absent. Any other operator is an error, as the API server says.
 */
export function selects(selector: Selector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key] ?? '');
    switch (e.operator) {
      case 'In':
        if (!inValues) return false;
        break;
      case 'NotIn':
        if (inValues) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        throw new Error(`matchExpressions operator ${e.operator} is not one of In, NotIn, Exists, DoesNotExist`);
    }
  }
  return true;
}

/** A plain map selector (Service.spec.selector): must be non-empty to select anything. */
export function mapSelects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return selects({ matchLabels: selector }, labels);
}

/** Walks a dotted path in config data; throws naming the key and what was expected. */
export function get(obj: unknown, path: string, what = 'a value'): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isObj(cur) || !(key in cur)) throw new Error(`missing key ${path} (expected ${what})`);
    cur = cur[key];
  }
  return cur;
}

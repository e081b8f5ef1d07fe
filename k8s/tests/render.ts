// Renders a kustomization with the kubectl-embedded kustomize and parses the YAML stream.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { requireTool } from '../../scripts/lib/find-tool.ts';

/** Repository root (k8s/tests/ is two levels down). */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A rendered Kubernetes object; kind-specific parts are read through the helpers in model.ts. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** The kubectl binary ($KUBECTL, ./.bin, PATH); a clear error when there is none. */
export function kubectlPath(): string {
  return requireTool('kubectl', "run 'make tools' (kubectl v1.33 embeds kustomize v5.6) or set KUBECTL=/path/to/kubectl");
}

/** Parses a multi-document YAML stream into objects; every document must look like a Kubernetes object. */
export function parseManifests(text: string, source: string): K8sObject[] {
  const out: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: YAML error: ${doc.errors[0]?.message ?? 'unknown'}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${source}: expected a mapping per document, got ${Array.isArray(value) ? 'a list' : typeof value}`);
    const obj = value as Partial<K8sObject>;
    if (typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') throw new Error(`${source}: document without apiVersion/kind`);
    if (typeof obj.metadata?.name !== 'string') throw new Error(`${source}: ${obj.kind} without metadata.name`);
    out.push(obj as K8sObject);
  }
  return out;
}

const cache = new Map<string, K8sObject[]>();

/** `kubectl kustomize <dir>` (dir relative to the repo root), parsed; cached per directory. */
export function render(dir: string): K8sObject[] {
  const hit = cache.get(dir);
  if (hit) return structuredClone(hit);
  const kubectl = kubectlPath();
  let text: string;
  try {
    text = execFileSync(kubectl, ['kustomize', join(REPO_ROOT, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    throw new Error(`kubectl kustomize ${dir} failed: ${stderr.trim()}`);
  }
  const objs = parseManifests(text, dir);
  cache.set(dir, objs);
  return structuredClone(objs);
}

// Validates built-in Kubernetes objects against the Kubernetes 1.33 API schema, strictly.
// Schema source: the `kubernetes-models` npm package 4.5.1 (validators generated from the
// Kubernetes v1.33 OpenAPI spec: it has Lifecycle.stopSignal (1.33) and lacks
// PodSpec.hostnameOverride (1.34)), made strict about unknown fields by strict-access.ts.
import { createRequire } from 'node:module';
import { record } from './strict-access.ts';

export const KUBERNETES_SCHEMA_VERSION = '1.33';

interface Validating {
  prototype: { validate(this: unknown): void };
}

const require = createRequire(import.meta.url);

// kubernetes-models also ships API versions that Kubernetes stopped serving long ago (for old
// manifests); these are rejected here. Source: kubernetes.io "Deprecated API Migration Guide"
// (removals in 1.16, 1.22, 1.25, 1.26, 1.29, 1.32).
const REMOVED: readonly string[] = [
  'extensions/v1beta1/*',
  'apps/v1beta1/*',
  'apps/v1beta2/*',
  'policy/v1beta1/*',
  'autoscaling/v2beta1/*',
  'autoscaling/v2beta2/*',
  'batch/v1beta1/*',
  'networking.k8s.io/v1beta1/Ingress',
  'networking.k8s.io/v1beta1/IngressClass',
  'rbac.authorization.k8s.io/v1beta1/*',
  'scheduling.k8s.io/v1beta1/*',
  'discovery.k8s.io/v1beta1/*',
  'events.k8s.io/v1beta1/*',
  'storage.k8s.io/v1beta1/CSIStorageCapacity',
  'node.k8s.io/v1beta1/*',
  'flowcontrol.apiserver.k8s.io/v1beta1/*',
  'flowcontrol.apiserver.k8s.io/v1beta2/*',
  'flowcontrol.apiserver.k8s.io/v1beta3/*',
];

function removed(apiVersion: string, kind: string): boolean {
  return REMOVED.includes(`${apiVersion}/*`) || REMOVED.includes(`${apiVersion}/${kind}`);
}

function modulePath(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? `kubernetes-models/${apiVersion}` : `kubernetes-models/${apiVersion.slice(0, slash)}/${apiVersion.slice(slash + 1)}`;
}

function modelFor(apiVersion: string, kind: string): Validating | undefined {
  if (removed(apiVersion, kind)) return undefined;
  let mod: Record<string, unknown>;
  try {
    mod = require(modulePath(apiVersion)) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const model = mod[kind] as (Validating & { kind?: string; apiVersion?: string }) | undefined;
  if (!model || model.kind !== kind || model.apiVersion !== apiVersion) return undefined;
  return model;
}

/** True when kubernetes-models knows this apiVersion/kind (a built-in API of Kubernetes 1.33). */
export function isBuiltIn(apiVersion: string, kind: string): boolean {
  return modelFor(apiVersion, kind) !== undefined;
}

/** Errors of one object against its schema: type/required/enum errors and unknown fields. */
export function validateBuiltIn(obj: unknown, apiVersion: string, kind: string): string[] {
  const model = modelFor(apiVersion, kind);
  if (!model) return [`${apiVersion} ${kind}: not a kind served by Kubernetes ${KUBERNETES_SCHEMA_VERSION}`];
  const rec = record(obj);
  const errors: string[] = [];
  try {
    model.prototype.validate.call(rec.proxy);
  } catch (err) {
    errors.push((err as Error).message);
  }
  for (const path of rec.unknownFields()) errors.push(`unknown field "${path}" (not in the ${kind} schema)`);
  return errors;
}

/** ObjectMeta alone (for custom resources), strictly. */
export function validateObjectMeta(meta: unknown): string[] {
  const mod = require('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta') as { ObjectMeta: Validating };
  const rec = record(meta);
  const errors: string[] = [];
  try {
    mod.ObjectMeta.prototype.validate.call(rec.proxy);
  } catch (err) {
    errors.push(`metadata: ${(err as Error).message}`);
  }
  for (const path of rec.unknownFields()) errors.push(`unknown field "metadata.${path}"`);
  return errors;
}

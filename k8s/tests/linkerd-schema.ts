// Validates Linkerd policy resources against the vendored Linkerd 2.20 CRD schemas
// (schemas/linkerd-policy-crds.yaml) with ajv, rejecting unknown fields like the API server's
// strict field validation does for structural CRD schemas, plus the admission rules of Linkerd's
// policy controller that the schema cannot express.
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import type { K8sObject } from '../../test/support/manifests.ts';
import { isBuiltIn, validateBuiltIn, validateObjectMeta } from './kube-schema.ts';

type Schema = Record<string, unknown>;

const SCHEMA_FILE = new URL('./schemas/linkerd-policy-crds.yaml', import.meta.url);

/** Kubernetes structural-schema extensions turned into plain JSON Schema, closed where the CRD is closed. */
export function toStrictJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toStrictJsonSchema);
  if (node === null || typeof node !== 'object') return node;
  const src = node as Schema;
  if (src['x-kubernetes-int-or-string'] === true) return { anyOf: [{ type: 'integer' }, { type: 'string' }] };
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    if (k.startsWith('x-kubernetes-')) continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, toStrictJsonSchema(s)]));
    } else out[k] = toStrictJsonSchema(v);
  }
  const open = src['x-kubernetes-preserve-unknown-fields'] === true;
  if (!open && src['type'] === 'object' && out['additionalProperties'] === undefined) {
    // Unknown fields are rejected; an object without declared properties accepts none.
    out['additionalProperties'] = false;
  }
  return out;
}

function withTypeMeta(schema: Schema): Schema {
  const props = { ...(schema['properties'] as Schema | undefined) };
  props['apiVersion'] = { type: 'string' };
  props['kind'] = { type: 'string' };
  // metadata is checked against ObjectMeta (kube-schema.ts) and may carry status-free fields only.
  props['metadata'] = { type: 'object' };
  const required = [...((schema['required'] as string[] | undefined) ?? []), 'metadata'];
  return { ...schema, properties: props, required, additionalProperties: false };
}

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, useDefaults: false });
let compiled: Map<string, ValidateFunction> | undefined;

function validators(): Map<string, ValidateFunction> {
  if (compiled) return compiled;
  const raw = parse(readFileSync(SCHEMA_FILE, 'utf8'), { merge: true }) as Record<string, Schema>;
  compiled = new Map();
  for (const [key, schema] of Object.entries(raw)) {
    compiled.set(key, ajv.compile(withTypeMeta(toStrictJsonSchema(schema) as Schema)));
  }
  return compiled;
}

/** apiVersion/kind pairs the vendored schemas cover (the Linkerd kinds this project may use). */
export function linkerdKinds(): string[] {
  return [...validators().keys()];
}

export function isLinkerdPolicy(apiVersion: string): boolean {
  return apiVersion.startsWith('policy.linkerd.io/');
}

const TARGET_KINDS = ['Server', 'HTTPRoute', 'GRPCRoute', 'Namespace'];
const AUTHN_KINDS = ['MeshTLSAuthentication', 'NetworkAuthentication', 'ServiceAccount'];
/** An HTTPRoute target may be Linkerd's or the Gateway API's (authorization_policy.rs `target`). */
const HTTPROUTE_GROUPS = ['policy.linkerd.io', 'gateway.networking.k8s.io'];
/** A Server's `accessPolicy` values (policy-controller/k8s/index/src/defaults.rs `DefaultPolicy::from_str`). */
const ACCESS_POLICIES = ['all-authenticated', 'all-unauthenticated', 'cluster-authenticated', 'cluster-unauthenticated', 'deny', 'audit'];

/**
 * Linkerd 2.20's policy-controller admission rules on top of the schema (edge-26.6.3:
 * policy-controller/runtime/src/admission.rs `Validate<AuthorizationPolicySpec>`,
 * `validate_identity_ref`, `Validate<ServerSpec>`; the target kinds from
 * policy-controller/k8s/index/src/inbound/authorization_policy.rs `target`; docs/upstream-facts.md).
 */
function admissionErrors(obj: K8sObject): string[] {
  const errors: string[] = [];
  const spec = (obj['spec'] ?? {}) as Record<string, unknown>;
  if (obj.kind === 'AuthorizationPolicy') {
    const target = spec['targetRef'] as { kind?: string; group?: string; name?: string } | undefined;
    if (target && !TARGET_KINDS.includes(target.kind ?? ''))
      errors.push(`spec.targetRef.kind: expected one of ${TARGET_KINDS.join(', ')}, got ${String(target.kind)}`);
    if (target?.kind === 'HTTPRoute' && !HTTPROUTE_GROUPS.includes(target.group ?? '')) {
      errors.push(
        `spec.targetRef.group: an HTTPRoute target's group is one of ${HTTPROUTE_GROUPS.join(', ')}, got ${String(target.group)}`,
      );
    }
    if (target?.kind === 'Namespace' && target.name !== obj.metadata.namespace)
      errors.push(`spec.targetRef: cannot target another namespace: ${String(target.name)}`);
    const refs = (spec['requiredAuthenticationRefs'] ?? []) as { kind?: string }[];
    for (const [i, ref] of refs.entries()) {
      if (!AUTHN_KINDS.includes(ref.kind ?? ''))
        errors.push(`spec.requiredAuthenticationRefs[${i}].kind: expected one of ${AUTHN_KINDS.join(', ')}, got ${String(ref.kind)}`);
    }
    const count = (kind: string) => refs.filter((r) => r.kind === kind).length;
    for (const kind of AUTHN_KINDS) {
      if (count(kind) > 1) errors.push(`spec.requiredAuthenticationRefs: only a single ${kind} may be set`);
    }
    if (count('MeshTLSAuthentication') === 1 && count('ServiceAccount') === 1)
      errors.push('spec.requiredAuthenticationRefs: a MeshTLSAuthentication and ServiceAccount may not be set together');
  }
  if (obj.kind === 'MeshTLSAuthentication') {
    const refs = (spec['identityRefs'] ?? []) as { kind?: string; namespace?: string }[];
    for (const [i, ref] of refs.entries()) {
      if (!['ServiceAccount', 'Namespace'].includes(ref.kind ?? ''))
        errors.push(`spec.identityRefs[${i}].kind: expected ServiceAccount or Namespace, got ${String(ref.kind)}`);
      if (ref.kind === 'Namespace' && ref.namespace !== undefined)
        errors.push(`spec.identityRefs[${i}]: a Namespace identityRef is cluster-scoped and cannot have a namespace`);
    }
  }
  if (obj.kind === 'Server') {
    const policy = spec['accessPolicy'];
    if (policy !== undefined && !ACCESS_POLICIES.includes(String(policy)))
      errors.push(`spec.accessPolicy: expected one of ${ACCESS_POLICIES.join(', ')}, got ${String(policy)}`);
  }
  return errors;
}

export function validateLinkerd(obj: K8sObject): string[] {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const validate = validators().get(key);
  if (!validate)
    return [`${obj.apiVersion} ${obj.kind}: not a Linkerd 2.20 kind/version this project vendors (known: ${linkerdKinds().join(', ')})`];
  const errors: string[] = [];
  if (!validate(obj)) {
    for (const e of validate.errors ?? []) {
      const where = e.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
      const extra =
        e.keyword === 'additionalProperties' ? ` "${String((e.params as { additionalProperty?: string }).additionalProperty)}"` : '';
      errors.push(`${where}: ${e.message ?? e.keyword}${extra}`);
    }
  }
  errors.push(...validateObjectMeta(obj.metadata));
  errors.push(...admissionErrors(obj));
  return errors;
}

/** Schema errors of any rendered object: Linkerd policy kinds against the vendored CRDs, the rest against Kubernetes 1.33. */
export function schemaErrors(o: K8sObject): string[] {
  if (isLinkerdPolicy(o.apiVersion)) return validateLinkerd(o);
  if (isBuiltIn(o.apiVersion, o.kind)) return validateBuiltIn(o, o.apiVersion, o.kind);
  return [`${o.apiVersion} ${o.kind}: neither a Kubernetes 1.33 API nor a vendored Linkerd policy kind`];
}

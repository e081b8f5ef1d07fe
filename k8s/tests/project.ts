// Facts the manifests must agree with: package.json version and the base `images:` mapping.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../test/support/repo.ts';

export interface ImageMapping {
  name: string;
  newName?: string;
  newTag?: string;
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: string };
  if (!pkg.version) throw new Error('package.json: "version" missing');
  return pkg.version;
}

export function baseImages(): ImageMapping[] {
  const k = parse(readFileSync(join(REPO_ROOT, 'k8s/base/kustomization.yaml'), 'utf8')) as { images?: ImageMapping[] };
  return k.images ?? [];
}

/** The only image references a rendered pod may carry: newName:newTag of each base mapping. */
export function allowedImages(): string[] {
  return baseImages().map((i) => `${i.newName ?? i.name}:${i.newTag ?? ''}`);
}

/** The observability stack's images, each pinned (the versions of the brief: Prometheus 3.14, OTel collector contrib 0.159, Jaeger 2.20, Grafana 13.2). */
export const OBSERVABILITY_IMAGES = [
  'prom/prometheus:v3.14.0',
  'otel/opentelemetry-collector-contrib:0.159.0',
  'jaegertracing/jaeger:2.20.0',
  'grafana/grafana:13.2.3',
];

export const OVERLAYS = { plain: 'k8s/overlays/plain', mesh: 'k8s/overlays/mesh' } as const;

/** The throwaway namespace of `make zero-trust-rollout` and its three stages (k8s/overlays/zero-trust-rollout). */
export const ROLLOUT_NAMESPACE = 'zero-trust-rollout';
export const ROLLOUT_STAGES = {
  audit: 'k8s/overlays/zero-trust-rollout/audit',
  authorized: 'k8s/overlays/zero-trust-rollout/authorized',
  deny: 'k8s/overlays/zero-trust-rollout/deny',
} as const;

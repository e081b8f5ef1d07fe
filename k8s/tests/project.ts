// Facts the manifests must agree with: package.json version and the base `images:` mapping.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './render.ts';

export interface ImageMapping { name: string; newName?: string; newTag?: string }

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

export const OVERLAYS = { plain: 'k8s/overlays/plain', mesh: 'k8s/overlays/mesh' } as const;

// Reading the observability manifests and configs as plain data.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const OBS = join(import.meta.dirname, '..');
export const REPO = join(OBS, '..');

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'));
}

/** All documents of a (multi-document) YAML file; throws naming the file on a YAML error. */
export function readYamlDocs(path: string): Obj[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  const out: Obj[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${path}: YAML error: ${d.errors[0]?.message ?? ''}`);
    const v = d.toJS() as unknown;
    if (isObj(v)) out.push(v);
  }
  return out;
}

/** Walks a dotted path; throws naming the key and what was expected. */
export function get(obj: unknown, path: string, what = 'a value'): unknown {
  let cur: unknown = obj;
  for (const key of path.split('.')) {
    if (!isObj(cur) || !(key in cur)) throw new Error(`missing key ${path} (expected ${what})`);
    cur = cur[key];
  }
  return cur;
}

export function findResource(docs: Obj[], kind: string, name: string): Obj {
  const r = docs.find((d) => d['kind'] === kind && isObj(d['metadata']) && d['metadata']['name'] === name);
  if (!r) throw new Error(`no ${kind} named ${name}`);
  return r;
}

/** Every YAML file below dir (recursive). */
export function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(e)) out.push(p);
  }
  return out.sort();
}

export interface ServicePort {
  name: string;
  port: number;
  targetPort: unknown;
}

export function servicePorts(svc: Obj): ServicePort[] {
  const ports = get(svc, 'spec.ports', 'a list of ports');
  if (!Array.isArray(ports)) throw new Error('spec.ports must be a list');
  return ports.filter(isObj).map((p) => ({ name: String(p['name']), port: Number(p['port']), targetPort: p['targetPort'] }));
}

export function servicePort(svc: Obj, name: string): number {
  const p = servicePorts(svc).find((x) => x.name === name);
  if (!p) throw new Error(`Service ${String(get(svc, 'metadata.name'))} has no port named ${name}`);
  return p.port;
}

/** The containers of a Deployment's pod template. */
export function containers(deploy: Obj): Obj[] {
  const c = get(deploy, 'spec.template.spec.containers', 'a list of containers');
  if (!Array.isArray(c)) throw new Error('spec.template.spec.containers must be a list');
  return c.filter(isObj);
}

export function containerPort(deploy: Obj, name: string): number {
  for (const c of containers(deploy)) {
    const ports = Array.isArray(c['ports']) ? c['ports'].filter(isObj) : [];
    const p = ports.find((x) => x['name'] === name);
    if (p) return Number(p['containerPort']);
  }
  throw new Error(`Deployment ${String(get(deploy, 'metadata.name'))} has no container port named ${name}`);
}

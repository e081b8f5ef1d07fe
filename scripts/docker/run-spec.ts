// Derives how the smoke test runs a service's image from the rendered Kubernetes base, so the
// container runs the way the Deployment runs it: user, read-only root with a tmpfs /tmp, no
// capabilities, no privilege escalation, the memory/CPU limits, the args, the env, the config file,
// and the termination grace period. A manifest that breaks the image's contract (docs/interfaces.md:
// uid/gid 10001, writable /tmp only) is an error naming the field and what was expected.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findTool } from '../lib/find-tool.ts';

export type Service = 'pinger' | 'ponger';

export interface RunSpec {
  service: Service;
  /** where the values came from: the rendered manifests, or the documented fallbacks */
  source: 'manifests' | 'defaults';
  user: string;
  readOnlyRoot: boolean;
  capDropAll: boolean;
  noNewPrivileges: boolean;
  memoryBytes: number;
  /** CPU limit in cores, undefined when the manifests set none */
  cpus: number | undefined;
  tmpfsBytes: number;
  args: string[];
  env: Record<string, string>;
  /** mount path of the config directory and the file's content */
  configDir: string;
  configYaml: string;
  graceSeconds: number;
  /** container ports by name */
  ports: Record<string, number>;
}

export const CONFIG_DIR = '/etc/pingpong';
export const DEFAULT_MEMORY = '128Mi';
export const DEFAULT_GRACE_SECONDS = 30;
const CONTRACT_ID = 10001;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads the dotted `path` below `root` (undefined when any step is missing). */
function get(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const part of path.split('.')) {
    if (!isObj(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function fail(where: string, key: string, expected: string, got: unknown): never {
  throw new Error(`${where}: ${key} is ${JSON.stringify(got)} (expected ${expected})`);
}

/** Kubernetes quantity (e.g. 256Mi, 1G, 500m for CPU) to a number of base units. */
export function parseQuantity(q: unknown, where: string, key: string): number {
  const s = typeof q === 'number' ? String(q) : q;
  if (typeof s !== 'string') fail(where, key, 'a Kubernetes quantity like 256Mi', q);
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/.exec(s);
  if (!m) fail(where, key, 'a Kubernetes quantity like 256Mi', q);
  const factors: Record<string, number> = {
    '': 1,
    m: 0.001,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
  };
  return Number(m[1]) * (factors[m[2] ?? ''] ?? 1);
}

/** Parses a multi-document YAML stream (kubectl kustomize output) into mappings. */
export function parseStream(text: string, source: string): Obj[] {
  const out: Obj[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`${source}: YAML error: ${doc.errors[0]?.message ?? 'unknown'}`);
    const v: unknown = doc.toJS();
    if (v === null || v === undefined) continue;
    if (!isObj(v)) throw new Error(`${source}: expected a mapping per document`);
    out.push(v);
  }
  return out;
}

/** The RunSpec of `service` from rendered objects (a Deployment and its config ConfigMap). */
export function runSpecFromObjects(objects: Obj[], service: Service): RunSpec {
  const dep = objects.find((o) => o['kind'] === 'Deployment' && get(o, 'metadata.name') === service);
  if (!dep) throw new Error(`rendered manifests: no Deployment named ${service}`);
  const where = `Deployment ${service}`;
  const pod = get(dep, 'spec.template.spec');
  if (!isObj(pod)) fail(where, 'spec.template.spec', 'a pod spec', pod);
  const containers = pod['containers'];
  const c = Array.isArray(containers) ? containers.find((x) => isObj(x) && x['name'] === service) : undefined;
  if (!isObj(c)) fail(where, `spec.template.spec.containers[name=${service}]`, 'a container named like the service', containers);
  const cw = `${where} container ${service}`;

  // The security context: the container's fields win over the pod's.
  const sc = (k: string): unknown => get(c, `securityContext.${k}`) ?? get(pod, `securityContext.${k}`);
  const uid = sc('runAsUser');
  const gid = sc('runAsGroup');
  if (uid !== CONTRACT_ID) fail(cw, 'securityContext.runAsUser', String(CONTRACT_ID), uid);
  if (gid !== CONTRACT_ID) fail(cw, 'securityContext.runAsGroup', String(CONTRACT_ID), gid);
  if (get(c, 'securityContext.readOnlyRootFilesystem') !== true) {
    fail(cw, 'securityContext.readOnlyRootFilesystem', 'true', get(c, 'securityContext.readOnlyRootFilesystem'));
  }
  if (get(c, 'securityContext.allowPrivilegeEscalation') !== false) {
    fail(cw, 'securityContext.allowPrivilegeEscalation', 'false', get(c, 'securityContext.allowPrivilegeEscalation'));
  }
  const drop = get(c, 'securityContext.capabilities.drop');
  if (!Array.isArray(drop) || !drop.includes('ALL')) fail(cw, 'securityContext.capabilities.drop', '["ALL"]', drop);

  const memory = get(c, 'resources.limits.memory');
  if (memory === undefined) fail(cw, 'resources.limits.memory', 'a memory limit', memory);
  const memoryBytes = parseQuantity(memory, cw, 'resources.limits.memory');
  const cpu = get(c, 'resources.limits.cpu');
  const cpus = cpu === undefined ? undefined : parseQuantity(cpu, cw, 'resources.limits.cpu');

  const args = c['args'];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) fail(cw, 'args', 'a list of strings', args);

  const env: Record<string, string> = {};
  const envList = c['env'] ?? [];
  if (!Array.isArray(envList)) fail(cw, 'env', 'a list', envList);
  for (const e of envList) {
    // valueFrom (field refs, secrets) has no meaning outside a cluster; only literal values carry
    // over. Kubernetes expands $(VAR) from the entries before it; a value that still references a
    // dropped entry after that expansion cannot be reproduced here, so it is dropped as well.
    if (!isObj(e) || typeof e['name'] !== 'string' || typeof e['value'] !== 'string') continue;
    const value = e['value'].replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, name: string) => env[name] ?? ref);
    if (!/\$\([A-Za-z_][A-Za-z0-9_]*\)/.test(value)) env[e['name']] = value;
  }

  const ports: Record<string, number> = {};
  for (const p of Array.isArray(c['ports']) ? c['ports'] : []) {
    if (isObj(p) && typeof p['name'] === 'string' && typeof p['containerPort'] === 'number') ports[p['name']] = p['containerPort'];
  }
  if (ports['admin'] === undefined) fail(cw, 'ports[name=admin]', 'the admin port (2112)', c['ports']);

  // Mounts: the config directory from a ConfigMap, /tmp from an emptyDir; nothing else writable.
  const volumes = Array.isArray(pod['volumes']) ? pod['volumes'].filter(isObj) : [];
  const mounts = Array.isArray(c['volumeMounts']) ? c['volumeMounts'].filter(isObj) : [];
  const volumeOf = (path: string): Obj | undefined => {
    const m = mounts.find((x) => x['mountPath'] === path);
    return m ? volumes.find((v) => v['name'] === m['name']) : undefined;
  };
  const tmp = volumeOf('/tmp');
  if (!tmp || !isObj(tmp['emptyDir'])) fail(cw, 'volumeMounts[mountPath=/tmp]', 'an emptyDir mounted at /tmp', tmp);
  const tmpLimit = get(tmp, 'emptyDir.sizeLimit');
  const tmpfsBytes = tmpLimit === undefined ? 64 * 1024 ** 2 : parseQuantity(tmpLimit, cw, 'emptyDir.sizeLimit of /tmp');

  const cfgVol = volumeOf(CONFIG_DIR);
  const cmName = get(cfgVol, 'configMap.name');
  if (typeof cmName !== 'string') fail(cw, `volumeMounts[mountPath=${CONFIG_DIR}]`, 'a ConfigMap volume', cfgVol);
  const cm = objects.find((o) => o['kind'] === 'ConfigMap' && get(o, 'metadata.name') === cmName);
  const data = get(cm, 'data');
  const configYaml = isObj(data) ? data['config.yaml'] : undefined;
  if (typeof configYaml !== 'string') fail(`ConfigMap ${cmName}`, 'data["config.yaml"]', 'the service config file', configYaml);
  if (!args.includes(`${CONFIG_DIR}/config.yaml`)) fail(cw, 'args', `["-c", "${CONFIG_DIR}/config.yaml"]`, args);

  const grace = pod['terminationGracePeriodSeconds'] ?? DEFAULT_GRACE_SECONDS;
  if (typeof grace !== 'number' || !Number.isInteger(grace) || grace <= 0) {
    fail(where, 'spec.template.spec.terminationGracePeriodSeconds', 'a positive integer', grace);
  }

  return {
    service,
    source: 'manifests',
    user: `${CONTRACT_ID}:${CONTRACT_ID}`,
    readOnlyRoot: true,
    capDropAll: true,
    noNewPrivileges: true,
    memoryBytes,
    cpus,
    tmpfsBytes,
    args,
    env,
    configDir: CONFIG_DIR,
    configYaml,
    graceSeconds: grace,
    ports,
  };
}

/** The documented fallbacks when k8s/base does not exist yet: the contract plus 128Mi and 30 s. */
export function defaultRunSpec(service: Service): RunSpec {
  const configYaml = service === 'pinger' ? 'ponger:\n  url: http://ponger:8080\n' : 'service:\n  port: 8080\n';
  return {
    service,
    source: 'defaults',
    user: `${CONTRACT_ID}:${CONTRACT_ID}`,
    readOnlyRoot: true,
    capDropAll: true,
    noNewPrivileges: true,
    memoryBytes: parseQuantity(DEFAULT_MEMORY, 'default', 'memory'),
    cpus: undefined,
    tmpfsBytes: 64 * 1024 ** 2,
    args: ['-c', `${CONFIG_DIR}/config.yaml`],
    env: {},
    configDir: CONFIG_DIR,
    configYaml,
    graceSeconds: DEFAULT_GRACE_SECONDS,
    ports: service === 'ponger' ? { http: 8080, admin: 2112 } : { admin: 2112 },
  };
}

/** Renders `dir` (relative to `repoRoot`) with `kubectl kustomize`, or returns undefined if it does not exist. */
export function renderBase(repoRoot: string, dir = 'k8s/base'): Obj[] | undefined {
  const abs = join(repoRoot, dir);
  if (!existsSync(join(abs, 'kustomization.yaml'))) return undefined;
  const kubectl = findTool('kubectl');
  if (!kubectl) throw new Error(`${dir} exists but kubectl is not installed (set KUBECTL=/path/to/kubectl)`);
  const out = execFileSync(kubectl, ['kustomize', abs], { encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return parseStream(out, `kubectl kustomize ${dir}`);
}

/** docker run flags (without image) that reproduce `spec`. */
export function dockerRunFlags(spec: RunSpec, configHostDir: string): string[] {
  const flags = [
    '--user',
    spec.user,
    '--memory',
    String(Math.floor(spec.memoryBytes)),
    '--memory-swap',
    String(Math.floor(spec.memoryBytes)),
  ];
  if (spec.readOnlyRoot) flags.push('--read-only');
  flags.push('--tmpfs', `/tmp:rw,nosuid,nodev,size=${Math.floor(spec.tmpfsBytes)},mode=1777`);
  if (spec.capDropAll) flags.push('--cap-drop', 'ALL');
  if (spec.noNewPrivileges) flags.push('--security-opt', 'no-new-privileges');
  if (spec.cpus !== undefined) flags.push('--cpus', String(spec.cpus));
  flags.push('-v', `${configHostDir}:${spec.configDir}:ro`);
  for (const [k, v] of Object.entries(spec.env)) flags.push('-e', `${k}=${v}`);
  return flags;
}

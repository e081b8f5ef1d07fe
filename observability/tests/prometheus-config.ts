// The Prometheus config of prometheus/prometheus.yml as data: its jobs, a structural check,
// and the static-config equivalent of a Kubernetes job for given (made-up) pods.
import { join } from 'node:path';
import { isObj, OBS, readYaml, readYamlDocs, type Obj } from './manifests.ts';
import { relabel, relabelProblems, targetLabels, type Labels, type RelabelConfig } from './relabel.ts';

export const PROMETHEUS_YML = join(OBS, 'prometheus/prometheus.yml');

export interface Job {
  job_name: string;
  relabel_configs?: RelabelConfig[];
  kubernetes_sd_configs?: Array<{ role: string; namespaces?: { names: string[] } }>;
  static_configs?: Array<{ targets: string[]; labels?: Labels }>;
  [key: string]: unknown;
}

export function loadPrometheusConfig(path = PROMETHEUS_YML): Obj {
  const cfg = readYaml(path);
  if (!isObj(cfg)) throw new Error(`${path}: expected a mapping`);
  return cfg;
}

export function jobs(cfg: Obj): Job[] {
  const list = cfg['scrape_configs'];
  if (!Array.isArray(list)) throw new Error('scrape_configs: expected a list of jobs');
  return list.filter(isObj) as Job[];
}

export function job(cfg: Obj, name: string): Job {
  const j = jobs(cfg).find((x) => x.job_name === name);
  if (!j) throw new Error(`scrape_configs: no job named ${name}`);
  return j;
}

/** Runs a job's relabeling on discovered targets; returns the kept ones as address + labels. */
export function keptTargets(j: Job, discovered: Labels[]): Array<{ address: string; labels: Labels }> {
  const out: Array<{ address: string; labels: Labels }> = [];
  for (const d of discovered) {
    const r = relabel(d, j.relabel_configs ?? []);
    if (r) out.push(targetLabels(r));
  }
  return out;
}

/**
 * The static-config equivalent of a Kubernetes job for the given discovered targets: same
 * job name and settings, the labels its relabeling produces as static labels.
 */
export function staticEquivalent(j: Job, discovered: Labels[], overrides: Obj = {}): Obj {
  const { kubernetes_sd_configs: _sd, relabel_configs: _rc, ...rest } = j;
  const kept = keptTargets(j, discovered);
  if (kept.length === 0) throw new Error(`job ${j.job_name}: relabeling keeps none of the ${discovered.length} targets`);
  return { ...rest, ...overrides, static_configs: kept.map((t) => ({ targets: [t.address], labels: t.labels })) };
}

/** Structural problems: duplicate job names, bad relabel configs, SD roles RBAC does not grant. */
export function prometheusProblems(cfg: Obj, grantedResources: string[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const ROLE_RESOURCE: Record<string, string> = { pod: 'pods', service: 'services', endpoints: 'endpoints', endpointslice: 'endpointslices', node: 'nodes', ingress: 'ingresses' };
  for (const [i, j] of jobs(cfg).entries()) {
    const where = `scrape_configs[${i}] (${String(j.job_name)})`;
    if (typeof j.job_name !== 'string' || j.job_name === '') problems.push(`${where}: job_name: expected a non-empty string`);
    if (seen.has(j.job_name)) problems.push(`${where}: job_name "${j.job_name}" is used twice`);
    seen.add(j.job_name);
    if (!j.kubernetes_sd_configs && !j.static_configs) problems.push(`${where}: expected kubernetes_sd_configs or static_configs`);
    for (const sd of j.kubernetes_sd_configs ?? []) {
      const res = ROLE_RESOURCE[sd.role];
      if (!res) problems.push(`${where}: kubernetes_sd_configs role "${sd.role}" is not a known role`);
      else if (!grantedResources.includes(res)) problems.push(`${where}: kubernetes_sd_configs role "${sd.role}" needs ${res}, which the ClusterRole does not grant`);
    }
    for (const [k, rc] of (j.relabel_configs ?? []).entries()) problems.push(...relabelProblems(rc, `${where} relabel_configs[${k}]`));
  }
  return problems;
}

/** Resources the Prometheus ClusterRole grants get+list+watch on. */
export function prometheusGrantedResources(): string[] {
  const docs = readYamlDocs(join(OBS, 'prometheus/rbac.yaml'));
  const role = docs.find((d) => d['kind'] === 'ClusterRole');
  if (!role || !Array.isArray(role['rules'])) throw new Error('prometheus/rbac.yaml: expected a ClusterRole with rules');
  const out: string[] = [];
  for (const r of role['rules'].filter(isObj)) {
    const verbs = Array.isArray(r['verbs']) ? r['verbs'] : [];
    if (['get', 'list', 'watch'].every((v) => verbs.includes(v)) && Array.isArray(r['resources'])) out.push(...r['resources'].map(String));
  }
  return out;
}

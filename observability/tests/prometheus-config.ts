// The Prometheus config of prometheus/prometheus.yml as data: its jobs, the RBAC its Kubernetes
// discovery needs, promtool's verdict on it, and the static-config equivalent of a Kubernetes job
// for given (made-up) pods, which the scrape test runs on loopback.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { findTool } from '../../scripts/lib/find-tool.ts';
import { find, isObj, type K8sObject, type Obj } from '../../test/support/manifests.ts';
import { REPO_ROOT } from '../../test/support/repo.ts';
import { type Labels, type RelabelConfig, relabel, targetLabels } from './relabel.ts';

export const PROMETHEUS_YML = join(REPO_ROOT, 'observability/prometheus/prometheus.yml');

export interface Job {
  job_name: string;
  relabel_configs?: RelabelConfig[];
  kubernetes_sd_configs?: Array<{ role: string; namespaces?: { names: string[] } }>;
  static_configs?: Array<{ targets: string[]; labels?: Labels }>;
  [key: string]: unknown;
}

export function loadPrometheusConfig(path = PROMETHEUS_YML): Obj {
  const cfg: unknown = parse(readFileSync(path, 'utf8'));
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
  return discovered
    .map((d) => relabel(d, j.relabel_configs ?? []))
    .filter((r) => r !== null)
    .map(targetLabels);
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

/** Discovery roles the rendered Prometheus ClusterRole does not grant get+list+watch for. */
export function sdRoleProblems(cfg: Obj, grantedResources: string[]): string[] {
  const ROLE_RESOURCE: Record<string, string> = {
    pod: 'pods',
    service: 'services',
    endpoints: 'endpoints',
    endpointslice: 'endpointslices',
    node: 'nodes',
    ingress: 'ingresses',
  };
  return jobs(cfg).flatMap((j) =>
    (j.kubernetes_sd_configs ?? []).flatMap((sd) => {
      const res = ROLE_RESOURCE[sd.role];
      if (!res) return [`job ${j.job_name}: kubernetes_sd_configs role "${sd.role}" is not a known role`];
      return grantedResources.includes(res)
        ? []
        : [`job ${j.job_name}: kubernetes_sd_configs role "${sd.role}" needs ${res}, which the ClusterRole does not grant`];
    }),
  );
}

/** Resources the rendered Prometheus ClusterRole grants get+list+watch on. */
export function prometheusGrantedResources(objs: K8sObject[]): string[] {
  const role = find(objs, 'ClusterRole', 'observability-prometheus');
  const rules = (role['rules'] ?? []) as Array<{ verbs?: string[]; resources?: string[] }>;
  return rules.filter((r) => ['get', 'list', 'watch'].every((v) => r.verbs?.includes(v))).flatMap((r) => r.resources ?? []);
}

/**
 * promtool with Kubernetes service discovery (3.x; Debian bookworm's 2.42 is built without it):
 * $PROMTOOL, ./.bin (where .ci/install-promtool.sh puts Debian sid's), then PATH. Returns the
 * path and version, or why there is none.
 */
export function promtool(): { path: string; version: [number, number] } | { missing: string } {
  const how = 'run .ci/install-promtool.sh (promtool 3.x into ./.bin) or set PROMTOOL';
  const path = findTool('promtool');
  if (!path) return { missing: `promtool not found in ./.bin or on PATH: ${how}` };
  const out = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const m = /version (\d+)\.(\d+)/.exec(`${out.stdout}${out.stderr}`);
  if (!m) return { missing: `${path} --version: no version in ${JSON.stringify(out.stdout)}: ${how}` };
  const version: [number, number] = [Number(m[1]), Number(m[2])];
  if (version[0] < 3) return { missing: `${path} is promtool ${version.join('.')}, without Kubernetes discovery: ${how}` };
  return { path, version };
}

/**
 * `promtool check config` on a config; the exit status and output. storage.tsdb.retention is a
 * Prometheus 3.14 field (config/config.go TSDBRetentionConfig at v3.14.0) that older promtools
 * reject as unknown, so for those it is left out; everything else is checked as written.
 */
export function promtoolCheck(tool: { path: string; version: [number, number] }, cfg: Obj): { status: number | null; output: string } {
  const checked = structuredClone(cfg);
  const [major, minor] = tool.version;
  const storage = checked['storage'];
  if (major === 3 && minor < 14 && isObj(storage) && isObj(storage['tsdb'])) {
    delete storage['tsdb']['retention'];
    if (Object.keys(storage['tsdb']).length === 0) delete storage['tsdb'];
    if (Object.keys(storage).length === 0) delete checked['storage'];
  }
  const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
  try {
    const file = join(dir, 'prometheus.yml');
    writeFileSync(file, stringify(checked));
    const r = spawnSync(tool.path, ['check', 'config', file], { encoding: 'utf8', timeout: 20_000 });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

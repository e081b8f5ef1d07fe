import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerPort, containers, get, isObj, OBS, readYaml, readYamlDocs, servicePorts, type Obj } from './manifests.ts';
import { allowed, type Endpoint } from './netpol.ts';

interface Kustomization {
  namespace?: string;
  resources?: string[];
  configMapGenerator?: Array<{ name: string; files?: string[] }>;
  secretGenerator?: Array<{ name: string; envs?: string[]; files?: string[] }>;
}

const kust = readYaml(join(OBS, 'kustomization.yaml')) as Kustomization;
const resources = (kust.resources ?? []).flatMap((f) => readYamlDocs(join(OBS, f)));
const byKind = (kind: string): Obj[] => resources.filter((r) => r['kind'] === kind);
const nameOf = (r: Obj): string => String(get(r, 'metadata.name'));
const generatedConfigMaps = new Set((kust.configMapGenerator ?? []).map((g) => g.name));
const generatedSecrets = new Set((kust.secretGenerator ?? []).map((g) => g.name));

// every image, pinned (checked against upstream tags; see the report / ADRs)
const PINNED: Record<string, string> = {
  prometheus: 'prom/prometheus:v3.14.0',
  'otel-collector': 'otel/opentelemetry-collector-contrib:0.159.0',
  jaeger: 'jaegertracing/jaeger:2.20.0',
  grafana: 'grafana/grafana:13.2.3',
};

/** Problems of one Deployment against the hardening rules; each names the field. */
export function deploymentProblems(d: Obj): string[] {
  const problems: string[] = [];
  const name = nameOf(d);
  const pod = get(d, 'spec.template.spec') as Obj;
  const psc = isObj(pod['securityContext']) ? pod['securityContext'] : {};
  if (psc['runAsNonRoot'] !== true) problems.push(`${name}: spec.template.spec.securityContext.runAsNonRoot: expected true`);
  if (!isObj(psc['seccompProfile']) || psc['seccompProfile']['type'] !== 'RuntimeDefault') problems.push(`${name}: spec.template.spec.securityContext.seccompProfile.type: expected RuntimeDefault`);
  if (pod['automountServiceAccountToken'] !== false) problems.push(`${name}: automountServiceAccountToken: expected false (mount the token explicitly where needed)`);
  for (const c of containers(d)) {
    const cn = `${name}/${String(c['name'])}`;
    const image = String(c['image']);
    if (!/:[^:/]+$/.test(image) || image.endsWith(':latest')) problems.push(`${cn}: image "${image}": expected a pinned tag, not latest or none`);
    if (c['imagePullPolicy'] !== 'IfNotPresent') problems.push(`${cn}: imagePullPolicy: expected IfNotPresent`);
    const sc = isObj(c['securityContext']) ? c['securityContext'] : {};
    if (sc['allowPrivilegeEscalation'] !== false) problems.push(`${cn}: securityContext.allowPrivilegeEscalation: expected false`);
    if (sc['readOnlyRootFilesystem'] !== true) problems.push(`${cn}: securityContext.readOnlyRootFilesystem: expected true`);
    const drop = isObj(sc['capabilities']) && Array.isArray(sc['capabilities']['drop']) ? sc['capabilities']['drop'] : [];
    if (!drop.includes('ALL')) problems.push(`${cn}: securityContext.capabilities.drop: expected [ALL]`);
    if (isObj(sc['capabilities']) && Array.isArray(sc['capabilities']['add']) && sc['capabilities']['add'].length > 0) problems.push(`${cn}: securityContext.capabilities.add: expected none`);
    for (const kind of ['requests', 'limits']) {
      for (const res of ['cpu', 'memory']) {
        const v = isObj(c['resources']) && isObj(c['resources'][kind]) ? c['resources'][kind][res] : undefined;
        if (v === undefined) problems.push(`${cn}: resources.${kind}.${res}: expected a value`);
      }
    }
    if (!c['readinessProbe']) problems.push(`${cn}: readinessProbe: expected one`);
  }
  return problems;
}

describe('observability: kustomization and manifests', () => {
  it('kustomization: namespace observability, every file it names exists', () => {
    expect(kust.namespace).to.equal('observability');
    const files = [
      ...(kust.resources ?? []),
      ...(kust.configMapGenerator ?? []).flatMap((g) => (g.files ?? []).map((f) => f.split('=').pop() ?? f)),
    ];
    for (const f of files) expect(existsSync(join(OBS, f)), `${f} (named in kustomization.yaml)`).to.equal(true);
  });

  it('the dashboards ConfigMap carries exactly the dashboard files', () => {
    const gen = (kust.configMapGenerator ?? []).find((g) => g.name === 'grafana-dashboards');
    const listed = (gen?.files ?? []).map((f) => f.split('=').pop() ?? f).sort();
    const onDisk = readdirSync(join(OBS, 'grafana/dashboards')).filter((f) => f.endsWith('.json')).map((f) => `grafana/dashboards/${f}`).sort();
    expect(listed).to.deep.equal(onDisk);
  });

  it('namespace: meshed by annotation, pod security restricted', () => {
    const [ns] = byKind('Namespace');
    expect(ns && nameOf(ns)).to.equal('observability');
    expect(get(ns, 'metadata.annotations')).to.include({ 'linkerd.io/inject': 'enabled' });
    expect(get(ns, 'metadata.labels')).to.include({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  it('deployments: pinned images, restricted security contexts, requests and limits, probes', () => {
    const deploys = byKind('Deployment');
    expect(deploys.map(nameOf).sort()).to.deep.equal(Object.keys(PINNED).sort());
    for (const d of deploys) {
      expect(deploymentProblems(d)).to.deep.equal([]);
      expect(containers(d).map((c) => c['image'])).to.deep.equal([PINNED[nameOf(d)]]);
    }
  });

  it('the hardening check catches a latest image, a missing limit and a privileged container', () => {
    const d = structuredClone(byKind('Deployment')[0]) as Obj;
    const c = containers(d)[0] as Obj;
    c['image'] = 'prom/prometheus:latest';
    delete (c['resources'] as Obj)['limits'];
    (c['securityContext'] as Obj)['allowPrivilegeEscalation'] = true;
    const problems = deploymentProblems(d).join('\n');
    expect(problems).to.match(/image "prom\/prometheus:latest": expected a pinned tag/);
    expect(problems).to.match(/resources\.limits\.cpu: expected a value/);
    expect(problems).to.match(/allowPrivilegeEscalation: expected false/);
  });

  it('ServiceAccounts of the contract; deployments use theirs; referenced ConfigMaps/Secrets are generated', () => {
    const sas = byKind('ServiceAccount').map(nameOf).sort();
    expect(sas).to.deep.equal(['grafana', 'jaeger', 'otel-collector', 'prometheus']);
    for (const d of byKind('Deployment')) {
      expect(get(d, 'spec.template.spec.serviceAccountName'), nameOf(d)).to.equal(nameOf(d));
      const vols = (get(d, 'spec.template.spec.volumes') as Obj[]) ?? [];
      for (const v of vols) {
        if (isObj(v['configMap'])) expect(generatedConfigMaps.has(String(v['configMap']['name'])), `${nameOf(d)} volume ${String(v['name'])}`).to.equal(true);
      }
      for (const c of containers(d)) {
        for (const e of Array.isArray(c['env']) ? c['env'].filter(isObj) : []) {
          const ref = isObj(e['valueFrom']) && isObj(e['valueFrom']['secretKeyRef']) ? e['valueFrom']['secretKeyRef'] : null;
          if (ref) expect(generatedSecrets.has(String(ref['name'])), `${nameOf(d)} env ${String(e['name'])}`).to.equal(true);
        }
      }
    }
  });

  it('services select their deployment and target named container ports; contract ports', () => {
    const deploys = new Map(byKind('Deployment').map((d) => [nameOf(d), d]));
    const expected: Record<string, Record<string, number>> = {
      prometheus: { http: 9090 },
      grafana: { http: 3000 },
      jaeger: { 'otlp-grpc': 4317, 'http-ui': 16686 },
      'otel-collector': { 'otlp-grpc': 4317, 'otlp-http': 4318, metrics: 8889, health: 13133 },
    };
    for (const s of byKind('Service')) {
      const d = deploys.get(nameOf(s));
      if (!d) throw new Error(`Service ${nameOf(s)}: no Deployment of that name`);
      const podLabels = get(d, 'spec.template.metadata.labels') as Record<string, string>;
      for (const [k, v] of Object.entries(get(s, 'spec.selector') as Record<string, string>)) expect(podLabels[k], `Service ${nameOf(s)} selector ${k}`).to.equal(v);
      const ports = Object.fromEntries(servicePorts(s).map((p) => [p.name, p.port]));
      expect(ports, `Service ${nameOf(s)}`).to.deep.equal(expected[nameOf(s)]);
      for (const p of servicePorts(s)) expect(containerPort(d, String(p.targetPort)), `${nameOf(s)}:${p.name}`).to.equal(p.port);
    }
  });

  describe('network policies', () => {
    const policies = byKind('NetworkPolicy');
    const obs = (name: string): Endpoint => ({ namespace: 'observability', labels: { 'app.kubernetes.io/name': name } });
    const app = (ns: string, name: string): Endpoint => ({ namespace: ns, labels: { 'app.kubernetes.io/name': name } });
    const dns: Endpoint = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
    // The promised and refused flows across namespaces, on the wire: k8s/tests/flows.test.ts.
    it('the flow check catches a DNS rule without TCP and a missing default deny', () => {
      const noTcp = structuredClone(policies).map((p) => {
        if (nameOf(p) === 'allow-dns') ((get(p, 'spec.egress') as Obj[])[0] as Obj)['ports'] = [{ protocol: 'UDP', port: 53 }];
        return p;
      });
      expect(allowed(noTcp, 'observability', { from: obs('grafana'), to: dns, port: 53, protocol: 'TCP' })).to.equal(false);
      // without the ingress-isolating policies (default deny, jaeger's, the proxy ports'), jaeger is open
      const noDeny = policies.filter((p) => !['default-deny', 'jaeger', 'allow-linkerd-proxy'].includes(nameOf(p)));
      expect(allowed(noDeny, 'observability', { from: app('pingpong-plain', 'ponger'), to: obs('jaeger'), port: 4317 })).to.equal(true);
    });
  });

  describe('Grafana admin Secret input', () => {
    it('is generated locally and gitignored, never committed', () => {
      const envs = (kust.secretGenerator ?? []).find((g) => g.name === 'grafana-admin')?.envs ?? [];
      expect(envs).to.deep.equal(['grafana/admin.secret.env']);
      const ignore = readFileSync(join(OBS, '.gitignore'), 'utf8').split('\n');
      expect(ignore).to.include('grafana/admin.secret.env');
      const tracked = spawnSync('git', ['ls-files', '--error-unmatch', 'observability/grafana/admin.secret.env'], { cwd: join(OBS, '..'), encoding: 'utf8' });
      expect(tracked.status, 'admin.secret.env must not be tracked').to.not.equal(0);
    });

    it('the generator writes a random 32-character password once and keeps an existing file', () => {
      const dir = mkdtempSync(join(tmpdir(), 'obs-grafana-'));
      try {
        const script = join(OBS, 'scripts/gen-grafana-admin.sh');
        const run = (out: string) => spawnSync('bash', [script, out], { encoding: 'utf8', timeout: 10000 });
        const a = join(dir, 'a.env');
        const b = join(dir, 'b.env');
        expect(run(a).status).to.equal(0);
        expect(run(b).status).to.equal(0);
        const first = readFileSync(a, 'utf8');
        expect(first).to.match(/^admin-user=admin\nadmin-password=[A-Za-z0-9]{32}\n$/);
        expect(readFileSync(b, 'utf8')).to.not.equal(first);
        expect(run(a).status).to.equal(0);
        expect(readFileSync(a, 'utf8')).to.equal(first);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('passes shellcheck', function () {
      if (!existsSync('/usr/bin/shellcheck')) this.skip();
      const r = spawnSync('/usr/bin/shellcheck', [join(OBS, 'scripts/gen-grafana-admin.sh')], { encoding: 'utf8' });
      expect(r.status, r.stdout).to.equal(0);
    });
  });
});

// The observability stack as kubectl renders it (test/support/manifests.ts). Its pods and
// NetworkPolicies are held to the same rules as the apps' in k8s/tests/invariants.test.ts, its
// schemas in k8s/tests/schema.test.ts, its flows in k8s/tests/flows.test.ts; here: what is
// particular to the stack.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { describeRendered, find, type K8sObject, podTemplate, podTemplates, render, servicePorts } from '../../test/support/manifests.ts';
import { REPO_ROOT } from '../../test/support/repo.ts';

const OBS = join(REPO_ROOT, 'observability');

describeRendered('observability: the rendered stack', () => {
  const objs = (): K8sObject[] => render('observability');

  it('every object in namespace observability but the cluster-scoped ones; the namespace meshed, Pod Security restricted', () => {
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    const misplaced = objs().filter((o) =>
      clusterScoped.has(o.kind) ? o.metadata.namespace !== undefined : o.metadata.namespace !== 'observability',
    );
    expect(misplaced.map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal([]);
    const ns = find(objs(), 'Namespace', 'observability');
    expect(ns.metadata.annotations).to.include({ 'linkerd.io/inject': 'enabled' });
    expect(ns.metadata.labels).to.include({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  it('the dashboards ConfigMap carries exactly the dashboard files', () => {
    const cm = objs().find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-dashboards-'));
    const onDisk = readdirSync(join(OBS, 'grafana/dashboards'))
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect(Object.keys((cm?.['data'] ?? {}) as object).sort()).to.deep.equal(onDisk);
  });

  it('each Deployment runs as its own ServiceAccount, and every ConfigMap and Secret it uses is rendered (hash suffixes included)', () => {
    expect(
      objs()
        .filter((o) => o.kind === 'ServiceAccount')
        .map((o) => o.metadata.name)
        .sort(),
    ).to.deep.equal(['grafana', 'jaeger', 'otel-collector', 'prometheus']);
    const names = new Set(
      objs()
        .filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret')
        .map((o) => `${o.kind}/${o.metadata.name}`),
    );
    const refs: string[] = [];
    for (const t of podTemplates(objs())) {
      expect(t.spec.serviceAccountName, t.owner.metadata.name).to.equal(t.owner.metadata.name);
      for (const v of t.spec.volumes ?? []) {
        if (v.configMap) refs.push(`ConfigMap/${v.configMap.name}`);
        for (const s of v.projected?.sources ?? []) if (s.configMap) refs.push(`ConfigMap/${s.configMap.name}`);
      }
      for (const c of t.spec.containers)
        for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) refs.push(`Secret/${e.valueFrom.secretKeyRef.name}`);
    }
    // kube-root-ca.crt is published into every namespace by Kubernetes itself
    const ours = refs.filter((r) => r !== 'ConfigMap/kube-root-ca.crt');
    expect(ours.length).to.be.greaterThan(8);
    expect(
      ours.filter((r) => !names.has(r)),
      'referenced but not rendered',
    ).to.deep.equal([]);
    expect(ours.some((n) => /^Secret\/grafana-admin-[a-z0-9]+$/.test(n))).to.equal(true);
  });

  it('Grafana, on its read-only root, installs and updates no plugin at start (grafana.ini as rendered)', () => {
    const grafana = podTemplate(objs(), 'grafana').spec.containers.find((c) => c.name === 'grafana');
    expect(grafana?.securityContext?.readOnlyRootFilesystem).to.equal(true);
    const cm = objs().find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-config-'));
    const ini = String(((cm?.['data'] ?? {}) as Record<string, unknown>)['grafana.ini'] ?? '');
    const plugins = /^\[plugins\]\n((?:(?!\[).*\n?)*)/m.exec(ini)?.[1] ?? '';
    const settings = Object.fromEntries([...plugins.matchAll(/^(\w+)\s*=\s*(\S+)\s*$/gm)].map((m) => [m[1], m[2]]));
    expect(settings).to.include({ preinstall_disabled: 'true', preinstall_auto_update: 'false' });
  });

  it('Services have the ports of the contract (docs/interfaces.md)', () => {
    const ports = Object.fromEntries(
      objs()
        .filter((o) => o.kind === 'Service')
        .map((s) => [s.metadata.name, Object.fromEntries(servicePorts(s).map((p) => [p.name, p.port]))]),
    );
    expect(ports).to.deep.equal({
      prometheus: { http: 9090 },
      grafana: { http: 3000 },
      jaeger: { 'otlp-grpc': 4317, 'http-ui': 16686 },
      'otel-collector': { 'otlp-grpc': 4317, 'otlp-http': 4318, metrics: 8889, health: 13133 },
    });
  });
});

describe('observability: the Grafana admin Secret input', () => {
  it('is generated locally and gitignored, never committed', () => {
    const kust = readFileSync(join(OBS, 'kustomization.yaml'), 'utf8');
    expect(kust).to.match(/- name: grafana-admin\n\s+envs:\n\s+- grafana\/admin\.secret\.env\n/);
    expect(readFileSync(join(OBS, '.gitignore'), 'utf8').split('\n')).to.include('grafana/admin.secret.env');
    const tracked = spawnSync('git', ['ls-files', '--error-unmatch', 'observability/grafana/admin.secret.env'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(tracked.status, 'admin.secret.env must not be tracked').to.not.equal(0);
  });

  it('the generator writes a random 32-character password once and keeps an existing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'obs-grafana-'));
    try {
      const run = (out: string) =>
        spawnSync('bash', [join(OBS, 'scripts/gen-grafana-admin.sh'), out], { encoding: 'utf8', timeout: 10000 });
      const [a, b] = [join(dir, 'a.env'), join(dir, 'b.env')];
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
});

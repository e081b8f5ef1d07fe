// `kubectl kustomize observability` (kubectl's embedded kustomize) on a copy that has a
// generated Grafana admin file, then every rendered object against the Kubernetes API schemas
// the k8s tests vendor (unknown fields rejected, as `kubectl apply --validate=strict` would).
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBuiltIn, validateBuiltIn } from '../../k8s/tests/kube-schema.ts';
import { parseManifests, type K8sObject } from '../../k8s/tests/render.ts';
import { OBS } from './manifests.ts';
import { findTool } from '../../scripts/lib/find-tool.ts';

const KUBECTL = findTool('kubectl');

describe('observability: kubectl kustomize renders and validates', function () {
  this.timeout(60_000);
  let objs: K8sObject[] = [];
  let dir = '';

  before(function () {
    if (!KUBECTL) {
      if (process.env['CI']) throw new Error("kubectl not found in ./.bin or on PATH (CI must render): run 'make tools'");
      console.log("      skipped: no kubectl in ./.bin or on PATH; run 'make tools'");
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'obs-render-'));
    const copy = join(dir, 'observability');
    cpSync(OBS, copy, { recursive: true, filter: (src) => !src.endsWith('admin.secret.env') });
    const gen = spawnSync('bash', [join(copy, 'scripts/gen-grafana-admin.sh')], { encoding: 'utf8' });
    if (gen.status !== 0) throw new Error(`gen-grafana-admin.sh failed: ${gen.stderr}`);
    objs = parseManifests(execFileSync(KUBECTL ?? 'kubectl', ['kustomize', copy], { encoding: 'utf8', timeout: 30_000 }), 'observability');
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders every object into namespace observability (but the cluster-scoped ones)', () => {
    const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    expect(objs.length).to.be.greaterThan(25);
    for (const o of objs) {
      if (clusterScoped.has(o.kind)) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).to.equal(undefined);
      else expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).to.equal('observability');
    }
  });

  it('every object validates against the Kubernetes schema, strictly', () => {
    const errors = objs.flatMap((o) => (isBuiltIn(o.apiVersion, o.kind) ? validateBuiltIn(o, o.apiVersion, o.kind) : [`${o.apiVersion} ${o.kind}: not a built-in kind`]).map((e) => `${o.kind}/${o.metadata.name}: ${e}`));
    expect(errors).to.deep.equal([]);
  });

  it('the schema check rejects a misspelt field in our Deployment', () => {
    const d = structuredClone(objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'prometheus')) as K8sObject & { spec: { template: { spec: { containers: Array<{ securityContext: Record<string, unknown> }> } } } };
    const c = d.spec.template.spec.containers[0];
    if (!c) throw new Error('prometheus Deployment has no container');
    c.securityContext['readOnlyRootFileSystem'] = true;
    expect(validateBuiltIn(d, d.apiVersion, d.kind).join('\n')).to.match(/readOnlyRootFileSystem/);
  });

  it('generated names are wired: the Secret and ConfigMaps the Deployments use exist (with hash suffixes)', () => {
    const names = new Set(objs.filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret').map((o) => `${o.kind}/${o.metadata.name}`));
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, val] of Object.entries(v)) {
          const name = val && typeof val === 'object' ? (val as Record<string, unknown>)['name'] : undefined;
          if (k === 'configMap' && typeof name === 'string') refs.push(`ConfigMap/${name}`);
          else if (k === 'secretKeyRef' && typeof name === 'string') refs.push(`Secret/${name}`);
          walk(val);
        }
      }
    };
    walk(objs.filter((o) => o.kind === 'Deployment'));
    // kube-root-ca.crt is published into every namespace by Kubernetes itself
    const ours = refs.filter((r) => r !== 'ConfigMap/kube-root-ca.crt');
    expect(ours.length).to.be.greaterThan(8);
    for (const r of ours) expect(names.has(r), `${r} is referenced but not rendered`).to.equal(true);
    expect(ours.some((n) => /^Secret\/grafana-admin-[a-z0-9]+$/.test(n))).to.equal(true);
  });
});

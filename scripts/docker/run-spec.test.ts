import { expect } from 'chai';
import { missingTool } from '../../test/support/manifests.ts';
import { REPO_ROOT } from '../../test/support/repo.ts';
import { findTool } from '../lib/find-tool.ts';
import { dockerRunFlags, parseQuantity, renderBase, runSpecFromObjects } from './run-spec.ts';

type Obj = Record<string, unknown>;

/** A Deployment + ConfigMap pair shaped like k8s/base renders them (hashed ConfigMap name). */
function fixture(): Obj[] {
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'ponger' },
      spec: {
        template: {
          spec: {
            terminationGracePeriodSeconds: 20,
            securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 },
            containers: [
              {
                name: 'ponger',
                image: 'pingpong/ponger:0.1.0',
                args: ['-c', '/etc/pingpong/config.yaml'],
                env: [
                  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability.svc.cluster.local:4318' },
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'ZONE', value: 'local' },
                  { name: 'OTEL_RESOURCE_ATTRIBUTES', value: 'k8s.pod.name=$(POD_NAME)' },
                  { name: 'WHERE', value: 'zone=$(ZONE)' },
                ],
                ports: [
                  { name: 'http', containerPort: 8080 },
                  { name: 'admin', containerPort: 2112 },
                ],
                resources: { limits: { cpu: '500m', memory: '256Mi' } },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/pingpong', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: 'ponger-config-7g5h9k' } },
              { name: 'tmp', emptyDir: { sizeLimit: '32Mi' } },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'ponger-config-7g5h9k' },
      data: { 'config.yaml': 'service:\n  port: 8080\n' },
    },
  ];
}

function container(objs: Obj[]): Obj {
  const c = ((((objs[0] as Obj)['spec'] as Obj)['template'] as Obj)['spec'] as Obj)['containers'] as Obj[];
  return c[0] as Obj;
}

describe('scripts/docker run-spec: containers run the way the Deployment runs them', () => {
  it('reads user, limits, tmpfs, args, literal env, ports, config and grace from the manifests', () => {
    const spec = runSpecFromObjects(fixture(), 'ponger');
    expect(spec).to.include({ user: '10001:10001', memoryBytes: 256 * 1024 ** 2, cpus: 0.5, tmpfsBytes: 32 * 1024 ** 2, graceSeconds: 20 });
    expect(spec.args).to.deep.equal(['-c', '/etc/pingpong/config.yaml']);
    // $(ZONE) expands like Kubernetes does; a value referencing the dropped valueFrom entry is dropped
    expect(spec.env).to.deep.equal({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc.cluster.local:4318',
      ZONE: 'local',
      WHERE: 'zone=local',
    });
    expect(spec.ports).to.deep.equal({ http: 8080, admin: 2112 });
    expect(spec.configYaml).to.equal('service:\n  port: 8080\n');
  });

  it('turns the spec into the docker run hardening flags', () => {
    const flags = dockerRunFlags(runSpecFromObjects(fixture(), 'ponger'), '/tmp/cfg').join(' ');
    for (const f of [
      '--user 10001:10001',
      '--read-only',
      '--cap-drop ALL',
      '--security-opt no-new-privileges',
      `--memory ${256 * 1024 ** 2}`,
      '--cpus 0.5',
      '-v /tmp/cfg:/etc/pingpong:ro',
      `size=${32 * 1024 ** 2}`,
    ]) {
      expect(flags).to.include(f);
    }
  });

  it('parses Kubernetes quantities and rejects nonsense naming the key', () => {
    expect(parseQuantity('128Mi', 'x', 'k')).to.equal(134217728);
    expect(parseQuantity('1G', 'x', 'k')).to.equal(1e9);
    expect(parseQuantity('250m', 'x', 'k')).to.equal(0.25);
    expect(() => parseQuantity('lots', 'Deployment ponger', 'resources.limits.memory')).to.throw(
      /Deployment ponger: resources.limits.memory is "lots" \(expected a Kubernetes quantity/,
    );
  });

  const broken: [string, (objs: Obj[]) => void, RegExp][] = [
    [
      'a writable root filesystem',
      (o) => {
        (container(o)['securityContext'] as Obj)['readOnlyRootFilesystem'] = false;
      },
      /readOnlyRootFilesystem is false \(expected true\)/,
    ],
    [
      'a uid other than 10001',
      (o) => {
        (container(o)['securityContext'] as Obj)['runAsUser'] = 1000;
      },
      /runAsUser is 1000 \(expected 10001\)/,
    ],
    [
      'capabilities kept',
      (o) => {
        (container(o)['securityContext'] as Obj)['capabilities'] = { drop: ['NET_RAW'] };
      },
      /capabilities.drop .* \(expected \["ALL"\]\)/,
    ],
    [
      'privilege escalation allowed',
      (o) => {
        delete (container(o)['securityContext'] as Obj)['allowPrivilegeEscalation'];
      },
      /allowPrivilegeEscalation is undefined \(expected false\)/,
    ],
    [
      'no memory limit',
      (o) => {
        container(o)['resources'] = { limits: { cpu: '1' } };
      },
      /resources.limits.memory .*expected a memory limit/,
    ],
    [
      'no /tmp emptyDir',
      (o) => {
        container(o)['volumeMounts'] = [{ name: 'config', mountPath: '/etc/pingpong' }];
      },
      /volumeMounts\[mountPath=\/tmp\]/,
    ],
    [
      'the config file not passed with -c',
      (o) => {
        container(o)['args'] = [];
      },
      /args is \[\] \(expected \["-c", "\/etc\/pingpong\/config.yaml"\]\)/,
    ],
    [
      'a ConfigMap without config.yaml',
      (o) => {
        (o[1] as Obj)['data'] = { 'other.yaml': '' };
      },
      /ConfigMap ponger-config-7g5h9k: data\["config.yaml"\]/,
    ],
    [
      'a zero grace period',
      (o) => {
        ((((o[0] as Obj)['spec'] as Obj)['template'] as Obj)['spec'] as Obj)['terminationGracePeriodSeconds'] = 0;
      },
      /terminationGracePeriodSeconds is 0 \(expected a positive integer\)/,
    ],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`rejects ${what}`, () => {
      const objs = fixture();
      breakIt(objs);
      expect(() => runSpecFromObjects(objs, 'ponger')).to.throw(message);
    });
  }

  it('names the missing Deployment', () => {
    expect(() => runSpecFromObjects(fixture(), 'pinger')).to.throw(/no Deployment named pinger/);
  });

  it('the real k8s/base satisfies the image contract for both services', function () {
    if (!findTool('kubectl')) missingTool(this, 'kubectl not found (make tools)');
    const objs = renderBase(REPO_ROOT);
    expect(objs, 'rendered k8s/base').to.not.equal(undefined);
    for (const svc of ['pinger', 'ponger'] as const) {
      const spec = runSpecFromObjects(objs ?? [], svc);
      expect(spec.configYaml.length, `${svc} config.yaml`).to.be.greaterThan(0);
    }
  });
});

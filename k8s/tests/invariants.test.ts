// Each invariant holds on every render, and each catches a deliberately broken manifest.
import { expect } from 'chai';
import { describeRendered, fixture, type K8sObject, type Loose, render } from '../../test/support/manifests.ts';
import { SHOWCASE_INVARIANTS } from './invariants.ts';
import { appProtocolsKnownToLinkerd, dnsBothProtocols, networkPolicyPlacement, servicesSelectPods } from './invariants-network.ts';
import { type Check, imagesPinned, probesOnDeclaredPorts, resourcesEverywhere, restrictedPods } from './invariants-pods.ts';
import { OBSERVABILITY_IMAGES, OVERLAYS } from './project.ts';

const byName = fixture;
const container = (objs: K8sObject[], name: string): Loose => byName(objs, 'Deployment', name).spec.template.spec.containers[0];

const INVARIANTS = SHOWCASE_INVARIANTS;

/** invariant, mutation of a correct render, message the invariant must report. */
const BROKEN: [keyof typeof INVARIANTS, string, (objs: K8sObject[]) => void, RegExp][] = [
  [
    'restrictedSecurityContext',
    'privilege escalation allowed',
    (o) => {
      container(o, 'ponger').securityContext.allowPrivilegeEscalation = true;
    },
    /allowPrivilegeEscalation must be false/,
  ],
  [
    'restrictedSecurityContext',
    'capabilities not dropped',
    (o) => {
      container(o, 'pinger').securityContext.capabilities = { drop: ['NET_RAW'] };
    },
    /capabilities\.drop must contain ALL/,
  ],
  [
    'restrictedSecurityContext',
    'NET_ADMIN init container (linkerd-init without CNI)',
    (o) => {
      byName(o, 'Deployment', 'ponger').spec.template.spec.initContainers = [
        {
          name: 'linkerd-init',
          image: 'x',
          securityContext: { capabilities: { add: ['NET_ADMIN', 'NET_RAW'] }, runAsNonRoot: false, runAsUser: 0 },
        },
      ];
    },
    /container linkerd-init: .*(runAsNonRoot|NET_ADMIN)/,
  ],
  [
    'restrictedSecurityContext',
    'writable root filesystem',
    (o) => {
      delete container(o, 'ponger').securityContext.readOnlyRootFilesystem;
    },
    /readOnlyRootFilesystem must be true/,
  ],
  [
    'restrictedSecurityContext',
    'no seccomp profile anywhere',
    (o) => {
      const d = byName(o, 'Deployment', 'pinger');
      delete d.spec.template.spec.securityContext.seccompProfile;
      delete d.spec.template.spec.containers[0].securityContext.seccompProfile;
    },
    /seccompProfile\.type must be RuntimeDefault/,
  ],
  [
    'probesOnDeclaredPorts',
    'probe on an undeclared port',
    (o) => {
      container(o, 'ponger').readinessProbe.httpGet.port = 'metrics';
    },
    /readinessProbe port metrics is not a declared container port/,
  ],
  [
    'probesOnDeclaredPorts',
    'no liveness probe',
    (o) => {
      delete container(o, 'pinger').livenessProbe;
    },
    /no livenessProbe/,
  ],
  [
    'resourcesEverywhere',
    'no memory limit',
    (o) => {
      delete container(o, 'ponger').resources.limits.memory;
    },
    /resources\.limits\.memory missing/,
  ],
  [
    'imagesPinned',
    ':latest',
    (o) => {
      container(o, 'ponger').image = 'pingpong/ponger:latest';
    },
    /uses :latest/,
  ],
  [
    'imagesPinned',
    'untagged image',
    (o) => {
      container(o, 'pinger').image = 'pingpong/pinger';
    },
    /has no tag/,
  ],
  [
    'imagesPinned',
    'image name not mapped in base',
    (o) => {
      container(o, 'pinger').image = 'pingpong/pinger-v2:0.1.0';
    },
    /not one of the base images/,
  ],
  [
    'imagesPinned',
    'pull policy Always',
    (o) => {
      container(o, 'pinger').imagePullPolicy = 'Always';
    },
    /imagePullPolicy must be IfNotPresent/,
  ],
  [
    'servicesSelectPods',
    'selector matching no pod',
    (o) => {
      byName(o, 'Service', 'ponger').spec.selector = { app: 'ponger' };
    },
    /Service .*ponger: selector matches no pod template/,
  ],
  [
    'servicesSelectPods',
    'targetPort not declared',
    (o) => {
      byName(o, 'Service', 'ponger').spec.ports[0].targetPort = 'web';
    },
    /targetPort web is not declared/,
  ],
  [
    'appProtocolsKnownToLinkerd',
    'appProtocol Linkerd does not know (opaque TCP to the proxies)',
    (o) => {
      byName(o, 'Service', 'ponger').spec.ports[0].appProtocol = 'grpc';
    },
    /Service .*ponger port http: appProtocol "grpc" is unknown to Linkerd/,
  ],
  [
    'pingerTargetResolves',
    'URL naming no Service',
    (o) => {
      container(o, 'pinger').env.push({ name: 'PONGER_URL', value: 'http://pong:8080' });
    },
    /names Service pong/,
  ],
  [
    'pingerTargetResolves',
    'URL on the wrong port',
    (o) => {
      container(o, 'pinger').env.push({ name: 'PONGER_URL', value: 'http://ponger:9090' });
    },
    /has no port 9090/,
  ],
  [
    'pingerTargetResolves',
    'URL already ending in /ping',
    (o) => {
      container(o, 'pinger').env.push({ name: 'PONGER_URL', value: 'http://ponger:8080/ping' });
    },
    /must be a base URL/,
  ],
  [
    'dnsBothProtocols',
    'DNS on TCP only',
    (o) => {
      byName(o, 'NetworkPolicy', 'allow-dns').spec.egress[0].ports = [{ protocol: 'TCP', port: 53 }];
    },
    /no egress to kube-dns on UDP 53/,
  ],
  [
    'networkPolicyPlacement',
    'policy in a namespace without workloads',
    (o) => {
      o.push({ ...structuredClone(byName(o, 'NetworkPolicy', 'allow-dns')), metadata: { name: 'stray', namespace: 'elsewhere' } });
    },
    /no workload runs in namespace "elsewhere"/,
  ],
  [
    'networkPolicyPlacement',
    'no default deny',
    (o) => {
      const i = o.findIndex((x) => x.metadata.name === 'default-deny');
      o.splice(i, 1);
    },
    /without a default-deny/,
  ],
  [
    'networkPolicyPlacement',
    'policy selecting no pod',
    (o) => {
      byName(o, 'NetworkPolicy', 'ponger-ingress-from-pinger').spec.podSelector = { matchLabels: { app: 'ponger' } };
    },
    /podSelector matches no pod template/,
  ],
  [
    'appFlowAllowed',
    'default deny without the app flow',
    (o) => {
      const i = o.findIndex((x) => x.metadata.name === 'pinger-egress-to-ponger');
      o.splice(i, 1);
    },
    /no egress to ponger on 8080/,
  ],
  [
    'pdbHpaCompatible',
    'minAvailable equal to HPA minReplicas',
    (o) => {
      const p = byName(o, 'PodDisruptionBudget', 'ponger');
      delete p.spec.maxUnavailable;
      p.spec.minAvailable = 2;
    },
    /allows no eviction .* minReplicas 2/,
  ],
  [
    'pdbHpaCompatible',
    'minAvailable 100%',
    (o) => {
      const p = byName(o, 'PodDisruptionBudget', 'ponger');
      delete p.spec.maxUnavailable;
      p.spec.minAvailable = '100%';
    },
    /allows no eviction/,
  ],
];

describeRendered('k8s: invariants of the rendered manifests', () => {
  for (const [overlay, dir] of Object.entries(OVERLAYS)) {
    for (const [name, check] of Object.entries(INVARIANTS)) {
      it(`${overlay}: ${name} holds`, () => {
        expect(check(render(dir))).to.deep.equal([]);
      });
    }
  }

  // The observability stack under the same rules: its images run as their own non-root users.
  const OBSERVABILITY: Record<string, Check> = {
    restrictedPods: restrictedPods(),
    probesOnDeclaredPorts,
    resourcesEverywhere,
    imagesPinned: imagesPinned(OBSERVABILITY_IMAGES),
    servicesSelectPods,
    appProtocolsKnownToLinkerd,
    dnsBothProtocols,
    networkPolicyPlacement,
  };
  for (const [name, check] of Object.entries(OBSERVABILITY)) {
    it(`observability: ${name} holds`, () => {
      expect(check(render('observability'))).to.deep.equal([]);
    });
  }
  it('observability: every pinned image is used, by exactly one Deployment', () => {
    const images = render('observability')
      .filter((o) => o.kind === 'Deployment')
      .flatMap((d: Loose) => d.spec.template.spec.containers.map((c: Loose) => c.image));
    expect(images.sort()).to.deep.equal([...OBSERVABILITY_IMAGES].sort());
  });
  it('restrictedPods without a uid still refuses root and a mounted token', () => {
    const objs = render('observability');
    const pod = byName(objs, 'Deployment', 'grafana').spec.template.spec;
    pod.securityContext.runAsUser = 0;
    pod.automountServiceAccountToken = true;
    const errors = restrictedPods()(objs).join('\n');
    expect(errors).to.match(/grafana container grafana: securityContext\.runAsUser must be a non-zero id, got 0/);
    expect(errors).to.match(/grafana: automountServiceAccountToken must be false/);
  });

  for (const [name, what, mutate, expected] of BROKEN) {
    it(`${name} catches: ${what}`, () => {
      const objs = render(OVERLAYS.plain);
      expect(INVARIANTS[name](objs), 'holds before the mutation').to.deep.equal([]);
      mutate(objs);
      expect(INVARIANTS[name](objs).join('\n')).to.match(expected);
    });
  }
});

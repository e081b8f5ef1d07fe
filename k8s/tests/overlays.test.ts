// The plain and mesh overlays: what separates them, and that they can share a cluster.
import { expect } from 'chai';
import { describeRendered, fixture, type K8sObject, type Loose, render } from '../../test/support/manifests.ts';
import { linkerdRefsResolve, meshInjected, noLinkerd, overlaysCoexist, pongerHttpOnlyFromPinger } from './invariants-cluster.ts';
import { baseImages, OVERLAYS, packageVersion } from './project.ts';

const get = fixture;

describeRendered('k8s: overlays', () => {
  it('base images map pinger/ponger to pingpong/<svc> tagged with the package.json version', () => {
    expect(baseImages()).to.deep.equal([
      { name: 'pinger', newName: 'pingpong/pinger', newTag: packageVersion() },
      { name: 'ponger', newName: 'pingpong/ponger', newTag: packageVersion() },
    ]);
  });

  it('the version label carries the package.json version', () => {
    for (const o of render('k8s/base').filter((x) => x.kind === 'Deployment')) {
      expect(o.metadata.labels?.['app.kubernetes.io/version'], o.metadata.name).to.equal(packageVersion());
    }
  });

  for (const [name, dir] of Object.entries(OVERLAYS)) {
    it(`${name}: one Namespace, pingpong-${name}, enforcing Pod Security restricted at a pinned version`, () => {
      const namespaces = render(dir).filter((o) => o.kind === 'Namespace');
      expect(namespaces.map((n) => n.metadata.name)).to.deep.equal([`pingpong-${name}`]);
      const labels = namespaces[0]?.metadata.labels ?? {};
      for (const mode of ['enforce', 'warn', 'audit']) {
        expect(labels[`pod-security.kubernetes.io/${mode}`], mode).to.equal('restricted');
        expect(labels[`pod-security.kubernetes.io/${mode}-version`], `${mode}-version`).to.match(/^v1\.\d+$/);
      }
    });
  }

  for (const dir of ['k8s/base', OVERLAYS.plain]) {
    it(`${dir}: nothing Linkerd-specific`, () => {
      expect(noLinkerd(render(dir))).to.deep.equal([]);
    });
  }
  it('noLinkerd catches an injection annotation and a proxy port', () => {
    const objs = render(OVERLAYS.plain);
    get(objs, 'Deployment', 'ponger').spec.template.metadata.annotations = { 'linkerd.io/inject': 'enabled' };
    get(objs, 'NetworkPolicy', 'allow-dns').spec.egress[0].ports.push({ protocol: 'TCP', port: 4143 });
    const errors = noLinkerd(objs).join('\n');
    expect(errors).to.match(/Deployment pingpong-plain\/ponger: mentions Linkerd/);
    expect(errors).to.match(/allow-dns: opens a Linkerd proxy port/);
  });

  describe('mesh', () => {
    it('every app pod is injected and inbound policy defaults to deny', () => {
      expect(meshInjected(render(OVERLAYS.mesh))).to.deep.equal([]);
    });
    it('meshInjected catches a pod opting out and a namespace without deny', () => {
      const objs = render(OVERLAYS.mesh);
      get(objs, 'Deployment', 'pinger').spec.template.metadata.annotations['linkerd.io/inject'] = 'disabled';
      delete get(objs, 'Namespace', 'pingpong-mesh').metadata.annotations['config.linkerd.io/default-inbound-policy'];
      const errors = meshInjected(objs).join('\n');
      expect(errors).to.match(/pinger: not injected/);
      expect(errors).to.match(/default-inbound-policy must be deny/);
    });

    it("ponger always labels the identity it authorizes: pinger's ServiceAccount in this namespace", () => {
      const objs = render(OVERLAYS.mesh);
      const env = get(objs, 'Deployment', 'ponger').spec.template.spec.containers[0].env as { name: string; value?: string }[];
      const sa = get(objs, 'MeshTLSAuthentication', 'pinger').spec.identityRefs[0].name as string;
      expect(env.find((e) => e.name === 'IDENTITY_EXPECTED')?.value).to.equal(
        `${sa}.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local`,
      );
      expect(JSON.stringify(render(OVERLAYS.plain))).not.to.include('IDENTITY_EXPECTED');
    });

    it("ponger's http port is authorized for pinger's ServiceAccount only", () => {
      expect(pongerHttpOnlyFromPinger(render(OVERLAYS.mesh))).to.deep.equal([]);
    });
    const broken: [string, (o: K8sObject[]) => void, RegExp][] = [
      [
        'a second identity',
        (o) => {
          get(o, 'MeshTLSAuthentication', 'pinger').spec.identityRefs.push({ kind: 'ServiceAccount', name: 'ponger' });
        },
        /must authorize exactly pinger\.pingpong-mesh, authorizes pinger\.pingpong-mesh, ponger\.pingpong-mesh/,
      ],
      [
        'the wrong identity',
        (o) => {
          get(o, 'MeshTLSAuthentication', 'pinger').spec.identityRefs[0].name = 'default';
        },
        /authorizes default\.pingpong-mesh/,
      ],
      [
        'a network (unauthenticated) authorization',
        (o) => {
          get(o, 'AuthorizationPolicy', 'ponger-ping-from-pinger').spec.requiredAuthenticationRefs = [
            { group: 'policy.linkerd.io', kind: 'NetworkAuthentication', name: 'kubelet' },
          ];
        },
        /authorizes \* \(NetworkAuthentication\)/,
      ],
      [
        'no Server on http',
        (o) => {
          get(o, 'Server', 'ponger-http').spec.port = 'admin';
        },
        /expected exactly one Server on port http, found 0/,
      ],
      [
        'no authorization at all',
        (o) => {
          o.splice(
            o.findIndex((x) => x.metadata.name === 'ponger-ping-from-pinger'),
            1,
          );
        },
        /no AuthorizationPolicy/,
      ],
    ];
    for (const [what, mutate, expected] of broken) {
      it(`pongerHttpOnlyFromPinger catches ${what}`, () => {
        const objs = render(OVERLAYS.mesh);
        mutate(objs);
        expect(pongerHttpOnlyFromPinger(objs).join('\n')).to.match(expected);
      });
    }

    it('Linkerd references resolve (routes, targets, authentications, Server ports)', () => {
      expect(linkerdRefsResolve(render(OVERLAYS.mesh))).to.deep.equal([]);
    });
    it('linkerdRefsResolve catches dangling references and undeclared ports', () => {
      const objs = render(OVERLAYS.mesh);
      get(objs, 'HTTPRoute', 'ponger-ping').spec.parentRefs[0].name = 'ponger-htp';
      get(objs, 'AuthorizationPolicy', 'app-admin-metrics-from-prometheus').spec.requiredAuthenticationRefs[0].name = 'prom';
      get(objs, 'Server', 'app-admin').spec.port = 'metrics';
      const errors = linkerdRefsResolve(objs).join('\n');
      expect(errors).to.match(/ponger-ping: parentRef Server ponger-htp not rendered/);
      expect(errors).to.match(/authentication MeshTLSAuthentication prom not rendered/);
      expect(errors).to.match(/app-admin: port metrics is not declared/);
    });

    it('authorizes Prometheus by its mTLS identity on the app and proxy admin ports', () => {
      const objs = render(OVERLAYS.mesh);
      expect(get(objs, 'MeshTLSAuthentication', 'prometheus').spec.identities).to.deep.equal([
        'prometheus.observability.serviceaccount.identity.linkerd.cluster.local',
      ]);
      const targets = objs
        .filter(
          (o) =>
            o.kind === 'AuthorizationPolicy' && (o as Loose).spec.requiredAuthenticationRefs.some((r: Loose) => r.name === 'prometheus'),
        )
        .map((o) => (o as Loose).spec.targetRef.name);
      expect(targets.sort()).to.deep.equal(['app-admin-metrics', 'linkerd-admin-metrics']);
    });
  });

  it('plain and mesh can be applied side by side', () => {
    expect(overlaysCoexist(render(OVERLAYS.plain), render(OVERLAYS.mesh))).to.deep.equal([]);
  });
  it('overlaysCoexist catches a shared namespace and an object outside its overlay', () => {
    const mesh = render(OVERLAYS.mesh);
    get(mesh, 'Namespace', 'pingpong-mesh').metadata.name = 'pingpong-plain';
    const errors = overlaysCoexist(render(OVERLAYS.plain), mesh).join('\n');
    expect(errors).to.match(/namespace pingpong-plain is rendered by both overlays/);
    expect(errors).to.match(/not in a namespace its overlay renders/);
  });
});

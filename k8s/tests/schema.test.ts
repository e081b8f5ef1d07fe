// Every object of every kustomization we ship, against its API schema, strictly (unknown fields
// rejected, as `kubectl apply --validate=strict` would), and the validators' negative tests.
import { expect } from 'chai';
import { describeRendered, id, type K8sObject, type Loose, render } from '../../test/support/manifests.ts';
import { schemaErrors } from './linkerd-schema.ts';
import { OVERLAYS, ROLLOUT_STAGES } from './project.ts';

function deployment(): K8sObject {
  const d = render('k8s/base').find((o) => o.kind === 'Deployment' && o.metadata.name === 'ponger');
  if (!d) throw new Error('base renders no ponger Deployment');
  return d;
}

function linkerd(kind: string): K8sObject {
  const o = render(OVERLAYS.mesh).find((x) => x.kind === kind);
  if (!o) throw new Error(`mesh renders no ${kind}`);
  return o;
}

describeRendered('k8s: every rendered object validates against its API schema, strictly', () => {
  for (const dir of ['k8s/base', OVERLAYS.plain, OVERLAYS.mesh, ...Object.values(ROLLOUT_STAGES), 'observability']) {
    it(`${dir}: no schema errors, no unknown fields`, () => {
      const errors = render(dir).flatMap((o) => schemaErrors(o).map((e) => `${id(o)}: ${e}`));
      expect(errors).to.deep.equal([]);
    });
  }

  const broken: { name: string; mutate: (o: Loose) => void; expected: RegExp; source: () => K8sObject }[] = [
    {
      name: 'a misspelt field (readOnlyRootFileSystem)',
      source: deployment,
      mutate: (d) => {
        d.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem = true;
      },
      expected: /unknown field "spec\.template\.spec\.containers\[0\]\.securityContext\.readOnlyRootFileSystem"/,
    },
    {
      name: 'a wrong type (replicas: "two")',
      source: deployment,
      mutate: (d) => {
        d.spec.replicas = 'two';
      },
      expected: /spec\/replicas must be integer/,
    },
    {
      name: 'a missing required field (container name)',
      source: deployment,
      mutate: (d) => {
        delete d.spec.template.spec.containers[0].name;
      },
      expected: /must have required property '?name'?/,
    },
    {
      name: 'an unknown metadata field',
      source: deployment,
      mutate: (d) => {
        d.metadata.lables = {};
      },
      expected: /unknown field "metadata\.lables"/,
    },
    {
      name: 'a kind the API version does not serve',
      source: deployment,
      mutate: (d) => {
        d.apiVersion = 'extensions/v1beta1';
      },
      expected: /not a kind served by Kubernetes 1\.33|neither/,
    },
    {
      name: 'a Linkerd Server with an unknown field',
      source: () => linkerd('Server'),
      mutate: (s) => {
        s.spec.proxyprotocol = 'HTTP/1';
      },
      expected: /must NOT have additional properties "proxyprotocol"/,
    },
    {
      name: 'a Linkerd Server without port',
      source: () => linkerd('Server'),
      mutate: (s) => {
        delete s.spec.port;
      },
      expected: /must have required property 'port'/,
    },
    {
      name: 'a Linkerd kind at a version 2.20 does not serve here',
      source: () => linkerd('AuthorizationPolicy'),
      mutate: (a) => {
        a.apiVersion = 'policy.linkerd.io/v1beta9';
      },
      expected: /not a Linkerd 2\.20 kind\/version/,
    },
    {
      name: 'an AuthorizationPolicy aimed at an HTTPRoute of neither Linkerd nor the Gateway API',
      source: () => linkerd('AuthorizationPolicy'),
      mutate: (a) => {
        a.spec.targetRef = { group: 'example.com', kind: 'HTTPRoute', name: 'x' };
      },
      expected:
        /targetRef\.group: an HTTPRoute target's group is one of policy\.linkerd\.io, gateway\.networking\.k8s\.io, got example\.com/,
    },
    {
      name: 'an AuthorizationPolicy aimed at another namespace',
      source: () => linkerd('AuthorizationPolicy'),
      mutate: (a) => {
        a.spec.targetRef = { kind: 'Namespace', name: `not-${String(a.metadata.namespace)}` };
      },
      expected: /cannot target another namespace/,
    },
    {
      name: 'an AuthorizationPolicy with a MeshTLSAuthentication and a ServiceAccount',
      source: () => linkerd('AuthorizationPolicy'),
      mutate: (a) => {
        a.spec.requiredAuthenticationRefs = [
          { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'a' },
          { kind: 'ServiceAccount', name: 'b' },
        ];
      },
      expected: /a MeshTLSAuthentication and ServiceAccount may not be set together/,
    },
    {
      name: 'a Linkerd Server with a misspelt accessPolicy',
      source: () => linkerd('Server'),
      mutate: (s) => {
        s.spec.accessPolicy = 'audti';
      },
      expected: /spec\.accessPolicy: expected one of .*audit, got audti/,
    },
    {
      name: 'an AuthorizationPolicy with two MeshTLSAuthentications',
      source: () => linkerd('AuthorizationPolicy'),
      mutate: (a) => {
        a.spec.requiredAuthenticationRefs = [
          { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'a' },
          { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: 'b' },
        ];
      },
      expected: /only a single MeshTLSAuthentication/,
    },
    {
      name: 'an HTTPRoute with a bad method',
      source: () => linkerd('HTTPRoute'),
      mutate: (r) => {
        r.spec.rules[0].matches[0].method = 'FETCH';
      },
      expected: /must be equal to one of the allowed values/,
    },
    {
      name: 'a MeshTLSAuthentication with neither identities nor identityRefs',
      source: () => linkerd('MeshTLSAuthentication'),
      mutate: (m) => {
        m.spec = {};
      },
      expected: /must match exactly one schema in oneOf/,
    },
  ];
  for (const b of broken) {
    it(`rejects ${b.name}`, () => {
      const o = b.source();
      b.mutate(o);
      expect(schemaErrors(o).join('\n')).to.match(b.expected);
    });
  }
});

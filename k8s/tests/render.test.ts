import { expect } from 'chai';
import { kubectlPath, parseManifests, render } from './render.ts';

// observability/ has its own render test (observability/tests/render.test.ts): it renders a copy
// with the generated Grafana secret the repo deliberately does not hold.
const KUSTOMIZATIONS = ['k8s/base', 'k8s/overlays/plain', 'k8s/overlays/mesh'];

describe('k8s: kustomize renders', () => {
  it('finds kubectl (kustomize v5 embedded)', () => {
    expect(kubectlPath()).to.be.a('string');
  });

  for (const dir of KUSTOMIZATIONS) {
    it(`renders ${dir}`, () => {
      expect(render(dir).length, `${dir} renders objects`).to.be.greaterThan(0);
    });
  }

  it('reports a broken kustomization with the kustomize error', () => {
    expect(() => render('k8s/tests/no-such-kustomization')).to.throw(/kubectl kustomize k8s\/tests\/no-such-kustomization failed/);
  });

  it('rejects a document that is not a Kubernetes object', () => {
    expect(() => parseManifests('kind: Foo\n', 'test')).to.throw(/without apiVersion\/kind/);
    expect(() => parseManifests('- a\n', 'test')).to.throw(/expected a mapping/);
  });
});

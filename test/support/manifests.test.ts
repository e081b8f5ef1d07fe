import { expect } from 'chai';
import { describeRendered, mapSelects, parseManifests, render, selects } from './manifests.ts';

describeRendered('test/support/manifests: rendering', () => {
  it('reports a broken kustomization with the kustomize error', () => {
    expect(() => render('k8s/tests/no-such-kustomization')).to.throw(/kubectl kustomize k8s\/tests\/no-such-kustomization failed/);
  });

  it('renders observability/ from a copy with a generated Grafana admin Secret (the real file is gitignored)', () => {
    const secrets = render('observability')
      .filter((o) => o.kind === 'Secret')
      .map((o) => o.metadata.name);
    expect(secrets).to.have.length(1);
    expect(secrets[0]).to.match(/^grafana-admin-[a-z0-9]+$/);
  });
});

describe('test/support/manifests: parsing and selectors', () => {
  it('rejects a document that is not a Kubernetes object', () => {
    expect(() => parseManifests('kind: Foo\n', 'test')).to.throw(/without apiVersion\/kind/);
    expect(() => parseManifests('- a\n', 'test')).to.throw(/expected a mapping/);
    expect(() => parseManifests('apiVersion: v1\nkind: A\nmetadata: {}\n', 'test')).to.throw(/A without metadata\.name/);
  });

  it('selects as the LabelSelector API says: null nothing, empty everything, expressions ANDed', () => {
    const labels = { app: 'a', tier: 'web' };
    expect(selects(undefined, labels)).to.equal(false);
    expect(selects({}, labels)).to.equal(true);
    expect(selects({ matchLabels: { app: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['db'] }] }, labels)).to.equal(
      false,
    );
    expect(
      selects(
        {
          matchExpressions: [
            { key: 'zone', operator: 'NotIn', values: ['x'] },
            { key: 'zone', operator: 'DoesNotExist' },
            { key: 'app', operator: 'Exists' },
          ],
        },
        labels,
      ),
    ).to.equal(true);
    expect(() => selects({ matchExpressions: [{ key: 'app', operator: 'Equals' }] }, labels)).to.throw(/operator Equals is not one of/);
    expect(mapSelects({}, labels), 'an empty Service selector selects nothing').to.equal(false);
    expect(mapSelects({ app: 'a' }, labels)).to.equal(true);
  });
});

import { expect } from 'chai';
import { IdentityLabeler, isLinkerdIdentity, MAX_IDENTITY_LENGTH } from './identity.ts';

const PINGER = 'pinger.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local';

describe('ponger/identity', () => {
  it('accepts Linkerd identity shapes and rejects everything else', () => {
    expect(isLinkerdIdentity(PINGER)).to.equal(true);
    expect(isLinkerdIdentity('prometheus.observability.serviceaccount.identity.linkerd.example.org')).to.equal(true);
    expect(isLinkerdIdentity('a.b.serviceaccount.identity.linkerd.local'), 'a one-label trust domain').to.equal(true);
    const longest = `a.b.serviceaccount.identity.linkerd.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(60)}.${'f'.repeat(34)}`;
    expect(longest.length).to.equal(MAX_IDENTITY_LENGTH);
    expect(isLinkerdIdentity(longest), 'the longest DNS name').to.equal(true);
    for (const bad of [
      '',
      'pinger',
      'pinger.pingpong-mesh.serviceaccount.identity.linkerd', // no trust domain
      'pinger.pingpong-mesh.sa.identity.linkerd.cluster.local',
      'pinger.pingpong-mesh.serviceaccount.identities.linkerd.cluster.local',
      'pinger.pingpong-mesh.serviceaccount.identity.istio.cluster.local',
      'Pinger.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local',
      'pinger..serviceaccount.identity.linkerd.cluster.local',
      '-x.ns.serviceaccount.identity.linkerd.cluster.local',
      'a b.ns.serviceaccount.identity.linkerd.cluster.local',
      `${'a'.repeat(64)}.ns.serviceaccount.identity.linkerd.cluster.local`,
      `${PINGER}\r\nx-evil: 1`,
      `${'a.'.repeat(120)}ns.serviceaccount.identity.linkerd.cluster.local`,
    ])
      expect(isLinkerdIdentity(bad), bad).to.equal(false);
    expect(isLinkerdIdentity(`${longest}f`), 'one character past 253').to.equal(false);
  });

  it('labels none, invalid, the first maxSeries identities, then other', () => {
    const l = new IdentityLabeler(2);
    expect(l.classify(undefined)).to.deep.equal({ kind: 'none', reported: 'none', label: 'none' });
    expect(l.classify(''), 'an empty header').to.deep.equal({ kind: 'none', reported: 'none', label: 'none' });
    expect(l.classify('forged')).to.deep.equal({ kind: 'invalid', reported: 'invalid', label: 'invalid' });
    expect(l.classify([PINGER, PINGER]).label).to.equal('invalid');
    const id = (sa: string) => `${sa}.ns.serviceaccount.identity.linkerd.cluster.local`;
    expect(l.classify(id('a')).label).to.equal(id('a'));
    expect(l.classify(id('b')).label).to.equal(id('b'));
    expect(l.classify(id('c'))).to.deep.equal({ kind: 'identity', reported: id('c'), label: 'other' });
    expect(l.classify(id('a')).label).to.equal(id('a'));
    expect(new IdentityLabeler(0).classify(id('a')).label).to.equal('other');
  });

  it('always labels the expected identities, so forged ones cannot starve them', () => {
    const id = (sa: string) => `${sa}.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local`;
    const l = new IdentityLabeler(20, [PINGER]);
    for (let i = 0; i < 20; i++) expect(l.classify(id(`forged${i}`)).label).to.equal(id(`forged${i}`));
    expect(l.classify(id('forged20')).label).to.equal('other');
    expect(l.classify(PINGER)).to.deep.equal({ kind: 'identity', reported: PINGER, label: PINGER });
    // without the list, the genuine caller arriving after 20 forged ones is `other`
    const plain = new IdentityLabeler(20);
    for (let i = 0; i < 20; i++) plain.classify(id(`forged${i}`));
    expect(plain.classify(PINGER).label).to.equal('other');
    expect(new IdentityLabeler(0, [PINGER]).classify(PINGER).label).to.equal(PINGER);
  });
});

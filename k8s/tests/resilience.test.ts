// Retries, timeouts and failure accrual for pinger -> ponger: in the mesh overlay only, in the
// syntax Linkerd 2.20 accepts, consistent with pinger's own timeout (ADR/0012).
import { expect } from 'chai';
import { describeRendered, id, type K8sObject, render } from '../../test/support/manifests.ts';
import { OVERLAYS } from './project.ts';
import { budgetProblems, linkerdDurationMs, pingerTimeouts, RESILIENCE_PREFIXES, resilienceOf, retryBackoffMaxMs } from './resilience.ts';

const service = (objs: K8sObject[], name: string): K8sObject => {
  const s = objs.find((o) => o.kind === 'Service' && o.metadata.name === name);
  if (!s) throw new Error(`no Service ${name}`);
  return s;
};
const resilienceAnnotations = (objs: K8sObject[]) =>
  objs.flatMap((o) =>
    Object.keys(o.metadata.annotations ?? {})
      .filter((k) => RESILIENCE_PREFIXES.some((p) => k.startsWith(p)))
      .map((k) => `${id(o)}: ${k}`),
  );

describeRendered('k8s: resilience for pinger -> ponger (mesh overlay only)', () => {
  it('the mesh ponger Service carries retries, a request timeout and failure accrual', () => {
    const r = resilienceOf(service(render(OVERLAYS.mesh), 'ponger'));
    expect(r).to.deep.equal({
      retryLimit: 3,
      retryStatuses: '5xx',
      retryTimeoutMs: 60,
      requestTimeoutMs: 600,
      accrual: 'consecutive',
      maxFailures: 5,
    });
  });

  it('only the ponger Service of the mesh overlay carries them: nothing in base or plain', () => {
    expect(resilienceAnnotations(render('k8s/base'))).to.deep.equal([]);
    expect(resilienceAnnotations(render(OVERLAYS.plain))).to.deep.equal([]);
    expect([...new Set(resilienceAnnotations(render(OVERLAYS.mesh)).map((a) => a.split(':')[0]))]).to.deep.equal([
      'Service pingpong-mesh/ponger',
    ]);
  });

  it('no ServiceProfile is rendered: one with routes would make the proxies ignore these settings', () => {
    for (const dir of Object.values(OVERLAYS))
      expect(
        render(dir)
          .filter((o) => o.kind === 'ServiceProfile')
          .map(id),
        dir,
      ).to.deep.equal([]);
  });

  it('pinger gives up later than the mesh, every attempt fits the budget, and pinger does not retry on top', () => {
    const r = resilienceOf(service(render(OVERLAYS.mesh), 'ponger'));
    expect(budgetProblems(r, pingerTimeouts())).to.deep.equal([]);
  });

  it('the budget check catches a request timeout pinger cannot wait for, attempts that cannot fit, and app retries', () => {
    const r = resilienceOf(service(render(OVERLAYS.mesh), 'ponger'));
    const problems = budgetProblems({ ...r, requestTimeoutMs: 900, retryTimeoutMs: 300 }, { timeoutMs: 800, retries: 2 }).join('\n');
    expect(problems).to.match(
      /300 ms x 4 attempts \+ up to 350 ms of backoff between them = 1550 ms exceeds timeout\.linkerd\.io\/request 900 ms/,
    );
    expect(problems).to.match(/ping\.timeoutMs 800 ms must exceed timeout\.linkerd\.io\/request 900 ms/);
    expect(problems).to.match(/ping\.retries is 2/);
  });

  it("counts the proxy's backoff between attempts: 4 x 150 ms fill 600 ms and leave no room for the waits before the 3 retries; 4 x 60 ms do", () => {
    expect([0, 1, 2, 3, 4, 5].map(retryBackoffMaxMs)).to.deep.equal([50, 100, 200, 250, 250, 250]);
    const r = resilienceOf(service(render(OVERLAYS.mesh), 'ponger'));
    const tight = { ...r, retryLimit: 3, retryTimeoutMs: 150, requestTimeoutMs: 600 };
    expect(budgetProblems(tight, pingerTimeouts()).join('\n')).to.match(
      /150 ms x 4 attempts \+ up to 350 ms of backoff between them = 950 ms exceeds/,
    );
    expect(budgetProblems({ ...tight, retryTimeoutMs: 60 }, pingerTimeouts())).to.deep.equal([]);
  });

  it('reads durations as Linkerd does: whole numbers with a unit; fractions and bare numbers are refused', () => {
    expect(linkerdDurationMs('150ms')).to.equal(150);
    expect(linkerdDurationMs('10s')).to.equal(10_000);
    expect(linkerdDurationMs('0')).to.equal(0);
    expect(() => linkerdDurationMs('0.5s')).to.throw(/not a Linkerd duration/);
    expect(() => linkerdDurationMs('500')).to.throw(/missing duration unit/);
    expect(() => linkerdDurationMs('-1s')).to.throw(/not a Linkerd duration/);
  });

  it('rejects a misspelt value with the annotation named', () => {
    const svc = service(render(OVERLAYS.mesh), 'ponger');
    const broken = (k: string, v: string) => {
      const s = structuredClone(svc);
      s.metadata.annotations![k] = v;
      return () => resilienceOf(s);
    };
    expect(broken('retry.linkerd.io/http', '5XX,50x')).to.throw(/retry\.linkerd\.io\/http: invalid retry condition "50x"/);
    expect(broken('balancer.linkerd.io/failure-accrual', 'consecutve')).to.throw(/failure-accrual: expected consecutive or unified/);
    expect(broken('retry.linkerd.io/limit', 'three')).to.throw(/retry\.linkerd\.io\/limit/);
    expect(broken('retry.linkerd.io/limit', '0')).to.throw(/retry\.linkerd\.io\/limit: .*0 means the default 1, not none/);
    expect(broken('retry.linkerd.io/http', '502-504')).to.not.throw();
    expect(broken('retry.linkerd.io/http', '504-502')).to.throw(/invalid retry condition "504-502"/);
  });
});

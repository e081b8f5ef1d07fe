// make resilience-demo, make zero-trust-rollout and make zero-trust-demo without a cluster: the
// order of their commands (DRY_RUN=1, through make), whole runs against a fake kubectl (and a fake
// Prometheus), and the clean-up on an interrupt: the fault is removed, the throwaway namespace
// deleted.

import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { commands, dryRun, phases } from './support/dry-run.ts';
import { REPO_ROOT } from './support/repo.ts';
import { run } from './support/run.ts';

// A kubectl that records every call and answers nothing (no pod ever finishes).
const FAKE_KUBECTL = `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$FAKE_STATE/calls"
case " $* " in *" -f - "*) cat >/dev/null ;; esac
exit 0
`;
class Fake {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'fake-kubectl-'));
  constructor(kubectl = FAKE_KUBECTL) {
    mkdirSync(path.join(this.dir, 'bin'));
    writeFileSync(path.join(this.dir, 'bin/kubectl'), kubectl);
    chmodSync(path.join(this.dir, 'bin/kubectl'), 0o755);
    writeFileSync(path.join(this.dir, 'calls'), '');
  }
  calls(): string[] {
    return readFileSync(path.join(this.dir, 'calls'), 'utf8').split('\n').filter(Boolean);
  }
  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PATH: `${this.dir}/bin:${process.env['PATH']}`,
      BIN_DIR: `${this.dir}/bin`,
      FAKE_STATE: this.dir,
      DRY_RUN: '0',
      ...extra,
    };
  }
  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Run a script without blocking the event loop (the fake Prometheus answers from this process). */
function runAsync(script: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(path.join(REPO_ROOT, script), [], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const limit = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Start a script, send `signal` once its stdout shows `when`, resolve with its exit and output. */
function interrupt(script: string, env: NodeJS.ProcessEnv, when: RegExp, signal: NodeJS.Signals) {
  return new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(path.join(REPO_ROOT, script), [], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const limit = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script}: no ${when} within 30 s: ${out}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!sent && when.test(out)) {
        sent = true;
        setTimeout(() => child.kill(signal), 300);
      }
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(limit);
      resolve({ code, out });
    });
  });
}

describe('make resilience-demo', function () {
  this.timeout(60_000);
  const fakes: Fake[] = [];
  const fake = () => {
    const f = new Fake();
    fakes.push(f);
    return f;
  };
  after(() => {
    for (const f of fakes) f.cleanup();
  });

  it('DRY_RUN=1: fault on in both namespaces, rollouts, wait, measure, fault off', () => {
    const out = dryRun('resilience-demo');
    expect(phases(out)).to.deep.equal(['faults-on', 'wait', 'measure', 'faults-off']);
    const cmds = commands(out).map((c) => c.replace(/^env WINDOW=(\S+) \S+\/node /, 'env WINDOW=$1 node '));
    expect(cmds).to.deep.equal([
      'kubectl -n pingpong-plain set env deployment/ponger FAULT_ERROR_RATE=0.5',
      'kubectl -n pingpong-mesh set env deployment/ponger FAULT_ERROR_RATE=0.5',
      'kubectl -n pingpong-plain rollout status deployment/ponger --timeout=180s',
      'kubectl -n pingpong-mesh rollout status deployment/ponger --timeout=180s',
      'sleep 20',
      'sleep 120',
      'env WINDOW=120s node scripts/lib/compare.ts resilience',
      'kubectl -n pingpong-plain set env deployment/ponger FAULT_ERROR_RATE-',
      'kubectl -n pingpong-mesh set env deployment/ponger FAULT_ERROR_RATE-',
      'kubectl -n pingpong-plain rollout status deployment/ponger --timeout=180s',
      'kubectl -n pingpong-mesh rollout status deployment/ponger --timeout=180s',
    ]);
  });

  it('refuses a bad fault rate or window, naming the variable, before touching the cluster', () => {
    const f = fake();
    for (const [k, v] of [
      ['FAULT_ERROR_RATE', '50%'],
      ['FAULT_ERROR_RATE', '1.5'],
      ['FAULT_SECONDS', '0'],
      ['SETTLE_SECONDS', '-1'],
    ] as const) {
      const r = run('scripts/resilience-demo.sh', [], { env: f.env({ [k]: v }) });
      expect(r.status, `${k}=${v}`).to.equal(1);
      expect(r.stderr).to.include(`${k}: expected`);
    }
    expect(f.calls()).to.deep.equal([]);
  });

  describe('a whole run against a fake kubectl and a fake Prometheus', () => {
    let server: Server;
    let promUrl = '';
    const queries: string[] = [];
    before(async () => {
      server = createServer((req, res) => {
        const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query') ?? '';
        queries.push(q);
        const mesh = q.includes('pingpong-mesh');
        let v: string | null = '0';
        if (q.includes('outcome="success"')) v = mesh ? '0.94' : '0.5';
        else if (q.includes('outbound_http')) v = mesh ? '12' : null;
        else if (q.includes('pinger_requests_total')) v = '60';
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({ status: 'success', data: { resultType: 'vector', result: v === null ? [] : [{ metric: {}, value: [1, v] }] } }),
        );
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      promUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('sets the fault, measures over the window it asked for, removes the fault, and prints one RESULT per namespace', async () => {
      const f = fake();
      const r = await runAsync('scripts/resilience-demo.sh', f.env({ PROM_URL: promUrl, FAULT_SECONDS: '1', SETTLE_SECONDS: '0' }));
      expect(r.code, r.stderr).to.equal(0);
      expect(f.calls().filter((c) => !c.startsWith('version'))).to.deep.equal([
        '-n pingpong-plain set env deployment/ponger FAULT_ERROR_RATE=0.5',
        '-n pingpong-mesh set env deployment/ponger FAULT_ERROR_RATE=0.5',
        // the wait runs in 10 s slices, checking for pods that cannot get their image (scripts/lib/pods.sh)
        '-n pingpong-plain rollout status deployment/ponger --timeout=10s',
        '-n pingpong-mesh rollout status deployment/ponger --timeout=10s',
        '-n pingpong-plain set env deployment/ponger FAULT_ERROR_RATE-',
        '-n pingpong-mesh set env deployment/ponger FAULT_ERROR_RATE-',
        '-n pingpong-plain rollout status deployment/ponger --timeout=180s',
        '-n pingpong-mesh rollout status deployment/ponger --timeout=180s',
      ]);
      expect(r.stdout).to.match(/^RESULT namespace=pingpong-plain pings=60 success_rate=0\.5000 .*retries=n\/a ejected_max=n\/a$/m);
      expect(r.stdout).to.match(/^RESULT namespace=pingpong-mesh pings=60 success_rate=0\.9400 .*retries=12 ejected_max=12$/m);
      // every range in every query is the window the script measured
      const ranges = queries.flatMap((q) => [...q.matchAll(/\[(\w+)[\]:]/g)].map((m) => m[1]));
      expect(ranges.length).to.be.greaterThan(0);
      expect([...new Set(ranges)]).to.deep.equal(['1s']);
    });
  });

  // each signal has its own trap: two runs, side by side
  it('SIGINT (130) or SIGTERM (143) during the wait removes the fault from both namespaces and exits non-zero', async () => {
    await Promise.all(
      (['SIGINT', 'SIGTERM'] as const).map(async (signal) => {
        const f = fake();
        const { code, out } = await interrupt('scripts/resilience-demo.sh', f.env(), /^\+ sleep 20$/m, signal);
        expect(code, `${signal}: ${out}`).to.equal(signal === 'SIGINT' ? 130 : 143);
        const calls = f.calls();
        const on = calls.indexOf('-n pingpong-mesh set env deployment/ponger FAULT_ERROR_RATE=0.5');
        expect(on, signal).to.be.greaterThan(-1);
        expect(calls.slice(on + 1), signal).to.include.members([
          '-n pingpong-plain set env deployment/ponger FAULT_ERROR_RATE-',
          '-n pingpong-mesh set env deployment/ponger FAULT_ERROR_RATE-',
        ]);
        expect(out, signal).not.to.match(/\[measure\]/);
      }),
    );
  });

  it('`off` removes the fault without setting it (after a SIGKILL)', () => {
    const f = fake();
    const r = run('scripts/resilience-demo.sh', ['off'], { env: f.env() });
    expect(r.status, r.stderr).to.equal(0);
    expect(f.calls().filter((c) => c.includes('set env'))).to.deep.equal([
      '-n pingpong-plain set env deployment/ponger FAULT_ERROR_RATE-',
      '-n pingpong-mesh set env deployment/ponger FAULT_ERROR_RATE-',
    ]);
  });
});

describe('make zero-trust-rollout', function () {
  this.timeout(60_000);
  const fakes: Fake[] = [];
  after(() => {
    for (const f of fakes) f.cleanup();
  });

  it('DRY_RUN=1: audit, call, read the denials, authorize, deny, call again, delete the namespace', () => {
    const out = dryRun('zero-trust-rollout');
    expect(phases(out)).to.deep.equal(['audit', 'audit-call', 'read-denials', 'authorize', 'deny', 'deny-call', 'cleanup']);
    const cmds = commands(out).map((c) => c.replace(/^\S+\/node /, 'node '));
    const at = (s: string) => {
      const i = cmds.indexOf(s);
      expect(i, s).to.be.greaterThan(-1);
      return i;
    };
    const order = [
      at('kubectl delete namespace zero-trust-rollout --ignore-not-found --timeout=180s'),
      at('kubectl apply -k k8s/overlays/zero-trust-rollout/audit'),
      at('kubectl -n zero-trust-rollout create serviceaccount intruder --dry-run=client -o yaml | kubectl apply -f -'),
      cmds.indexOf('kubectl -n zero-trust-rollout apply -f -'),
      at('node scripts/lib/compare.ts authz zero-trust-rollout'),
      at('kubectl apply -k k8s/overlays/zero-trust-rollout/authorized'),
      at('kubectl apply -k k8s/overlays/zero-trust-rollout/deny'),
      at('kubectl -n zero-trust-rollout rollout restart deployment/pinger deployment/ponger'),
      cmds.lastIndexOf('kubectl -n zero-trust-rollout apply -f -'),
      at('kubectl delete namespace zero-trust-rollout --ignore-not-found --wait=false'),
    ];
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
    expect(new Set(order).size, 'two intruder calls, before and after deny').to.equal(order.length);
    expect(cmds.at(-1)).to.equal('kubectl delete namespace zero-trust-rollout --ignore-not-found --wait=false');
  });

  // each signal has its own trap: two runs, side by side
  it('SIGINT (130) or SIGTERM (143) while waiting for the intruder deletes the throwaway namespace', async () => {
    await Promise.all(
      (['SIGINT', 'SIGTERM'] as const).map(async (signal) => {
        const f = new Fake();
        fakes.push(f);
        const { code, out } = await interrupt(
          'scripts/zero-trust-rollout.sh',
          f.env({ WAIT_SECONDS: '60' }),
          /^\+ kubectl -n zero-trust-rollout apply -f -$/m,
          signal,
        );
        expect(code, `${signal}: ${out}`).to.equal(signal === 'SIGINT' ? 130 : 143);
        const calls = f.calls();
        expect(calls, signal).to.include('apply -k k8s/overlays/zero-trust-rollout/audit');
        expect(calls.at(-1), signal).to.equal('delete namespace zero-trust-rollout --ignore-not-found --wait=false');
        expect(
          calls.filter((c) => c.includes('overlays/zero-trust-rollout/deny')),
          signal,
        ).to.deep.equal([]);
      }),
    );
  });
});

// A kubectl for the zero-trust demo: a pod applied with linkerd.io/inject: enabled runs a
// linkerd-proxy (a native sidecar) unless $FAKE_STATE/injector-down exists, as Linkerd's webhook
// fails open; every intruder pod finishes at once; plain answers 200, mesh 403.
const FAKE_KUBECTL_ZERO_TRUST = `#!/usr/bin/env bash
printf '%s\\n' "$*" >>"$FAKE_STATE/calls"
ns=""; prev=""; pod=""
for a in "$@"; do [ "$prev" != -n ] || ns="$a"; [ "$prev" != pod ] || pod="$a"; prev="$a"; done
case " $* " in
  *" apply -f - "*)
    y="$(cat)"; name="$(printf '%s\\n' "$y" | sed -n 's/^  name: //p' | head -n1)"
    case "$y" in *"linkerd.io/inject: enabled"*) inj=enabled ;; *) inj=disabled ;; esac
    if [ -n "$name" ]; then echo "$inj" >"$FAKE_STATE/pod.$ns.$name"; fi ;;
  *"{.status.phase}"*) echo Succeeded ;;
  *"{.spec.initContainers"*)
    if [ "$(cat "$FAKE_STATE/pod.$ns.$pod")" = enabled ] && [ ! -f "$FAKE_STATE/injector-down" ]; then
      echo "linkerd-init linkerd-proxy intruder"
    else echo " intruder"; fi ;;
  *" logs "*) if [ "$ns" = pingpong-plain ]; then printf 200; else printf 403; fi ;;
esac
exit 0
`;

describe('make zero-trust-demo', function () {
  this.timeout(60_000);
  const fakes: Fake[] = [];
  after(() => {
    for (const f of fakes) f.cleanup();
  });
  const demo = (setup: (f: Fake) => void = () => {}) => {
    const f = new Fake(FAKE_KUBECTL_ZERO_TRUST);
    fakes.push(f);
    setup(f);
    return { f, r: run(path.join(REPO_ROOT, 'scripts/zero-trust-demo.sh'), [], { env: f.env() }) };
  };
  const results = (out: string) => [...out.matchAll(/^RESULT .*$/gm)].map((m) => m[0]);

  it('reports the meshed state each intruder pod really ran with, and deletes the intruders and their ServiceAccounts at the end', () => {
    const { f, r } = demo();
    expect(r.status, r.stderr).to.equal(0);
    expect(results(r.stdout)).to.deep.equal([
      'RESULT namespace=pingpong-plain caller=intruder meshed=false http=200 verdict=allowed expected=allowed',
      'RESULT namespace=pingpong-mesh caller=intruder meshed=true http=403 verdict=denied expected=denied',
      'RESULT namespace=pingpong-mesh caller=intruder meshed=false http=403 verdict=denied expected=denied',
    ]);
    expect(f.calls().slice(-4)).to.deep.equal(
      ['pingpong-plain', 'pingpong-mesh'].flatMap((ns) => [
        `-n ${ns} delete pod -l app.kubernetes.io/component=intruder --ignore-not-found --wait=false`,
        `-n ${ns} delete serviceaccount intruder --ignore-not-found --wait=false`,
      ]),
    );
  });

  it('a 403 from an intruder that got no proxy (the injector down) does not pass for the meshed row', () => {
    const { r } = demo((f) => writeFileSync(path.join(f.dir, 'injector-down'), ''));
    expect(r.status).to.equal(1);
    expect(results(r.stdout)[1]).to.equal(
      'RESULT namespace=pingpong-mesh caller=intruder meshed=false http=403 verdict=denied expected=denied',
    );
    expect(r.stderr).to.match(/the intruder in pingpong-mesh ran with meshed=false, expected true/);
  });
});

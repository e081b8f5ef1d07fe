import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, run } from './lib/run.ts';

const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function dryRun(target: string, env: Record<string, string> = {}) {
  const r = run('make', ['-s', '--no-print-directory', target, 'DRY_RUN=1'], { env: { ...process.env, ...env } });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout;
}
const phases = (out: string) => [...out.matchAll(/^==> \[([a-z-]+)\]/gm)].map((m) => m[1]);
const commands = (out: string) => out.split('\n').filter((l) => l.startsWith('+ ')).map((l) => l.slice(2));
function indexOf(cmds: string[], re: RegExp): number {
  const i = cmds.findIndex((c) => re.test(c));
  expect(i, `no command matches ${re}`).to.be.greaterThan(-1);
  return i;
}

describe('make mesh-up DRY_RUN=1', () => {
  const out = dryRun('mesh-up');
  const cmds = commands(out);

  it('runs the phases in order', () => {
    expect(phases(out)).to.deep.equal(['preflight', 'cluster', 'images', 'gateway-api', 'cni', 'linkerd-crds', 'linkerd',
      'check', 'observability', 'viz', 'overlays', 'wait', 'access']);
  });

  it('issues the commands in the order Linkerd needs them', () => {
    const order = [
      /^k3d cluster create cluster --image rancher\/k3s:v1\.3[1-5]\.\d+-k3s\d .*--agents 2 /,
      /^scripts\/docker\/build-image\.sh pinger ponger$/,
      new RegExp(`^k3d image import --mode=direct --cluster cluster pingpong/pinger:${version} pingpong/ponger:${version}$`),
      /^kubectl apply --server-side -f https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/v1\.2\.1\/standard-install\.yaml$/,
      /^linkerd install-cni .*--dest-cni-net-dir=\/var\/lib\/rancher\/k3s\/agent\/etc\/cni\/net\.d .* \| kubectl apply -f -$/,
      /^linkerd check --pre --linkerd-cni-enabled$/,
      /^linkerd install --crds \| kubectl apply -f -$/,
      /^linkerd install --set cniEnabled=true .*proxy\.tracing\.collector\.endpoint=otel-collector\.observability:4317 .*meshIdentity\.serviceAccountName=otel-collector .*meshIdentity\.namespace=observability \| kubectl apply -f -$/,
      /^linkerd check --wait=/,
      /^kubectl apply -k observability$/,
      /^linkerd viz install --set prometheus\.enabled=false --set prometheusUrl=http:\/\/prometheus\.observability\.svc\.cluster\.local:9090 \| kubectl apply -f -$/,
      /^kubectl apply -k k8s\/overlays\/plain$/,
      /^kubectl apply -k k8s\/overlays\/mesh$/,
      /^kubectl -n pingpong-mesh rollout status deployment\/pinger /,
    ];
    const positions = order.map((re) => indexOf(cmds, re));
    expect(positions).to.deep.equal([...positions].sort((a, b) => a - b));
  });

  it('turns traefik and servicelb off and never uses :latest', () => {
    expect(out).to.match(/--k3s-arg --disable=servicelb,traefik@server:0/);
    expect(out).not.to.match(/:latest\b/);
  });

  it('CLUSTER= renames the cluster; USE_CURRENT_CONTEXT=1 creates none and imports nothing', () => {
    expect(commands(dryRun('mesh-up', { CLUSTER: 'demo' }))).to.include('k3d cluster create demo --image ' +
      cmds[indexOf(cmds, /^k3d cluster create/)]!.split('--image ')[1]);
    const current = commands(dryRun('mesh-up', { USE_CURRENT_CONTEXT: '1' }));
    expect(current.filter((c) => c.startsWith('k3d '))).to.deep.equal([]);
    expect(current.some((c) => c.startsWith('linkerd install --crds'))).to.equal(true);
  });
});

describe('make plain-up DRY_RUN=1', () => {
  it('brings up cluster, images, observability and the plain overlay, without Linkerd', () => {
    const out = dryRun('plain-up');
    expect(phases(out)).to.deep.equal(['preflight', 'cluster', 'images', 'observability', 'overlays', 'wait', 'access']);
    const cmds = commands(out);
    expect(cmds.filter((c) => /^linkerd /.test(c))).to.deep.equal([]);
    expect(cmds).to.include('kubectl apply -k k8s/overlays/plain');
    expect(cmds).not.to.include('kubectl apply -k k8s/overlays/mesh');
  });
});

describe('the exercise aliases', () => {
  for (const alias of ['run-local-kube-with-ping-pong-app', 'cluster-up-with-services']) {
    it(`make ${alias} runs the same sequence as mesh-up`, () => {
      expect(commands(dryRun(alias))).to.deep.equal(commands(dryRun('mesh-up')));
    });
  }
});

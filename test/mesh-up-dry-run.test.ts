import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { commands, dryRun, phases } from './support/dry-run.ts';
import { missingTool } from './support/manifests.ts';
import { REPO_ROOT } from './support/repo.ts';
import { hasCommand, run } from './support/run.ts';

const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function indexOf(cmds: string[], re: RegExp): number {
  const i = cmds.findIndex((c) => re.test(c));
  expect(i, `no command matches ${re}`).to.be.greaterThan(-1);
  return i;
}

// Linkerd 2.20 installed with outboundTransportMode=transparent (ADR/0011): install and upgrade alike.
const TRANSPARENT = '--set proxy.outboundTransportMode=transparent';
// The CNI paths of each distribution, as read in its source (scripts/lib/distro.sh, ADR/0003):
// k3s's containerd conf_dir <data-dir>/agent/etc/cni/net.d and, since k3s v1.31.7 in the k3s image,
// bin_dir /var/lib/rancher/k3s/data/cni (k3d #1572); kind and minikube use containerd's defaults.
const K3S_CNI = '--dest-cni-net-dir=/var/lib/rancher/k3s/agent/etc/cni/net.d --dest-cni-bin-dir=/var/lib/rancher/k3s/data/cni';
const DEFAULT_CNI = '--dest-cni-net-dir=/etc/cni/net.d --dest-cni-bin-dir=/opt/cni/bin';
/** On every distro: iptables -w, and the repair controller for pods that started before the plugin. */
const CNI_ALWAYS = '--use-wait-flag --set repairController.enabled=true';
/** The iptables flavour linkerd-cni runs: nft, its default, except on minikube's VM image (no nf_tables): the node's own iptables. */
const IPTABLES = (mode: 'nft' | 'plain') => `--set iptablesMode=${mode}`;

// one dry run of mesh-up, shared by the tests that read it
const out = dryRun('mesh-up');
const cmds = commands(out);

describe('make mesh-up DRY_RUN=1', () => {
  it('runs the phases in order', () => {
    expect(phases(out)).to.deep.equal([
      'preflight',
      'cluster',
      'images',
      'gateway-api',
      'cni',
      'linkerd-crds',
      'linkerd',
      'check',
      'mesh-observability',
      'observability',
      'viz',
      'overlays',
      'wait',
      'access',
    ]);
  });

  it('issues the commands in the order Linkerd needs them', () => {
    const order = [
      /^k3d cluster create cluster --image rancher\/k3s:v1\.3[1-5]\.\d+-k3s\d .*--agents 2 /,
      /^scripts\/docker\/build-image\.sh pinger ponger$/,
      new RegExp(`^k3d image import --mode=direct --cluster cluster pingpong/pinger:${version} pingpong/ponger:${version}$`),
      /^kubectl apply --server-side -f https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/v1\.2\.1\/standard-install\.yaml$/,
      new RegExp(`^linkerd install-cni ${K3S_CNI} ${CNI_ALWAYS} ${IPTABLES('nft')} \\| kubectl apply -f -$`),
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
    expect(cmds[indexOf(cmds, /^linkerd install --set cniEnabled=true/)]).to.include(TRANSPARENT);
  });

  it('turns traefik and servicelb off and never uses :latest', () => {
    expect(out).to.match(/--k3s-arg --disable=servicelb,traefik@server:0/);
    expect(out).not.to.match(/:latest\b/);
  });

  it('CLUSTER= renames the cluster, and the image import follows it', () => {
    const renamed = commands(dryRun('mesh-up', { CLUSTER: 'demo' }));
    expect(renamed).to.include(`k3d cluster create demo --image ${cmds[indexOf(cmds, /^k3d cluster create/)]!.split('--image ')[1]}`);
    expect(renamed.some((c) => c.startsWith('k3d image import --mode=direct --cluster demo '))).to.equal(true);
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
  it('make run-local-kube-with-ping-pong-app and make cluster-up-with-services run the same sequence as mesh-up', () => {
    for (const alias of ['run-local-kube-with-ping-pong-app', 'cluster-up-with-services']) {
      expect(commands(dryRun(alias)), alias).to.deep.equal(cmds);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// A fake cluster: kubectl, linkerd, k3d, kind and minikube as tiny scripts on PATH that answer
// from files in a state directory and record every call, so the scripts run for real.
// kubectl answers the scripts' jsonpath queries (NODE_JSONPATH in scripts/lib/distro.sh,
// POD_JSONPATH in scripts/lib/pods.sh) with lines rendered here from node and pod objects; the
// last test checks that real kubectl renders those objects the same way.

interface FakeNode {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: { name: string; labels?: Record<string, string> };
  spec: { providerID?: string };
  status?: { nodeInfo: { osImage: string } };
}
interface FakePod {
  deployment: string;
  name: string;
  deleting?: boolean;
  injectDisabled?: boolean;
  init?: string[];
  containers: string[];
  waiting?: { container: string; reason: string; image: string };
}

const node = (name: string, providerID?: string, labels?: Record<string, string>, osImage = 'Ubuntu 22.04.5 LTS'): FakeNode => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: providerID ? { providerID } : {},
  status: { nodeInfo: { osImage } },
});
const nodeLine = (n: FakeNode) =>
  `${n.metadata.name}|${n.spec.providerID ?? ''}|${n.metadata.labels?.['minikube.k8s.io/name'] ?? ''}|${n.status?.nodeInfo.osImage ?? ''}\n`;

const HASH = '5d8f9c7b6';
function podObject(p: FakePod) {
  const statuses = (names: string[]) =>
    names.map((c): { name: string; image: string; state: { waiting?: { reason: string }; running?: object } } => ({
      name: c,
      image: p.waiting?.container === c ? p.waiting.image : `img/${c}`,
      state: p.waiting?.container === c ? { waiting: { reason: p.waiting.reason } } : { running: {} },
    }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      labels: { 'pod-template-hash': HASH },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${p.deployment}-${HASH}`, uid: 'u' }],
      ...(p.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
      ...(p.injectDisabled ? { annotations: { 'linkerd.io/inject': 'disabled' } } : {}),
    },
    spec: {
      ...(p.init ? { initContainers: p.init.map((name) => ({ name, image: `img/${name}` })) } : {}),
      containers: p.containers.map((name) => ({ name, image: `img/${name}` })),
    },
    status: {
      ...(p.init ? { initContainerStatuses: statuses(p.init) } : {}),
      containerStatuses: statuses(p.containers),
    },
  };
}
function podLine(p: FakePod) {
  const o = podObject(p);
  const waits = [...(o.status.initContainerStatuses ?? []), ...o.status.containerStatuses]
    .map((s) => `${s.name}=${s.state.waiting?.reason ?? ''}=${s.image} `)
    .join('');
  return (
    `${p.deployment}-${HASH}|${HASH}|${p.name}|${o.metadata.deletionTimestamp ?? ''}|${o.metadata.annotations?.['linkerd.io/inject'] ?? ''}|` +
    `${(p.init ?? []).join(' ')} ${p.containers.join(' ')}|${waits}\n`
  );
}

const FAKE_KUBECTL = `#!/usr/bin/env bash
set -eu
printf 'kubectl %s\\n' "$*" >>"$FAKE_STATE/calls"
ns=""; prev=""
for a in "$@"; do [ "$prev" != -n ] || ns="$a"; prev="$a"; done
case " $* " in *" -f - "*) cat >/dev/null ;; esac
case " $* " in
  *" config current-context "*) echo fake-context ;;
  *" get nodes "*) cat "$FAKE_STATE/nodes" ;;
  *" get namespace linkerd "*) [ -f "$FAKE_STATE/linkerd-installed" ] ;;
  *" get --raw /version "*) cat "$FAKE_STATE/version" 2>/dev/null || true ;;
  *" get configmap cilium-config "*) cat "$FAKE_STATE/cilium-exclusive" 2>/dev/null || true ;;
  *" get daemonsets -A "*) for f in "$FAKE_STATE"/daemonsets.*; do [ -f "$f" ] && printf '%s ' "$(cat "$f")"; done; true ;;
  *" get daemonsets "*) cat "$FAKE_STATE/daemonsets.$ns" 2>/dev/null || true ;;
  *" get pods "*) cat "$FAKE_STATE/pods.$ns" 2>/dev/null || true ;;
  *" rollout status "* | *" wait "*) if [ -f "$FAKE_STATE/never-ready" ]; then echo "timed out waiting" >&2; exit 1; fi ;;
esac
`;
const FAKE_LINKERD = `#!/usr/bin/env bash
set -eu
printf 'linkerd %s\\n' "$*" >>"$FAKE_STATE/calls"
case "$1" in install | upgrade | install-cni | viz) echo "# manifest from linkerd $*" ;; esac
if [ "$1" = install ] && [ "\${2:-}" != --crds ]; then touch "$FAKE_STATE/linkerd-installed"; fi
# as linkerd2 cli/cmd/uninstall.go (edge-26.6.3) does while meshed pods remain outside its namespaces
if [ "$1" = uninstall ] && [ -f "$FAKE_STATE/meshed-pods-left" ]; then
  printf 'Please uninject the following pods before uninstalling the control-plane:\n\tpingpong-mesh/ponger-0\n' >&2
  exit 1
fi
`;
// docker logs NAME: the node container's log from the state dir (k3d's nodes are containers)
const FAKE_DOCKER = `#!/usr/bin/env bash
printf 'docker %s\\n' "$*" >>"$FAKE_STATE/calls"
case "$1" in logs | inspect) ;; *) exit 0 ;; esac
[ -f "$FAKE_STATE/docker-logs.$2" ] || { echo "Error response from daemon: No such container: $2" >&2; exit 1; }
[ "$1" = inspect ] || cat "$FAKE_STATE/docker-logs.$2"
`;
const FAKE_RECORDER = (name: string) => `#!/usr/bin/env bash
set -eu
printf '${name} %s\\n' "$*" >>"$FAKE_STATE/calls"
`;

class FakeCluster {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'fake-cluster-'));
  readonly bin = path.join(this.dir, 'bin');
  readonly state = path.join(this.dir, 'state');
  constructor(nodes: FakeNode[]) {
    mkdirSync(this.bin);
    mkdirSync(this.state);
    const tools: Record<string, string> = { kubectl: FAKE_KUBECTL, linkerd: FAKE_LINKERD, docker: FAKE_DOCKER };
    for (const t of ['k3d', 'kind', 'minikube']) tools[t] = FAKE_RECORDER(t);
    for (const [name, text] of Object.entries(tools)) this.tool(name, text);
    this.set('nodes', nodes.map(nodeLine).join(''));
    this.set('calls', '');
  }
  /** Puts an executable script named `name` first on the PATH the runs get. */
  tool(name: string, script: string) {
    writeFileSync(path.join(this.bin, name), script);
    chmodSync(path.join(this.bin, name), 0o755);
  }
  set(file: string, text: string) {
    writeFileSync(path.join(this.state, file), text);
  }
  pods(ns: string, pods: FakePod[]) {
    this.set(`pods.${ns}`, pods.map(podLine).join(''));
  }
  /** Recorded calls since the last take, one command line each. */
  take(): string[] {
    const calls = readFileSync(path.join(this.state, 'calls'), 'utf8').split('\n').filter(Boolean);
    this.set('calls', '');
    return calls;
  }
  /** Run a script or command from the repo root against the fake cluster, current-context mode. */
  run(cmd: string, args: string[], env: Record<string, string> = {}) {
    return run(cmd, args, {
      env: {
        ...process.env,
        PATH: `${this.bin}:${process.env['PATH']}`,
        BIN_DIR: this.bin,
        FAKE_STATE: this.state,
        USE_CURRENT_CONTEXT: '1',
        DRY_RUN: '0',
        CLUSTER: 'cluster',
        ...env,
      },
    });
  }
  /** The image loading of scripts/images.sh, run for real (the build itself needs Docker). */
  loadImages() {
    return this.run('bash', [
      '-c',
      '. scripts/lib/common.sh && . scripts/lib/distro.sh && detect_distro && load_images "$@"',
      'load',
      `pingpong/pinger:${version}`,
      `pingpong/ponger:${version}`,
    ]);
  }
  cleanup() {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('USE_CURRENT_CONTEXT=1 against a fake cluster (fake kubectl, linkerd, k3d, kind, minikube on PATH)', function () {
  this.timeout(120_000);
  const fakes: FakeCluster[] = [];
  const fake = (nodes: FakeNode[]) => {
    const f = new FakeCluster(nodes);
    fakes.push(f);
    return f;
  };
  after(() => {
    for (const f of fakes) f.cleanup();
  });

  const refs = `pingpong/pinger:${version} pingpong/ponger:${version}`;
  const distros: {
    what: string;
    nodes: FakeNode[];
    kubeSystem: string;
    cni: string;
    iptables: 'nft' | 'plain';
    load: string;
    netpolWarning: boolean;
  }[] = [
    {
      what: 'k3d: k3s paths, k3d image import into the cluster named by the nodes',
      nodes: [node('k3d-demo-server-0', 'k3s://k3d-demo-server-0'), node('k3d-demo-agent-0', 'k3s://k3d-demo-agent-0')],
      kubeSystem: 'coredns',
      cni: K3S_CNI,
      iptables: 'nft',
      load: `k3d image import --mode=direct --cluster demo ${refs}`,
      netpolWarning: false,
    },
    {
      what: 'kind: default paths, kind load into the cluster named by the providerID',
      nodes: [node('dev-control-plane', 'kind://docker/dev/dev-control-plane'), node('dev-worker', 'kind://docker/dev/dev-worker')],
      kubeSystem: 'kindnet kube-proxy',
      cni: DEFAULT_CNI,
      iptables: 'nft',
      load: `kind load docker-image --name dev ${refs}`,
      netpolWarning: false,
    },
    {
      what: 'minikube: default paths, image load into the profile; warns loudly that its bridge CNI enforces no NetworkPolicy',
      nodes: [node('lab', undefined, { 'minikube.k8s.io/name': 'lab' }), node('lab-m02', undefined, { 'minikube.k8s.io/name': 'lab' })],
      kubeSystem: 'kube-proxy',
      cni: DEFAULT_CNI,
      iptables: 'nft',
      load: `minikube image load -p lab ${refs}`,
      netpolWarning: true,
    },
    {
      what: "minikube on a VM driver (its Buildroot image, no nf_tables): the node's plain iptables, and kindnet counts as no enforcement",
      nodes: [node('vm', undefined, { 'minikube.k8s.io/name': 'vm' }, 'Buildroot 2025.02')],
      kubeSystem: 'kindnet kube-proxy',
      cni: DEFAULT_CNI,
      iptables: 'plain',
      load: `minikube image load -p vm ${refs}`,
      netpolWarning: true,
    },
  ];
  it('k3d on a kernel without ipset: k3s skipped its NetworkPolicy controller, and cluster-up says so loudly', () => {
    const f = fake([node('k3d-demo-server-0', 'k3s://k3d-demo-server-0')]);
    f.set('daemonsets.kube-system', 'coredns');
    // the line k3s logs (pkg/agent/netpol/netpol.go) among others
    f.set(
      'docker-logs.k3d-demo-server-0',
      'time="x" level=info msg="Starting k3s agent"\ntime="x" level=warning msg="Skipping network policy controller start, ipset unavailable: ipset v7.19: Kernel error received: Invalid argument"\n',
    );
    const cluster = f.run('scripts/cluster-up.sh', []);
    expect(cluster.status, cluster.stderr).to.equal(0);
    expect(cluster.stderr).to.include('NetworkPolicy is NOT enforced');
    expect(cluster.stderr).to.include('k3s in k3d-demo-server-0 logged: Skipping network policy controller start, ipset unavailable');
    expect(cluster.stderr).to.include('modprobe ip_set');
    expect(f.take()).to.include('docker logs k3d-demo-server-0');

    // k3s said it started the controller: no warning
    f.set('docker-logs.k3d-demo-server-0', 'time="x" level=info msg="Starting network policy controller version v2.5.0"\n');
    const ok = f.run('scripts/cluster-up.sh', []);
    expect(ok.status, ok.stderr).to.equal(0);
    expect(ok.stderr).to.not.include('NetworkPolicy is NOT enforced');

    // k3s says neither (yet): 30 reads 2 s apart, then a note, no warning (a recording `sleep`
    // stands in for the minute)
    f.set('docker-logs.k3d-demo-server-0', 'time="x" level=info msg="Starting k3s agent"\n');
    f.tool('sleep', FAKE_RECORDER('sleep'));
    f.take();
    const silent = f.run('scripts/cluster-up.sh', []);
    expect(silent.status, silent.stderr).to.equal(0);
    expect(silent.stderr).to.not.include('NetworkPolicy is NOT enforced');
    expect(silent.stderr).to.include('k3s in k3d-demo-server-0 has not said within a minute whether its NetworkPolicy controller started');
    const calls = f.take();
    expect(calls.filter((c) => c === 'docker logs k3d-demo-server-0')).to.have.length(30);
    expect(calls.filter((c) => c === 'sleep 2')).to.have.length(29);
  });

  for (const d of distros) {
    it(d.what, () => {
      const f = fake(d.nodes);
      f.set('daemonsets.kube-system', d.kubeSystem);

      const cluster = f.run('scripts/cluster-up.sh', []);
      expect(cluster.status, cluster.stderr).to.equal(0);
      expect(cluster.stderr.includes('NetworkPolicy is NOT enforced'), cluster.stderr).to.equal(d.netpolWarning);
      if (d.netpolWarning)
        expect(cluster.stderr).to.include(`minikube start -p ${d.nodes[0]?.metadata.labels?.['minikube.k8s.io/name']} --cni=calico`);
      if (d.iptables === 'plain')
        expect(cluster.stderr).to.include('kindnet enforces NetworkPolicy with nftables, which that kernel lacks');

      f.take();
      const load = f.loadImages();
      expect(load.status, load.stderr).to.equal(0);
      expect(f.take().filter((c) => !c.startsWith('kubectl '))).to.deep.equal([d.load]);

      const linkerd = f.run('scripts/linkerd-up.sh', []);
      expect(linkerd.status, linkerd.stderr).to.equal(0);
      const calls = f.take();
      expect(calls).to.include(`linkerd install-cni ${d.cni} ${CNI_ALWAYS} ${IPTABLES(d.iptables)}`);
      expect(calls.filter((c) => /^linkerd install --set cniEnabled=true /.test(c))).to.have.length(1);

      // The whole sequence, printed: images.sh loads into the detected cluster, linkerd-up.sh uses its paths.
      const cmds = commands(
        dryRun('mesh-up', { PATH: `${f.bin}:${process.env['PATH']}`, BIN_DIR: f.bin, FAKE_STATE: f.state, USE_CURRENT_CONTEXT: '1' }),
      );
      expect(cmds).to.include(`linkerd install-cni ${d.cni} ${CNI_ALWAYS} ${IPTABLES(d.iptables)} | kubectl apply -f -`);
      expect(cmds.filter((c) => /^(k3d|kind|minikube) /.test(c))).to.deep.equal([d.load]);
    });
  }

  it('a Kubernetes newer than Linkerd 2.20 is tested on (kind v0.32.0 defaults to 1.36) is named, with the way back; 1.35 is not', () => {
    const f = fake([node('dev-control-plane', 'kind://docker/dev/dev-control-plane')]);
    f.set('daemonsets.kube-system', 'kindnet');
    f.set('version', '{\n  "major": "1",\n  "minor": "36",\n  "gitVersion": "v1.36.1"\n}');
    const newer = f.run('scripts/cluster-up.sh', []);
    expect(newer.status, newer.stderr).to.equal(0);
    expect(newer.stderr).to.include("this cluster runs Kubernetes 1.36; Linkerd 2.20's own CI reaches 1.35");
    expect(newer.stderr).to.include('kind create cluster --image kindest/node:v1.35.<patch>');
    f.set('version', '{"major":"1","minor":"35","gitVersion":"v1.35.3"}');
    expect(f.run('scripts/cluster-up.sh', []).stderr).to.not.include("Linkerd 2.20's own CI");
  });

  it("Cilium with cni-exclusive=true (minikube's) is named, since Linkerd's CNI plugin must chain in; with false, nothing is said", () => {
    const f = fake([node('lab', undefined, { 'minikube.k8s.io/name': 'lab' })]);
    f.set('daemonsets.kube-system', 'cilium kube-proxy');
    f.set('cilium-exclusive', 'true');
    const exclusive = f.run('scripts/cluster-up.sh', []);
    expect(exclusive.status, exclusive.stderr).to.equal(0);
    expect(exclusive.stderr).to.include('WARNING: Cilium runs with cni-exclusive=true');
    expect(exclusive.stderr).to.not.include('NetworkPolicy is NOT enforced');
    f.set('cilium-exclusive', 'false');
    expect(f.run('scripts/cluster-up.sh', []).stderr).to.not.include('cni-exclusive');
  });

  it('Calico run by its operator (calico-node in calico-system) counts as enforcing: no warning', () => {
    const f = fake([node('lab', undefined, { 'minikube.k8s.io/name': 'lab' })]);
    f.set('daemonsets.kube-system', 'kube-proxy');
    f.set('daemonsets.calico-system', 'calico-node csi-node-driver');
    const cluster = f.run('scripts/cluster-up.sh', []);
    expect(cluster.status, cluster.stderr).to.equal(0);
    expect(cluster.stderr).to.not.include('NetworkPolicy is NOT enforced');
    expect(f.take()).to.include('kubectl get daemonsets -A --request-timeout=10s -o jsonpath={.items[*].metadata.name}');
  });

  it('make down: deletes the apps and the stack and waits for them before uninstalling Linkerd; a refusal stops it before linkerd-cni goes', () => {
    const f = fake([node('k3d-demo-server-0', 'k3s://k3d-demo-server-0')]);
    f.set('linkerd-installed', '');
    f.set('meshed-pods-left', '');
    const refused = f.run('scripts/down.sh', []);
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.include('Please uninject the following pods');
    const calls = f.take();
    expect(calls.filter((c) => c.startsWith('kubectl delete -k'))).to.deep.equal(
      ['k8s/overlays/mesh', 'k8s/overlays/plain', 'observability'].map((k) => `kubectl delete -k ${k} --ignore-not-found --timeout=300s`),
    );
    expect(calls.filter((c) => c.startsWith('linkerd '))).to.deep.equal(['linkerd viz uninstall', 'linkerd uninstall']);

    rmSync(path.join(f.state, 'meshed-pods-left'));
    const done = f.run('scripts/down.sh', []);
    expect(done.status, done.stderr).to.equal(0);
    expect(f.take().filter((c) => c.startsWith('linkerd '))).to.deep.equal([
      'linkerd viz uninstall',
      'linkerd uninstall',
      'linkerd install-cni',
    ]);
  });

  it('refuses any other cluster at once, naming what is supported, before touching it', () => {
    const others = [
      [node('ip-10-0-1-7.eu-west-1.compute.internal', 'aws:///eu-west-1a/i-0abc')],
      [node('edge-1', 'k3s://edge-1')], // k3s, but not made by k3d: no known way to load the images
      [node('dev-control-plane', 'kind://podman/dev/dev-control-plane')], // images are built with docker
    ];
    // every script that touches the cluster refuses the first; the others go through the same
    // detect_distro (scripts/lib/distro.sh), so the first script to run is enough for them
    for (const [i, nodes] of others.entries()) {
      const f = fake(nodes);
      for (const script of ['scripts/cluster-up.sh', 'scripts/images.sh', 'scripts/linkerd-up.sh'].slice(0, i === 0 ? 3 : 1)) {
        const r = f.run(script, []);
        expect(r.status, `${script}: ${r.stdout}`).to.equal(1);
        expect(r.stderr).to.match(/unsupported cluster: .*Supported: k3d .*kind .*minikube/);
        // Only read: the nodes (and the context's name), nothing applied, loaded or built.
        const calls = f.take();
        expect(calls, script).to.include(
          `kubectl get nodes --request-timeout=10s -o jsonpath=${readJsonpath('distro.sh', 'NODE_JSONPATH')}`,
        );
        expect(
          calls.filter((c) => !/^kubectl (get nodes|config current-context)/.test(c)),
          script,
        ).to.deep.equal([]);
      }
    }
  });

  it('after make plain-up, Linkerd restarts exactly the unmeshed observability deployments; a second mesh-up restarts none', () => {
    const f = fake([node('k3d-cluster-server-0', 'k3s://k3d-cluster-server-0')]);
    // Created before Linkerd: prometheus and grafana have no proxy. jaeger has the 2.20 native
    // sidecar (init container), the collector the classic one (proxy.nativeSidecar=false).
    f.pods('observability', [
      { deployment: 'prometheus', name: 'prometheus-7c9-x1', containers: ['prometheus'] },
      { deployment: 'grafana', name: 'grafana-6d4-x2', containers: ['grafana'] },
      { deployment: 'jaeger', name: 'jaeger-5b7-x4', init: ['linkerd-network-validator', 'linkerd-proxy'], containers: ['jaeger'] },
      // Ignored: a pod already going away, and one that opts out of the mesh.
      { deployment: 'jaeger', name: 'jaeger-old-x3', containers: ['jaeger'], deleting: true },
      { deployment: 'debug', name: 'debug-1a2-x6', containers: ['debug'], injectDisabled: true },
      {
        deployment: 'otel-collector',
        name: 'otel-collector-4f2-x5',
        init: ['linkerd-network-validator'],
        containers: ['linkerd-proxy', 'otel-collector'],
      },
    ]);
    const first = f.run('scripts/linkerd-up.sh', []);
    expect(first.status, first.stderr).to.equal(0);
    const calls = f.take();
    const install = calls.filter((c) => c.startsWith('linkerd install --set cniEnabled=true'));
    expect(install).to.have.length(1);
    expect(install[0]).to.include(TRANSPARENT);
    expect(calls.filter((c) => / rollout (restart|status) deployment/.test(c))).to.deep.equal([
      'kubectl -n observability rollout restart deployment/grafana deployment/prometheus',
      'kubectl -n observability rollout status deployment/grafana --timeout=10s',
      'kubectl -n observability rollout status deployment/prometheus --timeout=10s',
    ]);

    // What the restart produced: every pod has its proxy. Linkerd is installed now: upgrade.
    f.pods(
      'observability',
      ['prometheus', 'grafana', 'jaeger', 'otel-collector'].map((d) => ({
        deployment: d,
        name: `${d}-new`,
        init: ['linkerd-network-validator', 'linkerd-proxy'],
        containers: [d],
      })),
    );
    const second = f.run('scripts/linkerd-up.sh', []);
    expect(second.status, second.stderr).to.equal(0);
    const again = f.take();
    expect(again.filter((c) => c.startsWith('linkerd install '))).to.deep.equal([]);
    const upgrade = again.filter((c) => c.startsWith('linkerd upgrade ') && c.includes('cniEnabled'));
    expect(upgrade).to.have.length(1);
    expect(upgrade[0]).to.include(TRANSPARENT);
    expect(again.filter((c) => / rollout restart /.test(c))).to.deep.equal([]);
  });

  it('stops a rollout at once when a pod cannot get its image, naming pod, image and reason', () => {
    const f = fake([node('dev-control-plane', 'kind://docker/dev/dev-control-plane')]);
    f.set('never-ready', '');
    f.pods('pingpong-mesh', [
      {
        deployment: 'ponger',
        name: 'ponger-5d8-a1',
        init: ['linkerd-network-validator', 'linkerd-proxy'],
        containers: ['ponger'],
        waiting: { container: 'ponger', reason: 'ErrImageNeverPull', image: `pingpong/ponger:${version}` },
      },
    ]);
    // Without the check this waits 300 s and the 60 s bound of run() fails the test.
    const r = f.run('scripts/apps-up.sh', ['mesh']);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include(`pingpong-mesh/ponger-5d8-a1 container ponger: pingpong/ponger:${version} (ErrImageNeverPull)`);
    expect(r.stderr).to.include("run 'make images'");
    expect(f.take().filter((c) => c.includes('rollout status'))).to.have.length(1);
  });

  it("the fake answers as real kubectl renders the same objects with the scripts' jsonpath", function () {
    if (!hasCommand('kubectl')) missingTool(this, 'kubectl not on PATH (make tools)');
    const dir = mkdtempSync(path.join(tmpdir(), 'jsonpath-'));
    try {
      // one kubectl for all objects of a kind: a List is printed item by item with the per-item part
      // of the template ({range .items[*]}...{end} iterates these)
      const render = (objs: object[], template: string) => {
        const file = path.join(dir, 'objs.json');
        writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objs }));
        const inner = template.replace(/^\{range \.items\[\*\]\}/, '').replace(/\{end\}$/, '');
        const r = run('kubectl', ['label', '--local', '-f', file, 'fake=1', '-o', `jsonpath=${inner}`]);
        expect(r.status, r.stderr).to.equal(0);
        return r.stdout;
      };
      const nodes = [...distros.flatMap((d) => d.nodes), node('x', 'aws:///a/b')];
      expect(render(nodes, readJsonpath('distro.sh', 'NODE_JSONPATH'))).to.equal(nodes.map(nodeLine).join(''));
      const pods: FakePod[] = [
        { deployment: 'grafana', name: 'grafana-1', containers: ['grafana'], deleting: true, injectDisabled: true },
        {
          deployment: 'ponger',
          name: 'ponger-1',
          init: ['linkerd-network-validator', 'linkerd-proxy'],
          containers: ['ponger'],
          waiting: { container: 'ponger', reason: 'ImagePullBackOff', image: 'pingpong/ponger:1' },
        },
      ];
      expect(render(pods.map(podObject), readJsonpath('pods.sh', 'POD_JSONPATH'))).to.equal(pods.map(podLine).join(''));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A jsonpath template as a script under scripts/lib/ defines it (NAME='...'). */
function readJsonpath(file: string, name: string): string {
  const text = readFileSync(path.join(REPO_ROOT, 'scripts/lib', file), 'utf8');
  const m = new RegExp(`^${name}='([^']*)'$`, 'm').exec(text);
  expect(m, `${name} in scripts/lib/${file}`).to.not.equal(null);
  return m![1]!;
}

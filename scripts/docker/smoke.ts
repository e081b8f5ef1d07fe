// Smoke test of the two images, run the way k8s/base runs them (see run-spec.ts): both on a
// user-defined docker network where ponger answers to its Service name `ponger`, admin ports
// published on 127.0.0.1 only. Asserts probes, /ping, pings counted by pinger and seen by ponger,
// JSON logs, a bad setting refused with exit 78, readiness dropping on SIGTERM, and a clean exit
// (code 0) within the grace period.
// Tracing is off (OTEL_TRACES_EXPORTER=none): no collector runs here.
//   node scripts/docker/smoke.ts            (images pingpong/<svc>:<package.json version>)
// Env: DOCKER (client binary, default docker), SMOKE_TAG (image tag instead of the package.json version).
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseExposition, sum } from '../../test/support/exposition.ts';
import { fetchText } from '../../test/support/http.ts';
import { pollUntil } from '../../test/support/poll.ts';
import { REPO_ROOT } from '../../test/support/repo.ts';
import { defaultRunSpec, dockerRunFlags, type RunSpec, renderBase, runSpecFromObjects, type Service } from './run-spec.ts';

const DOCKER = process.env['DOCKER'] ?? 'docker';
const SMOKE_LABEL = 'io.pingpong.smoke=true';
const RUN_ID = `pingpong-smoke-${process.pid}`;

function say(msg: string): void {
  process.stdout.write(`--> [smoke] ${msg}\n`);
}

class SmokeFailure extends Error {}

function check(cond: boolean, msg: string): asserts cond {
  if (!cond) throw new SmokeFailure(msg);
}

/** Runs docker with `args`, bounded by `timeoutMs`; resolves stdout, rejects with stderr. */
function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(DOCKER, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new SmokeFailure(`docker ${args.slice(0, 3).join(' ')} ...: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** GET `url`, bounded; undefined when nothing answers. */
function get(url: string, timeoutMs = 2000): Promise<{ status: number; body: string } | undefined> {
  return fetchText(url, { timeoutMs }).catch(() => undefined);
}

/** Polls `probe` every 250 ms until it returns a value, or fails naming `what` after `timeoutMs`. */
function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  return pollUntil(probe, timeoutMs, what, { intervalMs: 250 });
}

function drainMs(spec: RunSpec): number {
  const fromEnv = spec.env['SHUTDOWN_DRAIN_MS'];
  if (fromEnv !== undefined) return Number(fromEnv);
  const cfg: unknown = parseYaml(spec.configYaml);
  const v = (cfg as { shutdown?: { drainMs?: unknown } } | null)?.shutdown?.drainMs;
  return typeof v === 'number' ? v : 5000;
}

interface Running {
  spec: RunSpec;
  name: string;
  /** host address (127.0.0.1:port) of each published container port, by port name */
  addr: Record<string, string>;
}

async function start(spec: RunSpec, image: string, network: string, cfgRoot: string): Promise<Running> {
  const dir = join(cfgRoot, spec.service);
  mkdirSync(dir, { mode: 0o755 });
  chmodSync(dir, 0o755);
  writeFileSync(join(dir, 'config.yaml'), spec.configYaml, { mode: 0o644 });
  const name = `${RUN_ID}-${spec.service}`;
  const publish = Object.values(spec.ports).flatMap((p) => ['-p', `127.0.0.1::${p}`]);
  await docker([
    'run',
    '-d',
    '--name',
    name,
    '--label',
    SMOKE_LABEL,
    '--network',
    network,
    '--network-alias',
    spec.service,
    ...dockerRunFlags(spec, dir),
    '-e',
    'OTEL_TRACES_EXPORTER=none',
    ...publish,
    image,
    ...spec.args,
  ]);
  const addr: Record<string, string> = {};
  for (const [portName, port] of Object.entries(spec.ports)) {
    const out =
      (
        await docker(['port', name, `${port}/tcp`]).catch(async (err: unknown) => {
          const state = (await docker(['inspect', '--format', '{{.State.Status}} (exit code {{.State.ExitCode}})', name])).trim();
          if (!state.startsWith('running')) throw new SmokeFailure(`${name} is ${state} right after start`);
          throw err;
        })
      )
        .trim()
        .split('\n')[0] ?? '';
    check(/^127\.0\.0\.1:\d+$/.test(out), `${name}: port ${port} published as "${out}" (expected 127.0.0.1:<port>)`);
    addr[portName] = out;
  }
  say(`started ${name} from ${image} (${dockerRunFlags(spec, dir).join(' ')} ${spec.args.join(' ')}); ports ${JSON.stringify(addr)}`);
  return { spec, name, addr };
}

async function waitReady(r: Running): Promise<void> {
  const admin = r.addr['admin'];
  check(admin !== undefined, `${r.name}: no admin port`);
  for (const path of ['/livez', '/readyz']) {
    await waitFor(`${r.spec.service} ${path} answering 200`, 60_000, async () => {
      const state = (await docker(['inspect', '--format', '{{.State.Status}}', r.name])).trim();
      if (state !== 'running') throw new SmokeFailure(`${r.name} is ${state} before ${path} answered`);
      const res = await get(`http://${admin}${path}`);
      return res?.status === 200 ? true : undefined;
    });
  }
  say(`${r.spec.service}: /livez and /readyz answer 200`);
}

async function metric(r: Running, name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await get(`http://${r.addr['admin']}/metrics`);
  check(res?.status === 200, `${r.spec.service} /metrics: status ${res?.status ?? 'no answer'} (expected 200)`);
  return sum(parseExposition(res.body), name, labels);
}

async function checkLogs(r: Running): Promise<void> {
  const out = await docker(['logs', r.name]);
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const parsed = lines.map((l) => {
    try {
      return JSON.parse(l) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  });
  const bad = lines.filter((_, i) => parsed[i] === undefined);
  check(lines.length > 0, `${r.spec.service}: no log lines on stdout`);
  check(bad.length === 0, `${r.spec.service}: log lines that are not JSON, e.g. ${JSON.stringify(bad[0])}`);
  const first = parsed[0] ?? {};
  for (const k of ['time', 'level', 'service', 'msg']) check(k in first, `${r.spec.service}: log line without "${k}": ${lines[0]}`);
  check(first['service'] === r.spec.service, `${r.spec.service}: log field service is ${JSON.stringify(first['service'])}`);
  say(`${r.spec.service}: ${lines.length} JSON log lines with time/level/service/msg`);
}

/** docker stop --time <grace>; asserts /readyz turns 503 during the drain, exit code 0, time < grace. */
async function stopGracefully(r: Running): Promise<void> {
  const grace = r.spec.graceSeconds;
  const t0 = Date.now();
  const stopping = docker(['stop', '--time', String(grace), r.name], (grace + 30) * 1000);
  if (drainMs(r.spec) >= 1000) {
    await waitFor(`${r.spec.service} /readyz answering 503 after SIGTERM`, Math.min(drainMs(r.spec), 5000), async () => {
      const res = await get(`http://${r.addr['admin']}/readyz`, 500);
      return res?.status === 503 ? true : undefined;
    });
  }
  await stopping;
  const elapsed = (Date.now() - t0) / 1000;
  const [exit, oom] = (await docker(['inspect', '--format', '{{.State.ExitCode}} {{.State.OOMKilled}}', r.name])).trim().split(' ');
  check(oom === 'false', `${r.spec.service}: OOM-killed (memory limit ${r.spec.memoryBytes} bytes)`);
  check(exit === '0', `${r.spec.service}: exit code ${exit} after SIGTERM (expected 0)`);
  check(elapsed < grace, `${r.spec.service}: took ${elapsed.toFixed(1)}s to stop (expected < terminationGracePeriodSeconds ${grace}s)`);
  say(`${r.spec.service}: SIGTERM -> /readyz 503 -> exit 0 in ${elapsed.toFixed(1)}s (grace ${grace}s)`);
}

/** Removes every container and network of this or an earlier (interrupted) smoke run. */
/**
 * Runs the image with one bad setting (same hardening, same config file) and expects the contract's
 * answer: exit 78 (EX_CONFIG) at once, with a line naming the key.
 */
async function rejectsBadConfig(spec: RunSpec, image: string, cfgRoot: string, env: string, key: string): Promise<void> {
  const dir = join(cfgRoot, spec.service);
  const name = `${RUN_ID}-${spec.service}-badconfig`;
  const run = docker(
    [
      'run',
      '--name',
      name,
      '--label',
      SMOKE_LABEL,
      ...dockerRunFlags(spec, dir),
      '-e',
      'OTEL_TRACES_EXPORTER=none',
      '-e',
      env,
      image,
      ...spec.args,
    ],
    30_000,
  ).catch(() => '');
  await run;
  const exit = (await docker(['inspect', '--format', '{{.State.ExitCode}}', name])).trim();
  const out = await new Promise<string>((resolve) => {
    execFile(DOCKER, ['logs', name], { timeout: 10_000 }, (_e, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
  await docker(['rm', '-f', name]);
  check(exit === '78', `${spec.service} with ${env}: exit code ${exit} (expected 78, EX_CONFIG); output: ${out.trim()}`);
  check(out.includes(key), `${spec.service} with ${env}: the error does not name ${key}: ${out.trim()}`);
  say(`${spec.service}: ${env} -> exit 78 naming ${key}`);
}

async function cleanupDocker(): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `label=${SMOKE_LABEL}`]).catch(() => '')).split('\n').filter(Boolean);
  if (ids.length > 0) await docker(['rm', '-f', ...ids]).catch(() => '');
  const nets = (await docker(['network', 'ls', '-q', '--filter', `label=${SMOKE_LABEL}`]).catch(() => '')).split('\n').filter(Boolean);
  if (nets.length > 0) await docker(['network', 'rm', ...nets]).catch(() => '');
}

async function cleanup(cfgRoot: string): Promise<void> {
  await cleanupDocker();
  rmSync(cfgRoot, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const tag = process.env['SMOKE_TAG'] ?? pkg.version;
  const objects = renderBase(REPO_ROOT);
  const specs: Record<Service, RunSpec> = objects
    ? { ponger: runSpecFromObjects(objects, 'ponger'), pinger: runSpecFromObjects(objects, 'pinger') }
    : { ponger: defaultRunSpec('ponger'), pinger: defaultRunSpec('pinger') };
  if (!objects) say('k8s/base does not exist: using the contract defaults (128Mi memory, 30s grace)');
  else say('run settings read from the rendered k8s/base');

  const cfgRoot = mkdtempSync(join(tmpdir(), 'pingpong-smoke-'));
  chmodSync(cfgRoot, 0o755);
  const onSignal = (): void => {
    void cleanup(cfgRoot).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const running: Running[] = [];
  try {
    await cleanupDocker();
    const network = RUN_ID;
    await docker(['network', 'create', '--label', SMOKE_LABEL, network]);
    const ponger = await start(specs.ponger, `pingpong/ponger:${tag}`, network, cfgRoot);
    running.push(ponger);
    const pinger = await start(specs.pinger, `pingpong/pinger:${tag}`, network, cfgRoot);
    running.push(pinger);
    await waitReady(ponger);
    await waitReady(pinger);

    const ping = await get(`http://${ponger.addr['http']}/ping`);
    check(ping?.status === 200 && ping.body === 'pong', `ponger GET /ping: ${JSON.stringify(ping)} (expected 200 "pong")`);
    say('ponger: GET /ping -> 200 pong');

    const successes = await waitFor('pinger_requests_total{outcome="success"} > 0', 30_000, async () => {
      const n = await metric(pinger, 'pinger_requests_total', { outcome: 'success' });
      return n > 0 ? n : undefined;
    });
    say(`pinger: pinger_requests_total{outcome="success"} = ${successes} (reached ponger by its Service name)`);
    const seen = await metric(ponger, 'ponger_requests_by_client_identity_total');
    check(seen > 0, "ponger: ponger_requests_by_client_identity_total is 0 (expected pinger's requests counted)");
    say(`ponger: ponger_requests_by_client_identity_total = ${seen}`);

    await checkLogs(ponger);
    await checkLogs(pinger);
    await rejectsBadConfig(specs.ponger, `pingpong/ponger:${tag}`, cfgRoot, 'PORT=70000', 'service.port');
    await rejectsBadConfig(specs.pinger, `pingpong/pinger:${tag}`, cfgRoot, 'PING_INTERVAL_MS=0', 'ping.intervalMs');
    await stopGracefully(pinger);
    await stopGracefully(ponger);
    say('PASS');
  } catch (err) {
    for (const r of running) {
      const logs = await docker(['logs', '--tail', '40', r.name]).catch((e: unknown) => String(e));
      process.stderr.write(`--- last log lines of ${r.name} ---\n${logs}\n`);
    }
    throw err;
  } finally {
    await cleanup(cfgRoot);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`smoke test FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

// `npm start` end to end (lightly): both services come up on loopback, pinger reports a pong,
// one SIGINT stops both and the script exits 0.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../services/shared/test/helpers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('scripts/start-local (npm start)', () => {
  let child: ChildProcess | undefined;
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('runs ponger and pinger, shows a successful ping, stops both on SIGINT with exit 0', async function () {
    this.timeout(40_000);
    child = spawn(process.execPath, ['scripts/start-local.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', PONGER_PORT: '0', PONGER_ADMIN_PORT: '0', PINGER_ADMIN_PORT: '0', PING_INTERVAL_MS: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    await waitFor(() => /^pinger +\| \S+ info ping outcome=success status=200 .*client_id=none/m.test(out) || child?.exitCode !== null, 25_000, 'a successful ping');
    expect(out).to.match(/^ponger +\| \S+ info GET \/ping 200 /m);
    expect(out).to.match(/start-local: ponger http:\/\/127\.0\.0\.1:\d+\/ping, metrics http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(out).to.match(/start-local: pinger metrics http:\/\/127\.0\.0\.1:\d+\/metrics/);
    child.kill('SIGINT');
    expect(await exited).to.equal(0);
    expect(out).to.include('start-local: stopped (ponger 0, pinger 0)');
  });
});

// `npm start`: each child's line printed as one line after its name (JSON through pino-pretty,
// anything else as it is); end to end (lightly): both services come up on loopback, pinger reports
// a pong, one SIGINT stops both and the script exits 0.

import { readdirSync, readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { expect } from 'chai';
import { waitFor } from '../test/support/poll.ts';
import { type Child, startProcess } from '../test/support/processes.ts';
import { repoPath } from '../test/support/repo.ts';
import { entrypointNodeFlags } from './docker/dockerfile-check.ts';
import { showLine } from './start-local.ts';

/** The command lines of the processes whose parent is `ppid` (Linux /proc). */
function childCommandLines(ppid: number): string[][] {
  const out: string[][] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // the field after the ")" that ends the command name: state, then ppid
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== ppid) continue;
      out.push(
        readFileSync(`/proc/${pid}/cmdline`, 'utf8')
          .split('\0')
          .filter((a) => a !== ''),
      );
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** showLine's text without colours (pino-pretty colours when the test runs on a terminal) */
const plain = (name: string, line: string): string => stripVTControlCharacters(showLine(name, line).text);

describe('scripts/start-local (npm start)', () => {
  it('shows a JSON log line as one line: name, time, level, msg, fields (trace ids and service hidden); returns the record', () => {
    const rec = {
      level: 'warn',
      time: '2026-11-23T12:00:01.123Z',
      service: 'pinger',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
      msg: 'ping',
      outcome: 'timeout',
      error: 'socket hang up',
      err: { name: 'Error', message: 'a\nb' },
      status: null,
    };
    const { text, record } = showLine('pinger', JSON.stringify(rec));
    expect(record).to.deep.equal(rec);
    expect(stripVTControlCharacters(text)).to.match(
      /^pinger \| \[\d\d:\d\d:01\] WARN: ping \{"outcome":"timeout","error":"socket hang up","err":\{"name":"Error","message":"a\\nb"\},"status":null\}$/,
    );
    // a message with line breaks stays on its line
    const broken = plain('ponger', JSON.stringify({ level: 'info', time: '2026-11-23T12:00:01Z', msg: 'one\ntwo\rthree\r\n' }));
    expect(broken).to.match(/^ponger \| \[[\d:]+\] INFO: one.*two.*three/);
    expect(broken).not.to.match(/[\r\n]/);
  });

  it('passes anything that is not a JSON object through after the name, with no record', () => {
    for (const line of [
      'config error: log.level (LOG_LEVEL): expected one of debug, info, warn, error, got "x"',
      '[1,2]',
      'null',
      '{"broken"',
    ]) {
      expect(showLine('ponger', line)).to.deep.equal({ text: `ponger | ${line}` });
    }
  });

  let child: Child | undefined;
  // SIGTERM first: start-local then stops ponger and pinger (a SIGKILL alone would orphan them)
  after(async () => {
    await child?.stop(5000);
  });

  it('runs ponger and pinger, shows a successful ping, stops both on SIGINT with exit 0', async function () {
    this.timeout(40_000);
    const c = startProcess({
      name: 'start-local',
      args: ['scripts/start-local.ts'],
      env: { PONGER_PORT: '0', PONGER_ADMIN_PORT: '0', PINGER_ADMIN_PORT: '0', PING_INTERVAL_MS: '200' },
    });
    child = c;
    const output = () => [...c.lines, ...c.stderr].join('\n');
    // Two children, two pipes: pinger's report of a ping can reach us before ponger's log line of
    // the same request, so wait for both (CI saw the ponger line arrive after pinger's).
    const pingerOk = /^pinger \| \[[\d:]+\] INFO: ping \{"outcome":"success","status":200,.*"client_id":"none"/m;
    const pongerOk = /^ponger \| \[[\d:]+\] INFO: GET \/ping 200 \{"method":"GET","route":"\/ping","status":200,/m;
    await waitFor(
      () => (pingerOk.test(output()) && pongerOk.test(output())) || c.hasExited(),
      25_000,
      'a successful ping, logged by both services',
    );
    expect(output()).to.match(pingerOk);
    expect(output()).to.match(pongerOk);
    // each service runs with its image's Node flags, before its main
    const dockerfile = readFileSync(repoPath('services/Dockerfile'), 'utf8');
    const argv = childCommandLines(c.pid).map((a) => a.slice(1));
    for (const name of ['ponger', 'pinger'])
      expect(argv).to.deep.include([...entrypointNodeFlags(dockerfile, name), `services/${name}/src/main.ts`]);
    expect(output()).to.match(/start-local: ponger http:\/\/127\.0\.0\.1:\d+\/ping, metrics http:\/\/127\.0\.0\.1:\d+\/metrics/);
    expect(output()).to.match(/start-local: pinger metrics http:\/\/127\.0\.0\.1:\d+\/metrics/);
    c.kill('SIGINT');
    expect((await c.exited).code).to.equal(0);
    expect(output()).to.include('start-local: stopped (ponger 0, pinger 0)');
  });
});

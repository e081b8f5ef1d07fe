import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { captureLogger, untimed } from '../../../test/support/capture-logger.ts';
import { httpRequest } from '../../../test/support/http.ts';
import { pollUntil } from '../../../test/support/poll.ts';
import { Readiness } from './admin.ts';
import { FLUSH_TIMEOUT_MS } from './budgets.ts';
import { createShutdown, EXIT_MARGIN_MS } from './lifecycle.ts';
import { listen } from './listen.ts';

describe('shared/lifecycle', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      s.close();
    }
  });

  /** Counts the requests a server has begun, so a test signals only once its request is in flight. */
  function arrivals(): { count(): void; reached(n?: number): Promise<unknown> } {
    let n = 0;
    return { count: () => void n++, reached: (want = 1) => pollUntil(() => n >= want, 2000, `${want} request(s) at the server`) };
  }

  async function slowServer(delayMs: number): Promise<{ server: Server; port: number; arrived: () => Promise<unknown> }> {
    const seen = arrivals();
    const server = createServer((_req, res) => {
      seen.count();
      setTimeout(() => res.end('done'), delayMs);
    });
    servers.push(server);
    const { port } = (await listen(server, 0, '127.0.0.1')) as AddressInfo;
    return { server, port, arrived: () => seen.reached() };
  }

  it('runs readiness-false, drain, close (in-flight finish), flush, exit 0 in order', async () => {
    const { server, port, arrived } = await slowServer(150);
    const readiness = new Readiness();
    readiness.markReady();
    const steps: string[] = [];
    const { logger, lines } = captureLogger();
    const shutdown = createShutdown({
      readiness,
      servers: [server],
      drainMs: 50,
      timeoutMs: 5000,
      logger,
      flush: async () => void steps.push(`flush listening=${server.listening}`),
      exit: (code) => void steps.push(`exit ${code}`),
      sleep: async (ms) => {
        steps.push(`drain ${ms} ready=${readiness.ready}`);
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    const inflight = httpRequest(port, '/');
    await arrived();
    shutdown.onSignal('SIGTERM');
    expect(readiness.ready).to.equal(false);
    const res = await inflight;
    expect(res.body).to.equal('done');
    expect(await shutdown.done).to.equal(0);
    expect(steps).to.deep.equal(['drain 50 ready=false', 'flush listening=false', 'exit 0']);
    expect(lines.map(untimed)).to.deep.equal([
      { level: 'info', service: 'test', msg: 'shutdown: signal received', signal: 'SIGTERM' },
      { level: 'info', service: 'test', msg: 'shutdown: readiness false, draining', drain_ms: 50, timeout_ms: 5000 },
      { level: 'info', service: 'test', msg: 'shutdown: closing servers' },
      // a deadline far enough: the whole flush budget
      { level: 'info', service: 'test', msg: 'shutdown: flushing telemetry', budget_ms: FLUSH_TIMEOUT_MS },
      { level: 'info', service: 'test', msg: 'shutdown: done' },
    ]);
  });

  it('stops new work at the signal and settles untracked work after close, before flush', async () => {
    const { server } = await slowServer(10);
    const readiness = new Readiness();
    readiness.markReady();
    const steps: string[] = [];
    const { logger, lines } = captureLogger();
    const shutdown = createShutdown({
      readiness,
      // a server that never listened (its listen failed) is passed over
      servers: [server, createServer()],
      drainMs: 0,
      timeoutMs: 5000,
      logger,
      stopWork: () => void steps.push(`stop ready=${readiness.ready}`),
      settle: async () => void steps.push(`settle listening=${server.listening}`),
      flush: async () => void steps.push('flush'),
      exit: (code) => void steps.push(`exit ${code}`),
    });
    shutdown.onSignal('SIGTERM');
    expect(steps).to.deep.equal(['stop ready=true']);
    expect(await shutdown.done).to.equal(0);
    expect(steps).to.deep.equal(['stop ready=true', 'settle listening=false', 'flush', 'exit 0']);
    expect(lines.map((l) => l.msg).slice(2, 5)).to.deep.equal([
      'shutdown: closing servers',
      'shutdown: settling work in flight',
      'shutdown: flushing telemetry',
    ]);
  });

  it('exits 1 when the deadline passes before requests finish', async () => {
    const { server, port, arrived } = await slowServer(2000);
    const codes: number[] = [];
    const { logger, lines } = captureLogger();
    const shutdown = createShutdown({
      readiness: new Readiness(),
      servers: [server],
      drainMs: 0,
      timeoutMs: 200,
      logger,
      flush: async () => {},
      exit: (c) => void codes.push(c),
    });
    const inflight = httpRequest(port, '/').catch((err: Error) => err);
    await arrived();
    const started = Date.now();
    shutdown.onSignal('SIGTERM');
    expect(await shutdown.done).to.equal(1);
    expect(Date.now() - started).to.be.lessThan(1500);
    expect(await inflight).to.be.instanceOf(Error);
    // the sequence still running behind the deadline cannot exit a second time
    await new Promise((r) => setTimeout(r, 100));
    expect(codes).to.deep.equal([1]);
    expect(lines.filter((l) => l.level === 'error').map(untimed)).to.deep.equal([
      { level: 'error', service: 'test', msg: 'shutdown: deadline passed, exiting', timeout_ms: 200 },
    ]);
  });

  it('exits 1 when a step fails, naming the error', async () => {
    const { logger, lines } = captureLogger();
    const shutdown = createShutdown({
      readiness: new Readiness(),
      servers: [],
      drainMs: 0,
      timeoutMs: 5000,
      logger,
      flush: async () => {
        throw new Error('exporter broke');
      },
      exit: () => {},
    });
    shutdown.onSignal('SIGTERM');
    expect(await shutdown.done).to.equal(1);
    expect(lines.at(-1)).to.deep.include({ level: 'error', msg: 'shutdown failed', err: { name: 'Error', message: 'exporter broke' } });
  });

  it('exits 130 at once on a second signal, and only once', async () => {
    const codes: number[] = [];
    const { logger, lines } = captureLogger();
    const stops: string[] = [];
    const shutdown = createShutdown({
      readiness: new Readiness(),
      servers: [],
      drainMs: 10_000,
      timeoutMs: 20_000,
      logger,
      stopWork: () => void stops.push('stop'),
      flush: async () => {},
      exit: (c) => void codes.push(c),
      sleep: () => new Promise(() => {}),
    });
    const proc = new EventEmitter();
    shutdown.install(proc);
    proc.emit('SIGTERM');
    proc.emit('SIGINT');
    proc.emit('SIGINT');
    expect(await shutdown.done).to.equal(130);
    expect(codes).to.deep.equal([130]);
    expect(stops).to.deep.equal(['stop']);
    expect(lines.map(untimed)).to.deep.equal([
      { level: 'info', service: 'test', msg: 'shutdown: signal received', signal: 'SIGTERM' },
      { level: 'info', service: 'test', msg: 'shutdown: readiness false, draining', drain_ms: 10_000, timeout_ms: 20_000 },
      { level: 'warn', service: 'test', msg: 'second signal: exiting at once', signal: 'SIGINT' },
    ]);
  });

  it('closes keep-alive connections of a plain server once idle, including one whose request was in flight', async () => {
    const slow = arrivals();
    const server = createServer((req, res) => {
      if (req.url !== '/slow') return void res.end('ok');
      slow.count();
      setTimeout(() => res.end('slow'), 200);
    });
    servers.push(server);
    server.keepAliveTimeout = 60_000;
    const { port } = (await listen(server, 0, '127.0.0.1')) as AddressInfo;
    const { Agent, get } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    const fetch = (path: string): Promise<string> =>
      new Promise((resolve, reject) =>
        get({ host: '127.0.0.1', port, agent, path }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(body));
        }).on('error', reject),
      );
    expect(await fetch('/')).to.equal('ok'); // an idle keep-alive connection
    const inflight = fetch('/slow'); // on a second connection, answered after the signal
    await slow.reached();
    const shutdown = createShutdown({
      readiness: new Readiness(),
      servers: [server],
      drainMs: 0,
      timeoutMs: 3000, // keepAliveTimeout is 60 s: without closing them, close() would wait past the deadline (exit 1)
      logger: captureLogger().logger,
      flush: async () => {},
      exit: () => {},
    });
    shutdown.onSignal('SIGTERM');
    expect(await inflight).to.equal('slow');
    expect(await shutdown.done).to.equal(0);
    agent.destroy();
  });

  it('drains on a real timer by default: nothing is closed before drainMs has passed', async () => {
    const started = performance.now();
    let flushedAfter = -1;
    const shutdown = createShutdown({
      readiness: new Readiness(),
      servers: [],
      drainMs: 200,
      timeoutMs: 5000,
      logger: captureLogger().logger,
      flush: async () => {
        flushedAfter = performance.now() - started;
      },
      exit: () => {},
    });
    shutdown.onSignal('SIGTERM');
    expect(await shutdown.done).to.equal(0);
    // a lower bound only: a loaded machine makes timers late, never early (1 ms for rounding)
    expect(flushedAfter).to.be.at.least(199);
  });

  it('gives the flush only the time left before the deadline', async () => {
    const budgets: number[] = [];
    const codes: number[] = [];
    const { logger, lines } = captureLogger();
    // the drain moves a clock of the test's own: the budget is exact, however late real timers run
    let clock = 5000;
    const shutdown = createShutdown({
      readiness: new Readiness(),
      servers: [],
      drainMs: 700,
      timeoutMs: 1000,
      logger,
      flush: async (budgetMs) => void budgets.push(budgetMs),
      exit: (c) => void codes.push(c),
      now: () => clock,
      sleep: async (ms) => {
        clock += ms;
      },
    });
    shutdown.onSignal('SIGTERM');
    expect(await shutdown.done).to.equal(0);
    // deadline - drain - exit margin
    expect(budgets).to.deep.equal([1000 - 700 - EXIT_MARGIN_MS]);
    // past the (real) deadline timer: the exit cancelled it, and a late signal does nothing
    await new Promise((r) => setTimeout(r, 1100));
    shutdown.onSignal('SIGTERM');
    expect(codes).to.deep.equal([0]);
    expect(lines.map((l) => l.msg)).to.not.include.members(['shutdown: deadline passed, exiting', 'second signal: exiting at once']);
    expect(lines.at(-1)?.msg).to.equal('shutdown: done');
  });

  it('gives the flush nothing when less than the exit margin is left, and still exits 0 within the deadline', async () => {
    const budgets: number[] = [];
    const shutdown = createShutdown({
      readiness: new Readiness(),
      servers: [],
      drainMs: 0,
      timeoutMs: EXIT_MARGIN_MS - 1,
      logger: captureLogger().logger,
      flush: async (budgetMs) => void budgets.push(budgetMs),
      exit: () => {},
      sleep: async () => {},
    });
    shutdown.onSignal('SIGTERM');
    expect(await shutdown.done).to.equal(0);
    expect(budgets).to.deep.equal([0]);
  });

  it('ends silent and half-sent connections of a limited server at once, finishes the request in flight', async () => {
    const { createLimitedServer, ADMIN_LIMITS } = await import('./http-server.ts');
    const seen = arrivals();
    const server = createLimitedServer(
      (_req, res) => {
        seen.count();
        setTimeout(() => res.end('done'), 300);
      },
      { limits: ADMIN_LIMITS },
    );
    let connections = 0;
    server.on('connection', () => connections++);
    servers.push(server);
    const { port } = await listen(server, 0, '127.0.0.1');
    const { connect } = await import('node:net');
    const silent = connect(port, '127.0.0.1');
    const half = connect(port, '127.0.0.1', () => half.write('GET / HTTP/1.1\r\nHost: x\r\n'));
    for (const s of [silent, half]) s.on('error', () => {});
    const inflight = httpRequest(port, '/');
    await seen.reached();
    await pollUntil(() => connections >= 3, 2000, 'the three connections at the server');
    const shutdown = createShutdown({
      readiness: new Readiness(),
      servers: [server],
      drainMs: 0,
      timeoutMs: 5000,
      logger: captureLogger().logger,
      flush: async () => {},
      exit: () => {},
    });
    const started = Date.now();
    shutdown.onSignal('SIGTERM');
    expect((await inflight).body).to.equal('done');
    expect(await shutdown.done).to.equal(0);
    expect(Date.now() - started).to.be.below(1500);
    expect(silent.destroyed || silent.readableEnded).to.equal(true);
  });
});

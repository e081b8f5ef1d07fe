import { context, SpanStatusCode, type Tracer, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { expect } from 'chai';
import { captureLogger, untimed } from '../../../test/support/capture-logger.ts';
import { find, parseExposition, sum, value } from '../../../test/support/exposition.ts';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { type Handler, pong, silent, startServer, type TestServer } from '../../../test/support/loopback-servers.ts';
import { REAL_CLOCK_RETRIES } from '../../../test/support/poll.ts';
import { thrown } from '../../../test/support/thrown.ts';
import { createRegistry } from '../../shared/src/metrics.ts';
import { createPingClient, type PingClient, type PingResult } from './client.ts';
import { createPingerMetrics } from './metrics.ts';
import { Pinger, type PingerOptions } from './pinger.ts';

const OK: PingResult = { outcome: 'success', status: 200, latencyMs: 1, retried: [] };

/** A client whose pings finish only when the test says so, with the result it gives. */
function manualClient(url = 'http://ponger.test/ping') {
  const pending: ((r: PingResult) => void)[] = [];
  const client: PingClient = {
    url,
    close: () => {},
    ping: () => new Promise<PingResult>((resolve) => pending.push(resolve)),
  };
  const finishOne = async (result: PingResult = OK) => {
    pending.shift()?.(result);
    await new Promise((r) => setImmediate(r));
  };
  return { client, pending, finishOne };
}

/** A pinger on a fake clock, its own registry and a captured logger; `over` replaces any option. */
function fakeClockPinger(over: Partial<PingerOptions> & Pick<PingerOptions, 'client' | 'maxInFlight'>) {
  const clock = new FakeClock();
  const registry = createRegistry({ defaultMetrics: false });
  const { logger, lines } = captureLogger('pinger');
  const pinger = new Pinger({
    metrics: createPingerMetrics(registry),
    logger,
    intervalMs: 100,
    clock,
    tracer: trace.getTracer('test'),
    ...over,
  });
  const scrape = async () => parseExposition(await registry.metrics());
  return { pinger, clock, lines, scrape };
}

/** A log line without its time, which the test does not control. */

describe('pinger: schedule + client + metrics', () => {
  it('refuses a maxInFlight that is not an integer >= 1, naming it', () => {
    const { client } = manualClient();
    for (const maxInFlight of [0, -1, 1.5, Number.NaN]) {
      const err = thrown(() => fakeClockPinger({ client, maxInFlight }), RangeError);
      expect(err.message).to.equal(`maxInFlight: expected an integer >= 1, got ${maxInFlight}`);
    }
    expect(fakeClockPinger({ client, maxInFlight: 1 }).pinger.running).to.equal(false);
  });

  describe('in-flight limit (fake clock)', () => {
    it('skips ticks while maxInFlight pings run, resumes after, and drain waits for the last one', async () => {
      const { client, pending, finishOne } = manualClient();
      const { pinger, clock, lines, scrape } = fakeClockPinger({ client, maxInFlight: 1 });
      pinger.start(); // tick 0 starts a ping
      expect(pinger.running).to.equal(true);
      clock.advance(300); // ticks 1..3 find it still in flight
      expect(pending).to.have.length(1);
      expect(pinger.stats).to.deep.equal({ ticks: 4, started: 1, finished: 0, skipped: 3, inFlight: 1 });
      let s = await scrape();
      expect(value(s, 'pinger_requests_total', { outcome: 'skipped' })).to.equal(3);
      expect(value(s, 'pinger_requests_in_flight')).to.equal(1);
      const skips = lines.filter((l) => l.outcome === 'skipped');
      expect(skips.map(untimed)).to.deep.equal(
        [1, 2, 3].map((tick) => ({
          level: 'warn',
          service: 'pinger',
          msg: 'ping',
          outcome: 'skipped',
          reason: 'max_in_flight',
          count: 1,
          in_flight: 1,
          tick,
        })),
      );

      await finishOne();
      expect(value(await scrape(), 'pinger_requests_in_flight')).to.equal(0);
      clock.advance(100); // tick 4 starts a new ping
      expect(pinger.stats).to.deep.equal({ ticks: 5, started: 2, finished: 1, skipped: 3, inFlight: 1 });
      s = await scrape();
      expect(value(s, 'pinger_requests_total', { outcome: 'success' })).to.equal(1);
      expect(lines.filter((l) => l.msg === 'ping' && l.outcome === 'success')).to.have.length(1);
      pinger.stop();
      expect(pinger.running).to.equal(false);
      const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
      const before = timers();
      const drained = pinger.drain(5000); // waits for the ping of tick 4
      await finishOne();
      expect(await drained).to.equal(true);
      expect(timers(), 'a timer left behind would hold the process open until the drain timeout').to.be.at.most(before);
      expect(pinger.stats).to.deep.include({ finished: 2, inFlight: 0 });
    });

    it('lets maxInFlight pings overlap', () => {
      const { client, pending } = manualClient();
      const { pinger, clock } = fakeClockPinger({ client, maxInFlight: 3 });
      pinger.start();
      clock.advance(500);
      pinger.stop();
      expect(pending).to.have.length(3);
      expect(pinger.stats).to.deep.include({ ticks: 6, started: 3, skipped: 3 });
    });

    it('counts ticks passed over by a blocked loop as skipped (late)', async () => {
      const { client } = manualClient();
      const { pinger, clock, lines, scrape } = fakeClockPinger({ client, maxInFlight: 5 });
      pinger.start();
      clock.block(350); // ticks 1, 2 passed over, tick 3 runs
      pinger.stop();
      expect(pinger.stats).to.deep.include({ ticks: 4, started: 2, skipped: 2 });
      expect(untimed(lines.find((l) => l.reason === 'late') ?? {})).to.deep.equal({
        level: 'warn',
        service: 'pinger',
        msg: 'ping',
        outcome: 'skipped',
        reason: 'late',
        count: 2,
        in_flight: 1,
        tick: 1,
      });
      expect(value(await scrape(), 'pinger_requests_total', { outcome: 'skipped' })).to.equal(2);
    });

    it('drain gives up after its timeout while a ping hangs', async () => {
      const { client } = manualClient();
      const { pinger } = fakeClockPinger({ client, maxInFlight: 1 });
      pinger.start();
      pinger.stop();
      const t0 = performance.now();
      expect(await pinger.drain(50)).to.equal(false);
      expect(performance.now() - t0)
        .to.be.at.least(45)
        .and.below(500);
    });

    it('a failing ping or tick is logged as an error and the schedule goes on', async () => {
      const { pinger, clock, lines, scrape } = fakeClockPinger({
        client: { url: 'http://ponger.test/ping', close: () => {}, ping: () => Promise.reject(new TypeError('client broke')) },
        maxInFlight: 1,
      });
      pinger.start();
      await new Promise((r) => setImmediate(r));
      clock.advance(100);
      await new Promise((r) => setImmediate(r));
      pinger.stop();
      expect(lines.map(untimed)).to.deep.equal(
        [0, 1].map(() => ({
          level: 'error',
          service: 'pinger',
          msg: 'ping failed unexpectedly',
          err: { name: 'TypeError', message: 'client broke' },
        })),
      );
      expect(pinger.stats).to.deep.equal({ ticks: 2, started: 2, finished: 2, skipped: 0, inFlight: 0 });
      expect(value(await scrape(), 'pinger_requests_in_flight')).to.equal(0);

      // a tracer that throws makes the tick itself throw, before any ping starts
      const broken = {
        startActiveSpan: () => {
          throw new Error('tracer broke');
        },
      } as unknown as Tracer;
      const other = fakeClockPinger({ client: manualClient().client, maxInFlight: 1, tracer: broken });
      other.pinger.start();
      other.clock.advance(100);
      other.pinger.stop();
      expect(other.lines.map(untimed)).to.deep.equal(
        [0, 1].map(() => ({
          level: 'error',
          service: 'pinger',
          msg: 'scheduler callback failed',
          err: { name: 'Error', message: 'tracer broke' },
        })),
      );
    });
  });

  it('each ping: one span and one log line in it with outcome, status, client id, error, retries; its trace id as exemplar', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    try {
      const { client, finishOne } = manualClient('http://user:s3cret@ponger.test/ping');
      const { pinger, clock, lines, scrape } = fakeClockPinger({ client, maxInFlight: 3, tracer: provider.getTracer('t') });
      pinger.start();
      clock.advance(200);
      pinger.stop();
      const id = 'pinger.ns.serviceaccount.identity.linkerd.cluster.local';
      await finishOne({ outcome: 'success', status: 200, clientId: id, latencyMs: 12.3456, retried: [] });
      await finishOne({ outcome: 'http_error', status: 503, latencyMs: 7.891, retried: ['http_error'] });
      await finishOne({ outcome: 'timeout', error: 'ETIMEDOUT', latencyMs: 30, retried: ['timeout', 'timeout'] });

      const spans = exporter.getFinishedSpans();
      expect(spans.map((x) => [x.name, x.attributes, x.status])).to.deep.equal([
        [
          'ping',
          {
            'url.full': 'http://REDACTED@ponger.test/ping',
            'pinger.tick': 0,
            'pinger.outcome': 'success',
            'http.response.status_code': 200,
            'pinger.ponger_client_id': id,
          },
          { code: SpanStatusCode.UNSET },
        ],
        [
          'ping',
          {
            'url.full': 'http://REDACTED@ponger.test/ping',
            'pinger.tick': 1,
            'pinger.outcome': 'http_error',
            'http.response.status_code': 503,
            'pinger.retries': 1,
          },
          { code: SpanStatusCode.ERROR, message: 'HTTP 503' },
        ],
        [
          'ping',
          { 'url.full': 'http://REDACTED@ponger.test/ping', 'pinger.tick': 2, 'pinger.outcome': 'timeout', 'pinger.retries': 2 },
          { code: SpanStatusCode.ERROR, message: 'ETIMEDOUT' },
        ],
      ]);
      const ids = spans.map((x) => ({ trace_id: x.spanContext().traceId, span_id: x.spanContext().spanId }));
      expect(lines.map(untimed)).to.deep.equal([
        {
          level: 'info',
          service: 'pinger',
          ...ids[0],
          msg: 'ping',
          outcome: 'success',
          status: 200,
          latency_ms: 12.35,
          client_id: id,
          tick: 0,
        },
        {
          level: 'warn',
          service: 'pinger',
          ...ids[1],
          msg: 'ping',
          outcome: 'http_error',
          status: 503,
          latency_ms: 7.89,
          client_id: null,
          retries: 1,
          tick: 1,
        },
        {
          level: 'warn',
          service: 'pinger',
          ...ids[2],
          msg: 'ping',
          outcome: 'timeout',
          status: null,
          latency_ms: 30,
          client_id: null,
          error: 'ETIMEDOUT',
          retries: 2,
          tick: 2,
        },
      ]);
      expect(JSON.stringify(lines)).not.to.include('s3cret');
      const s = await scrape();
      expect(value(s, 'pinger_retries_total', { outcome: 'timeout' })).to.equal(2);
      const bucket = find(s, 'http_client_request_duration_seconds_bucket', { outcome: 'success', le: '0.025' })[0];
      expect(bucket?.exemplar?.labels).to.deep.equal({ trace_id: ids[0]?.trace_id });
    } finally {
      await provider.shutdown();
      context.disable();
    }
  });

  describe('on the real clock with a real client (50 ms ticks, 600 ms)', function () {
    this.retries(REAL_CLOCK_RETRIES);
    const INTERVAL = 50;
    const WINDOW = 600;
    let server: TestServer | undefined;
    let client: PingClient | undefined;
    afterEach(async () => {
      client?.close();
      await server?.close();
      server = undefined;
      client = undefined;
    });

    /** Runs the schedule for WINDOW ms against `handler`; every tick is a ping or a skip, each one logged. */
    async function run(handler: Handler, timeoutMs: number) {
      server = await startServer(handler);
      client = createPingClient({ url: server.url, timeoutMs, retries: 0, maxSockets: 1 });
      await client.ping(); // warm-up outside the measured run: the first request compiles got's code paths
      const registry = createRegistry({ defaultMetrics: false });
      const { logger, lines } = captureLogger('pinger');
      const pinger = new Pinger({
        client,
        metrics: createPingerMetrics(registry),
        logger,
        intervalMs: INTERVAL,
        maxInFlight: 1,
        tracer: trace.getTracer('test'),
      });
      const t0 = performance.now();
      pinger.start();
      await new Promise((r) => setTimeout(r, WINDOW));
      pinger.stop();
      const elapsed = performance.now() - t0;
      expect(await pinger.drain(timeoutMs + 2000)).to.equal(true);
      const s = parseExposition(await registry.metrics());
      const stats = pinger.stats;
      // the schedule held: never more ticks than due times elapsed, and none lost beyond the last
      // few a loaded machine may not have run yet when the test's own timer stopped the schedule
      const due = Math.floor(elapsed / INTERVAL) + 1;
      expect(stats.ticks).to.be.within(due - 3, due);
      expect(sum(s, 'pinger_requests_total')).to.equal(stats.ticks);
      expect(stats.started + stats.skipped).to.equal(stats.ticks);
      // one line per ping, one per skip event (a late one can stand for several ticks: its count)
      const logged = lines.filter((l) => l.msg === 'ping').reduce((n, l) => n + (typeof l.count === 'number' ? l.count : 1), 0);
      expect(logged).to.equal(stats.ticks);
      return { s, stats };
    }

    it('pings ponger on every free tick: each a success, timed, and the last success time set', async () => {
      const { s, stats } = await run(pong, 2000);
      expect(stats.started).to.be.at.least(5);
      expect(value(s, 'pinger_requests_total', { outcome: 'success' })).to.equal(stats.started);
      expect(value(s, 'http_client_request_duration_seconds_count', { outcome: 'success' })).to.equal(stats.started);
      expect(value(s, 'pinger_last_success_timestamp_seconds')).to.be.closeTo(Date.now() / 1000, 5);
    });

    it('a timeout longer than the interval: late pings make skipped ticks, the grid holds', async () => {
      const { s, stats } = await run(silent, 120);
      expect(stats.started).to.be.at.least(2);
      expect(value(s, 'pinger_requests_total', { outcome: 'timeout' })).to.equal(stats.started);
      expect(value(s, 'pinger_requests_total', { outcome: 'skipped' }))
        .to.equal(stats.skipped)
        .and.be.at.least(stats.started);
      expect(value(s, 'pinger_last_success_timestamp_seconds')).to.equal(0);
    });
  });
});

import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { expect } from 'chai';
import { parseExposition, sum, value } from '../../../test/support/exposition.ts';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { type Handler, pong, reset, silent, startServer, type TestServer, unavailable } from '../../../test/support/loopback-servers.ts';
import { freePort } from '../../../test/support/ports.ts';
import { createLogger, type Logger } from '../../shared/src/logger.ts';
import { createRegistry } from '../../shared/src/metrics.ts';
import { createPingClient, type PingClient, type PingResult } from './client.ts';
import { createPingerMetrics } from './metrics.ts';
import { Pinger } from './pinger.ts';

function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service: 'pinger', level: 'debug', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}

/**
 * Writes body bytes until the client goes away: past the 64 KiB cap at once (so a loaded machine
 * cannot turn it into a timeout), then more every millisecond.
 */
const endless: Handler = (_req, res) => {
  res.write('y'.repeat(80 * 1024));
  const timer = setInterval(() => res.write('y'.repeat(16 * 1024)), 1);
  res.on('close', () => clearInterval(timer));
};

/** A client whose pings finish only when the test says so. */
function manualClient(url = 'http://ponger.test/ping') {
  const pending: ((r: PingResult) => void)[] = [];
  const client: PingClient = {
    url,
    close: () => {},
    ping: () => new Promise<PingResult>((resolve) => pending.push(resolve)),
  };
  const finishOne = async () => {
    pending.shift()?.({ outcome: 'success', status: 200, latencyMs: 1, retried: [] });
    await new Promise((r) => setImmediate(r));
  };
  return { client, pending, finishOne };
}

describe('pinger: schedule + client + metrics', () => {
  describe('in-flight limit (fake clock)', () => {
    it('skips ticks while maxInFlight pings run, and resumes after', async () => {
      const clock = new FakeClock();
      const registry = createRegistry({ defaultMetrics: false });
      const { logger, lines } = captureLogger();
      const { client, pending, finishOne } = manualClient();
      const pinger = new Pinger({ client, metrics: createPingerMetrics(registry), logger, intervalMs: 100, maxInFlight: 1, clock });
      pinger.start(); // tick 0 starts a ping
      clock.advance(300); // ticks 1..3 find it still in flight
      expect(pending).to.have.length(1);
      expect(pinger.stats).to.deep.include({ ticks: 4, started: 1, skipped: 3, inFlight: 1 });
      let s = parseExposition(await registry.metrics());
      expect(value(s, 'pinger_requests_total', { outcome: 'skipped' })).to.equal(3);
      expect(value(s, 'pinger_requests_in_flight')).to.equal(1);
      expect(lines.filter((l) => l.outcome === 'skipped' && l.reason === 'max_in_flight')).to.have.length(3);

      await finishOne();
      clock.advance(100); // tick 4 starts a new ping
      expect(pinger.stats).to.deep.include({ ticks: 5, started: 2, finished: 1, skipped: 3 });
      s = parseExposition(await registry.metrics());
      expect(value(s, 'pinger_requests_total', { outcome: 'success' })).to.equal(1);
      expect(lines.filter((l) => l.msg === 'ping' && l.outcome === 'success')).to.have.length(1);
      pinger.stop();
      await finishOne();
      expect(await pinger.drain(100)).to.equal(true);
    });

    it('lets maxInFlight pings overlap', () => {
      const clock = new FakeClock();
      const { logger } = captureLogger();
      const { client, pending } = manualClient();
      const pinger = new Pinger({
        client,
        metrics: createPingerMetrics(createRegistry({ defaultMetrics: false })),
        logger,
        intervalMs: 100,
        maxInFlight: 3,
        clock,
      });
      pinger.start();
      clock.advance(500);
      pinger.stop();
      expect(pending).to.have.length(3);
      expect(pinger.stats).to.deep.include({ ticks: 6, started: 3, skipped: 3 });
    });

    it('counts ticks passed over by a blocked loop as skipped (late)', async () => {
      const clock = new FakeClock();
      const registry = createRegistry({ defaultMetrics: false });
      const { logger, lines } = captureLogger();
      const { client } = manualClient();
      const pinger = new Pinger({ client, metrics: createPingerMetrics(registry), logger, intervalMs: 100, maxInFlight: 5, clock });
      pinger.start();
      clock.block(350); // ticks 1, 2 passed over, tick 3 runs
      pinger.stop();
      expect(pinger.stats).to.deep.include({ ticks: 4, started: 2, skipped: 2 });
      expect(lines.find((l) => l.reason === 'late')).to.deep.include({ outcome: 'skipped', count: 2, tick: 1 });
      expect(value(parseExposition(await registry.metrics()), 'pinger_requests_total', { outcome: 'skipped' })).to.equal(2);
    });

    it('drain gives up after its timeout while a ping hangs', async () => {
      const clock = new FakeClock();
      const { client } = manualClient();
      const pinger = new Pinger({
        client,
        metrics: createPingerMetrics(createRegistry({ defaultMetrics: false })),
        logger: captureLogger().logger,
        intervalMs: 100,
        maxInFlight: 1,
        clock,
      });
      pinger.start();
      pinger.stop();
      const t0 = performance.now();
      expect(await pinger.drain(50)).to.equal(false);
      expect(performance.now() - t0)
        .to.be.at.least(45)
        .and.below(500);
    });
  });

  it('the ping span and log lines carry the URL with any userinfo redacted', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const clock = new FakeClock();
    const { logger, lines } = captureLogger();
    const { client, finishOne } = manualClient('http://user:s3cret@ponger.test/ping');
    const pinger = new Pinger({
      client,
      metrics: createPingerMetrics(createRegistry({ defaultMetrics: false })),
      logger,
      intervalMs: 100,
      maxInFlight: 1,
      clock,
      tracer: provider.getTracer('t'),
    });
    pinger.start();
    await finishOne();
    pinger.stop();
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes['url.full']).to.equal('http://REDACTED@ponger.test/ping');
    expect(JSON.stringify(lines)).not.to.include('s3cret');
    await provider.shutdown();
  });

  describe('each fault counted under its outcome while the schedule holds (real clock, 50 ms ticks)', () => {
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

    async function run(target: Handler | 'closed', timeoutMs: number) {
      let url: string;
      if (target === 'closed') url = `http://127.0.0.1:${await freePort()}`;
      else {
        server = await startServer(target);
        url = server.url;
      }
      client = createPingClient({ url, timeoutMs, retries: 0, maxSockets: 1 });
      await client.ping(); // warm-up outside the measured run: the first request compiles got's code paths
      const registry = createRegistry({ defaultMetrics: false });
      const { logger, lines } = captureLogger();
      const pinger = new Pinger({ client, metrics: createPingerMetrics(registry), logger, intervalMs: INTERVAL, maxInFlight: 1 });
      const t0 = performance.now();
      pinger.start();
      await new Promise((r) => setTimeout(r, WINDOW));
      pinger.stop();
      const elapsed = performance.now() - t0;
      expect(await pinger.drain(timeoutMs + 500)).to.equal(true);
      const s = parseExposition(await registry.metrics());
      const stats = pinger.stats;
      // the schedule held: one tick per interval elapsed, each either a ping or a skip
      const due = Math.floor(elapsed / INTERVAL) + 1;
      expect(stats.ticks).to.be.within(due - 1, due);
      expect(sum(s, 'pinger_requests_total')).to.equal(stats.ticks);
      expect(lines.filter((l) => l.msg === 'ping')).to.have.length(stats.ticks);
      return { s, stats, lines };
    }

    const cases: [string, Handler | 'closed', string, number][] = [
      ['200', pong, 'success', 40],
      ['503', unavailable, 'http_error', 40],
      ['no answer', silent, 'timeout', 30],
      ['nothing listening', 'closed', 'connection_error', 40],
      ['socket destroyed', reset, 'connection_error', 40],
      ['endless body', endless, 'body_too_large', 40],
    ];
    for (const [name, target, outcome, timeoutMs] of cases) {
      it(`${name} -> ${outcome}`, async () => {
        const { s, stats, lines } = await run(target, timeoutMs);
        expect(value(s, 'pinger_requests_total', { outcome })).to.equal(stats.started);
        // each ping ends well within the interval; one overlap is tolerated for a loaded CI machine
        expect(value(s, 'pinger_requests_total', { outcome: 'skipped' })).to.be.at.most(1);
        expect(stats.started).to.be.at.least(10);
        expect(value(s, 'http_client_request_duration_seconds_count', { outcome })).to.equal(stats.started);
        const line = lines.find((l) => l.msg === 'ping');
        expect(line).to.include({ outcome, service: 'pinger' });
        expect(JSON.stringify(lines)).not.to.include('yyyy'); // never a byte of the body
        expect(line).to.have.property('latency_ms').that.is.a('number');
        if (outcome === 'success') {
          expect(line).to.include({ status: 200, client_id: 'none' });
          expect(value(s, 'pinger_last_success_timestamp_seconds')).to.be.closeTo(Date.now() / 1000, 5);
        } else {
          expect(value(s, 'pinger_last_success_timestamp_seconds')).to.equal(0);
        }
      });
    }

    it('a timeout longer than the interval: late pings make skipped ticks, the grid holds', async () => {
      const { s, stats } = await run(silent, 120);
      expect(stats.started).to.be.at.least(3);
      expect(value(s, 'pinger_requests_total', { outcome: 'timeout' })).to.equal(stats.started);
      expect(value(s, 'pinger_requests_total', { outcome: 'skipped' }))
        .to.equal(stats.skipped)
        .and.be.at.least(stats.started);
    });
  });
});

// Process lifecycle of the real services: ponger drains in-flight requests on SIGTERM and flushes
// their spans; pinger survives ponger being down (at start, later and for good) on its schedule and exits 0
// on SIGTERM; a pinger config error exits 78 naming the key.
import { expect } from 'chai';
import { parseExposition, sum, value } from '../../test/support/exposition.ts';
import { get } from '../../test/support/http.ts';
import { KIND, startTraceReceiver, type TraceReceiver } from '../../test/support/otlp-receiver.ts';
import { pollUntil, REAL_CLOCK_RETRIES } from '../../test/support/poll.ts';
import { freePort } from '../../test/support/ports.ts';
import { type LogLine, type Service, stopAll } from '../../test/support/processes.ts';
import { startService } from '../../test/support/services.ts';

const pings = (s: Service, outcome?: string): LogLine[] =>
  s.lines.filter((l) => l.msg === 'ping' && (outcome === undefined || l.outcome === outcome));
const numberField = (l: LogLine, k: string): number => {
  const v = l[k];
  if (typeof v !== 'number') throw new Error(`${k} missing in ${JSON.stringify(l)}`);
  return v;
};

describe('processes: shutdown and failure handling', function () {
  this.retries(REAL_CLOCK_RETRIES);
  this.timeout(30_000);
  let receiver: TraceReceiver | undefined;
  afterEach(async () => {
    await stopAll();
    await receiver?.close();
    receiver = undefined;
  });

  it('SIGTERM to ponger with pings in flight: they complete, ponger exits 0, their spans are flushed', async () => {
    receiver = await startTraceReceiver();
    // a long batch delay: spans only reach the receiver in time because shutdown flushes them
    const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '30000' };
    const ponger = startService('ponger', {
      HOST: '127.0.0.1',
      PORT: '0',
      METRICS_PORT: '0',
      FAULT_LATENCY_MS: '700',
      SHUTDOWN_DRAIN_MS: '300',
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...otel,
    });
    const listening = await ponger.waitForLine((l) => l.msg === 'listening', 15_000);
    const pinger = startService('pinger', {
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      PONGER_URL: `http://127.0.0.1:${numberField(listening, 'app_port')}`,
      PING_INTERVAL_MS: '100',
      PING_TIMEOUT_MS: '3000',
      PING_MAX_IN_FLIGHT: '10',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const started = await pinger.waitForLine((l) => l.msg === 'pinger started', 15_000);
    const admin = numberField(started, 'admin_port');
    // wait until several pings are in flight at ponger (and the first ones have come back)
    await pollUntil(
      async () => {
        const s = parseExposition((await get(`http://127.0.0.1:${admin}/metrics`)).body);
        return value(s, 'pinger_requests_in_flight') >= 5 && value(s, 'pinger_requests_total', { outcome: 'success' }) >= 1;
      },
      15_000,
      'pings in flight',
    );
    const sigtermAt = Date.now();
    ponger.kill('SIGTERM');
    const exit = await ponger.exited;
    expect(exit).to.deep.equal({ code: 0, signal: null });
    expect(ponger.lines.some((l) => l.msg === 'shutdown: done')).to.equal(true);

    // pings whose request began at least 20 ms before the SIGTERM and ended after it were in flight
    const inFlight = await pollUntil(
      () => {
        const ended = pings(pinger).filter((l) => Date.parse(String(l.time)) >= sigtermAt);
        const overlapping = ended.filter(
          (l) => typeof l.latency_ms === 'number' && Date.parse(String(l.time)) - l.latency_ms < sigtermAt - 20,
        );
        return overlapping.length >= 5 ? overlapping : undefined;
      },
      10_000,
      'the pings in flight at SIGTERM to finish',
    );
    for (const l of inFlight) expect(l, 'a ping in flight at SIGTERM').to.include({ outcome: 'success', status: 200 });

    // ponger's SERVER spans of those pings reached the receiver before ponger exited
    const serverTraces = new Set(receiver.spans.filter((s) => s.service === 'ponger' && s.kind === KIND.SERVER).map((s) => s.traceId));
    for (const l of inFlight) expect(serverTraces.has(String(l.trace_id)), `ponger span of trace ${String(l.trace_id)}`).to.equal(true);
    expect(receiver.errors).to.deep.equal([]);
  });

  it('ponger down at start, up, then killed: pinger keeps its schedule and exits 0 on SIGTERM', async () => {
    const pongerPort = await freePort();
    const pinger = startService('pinger', {
      HOST: '127.0.0.1',
      METRICS_PORT: '0',
      PONGER_URL: `http://127.0.0.1:${pongerPort}`,
      PING_INTERVAL_MS: '100',
      PING_TIMEOUT_MS: '300',
      SHUTDOWN_DRAIN_MS: '100',
      OTEL_TRACES_EXPORTER: 'none',
    });
    const started = await pinger.waitForLine((l) => l.msg === 'pinger started', 15_000);
    const admin = numberField(started, 'admin_port');
    const startedAt = Date.parse(String(started.time));
    await pollUntil(() => pings(pinger, 'connection_error').length >= 3, 10_000, 'connection errors while ponger is down');
    expect((await get(`http://127.0.0.1:${admin}/readyz`)).status, 'readiness does not depend on ponger').to.equal(200);

    const ponger = startService('ponger', { HOST: '127.0.0.1', PORT: String(pongerPort), METRICS_PORT: '0', OTEL_TRACES_EXPORTER: 'none' });
    await pollUntil(() => pings(pinger, 'success').length >= 3, 15_000, 'successes once ponger is up');
    ponger.kill('SIGKILL');
    await ponger.exited;
    const errorsBefore = pings(pinger, 'connection_error').length;
    await pollUntil(() => pings(pinger, 'connection_error').length >= errorsBefore + 3, 10_000, 'connection errors after ponger died');

    const s = parseExposition((await get(`http://127.0.0.1:${admin}/metrics`)).body);
    const due = Math.floor((Date.now() - startedAt) / 100) + 1;
    expect(sum(s, 'pinger_requests_total')).to.be.within(due - 4, due + 1);
    expect(value(s, 'pinger_requests_total', { outcome: 'success' })).to.be.at.least(3);
    expect(value(s, 'pinger_requests_total', { outcome: 'connection_error' })).to.be.at.least(6);

    const t0 = Date.now();
    pinger.kill('SIGTERM');
    expect(await pinger.exited).to.deep.equal({ code: 0, signal: null });
    expect(Date.now() - t0, 'exits promptly (drain 100 ms)').to.be.below(3000);
    expect(pinger.stderr.join('\n')).to.not.match(/Unhandled|Error/);
    const last = pinger.lines.at(-1);
    expect(last?.msg).to.equal('shutdown: done');
    // the schedule stopped at the signal: at most the one ping in flight then reports afterwards
    const signalAt = pinger.lines.findIndex((l) => l.msg === 'shutdown: signal received');
    expect(signalAt).to.be.greaterThan(0);
    expect(pinger.lines.slice(signalAt).filter((l) => l.msg === 'ping')).to.have.length.at.most(1);
  });

  // The other pinger config mistakes are held by services/pinger/src/config.test.ts (each key) and
  // services/test/hostile-client.test.ts (exit 78 and one stderr line, as a process); this one also
  // holds that a value read through an alias names the alias it came from.
  it('a config error exits 78 before any ping, with one line naming the key and the alias it came from', async () => {
    const pinger = startService('pinger', { METRICS_PORT: '0', OTEL_TRACES_EXPORTER: 'none', TICK_MS: '-100' });
    expect(await pinger.exited).to.deep.equal({ code: 78, signal: null });
    expect(pinger.stderr.filter((l) => l !== '')).to.deep.equal([
      'config error: ping.intervalMs (PING_INTERVAL_MS or TICK_MS): expected an integer in 1..3600000, got "-100" (from env TICK_MS)',
    ]);
    expect(pinger.lines.filter((l) => l.msg === 'ping')).to.have.length(0);
  });
});

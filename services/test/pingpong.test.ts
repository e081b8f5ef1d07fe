// The real pinger against the real ponger, as processes on loopback: counts, metrics read back
// from both /metrics, a 100 ms schedule, one trace across both services with the mesh identity,
// continued through a stand-in for Linkerd's proxy that rewrites traceparent as proxy tracing does.
import { expect } from 'chai';
import { find, parseExposition, type Sample, sum, value } from '../../test/support/exposition.ts';
import { get } from '../../test/support/http.ts';
import { type IdentityProxy, startIdentityProxy } from '../../test/support/loopback-servers.ts';
import { KIND, type ReceivedSpan, startTraceReceiver, type TraceReceiver } from '../../test/support/otlp-receiver.ts';
import { pollUntil, REAL_CLOCK_RETRIES } from '../../test/support/poll.ts';
import { type LogLine, type Service, stopAll } from '../../test/support/processes.ts';
import { startService } from '../../test/support/services.ts';

const IDENTITY = 'pinger.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local';
const INTERVAL_MS = 100;

function otelEnv(receiver: TraceReceiver): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
}

async function scrape(port: number): Promise<Sample[]> {
  const res = await get(`http://127.0.0.1:${port}/metrics`, { accept: 'application/openmetrics-text; version=1.0.0' });
  expect(res.status).to.equal(200);
  expect(res.headers['content-type']).to.match(/openmetrics/);
  return parseExposition(res.body);
}

function port(line: LogLine, key: string): number {
  const p = line[key];
  if (typeof p !== 'number') throw new Error(`log line ${JSON.stringify(line)} has no numeric ${key}`);
  return p;
}

describe('processes: pinger -> (identity proxy) -> ponger, 100 ms schedule', function () {
  this.retries(REAL_CLOCK_RETRIES);
  this.timeout(30_000);
  let receiver: TraceReceiver;
  let proxy: IdentityProxy;
  let ponger: Service;
  let pinger: Service;
  let pongerPorts: { app: number; admin: number };
  let pingerAdmin: number;
  let pingerStartedAt: number;

  before(async () => {
    receiver = await startTraceReceiver();
    const base = { HOST: '127.0.0.1', METRICS_PORT: '0', SHUTDOWN_DRAIN_MS: '0', SHUTDOWN_TIMEOUT_MS: '5000', ...otelEnv(receiver) };
    ponger = startService('ponger', { ...base, PORT: '0' });
    const listening = await ponger.waitForLine((l) => l.msg === 'listening', 15_000, 'listening');
    pongerPorts = { app: port(listening, 'app_port'), admin: port(listening, 'admin_port') };
    proxy = await startIdentityProxy(`http://127.0.0.1:${pongerPorts.app}`, IDENTITY);
    pinger = startService('pinger', { ...base, PONGER_URL: proxy.url, TICK_MS: String(INTERVAL_MS), PING_TIMEOUT_MS: '500' });
    const started = await pinger.waitForLine((l) => l.msg === 'pinger started', 15_000, 'pinger started');
    pingerAdmin = port(started, 'admin_port');
    pingerStartedAt = Date.parse(String(started.time));
    // at least 15 pongs
    await pollUntil(
      () => pinger.lines.filter((l) => l.msg === 'ping' && l.outcome === 'success').length >= 15,
      15_000,
      '15 successful pings',
    );
  });

  after(async () => {
    await stopAll();
    await proxy?.close();
    await receiver?.close();
  });

  it('pongs are counted alike by pinger and ponger (read back from both /metrics)', async () => {
    const pingerMetrics = await scrape(pingerAdmin);
    const pongerMetrics = await scrape(pongerPorts.admin);
    const pingerOk = value(pingerMetrics, 'pinger_requests_total', { outcome: 'success' });
    const pongerOk = value(pongerMetrics, 'http_server_request_duration_seconds_count', {
      http_route: '/ping',
      http_response_status_code: '200',
    });
    const pongerById = value(pongerMetrics, 'ponger_requests_by_client_identity_total', { client_id: IDENTITY });
    expect(pingerOk).to.be.at.least(15);
    // ponger was scraped a moment later and counts a request before pinger sees its answer
    expect(pongerOk - pingerOk).to.be.within(0, 3);
    expect(pongerById).to.equal(pongerOk);
    for (const outcome of ['http_error', 'timeout', 'connection_error']) {
      expect(value(pingerMetrics, 'pinger_requests_total', { outcome }), outcome).to.equal(0);
    }
    expect(value(pingerMetrics, 'http_client_request_duration_seconds_count', { http_request_method: 'GET', outcome: 'success' })).to.equal(
      pingerOk,
    );
    expect(value(pingerMetrics, 'pinger_last_success_timestamp_seconds')).to.be.closeTo(Date.now() / 1000, 2);
    expect(find(pingerMetrics, 'process_cpu_seconds_total')).to.have.length(1);
  });

  it('keeps the 100 ms schedule: ticks match the time elapsed', async () => {
    const s = await scrape(pingerAdmin);
    const elapsed = Date.now() - pingerStartedAt;
    const ticks = sum(s, 'pinger_requests_total');
    const due = Math.floor(elapsed / INTERVAL_MS) + 1;
    expect(ticks).to.be.within(due - 3, due + 1);
    // every tick is reported once in the log, as a ping or inside a skip line (tick = first, count):
    // none lost, none doubled, whatever the load on the machine
    const covered: number[] = [];
    for (const l of pinger.lines.filter((x) => x.msg === 'ping')) {
      const first = l.tick as number;
      const count = l.outcome === 'skipped' ? (l.count as number) : 1;
      for (let k = first; k < first + count; k++) covered.push(k);
    }
    covered.sort((a, b) => a - b);
    expect(new Set(covered).size, 'no tick reported twice').to.equal(covered.length);
    // the newest ticks may still be in flight (reported later), so check all but the last few
    const settled = covered.filter((k) => k <= (covered.at(-1) ?? 0) - 5);
    expect(settled.length).to.be.at.least(10);
    expect(settled).to.deep.equal([...Array(settled.length).keys()]);
  });

  it('each ping is one JSON log line with outcome, status, latency, the identity ponger saw, trace id', () => {
    const line = pinger.lines.find((l) => l.msg === 'ping' && l.outcome === 'success');
    expect(line).to.include({ level: 'info', service: 'pinger', status: 200, client_id: IDENTITY });
    expect(line?.latency_ms).to.be.a('number').within(0, 500);
    expect(line?.trace_id).to.match(/^[0-9a-f]{32}$/);
    expect(Date.parse(String(line?.time))).to.be.greaterThan(0);
  });

  it('exposes probes on the admin port: /livez and /readyz 200 while running', async () => {
    for (const p of [pingerAdmin, pongerPorts.admin]) {
      expect((await get(`http://127.0.0.1:${p}/livez`)).status).to.equal(200);
      expect((await get(`http://127.0.0.1:${p}/readyz`)).status).to.equal(200);
    }
  });

  it("one trace per ping: ping span -> pinger CLIENT span -> (the proxy's span) -> ponger SERVER span with linkerd.client_id", async () => {
    const line = pinger.lines.find((l) => l.msg === 'ping' && l.outcome === 'success' && typeof l.trace_id === 'string');
    const traceId = String(line?.trace_id);
    const spans = await pollUntil(
      () => {
        const t = receiver.spans.filter((s) => s.traceId === traceId);
        return t.some((s) => s.service === 'ponger' && s.kind === KIND.SERVER) && t.some((s) => s.service === 'pinger' && s.name === 'ping')
          ? t
          : undefined;
      },
      10_000,
      `spans of trace ${traceId} from both services`,
    );
    expect(receiver.errors).to.deep.equal([]);
    const ping = spans.find((s) => s.service === 'pinger' && s.name === 'ping') as ReceivedSpan;
    const clients = spans.filter((s) => s.service === 'pinger' && s.kind === KIND.CLIENT);
    const server = spans.find((s) => s.service === 'ponger' && s.kind === KIND.SERVER) as ReceivedSpan;
    expect(ping.parentSpanId).to.equal(''); // the root of the trace
    expect(ping.kind).to.equal(KIND.INTERNAL);
    expect(ping.attributes['pinger.outcome']).to.equal('success');
    expect(clients, 'exactly one http CLIENT span per ping (no double instrumentation)').to.have.length(1);
    expect(clients[0]?.parentSpanId).to.equal(ping.spanId);
    // the proxy wrote its own span id into traceparent: ponger's span is the proxy's child, as in
    // the mesh with proxy tracing on (pinger's CLIENT span is the proxy span's parent there)
    const proxySpan = proxy.spans.get(traceId);
    expect(proxySpan).to.match(/^[0-9a-f]{16}$/);
    expect(server.parentSpanId).to.equal(proxySpan).and.not.equal(clients[0]?.spanId);
    expect(server.attributes['linkerd.client_id']).to.equal(IDENTITY);
    // the log line carries the id of the ping span
    expect(line?.span_id).to.equal(ping.spanId);
  });

  it('pinger exemplars point at traces that reached the receiver', async () => {
    const s = await scrape(pingerAdmin);
    const exemplar = find(s, 'http_client_request_duration_seconds_bucket', { outcome: 'success' }).find((x) => x.exemplar)?.exemplar;
    expect(exemplar?.labels.trace_id).to.match(/^[0-9a-f]{32}$/);
    const traceId = exemplar?.labels.trace_id;
    await pollUntil(() => receiver.spans.some((x) => x.traceId === traceId && x.name === 'ping'), 10_000, 'the exemplar trace');
  });
});

// Spawned ponger exporting OTLP/HTTP JSON to a local sink: one SERVER span per request named by route, probes
// and scrapes are not traced, incoming trace context is continued, and shutdown flushes spans.

import { connect } from 'node:net';
import { expect } from 'chai';
import { parseExposition } from '../../../test/support/exposition.ts';
import { httpRequest } from '../../../test/support/http.ts';
import { KIND, startTraceReceiver, type TraceReceiver } from '../../../test/support/otlp-receiver.ts';
import { waitFor } from '../../../test/support/poll.ts';
import { freePort } from '../../../test/support/ports.ts';
import type { Service } from '../../../test/support/processes.ts';
import { LOOPBACK_ANY_PORT, startService } from '../../../test/support/services.ts';

const PINGER = 'pinger.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

describe('ponger tracing (spawned, OTLP/HTTP to a local sink)', () => {
  let receiver: TraceReceiver;
  let child: Service | undefined;

  before(async () => {
    receiver = await startTraceReceiver();
  });
  // a test that fails midway must not leave its ponger exporting into the next test's receiver
  afterEach(() => child?.kill('SIGKILL'));
  after(async () => {
    await receiver.close();
  });

  it('exports one `GET /ping` SERVER span per request with http.route and linkerd.client_id, none for probes, and flushes on SIGTERM', async () => {
    child = startService('ponger', {
      ...LOOPBACK_ANY_PORT,
      SHUTDOWN_DRAIN_MS: '0',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // nothing leaves before SIGTERM, however slow the machine: the spans below come from the shutdown flush
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    });
    const info = await child.listening();
    const app = info.app_port as number;
    const admin = info.admin_port as number;
    const res = await httpRequest(app, '/ping', {
      headers: { 'l5d-client-id': PINGER, traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` },
    });
    expect(res.status).to.equal(200);
    for (const path of ['/livez', '/readyz', '/metrics']) await httpRequest(admin, path);
    await httpRequest(app, '/metrics');

    // the exemplar of the traced request carries its trace id (exemplars exist only in OpenMetrics)
    const metrics = parseExposition(
      (await httpRequest(admin, '/metrics', { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).body,
    );
    const exemplars = metrics
      .filter((s) => s.name === 'http_server_request_duration_seconds_bucket' && s.exemplar)
      .map((s) => s.exemplar?.labels.trace_id);
    expect(exemplars).to.include(TRACE_ID);
    // after the exemplar check: a bucket keeps only its latest exemplar, and both requests may fall in one
    // behind a Linkerd proxy with tracing on, traceparent names the proxy's span while a caller's b3
    // still names the caller's: the W3C context must win
    await httpRequest(app, '/ping', {
      headers: { traceparent: `00-${'a'.repeat(32)}-${'c'.repeat(16)}-01`, b3: `${'a'.repeat(32)}-${'b'.repeat(16)}-1` },
    });

    // two pipelined requests on one connection: the second response is written from the first's
    // context, and each access line must still carry its own request's trace
    const pipelined = ['1', '2'].map((d) => `00-${d.repeat(32)}-${d.repeat(16)}-01`);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(app, '127.0.0.1', () =>
        socket.write(pipelined.map((tp) => `GET /ping HTTP/1.1\r\nHost: x\r\ntraceparent: ${tp}\r\n\r\n`).join('')),
      );
      let got = '';
      socket.on('data', (d: Buffer) => {
        got += d.toString('latin1');
        if (got.split('pong').length > 2) socket.end(resolve);
      });
      socket.on('error', reject);
    });

    expect(receiver.spans).to.have.length(0); // a batch delay of 60 s: the spans below arrive via the shutdown flush
    child.child.kill('SIGTERM');
    expect((await child.exited).code).to.equal(0);
    await waitFor(() => receiver.spans.length > 0, 3000, 'exported spans');

    const spans = receiver.spans;
    expect(receiver.errors).to.deep.equal([]);
    expect(new Set(spans.map((s) => s.service))).to.deep.equal(new Set(['ponger']));
    const servers = spans.filter((s) => s.kind === KIND.SERVER);
    const targets = servers.map((s) => s.attributes['url.path'] ?? s.attributes['http.target']);
    expect(targets, 'probe and scrape paths are not traced').not.to.include.members(['/livez', '/readyz']);
    expect(
      targets.filter((t) => t === '/metrics'),
      '/metrics not traced',
    ).to.have.length(0);

    const w3c = servers.find((s) => s.traceId === TRACE_ID);
    expect(w3c, 'server span continuing the incoming traceparent').not.to.equal(undefined);
    expect(w3c?.parentSpanId).to.equal('b7ad6b7169203331');
    expect(w3c?.attributes['linkerd.client_id']).to.equal(PINGER);
    expect(w3c?.attributes['http.route']).to.equal('/ping');
    expect(w3c?.name).to.equal('GET /ping');
    const inTrace = spans.filter((s) => s.traceId === TRACE_ID).map((s) => `${s.name} ${s.kind}`);
    expect(inTrace, 'exactly one span per request: the SERVER span (no middleware spans)').to.have.length(1);
    // its access log line carries the trace and the SERVER span it belongs to
    const access = child.lines.filter((l) => l.msg === 'GET /ping 200');
    expect(access.find((l) => l.trace_id === TRACE_ID)).to.include({ span_id: w3c?.spanId, client_id: PINGER });
    for (const d of ['1', '2']) {
      const span = servers.find((x) => x.traceId === d.repeat(32));
      expect(
        access.filter((l) => l.trace_id === d.repeat(32)).map((l) => l.span_id),
        `pipelined request ${d}`,
      ).to.deep.equal([span?.spanId]);
    }
    expect(
      servers.find((s) => s.traceId === 'a'.repeat(32))?.parentSpanId,
      "traceparent (the proxy's span) wins over a b3 header",
    ).to.equal('c'.repeat(16));
  });

  it('survives an unreachable collector: requests still served, few warnings, clean exit', async () => {
    const deadPort = await freePort();
    child = startService('ponger', {
      ...LOOPBACK_ANY_PORT,
      SHUTDOWN_DRAIN_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '8000',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${deadPort}`,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    });
    const info = await child.listening();
    for (let i = 0; i < 30; i++) {
      expect((await httpRequest(info.app_port as number, '/ping')).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 20));
    }
    child.child.kill('SIGTERM');
    expect((await child.exited).code).to.equal(0);
    const warnings = child.lines.filter((l) => l.level === 'warn' || l.level === 'error');
    expect(warnings.length, JSON.stringify(warnings)).to.be.at.most(3);
    expect(child.stderr.filter((l) => l.trim() !== '')).to.deep.equal([]);
  });

  // OTEL_TRACES_EXPORTER=none is held in-process (shared/src/telemetry.test.ts); spawned once here:
  // the SDK switched off while an exporter is named.
  it('exports nothing with OTEL_SDK_DISABLED=true, even with OTEL_TRACES_EXPORTER=otlp', async () => {
    receiver.spans.length = 0;
    child = startService('ponger', {
      ...LOOPBACK_ANY_PORT,
      SHUTDOWN_DRAIN_MS: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SDK_DISABLED: 'true',
      OTEL_TRACES_EXPORTER: 'otlp',
    });
    const info = await child.listening();
    for (let i = 0; i < 3; i++)
      expect(
        (await httpRequest(info.app_port as number, '/ping', { headers: { traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` } })).status,
      ).to.equal(200);
    child.child.kill('SIGTERM');
    expect((await child.exited).code).to.equal(0);
    expect(receiver.spans).to.have.length(0);
  });
});

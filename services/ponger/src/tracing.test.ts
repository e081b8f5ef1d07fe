// Spawned ponger exporting OTLP/HTTP JSON to a local sink: one SERVER span per request named by route, probes
// and scrapes are not traced, incoming trace context is continued, and shutdown flushes spans.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { spawnService, type Service } from '../../shared/test/spawn.ts';
import { httpRequest, waitFor } from '../../shared/test/helpers.ts';
import { parseExposition } from '../../shared/test/exposition.ts';
import { listen } from '../../shared/src/listen.ts';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}
interface OtlpBody {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { scope: { name: string }; spans: OtlpSpan[] }[] }[];
}

const SERVER_KIND = 2;
const PINGER = 'pinger.pingpong-mesh.serviceaccount.identity.linkerd.cluster.local';
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';

function attr(span: OtlpSpan, key: string): unknown {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : Object.values(v)[0];
}

describe('ponger tracing (spawned, OTLP/HTTP to a local sink)', () => {
  let sink: Server;
  let sinkPort: number;
  const bodies: OtlpBody[] = [];
  let child: Service | undefined;

  before(async () => {
    sink = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpBody);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    sinkPort = (await listen(sink, 0, '127.0.0.1')).port;
  });
  after(() => {
    child?.kill('SIGKILL');
    sink.closeAllConnections();
    sink.close();
  });

  it('exports one `GET /ping` SERVER span per request with http.route and linkerd.client_id, none for probes, and flushes on SIGTERM', async () => {
    child = spawnService('services/ponger/src/main.ts', {
      env: {
        HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', SHUTDOWN_DRAIN_MS: '0',
        OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
      },
    });
    const info = await child.listening();
    const app = info.app_port as number;
    const admin = info.admin_port as number;
    const res = await httpRequest(app, '/ping', { headers: { 'l5d-client-id': PINGER, traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` } });
    expect(res.status).to.equal(200);
    await httpRequest(app, '/ping', { headers: { 'x-b3-traceid': 'a'.repeat(32), 'x-b3-spanid': 'b'.repeat(16), 'x-b3-sampled': '1' } });
    for (const path of ['/livez', '/readyz', '/metrics']) await httpRequest(admin, path);
    await httpRequest(app, '/metrics');

    // the exemplar of the traced request carries its trace id
    const metrics = parseExposition((await httpRequest(admin, '/metrics')).body);
    const exemplars = metrics.filter((s) => s.name === 'http_server_request_duration_seconds_bucket' && s.exemplar).map((s) => s.exemplar?.labels.trace_id);
    expect(exemplars).to.include(TRACE_ID);

    expect(bodies).to.have.length(0); // default batch delay is 5 s: spans below arrive via the shutdown flush
    child.child.kill('SIGTERM');
    expect((await child.exited).code).to.equal(0);
    await waitFor(() => bodies.length > 0, 3000, 'exported spans');

    const spans = bodies.flatMap((b) => b.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.map((span) => ({ scope: s.scope.name, span })))));
    const serviceNames = bodies.flatMap((b) => b.resourceSpans.map((r) => r.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue));
    expect(new Set(serviceNames)).to.deep.equal(new Set(['ponger']));
    const servers = spans.filter((s) => s.span.kind === SERVER_KIND);
    const targets = servers.map((s) => attr(s.span, 'url.path') ?? attr(s.span, 'http.target'));
    expect(targets, 'probe and scrape paths are not traced').not.to.include.members(['/livez', '/readyz']);
    expect(targets.filter((t) => t === '/metrics'), '/metrics not traced').to.have.length(0);

    const w3c = servers.find((s) => s.span.traceId === TRACE_ID);
    expect(w3c, 'server span continuing the incoming traceparent').not.to.equal(undefined);
    expect(w3c?.span.parentSpanId).to.equal('b7ad6b7169203331');
    expect(attr(w3c!.span, 'linkerd.client_id')).to.equal(PINGER);
    expect(attr(w3c!.span, 'http.route')).to.equal('/ping');
    expect(w3c?.span.name).to.equal('GET /ping');
    const inTrace = spans.filter((s) => s.span.traceId === TRACE_ID).map((s) => `${s.scope} ${s.span.kind}`);
    expect(inTrace, 'exactly one span per request: the SERVER span (no middleware spans)').to.have.length(1);
    expect(servers.some((s) => s.span.traceId === 'a'.repeat(32)), 'B3 context accepted').to.equal(true);
  });

  it('survives an unreachable collector: requests still served, few warnings, clean exit', async () => {
    const closed = createServer();
    const deadPort = (await listen(closed, 0, '127.0.0.1')).port;
    closed.close();
    child = spawnService('services/ponger/src/main.ts', {
      env: {
        HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', SHUTDOWN_DRAIN_MS: '0', SHUTDOWN_TIMEOUT_MS: '8000',
        OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${deadPort}`, OTEL_BSP_SCHEDULE_DELAY: '50',
      },
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

  const offSwitches: Record<string, string>[] = [{ OTEL_TRACES_EXPORTER: 'none' }, { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }];
  for (const off of offSwitches) {
    it(`exports nothing with ${Object.entries(off)[0]?.join('=')}`, async () => {
      bodies.length = 0;
      child = spawnService('services/ponger/src/main.ts', {
        env: { HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', SHUTDOWN_DRAIN_MS: '0', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`, OTEL_BSP_SCHEDULE_DELAY: '50', ...off },
      });
      const info = await child.listening();
      for (let i = 0; i < 3; i++) expect((await httpRequest(info.app_port as number, '/ping', { headers: { traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` } })).status).to.equal(200);
      child.child.kill('SIGTERM');
      expect((await child.exited).code).to.equal(0);
      expect(bodies).to.have.length(0);
    });
  }
});

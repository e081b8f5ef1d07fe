import { type AddressInfo, connect } from 'node:net';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { expect } from 'chai';
import { captureLogger } from '../../../test/support/capture-logger.ts';
import { parseExposition, value } from '../../../test/support/exposition.ts';
import { closeNow, get } from '../../../test/support/http.ts';
import { pong, silent, startServer, unavailable } from '../../../test/support/loopback-servers.ts';
import { pollUntil, sleep } from '../../../test/support/poll.ts';
import { listen } from '../../shared/src/listen.ts';
import { createPingerApp } from './app.ts';
import { loadPingerConfig } from './config.ts';

describe('pinger/app', () => {
  it('builds client, schedule, spans and admin server from the config, and starts nothing', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    expect(trace.setGlobalTracerProvider(provider), 'no other global tracer provider').to.equal(true);
    // requests 1-2: tick 0's ping (a 503, retried once); 3-4: two pings at once; 5-6: no answer
    const ponger = await startServer((req, res, n) => {
      if (n === 1) unavailable(req, res, n);
      else if (n <= 2) pong(req, res, n);
      else if (n <= 4) setTimeout(() => pong(req, res, n), 30);
      else silent(req, res, n);
    });
    const env = { PONGER_URL: ponger.url, PING_INTERVAL_MS: '60000', PING_TIMEOUT_MS: '300', PING_RETRIES: '1', PING_MAX_IN_FLIGHT: '1' };
    const cfg = loadPingerConfig({ env, argv: [], readFile: () => '' });
    const log = captureLogger('pinger');
    const app = createPingerApp(cfg, log.logger, '1.2.3');
    try {
      expect(app.client.url).to.equal(`${ponger.url}/ping`);
      expect(app.pinger.running).to.equal(false);
      expect(app.admin.listening).to.equal(false);
      expect(app.readiness.ready).to.equal(false);

      app.pinger.start(); // tick 0 pings now; the next tick is a minute away
      await pollUntil(() => app.pinger.stats.finished === 1, 5000, 'the first ping');
      app.pinger.stop();
      expect(ponger.requests.map((r) => r.headers['user-agent'])).to.deep.equal(['pingpong-pinger/1.2.3', 'pingpong-pinger/1.2.3']);
      const [span] = exporter.getFinishedSpans();
      expect(span?.instrumentationScope).to.deep.include({ name: 'pinger', version: '1.2.3' });
      expect(span?.attributes).to.deep.include({ 'pinger.outcome': 'success', 'pinger.retries': 1 });

      // ping.maxInFlight sockets: a second ping at once waits for the one keep-alive connection
      const both = await Promise.all([app.client.ping(), app.client.ping()]);
      expect(both.map((r) => r.outcome)).to.deep.equal(['success', 'success']);
      expect(ponger.connections).to.equal(1);
      // ping.timeoutMs bounds each attempt
      const late = await Promise.race([app.client.ping(), sleep(5000).then(() => undefined)]);
      expect(late).to.deep.include({ outcome: 'timeout', retried: ['timeout'] });

      const { port } = (await listen(app.admin, 0, '127.0.0.1')) as AddressInfo;
      const admin = `http://127.0.0.1:${port}`;
      expect(await get(`${admin}/readyz`)).to.include({ status: 503, body: 'starting\n' });
      app.readiness.markReady();
      expect(await get(`${admin}/readyz`)).to.include({ status: 200, body: 'ready\n' });
      const s = parseExposition((await get(`${admin}/metrics`)).body);
      expect(value(s, 'pinger_requests_total', { outcome: 'success' })).to.equal(1);
      expect(value(s, 'pinger_retries_total', { outcome: 'http_error' })).to.equal(1);
      expect(
        s.some((x) => x.name === 'process_resident_memory_bytes'),
        'the default process metrics',
      ).to.equal(true);
      // the admin server logs a malformed request (code only, none of its bytes) like ponger's
      const bad = connect(port, '127.0.0.1');
      bad.end('NOT HTTP\r\n\r\n');
      await pollUntil(() => log.lines.some((l) => l.msg === 'client error'), 5000, 'the client error line');
      expect(log.lines.find((l) => l.msg === 'client error')).to.include({ level: 'debug', code: 'HPE_INVALID_METHOD' });
    } finally {
      app.client.close();
      await closeNow(app.admin);
      await ponger.close();
      await provider.shutdown();
      trace.disable();
    }
  });
});

// One in-process measurement, in its own process (telemetry is process-global), started by
// bench/in-process.ts: ponger's request listener (the app behind its SERVER-span wrapper, as
// createHttpServer builds it) called directly with GET /ping, IN_PROCESS_CONCURRENCY requests at a
// time, over a stream that discards what is written: no socket, so no kernel loopback work in the
// figure. Each response ends as the HTTP server ends it ('finish', then 'close' on the request and
// response, which ends the span), and the loop yields to the event loop after each response so
// timers and the span exporter run. Logs go to /dev/null, spans to OTEL_EXPORTER_OTLP_ENDPOINT.
// Prints one line: IN_PROCESS_RESULT {"requests","cpuUsPerRequest","spansPerRequest"}.
import { openSync } from 'node:fs';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { createLogger } from '../services/shared/src/logger.ts';
import { withServerSpans } from '../services/shared/src/server-spans.ts';
import { startTelemetry } from '../services/shared/src/telemetry.ts';
import { wholeNumber } from './env.ts';

const requests = wholeNumber('IN_PROCESS_REQUESTS', process.env.IN_PROCESS_REQUESTS, 100_000);
const concurrency = wholeNumber('IN_PROCESS_CONCURRENCY', process.env.IN_PROCESS_CONCURRENCY, 32);
const logger = createLogger({ service: 'ponger', fd: openSync('/dev/null', 'w') });
const telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: 'bench', logger });
// after telemetry, as ponger's main does
const { createPongerApp } = await import('../services/ponger/src/app.ts');
const ponger = createPongerApp({ errorRate: 0, latencyMs: 0, maxSeries: 100, logger });
const listener = withServerSpans(ponger.app, { tracer: trace.getTracer('ponger') });

let answered = 0;
function one(): Promise<void> {
  return new Promise((resolve) => {
    const socket = new Duplex({ read() {}, write: (_chunk, _enc, cb) => cb() });
    Object.assign(socket, { remoteAddress: '127.0.0.1', localPort: 8080 });
    const req = new IncomingMessage(socket as never);
    Object.assign(req, { method: 'GET', url: '/ping', httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1 });
    req.headers = { host: '127.0.0.1:8080' };
    req.push(null);
    const res = new ServerResponse(req);
    res.assignSocket(socket as never);
    res.on('finish', () => {
      if (res.statusCode === 200) answered++;
      res.detachSocket(socket as never);
      process.nextTick(() => {
        req.emit('close');
        res.emit('close');
      });
      setImmediate(resolve);
    });
    listener(req, res);
  });
}

async function run(n: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) await one();
    }),
  );
}

const warmup = Math.ceil(requests / 5);
await run(warmup); // the JIT and the heap settle
answered = 0;
const before = process.cpuUsage();
await run(requests);
const cpu = process.cpuUsage(before);
await telemetry.shutdown(3000);
if (answered !== requests) throw new Error(`${String(answered)} of ${String(requests)} requests answered 200`);
// spans exported over warm-up and measured run alike
const result = {
  requests,
  cpuUsPerRequest: (cpu.user + cpu.system) / requests,
  spansPerRequest: telemetry.spans.exported / (warmup + requests),
};
process.stdout.write(`IN_PROCESS_RESULT ${JSON.stringify(result)}\n`);
process.exit(0);

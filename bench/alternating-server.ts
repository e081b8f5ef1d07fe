// One server process of `npm run bench:alternating` (bench/alternating.ts): ponger's app on a real
// loopback socket behind a listener that switches every 200 ms between the
// app untraced and the app behind its SERVER-span wrapper (as createHttpServer builds it), and
// adds up the CPU time and the requests of each phase. Both phases run in the same process, so the
// VM's process-to-process speed swing (BENCHMARKS.md) is the same for both. Tracing is configured
// by the OTEL_* variables as in ponger; logs go to /dev/null (synchronous writes, as to stdout).
// Prints {"listening":PORT}; SIGUSR2 zeroes the figures (after a warm-up); SIGTERM closes the
// server, flushes the spans and prints ALTERNATING_RESULT {"untraced":{requests,cpuUs},
// "traced":{requests,cpuUs},"tracedTotal","spans":{exported,dropped,failed}}, then exits 0.
import { openSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { APP_LIMITS, createLimitedServer } from '../services/shared/src/http-server.ts';
import { createLogger } from '../services/shared/src/logger.ts';
import { withServerSpans } from '../services/shared/src/server-spans.ts';
import { startTelemetry } from '../services/shared/src/telemetry.ts';

const PHASE_MS = 200;
const logger = createLogger({ service: 'ponger', fd: openSync('/dev/null', 'w') });
const telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: 'bench', logger });
// after telemetry, as ponger's main does
const { createPongerApp } = await import('../services/ponger/src/app.ts');
const ponger = createPongerApp({ errorRate: 0, latencyMs: 0, maxSeries: 100, logger });

interface Phase {
  readonly listener: RequestListener;
  requests: number;
  cpuUs: number;
}
const phases: readonly [Phase, Phase] = [
  { listener: ponger.app, requests: 0, cpuUs: 0 },
  { listener: withServerSpans(ponger.app, { tracer: trace.getTracer('ponger') }), requests: 0, cpuUs: 0 },
];
let current: 0 | 1 = 0;
let tracedTotal = 0;
let last = process.cpuUsage();

/** Adds the CPU time since the last call to the current phase (one reading: none is lost between two). */
function account(): void {
  const now = process.cpuUsage();
  phases[current].cpuUs += now.user - last.user + (now.system - last.system);
  last = now;
}

const server = createLimitedServer(
  (req, res) => {
    const phase = phases[current];
    phase.requests++;
    if (current === 1) tracedTotal++;
    phase.listener(req, res);
  },
  { limits: APP_LIMITS, logger },
);
const switcher = setInterval(() => {
  account();
  current = current === 0 ? 1 : 0;
}, PHASE_MS);

process.on('SIGUSR2', () => {
  account();
  for (const p of phases) {
    p.requests = 0;
    p.cpuUs = 0;
  }
});
process.once('SIGTERM', () => {
  account();
  clearInterval(switcher);
  const [untraced, traced] = phases.map(({ requests, cpuUs }) => ({ requests, cpuUs }));
  server.closeAllConnections();
  server.close(async () => {
    await telemetry.shutdown(3000);
    const result = { untraced, traced, tracedTotal, spans: telemetry.spans };
    process.stdout.write(`ALTERNATING_RESULT ${JSON.stringify(result)}\n`);
    process.exit(0);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ listening: (server.address() as AddressInfo).port })}\n`);
});

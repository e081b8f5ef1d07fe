// ponger entry point. Fixed order: validated config, logger, telemetry, app (dynamic import, so
// node:http is instrumented before the app module loads), listen (app + admin), shutdown hooks.

import { createAdminServer, Readiness } from '../../shared/src/admin.ts';
import { checkCommon } from '../../shared/src/common-keys.ts';
import { loadConfig } from '../../shared/src/config.ts';
import { createShutdown } from '../../shared/src/lifecycle.ts';
import { listen } from '../../shared/src/listen.ts';
import { createLogger } from '../../shared/src/logger.ts';
import { runMain } from '../../shared/src/main-runner.ts';
import { startTelemetry } from '../../shared/src/telemetry.ts';
import { readVersion } from '../../shared/src/version.ts';
import { PONGER_KEYS } from './config.ts';

await runMain(async () => {
  const cfg = loadConfig(PONGER_KEYS);
  checkCommon(cfg);
  const logger = createLogger({ service: 'ponger', level: cfg['log.level'] });
  const version = readVersion(import.meta.url);
  const telemetry = await startTelemetry({ serviceName: 'ponger', serviceVersion: version, logger });

  const { createPongerApp } = await import('./app.ts');
  const readiness = new Readiness();
  const ponger = createPongerApp({
    errorRate: cfg['faults.errorRate'],
    latencyMs: cfg['faults.latencyMs'],
    maxSeries: cfg['identity.maxSeries'],
    expectedIdentities: cfg['identity.expected'],
    logger,
    readiness,
  });
  telemetry.registerMetrics(ponger.registry);
  const appServer = ponger.createHttpServer();
  const adminServer = createAdminServer({ registry: ponger.registry, readiness, logger });

  const host = cfg['service.host'];
  const appAddr = await listen(appServer, cfg['service.port'], host, 'app', 'service.port (PORT)');
  const adminAddr = await listen(adminServer, cfg['metrics.port'], host, 'admin', 'metrics.port (METRICS_PORT)');
  // signal handlers before anything says the service is up: a SIGTERM right after the
  // start-up line must drain, not kill the process with the default handler
  createShutdown({
    readiness,
    servers: [appServer, adminServer],
    drainMs: cfg['shutdown.drainMs'],
    timeoutMs: cfg['shutdown.timeoutMs'],
    flush: (budgetMs) => telemetry.shutdown(budgetMs),
    logger,
    exit: (code) => process.exit(code),
  }).install();
  readiness.markReady();
  logger.info('listening', {
    host,
    app_port: appAddr.port,
    admin_port: adminAddr.port,
    version,
    error_rate: cfg['faults.errorRate'],
    latency_ms: cfg['faults.latencyMs'],
    identity_max_series: cfg['identity.maxSeries'],
  });
});

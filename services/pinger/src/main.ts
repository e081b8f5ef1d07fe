// pinger's entry point. Fixed order: validated config, logger, telemetry, app (dynamic import, so
// node:http is instrumented before got loads), listen, start the schedule, ready, shutdown hooks.
// Readiness: ready once the admin port listens and the schedule runs; it never depends on ponger
// (nor does liveness). SIGTERM/SIGINT: the shared sequence stops the schedule at once, then
// readiness false, drainMs, close the admin server, settle (wait for the ping in flight, bounded by
// one ping's worst case), flush the spans.
import { redactUrl } from '../../shared/src/config.ts';
import { createShutdown } from '../../shared/src/lifecycle.ts';
import { listen } from '../../shared/src/listen.ts';
import { createLogger } from '../../shared/src/logger.ts';
import { runMain } from '../../shared/src/main-runner.ts';
import { startTelemetry } from '../../shared/src/telemetry.ts';
import { readVersion } from '../../shared/src/version.ts';
import { budgetWarning, loadPingerConfig } from './config.ts';

await runMain(async () => {
  const cfg = loadPingerConfig();
  const logger = createLogger({ service: 'pinger', level: cfg['log.level'] });
  const version = readVersion(import.meta.url);
  const telemetry = await startTelemetry({ serviceName: 'pinger', serviceVersion: version, logger });
  const { createPingerApp } = await import('./app.ts');
  const app = createPingerApp(cfg, logger, version);

  telemetry.registerMetrics(app.registry);
  const addr = await listen(app.admin, cfg['metrics.port'], cfg['service.host'], 'admin', 'metrics.port (METRICS_PORT)');
  const pingBudgetMs = cfg['ping.timeoutMs'] * (cfg['ping.retries'] + 1) + 100;
  // signal handlers before anything says the service is up: a SIGTERM right after the
  // start-up line must drain, not kill the process with the default handler
  createShutdown({
    readiness: app.readiness,
    servers: [app.admin],
    drainMs: cfg['shutdown.drainMs'],
    timeoutMs: cfg['shutdown.timeoutMs'],
    logger,
    exit: (code) => process.exit(code),
    stopWork: () => app.pinger.stop(),
    settle: async () => {
      if (!(await app.pinger.drain(pingBudgetMs)))
        logger.warn('shutdown: a ping was still in flight', { in_flight: app.pinger.stats.inFlight });
      app.client.close();
      const stats = app.pinger.stats;
      logger.info('shutdown: pings done', { ticks: stats.ticks, pings: stats.started, skipped: stats.skipped });
    },
    flush: (budgetMs) => telemetry.shutdown(budgetMs),
  }).install();
  app.pinger.start();
  app.readiness.markReady();
  logger.info('pinger started', {
    version,
    url: redactUrl(app.client.url), // credentials are refused at start; redacted here in any case
    interval_ms: cfg['ping.intervalMs'],
    timeout_ms: cfg['ping.timeoutMs'],
    max_in_flight: cfg['ping.maxInFlight'],
    retries: cfg['ping.retries'],
    admin_port: addr.port,
  });
  const warning = budgetWarning(cfg);
  if (warning !== undefined) logger.warn('config', { warning });
});

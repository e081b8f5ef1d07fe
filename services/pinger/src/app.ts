// pinger's parts, built WITHOUT listening or starting: the client, the schedule, the metrics
// registry and the admin server. Import this module only after telemetry started (see main.ts),
// so that got's node:http is the instrumented one.
import type { Server } from 'node:http';
import { trace } from '@opentelemetry/api';
import { createAdminServer, Readiness } from '../../shared/src/admin.ts';
import type { Logger } from '../../shared/src/logger.ts';
import { type AppRegistry, createRegistry } from '../../shared/src/metrics.ts';
import { createPingClient, type PingClient } from './client.ts';
import type { PingerConfig } from './config.ts';
import { createPingerMetrics } from './metrics.ts';
import { Pinger } from './pinger.ts';

export interface PingerApp {
  pinger: Pinger;
  client: PingClient;
  registry: AppRegistry;
  readiness: Readiness;
  admin: Server;
}

export function createPingerApp(cfg: PingerConfig, logger: Logger, version: string): PingerApp {
  const client = createPingClient({
    url: cfg['ponger.url'],
    timeoutMs: cfg['ping.timeoutMs'],
    retries: cfg['ping.retries'],
    maxSockets: cfg['ping.maxInFlight'],
    userAgent: `pingpong-pinger/${version}`,
  });
  const registry = createRegistry();
  const readiness = new Readiness();
  const pinger = new Pinger({
    client,
    metrics: createPingerMetrics(registry),
    logger,
    intervalMs: cfg['ping.intervalMs'],
    maxInFlight: cfg['ping.maxInFlight'],
    tracer: trace.getTracer('pinger', version),
  });
  return { pinger, client, registry, readiness, admin: createAdminServer({ registry, readiness, logger }) };
}

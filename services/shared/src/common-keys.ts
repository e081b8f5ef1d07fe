// Configuration keys every service has (see docs/interfaces.md, "Configuration keys").
import { FLUSH_TIMEOUT_MS, SHUTDOWN_MARGIN_MS } from './budgets.ts';
import { ConfigError, type ConfigOf, type KeySpec, PORT_MAX } from './config.ts';
import { checkOtelEnv, tracingExports } from './otel-env.ts';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export const COMMON_KEYS = [
  { key: 'log.level', env: ['LOG_LEVEL'], type: 'enum', values: LOG_LEVELS, default: 'info', doc: '`debug`, `info`, `warn`, `error`' },
  {
    key: 'metrics.port',
    env: ['METRICS_PORT'],
    type: 'int',
    min: 0,
    max: PORT_MAX,
    default: 2112,
    doc: 'admin port: `/metrics`, `/livez`, `/readyz`',
  },
  { key: 'service.host', env: ['HOST'], type: 'string', default: '0.0.0.0', doc: 'address every listener binds' },
  {
    key: 'shutdown.drainMs',
    env: ['SHUTDOWN_DRAIN_MS'],
    type: 'int',
    min: 0,
    max: 600_000,
    default: 5000,
    doc: 'time between readiness-false and closing',
  },
  {
    key: 'shutdown.timeoutMs',
    env: ['SHUTDOWN_TIMEOUT_MS'],
    type: 'int',
    min: 1,
    max: 600_000,
    default: 10000,
    doc: 'hard deadline for the whole shutdown',
  },
] as const satisfies readonly KeySpec[];

export type CommonConfig = ConfigOf<typeof COMMON_KEYS>;

/**
 * Checks between keys, after each key is valid on its own, and the OTEL_* variables (otel-env.ts).
 * While spans are exported, the shutdown deadline must hold the drain, the telemetry flush
 * (FLUSH_TIMEOUT_MS) and a margin; with tracing off, only the drain.
 */
export function checkCommon(cfg: CommonConfig, env: Readonly<Record<string, string | undefined>> = process.env): void {
  checkOtelEnv(env);
  const drain = cfg['shutdown.drainMs'];
  const timeout = cfg['shutdown.timeoutMs'];
  if (timeout <= drain) {
    throw new ConfigError(
      'shutdown.timeoutMs (SHUTDOWN_TIMEOUT_MS)',
      `a deadline greater than shutdown.drainMs (${drain})`,
      String(timeout),
    );
  }
  const needed = drain + FLUSH_TIMEOUT_MS + SHUTDOWN_MARGIN_MS;
  if (tracingExports(env) && timeout < needed) {
    throw new ConfigError(
      'shutdown.timeoutMs (SHUTDOWN_TIMEOUT_MS)',
      `at least ${needed} ms while tracing exports: shutdown.drainMs (${drain}) + telemetry flush (${FLUSH_TIMEOUT_MS}) + margin (${SHUTDOWN_MARGIN_MS}); or lower shutdown.drainMs`,
      String(timeout),
    );
  }
}

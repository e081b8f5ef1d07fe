// pinger's configuration keys (docs/interfaces.md, "Configuration keys"): the common ones, then
// pinger's own. `TARGET` and `TICK_MS` are the second exercise's names, accepted as aliases.
import { COMMON_KEYS, checkCommon } from '../../shared/src/common-keys.ts';
import { type ConfigOf, type KeySpec, type LoadOptions, loadConfig } from '../../shared/src/config.ts';

export const PINGER_KEYS = [
  ...COMMON_KEYS,
  {
    key: 'ponger.url',
    env: ['PONGER_URL', 'TARGET'],
    type: 'url',
    default: 'http://localhost:8080',
    doc: 'base URL; pinger calls `{url}/ping` (a URL already ending in `/ping` is used as is)',
  },
  {
    key: 'ping.intervalMs',
    env: ['PING_INTERVAL_MS', 'TICK_MS'],
    type: 'int',
    min: 1,
    max: 3_600_000,
    default: 1000,
    doc: 'schedule period',
  },
  { key: 'ping.timeoutMs', env: ['PING_TIMEOUT_MS'], type: 'int', min: 1, max: 600_000, default: 800, doc: 'per-request timeout' },
  {
    key: 'ping.maxInFlight',
    env: ['PING_MAX_IN_FLIGHT'],
    type: 'int',
    min: 1,
    max: 1000,
    default: 1,
    doc: 'overlapping ticks beyond this are skipped',
  },
  { key: 'ping.retries', env: ['PING_RETRIES'], type: 'int', min: 0, max: 10, default: 0, doc: 'retries, counted apart from first tries' },
] as const satisfies readonly KeySpec[];

export type PingerConfig = ConfigOf<typeof PINGER_KEYS>;

/**
 * Loads and validates pinger's configuration; throws ConfigError naming the key.
 * A timeout longer than the interval is allowed: a slow ponger then makes ticks `skipped`, which
 * is what the metric is for. `budgetWarning` names the case so main.ts can log it once.
 */
export function loadPingerConfig(options: LoadOptions = {}): PingerConfig {
  const cfg = loadConfig(PINGER_KEYS, options);
  checkCommon(cfg, options.env ?? process.env);
  return cfg;
}

/** A warning when one ping (all attempts) can outlast the time the in-flight slots cover. */
export function budgetWarning(cfg: PingerConfig): string | undefined {
  const worstMs = cfg['ping.timeoutMs'] * (cfg['ping.retries'] + 1);
  const coveredMs = cfg['ping.intervalMs'] * cfg['ping.maxInFlight'];
  if (worstMs <= coveredMs) return undefined;
  return `a ping can take up to ${worstMs} ms (ping.timeoutMs x (ping.retries + 1)) but ping.intervalMs x ping.maxInFlight is ${coveredMs} ms: while ponger is slow, ticks will be counted as skipped`;
}

// Validates the OTEL_* variables the tracing setup reads, at start, with the same ConfigError
// (exit 78, one line naming the variable) as the services' own keys. Upstream the SDK only warns
// (or says nothing) and carries on with a default: garbage propagators then silently stop trace
// continuation, a garbage exporter or endpoint silently exports nothing.
//
// Accepted values are the ones the installed packages act on (read at these versions):
// - @opentelemetry/sdk-node 0.301.0 dist/sdk.mjs, utils.mjs, create-from-env.mjs: exporters
//   otlp|zipkin|console|none (getSpanProcessorsFromEnv), propagators tracecontext|baggage|b3|b3multi|none
//   (getPropagatorFromEnv, which keeps each name's first place; b3 after tracecontext is refused,
//   see w3cWins), samplers (createSamplerFromEnv), OTEL_TRACES_SAMPLER_ARG in [0,1],
//   OTEL_BSP_* > 0 (getNonNegativeNumberFromEnv), OTLP protocols grpc|http/json|http/protobuf
//   (getOtlpProtocolFromEnv, compared untrimmed),
//   OTEL_NODE_RESOURCE_DETECTORS names (getResourceDetectorsFromEnv).
// - @opentelemetry/core 3.1.0 dist/platform/node/environment.mjs: blank (whitespace only) = unset,
//   lists split on ',' and trimmed, booleans `true`/`false` any case; dist/utils/configuration.mjs:
//   OTEL_LOG_LEVEL names (upper-cased).
// - @opentelemetry/otlp-exporter-base 0.301.0 dist/configuration/shared-env-configuration.mjs:
//   OTLP timeout > 0, compression none|gzip; platform/node/configuration/otlp-node-http-env-configuration.mjs:
//   endpoints parsed with new URL.
// - @opentelemetry/sdk-trace 3.1.0 dist/export/BatchSpanProcessorBase.mjs: batch size <= queue size
//   (else clamped with a warning); the queue is ours when unset (budgets.ts BSP_DEFAULTS).
// - @opentelemetry/resources 3.1.0 dist/detectors/ResourceAttributesEnvDetector.mjs: OTEL_RESOURCE_ATTRIBUTES
//   entries key=value, percent-decoded, each side <= 255 characters (else ALL attributes are dropped).
import { BSP_DEFAULTS } from './budgets.ts';
import { ConfigError, redactUrl } from './config.ts';

type Env = Readonly<Record<string, string | undefined>>;

const EXPORTERS = ['otlp', 'zipkin', 'console'] as const;
const PROPAGATORS = ['tracecontext', 'baggage', 'b3', 'b3multi'] as const;
const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
// Only what the services send: telemetry.ts builds an OTLP/HTTP JSON exporter
// (@opentelemetry/exporter-trace-otlp-http) itself, so grpc or http/protobuf would be ignored there
// and honoured only when a second exporter is listed; refused instead of half-honoured.
const PROTOCOLS = ['http/json'] as const;
const COMPRESSIONS = ['none', 'gzip'] as const;
const LOG_LEVELS = ['NONE', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'VERBOSE', 'ALL'] as const;
const DETECTORS = ['all', 'none', 'env', 'host', 'os', 'process', 'serviceinstance'] as const;
/** ResourceAttributesEnvDetector._MAX_LENGTH */
const RESOURCE_ATTRIBUTE_MAX = 255;

/** Names whose values may hold credentials: never shown in an error. */
const SECRET = new Set(['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS']);

function shown(name: string, raw: string): string {
  if (SECRET.has(name)) return `a value (not shown) (from env ${name})`;
  const text = name.includes('ENDPOINT') ? redactUrl(raw) : raw;
  return `${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)} (from env ${name})`;
}

function list(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

type Check = (raw: string, env: Env) => string | undefined;

/**
 * B3 (b3, b3multi) listed before tracecontext, when both are. A composite propagator extracts in
 * list order and the later one wins (@opentelemetry/core 3.1.0 dist/propagation/composite.mjs
 * extract: reduce over the list). Linkerd's proxies, with tracing on, take a request's W3C context
 * first and rewrite only its traceparent with their own span id (linkerd2-proxy release/v2.359.0
 * linkerd/trace-context/src/propagation.rs unpack_trace_context, increment_span_id): a b3 header
 * from the caller still names the caller's span, and read last it would cut the proxies out of the
 * trace.
 */
function w3cWins(listed: readonly string[]): string | undefined {
  const items = [...new Set(listed)]; // as getPropagatorFromEnv: a repeated name keeps its first place
  const w3c = items.indexOf('tracecontext');
  const lastB3 = Math.max(items.lastIndexOf('b3'), items.lastIndexOf('b3multi'));
  // Stryker disable next-line EqualityOperator: two names never share an index, so > and >= agree
  return w3c !== -1 && lastB3 > w3c
    ? "b3 and b3multi listed before tracecontext (the last one listed wins; behind Linkerd's proxies only traceparent names their span)"
    : undefined;
}

/** A check returns undefined when the value is fine, else what was expected. */
const oneOf =
  (values: readonly string[], transform: (s: string) => string = (s) => s.trim()): Check =>
  (raw) =>
    values.includes(transform(raw)) ? undefined : `one of ${values.join(', ')}`;

const listOf =
  (values: readonly string[], alone: string): Check =>
  (raw) => {
    const items = list(raw);
    const ok = (items.length === 1 && items[0] === alone) || (items.length > 0 && items.every((i) => values.includes(i)));
    return ok ? undefined : `a comma-separated list of ${values.join(', ')}, or ${alone} alone`;
  };

const number =
  (expected: string, ok: (n: number) => boolean): Check =>
  (raw) => {
    const n = Number(raw); // raw is not blank (checkOtelEnv skips blank); Number() ignores surrounding blanks
    return Number.isFinite(n) && ok(n) ? undefined : expected;
  };
const positiveInt = number('an integer > 0', (n) => Number.isInteger(n) && n > 0);
const positiveMs = number('a number of milliseconds > 0', (n) => n > 0);
const nonNegativeInt = number('an integer >= 0', (n) => Number.isInteger(n) && n >= 0);

const endpoint: Check = (raw) => {
  const expected = 'an http:// or https:// URL with host, no credentials';
  const text = raw.trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return expected;
  }
  if (url.username !== '' || url.password !== '') return `${expected} (credentials in the URL would be logged)`;
  // the scheme and an authority as written: WHATWG parsing would turn `http:/x` or `http:///x` into host `x`
  return /^https?:\/\/[^/]/i.test(text) ? undefined : expected;
};

const keyValues =
  (expected: string, maxLength = Number.POSITIVE_INFINITY): Check =>
  (raw) => {
    for (const entry of raw.split(',')) {
      if (entry.trim() === '') continue;
      const parts = entry.split('=');
      const [rawKey, rawValue] = parts as [string, string];
      if (parts.length !== 2 || rawKey.trim() === '') return expected;
      let key: string;
      let value: string;
      try {
        key = decodeURIComponent(rawKey.trim());
        value = decodeURIComponent(rawValue.trim());
      } catch {
        return expected;
      }
      if (key.length > maxLength || value.length > maxLength) return expected;
    }
    return undefined;
  };

const batchSize: Check = (raw, env) => {
  const bad = positiveInt(raw, env);
  if (bad !== undefined) return bad;
  const queueRaw = env.OTEL_BSP_MAX_QUEUE_SIZE;
  const queue = queueRaw !== undefined && queueRaw.trim() !== '' ? Number(queueRaw) : BSP_DEFAULTS.maxQueueSize;
  return Number(raw) <= queue ? undefined : `an integer > 0 and <= OTEL_BSP_MAX_QUEUE_SIZE (${queue})`;
};

const propagatorList = listOf(PROPAGATORS, 'none');

/** The variables checked, in the order they are checked; docs/interfaces.md lists the same. */
export const OTEL_CHECKS: Readonly<Record<string, Check>> = {
  OTEL_SDK_DISABLED: oneOf(['true', 'false'], (s) => s.trim().toLowerCase()),
  OTEL_TRACES_EXPORTER: listOf(EXPORTERS, 'none'),
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint,
  // compared untrimmed: sdk-node 0.301.0 dist/utils.mjs getOtlpProtocolFromEnv
  OTEL_EXPORTER_OTLP_PROTOCOL: oneOf(PROTOCOLS, (s) => s),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: oneOf(PROTOCOLS, (s) => s),
  OTEL_EXPORTER_OTLP_TIMEOUT: positiveMs,
  OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: positiveMs,
  OTEL_EXPORTER_OTLP_COMPRESSION: oneOf(COMPRESSIONS),
  OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: oneOf(COMPRESSIONS),
  OTEL_EXPORTER_OTLP_HEADERS: keyValues('comma-separated key=value pairs'),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValues('comma-separated key=value pairs'),
  OTEL_TRACES_SAMPLER: oneOf(SAMPLERS, (s) => s),
  OTEL_TRACES_SAMPLER_ARG: number('a number in 0..1', (n) => n >= 0 && n <= 1),
  OTEL_PROPAGATORS: (raw, env) => propagatorList(raw, env) ?? w3cWins(list(raw)),
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: nonNegativeInt,
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: nonNegativeInt,
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: nonNegativeInt,
  OTEL_ATTRIBUTE_COUNT_LIMIT: nonNegativeInt,
  OTEL_SPAN_EVENT_COUNT_LIMIT: nonNegativeInt,
  OTEL_SPAN_LINK_COUNT_LIMIT: nonNegativeInt,
  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: nonNegativeInt,
  OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: nonNegativeInt,
  OTEL_BSP_SCHEDULE_DELAY: positiveMs,
  OTEL_BSP_EXPORT_TIMEOUT: positiveMs,
  OTEL_BSP_MAX_QUEUE_SIZE: positiveInt,
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: batchSize,
  OTEL_LOG_LEVEL: oneOf(LOG_LEVELS, (s) => s.toUpperCase()),
  OTEL_NODE_RESOURCE_DETECTORS: (raw) =>
    list(raw).length > 0 && list(raw).every((d) => (DETECTORS as readonly string[]).includes(d))
      ? undefined
      : `a comma-separated list of ${DETECTORS.join(', ')}`,
  OTEL_RESOURCE_ATTRIBUTES: keyValues(
    `comma-separated key=value pairs, percent-encoded, each side at most ${RESOURCE_ATTRIBUTE_MAX} characters`,
    RESOURCE_ATTRIBUTE_MAX,
  ),
};

/** Throws a ConfigError for the first OTEL_* variable with a value the SDK would not act on. */
export function checkOtelEnv(env: Env = process.env): void {
  for (const [name, check] of Object.entries(OTEL_CHECKS)) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') continue; // blank is unset, as in @opentelemetry/core
    const expected = check(raw, env);
    if (expected !== undefined) throw new ConfigError(name, expected, shown(name, raw));
  }
}

/** True when spans are exported, so the shutdown deadline must hold a telemetry flush. */
export function tracingExports(env: Env = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER;
  return exporter === undefined || list(exporter)[0] !== 'none';
}

// `make compare`: plain versus mesh, from Prometheus, as a table.
// Also the Prometheus part of `make resilience-demo` (`compare.ts resilience`: success, latency,
// and the retries and ejections the proxies made) and of `make zero-trust-rollout`
// (`compare.ts authz NAMESPACE`: what ponger's proxy allowed, audited and denied, per caller).
// Prometheus is reached through `kubectl port-forward` (the observability NetworkPolicies keep the
// API server's service proxy out), or directly when PROM_URL is set.
import { portForward } from './port-forward.ts';

export const NAMESPACES = ['pingpong-plain', 'pingpong-mesh'] as const;
/** A Linkerd workload identity, as ponger labels it (docs/interfaces.md "Per-request identity"). */
const IDENTITY_RE = '.+\\\\.serviceaccount\\\\.identity\\\\.linkerd\\\\..+';

export interface Row {
  namespace: string;
  successRate: number | null;
  p50Seconds: number | null;
  p99Seconds: number | null;
  identityShare: number | null;
  mtlsShare: number | null;
}
export type Metric = Exclude<keyof Row, 'namespace'>;

/** The PromQL for each column, for one namespace, over `window` (a PromQL duration). */
export function queries(ns: string, window: string): Record<Metric, string> {
  if (!/^[a-z0-9-]+$/.test(ns)) throw new Error(`namespace: expected a DNS label, got "${ns}"`);
  if (!/^[0-9]+[smhd]$/.test(window)) throw new Error(`WINDOW: expected a PromQL duration like 5m, got "${window}"`);
  const sel = (extra = '') => `{namespace="${ns}"${extra}}`;
  const quantile = (q: number) =>
    `histogram_quantile(${q}, sum by (le) (rate(http_client_request_duration_seconds_bucket${sel()}[${window}])))`;
  return {
    successRate:
      `sum(rate(pinger_requests_total${sel(',outcome="success"')}[${window}]))` +
      ` / sum(rate(pinger_requests_total${sel(',outcome!="skipped"')}[${window}]))`,
    p50Seconds: quantile(0.5),
    p99Seconds: quantile(0.99),
    identityShare:
      `sum(rate(ponger_requests_by_client_identity_total${sel(`,client_id=~"${IDENTITY_RE}"`)}[${window}]))` +
      ` / sum(rate(ponger_requests_by_client_identity_total${sel()}[${window}]))`,
    mtlsShare:
      `sum(rate(response_total${sel(',direction="outbound",deployment="pinger",dst_deployment="ponger",tls="true"')}[${window}]))` +
      ` / sum(rate(response_total${sel(',direction="outbound",deployment="pinger",dst_deployment="ponger"')}[${window}]))`,
  };
}

export type Query = (promql: string) => Promise<string>;

export function urlQuery(base: string): Query {
  return async (promql) => {
    const url = `${base.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
    const body = await res.text();
    if (!res.ok) throw new Error(`Prometheus ${url}: HTTP ${res.status}: ${body.slice(0, 200)}`);
    return body;
  };
}

/** The result array of an instant-vector answer; a clear error for anything else. */
function vectorResult(body: string, promql: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`Prometheus answer to ${promql}: not JSON: ${body.slice(0, 200)}`);
  }
  const p = parsed as { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  if (p.status !== 'success') throw new Error(`Prometheus rejected ${promql}: ${p.error ?? `status ${String(p.status)}`}`);
  const result = p.data?.result;
  if (p.data?.resultType !== 'vector' || !Array.isArray(result)) {
    throw new Error(`Prometheus answer to ${promql}: expected data.resultType "vector" with a result array`);
  }
  return result;
}

/** The number of one series; null when NaN or infinite. */
function sampleValue(series: unknown, promql: string): number | null {
  const value = (series as { value?: unknown }).value;
  if (!Array.isArray(value) || typeof value[1] !== 'string') {
    throw new Error(`Prometheus answer to ${promql}: expected value [time, "number"]`);
  }
  const n = Number(value[1]);
  return Number.isFinite(n) ? n : null;
}

/** The single number of an instant-vector answer; null when the vector is empty or NaN. */
export function scalarOf(body: string, promql: string): number | null {
  const result = vectorResult(body, promql);
  if (result.length === 0) return null;
  if (result.length > 1) throw new Error(`Prometheus answer to ${promql}: expected one series, got ${result.length}`);
  return sampleValue(result[0], promql);
}

/** Every series of an instant-vector answer, with its labels (NaN counts as 0). */
export function vectorOf(body: string, promql: string): { metric: Record<string, string>; value: number }[] {
  return vectorResult(body, promql).map((series) => ({
    metric: (series as { metric?: Record<string, string> }).metric ?? {},
    value: sampleValue(series, promql) ?? 0,
  }));
}

export async function collect(query: Query, window: string, namespaces: readonly string[] = NAMESPACES): Promise<Row[]> {
  const rows: Row[] = [];
  for (const ns of namespaces) {
    const q = queries(ns, window);
    const row: Row = { namespace: ns, successRate: null, p50Seconds: null, p99Seconds: null, identityShare: null, mtlsShare: null };
    for (const metric of Object.keys(q) as Metric[]) {
      row[metric] = scalarOf(await query(q[metric]), q[metric]);
    }
    rows.push(row);
  }
  return rows;
}

/** A header, a rule and the rows, each column padded to its widest cell. */
function columns(header: readonly string[], body: readonly string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)];
}

const pct = (v: number | null) => (v === null ? 'no data' : `${(v * 100).toFixed(1)}%`);
const ms = (v: number | null) => (v === null ? 'no data' : `${(v * 1000).toFixed(1)} ms`);

export function formatTable(rows: readonly Row[], window: string): string {
  const header = ['namespace', 'success rate', 'p50', 'p99', 'identity seen by ponger', 'pinger->ponger over mTLS'];
  const body = rows.map((r) => [
    r.namespace,
    pct(r.successRate),
    ms(r.p50Seconds),
    ms(r.p99Seconds),
    pct(r.identityShare),
    pct(r.mtlsShare),
  ]);
  return [
    `over the last ${window} (pinger's view of latency; identity = requests whose l5d-client-id is a Linkerd identity)`,
    ...columns(header, body),
  ].join('\n');
}

// ------------------------------------------------------------------ resilience (ADR/0012)
// The proxy metrics come from linkerd2-proxy release/v2.359.0 (docs/upstream-facts.md):
// outbound_http_route_retry_{requests,successes,limit_exceeded}_total per route (labels
// parent_name = the Service), outbound_http_balancer_endpoints{endpoint_state="pending"} per
// backend: an endpoint whose failure-accrual breaker is shut stops being ready, so it is counted
// as pending until its probe request succeeds. No dedicated ejection counter exists.

export interface ResilienceRow {
  namespace: string;
  attempted: number | null;
  successRate: number | null;
  p50Seconds: number | null;
  p99Seconds: number | null;
  retries: number | null;
  retrySuccesses: number | null;
  retryLimitExceeded: number | null;
  ejectedMax: number | null;
}
export type ResilienceMetric = Exclude<keyof ResilienceRow, 'namespace'>;

/** The PromQL for each resilience column, for one namespace, over `window`. */
export function resilienceQueries(ns: string, window: string): Record<ResilienceMetric, string> {
  const base = queries(ns, window);
  const route = `{namespace="${ns}",deployment="pinger",parent_name="ponger"}`;
  const retry = (what: string) => `sum(increase(outbound_http_route_retry_${what}_total${route}[${window}]))`;
  return {
    attempted: `sum(increase(pinger_requests_total{namespace="${ns}",outcome!="skipped"}[${window}]))`,
    successRate: base.successRate,
    p50Seconds: base.p50Seconds,
    p99Seconds: base.p99Seconds,
    retries: retry('requests'),
    retrySuccesses: retry('successes'),
    retryLimitExceeded: retry('limit_exceeded'),
    // a subquery at the scrape interval: the most endpoints out of pinger's balancer at once
    ejectedMax: `max_over_time(sum(outbound_http_balancer_endpoints{namespace="${ns}",deployment="pinger",backend_name="ponger",endpoint_state="pending"})[${window}:10s])`,
  };
}

export async function collectResilience(
  query: Query,
  window: string,
  namespaces: readonly string[] = NAMESPACES,
): Promise<ResilienceRow[]> {
  const rows: ResilienceRow[] = [];
  for (const ns of namespaces) {
    const q = resilienceQueries(ns, window);
    const row: ResilienceRow = {
      namespace: ns,
      attempted: null,
      successRate: null,
      p50Seconds: null,
      p99Seconds: null,
      retries: null,
      retrySuccesses: null,
      retryLimitExceeded: null,
      ejectedMax: null,
    };
    for (const metric of Object.keys(q) as ResilienceMetric[]) row[metric] = scalarOf(await query(q[metric]), q[metric]);
    rows.push(row);
  }
  return rows;
}

const count = (v: number | null) => (v === null ? 'n/a' : String(Math.round(v)));

export function formatResilience(rows: readonly ResilienceRow[], window: string): string {
  const header = [
    'namespace',
    'pings',
    'success rate',
    'p50',
    'p99',
    'proxy retries',
    'retries that succeeded',
    'retry limit hit',
    'endpoints ejected (max)',
  ];
  const body = rows.map((r) => [
    r.namespace,
    count(r.attempted),
    pct(r.successRate),
    ms(r.p50Seconds),
    ms(r.p99Seconds),
    count(r.retries),
    count(r.retrySuccesses),
    count(r.retryLimitExceeded),
    count(r.ejectedMax),
  ]);
  const result = (r: ResilienceRow) =>
    `RESULT namespace=${r.namespace} pings=${count(r.attempted)} success_rate=${r.successRate === null ? 'none' : r.successRate.toFixed(4)}` +
    ` p99_ms=${r.p99Seconds === null ? 'none' : (r.p99Seconds * 1000).toFixed(1)} retries=${count(r.retries)} ejected_max=${count(r.ejectedMax)}`;
  return [
    `over the last ${window}, under the same fault in both namespaces (pinger's view; proxy columns: n/a = no proxy)`,
    ...columns(header, body),
    ...rows.map(result),
  ].join('\n');
}

// ------------------------------------------------------------------ authorization per caller
// linkerd2-proxy release/v2.359.0 (linkerd/app/inbound/src/policy/http.rs, metrics/authz.rs): a
// request admitted by an AuthorizationPolicy counts in inbound_http_authz_allow_total under that
// policy's name; one admitted only by the audit default (a Server with accessPolicy: audit)
// counts there under authz_kind="default", authz_name="audit": served, but it would be denied.
// A refused one counts in inbound_http_authz_deny_total (and gets 403). client_id is the caller's
// mTLS identity, empty without one.

export interface AuthzSample {
  verdict: 'allowed' | 'audit' | 'denied';
  clientId: string;
  authz: string;
  value: number;
}

export function authzQueries(ns: string): { allow: string; deny: string } {
  if (!/^[a-z0-9-]+$/.test(ns)) throw new Error(`namespace: expected a DNS label, got "${ns}"`);
  const sel = `{namespace="${ns}",deployment="ponger",srv_name="ponger-http"}`;
  return {
    allow: `sum by (client_id, authz_kind, authz_name) (inbound_http_authz_allow_total${sel})`,
    deny: `sum by (client_id) (inbound_http_authz_deny_total${sel})`,
  };
}

export async function collectAuthz(query: Query, ns: string): Promise<AuthzSample[]> {
  const q = authzQueries(ns);
  const out: AuthzSample[] = [];
  for (const s of vectorOf(await query(q.allow), q.allow)) {
    const audit = s.metric['authz_kind'] === 'default' && s.metric['authz_name'] === 'audit';
    out.push({
      verdict: audit ? 'audit' : 'allowed',
      clientId: s.metric['client_id'] ?? '',
      authz: s.metric['authz_name'] ?? '',
      value: s.value,
    });
  }
  for (const s of vectorOf(await query(q.deny), q.deny))
    out.push({ verdict: 'denied', clientId: s.metric['client_id'] ?? '', authz: '', value: s.value });
  return out.sort((a, b) => a.verdict.localeCompare(b.verdict) || a.clientId.localeCompare(b.clientId));
}

/** One line per (verdict, caller): "AUTHZ verdict=audit client=<identity or none> authz=audit requests=12". */
export function formatAuthz(samples: readonly AuthzSample[]): string {
  if (samples.length === 0) return 'AUTHZ none: Prometheus has no authorization counters for ponger yet';
  return samples
    .map((s) => `AUTHZ verdict=${s.verdict} client=${s.clientId || 'none'} authz=${s.authz || '-'} requests=${Math.round(s.value)}`)
    .join('\n');
}

// ------------------------------------------------------------------ command line

async function main(): Promise<void> {
  const [mode = 'compare', arg] = process.argv.slice(2);
  const window = process.env['WINDOW'] ?? '5m';
  if (!['compare', 'resilience', 'authz'].includes(mode))
    throw new Error(`mode: expected compare, resilience or authz NAMESPACE, got "${mode}"`);
  if (mode === 'authz' && !arg) throw new Error('authz: expected a namespace argument');
  let promUrl = process.env['PROM_URL'];
  const forward = promUrl ? undefined : await portForward('observability', 'prometheus', 9090);
  promUrl ??= forward?.url ?? '';
  try {
    const query = urlQuery(promUrl);
    if (mode === 'resilience') console.log(formatResilience(await collectResilience(query, window), window));
    else if (mode === 'authz') console.log(formatAuthz(await collectAuthz(query, arg ?? '')));
    else {
      console.log(formatTable(await collect(query, window), window));
      console.log('"no data" in the mTLS column of pingpong-plain is the point: no proxy, no mTLS.');
    }
  } finally {
    forward?.close();
  }
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(`compare: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

// `make compare`: plain versus mesh, from Prometheus, as a table.
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

/** The single number of an instant-vector answer; null when the vector is empty or NaN. */
export function scalarOf(body: string, promql: string): number | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`Prometheus answer to ${promql}: not JSON: ${body.slice(0, 200)}`);
  }
  const p = parsed as { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
  if (p.status !== 'success') throw new Error(`Prometheus rejected ${promql}: ${p.error ?? 'status ' + String(p.status)}`);
  const result = p.data?.result;
  if (p.data?.resultType !== 'vector' || !Array.isArray(result)) {
    throw new Error(`Prometheus answer to ${promql}: expected data.resultType "vector" with a result array`);
  }
  if (result.length === 0) return null;
  if (result.length > 1) throw new Error(`Prometheus answer to ${promql}: expected one series, got ${result.length}`);
  const value = (result[0] as { value?: unknown }).value;
  if (!Array.isArray(value) || typeof value[1] !== 'string') {
    throw new Error(`Prometheus answer to ${promql}: expected value [time, "number"]`);
  }
  const n = Number(value[1]);
  return Number.isFinite(n) ? n : null;
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

const pct = (v: number | null) => (v === null ? 'no data' : `${(v * 100).toFixed(1)}%`);
const ms = (v: number | null) => (v === null ? 'no data' : `${(v * 1000).toFixed(1)} ms`);

export function formatTable(rows: readonly Row[], window: string): string {
  const header = ['namespace', 'success rate', 'p50', 'p99', 'identity seen by ponger', 'pinger->ponger over mTLS'];
  const body = rows.map((r) => [r.namespace, pct(r.successRate), ms(r.p50Seconds), ms(r.p99Seconds), pct(r.identityShare), pct(r.mtlsShare)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [
    `over the last ${window} (pinger's view of latency; identity = requests whose l5d-client-id is a Linkerd identity)`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ].join('\n');
}

async function main(): Promise<void> {
  const window = process.env['WINDOW'] ?? '5m';
  let promUrl = process.env['PROM_URL'];
  const forward = promUrl ? undefined : await portForward('observability', 'prometheus', 9090);
  promUrl ??= forward?.url ?? '';
  try {
    console.log(formatTable(await collect(urlQuery(promUrl), window), window));
  } finally {
    forward?.close();
  }
  console.log('"no data" in the mTLS column of pingpong-plain is the point: no proxy, no mTLS.');
}

if (import.meta.main) {
  main().catch((err: unknown) => {
    console.error(`compare: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

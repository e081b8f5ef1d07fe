// Small, bounded helpers for the end-to-end suite: kubectl, Prometheus/Jaeger/Grafana over
// port-forward, and polling with a deadline (test/support/poll.ts).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTool } from '../../scripts/lib/find-tool.ts';
import { ForwardPool } from '../../scripts/lib/port-forward.ts';
import { pollUntil } from '../../test/support/poll.ts';

const execFileP = promisify(execFile);

export async function kubectl(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  const { stdout } = await execFileP(requireTool('kubectl'), [...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/**
 * Why no cluster can be used, or null when kubectl reaches one. A missing kubectl is not a
 * reason to skip: it throws, so `make e2e` fails and says how to get it.
 */
export async function noClusterReason(): Promise<string | null> {
  const bin = requireTool('kubectl');
  try {
    await execFileP(bin, ['config', 'current-context'], { timeout: 10_000 });
  } catch {
    return 'kubectl has no current context';
  }
  try {
    await execFileP(bin, ['version', '--request-timeout=5s'], { timeout: 15_000 });
  } catch (err) {
    const msg = err instanceof Error ? err.message.split('\n').find((l) => l.trim() && !l.startsWith('Command failed')) : '';
    return `kubectl version failed${msg ? `: ${msg.trim()}` : ''}`;
  }
  return null;
}

/** pollUntil at the end-to-end suite's pace: errors count as "not yet", a try every 5 s, 120 s by default. */
export function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000, intervalMs = 5_000): Promise<T> {
  return pollUntil(fn, timeoutMs, what, { intervalMs, retryErrors: true });
}

const forwards = new ForwardPool();
/** One port-forward per Service, reused, and opened again after a failure; closed by closeForwards(). */
export function serviceUrl(namespace: string, service: string, port: number): Promise<string> {
  return forwards.url(namespace, service, port);
}
export function closeForwards(): Promise<void> {
  return forwards.close();
}

export async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(20_000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}
/** An instant query against the showcase's Prometheus. */
export async function promQuery(promql: string): Promise<Sample[]> {
  const base = await serviceUrl('observability', 'prometheus', 9090);
  const body = (await getJson(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`)) as {
    status: string;
    data?: { result?: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`Prometheus rejected ${promql}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}
export async function promScalar(promql: string): Promise<number | undefined> {
  const s = await promQuery(promql);
  return s.length === 1 && Number.isFinite(s[0]?.value) ? s[0]?.value : undefined;
}

// Runs the real services and Debian's Prometheus on loopback for the scrape test: free ports,
// child processes that are always killed, bounded polling.
import { type ChildProcess, spawn } from 'node:child_process';

/** A free loopback port: the services' test helper, re-exported for the scrape test. */
export { freePort } from '../../services/shared/test/helpers.ts';

export interface Proc {
  name: string;
  child: ChildProcess;
  output: string[];
}

export function start(name: string, cmd: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(cmd, args, { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const keep = (b: Buffer): void => {
    output.push(b.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { name, child, output };
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone. */
export async function stop(p: Proc, graceMs = 3000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
    p.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    p.child.kill('SIGTERM');
  });
}

/** Polls fn every intervalMs until it returns a value other than undefined, or throws at the deadline. */
export async function poll<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
}

export async function httpOk(url: string, headers: Record<string, string> = {}): Promise<string | undefined> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
  const body = await res.text();
  return res.ok ? body : undefined;
}

/**
 * Metric families of a Prometheus/OpenMetrics exposition, mapped to the sample names each can
 * produce (a counter `x` -> `x_total`, a histogram `h` -> `h_bucket`, `h_sum`, `h_count`).
 */
export function exposedSampleNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)/.exec(line);
    if (m) {
      const [, name = '', type = ''] = m;
      if (type === 'counter') {
        names.add(name.endsWith('_total') ? name : `${name}_total`);
        names.add(name);
      } else if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
      else if (type === 'summary') for (const s of ['', '_sum', '_count']) names.add(name + s);
      else names.add(name);
      continue;
    }
    const s = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (s?.[1]) names.add(s[1]);
  }
  return names;
}

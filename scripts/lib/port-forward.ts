// `kubectl port-forward` to a Service on a random local port, for tools that read Prometheus,
// Jaeger or Grafana from outside the cluster. Port-forward enters the pod through the kubelet,
// so the observability namespace's NetworkPolicies (which admit only in-cluster peers) don't apply.
import { spawn } from 'node:child_process';
import { requireTool } from './find-tool.ts';

export interface Forward {
  url: string;
  close: () => void;
  /** settles when kubectl exits: the forward is gone (a lost pod, a closed connection) */
  ended: Promise<void>;
}

export function portForward(namespace: string, service: string, port: number, timeoutMs = 30_000): Promise<Forward> {
  return new Promise((resolve, reject) => {
    const child = spawn(requireTool('kubectl'), ['-n', namespace, 'port-forward', `svc/${service}`, `:${port}`, '--address', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let done = false;
    const ended = new Promise<void>((res) => child.once('exit', () => res()));
    const finish = (err: Error | null, fwd?: Forward) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        child.kill();
        reject(err);
      } else if (fwd) {
        resolve(fwd);
      }
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(`port-forward to ${namespace}/svc/${service}:${port}: no "Forwarding from" within ${timeoutMs} ms: ${out.trim()}`),
        ),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (m?.[1]) finish(null, { url: `http://127.0.0.1:${m[1]}`, close: () => child.kill(), ended });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => finish(new Error(`port-forward: cannot run kubectl: ${err.message}`)));
    child.on('exit', (code) => finish(new Error(`port-forward to ${namespace}/svc/${service}:${port} exited (${code}): ${out.trim()}`)));
  });
}

/**
 * Port-forwards kept open and reused, one per Service port. One that failed to open, or whose
 * kubectl has exited since, is forgotten, so the next call (a retry) opens a new one instead of
 * handing out the same failure or a dead port for the rest of the run.
 */
export class ForwardPool {
  readonly #forwards = new Map<string, Promise<Forward>>();
  readonly #open: typeof portForward;
  constructor(open: typeof portForward = portForward) {
    this.#open = open;
  }
  url(namespace: string, service: string, port: number): Promise<string> {
    const key = `${namespace}/${service}:${port}`;
    let f = this.#forwards.get(key);
    if (!f) {
      const opened = this.#open(namespace, service, port);
      const forget = () => {
        if (this.#forwards.get(key) === opened) this.#forwards.delete(key);
      };
      opened.then((fwd) => fwd.ended.then(forget), forget);
      this.#forwards.set(key, opened);
      f = opened;
    }
    return f.then((fwd) => fwd.url);
  }
  async close(): Promise<void> {
    const all = [...this.#forwards.values()];
    this.#forwards.clear();
    for (const f of all) (await f.catch(() => undefined))?.close();
  }
}

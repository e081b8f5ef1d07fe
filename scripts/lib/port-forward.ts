// `kubectl port-forward` to a Service on a random local port, for tools that read Prometheus,
// Jaeger or Grafana from outside the cluster. Port-forward enters the pod through the kubelet,
// so the observability namespace's NetworkPolicies (which admit only in-cluster peers) don't apply.
import { spawn } from 'node:child_process';
import { requireTool } from './find-tool.ts';

export interface Forward {
  url: string;
  close: () => void;
}

export function portForward(namespace: string, service: string, port: number, timeoutMs = 30_000): Promise<Forward> {
  return new Promise((resolve, reject) => {
    const child = spawn(requireTool('kubectl'), ['-n', namespace, 'port-forward', `svc/${service}`, `:${port}`, '--address', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let done = false;
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
      if (m?.[1]) finish(null, { url: `http://127.0.0.1:${m[1]}`, close: () => child.kill() });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (err) => finish(new Error(`port-forward: cannot run kubectl: ${err.message}`)));
    child.on('exit', (code) => finish(new Error(`port-forward to ${namespace}/svc/${service}:${port} exited (${code}): ${out.trim()}`)));
  });
}

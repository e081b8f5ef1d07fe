// The HTTP client pinger uses to call ponger: got 16 with a keep-alive agent, a per-attempt
// timeout, retries off unless asked for (immediate, no backoff: the schedule is the pacing),
// HTTP errors returned rather than thrown, bodies always read to the end, and every result
// classified into one of the outcomes of docs/interfaces.md.
import { Agent } from 'node:http';
import got, { type Got, RequestError } from 'got';

export type Outcome = 'success' | 'http_error' | 'timeout' | 'connection_error';
export const OUTCOMES: readonly Outcome[] = ['success', 'http_error', 'timeout', 'connection_error'];

export const CLIENT_ID_HEADER = 'x-ponger-client-id';

export interface PingResult {
  outcome: Outcome;
  /** HTTP status when a response arrived */
  status?: number;
  /** from the request's start to the end of the body (or the error), all attempts included */
  latencyMs: number;
  /** the identity ponger saw, from its `x-ponger-client-id` response header */
  clientId?: string;
  /** error code (ECONNREFUSED, ETIMEDOUT, ...) or message for failed requests */
  error?: string;
  /** outcome of each attempt that was retried, in order */
  retried: Outcome[];
}

export interface PingClientOptions {
  /** `ponger.url`: a base URL, or a URL already ending in /ping */
  url: string;
  timeoutMs: number;
  retries: number;
  /** sockets kept by the agent; pinger passes ping.maxInFlight */
  maxSockets: number;
  userAgent?: string;
}

export interface PingClient {
  readonly url: string;
  ping(): Promise<PingResult>;
  /** destroys the agent's sockets */
  close(): void;
}

/** `{base}/ping`; a URL whose path already ends with `/ping` is used as is. */
export function pingUrl(base: string): string {
  const url = new URL(base);
  if (!/\/ping\/?$/.test(url.pathname)) url.pathname = `${url.pathname.replace(/\/+$/, '')}/ping`;
  return url.href;
}

// Codes that mean the transport failed: refused, reset, unreachable, name resolution, a broken or
// unparsable exchange. Anything unrecognised is also a connection_error (the request did not
// produce a response), with its code or message kept in the log line.
export function classifyError(err: unknown): Exclude<Outcome, 'success' | 'http_error'> {
  if (err instanceof RequestError) {
    if (err.name === 'TimeoutError' || err.code === 'ETIMEDOUT') return 'timeout';
    return 'connection_error';
  }
  if ((err as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT') return 'timeout';
  return 'connection_error';
}

export function classifyStatus(status: number): 'success' | 'http_error' {
  return status >= 200 && status < 300 ? 'success' : 'http_error';
}

function errorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code !== 'ERR_GOT_REQUEST_ERROR') return code;
  return err instanceof Error ? err.message : String(err);
}

export function createPingClient(options: PingClientOptions): PingClient {
  if (!Number.isInteger(options.retries) || options.retries < 0) throw new RangeError(`retries: expected an integer >= 0, got ${options.retries}`);
  const url = pingUrl(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const client: Got = got.extend({
    agent: { http: agent },
    timeout: { request: options.timeoutMs },
    retry: { limit: options.retries, backoffLimit: 0, noise: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    responseType: 'text',
    headers: { 'user-agent': options.userAgent ?? 'pingpong-pinger' },
  });

  return {
    url,
    close: () => agent.destroy(),
    async ping(): Promise<PingResult> {
      const retried: Outcome[] = [];
      const started = performance.now();
      try {
        const response = await client.get(url, {
          hooks: {
            beforeRetry: [
              (error) => {
                retried.push(error.response ? classifyStatus(error.response.statusCode) : classifyError(error));
              },
            ],
          },
        });
        const header = response.headers[CLIENT_ID_HEADER];
        const result: PingResult = {
          outcome: classifyStatus(response.statusCode),
          status: response.statusCode,
          latencyMs: performance.now() - started,
          retried,
        };
        if (typeof header === 'string' && header !== '') result.clientId = header;
        return result;
      } catch (err) {
        return { outcome: classifyError(err), latencyMs: performance.now() - started, error: errorText(err), retried };
      }
    },
  };
}

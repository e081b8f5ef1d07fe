// The HTTP client pinger uses to call ponger: got 16's stream API with a keep-alive agent, a
// per-attempt timeout, HTTP errors returned rather than thrown, bodies read to the end but never
// kept, and every result classified into one of the outcomes of docs/interfaces.md.
// Body cap: the bytes AFTER decompression are counted as they arrive, and the request is destroyed
// as soon as they pass maxBodyBytes (a declared Content-Length over the cap is refused before any
// byte is read), so an endless body or a gzip bomb costs at most the cap plus one decoded chunk.
// Retries (ping.retries > 0): only a timeout, a connection error, or a 502/503/504 is retried, at
// once (no backoff, Retry-After ignored: the schedule is the pacing); never another status, nor a
// body over the cap.
import { Agent } from 'node:http';
import got, { type Got } from 'got';
import { redactUrl } from '../../shared/src/config.ts';

export type Outcome = 'success' | 'http_error' | 'timeout' | 'connection_error' | 'body_too_large';
export const OUTCOMES: readonly Outcome[] = ['success', 'http_error', 'timeout', 'connection_error', 'body_too_large'];
/** Outcomes an attempt can be retried after. */
export const RETRYABLE_OUTCOMES: readonly Outcome[] = ['http_error', 'timeout', 'connection_error'];
/** HTTP statuses retried (gateway/unavailable answers); any other status is final. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/** ponger answers `pong` (4 bytes); 64 KiB bounds what a hostile or broken server can make pinger hold. */
export const MAX_BODY_BYTES = 64 * 1024;

export const CLIENT_ID_HEADER = 'x-ponger-client-id';

export interface PingResult {
  outcome: Outcome;
  /** HTTP status when a response arrived */
  status?: number;
  /** from the request's start to the end of the body (or the error), all attempts included */
  latencyMs: number;
  /** the identity ponger saw, from its `x-ponger-client-id` response header (`invalid` if not a DNS-name shape) */
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
  /** response body cap in bytes after decompression; default MAX_BODY_BYTES */
  maxBodyBytes?: number;
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

// ETIMEDOUT is a timeout: got's TimeoutError carries that code, and a RequestError takes its
// cause's code, so a socket's ETIMEDOUT keeps it too (got 16.1.0, source/core/errors.js).
// Anything else means the transport failed: refused, reset, unreachable, name resolution, a
// broken or unparsable exchange, or an error not recognised (the request produced no response),
// with its code or message kept in the log line.
export function classifyError(err: unknown): 'timeout' | 'connection_error' {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' ? 'timeout' : 'connection_error';
}

export function classifyStatus(status: number): 'success' | 'http_error' {
  return status >= 200 && status < 300 ? 'success' : 'http_error';
}

/** True when an attempt with this outcome (and status) is retried while retries are left. */
export function isRetryable(outcome: Outcome, status?: number): boolean {
  if (outcome === 'http_error') return RETRY_STATUSES.has(status ?? 0);
  return outcome === 'timeout' || outcome === 'connection_error';
}

/** What a failed attempt logs: the error's code (at most 100 characters), else its message with any URL credentials redacted (at most 300). */
export function errorText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string' && code !== 'ERR_GOT_REQUEST_ERROR') return code.slice(0, 100);
  return redactUrl(err instanceof Error ? err.message : String(err)).slice(0, 300);
}

/** ponger's report of the caller's identity, kept only when DNS-name shaped (it reaches a log line and a span). */
export function cleanClientId(header: string | string[] | undefined): string | undefined {
  if (header === undefined || header === '') return undefined;
  return typeof header === 'string' && /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(header) ? header : 'invalid';
}

interface Attempt {
  outcome: Outcome;
  status?: number;
  clientId?: string;
  error?: string;
}

export function createPingClient(options: PingClientOptions): PingClient {
  if (!Number.isInteger(options.retries) || options.retries < 0)
    throw new RangeError(`retries: expected an integer >= 0, got ${options.retries}`);
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const target = new URL(options.url);
  if (target.username !== '' || target.password !== '') throw new RangeError(`url: expected no credentials, got ${redactUrl(options.url)}`);
  const url = pingUrl(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const client: Got = got.extend({
    agent: { http: agent },
    timeout: { request: options.timeoutMs },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    decompress: true,
    headers: { 'user-agent': options.userAgent ?? 'pingpong-pinger' },
  });

  /**
   * One request: resolves (never rejects) once the body ended, the cap was passed, or it failed.
   * got.stream does not throw: a bad option is emitted as an `error` (got 16.1.0, source/core/index.js,
   * the Request constructor). Only the first resolve counts.
   */
  const attempt = (): Promise<Attempt> =>
    new Promise((resolve) => {
      let status: number | undefined;
      let clientId: string | undefined;
      let bytes = 0;
      const stream = client.stream(url);
      const tooLarge = (): void => {
        resolve({ outcome: 'body_too_large', status, clientId, error: `response body over ${maxBodyBytes} bytes` });
        stream.destroy();
      };
      stream.on('response', (res: { statusCode: number; headers: Record<string, string | string[] | undefined> }) => {
        status = res.statusCode;
        clientId = cleanClientId(res.headers[CLIENT_ID_HEADER]);
        // Present only when the body is not encoded (the decoder drops it): refuse before reading.
        // Absent, it is NaN, which is over nothing.
        if (Number(res.headers['content-length']) > maxBodyBytes) tooLarge();
      });
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > maxBodyBytes) tooLarge();
      });
      stream.on('end', () => resolve({ outcome: classifyStatus(status ?? 0), status, clientId }));
      stream.on('error', (err: unknown) => resolve({ outcome: classifyError(err), error: errorText(err) }));
    });

  return {
    url,
    close: () => agent.destroy(),
    async ping(): Promise<PingResult> {
      const retried: Outcome[] = [];
      const started = performance.now();
      for (;;) {
        const a = await attempt();
        if (retried.length < options.retries && isRetryable(a.outcome, a.status)) {
          retried.push(a.outcome);
          continue;
        }
        return { ...a, latencyMs: performance.now() - started, retried };
      }
    },
  };
}

// The one polling primitive for tests, harnesses and benchmarks: call a probe until it gives a
// value, with a deadline that holds and a timeout message naming what was awaited.

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Attempts for a test that asserts a real-clock bound (a timeout firing on time, an exit within
 * its deadline, a p99 under a probe's timeout, a parse within a second): on a shared two-core
 * machine running four mocha workers one attempt can be starved of CPU, while a behaviour that is
 * really broken fails every attempt. Use: `this.retries(REAL_CLOCK_RETRIES)`.
 */
export const REAL_CLOCK_RETRIES = 2;

export interface PollOptions {
  /** pause between two calls of the probe (default 25 ms); the last pause is cut to the deadline */
  intervalMs?: number;
  /**
   * Treat an error thrown by the probe as "not yet" and keep polling; the last one is named in the
   * timeout message. Default false: an error from the probe ends the wait at once.
   */
  retryErrors?: boolean;
}

/**
 * Calls `fn` until it returns a value other than undefined/false, and returns it. Throws
 * `timed out after <timeoutMs> ms waiting for <what>` once the deadline has passed. `what` may be
 * a function, evaluated only then (e.g. to add a process's stderr as it is at that moment).
 */
export async function pollUntil<T>(
  fn: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  what: string | (() => string),
  options: PollOptions = {},
): Promise<T> {
  const intervalMs = options.intervalMs ?? 25;
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      if (!options.retryErrors) throw err;
      lastError = err instanceof Error ? err.message : String(err);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const name = typeof what === 'function' ? what() : what;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${name}${lastError ? ` (last error: ${lastError})` : ''}`);
    }
    await sleep(Math.min(intervalMs, left));
  }
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  await pollUntil(async () => (await check()) || undefined, timeoutMs, what);
}

// Drift-free tick scheduler: tick k is due at start + k * intervalMs on a monotonic clock.
// Each wake-up re-arms one timer for the next due time computed from the start, so timer lateness
// never accumulates. A wake-up that comes after several due times (a blocked event loop) runs the
// latest due tick once and reports the ones it passed over through `onMissed`, so
// ticks run + ticks missed always equals the number of due times elapsed.

export interface Clock {
  /** Monotonic milliseconds (performance.now in production). */
  now(): number;
  setTimer(fn: () => void, delayMs: number): unknown;
  clearTimer(handle: unknown): void;
}

export const monotonicClock: Clock = {
  now: () => performance.now(),
  setTimer: (fn, delayMs) => setTimeout(fn, delayMs),
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface TickInfo {
  /** Tick number since start; tick 0 runs at start. */
  k: number;
  /** Monotonic due time of this tick (ms). */
  dueMs: number;
  /** How late the tick runs (ms, >= 0). */
  lateMs: number;
}

export interface SchedulerOptions {
  intervalMs: number;
  onTick: (tick: TickInfo) => void;
  /** Called with the number of due ticks passed over because the wake-up came too late, and the first of them. */
  onMissed?: (count: number, firstK: number) => void;
  /** Called when a callback throws (the schedule goes on). */
  onError: (err: unknown) => void;
  clock?: Clock;
}

export class Scheduler {
  readonly #intervalMs: number;
  readonly #onTick: (tick: TickInfo) => void;
  readonly #onMissed: (count: number, firstK: number) => void;
  readonly #onError: (err: unknown) => void;
  readonly #clock: Clock;
  #startMs = 0;
  #nextK = 0;
  #timer: unknown = undefined;
  #running = false;
  #ticks = 0;
  #missed = 0;

  constructor(options: SchedulerOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs <= 0) {
      throw new RangeError(`intervalMs: expected a positive number, got ${String(options.intervalMs)}`);
    }
    this.#intervalMs = options.intervalMs;
    this.#onTick = options.onTick;
    this.#onMissed = options.onMissed ?? (() => {});
    this.#onError = options.onError;
    this.#clock = options.clock ?? monotonicClock;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Ticks run and ticks passed over so far. */
  get stats(): { ticks: number; missed: number } {
    return { ticks: this.#ticks, missed: this.#missed };
  }

  /** Starts the schedule; tick 0 runs synchronously. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#startMs = this.#clock.now();
    this.#nextK = 0;
    this.#wake();
  }

  stop(): void {
    this.#running = false;
    this.#clock.clearTimer(this.#timer); // undefined (no timer armed) clears nothing
    this.#timer = undefined;
  }

  /** Runs only while running: start() calls it, and stop() clears the one timer that would. */
  #wake(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    const dueK = Math.floor((now - this.#startMs) / this.#intervalMs);
    if (dueK >= this.#nextK) {
      const missed = dueK - this.#nextK;
      const firstMissed = this.#nextK;
      this.#nextK = dueK + 1;
      if (missed > 0) {
        this.#missed += missed;
        this.#safe(() => this.#onMissed(missed, firstMissed));
      }
      const dueMs = this.#startMs + dueK * this.#intervalMs;
      this.#ticks += 1;
      this.#safe(() => this.#onTick({ k: dueK, dueMs, lateMs: now - dueMs }));
      if (!this.#running) return; // a callback may stop the scheduler
    }
    // Timers may fire a little early against the monotonic clock: then dueK < nextK and we only re-arm.
    const nextDue = this.#startMs + this.#nextK * this.#intervalMs;
    this.#timer = this.#clock.setTimer(() => this.#wake(), Math.max(0, nextDue - this.#clock.now()));
  }

  // A throwing callback must not end the schedule.
  #safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      try {
        this.#onError(err);
      } catch {
        // nothing sensible is left to report to
      }
    }
  }
}

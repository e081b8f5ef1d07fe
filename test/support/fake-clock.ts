// A manual clock for scheduler tests: time moves only when advance() is called, and timers fire in
// due order (ties in creation order), each seeing now() equal to the time it fired at plus any
// extra lateness the test injects.
import type { Clock } from '../../services/pinger/src/scheduler.ts';

interface Timer {
  id: number;
  at: number;
  fn: () => void;
}

export class FakeClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: Timer[] = [];
  /** Added to every timer's firing time, to model a timer that wakes late (or early if < 0). */
  jitterMs = 0;

  constructor(startMs = 1000) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, delayMs: number): unknown {
    const id = ++this.#seq;
    // Like node's timers, an early wake-up still lets at least 1 ms pass (unless the delay was 0).
    const delay = Math.max(delayMs + this.jitterMs, Math.min(delayMs, 1));
    this.#timers.push({ id, at: this.#now + delay, fn });
    return id;
  }

  clearTimer(handle: unknown): void {
    this.#timers = this.#timers.filter((t) => t.id !== handle);
  }

  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by ms, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const next = this.#timers[0];
      if (next === undefined || next.at > end) break;
      this.#timers.shift();
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = end;
  }

  /** Jumps time forward without firing timers (a blocked event loop), then fires what is due. */
  block(ms: number): void {
    this.#now += ms;
    this.advance(0);
  }
}

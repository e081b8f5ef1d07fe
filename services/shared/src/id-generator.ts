// Trace and span ids for the SDK (its IdGenerator interface), cut from a pool of random hex.
// The SDK's default, RandomIdGenerator (@opentelemetry/sdk-trace 3.1.0
// dist/platform/node/RandomIdGenerator.mjs), writes Math.random() into a Buffer and hex-encodes
// it once per id: about 340 ns for the two ids every traced request needs, sampled or not. A
// slice of a pool encoded once per 4 KiB costs about 40 ns (BENCHMARKS.md). The pool is filled by
// crypto.randomFillSync, so the ids are unpredictable as well.
import { randomFillSync } from 'node:crypto';
import type { IdGenerator } from '@opentelemetry/sdk-trace';

/** Random bytes encoded at a time: 128 trace ids and span ids. */
export const POOL_BYTES = 4096;

// All-zero ids are invalid (W3C trace context, and the API's isValidTraceId/isValidSpanId).
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

export class PooledIdGenerator implements IdGenerator {
  readonly #buffer = Buffer.allocUnsafe(POOL_BYTES);
  readonly #fill: (buffer: Buffer) => void;
  #hex = '';
  #offset = 0;

  /** `fill` writes random bytes into the pool (injectable for tests). */
  constructor(fill: (buffer: Buffer) => void = randomFillSync) {
    this.#fill = fill;
  }

  generateTraceId(): string {
    return this.#take(32, ZERO_TRACE_ID);
  }

  generateSpanId(): string {
    return this.#take(16, ZERO_SPAN_ID);
  }

  #take(chars: number, zero: string): string {
    for (;;) {
      if (this.#offset + chars > this.#hex.length) {
        this.#fill(this.#buffer);
        this.#hex = this.#buffer.toString('hex');
        this.#offset = 0;
      }
      const id = this.#hex.slice(this.#offset, this.#offset + chars);
      this.#offset += chars;
      if (id !== zero) return id;
    }
  }
}

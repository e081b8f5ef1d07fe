// Time budgets and limits that several modules must agree on (docs/interfaces.md, "Limits").

/** Longest wait for the telemetry flush at shutdown (pending spans are dropped after it). */
export const FLUSH_TIMEOUT_MS = 3000;

/** Slack kept in the shutdown deadline beyond drain + flush: closing servers, exit, timer skew. */
export const SHUTDOWN_MARGIN_MS = 500;

/**
 * The batch span processor's queue and batch when OTEL_BSP_MAX_QUEUE_SIZE /
 * OTEL_BSP_MAX_EXPORT_BATCH_SIZE are unset (the SDK's own: 2048 / 512). Smaller batches, sent
 * as soon as they fill, keep less in flight: peak RSS under full tracing fell from about 176 to
 * 148 MB at the same throughput (BENCHMARKS.md); a full queue is counted, never silent. telemetry.ts
 * builds the processor with these; otel-env.ts checks OTEL_BSP_MAX_EXPORT_BATCH_SIZE against them.
 */
export const BSP_DEFAULTS = { maxQueueSize: 512, maxExportBatchSize: 128 } as const;

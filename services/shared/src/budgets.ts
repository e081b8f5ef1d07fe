// Time budgets that several modules must agree on (docs/interfaces.md, "Limits").

/** Longest wait for the telemetry flush at shutdown (pending spans are dropped after it). */
export const FLUSH_TIMEOUT_MS = 3000;

/** Slack kept in the shutdown deadline beyond drain + flush: closing servers, exit, timer skew. */
export const SHUTDOWN_MARGIN_MS = 500;

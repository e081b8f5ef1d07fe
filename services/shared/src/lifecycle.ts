// Graceful shutdown in the contract's order: stop new work, readiness false, wait drainMs, close
// servers (in-flight requests finish; idle, silent and half-sent connections are closed at once),
// settle work no server tracks, flush telemetry within the time left, exit 0.
// Bounded by timeoutMs (exit 1); a second signal exits at once (130).
import type { Server } from 'node:http';
import type { Readiness } from './admin.ts';
import { FLUSH_TIMEOUT_MS } from './budgets.ts';
import { closeConnections } from './http-server.ts';
import type { Logger } from './logger.ts';

export const EXIT_OK = 0;
export const EXIT_DEADLINE = 1;
export const EXIT_SECOND_SIGNAL = 130;
/** Kept between the end of the flush and the deadline, so a flush cut short still exits 0. */
export const EXIT_MARGIN_MS = 100;

export interface ShutdownOptions {
  readiness: Readiness;
  servers: readonly Server[];
  drainMs: number;
  timeoutMs: number;
  /** stops producing new work (pinger's schedule); called at once on the first signal */
  stopWork?: () => void;
  /** waits for work in flight that no server tracks (pinger's ping); after close, before flush */
  settle?: () => Promise<void>;
  /** flush and stop telemetry within `budgetMs`: FLUSH_TIMEOUT_MS or the time left before the deadline, whichever is less */
  flush: (budgetMs: number) => Promise<void>;
  logger: Logger;
  exit: (code: number) => void;
  /** the drain's wait; default a timer (tests inject one that moves `now`) */
  sleep?: (ms: number) => Promise<void>;
  /** milliseconds, for the time left before the deadline; default Date.now */
  now?: () => number;
}

export interface Shutdown {
  /** handles one signal; the first starts the sequence, the next one exits 130 */
  onSignal(signal: string): void;
  /** resolves once the sequence has called exit (with the code it used) */
  readonly done: Promise<number>;
  /** install SIGTERM/SIGINT handlers on `proc` */
  install(proc?: NodeJS.EventEmitter): void;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * server.close(), then: for servers made by createLimitedServer, every connection with no request
 * in progress is ended now and each other one after its last response (closeConnections); for any
 * other server, keep-alive sockets are closed as they become idle (server.close() closes the idle
 * ones of the moment; a half-sent request then waits for Node's request timeout). Never rejects:
 * a server that is not listening (its close() fails with ERR_SERVER_NOT_RUNNING) is closed already.
 */
export function closeServer(server: Server, pollMs = 50): Promise<void> {
  return new Promise((resolve) => {
    const tracked = closeConnections(server);
    // unref'd: it never holds the process up, cleared or not
    const timer = tracked ? undefined : setInterval(() => server.closeIdleConnections(), pollMs).unref();
    server.close(() => {
      // Stryker disable next-line CallExpression: the interval is unref'd and only closes idle connections of a closed server
      clearInterval(timer);
      resolve();
    });
  });
}

export function createShutdown(options: ShutdownOptions): Shutdown {
  const { readiness, servers, drainMs, timeoutMs, stopWork, settle, flush, logger } = options;
  const sleep = options.sleep ?? defaultSleep;
  const now = options.now ?? Date.now;
  let started = false;
  let exited = false;
  let deadline: NodeJS.Timeout | undefined;
  let deadlineAt = Infinity;
  let resolveDone: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (resolveDone = resolve));
  const exit = (code: number): void => {
    if (exited) return;
    exited = true;
    clearTimeout(deadline);
    resolveDone(code);
    options.exit(code);
  };

  const run = async (): Promise<void> => {
    readiness.markShuttingDown();
    logger.info('shutdown: readiness false, draining', { drain_ms: drainMs, timeout_ms: timeoutMs });
    await sleep(drainMs);
    logger.info('shutdown: closing servers');
    await Promise.all(servers.map((s) => closeServer(s)));
    if (settle !== undefined) {
      logger.info('shutdown: settling work in flight');
      await settle();
    }
    const budgetMs = Math.max(0, Math.min(FLUSH_TIMEOUT_MS, deadlineAt - now() - EXIT_MARGIN_MS));
    logger.info('shutdown: flushing telemetry', { budget_ms: budgetMs });
    await flush(budgetMs);
    logger.info('shutdown: done');
  };

  const onSignal = (signal: string): void => {
    if (exited) return;
    if (started) {
      logger.warn('second signal: exiting at once', { signal });
      exit(EXIT_SECOND_SIGNAL);
      return;
    }
    started = true;
    logger.info('shutdown: signal received', { signal });
    stopWork?.();
    deadlineAt = now() + timeoutMs;
    deadline = setTimeout(() => {
      logger.error('shutdown: deadline passed, exiting', { timeout_ms: timeoutMs });
      for (const s of servers) s.closeAllConnections();
      exit(EXIT_DEADLINE);
    }, timeoutMs);
    run().then(
      () => exit(EXIT_OK),
      (err: unknown) => {
        logger.error('shutdown failed', { err });
        exit(EXIT_DEADLINE);
      },
    );
  };

  return {
    onSignal,
    done,
    install(proc: NodeJS.EventEmitter = process) {
      proc.on('SIGTERM', () => onSignal('SIGTERM'));
      proc.on('SIGINT', () => onSignal('SIGINT'));
    },
  };
}

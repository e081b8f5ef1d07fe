// A service logger whose JSON lines are kept in memory, for tests that read what was logged.
import { createLogger, type Logger } from '../../services/shared/src/logger.ts';

export interface Captured {
  logger: Logger;
  lines: Record<string, unknown>[];
}

export function captureLogger(service = 'test'): Captured {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ service, level: 'debug', write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  return { logger, lines };
}

/** A log line's fields without its time, for exact comparison. */
export function untimed(line: Record<string, unknown>): Record<string, unknown> {
  const { time: _time, ...rest } = line;
  return rest;
}

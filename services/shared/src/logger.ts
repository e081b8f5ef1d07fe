// JSON-lines logger: time, level, service, msg, trace_id/span_id of the active span, then fields.
import { isSpanContextValid, trace } from '@opentelemetry/api';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

const RANK: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const RESERVED = new Set(['time', 'level', 'service', 'msg', 'trace_id', 'span_id']);

export interface Logger {
  readonly level: Level;
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** a logger that adds `fields` to every line */
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  service: string;
  level?: Level;
  /** receives one complete line (with trailing newline); default: process.stdout */
  write?: (line: string) => void;
  now?: () => Date;
}

/** Errors become {message, code?, name}; everything else must survive JSON.stringify. */
function plain(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as NodeJS.ErrnoException).code;
    return code === undefined ? { name: value.name, message: value.message } : { name: value.name, message: value.message, code };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function createLogger(options: LoggerOptions, bound: Fields = {}): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const emit = (lvl: Level, msg: string, fields?: Fields): void => {
    if (RANK[lvl] < RANK[level]) return;
    const record: Fields = { time: now().toISOString(), level: lvl, service: options.service, msg };
    const ctx = trace.getActiveSpan()?.spanContext();
    if (ctx && isSpanContextValid(ctx)) {
      record.trace_id = ctx.traceId;
      record.span_id = ctx.spanId;
    }
    for (const [k, v] of Object.entries({ ...bound, ...fields })) {
      record[RESERVED.has(k) ? `field_${k}` : k] = plain(v);
    }
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ time: record.time, level: lvl, service: options.service, msg, log_error: 'fields not serialisable' });
    }
    write(`${line}\n`);
  };
  return {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(options, { ...bound, ...fields }),
  };
}

// JSON-lines logger on pino: level, time, service, trace_id/span_id (of the span a call names, else the active one), fields, msg.
// A thin adapter keeps the services' (msg, fields) call order; pino does the formatting and writing.
import { isSpanContextValid, type SpanContext, trace } from '@opentelemetry/api';
import { type DestinationStream, type Logger as PinoLogger, pino } from 'pino';

export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<string, unknown>;

/** Keys the logger writes itself; a caller's field with one of these names is written as `field_<name>`. */
const RESERVED = new Set(['time', 'level', 'service', 'msg', 'trace_id', 'span_id']);

/**
 * One log call. The line carries the trace ids of `span` when given (a request's span, kept by
 * code that logs after the request's context is gone), else of the active span.
 */
export type LogFn = (msg: string, fields?: Fields, span?: SpanContext) => void;

export interface Logger {
  readonly level: Level;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** a logger that adds `fields` to every line */
  child(fields: Fields): Logger;
}

export interface LoggerOptions {
  service: string;
  level?: Level;
  /** receives one complete line (with trailing newline); default: synchronous writes to `fd` */
  write?: (line: string) => void;
  /** the file descriptor written when no `write` is given; default 1 (stdout) */
  fd?: number;
  now?: () => Date;
}

/** `fields` itself, or a copy with reserved names moved to `field_<name>` so input cannot forge them. */
function safe<F extends Fields | undefined>(fields: F): F {
  let out: Fields | undefined;
  for (const k in fields) {
    if (!RESERVED.has(k)) continue;
    out ??= { ...fields };
    out[`field_${k}`] = out[k];
    delete out[k];
  }
  return (out ?? fields) as F;
}

/** pino's serializer for the `err` field: {name, message, code?}, no stack. */
function errorFields(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  // a `code` of undefined is left out of the line, like any undefined field
  return { name: value.name, message: value.message, code: (value as NodeJS.ErrnoException).code };
}

/** The `span` of the log call in progress: every call sets it before pino runs the mixin. */
let callSpan: SpanContext | undefined;

/** pino's mixin: the trace ids of the call's span, else of the active span (none when invalid). */
function spanIds(): Fields {
  const ctx = callSpan ?? trace.getActiveSpan()?.spanContext();
  return ctx && isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

function adapt(p: PinoLogger, level: Level): Logger {
  const at =
    (write: (fields: Fields | undefined, msg: string) => void): LogFn =>
    (msg, fields, span) => {
      callSpan = span;
      write(safe(fields), msg);
    };
  return {
    level,
    debug: at((f, m) => p.debug(f, m)),
    info: at((f, m) => p.info(f, m)),
    warn: at((f, m) => p.warn(f, m)),
    error: at((f, m) => p.error(f, m)),
    child: (fields) => adapt(p.child(safe(fields)), level),
  };
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const now = options.now ?? (() => new Date());
  // sync: each line is written (fs.writeSync) before the call returns, so process.exit loses nothing
  const destination: DestinationStream = options.write ? { write: options.write } : pino.destination({ dest: options.fd ?? 1, sync: true });
  const p = pino(
    {
      level,
      base: { service: options.service },
      timestamp: () => `,"time":"${now().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
      messageKey: 'msg',
      serializers: { err: errorFields },
      mixin: spanIds,
    },
    destination,
  );
  return adapt(p, level);
}

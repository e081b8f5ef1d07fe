// Turns a service's JSON log line into `name | HH:MM:SS level msg key=value ...` for `npm start`.
const HIDDEN = new Set(['time', 'level', 'service', 'msg', 'trace_id', 'span_id']);
/** fields already spelled out in a request line's msg (`GET /ping 200`) */
const IN_MSG = ['method', 'route', 'status'];

function show(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}

export function formatLine(name: string, line: string): { text: string; record?: Record<string, unknown> } {
  const prefix = `${name.padEnd(6)} |`;
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { text: `${prefix} ${line}` };
    record = parsed as Record<string, unknown>;
  } catch {
    return { text: `${prefix} ${line}` };
  }
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '--:--:--';
  const msg = String(record.msg ?? '');
  const words = new Set(msg.split(' '));
  const fields = Object.entries(record)
    .filter(([k, v]) => !HIDDEN.has(k) && v !== undefined && !(IN_MSG.includes(k) && words.has(String(v))))
    .map(([k, v]) => `${k}=${show(v)}`);
  return { text: [prefix, time, String(record.level ?? '?'), msg, ...fields].join(' '), record };
}

// Reads a process's memory and CPU figures from /proc (Linux only).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Memory {
  /** resident set size now, kB */
  readonly rssKb: number;
  /** peak resident set size so far ("high water mark"), kB */
  readonly hwmKb: number;
}

function statusField(text: string, key: string, pid: number): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text);
  if (!m) throw new Error(`/proc/${pid}/status: no ${key} line (process gone or a kernel thread?)`);
  return Number(m[1]);
}

/** VmRSS and VmHWM of a live process. Throws if the pid does not exist. */
export function readMemory(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { rssKb: statusField(text, 'VmRSS', pid), hwmKb: statusField(text, 'VmHWM', pid) };
}

/** utime + stime of a process in clock ticks (fields 14 and 15 of /proc/<pid>/stat). */
export function readCpuTicks(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // the command name (field 2) is in parentheses and may hold spaces: split after the last ')'
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state), so field N is rest[N - 3]
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`/proc/${pid}/stat: cannot read utime/stime`);
  return utime + stime;
}

let ticks: number | undefined;
/** Clock ticks per second (getconf CLK_TCK), 100 if getconf is missing. */
export function clockTicksPerSecond(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      if (!(ticks > 0)) ticks = 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

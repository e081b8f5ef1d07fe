// `make TARGET DRY_RUN=1` and the readers of what the scripts print: the phases (`==> [name]`)
// and the commands they would run (`+ cmd`), for the tests that check a target's order.
import { run } from './run.ts';

/** stdout of `make -s TARGET DRY_RUN=1` (env added to the test's own); throws with stderr unless it exits 0. */
export function dryRun(target: string, env: Record<string, string> = {}): string {
  const r = run('make', ['-s', '--no-print-directory', target, 'DRY_RUN=1'], { env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`make ${target} DRY_RUN=1 exited ${String(r.status)}: ${r.stderr}`);
  return r.stdout;
}

/** The phases a script announced, in order (`==> [name] ...`). */
export function phases(out: string): string[] {
  return [...out.matchAll(/^==> \[([a-z-]+)\]/gm)].map((m) => m[1] ?? '');
}

/** The commands a script printed, in order (`+ cmd`). */
export function commands(out: string): string[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('+ '))
    .map((l) => l.slice(2));
}

// Runs the real services (pinger, ponger) as child processes with the repo's Node 24 and reads
// their JSON log lines (spawnService in processes.ts).
import { type Service, spawnService } from './processes.ts';
import { repoPath } from './repo.ts';

export const MAIN = {
  pinger: repoPath('services/pinger/src/main.ts'),
  ponger: repoPath('services/ponger/src/main.ts'),
} as const;

/** A service bound to loopback on any free app and admin ports (both log the ones they got). */
export const LOOPBACK_ANY_PORT = { HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0' } as const;

/** Starts pinger or ponger by name with only the given environment (plus PATH). */
export function startService(name: keyof typeof MAIN, env: Record<string, string>, args: string[] = []): Service {
  return spawnService(MAIN[name], { name, env, args });
}

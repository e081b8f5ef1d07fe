// The repository root, for tests, harnesses and benchmarks: the one place it is computed (product
// scripts keep their own, in scripts/lib/find-tool.ts and scripts/start-local.ts).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root, with a trailing slash. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** An absolute path inside the repository: repoPath('services/ponger/src/main.ts'). */
export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

// Finds a command-line tool the way the Makefile and scripts do: an explicit override
// ($KUBECTL, $LINKERD, ...), then ./.bin (where `make tools` installs the pinned ones), then PATH.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The path of `name`, or undefined when it is nowhere; an override that is not executable is an error. */
export function findTool(name: string, env: NodeJS.ProcessEnv = process.env, binDir = join(REPO_ROOT, '.bin')): string | undefined {
  const overrideVar = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
  const override = env[overrideVar];
  if (override) {
    if (!executable(override)) throw new Error(`${overrideVar}=${override}: not an executable file (expected the ${name} binary)`);
    return override;
  }
  const dirs = [binDir, ...(env['PATH'] ?? '').split(delimiter).filter(Boolean)];
  return dirs.map((d) => join(d, name)).find(executable);
}

/** Like findTool, but a missing tool is an error that says how to get it. */
export function requireTool(name: string, how = "run 'make tools' (pinned, checksum-verified, into ./.bin)"): string {
  const found = findTool(name);
  if (!found) throw new Error(`${name} not found in ./.bin or on PATH: ${how}`);
  return found;
}

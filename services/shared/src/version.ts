// The service version: `version` of the nearest package.json above the calling module.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function readVersion(moduleUrl: string, maxLevels = 6): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (let i = 0; i < maxLevels; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
      if (typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: look one level up
    }
    dir = dirname(dir); // at the filesystem root this stays '/': maxLevels bounds the walk
  }
  return 'unknown';
}

// Runs a service's start function: config errors exit 78 (EX_CONFIG) with one line on stderr,
// other start-up errors (e.g. EADDRINUSE) exit 1 with one clear line.
import { ConfigError } from './config.ts';

export const EXIT_CONFIG = 78;
export const EXIT_STARTUP = 1;

export interface RunOptions {
  stderr?: (line: string) => void;
  exit?: (code: number) => void;
}

/** The one line printed for a start-up failure, and the exit code that goes with it. */
export function describeStartupError(err: unknown): { line: string; code: number } {
  if (err instanceof ConfigError) return { line: `config error: ${err.message}`, code: EXIT_CONFIG };
  const message = err instanceof Error ? err.message : String(err);
  return { line: `start-up error: ${message}`, code: EXIT_STARTUP };
}

export async function runMain(start: () => Promise<void>, options: RunOptions = {}): Promise<void> {
  const stderr = options.stderr ?? ((line: string) => void process.stderr.write(line));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  try {
    await start();
  } catch (err) {
    const { line, code } = describeStartupError(err);
    stderr(`${line.replace(/\s*\n\s*/g, ' ')}\n`);
    exit(code);
  }
}

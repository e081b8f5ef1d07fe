// Test helper for the tests that run the real wrk: without it they skip locally with the package
// to install, and fail under CI=true (the CI machine must install the Debian package).
import { findWrk, WRK_PACKAGE, wrkMissingMessage } from './wrk.ts';

/** The wrk path; otherwise skips the test (locally) or throws (CI=true). */
export function wrkOrSkip(ctx: Mocha.Context): string {
  const wrk = findWrk();
  if (wrk !== undefined) return wrk;
  if (process.env['CI'] === 'true') throw new Error(`${wrkMissingMessage()}; CI must install the Debian package "${WRK_PACKAGE}"`);
  process.stderr.write(`      skipped: ${wrkMissingMessage()}\n`);
  return ctx.skip();
}

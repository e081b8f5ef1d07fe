// Test helper for the tests that run the real wrk: without it they skip locally with the package
// to install, and fail under CI=true (the CI machine must install the Debian package).
import { missingTool } from '../test/support/manifests.ts';
import { findWrk, WRK_PACKAGE, wrkMissingMessage } from './wrk.ts';

/** The wrk path; otherwise skips the test (locally) or throws (CI=true). */
export function wrkOrSkip(ctx: Mocha.Context): string {
  return findWrk() ?? missingTool(ctx, `${wrkMissingMessage()}; CI must install the Debian package "${WRK_PACKAGE}"`);
}

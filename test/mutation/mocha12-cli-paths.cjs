// Lets @stryker-mutator/mocha-runner 10.0.0 load Mocha 12. Mocha 12 renamed lib/cli/run-helpers,
// options and collect-files to .cjs, and the runner requires them without an extension, so the
// plugin fails to load. Upstream fix: stryker-mutator/stryker-js PR #6205 (open when this was
// written). `npm run test:mutation` loads this with NODE_OPTIONS=--require, which also reaches the
// test-runner child processes. Delete it once a mocha-runner release carries that fix.
const Module = require('node:module');

const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveMochaCli(request, ...rest) {
  if (/[\\/]mocha[\\/]lib[\\/]cli[\\/][\w-]+$/.test(request)) {
    try {
      return resolve.call(this, request, ...rest);
    } catch {
      return resolve.call(this, `${request}.cjs`, ...rest);
    }
  }
  return resolve.call(this, request, ...rest);
};

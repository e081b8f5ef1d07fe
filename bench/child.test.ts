// bench/child.ts exitedCleanly: a run-to-completion child is waited for, stopped past its bound,
// and anything but exit 0 is an error that carries the child's stderr.
import { expect } from 'chai';
import { exitedCleanly, startProcess } from './child.ts';

const node = (name: string, code: string) => startProcess({ name, args: ['-e', code] });

describe('bench child: exitedCleanly', function () {
  this.timeout(10_000);

  it('resolves when the child exits 0', async () => {
    await exitedCleanly(node('ok', 'process.exit(0)'), 5000);
  });

  it('rejects a non-zero exit with the code, the bound and the stderr', async () => {
    const err = await exitedCleanly(node('fails', 'console.error("broken input"); process.exit(3)'), 5000).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/^fails exited with 3 \(bounded at 5000 ms\).*stderr: broken input/);
  });

  it('stops a child that outlives its bound', async () => {
    const t0 = Date.now();
    const err = await exitedCleanly(node('hangs', 'setInterval(() => {}, 1000)'), 300).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(/^hangs exited with SIGTERM \(bounded at 300 ms\)/);
    expect(Date.now() - t0).to.be.below(5000);
  });
});

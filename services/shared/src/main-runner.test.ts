import { expect } from 'chai';
import { ConfigError } from './config.ts';
import { runMain } from './main-runner.ts';

describe('shared/main-runner', () => {
  async function run(err: unknown): Promise<{ lines: string[]; codes: number[] }> {
    const lines: string[] = [];
    const codes: number[] = [];
    await runMain(
      async () => {
        if (err !== undefined) throw err;
      },
      { stderr: (l) => void lines.push(l), exit: (c) => void codes.push(c) },
    );
    return { lines, codes };
  }

  it('prints one config error line and exits 78', async () => {
    const { lines, codes } = await run(new ConfigError('service.port (PORT)', 'an integer in 0..65535', '"70000" (from env PORT)'));
    expect(lines).to.deep.equal(['config error: service.port (PORT): expected an integer in 0..65535, got "70000" (from env PORT)\n']);
    expect(codes).to.deep.equal([78]);
  });

  it('prints other start-up errors on one line and exits 1', async () => {
    const { lines, codes } = await run(new Error('app cannot listen\non 1.2.3.4'));
    expect(lines).to.deep.equal(['start-up error: app cannot listen on 1.2.3.4\n']);
    expect(codes).to.deep.equal([1]);
  });

  it('does nothing when start succeeds', async () => {
    expect(await run(undefined)).to.deep.equal({ lines: [], codes: [] });
  });
});

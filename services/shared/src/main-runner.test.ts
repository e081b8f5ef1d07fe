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

  it('prints other start-up errors on one line and exits 1', async () => {
    const { lines, codes } = await run(new Error('app cannot listen\non 1.2.3.4'));
    expect(lines).to.deep.equal(['start-up error: app cannot listen on 1.2.3.4\n']);
    expect(codes).to.deep.equal([1]);
  });

  it('prints one config error line on process.stderr and exits 78 through process.exit by default', async () => {
    const lines: string[] = [];
    const codes: number[] = [];
    const { write } = process.stderr;
    const { exit } = process;
    process.stderr.write = ((chunk: string) => lines.push(chunk) > 0) as typeof process.stderr.write;
    process.exit = ((code: number) => void codes.push(code)) as typeof process.exit;
    try {
      await runMain(async () => {
        throw new ConfigError('log.level (LOG_LEVEL)', 'one of debug, info, warn, error', '"loud" (from env LOG_LEVEL)');
      });
    } finally {
      process.stderr.write = write;
      process.exit = exit;
    }
    expect(lines).to.deep.equal([
      'config error: log.level (LOG_LEVEL): expected one of debug, info, warn, error, got "loud" (from env LOG_LEVEL)\n',
    ]);
    expect(codes).to.deep.equal([78]);
  });

  it('does nothing when start succeeds', async () => {
    expect(await run(undefined)).to.deep.equal({ lines: [], codes: [] });
  });
});

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { clockTicksPerSecond, readCpuTicks, readMemory } from './procfs.ts';

describe('bench procfs readers', () => {
  it('reads RSS and peak RSS of this process, and they move with allocation', () => {
    const before = readMemory(process.pid);
    expect(before.rssKb).to.be.greaterThan(10 * 1024); // a Node process is well over 10 MB
    expect(before.hwmKb).to.be.at.least(before.rssKb);
    const block = Buffer.alloc(64 * 1024 * 1024, 1); // touched pages count in RSS
    const after = readMemory(process.pid);
    expect(after.hwmKb - before.rssKb).to.be.greaterThan(48 * 1024);
    expect(block[block.length - 1]).to.equal(1);
  });

  it('reads a child process by pid, and fails clearly once it is gone', async () => {
    const child = spawn(process.execPath, ['-e', 'let x = 0; const end = Date.now() + 300; while (Date.now() < end) x++; setTimeout(() => {}, 5000)']);
    try {
      const pid = child.pid as number;
      await new Promise((r) => setTimeout(r, 400));
      expect(readMemory(pid).rssKb).to.be.greaterThan(1024);
      // it spun the CPU for 300 ms: at least ~0.1 s of CPU time in ticks
      expect(readCpuTicks(pid)).to.be.at.least(clockTicksPerSecond() / 10);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(() => readMemory(child.pid as number)).to.throw(/ENOENT|no VmRSS/);
  });
});

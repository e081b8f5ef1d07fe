import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'chai';
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
    // the child burns 300 ms of its own CPU time (not wall time: the machine may be busy), then says so
    const burn =
      'const s = process.cpuUsage(); for (;;) { const u = process.cpuUsage(s); if (u.user + u.system >= 300000) break; } ' +
      'process.stdout.write("spun\\n"); setTimeout(() => {}, 10000)';
    const child = spawn(process.execPath, ['-e', burn], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const pid = child.pid as number;
      await once(child.stdout, 'data');
      expect(readMemory(pid).rssKb).to.be.greaterThan(1024);
      // 300 ms of CPU is 30 ticks at 100 Hz; allow for tick rounding
      expect(readCpuTicks(pid)).to.be.at.least(clockTicksPerSecond() * 0.25);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(() => readMemory(child.pid as number)).to.throw(/ENOENT|no VmRSS/);
  });
});

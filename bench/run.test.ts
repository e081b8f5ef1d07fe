import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));

describe('bench harness smoke run (BENCH_QUICK=1, bare server only)', function () {
  this.timeout(20_000);
  it('runs end to end as its own process, prints one table and writes the JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    try {
      const out = join(dir, 'r.json');
      const child = spawn(process.execPath, [RUN], {
        env: { ...process.env, BENCH_QUICK: '1', BENCH_ONLY: 'bare', BENCH_OUT: out },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
      const [code] = await once(child, 'close');
      expect(code, stdout).to.equal(0);
      expect(stdout.match(/^\| Measurement \| Result \| Target \| Verdict \|$/gm)).to.have.length(1);
      expect(stdout).to.match(/\(a\) bare node:http server \| [\d,]+ req\/s/);
      const json = JSON.parse(readFileSync(out, 'utf8')) as {
        errors: object; meta: { node: string }; results: { bare: { load: { ok: number; rps: number; non2xx: number }; peakRssMb: number } };
      };
      expect(json.errors).to.deep.equal({});
      expect(json.meta.node).to.equal(process.version);
      expect(json.results.bare.load.ok).to.be.greaterThan(100);
      expect(json.results.bare.load.non2xx).to.equal(0);
      expect(json.results.bare.peakRssMb).to.be.within(10, 1000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

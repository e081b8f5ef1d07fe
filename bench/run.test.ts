import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));

describe('bench harness smoke run (BENCH_QUICK=1, bare server and ponger without tracing)', function () {
  this.timeout(30_000);
  it('runs end to end as its own process, prints one table and writes the JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    try {
      const out = join(dir, 'r.json');
      const child = spawn(process.execPath, [RUN], {
        env: { ...process.env, BENCH_QUICK: '1', BENCH_ONLY: 'bare,ponger-notel', BENCH_OUT: out },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
      const [code] = await once(child, 'close');
      expect(code, stdout).to.equal(0);
      expect(stdout.match(/^\| Measurement \| Result \| Target \| Verdict \|$/gm)).to.have.length(1);
      expect(stdout).to.match(/\(a\) bare node:http server \| [\d,]+ req\/s/);
      // the real ponger main, started by the harness with the contract's env (PORT, METRICS_PORT, HOST)
      expect(stdout).to.match(/\(b\) ponger, tracing off .* \| [\d,]+ req\/s; .* peak RSS \d+ MB \| peak RSS <= 150 MB \| (PASS|MISS) \|/);
      expect(stdout).to.match(/throughput \(b\)\/\(a\)/);
      const json = JSON.parse(readFileSync(out, 'utf8')) as {
        errors: object; meta: { node: string };
        results: Record<'bare' | 'notel', { load: { ok: number; rps: number; non2xx: number }; peakRssMb: number; cpuUsPerRequest: number }>;
      };
      expect(json.errors).to.deep.equal({});
      expect(json.meta.node).to.equal(process.version);
      expect(json.results.bare.load.ok).to.be.greaterThan(100);
      expect(json.results.bare.load.non2xx).to.equal(0);
      expect(json.results.bare.peakRssMb).to.be.within(10, 1000);
      expect(json.results.notel.load.ok).to.be.greaterThan(100);
      expect(json.results.notel.load.non2xx).to.equal(0);
      expect(json.results.notel.cpuUsPerRequest).to.be.greaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

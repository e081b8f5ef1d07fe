import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { startProcess } from '../test/support/processes.ts';
import { wrkOrSkip } from './needs-wrk.ts';
import { imageNodeFlags } from './settings.ts';

const RUN = fileURLToPath(new URL('./run.ts', import.meta.url));

async function run(env: Record<string, string>, limitMs: number): Promise<{ code: unknown; stdout: string; stderr: string }> {
  const child = startProcess({ name: 'bench', args: [RUN], env, baseEnv: process.env as Record<string, string> });
  // bounded whatever happens: SIGTERM first, so the harness stops its own children; SIGKILL after 5 s
  const timer = setTimeout(() => void child.stop(5000), limitMs);
  const { code } = await child.exited;
  clearTimeout(timer);
  return { code, stdout: child.lines.map((l) => `${l}\n`).join(''), stderr: child.stderr.join('\n') };
}

describe('bench harness smoke run (BENCH_QUICK=1: ponger without and with full tracing, wrk)', function () {
  this.timeout(60_000);

  it('runs end to end as its own process, prints one table and the targets, and writes the JSON', async function () {
    wrkOrSkip(this);
    const dir = mkdtempSync(join(tmpdir(), 'bench-'));
    try {
      const out = join(dir, 'r.json');
      const { code, stdout, stderr } = await run(
        {
          BENCH_QUICK: '1',
          BENCH_ONLY: 'ponger-notel,ponger-full',
          BENCH_OUT: out,
          // reaches the server under test only (and is shown in the header)
          BENCH_NODE_OPTIONS_PONGER_FULL: '--max-semi-space-size=16',
        },
        55_000,
      );
      expect(code, `${stdout}\n${stderr}`).to.equal(0);
      expect(stdout).to.match(/^load generator: wrk .*1 thread, 32 connections$/m);
      expect(stdout).to.match(
        /^Node flags of the process under test: ponger-notel: --max-semi-space-size=8 --max-old-space-size=96; ponger-full: --max-semi-space-size=16$/m,
      );
      // the images' ENTRYPOINT flags reach ponger (it started with them, or nothing below would pass)
      const flags = imageNodeFlags('ponger').join(' ') || '(none)';
      expect(stdout).to.include(
        `Node command-line flags of ponger and pinger (services/Dockerfile ENTRYPOINT unless BENCH_NODE_FLAGS): ${flags}\n`,
      );
      expect(stdout.match(/^\| Measurement \| Result \| Target \| Verdict \|$/gm)).to.have.length(1);
      // the real ponger main, started with the contract's env; traced, its shutdown deadline must pass the config's check
      expect(stdout).to.match(/\(b\) ponger, tracing off .* \| [\d,]+ req\/s; .*µs\/request; wrk CPU \d+%; peak RSS \d+ MB/);
      expect(stdout).to.match(/\(c\) ponger, metrics \+ tracing, always_on.* [\d,]+ spans exported/);
      expect(stdout).to.match(/^(PASS|MISS) {2}full sampling keeps >= 55% of untraced throughput: [\d.]+% \([\d,]+ \/ [\d,]+ req\/s\)$/m);
      expect(stdout).to.match(/^(PASS|MISS) {2}p99 at half the traced max rate, evenly paced <= 10 ms: [\d.]+ ms/m);
      expect(stdout).to.match(/^N\/A {3}10% sampling keeps >= 80% of untraced throughput: n\/a \(not measured/m);
      expect(stdout).to.match(/CPU per request \(c\) vs \(b\) .* \| [\d.]+x \(/);
      const json = JSON.parse(readFileSync(out, 'utf8')) as {
        errors: object;
        meta: { node: string; nodeOptions: Record<string, string> };
        results: Record<
          'notel' | 'full',
          {
            load: { ok: number; non2xx: number; errors: number };
            peakRssMb: number;
            cpuUsPerRequest: number;
            nodeOptions: string;
            sink?: { spans: number };
            half?: { paced: { ok: number; failed: number } };
          }
        >;
      };
      expect(json.errors).to.deep.equal({});
      expect(json.meta.node).to.equal(process.version);
      expect(json.meta.nodeOptions).to.deep.equal({
        'ponger-notel': '--max-semi-space-size=8 --max-old-space-size=96',
        'ponger-full': '--max-semi-space-size=16',
      });
      for (const k of ['notel', 'full'] as const) {
        expect(json.results[k].load.ok, k).to.be.greaterThan(100);
        expect(json.results[k].load.non2xx + json.results[k].load.errors, k).to.equal(0);
        expect(json.results[k].peakRssMb, k).to.be.within(10, 2000);
        expect(json.results[k].cpuUsPerRequest, k).to.be.greaterThan(0);
      }
      expect(json.results.full.sink?.spans).to.be.greaterThan(0);
      expect(json.results.full.half?.paced.ok).to.be.greaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops before starting anything when wrk is missing, naming the Debian package', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'no-wrk-'));
    try {
      const { code, stderr, stdout } = await run({ BENCH_QUICK: '1', BENCH_ONLY: 'bare', BENCH_WRK: '', PATH: empty }, 15_000);
      expect(code).to.equal(1);
      expect(stderr).to.match(/wrk not found on PATH: .*install the Debian package "wrk" \(apt-get install wrk\)/);
      expect(stderr).not.to.match(/bench: bare \.\.\./);
      expect(stdout).to.equal('');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("passes a scenario's Node flags to its server: a bad flag fails that scenario with Node's message", async function () {
    wrkOrSkip(this);
    const out = join(tmpdir(), `bench-badflag-${process.pid}.json`);
    const quickRun = async (flags: Record<string, string>): ReturnType<typeof run> => {
      const r = await run({ BENCH_QUICK: '1', BENCH_ONLY: 'ponger-notel', BENCH_OUT: out, ...flags }, 20_000);
      rmSync(out, { force: true });
      return r;
    };
    const { code, stdout } = await quickRun({ BENCH_NODE_OPTIONS_PONGER_NOTEL: '--bench-no-such-flag' });
    expect(code).to.equal(1);
    expect(stdout).to.match(/^FAILED ponger-notel: ponger: .*--bench-no-such-flag is not allowed in NODE_OPTIONS/m);
    // command-line flags (BENCH_NODE_FLAGS) go before main.js, where Node reads them
    const cli = await quickRun({ BENCH_NODE_FLAGS: '--bench-no-such-flag' });
    expect(cli.code).to.equal(1);
    expect(cli.stdout).to.match(/^FAILED ponger-notel: ponger: .*bad option: --bench-no-such-flag/m);
  });
});

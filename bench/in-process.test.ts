// bench/in-process.ts: the worker's result line is checked, the rows give ratios to untraced, and
// the real worker runs ponger's listener end to end: every request answered, one span exported per
// request with full sampling and none untraced.
import { expect } from 'chai';
import { type Child, startProcess, waitListening } from './child.ts';
import { formatRows, MODES, parseWorkerResult, type Row } from './in-process.ts';

const WORKER = new URL('./in-process-worker.ts', import.meta.url).pathname;
const SINK = new URL('./otlp-sink.ts', import.meta.url).pathname;

describe('bench in-process (ponger without sockets)', function () {
  this.timeout(60_000);

  it('reads the last IN_PROCESS_RESULT line and refuses a missing line or a bad figure, naming it', () => {
    const ok = parseWorkerResult([
      'noise',
      'IN_PROCESS_RESULT {"requests":10,"cpuUsPerRequest":1,"spansPerRequest":0}',
      'IN_PROCESS_RESULT {"requests":20,"cpuUsPerRequest":2.5,"spansPerRequest":1}',
    ]);
    expect(ok).to.deep.equal({ requests: 20, cpuUsPerRequest: 2.5, spansPerRequest: 1 });
    expect(() => parseWorkerResult(['nothing'])).to.throw(/no IN_PROCESS_RESULT line/);
    expect(() => parseWorkerResult(['IN_PROCESS_RESULT {"requests":10,"spansPerRequest":0}'])).to.throw(/cpuUsPerRequest is undefined/);
    expect(() => parseWorkerResult(['IN_PROCESS_RESULT {"requests":10,"cpuUsPerRequest":-1,"spansPerRequest":0}'])).to.throw(
      /cpuUsPerRequest is -1/,
    );
  });

  it('gives each traced mode its ratio to the untraced run of the same flags', () => {
    const row = (variant: string, mode: Row['mode'], median: number): Row => ({
      variant,
      mode,
      rounds: [median],
      median,
      spansPerRequest: 0,
    });
    const lines = formatRows([row('a', 'off', 20), row('a', '10%', 25), row('b', 'off', 40), row('b', '10%', 25)]);
    expect(lines[0]).to.match(/^a +off +20\.0 µs\/request \(rounds 20\.0\); 0\.00 spans\/request$/);
    expect(lines[1]).to.match(/10% +25\.0 µs\/request .*; 1\.25x untraced \(keeps 80%\)$/);
    expect(lines[3]).to.match(/0\.63x untraced \(keeps 160%\)$/);
  });

  const started: Child[] = [];
  afterEach(async () => {
    for (const c of started.splice(0)) await c.stop(1000);
  });

  it('the worker answers every request and exports one span per request with full sampling, none untraced', async () => {
    const sink = startProcess({ name: 'otlp-sink', args: [SINK], env: { PORT: '0' }, keepStdout: true });
    started.push(sink);
    const port = await waitListening(sink);
    const results: Record<string, ReturnType<typeof parseWorkerResult>> = {};
    for (const mode of ['off', '100%'] as const) {
      const w = startProcess({
        name: `worker ${mode}`,
        args: [WORKER],
        keepStdout: true,
        env: { ...MODES[mode], OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${String(port)}`, IN_PROCESS_REQUESTS: '300' },
      });
      started.push(w);
      const exit = await w.exited;
      expect(exit.code, w.stderrTail()).to.equal(0);
      results[mode] = parseWorkerResult(w.lines);
    }
    expect(results['off']).to.include({ requests: 300, spansPerRequest: 0 });
    expect(results['100%']?.spansPerRequest).to.equal(1);
    expect(results['100%']?.cpuUsPerRequest).to.be.greaterThan(0);
    const stats = (await (await fetch(`http://127.0.0.1:${String(port)}/stats`)).json()) as {
      spans: number;
      names: Record<string, number>;
    };
    expect(stats.spans).to.equal(360); // warm-up (60) and measured (300)
    expect(stats.names).to.deep.equal({ 'GET /ping': 360 });
  });

  it('the worker refuses a bad request count with the variable named, exit 1', async () => {
    const w = startProcess({
      name: 'worker',
      args: [WORKER],
      keepStdout: true,
      env: { OTEL_SDK_DISABLED: 'true', IN_PROCESS_REQUESTS: '0' },
    });
    started.push(w);
    expect((await w.exited).code).to.equal(1);
    expect(w.stderrTail()).to.match(/IN_PROCESS_REQUESTS: expected a whole number >= 1, got "0"/);
  });
});

// bench/tracing-steps.ts: measure() runs its function the warm-up and measured number of times and
// gives a time per call; measureSteps() reports every step of the unsampled path, by name; the
// script prints them for both id generators.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { context, trace } from '@opentelemetry/api';
import { expect } from 'chai';
import { measure, measureSteps } from './tracing-steps.ts';

const STEP_NAMES = [
  'ids (trace + span)',
  'propagation.extract (no trace headers)',
  'startSpan, unsampled root',
  'trace.setSpan',
  'context.with',
  'all four, as withServerSpans does',
];

const STEPS = fileURLToPath(new URL('./tracing-steps.ts', import.meta.url));

describe('bench tracing steps (microbenchmark)', () => {
  it('measure() calls the step calls/4 times to warm up, then calls times, and returns ns per call', () => {
    let n = 0;
    const ns = measure(() => n++, 400);
    expect(n).to.equal(500);
    expect(ns).to.be.a('number').and.to.be.above(0);
  });

  it('measureSteps() times each step of an unsampled root request, then leaves no context manager behind', () => {
    const steps = measureSteps('pooled', 200);
    expect(steps.map((s) => s.name)).to.deep.equal(STEP_NAMES);
    for (const s of steps) expect(Number.isFinite(s.nsPerCall) && s.nsPerCall > 0, s.name).to.equal(true);
    const span = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 });
    expect(context.with(trace.setSpan(context.active(), span), () => trace.getActiveSpan())).to.equal(undefined);
  });

  it('npm run bench:tracing-steps prints each step for both id generators, each measured in its own process', () => {
    const r = spawnSync(process.execPath, [STEPS], { encoding: 'utf8', env: { ...process.env, BENCH_STEP_CALLS: '200' }, timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(0);
    const rows = r.stdout.split('\n').filter((l) => / ns +\d+ ns$/.test(l));
    expect(rows.map((l) => l.replace(/ +\d+ ns +\d+ ns$/, ''))).to.deep.equal(STEP_NAMES);
    const bad = spawnSync(process.execPath, [STEPS], { encoding: 'utf8', env: { ...process.env, BENCH_STEP_CALLS: 'many' } });
    expect(bad.status).to.not.equal(0);
    expect(bad.stderr).to.include('BENCH_STEP_CALLS: expected a whole number >= 1, got "many"');
  });
});

// `npm run bench:tracing-steps`: nanoseconds per call of each step an unsampled root request
// takes through ponger's tracing (server-spans.ts: extract, startSpan, setSpan, context.with),
// with the SDK's classes as telemetry.ts configures them (parent-based ratio sampler, its default
// propagator: W3C + baggage, AsyncLocalStorage context), once with the SDK's default
// RandomIdGenerator and once with ours (PooledIdGenerator, ADR 0016). Each generator runs in its
// own process, so neither makes the tracer's call sites polymorphic for the other. Each step runs
// BENCH_STEP_CALLS times (default 2,000,000; a quarter more before, as warm-up). A
// microbenchmark: it says which step costs what, not what a request costs over sockets
// (`npm run bench`).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  type IdGenerator,
  ParentBasedSampler,
  RandomIdGenerator,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { PooledIdGenerator } from '../services/shared/src/id-generator.ts';
import { wholeNumber } from './env.ts';

export const GENERATORS = { sdk: () => new RandomIdGenerator(), pooled: () => new PooledIdGenerator() } as const;
export type Generator = keyof typeof GENERATORS;

export interface Step {
  name: string;
  nsPerCall: number;
}

/** Runs `fn` calls/4 times to warm up, then `calls` times; nanoseconds per call. */
export function measure(fn: () => unknown, calls: number): number {
  let kept = 0;
  for (let i = 0; i < calls / 4; i++) kept += fn() === undefined ? 0 : 1;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) kept += fn() === undefined ? 0 : 1;
  const ns = Number(process.hrtime.bigint() - t0) / calls;
  if (kept < 0) throw new Error('unreachable'); // keeps the results alive
  return ns;
}

/** The steps with one id generator, in this process. */
export function measureSteps(generator: Generator, calls: number): Step[] {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // the SDK's default propagator, which the services run (sdk-node 0.301.0 dist/utils.mjs setupPropagator)
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  try {
    const ids: IdGenerator = GENERATORS[generator]();
    const sampler = new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0) });
    const tracer = new TracerProvider({ sampler, idGenerator: ids }).getTracer('steps');
    const headers = { host: '127.0.0.1:8080', 'user-agent': 'wrk', accept: '*/*' };
    const span = tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT);
    const inSpan = trace.setSpan(ROOT_CONTEXT, span);
    const noop = (): number => 1;
    const steps: [string, () => unknown][] = [
      ['ids (trace + span)', () => ids.generateTraceId().length + ids.generateSpanId().length],
      ['propagation.extract (no trace headers)', () => propagation.extract(ROOT_CONTEXT, headers)],
      ['startSpan, unsampled root', () => tracer.startSpan('GET', { kind: SpanKind.SERVER }, ROOT_CONTEXT)],
      ['trace.setSpan', () => trace.setSpan(ROOT_CONTEXT, span)],
      ['context.with', () => context.with(inSpan, noop)],
      [
        'all four, as withServerSpans does',
        () => {
          const parent = propagation.extract(ROOT_CONTEXT, headers);
          const s = tracer.startSpan('GET', { kind: SpanKind.SERVER }, parent);
          return context.with(trace.setSpan(parent, s), noop);
        },
      ],
    ];
    return steps.map(([name, fn]) => ({ name, nsPerCall: measure(fn, calls) }));
  } finally {
    context.disable();
    propagation.disable();
  }
}

function main(): void {
  const calls = wholeNumber('BENCH_STEP_CALLS', process.env.BENCH_STEP_CALLS, 2_000_000);
  const which = process.argv[2];
  if (which !== undefined && Object.hasOwn(GENERATORS, which)) {
    process.stdout.write(`${JSON.stringify(measureSteps(which as Generator, calls))}\n`);
    return;
  }
  const results = (Object.keys(GENERATORS) as Generator[]).map((g) => {
    const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), g], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`tracing steps with the ${g} ids failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as Step[];
  });
  const [sdk = [], pooled = []] = results;
  process.stdout.write(
    `tracing steps of an unsampled root request, ${calls} calls each, Node ${process.version} ${process.execArgv.join(' ')}\n`,
  );
  process.stdout.write(`${'step'.padEnd(40)} ${'SDK ids'.padStart(9)} ${'pooled ids'.padStart(11)}\n`);
  for (const [i, s] of sdk.entries()) {
    process.stdout.write(
      `${s.name.padEnd(40)} ${`${s.nsPerCall.toFixed(0)} ns`.padStart(9)} ${`${(pooled[i]?.nsPerCall ?? Number.NaN).toFixed(0)} ns`.padStart(11)}\n`,
    );
  }
}

if (import.meta.main) main();

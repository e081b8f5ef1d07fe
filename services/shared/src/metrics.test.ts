import { context, INVALID_SPAN_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { expect } from 'chai';
import { Counter, Histogram } from 'prom-client';
import { parseExposition } from '../../../test/support/exposition.ts';
import {
  createRegistry,
  DURATION_BUCKETS,
  exemplarLabels,
  exemplarOf,
  MetricsRenderer,
  methodLabel,
  negotiateFormat,
  observeWithExemplar,
} from './metrics.ts';

describe('shared/metrics', () => {
  it('gives each app its own registry (same metric name twice is fine), with the process metrics unless turned off', () => {
    const a = createRegistry({ defaultMetrics: false });
    const b = createRegistry({ defaultMetrics: false });
    new Histogram({ name: 'x_seconds', help: 'x', registers: [a] });
    expect(() => new Histogram({ name: 'x_seconds', help: 'x', registers: [b] })).not.to.throw();
    expect(a.getMetricsAsArray().map((m) => m.name)).to.deep.equal(['x_seconds']);
    expect(createRegistry().getSingleMetric('process_cpu_seconds_total')).not.to.equal(undefined);
  });

  it('renders the trace_id exemplar of the active sampled span in OpenMetrics', async () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const registry = createRegistry({ defaultMetrics: false });
      const h = new Histogram({
        name: 'd_seconds',
        help: 'd',
        buckets: [...DURATION_BUCKETS],
        enableExemplars: true,
        registers: [registry],
      });
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const sampled = trace.wrapSpanContext({ traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED });
      context.with(trace.setSpan(context.active(), sampled), () => {
        const labels = exemplarLabels();
        expect(labels).to.deep.equal({ trace_id: traceId });
        observeWithExemplar(h, {}, 0.003, labels?.trace_id);
      });
      observeWithExemplar(h, {}, 0.2, undefined);
      const unsampled = trace.wrapSpanContext({ traceId, spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE });
      context.with(trace.setSpan(context.active(), unsampled), () => expect(exemplarLabels()).to.equal(undefined));
      expect(exemplarLabels()).to.equal(undefined);
      // a given context: sampled and valid only (all-zero ids are invalid, whatever the flag)
      expect(exemplarOf(sampled.spanContext())).to.deep.equal({ trace_id: traceId });
      expect(exemplarOf({ ...INVALID_SPAN_CONTEXT, traceFlags: TraceFlags.SAMPLED })).to.equal(undefined);
      expect(exemplarOf(unsampled.spanContext())).to.equal(undefined);
      expect(exemplarOf(undefined)).to.equal(undefined);
      const text = await registry.metrics();
      expect(text.trimEnd().endsWith('# EOF')).to.equal(true);
      const bucket = parseExposition(text).find((s) => s.name === 'd_seconds_bucket' && s.labels.le === '0.005');
      expect(bucket?.value).to.equal(1);
      expect(bucket?.exemplar?.labels).to.deep.equal({ trace_id: traceId });
      const later = parseExposition(text).find((s) => s.name === 'd_seconds_bucket' && s.labels.le === '0.25');
      expect(later?.value).to.equal(2);
      expect(later?.exemplar).to.equal(undefined);
    } finally {
      context.disable();
    }
  });

  it('bounds the method label', () => {
    for (const m of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']) expect(methodLabel(m)).to.equal(m);
    expect(methodLabel('get')).to.equal('_OTHER');
    expect(methodLabel('BREW')).to.equal('_OTHER');
    expect(methodLabel(undefined)).to.equal('_OTHER');
  });

  it('negotiates OpenMetrics only when Accept prefers it', () => {
    expect(negotiateFormat(undefined)).to.equal('prometheus');
    expect(negotiateFormat('*/*')).to.equal('prometheus');
    expect(negotiateFormat('text/plain;version=0.0.4;q=0.9,application/openmetrics-text;q=0.5')).to.equal('prometheus');
    expect(negotiateFormat('application/openmetrics-text;version=1.0.0;q=0')).to.equal('prometheus');
    expect(negotiateFormat('application/openmetrics-text; version=1.0.0')).to.equal('openmetrics');
    expect(negotiateFormat('application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1')).to.equal(
      'openmetrics',
    );
    // blanks around items and parameters, as most clients send them; a tie goes to OpenMetrics
    expect(negotiateFormat('text/plain;q=0.3, application/openmetrics-text')).to.equal('openmetrics');
    expect(negotiateFormat('application/openmetrics-text; q=0.5, text/plain; q=0.5')).to.equal('openmetrics');
    expect(negotiateFormat('Application/OpenMetrics-Text;q=0.6,text/plain;q=0.5')).to.equal('openmetrics');
    // only text/plain competes with OpenMetrics; a q that is not a number is ignored
    expect(negotiateFormat('*/*;q=0.9,application/openmetrics-text;q=0.5')).to.equal('openmetrics');
    expect(negotiateFormat('application/openmetrics-text;q=0.5,application/openmetrics-text;q=high')).to.equal('openmetrics');
    // an endless header is read for its first 1024 characters only
    expect(negotiateFormat(`text/plain;q=0.1,${'x/y,'.repeat(300)}application/openmetrics-text`)).to.equal('prometheus');
  });

  it('renders once for a burst of scrapes, and never answers with data older than the scrape', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const c = new Counter({ name: 'burst_total', help: 'b', registers: [registry] });
    const renderer = new MetricsRenderer(registry, 50);
    const first = renderer.render('prometheus');
    c.inc(); // after the first rendering started: later scrapes must see it
    const burst = await Promise.all(Array.from({ length: 100 }, () => renderer.render('prometheus')));
    expect(await first).to.match(/burst_total [01]\n/);
    expect(new Set(burst)).to.have.length(1);
    expect(burst[0]).to.include('burst_total 1');
    expect(renderer.renderings).to.equal(2);
  });

  it('starts renderings of one format at least the interval apart, each answer no older than its scrape', async () => {
    const registry = createRegistry({ defaultMetrics: false });
    const starts: number[] = [];
    const c = new Counter({ name: 'seen_total', help: 's', registers: [registry], collect: () => void starts.push(Date.now()) });
    const renderer = new MetricsRenderer(registry, 100);
    expect(await renderer.render('prometheus')).to.include('seen_total 0');
    c.inc();
    expect(await renderer.render('prometheus')).to.include('seen_total 1'); // waited for the interval
    expect(starts[1]! - starts[0]!).to.be.at.least(99);
    c.inc();
    expect(await renderer.render('prometheus')).to.include('seen_total 2');
    expect(renderer.renderings).to.equal(3);

    // no interval: scrapes during a rendering share the next one; a scrape after it starts one at once
    const eager = new MetricsRenderer(registry, 0);
    await Promise.all([eager.render('prometheus'), eager.render('prometheus'), eager.render('prometheus')]);
    expect(eager.renderings).to.equal(2);
    const last = eager.render('prometheus');
    expect(eager.renderings).to.equal(3);
    await last;
  });
});

import { expect } from 'chai';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger } from './logger.ts';

function capture(): { lines: Record<string, unknown>[]; write: (l: string) => void } {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (l) => { expect(l.endsWith('\n')).to.equal(true); lines.push(JSON.parse(l) as Record<string, unknown>); } };
}

describe('shared/logger', () => {
  it('writes one JSON line with time, level, service, msg and fields', () => {
    const out = capture();
    const log = createLogger({ service: 'ponger', write: out.write, now: () => new Date('2026-01-02T03:04:05.000Z') });
    log.info('hello', { route: '/ping', err: Object.assign(new Error('boom'), { code: 'EX' }) });
    expect(out.lines).to.deep.equal([{ time: '2026-01-02T03:04:05.000Z', level: 'info', service: 'ponger', msg: 'hello', route: '/ping', err: { name: 'Error', message: 'boom', code: 'EX' } }]);
  });

  it('filters below the level and keeps reserved keys from being overwritten', () => {
    const out = capture();
    const log = createLogger({ service: 's', level: 'warn', write: out.write });
    log.debug('d');
    log.info('i');
    log.warn('w', { level: 'fake' });
    log.error('e');
    expect(out.lines.map((l) => l.msg)).to.deep.equal(['w', 'e']);
    expect(out.lines[0]).to.include({ level: 'warn', field_level: 'fake' });
  });

  it('child loggers add their fields', () => {
    const out = capture();
    createLogger({ service: 's', write: out.write }).child({ component: 'admin' }).info('x', { a: 1 });
    expect(out.lines[0]).to.include({ component: 'admin', a: 1 });
  });

  it('adds trace_id and span_id of the active span', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const out = capture();
      const log = createLogger({ service: 's', write: out.write });
      const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED });
      context.with(trace.setSpan(context.active(), span), () => log.info('in span'));
      log.info('outside');
      expect(out.lines[0]).to.include({ trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' });
      expect(out.lines[1]).not.to.have.property('trace_id');
    } finally {
      context.disable();
    }
  });
});

import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { context, INVALID_SPAN_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { expect } from 'chai';
import { spawnService } from '../../../test/support/processes.ts';
import { createLogger } from './logger.ts';

function capture(): { lines: Record<string, unknown>[]; write: (l: string) => void } {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    write: (l) => {
      expect(l.endsWith('\n')).to.equal(true);
      lines.push(JSON.parse(l) as Record<string, unknown>);
    },
  };
}

/** Runs `fn` with an AsyncLocalStorage context manager registered, removed afterwards. */
function inContextManager(fn: () => void): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  try {
    fn();
  } finally {
    context.disable();
  }
}

describe('shared/logger', () => {
  it('writes one JSON line with time, level, service, msg and fields', () => {
    const out = capture();
    const log = createLogger({ service: 'ponger', write: out.write, now: () => new Date('2026-01-02T03:04:05.000Z') });
    log.debug('below the default level');
    log.info('hello', { route: '/ping', err: Object.assign(new Error('boom'), { code: 'EX' }) });
    log.error('no code', { err: new TypeError('bad') });
    log.warn('not an error', { err: 'ECONNRESET' });
    expect(out.lines).to.deep.equal([
      {
        time: '2026-01-02T03:04:05.000Z',
        level: 'info',
        service: 'ponger',
        msg: 'hello',
        route: '/ping',
        err: { name: 'Error', message: 'boom', code: 'EX' },
      },
      { time: '2026-01-02T03:04:05.000Z', level: 'error', service: 'ponger', msg: 'no code', err: { name: 'TypeError', message: 'bad' } },
      { time: '2026-01-02T03:04:05.000Z', level: 'warn', service: 'ponger', msg: 'not an error', err: 'ECONNRESET' },
    ]);
  });

  it('filters below the level; each level writes its fields', () => {
    const out = capture();
    const log = createLogger({ service: 's', level: 'warn', write: out.write });
    log.debug('d', { n: 0 });
    log.info('i', { n: 1 });
    log.warn('w', { n: 2 });
    log.error('e', { n: 3 });
    expect(out.lines.map((l) => [l.level, l.msg, l.n])).to.deep.equal([
      ['warn', 'w', 2],
      ['error', 'e', 3],
    ]);
    expect(log.level).to.equal('warn');
    const all = capture();
    createLogger({ service: 's', level: 'debug', write: all.write }).debug('d', { n: 0 });
    expect(all.lines.map((l) => [l.level, l.msg, l.n])).to.deep.equal([['debug', 'd', 0]]);
  });

  it('a field or child binding named like a logger key cannot forge it: it is written as field_<name>, once', () => {
    const raw: string[] = [];
    const log = createLogger({ service: 'real', write: (l) => void raw.push(l), now: () => new Date('2026-01-02T03:04:05.000Z') });
    const forged = { time: 'then', level: 'error', service: 'evil', msg: 'forged', trace_id: 'f'.repeat(32), span_id: 'e'.repeat(16) };
    const span = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
    });
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      context.with(trace.setSpan(context.active(), span), () => log.info('real msg', { ...forged, route: '/ping' }));
      log.child(forged).info('from child', { a: 1 });
    } finally {
      context.disable();
    }
    for (const line of raw) {
      for (const key of Object.keys(forged)) expect(line.split(`"${key}":`).length - 1, `${key} in ${line}`).to.be.at.most(1);
    }
    const parsed = raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    const [inSpan, child] = parsed;
    expect(parsed).to.have.length(2);
    expect(inSpan).to.include({
      time: '2026-01-02T03:04:05.000Z',
      level: 'info',
      service: 'real',
      msg: 'real msg',
      route: '/ping',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      span_id: 'b7ad6b7169203331',
    });
    expect(child).to.include({ time: '2026-01-02T03:04:05.000Z', level: 'info', service: 'real', msg: 'from child', a: 1 });
    expect(child).not.to.have.property('trace_id');
    for (const line of parsed) {
      for (const [key, value] of Object.entries(forged)) expect(line[`field_${key}`]).to.equal(value);
    }
    expect(forged).to.have.all.keys('time', 'level', 'service', 'msg', 'trace_id', 'span_id'); // the caller's object is not changed
  });

  it('child loggers add their fields', () => {
    const out = capture();
    createLogger({ service: 's', write: out.write }).child({ component: 'admin' }).info('x', { a: 1 });
    expect(out.lines[0]).to.include({ component: 'admin', a: 1 });
  });

  it('adds trace_id and span_id of the active span', () => {
    inContextManager(() => {
      const out = capture();
      const log = createLogger({ service: 's', write: out.write });
      const span = trace.wrapSpanContext({
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        traceFlags: TraceFlags.SAMPLED,
      });
      context.with(trace.setSpan(context.active(), span), () => log.info('in span'));
      log.info('outside');
      expect(out.lines[0]).to.include({ trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' });
      expect(out.lines[1]).not.to.have.property('trace_id');
    });
  });

  it("a call given a span context logs that span's ids, not the active one's; an invalid one logs none; the next call reads the active span again", () => {
    inContextManager(() => {
      const out = capture();
      const log = createLogger({ service: 's', write: out.write });
      const active = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED });
      const given = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.NONE };
      context.with(trace.setSpan(context.active(), active), () => {
        log.warn('given', {}, given);
        log.info('invalid', {}, INVALID_SPAN_CONTEXT);
        log.info('active again');
      });
      expect(out.lines.map((l) => [l.msg, l.trace_id, l.span_id])).to.deep.equal([
        ['given', given.traceId, given.spanId],
        ['invalid', undefined, undefined],
        ['active again', 'a'.repeat(32), 'b'.repeat(16)],
      ]);
    });
  });

  it('writes each line to its file descriptor before the call returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'logger-fd-'));
    const file = join(dir, 'out.log');
    const fd = openSync(file, 'w');
    try {
      const log = createLogger({ service: 'fd-test', fd });
      log.info('one');
      expect(readFileSync(file, 'utf8')).to.match(/^\{"level":"info","time":"[^"]+","service":"fd-test","msg":"one"\}\n$/);
      log.warn('two', { n: 2 });
      expect(readFileSync(file, 'utf8').split('\n')).to.have.length(3);
    } finally {
      await new Promise((r) => setTimeout(r, 20)); // an async write (were the logger async) lands before the fd closes: the test fails, the run goes on
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lines logged just before process.exit all reach stdout, past a full pipe (the shutdown and deadline paths)', async function () {
    this.timeout(20_000);
    const dir = mkdtempSync(join(tmpdir(), 'logger-exit-'));
    try {
      // 5,000 lines of ~200 bytes: ~1 MB, far over a 64 KiB pipe buffer, so writes must wait for the reader
      const script = join(dir, 'exit.ts');
      writeFileSync(
        script,
        [
          `import { createLogger } from ${JSON.stringify(new URL('./logger.ts', import.meta.url).href)};`,
          "const log = createLogger({ service: 'exit-test' });",
          "for (let i = 0; i < 5000; i++) log.info('line', { i, pad: 'x'.repeat(120) });",
          "log.error('last line before exit');",
          'process.exit(3);',
        ].join('\n'),
      );
      const child = spawnService(script, { name: 'exit-test' });
      const { code } = await child.exited;
      expect(code).to.equal(3);
      expect(child.stderr).to.deep.equal([]);
      expect(child.lines).to.have.length(5001);
      expect(child.lines.filter((l) => l.msg === 'line').map((l) => l.i)).to.deep.equal([...Array(5000).keys()]);
      expect(child.lines.at(-1)).to.include({ service: 'exit-test', level: 'error', msg: 'last line before exit' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

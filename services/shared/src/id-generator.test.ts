import { isValidSpanId, isValidTraceId } from '@opentelemetry/api';
import { expect } from 'chai';
import { POOL_BYTES, PooledIdGenerator } from './id-generator.ts';

describe('shared/id-generator', () => {
  it('valid, distinct lowercase-hex ids of 32 and 16 characters, across many refills of the pool', () => {
    const ids = new PooledIdGenerator();
    const traces = new Set<string>();
    const spans = new Set<string>();
    const n = Math.ceil((POOL_BYTES / 24) * 10); // ten pools' worth
    for (let i = 0; i < n; i++) {
      traces.add(ids.generateTraceId());
      spans.add(ids.generateSpanId());
    }
    expect(traces.size).to.equal(n);
    expect(spans.size).to.equal(n);
    for (const t of traces) expect(isValidTraceId(t) && /^[0-9a-f]{32}$/.test(t), t).to.equal(true);
    for (const s of spans) expect(isValidSpanId(s) && /^[0-9a-f]{16}$/.test(s), s).to.equal(true);
  });

  it('ids are the pool bytes in order, hex-encoded, refilled when one does not fit; an all-zero id is skipped', () => {
    let fills = 0;
    const ids = new PooledIdGenerator((b) => {
      fills++;
      // first pool: zeros for one trace id, then 0x01 0x02 ...; later pools: 0xab
      if (fills === 1) for (let i = 0; i < b.length; i++) b[i] = i < 16 ? 0 : i & 0xff;
      else b.fill(0xab);
    });
    expect(ids.generateTraceId()).to.equal('101112131415161718191a1b1c1d1e1f');
    expect(ids.generateSpanId()).to.equal('2021222324252627');
    // the rest of the first pool, then one id that no longer fits starts a new pool
    const left = POOL_BYTES - 40; // the skipped zero id, one trace id, one span id
    for (let i = 0; i < Math.floor(left / 8); i++) ids.generateSpanId();
    expect(fills).to.equal(1);
    expect(ids.generateTraceId()).to.equal('ab'.repeat(16));
    expect(fills).to.equal(2);
  });

  it('an all-zero span id is skipped too', () => {
    let fills = 0;
    const ids = new PooledIdGenerator((b) => {
      fills++;
      b.fill(fills === 1 ? 0 : 7);
    });
    // the whole first pool is zeros: every slice of it is skipped
    expect(ids.generateSpanId()).to.equal('07'.repeat(8));
    expect(fills).to.equal(2);
  });
});

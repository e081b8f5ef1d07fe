import { expect } from 'chai';
import { FakeClock } from '../../../test/support/fake-clock.ts';
import { thrown } from '../../../test/support/thrown.ts';
import { Scheduler, type TickInfo } from './scheduler.ts';

function setup(intervalMs: number) {
  const clock = new FakeClock(5000);
  const ticks: TickInfo[] = [];
  let missed = 0;
  const missedFrom: number[] = [];
  const scheduler = new Scheduler({
    intervalMs,
    clock,
    onTick: (t) => ticks.push(t),
    onMissed: (n, firstK) => {
      missed += n;
      missedFrom.push(firstK);
    },
    onError: (err) => {
      throw err;
    },
  });
  return { clock, ticks, scheduler, missed: () => missed, missedFrom };
}

describe('pinger Scheduler', () => {
  it('runs tick 0 at start and tick k at start + k*interval; a second start changes nothing', () => {
    const { clock, ticks, scheduler } = setup(100);
    scheduler.start();
    clock.advance(50);
    scheduler.start();
    expect(clock.pendingTimers).to.equal(1);
    clock.advance(950);
    expect(ticks.map((t) => t.k)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(ticks.map((t) => t.dueMs - 5000)).to.deep.equal([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    scheduler.stop();
  });

  it('does not drift when every timer fires late', () => {
    const { clock, ticks, scheduler } = setup(100);
    clock.jitterMs = 7; // each wake-up comes 7 ms late: setInterval-style scheduling would drift 7 ms per tick
    scheduler.start();
    clock.advance(10_000);
    scheduler.stop();
    // 10 s / 100 ms => ticks 0..99 have had their wake-up (tick 100 is due at 10000 but wakes at 10007)
    expect(ticks).to.have.length(100);
    expect(ticks.at(-1)?.k).to.equal(99);
    for (const t of ticks.slice(1)) expect(t.lateMs).to.equal(7);
  });

  it('only re-arms when a timer fires early', () => {
    const { clock, ticks, scheduler } = setup(100);
    clock.jitterMs = -3;
    scheduler.start();
    clock.advance(1000);
    scheduler.stop();
    expect(ticks.map((t) => t.k)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const t of ticks) expect(t.lateMs).to.be.at.least(0);
  });

  it('counts ticks passed over by a blocked loop as missed and keeps the grid', () => {
    const { clock, ticks, scheduler, missed, missedFrom } = setup(100);
    scheduler.start();
    clock.advance(250); // ticks 0,1,2
    clock.block(430); // now 680 after start: ticks 3,4,5 passed over, tick 6 runs late
    expect(missed()).to.equal(3);
    expect(missedFrom).to.deep.equal([3]);
    expect(ticks.at(-1)).to.deep.include({ k: 6, lateMs: 80 });
    clock.advance(20); // 700: tick 7 on the original grid
    expect(ticks.at(-1)).to.deep.include({ k: 7, lateMs: 0 });
    expect(ticks.length + missed()).to.equal(8);
    scheduler.stop();
  });

  it('stopped from its own tick: no timer left, no more ticks', () => {
    const clock = new FakeClock();
    const ks: number[] = [];
    const scheduler: Scheduler = new Scheduler({
      intervalMs: 100,
      clock,
      onTick: (t) => {
        ks.push(t.k);
        if (t.k === 2) scheduler.stop();
      },
      onError: (err) => {
        throw err;
      },
    });
    scheduler.start();
    clock.advance(1000);
    expect(ks).to.deep.equal([0, 1, 2]);
    expect(clock.pendingTimers).to.equal(0);
    expect(scheduler.running).to.equal(false);
  });

  it('stops: no timer left, no more ticks', () => {
    const { clock, ticks, scheduler } = setup(100);
    scheduler.start();
    clock.advance(150);
    scheduler.stop();
    expect(clock.pendingTimers).to.equal(0);
    clock.advance(1000);
    expect(ticks).to.have.length(2);
    expect(scheduler.running).to.equal(false);
  });

  it('keeps scheduling when onTick throws', () => {
    const clock = new FakeClock();
    let n = 0;
    const errors: unknown[] = [];
    const scheduler = new Scheduler({
      intervalMs: 10,
      clock,
      onTick: () => {
        n += 1;
        throw new Error(`boom ${n}`);
      },
      onError: (err) => errors.push(err),
    });
    scheduler.start();
    clock.advance(95);
    scheduler.stop();
    expect(n).to.equal(10);
    expect(errors).to.have.length(10);
    expect(String(errors[9])).to.contain('boom 10');
  });

  it('rejects an intervalMs that is not a positive number, naming it', () => {
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const err = thrown(() => new Scheduler({ intervalMs: bad, onTick: () => {}, onError: () => {} }), RangeError);
      expect(err.message).to.equal(`intervalMs: expected a positive number, got ${bad}`);
    }
  });

  // Drift is the fake clock's to show (above), exactly; here only the wiring to the real timers.
  it('runs on the real monotonic clock: 12 ticks of 25 ms within 2 s, and stop clears its timer', async () => {
    const seen: TickInfo[] = [];
    const scheduler = new Scheduler({ intervalMs: 25, onTick: (t) => seen.push(t), onError: () => {} });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    scheduler.start();
    const deadline = performance.now() + 2000;
    while (seen.length < 12 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const armed = timers();
    scheduler.stop();
    expect(timers(), 'stop clears the timer, which would hold the process open').to.equal(armed - 1);
    expect(seen.length).to.be.at.least(12);
    const last = seen.at(-1);
    if (last === undefined) throw new Error('no ticks');
    // lateness is per-tick timer jitter, not accumulated; the bound is loose for loaded CI machines
    expect(last.lateMs).to.be.below(150);
  });
});

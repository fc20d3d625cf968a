import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock, RealClock, VirtualClock, systemClock } from '../../src/clock.ts';
import { InProcessScheduler } from '../../src/engine/scheduler.ts';
import { VirtualClock as EmulatorVirtualClock } from '../../src/emulator/clock.ts';
import { ManualClock as FcManualClock, createRealClock } from '../../src/local/fc/index.ts';
import { ManualClock as EngineManualClock } from '../../src/engine/scheduler.ts';

describe('Module: src/clock.ts (one clock for emulator, engine and FC stand-in)', () => {
  it('is the class the emulator, the engine and the FC stand-in export', () => {
    // Prepare / Act / Assess
    assert.equal(EmulatorVirtualClock, VirtualClock);
    assert.equal(FcManualClock, ManualClock);
    assert.equal(EngineManualClock, ManualClock);
    assert.ok(new ManualClock() instanceof VirtualClock);
    assert.ok(createRealClock(4) instanceof RealClock);
  });

  it('ManualClock starts at 2026-01-01 unless told otherwise; VirtualClock at 0', () => {
    assert.equal(new ManualClock().now(), Date.UTC(2026, 0, 1));
    assert.equal(new ManualClock(5).now(), 5);
    assert.equal(new VirtualClock().now(), 0);
  });

  it('advanceAsync lets the work a timer starts schedule further timers inside the window', async () => {
    // Prepare: a timer whose callback schedules its follow-up only after a promise settles, as a
    // handler does after an HTTP round trip.
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.schedule(10, () => {
      seen.push(clock.now());
      void Promise.resolve().then(() => clock.schedule(5, () => seen.push(clock.now())));
    });
    // Act
    await clock.advanceAsync(20);
    // Assess
    assert.deepEqual(seen, [10, 15]);
    assert.equal(clock.now(), 20);
  });

  it('synchronous advance runs only what is scheduled synchronously', async () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.schedule(10, () => {
      seen.push(clock.now());
      void Promise.resolve().then(() => clock.schedule(5, () => seen.push(clock.now())));
    });
    clock.advance(20);
    await Promise.resolve();
    assert.deepEqual(seen, [10]);
    assert.equal(clock.nextDue(), 25);
  });

  it('advanceAsync refuses a negative step', async () => {
    await assert.rejects(() => new VirtualClock().advanceAsync(-1), RangeError);
  });

  it('the in-process step scheduler moves the shared clock, so emulator timers fire on the way', async () => {
    // Prepare: one clock, an emulator-style timer at +30 s, an engine step due at +60 s.
    const clock = new ManualClock();
    const start = clock.now();
    const fired: number[] = [];
    clock.schedule(30_000, () => fired.push(clock.now() - start));
    const scheduler = new InProcessScheduler({ clock });
    await scheduler.schedule({ executionId: 'e1', seq: 1 }, { delayMs: 60_000 });
    // Act
    const delivered: number[] = [];
    await scheduler.drain(async () => {
      delivered.push(clock.now() - start);
    });
    // Assess
    assert.deepEqual(fired, [30_000]);
    assert.deepEqual(delivered, [60_000]);
  });

  it('RealClock at speed 50 runs a 500 ms timer in about 10 ms of wall time and reports clock time', async () => {
    const clock = new RealClock(50);
    const t0 = clock.now();
    const at = await new Promise<number>((resolve) => {
      // The timer is unref'd; this pending promise plus a ref'd guard keep the test alive.
      const guard = setTimeout(() => undefined, 5000);
      clock.schedule(500, () => {
        clearTimeout(guard);
        resolve(clock.now());
      });
    });
    assert.ok(at - t0 >= 500 - 5, `fired after ${at - t0} clock ms`);
  });

  it('systemClock is the wall clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    assert.ok(now >= before && now <= Date.now());
  });
});

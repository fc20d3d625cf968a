import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RealClock, VirtualClock } from '../../src/emulator/clock.ts';

describe('Class: VirtualClock', () => {
  test('runs due timers in time order, ties in scheduling order, each seeing its own due time', () => {
    // Prepare
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.schedule(300, () => seen.push(`c@${clock.now()}`));
    clock.schedule(100, () => seen.push(`a@${clock.now()}`));
    clock.schedule(100, () => seen.push(`b@${clock.now()}`));
    // Act
    clock.advance(250);
    // Assess
    assert.deepEqual(seen, ['a@100', 'b@100']);
    assert.equal(clock.now(), 250);
    clock.advance(50);
    assert.deepEqual(seen, ['a@100', 'b@100', 'c@300']);
  });

  test('runs timers scheduled by timers within the same advance', () => {
    const clock = new VirtualClock();
    const ticks: number[] = [];
    const tick = (): void => {
      ticks.push(clock.now());
      clock.schedule(2000, tick);
    };
    clock.schedule(2000, tick);
    clock.advance(10_000);
    assert.deepEqual(ticks, [2000, 4000, 6000, 8000, 10000]);
  });

  test('a cancelled timer never runs', () => {
    const clock = new VirtualClock();
    let ran = false;
    const cancel = clock.schedule(10, () => {
      ran = true;
    });
    cancel();
    clock.advance(100);
    assert.equal(ran, false);
    assert.equal(clock.pending, 0);
  });

  test('runUntilIdle stops periodic timers at the guard', () => {
    const clock = new VirtualClock();
    let n = 0;
    const again = (): void => {
      n++;
      clock.schedule(1000, again);
    };
    clock.schedule(1000, again);
    const ran = clock.runUntilIdle({ maxTimers: 50 });
    assert.equal(ran, 50);
    assert.equal(n, 50);
    assert.equal(clock.now(), 50_000);
  });

  test('refuses a negative advance', () => {
    assert.throws(() => new VirtualClock().advance(-1), RangeError);
  });
});

describe('Class: RealClock', () => {
  test('a speed factor shortens real waits', async () => {
    const clock = new RealClock(1000);
    const started = clock.now();
    await new Promise<void>((resolve) => clock.schedule(2000, resolve));
    assert.ok(clock.now() - started >= 1000, 'virtual time advanced by about the delay');
  });

  test('refuses a non-positive speed', () => {
    assert.throws(() => new RealClock(0), RangeError);
  });
});

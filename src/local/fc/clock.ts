/**
 * Clocks for the local FC stand-in, from the project's one clock (`src/clock.ts`): the real one,
 * and a manual one tests advance by hand (`await clock.advanceAsync(ms)` lets handlers run between
 * timers) so that an hour of async delays and cron timers passes in milliseconds.
 */
import { RealClock, type Clock } from '../../clock.ts';

export { ManualClock } from '../../clock.ts';

/** The wall clock, optionally `speed` times faster (`npm start --speed`). */
export function createRealClock(speed = 1): Clock {
  return new RealClock(speed);
}

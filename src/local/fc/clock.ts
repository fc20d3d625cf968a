/**
 * Clocks for the local FC stand-in: the real one, and a manual one tests advance by hand so that
 * an hour of async delays and cron timers passes in milliseconds.
 */
import type { LocalFcClock } from './types.ts';

/** setTimeout caps delays at 2^31-1 ms; longer waits are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** The wall clock, built on `Date.now` and `setTimeout`. */
export function createRealClock(): LocalFcClock {
  return {
    now: () => Date.now(),
    schedule(delayMs: number, fn: () => void): () => void {
      const due = Date.now() + Math.max(0, delayMs);
      let timer: NodeJS.Timeout;
      const arm = (): void => {
        const left = due - Date.now();
        timer = setTimeout(left > MAX_TIMEOUT_MS ? arm : fn, Math.min(Math.max(0, left), MAX_TIMEOUT_MS));
      };
      arm();
      return () => clearTimeout(timer);
    },
  };
}

interface ManualTimer {
  id: number;
  due: number;
  fn: () => void;
}

/**
 * A virtual clock: time moves only through `advance`/`advanceTo`, which run due callbacks in time
 * order (ties in scheduling order), each at its own due time.
 */
export class ManualClock implements LocalFcClock {
  private current: number;
  private timers: ManualTimer[] = [];
  private nextId = 1;

  /** @param startMs initial time, epoch milliseconds; default 2026-01-01T00:00:00Z. */
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  /** Current virtual time. */
  now(): number {
    return this.current;
  }

  /** Registers `fn` to run when the clock reaches now + delayMs. */
  schedule(delayMs: number, fn: () => void): () => void {
    const timer: ManualTimer = { id: this.nextId++, due: this.current + Math.max(0, delayMs), fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Number of callbacks waiting. */
  pending(): number {
    return this.timers.length;
  }

  /** Due time of the earliest waiting callback, if any. */
  nextDue(): number | undefined {
    let min: number | undefined;
    for (const t of this.timers) if (min === undefined || t.due < min) min = t.due;
    return min;
  }

  /** Moves time forward by `ms`, running every callback that falls due on the way. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  /**
   * Moves time to `targetMs`. Between callbacks it yields to the event loop so that work they
   * start (HTTP round trips, handler promises) can make progress before the next one fires.
   */
  async advanceTo(targetMs: number): Promise<void> {
    for (;;) {
      const due = this.timers.filter((t) => t.due <= targetMs).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.due);
      due.fn();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    this.current = Math.max(this.current, targetMs);
  }
}

/**
 * The one clock of xcflow. The emulator (route and attachment lifecycles, health checks, probes),
 * the engine (timestamps, waits, leases) and the local FC stand-in (async delays, retries, timers)
 * all take a `Clock`, so a test drives all three with one `VirtualClock` (a 16 s failover takes
 * milliseconds) and `npm start` runs all three on one `RealClock` with a speed factor.
 *
 * A leaf module: it imports nothing from the project, so the emulator may depend on it as it
 * depends on `src/errors.ts`.
 */

/** A source of time in milliseconds (all the engine needs). */
export interface TimeSource {
  /** Current time in ms (epoch-based for a `RealClock`; whatever it was started at for a `VirtualClock`). */
  now(): number;
}

/** A source of time (ms) and timers. */
export interface Clock extends TimeSource {
  /** Runs `fn` once `delayMs` of this clock's time has passed; returns a cancel function. */
  schedule(delayMs: number, fn: () => void): () => void;
}

interface Timer {
  readonly due: number;
  /** Insertion order; breaks ties between timers due at the same instant (FIFO). */
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Binary min-heap on (due, seq): advancing through many timers stays O(log n) per timer. */
class TimerHeap {
  private readonly items: Timer[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Timer | undefined {
    return this.items[0];
  }
  push(t: Timer): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): Timer | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock that only moves when told to. Timers run in (due time, scheduling order) order, each
 * seeing `now()` equal to its own due time, including timers that those timers schedule.
 * Deterministic: same schedule, same order, same result.
 *
 * Two ways to move it:
 * - `advance` / `advanceTo` run due timers synchronously (pure models: the emulator's network);
 * - `advanceAsync` / `advanceToAsync` yield to the event loop after each timer, so the work a timer
 *   starts (an HTTP round trip to the emulator, a handler's promise in the FC stand-in) can make
 *   progress — and schedule further timers inside the window — before the next one fires.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private readonly heap = new TimerHeap();

  /** @param startMs initial `now()`; defaults to 0 so timelines read as "ms since start". */
  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  schedule(delayMs: number, fn: () => void): () => void {
    const timer: Timer = {
      due: this.current + Math.max(0, Number.isFinite(delayMs) ? delayMs : 0),
      seq: this.seq++,
      fn,
      cancelled: false,
    };
    this.heap.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Number of timers not yet run or cancelled (cancelled ones are dropped lazily). */
  get pending(): number {
    this.dropCancelled();
    return this.heap.size;
  }

  /** Due time of the next live timer, if any. */
  nextDue(): number | undefined {
    this.dropCancelled();
    return this.heap.peek()?.due;
  }

  /**
   * Moves time forward by `ms`, running due timers in order.
   * @throws RangeError for a negative or non-finite `ms`
   */
  advance(ms: number): void {
    this.runUntil(this.current + checkedDelta(ms));
  }

  /** Moves time forward to the absolute instant `t` (no-op, apart from due timers, if `t` is in the past). */
  advanceTo(t: number): void {
    this.runUntil(Math.max(this.current, t));
  }

  /**
   * Like `advance`, yielding to the event loop after each timer.
   * @throws RangeError for a negative or non-finite `ms`
   */
  async advanceAsync(ms: number): Promise<void> {
    await this.advanceToAsync(this.current + checkedDelta(ms));
  }

  /** Like `advanceTo`, yielding to the event loop after each timer. */
  async advanceToAsync(t: number): Promise<void> {
    const end = Math.max(this.current, t);
    for (;;) {
      const next = this.takeDue(end);
      if (!next) break;
      next.fn();
      await yieldToEventLoop();
    }
    this.current = Math.max(this.current, end);
  }

  /**
   * Runs timers until none is left, moving time to each one's due time. Periodic timers (health
   * checks, probes) never run out, so this stops after `maxTimers` timers or at `limitMs` of
   * virtual time, whichever comes first. @returns the number of timers run
   */
  runUntilIdle(opts: { maxTimers?: number; limitMs?: number } = {}): number {
    const maxTimers = opts.maxTimers ?? 100_000;
    const limit = opts.limitMs === undefined ? Infinity : this.current + opts.limitMs;
    let ran = 0;
    while (ran < maxTimers) {
      const next = this.takeDue(limit);
      if (!next) break;
      ran++;
      next.fn();
    }
    return ran;
  }

  private runUntil(end: number): void {
    for (;;) {
      const next = this.takeDue(end);
      if (!next) break;
      next.fn();
    }
    this.current = Math.max(this.current, end);
  }

  /** Pops the next live timer due at or before `end` and moves time to it. */
  private takeDue(end: number): Timer | undefined {
    this.dropCancelled();
    const next = this.heap.peek();
    if (!next || next.due > end) return undefined;
    this.heap.pop();
    this.current = Math.max(this.current, next.due);
    return next;
  }

  private dropCancelled(): void {
    while (this.heap.peek()?.cancelled) this.heap.pop();
  }
}

function checkedDelta(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms) needs a finite ms >= 0, got ${ms}`);
  return ms;
}

/**
 * A `VirtualClock` that starts at an epoch instant (default 2026-01-01T00:00:00Z) rather than 0:
 * for the engine and the FC stand-in, whose timestamps are dates (cron, journal times).
 */
export class ManualClock extends VirtualClock {
  /** @param startMs initial time, epoch ms; default 2026-01-01T00:00:00Z. */
  constructor(startMs = Date.UTC(2026, 0, 1)) {
    super(startMs);
  }
}

/** setTimeout caps delays at 2^31-1 ms; longer waits are chained. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * Wall-clock time running `speed` times faster than real time: `speed` clock ms pass per real
 * ms, so `new RealClock(10)` turns a 16 s failover into 1.6 s. `now()` starts at the real epoch
 * time of construction and then runs at the accelerated rate (at `speed` 1 it is `Date.now()`).
 * Timers do not keep a process alive on their own (a server or a pending promise must).
 */
export class RealClock implements Clock {
  private readonly origin: number;
  private readonly realOrigin: number;

  /** @throws RangeError when `speed` is not a positive finite number */
  constructor(readonly speed = 1) {
    if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`speed must be > 0, got ${speed}`);
    this.origin = Date.now();
    this.realOrigin = performance.now();
  }

  now(): number {
    if (this.speed === 1) return Date.now();
    return this.origin + (performance.now() - this.realOrigin) * this.speed;
  }

  schedule(delayMs: number, fn: () => void): () => void {
    const due = this.now() + Math.max(0, Number.isFinite(delayMs) ? delayMs : 0);
    let handle: ReturnType<typeof setTimeout> | undefined;
    // Node may fire a timer up to a millisecond early (its loop time is cached), which at a high
    // speed is many clock ms: on firing early, wait again for the rest. `fn` always runs from a
    // timer, never inside `schedule`.
    const arm = (leftReal: number): void => {
      handle = setTimeout(fire, Math.min(Math.max(0, leftReal), MAX_TIMEOUT_MS));
      handle.unref?.();
    };
    const fire = (): void => {
      const leftReal = (due - this.now()) / this.speed;
      if (leftReal > 0) arm(Math.max(1, leftReal));
      else fn();
    };
    arm((due - this.now()) / this.speed);
    return () => {
      if (handle !== undefined) clearTimeout(handle);
    };
  }
}

/** The wall clock at real speed. */
export const systemClock: RealClock = new RealClock(1);

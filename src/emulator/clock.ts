/**
 * The emulator's clock. Every asynchronous thing the emulator does (route entry Pending→Available,
 * CEN child attach, health-check probes, probe sampling) is a timer on one `Clock`, so a test can
 * run a 16 s failover in milliseconds with a `VirtualClock`, and `xcflow emulator --clock real
 * --speed N` can run the same model against wall time.
 */

/** A source of time (ms) and timers. */
export interface Clock {
  /** Current time in ms (virtual ms for a `VirtualClock`; epoch-based for a `RealClock`). */
  now(): number;
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

/**
 * A clock that only moves when told to. `advance(ms)` runs every timer due within the window in
 * (due time, scheduling order) order, including timers that those timers schedule, and leaves
 * `now()` at the end of the window. Deterministic: same schedule, same order, same result.
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
   * Moves time forward by `ms`, running due timers in order; each timer sees `now()` equal to its
   * own due time. @throws RangeError for a negative or non-finite `ms`
   */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance(ms) needs a finite ms >= 0, got ${ms}`);
    this.runUntil(this.current + ms);
  }

  /** Moves time forward to the absolute instant `t` (no-op if `t` is in the past). */
  advanceTo(t: number): void {
    if (t > this.current) this.runUntil(t);
    else this.runUntil(this.current);
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
    for (;;) {
      this.dropCancelled();
      const next = this.heap.peek();
      if (!next || next.due > limit || ran >= maxTimers) break;
      this.heap.pop();
      this.current = Math.max(this.current, next.due);
      ran++;
      next.fn();
    }
    return ran;
  }

  private runUntil(end: number): void {
    for (;;) {
      this.dropCancelled();
      const next = this.heap.peek();
      if (!next || next.due > end) break;
      this.heap.pop();
      this.current = Math.max(this.current, next.due);
      next.fn();
    }
    this.current = end;
  }

  private dropCancelled(): void {
    while (this.heap.peek()?.cancelled) this.heap.pop();
  }
}

/**
 * Wall-clock time running `speed` times faster than real time: `speed` virtual ms pass per real
 * ms, so `new RealClock(10)` turns a 16 s failover into 1.6 s. `now()` starts at the real epoch
 * time of construction and then runs at the accelerated rate.
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
    return this.origin + (performance.now() - this.realOrigin) * this.speed;
  }

  schedule(delayMs: number, fn: () => void): () => void {
    const handle = setTimeout(fn, Math.max(0, delayMs) / this.speed);
    // Timers must not keep a CLI or test process alive on their own.
    handle.unref?.();
    return () => clearTimeout(handle);
  }
}

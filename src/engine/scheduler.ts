/**
 * How the engine asks for its next step to run: a `StepScheduler` delivers `{executionId, seq}`
 * to `engine.advance` at least once, now or after a delay. In the cloud that is an FC async
 * invocation of `functions/runner` (with `x-fc-async-delay`); locally the FC stand-in; in tests
 * the `InProcessScheduler` below, driven by a virtual clock.
 */
import { VirtualClock, type TimeSource } from '../clock.ts';

/** The message that asks a runner to advance one execution by one step. */
export interface StepMessage {
  executionId: string;
  /**
   * The `seq` the runner must find; anything else means the message is stale or duplicate.
   * `SIGNAL_SEQ` (-1) asks the runner to act on a pending signal (cancel, rollback) at whatever
   * `seq` the execution has, as soon as no lease is held.
   */
  seq: number;
}

/** The `seq` of a message that follows an execution until its pending signal is handled. */
export const SIGNAL_SEQ = -1;

/** Delivers step messages at least once, no earlier than `delayMs` from now. */
export interface StepScheduler {
  schedule(msg: StepMessage, opts: { delayMs: number }): Promise<void>;
}

/** A source of time in milliseconds since the epoch (the engine needs no timers). */
export type { TimeSource as Clock } from '../clock.ts';
/** The wall clock, and a clock that moves only when told (one virtual time for engine, emulator and tests). */
export { ManualClock, systemClock } from '../clock.ts';

/** A scheduled delivery held by the in-process scheduler. */
export interface QueuedMessage {
  msg: StepMessage;
  dueAt: number;
  /** Insertion order, to keep deliveries of equal `dueAt` first-in first-out. */
  order: number;
}

/** Fault injection for the in-process scheduler (tests of at-least-once delivery). */
export interface InProcessSchedulerOptions {
  clock: TimeSource;
  /** Deliver every message this many times in total (2 = every delivery duplicated). */
  copies?: number;
}

/**
 * A scheduler for tests and benchmarks: keeps messages in memory ordered by due time.
 * `drain` delivers them, moving a `ManualClock` forward to each message's due time.
 */
export class InProcessScheduler implements StepScheduler {
  private readonly queue: QueuedMessage[] = [];
  private counter = 0;
  private readonly clock: TimeSource;
  private readonly copies: number;

  constructor(opts: InProcessSchedulerOptions) {
    this.clock = opts.clock;
    this.copies = Math.max(1, opts.copies ?? 1);
  }

  async schedule(msg: StepMessage, opts: { delayMs: number }): Promise<void> {
    for (let i = 0; i < this.copies; i += 1) {
      this.insert({ msg: { ...msg }, dueAt: this.clock.now() + Math.max(0, opts.delayMs), order: this.counter++ });
    }
  }

  /** Messages not yet delivered. */
  get size(): number {
    return this.queue.length;
  }

  /** Removes and returns the earliest message, or undefined when empty. */
  take(): QueuedMessage | undefined {
    return this.queue.shift();
  }

  /** Drops every pending message (a crashed process loses its in-memory queue). */
  clear(): void {
    this.queue.length = 0;
  }

  /**
   * Delivers messages in due order until the queue is empty, `maxDeliveries` is reached, or the
   * next message is due after `until`.
   * With a `VirtualClock` (or `ManualClock`), time jumps to each message's due time first.
   * @returns the number of deliveries made.
   */
  async drain(deliver: (msg: StepMessage) => Promise<unknown>, opts: { maxDeliveries?: number; until?: number } = {}): Promise<number> {
    const max = opts.maxDeliveries ?? Number.POSITIVE_INFINITY;
    const until = opts.until ?? Number.POSITIVE_INFINITY;
    let delivered = 0;
    while (delivered < max) {
      const head = this.queue[0];
      if (!head || head.dueAt > until) break;
      const next = this.queue.shift() as QueuedMessage;
      if (this.clock instanceof VirtualClock) this.clock.advanceTo(next.dueAt);
      delivered += 1;
      await deliver(next.msg);
    }
    return delivered;
  }

  private insert(item: QueuedMessage): void {
    // Binary search keeps insertion O(log n) on the comparison and the queue sorted.
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = this.queue[mid];
      if (other.dueAt < item.dueAt || (other.dueAt === item.dueAt && other.order < item.order)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }
}

/**
 * A scheduler for a single local process without the FC stand-in: delivers each message to the
 * attached handler after its delay with a real timer. Messages are lost if the process exits;
 * the sweep re-dispatches them from the store (`nextRunAt`).
 */
export class TimerScheduler implements StepScheduler {
  private deliver: ((msg: StepMessage) => Promise<unknown>) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly onError: (err: unknown, msg: StepMessage) => void = () => undefined) {}

  /** Sets where messages go (usually `engine.advance`). */
  attach(deliver: (msg: StepMessage) => Promise<unknown>): void {
    this.deliver = deliver;
  }

  async schedule(msg: StepMessage, opts: { delayMs: number }): Promise<void> {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const deliver = this.deliver;
      if (!deliver) return;
      deliver({ ...msg }).catch((err: unknown) => this.onError(err, msg));
    }, Math.max(0, opts.delayMs));
    this.timers.add(timer);
  }

  /** Cancels every pending delivery. */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

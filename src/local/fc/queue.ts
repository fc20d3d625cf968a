/**
 * The async invocation queue of the local FC stand-in. Like FC, it acknowledges an event only once
 * it is persisted (SQLite, a file when asked), then delivers it at least once: after its
 * `x-fc-async-delay`, possibly twice (injected duplicates), possibly late (injected delay), and
 * again after a failure until the function's retry budget is spent. An event that was being
 * delivered when the process died is delivered again on restart.
 */
import Database from 'better-sqlite3';
import type { LocalFcClock } from './types.ts';

/** One persisted async event. */
export interface QueuedEvent {
  id: number;
  requestId: string;
  service: string;
  function: string;
  payload: Buffer;
  /** How the event arrived: `async` (invocation API), `timer` or `eventbridge`. */
  via: 'async' | 'timer' | 'eventbridge';
  enqueuedAt: number;
  dueAt: number;
  /** Deliveries already made (0 on the first; `context.retryCount`). */
  attempt: number;
  duplicate: boolean;
}

/** What the delivery callback decided. */
export type DeliveryResult = { retryInMs: number } | { done: true };

interface Row {
  id: number;
  request_id: string;
  service: string;
  function: string;
  payload: Buffer;
  via: string;
  enqueued_at: number;
  due_at: number;
  attempt: number;
  duplicate: number;
}

function fromRow(r: Row): QueuedEvent {
  return {
    id: r.id,
    requestId: r.request_id,
    service: r.service,
    function: r.function,
    payload: r.payload,
    via: r.via === 'timer' || r.via === 'eventbridge' ? r.via : 'async',
    enqueuedAt: r.enqueued_at,
    dueAt: r.due_at,
    attempt: r.attempt,
    duplicate: r.duplicate === 1,
  };
}

/** Small deterministic PRNG (mulberry32) so fault injection replays from a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Persisted queue with clock-driven delivery. */
export class AsyncQueue {
  private readonly db: Database.Database;
  private readonly clock: LocalFcClock;
  private readonly random: () => number;
  private readonly duplicateRate: number;
  private readonly extraDelayMs: number;
  private readonly deliver: (event: QueuedEvent) => Promise<DeliveryResult>;
  private readonly cancels = new Map<number, () => void>();
  private readonly waiters: { kind: 'drain' | 'idle'; resolve: () => void }[] = [];
  /** Events whose time has come (queued for immediate delivery or being delivered). */
  private readonly ready = new Set<number>();
  private outstanding = 0;
  private closed = false;
  private readonly stmt: {
    insert: Database.Statement;
    get: Database.Statement;
    del: Database.Statement;
    retry: Database.Statement;
    all: Database.Statement;
  };

  constructor(opts: {
    path?: string;
    clock: LocalFcClock;
    random: () => number;
    duplicateRate?: number;
    extraDelayMs?: number;
    deliver: (event: QueuedEvent) => Promise<DeliveryResult>;
  }) {
    this.db = new Database(opts.path ?? ':memory:');
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS fc_async_queue (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      request_id TEXT NOT NULL,
      service TEXT NOT NULL,
      function TEXT NOT NULL,
      payload BLOB NOT NULL,
      via TEXT NOT NULL,
      enqueued_at INTEGER NOT NULL,
      due_at INTEGER NOT NULL,
      attempt INTEGER NOT NULL DEFAULT 0,
      duplicate INTEGER NOT NULL DEFAULT 0
    )`);
    this.stmt = {
      insert: this.db.prepare(
        `INSERT INTO fc_async_queue (request_id, service, function, payload, via, enqueued_at, due_at, attempt, duplicate)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)`,
      ),
      get: this.db.prepare('SELECT * FROM fc_async_queue WHERE id = ?'),
      del: this.db.prepare('DELETE FROM fc_async_queue WHERE id = ?'),
      retry: this.db.prepare('UPDATE fc_async_queue SET attempt = attempt + 1, due_at = ? WHERE id = ?'),
      all: this.db.prepare('SELECT * FROM fc_async_queue ORDER BY due_at, id'),
    };
    this.clock = opts.clock;
    this.random = opts.random;
    this.duplicateRate = opts.duplicateRate ?? 0;
    this.extraDelayMs = opts.extraDelayMs ?? 0;
    this.deliver = opts.deliver;
  }

  /** Schedules every event already in the store (after a restart): at-least-once across crashes. */
  resume(): number {
    const rows = this.stmt.all.all() as Row[];
    for (const r of rows) {
      this.outstanding++;
      this.arm(fromRow(r));
    }
    return rows.length;
  }

  /** Persists an event, then schedules its delivery (and maybe an injected duplicate). */
  enqueue(e: { requestId: string; service: string; function: string; payload: Buffer; via: QueuedEvent['via']; delayMs: number }): void {
    const now = this.clock.now();
    const copies = this.duplicateRate > 0 && this.random() < this.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const info = this.stmt.insert.run(e.requestId, e.service, e.function, e.payload, e.via, now, now + e.delayMs, i === 0 ? 0 : 1);
      this.outstanding++;
      const row = this.stmt.get.get(Number(info.lastInsertRowid)) as Row;
      this.arm(fromRow(row));
    }
  }

  /** Events accepted and not finished. */
  size(): number {
    return this.outstanding;
  }

  /** Waits until no event is left at all. */
  drain(): Promise<void> {
    return this.wait('drain');
  }

  /** Waits until no event is due or being delivered (the rest wait on the clock). */
  idle(): Promise<void> {
    return this.wait('idle');
  }

  /** Stops scheduling; events stay in the store for a later `resume`. */
  close(): void {
    this.closed = true;
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
    this.db.close();
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  private wait(kind: 'drain' | 'idle'): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push({ kind, resolve });
      this.notify();
    });
  }

  private notify(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i];
      if (!w) continue;
      const satisfied = w.kind === 'drain' ? this.outstanding === 0 : this.ready.size === 0;
      if (satisfied || this.closed) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private arm(e: QueuedEvent): void {
    if (this.closed) return;
    const extra = this.extraDelayMs > 0 ? Math.floor(this.random() * (this.extraDelayMs + 1)) : 0;
    const delay = Math.max(0, e.dueAt - this.clock.now()) + extra;
    if (delay === 0) {
      // Due now: deliver on the next turn of the event loop, without waiting on a (virtual) clock.
      this.ready.add(e.id);
      const handle = setImmediate(() => void this.run(e.id));
      this.cancels.set(e.id, () => clearImmediate(handle));
    } else {
      this.cancels.set(
        e.id,
        this.clock.schedule(delay, () => {
          this.ready.add(e.id);
          void this.run(e.id);
        }),
      );
    }
  }

  private async run(id: number): Promise<void> {
    this.cancels.delete(id);
    if (this.closed) return;
    const row = this.stmt.get.get(id) as Row | undefined;
    if (!row) {
      this.ready.delete(id);
      this.notify();
      return;
    }
    const event = fromRow(row);
    let result: DeliveryResult;
    try {
      result = await this.deliver(event);
    } catch {
      // The delivery callback itself failed (a stand-in bug, not a handler error): retry later.
      result = { retryInMs: 1000 };
    }
    if (this.closed) return;
    if ('retryInMs' in result) {
      const due = this.clock.now() + result.retryInMs;
      this.stmt.retry.run(due, id);
      this.ready.delete(id);
      this.arm({ ...event, attempt: event.attempt + 1, dueAt: due });
    } else {
      this.stmt.del.run(id);
      this.outstanding--;
      this.ready.delete(id);
    }
    this.notify();
  }
}

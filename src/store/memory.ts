/**
 * An `ExecutionStore` in the process's memory, in plain JavaScript: no file, no native module. The
 * digital twin runs its throw-away engine on it, so planning works wherever the code runs — the
 * deployed api bundle has no better-sqlite3 — and nothing outlives the store.
 *
 * Every method does all its work synchronously before its promise settles, so each is atomic on a
 * single event loop: a compare-and-set and its journal entries land together or not at all. Records
 * are copied through JSON on the way in and out, as the other backends serialise them, so callers
 * never share objects with the store and values behave exactly as they would after a round trip
 * through SQLite or Tablestore. Orders that listings depend on (due time, id, `seq`, key) are kept
 * in sorted arrays searched by bisection.
 */
import { ConflictError, NotFoundError } from '../errors.ts';
import type {
  ApprovalDecision,
  AuditFindingFilter,
  AuditFindingRecord,
  AuditRunRecord,
  DueExecution,
  ExecutionFilter,
  ExecutionRecord,
  ExecutionStore,
  IdempotencyRecord,
  JournalEntry,
  LockRecord,
  Page,
  PageRequest,
  Signal,
  SignalName,
  TokenRecord,
} from './contract.ts';

/** A deep copy with JSON semantics (undefined fields dropped), as a serialising backend returns. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** First index in ascending `list` whose element is not before `probe` (`after`: not before or equal). */
function bisect<T>(list: readonly T[], probe: T, cmp: (a: T, b: T) => number, after = false): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cmp(list[mid] as T, probe);
    if (c < 0 || (after && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `value` into ascending `list` unless an equal element is there. */
function insertSorted<T>(list: T[], value: T, cmp: (a: T, b: T) => number): void {
  const i = bisect(list, value, cmp);
  if (i < list.length && cmp(list[i] as T, value) === 0) return;
  list.splice(i, 0, value);
}

/** Removes the element equal to `value` from ascending `list`, if present. */
function removeSorted<T>(list: T[], value: T, cmp: (a: T, b: T) => number): void {
  const i = bisect(list, value, cmp);
  if (i < list.length && cmp(list[i] as T, value) === 0) list.splice(i, 1);
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** An entry of the due index: executions ordered by `nextRunAt`, then id (as SQLite's index). */
interface DueKey {
  at: number;
  id: string;
}
const byDue = (a: DueKey, b: DueKey): number => a.at - b.at || byString(a.id, b.id);
const bySeq = (a: JournalEntry, b: JournalEntry): number => a.seq - b.seq;

/** Page size as the other backends read it: at least one item. */
function pageLimit(page: PageRequest): number {
  return Math.max(1, page.limit);
}

/** `ExecutionStore` in memory: for the digital twin and tests; lost when the process ends. */
export class MemoryStore implements ExecutionStore {
  /** Records without their signals; `signals` holds those, written only by `putSignal`. */
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly signals = new Map<string, ExecutionRecord['signals']>();
  /** Execution ids ascending (time order): `listExecutions` walks it backwards. */
  private readonly ids: string[] = [];
  private readonly due: DueKey[] = [];
  /** Journal per execution, ascending by `seq`. */
  private readonly journals = new Map<string, JournalEntry[]>();
  /** Decisions per gate (`executionId`, NUL, `gateSeq`), oldest first. */
  private readonly decisions = new Map<string, ApprovalDecision[]>();
  private readonly locks = new Map<string, LockRecord>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly keys = new Map<string, IdempotencyRecord>();
  private readonly runs = new Map<string, AuditRunRecord>();
  private readonly runIds: string[] = [];
  private readonly findings = new Map<string, AuditFindingRecord>();
  private readonly findingKeys: string[] = [];

  async createExecution(record: ExecutionRecord, journal: JournalEntry[] = []): Promise<void> {
    if (this.executions.has(record.id)) throw new ConflictError(`execution ${record.id} already exists`, { code: 'ExecutionExists' });
    const { signals, ...rest } = copy(record);
    this.executions.set(record.id, { ...rest, signals: {} });
    this.signals.set(record.id, signals ?? {});
    insertSorted(this.ids, record.id, byString);
    if (record.nextRunAt !== null) insertSorted(this.due, { at: record.nextRunAt, id: record.id }, byDue);
    this.appendJournal(journal);
  }

  async getExecution(id: string): Promise<ExecutionRecord | null> {
    return this.read(id);
  }

  async updateExecution(record: ExecutionRecord, expectedSeq: number, journal: JournalEntry[] = []): Promise<boolean> {
    const stored = this.executions.get(record.id);
    if (!stored || stored.seq !== expectedSeq) return false;
    const { signals: _ignored, ...rest } = copy(record);
    // Identity fields never change after create: keep the stored ones, as SQLite does.
    this.executions.set(record.id, {
      ...rest,
      id: stored.id,
      procedureId: stored.procedureId,
      procedureVersion: stored.procedureVersion,
      requestedBy: stored.requestedBy,
      createdAt: stored.createdAt,
      signals: {},
    });
    if (stored.nextRunAt !== record.nextRunAt) {
      if (stored.nextRunAt !== null) removeSorted(this.due, { at: stored.nextRunAt, id: record.id }, byDue);
      if (record.nextRunAt !== null) insertSorted(this.due, { at: record.nextRunAt, id: record.id }, byDue);
    }
    this.appendJournal(journal);
    return true;
  }

  async putSignal(id: string, name: SignalName, signal: Signal): Promise<boolean> {
    const signals = this.signals.get(id);
    if (!signals) throw new NotFoundError(`execution ${id} does not exist`, { code: 'ExecutionNotFound' });
    if (signals[name]) return false;
    signals[name] = copy(signal);
    return true;
  }

  async readJournal(executionId: string, page: PageRequest): Promise<Page<JournalEntry>> {
    const entries = this.journals.get(executionId) ?? [];
    const after = page.cursor ? Number(page.cursor) : 0;
    const limit = pageLimit(page);
    const from = bisect(entries, { seq: Number.isFinite(after) ? after : 0 } as JournalEntry, bySeq, true);
    const items = entries.slice(from, from + limit).map(copy);
    const last = items[items.length - 1];
    return { items, cursor: from + limit < entries.length && last ? String(last.seq) : null };
  }

  async listDue(now: number, limit: number): Promise<DueExecution[]> {
    const out: DueExecution[] = [];
    for (const key of this.due) {
      if (key.at > now || out.length >= Math.max(1, limit)) break;
      const record = this.executions.get(key.id);
      if (record) out.push({ id: key.id, seq: record.seq, nextRunAt: key.at });
    }
    return out;
  }

  async listExecutions(filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionRecord>> {
    const statuses = filter.status && filter.status.length > 0 ? new Set(filter.status) : null;
    const limit = pageLimit(page);
    const items: ExecutionRecord[] = [];
    // Newest first: walk the ascending ids backwards from just below the cursor.
    let i = page.cursor ? bisect(this.ids, page.cursor, byString) - 1 : this.ids.length - 1;
    for (; i >= 0; i--) {
      const record = this.executions.get(this.ids[i] as string);
      if (!record) continue;
      if (statuses && !statuses.has(record.status)) continue;
      if (filter.procedureId !== undefined && record.procedureId !== filter.procedureId) continue;
      if (filter.requestedBy !== undefined && record.requestedBy !== filter.requestedBy) continue;
      if (items.length === limit) {
        // One more match exists beyond this page.
        const last = items[items.length - 1] as ExecutionRecord;
        return { items, cursor: last.id };
      }
      items.push(this.read(record.id) as ExecutionRecord);
    }
    return { items, cursor: null };
  }

  async putApprovalDecision(decision: ApprovalDecision): Promise<{ created: boolean; decision: ApprovalDecision }> {
    const gate = `${decision.executionId}\u0000${decision.gateSeq}`;
    const list = this.decisions.get(gate) ?? [];
    const existing = list.find((d) => d.principal === decision.principal);
    if (existing) return { created: false, decision: copy(existing) };
    // Oldest first by `at`; equal times keep arrival order.
    const i = bisect(list, decision, (a, b) => a.at - b.at, true);
    list.splice(i, 0, copy(decision));
    this.decisions.set(gate, list);
    return { created: true, decision };
  }

  async listApprovalDecisions(executionId: string, gateSeq: number): Promise<ApprovalDecision[]> {
    return (this.decisions.get(`${executionId}\u0000${gateSeq}`) ?? []).map(copy);
  }

  async tryLock(lock: LockRecord, now: number): Promise<{ acquired: boolean; holder: LockRecord }> {
    const held = this.locks.get(lock.resource);
    if (held && held.owner !== lock.owner && held.until > now) return { acquired: false, holder: { ...held } };
    const taken = { resource: lock.resource, owner: lock.owner, until: lock.until };
    this.locks.set(lock.resource, taken);
    return { acquired: true, holder: { ...taken } };
  }

  async releaseLock(resource: string, owner: string): Promise<boolean> {
    if (this.locks.get(resource)?.owner !== owner) return false;
    return this.locks.delete(resource);
  }

  async getLock(resource: string): Promise<LockRecord | null> {
    const held = this.locks.get(resource);
    return held ? { ...held } : null;
  }

  async putToken(token: TokenRecord): Promise<void> {
    if (this.tokens.has(token.hash)) throw new ConflictError('a token with this hash already exists', { code: 'TokenExists' });
    this.tokens.set(token.hash, copy(token));
  }

  async getToken(hash: string): Promise<TokenRecord | null> {
    const token = this.tokens.get(hash);
    return token ? copy(token) : null;
  }

  async deleteToken(hash: string): Promise<boolean> {
    return this.tokens.delete(hash);
  }

  async listTokens(): Promise<TokenRecord[]> {
    return [...this.tokens.keys()].sort(byString).map((hash) => copy(this.tokens.get(hash) as TokenRecord));
  }

  async claimIdempotencyKey(record: IdempotencyRecord, now: number): Promise<{ created: boolean; record: IdempotencyRecord }> {
    const stored = this.keys.get(record.key);
    if (stored && stored.expiresAt > now) return { created: false, record: copy(stored) };
    this.keys.set(record.key, copy(record));
    return { created: true, record };
  }

  async putAuditRun(run: AuditRunRecord): Promise<void> {
    this.runs.set(run.runId, copy(run));
    insertSorted(this.runIds, run.runId, byString);
  }

  async getAuditRun(runId: string): Promise<AuditRunRecord | null> {
    const run = this.runs.get(runId);
    return run ? copy(run) : null;
  }

  async listAuditRuns(page: PageRequest): Promise<Page<AuditRunRecord>> {
    const limit = pageLimit(page);
    // Newest first: the run ids below the cursor, read backwards.
    const end = page.cursor ? bisect(this.runIds, page.cursor, byString) : this.runIds.length;
    const start = Math.max(0, end - limit);
    const items = this.runIds
      .slice(start, end)
      .reverse()
      .map((id) => copy(this.runs.get(id) as AuditRunRecord));
    const last = items[items.length - 1];
    return { items, cursor: start > 0 && last ? last.runId : null };
  }

  async putAuditFindings(findings: AuditFindingRecord[]): Promise<void> {
    for (const f of findings) {
      this.findings.set(f.key, copy(f));
      insertSorted(this.findingKeys, f.key, byString);
    }
  }

  async getAuditFindings(keys: string[]): Promise<AuditFindingRecord[]> {
    const out: AuditFindingRecord[] = [];
    for (const key of [...new Set(keys)].sort(byString)) {
      const f = this.findings.get(key);
      if (f) out.push(copy(f));
    }
    return out;
  }

  async listAuditFindings(filter: AuditFindingFilter, page: PageRequest): Promise<Page<AuditFindingRecord>> {
    const limit = pageLimit(page);
    const items: AuditFindingRecord[] = [];
    for (let i = page.cursor ? bisect(this.findingKeys, page.cursor, byString, true) : 0; i < this.findingKeys.length; i++) {
      const f = this.findings.get(this.findingKeys[i] as string) as AuditFindingRecord;
      if (filter.status && f.status !== filter.status) continue;
      if (items.length === limit) return { items, cursor: (items[items.length - 1] as AuditFindingRecord).key };
      items.push(copy(f));
    }
    return { items, cursor: null };
  }

  /** Drops everything: the store holds no outside resource. */
  async close(): Promise<void> {
    for (const m of [this.executions, this.signals, this.journals, this.decisions, this.locks, this.tokens, this.keys, this.runs, this.findings]) m.clear();
    for (const list of [this.ids, this.due, this.runIds, this.findingKeys]) list.length = 0;
  }

  /** A copy of the stored record with its signals, or null. */
  private read(id: string): ExecutionRecord | null {
    const record = this.executions.get(id);
    if (!record) return null;
    return { ...copy(record), signals: copy(this.signals.get(id) ?? {}) };
  }

  /**
   * Adds entries to their executions' journals in `seq` order; an entry with a stored `seq`
   * replaces it (as a Tablestore PUT would).
   */
  private appendJournal(journal: readonly JournalEntry[]): void {
    for (const entry of journal) {
      const e = copy(entry);
      let entries = this.journals.get(e.executionId);
      if (!entries) this.journals.set(e.executionId, (entries = []));
      const last = entries[entries.length - 1];
      // The engine appends in order: the common case is a push.
      if (!last || last.seq < e.seq) {
        entries.push(e);
        continue;
      }
      const i = bisect(entries, e, bySeq);
      if (entries[i]?.seq === e.seq) entries[i] = e;
      else entries.splice(i, 0, e);
    }
  }
}

/**
 * The embedded default state backend: one SQLite file (better-sqlite3, WAL) under `.xcflow/`.
 *
 * Indexed fields (status, procedure, requester, `seq`, `nextRunAt`) are columns; the rest of a
 * record is one JSON column. Compare-and-set is `UPDATE … WHERE id = ? AND seq = ?`; an update
 * and its journal entries share one transaction. `synchronous = NORMAL` under WAL survives a
 * process crash (SIGKILL) without losing committed transactions; a power loss may drop the last
 * few, which the engine's idempotent steps tolerate.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { ExecutionStatus } from '../engine/types.ts';
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

/** Executions whose last status the store remembers (a hint for `updateExecution`). */
const STATUS_HINTS = 10_000;

/** Where the embedded default keeps its database. */
export const DEFAULT_SQLITE_PATH = '.xcflow/xcflow.db';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS executions (
  id TEXT PRIMARY KEY,
  procedure_id TEXT NOT NULL,
  status TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  seq INTEGER NOT NULL,
  next_run_at INTEGER,
  data TEXT NOT NULL,
  signals TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS executions_due ON executions (next_run_at) WHERE next_run_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS executions_status ON executions (status, id);
CREATE INDEX IF NOT EXISTS executions_procedure ON executions (procedure_id, id);
CREATE TABLE IF NOT EXISTS journal (
  execution_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (execution_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS approval_decisions (
  execution_id TEXT NOT NULL,
  gate_seq INTEGER NOT NULL,
  principal TEXT NOT NULL,
  at INTEGER NOT NULL,
  data TEXT NOT NULL,
  PRIMARY KEY (execution_id, gate_seq, principal)
);
CREATE TABLE IF NOT EXISTS locks (
  resource TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  until INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (
  hash TEXT PRIMARY KEY,
  data TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency_keys (
  key TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL,
  data TEXT NOT NULL
) WITHOUT ROWID;
`;

// Health-audit runs and finding lifecycles (issue 7).
const AUDIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_runs (
  run_id TEXT PRIMARY KEY,
  data TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_findings (
  key TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  data TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS audit_findings_status ON audit_findings (status, key);
`;

interface ExecutionRow {
  data: string;
  signals: string;
}

/** Options of the SQLite backend. */
export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. Default `.xcflow/xcflow.db`. */
  path?: string;
}

function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function toRecord(row: ExecutionRow): ExecutionRecord {
  const record = JSON.parse(row.data) as ExecutionRecord;
  // Almost every execution never gets a signal: skip parsing the empty object.
  record.signals = row.signals === '{}' ? {} : (JSON.parse(row.signals) as ExecutionRecord['signals']);
  return record;
}

/**
 * The record's JSON. Its `signals` copy is ignored on read: the `signals` column, which only
 * `putSignal` writes, is the source of truth.
 */
function recordData(record: ExecutionRecord): string {
  return JSON.stringify(record);
}

/** `ExecutionStore` on one SQLite file. */
export class SqliteStore implements ExecutionStore {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly stmts;
  private readonly listCache = new Map<string, Database.Statement>();
  private readonly statusSeen = new Map<string, ExecutionStatus>();
  private readonly insertWithJournal: (record: ExecutionRecord, journal: JournalEntry[]) => void;
  private readonly updateWithJournal: (record: ExecutionRecord, expectedSeq: number, journal: JournalEntry[]) => boolean;
  private readonly audit;
  private readonly putFindings: (findings: AuditFindingRecord[]) => void;

  constructor(opts: SqliteStoreOptions | string = {}) {
    const path = typeof opts === 'string' ? opts : (opts.path ?? DEFAULT_SQLITE_PATH);
    this.path = path;
    if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    // Checkpoint (and fsync) every ~16 MB of WAL instead of every 4 MB: fewer stalls per write.
    this.db.pragma('wal_autocheckpoint = 4000');
    // Several processes (runner, API, sweep) may share the file locally: wait instead of failing.
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    this.db.exec(AUDIT_SCHEMA);
    const db = this.db;
    this.stmts = {
      insert: db.prepare(
        'INSERT INTO executions (id, procedure_id, status, requested_by, seq, next_run_at, data, signals) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      get: db.prepare<[string], ExecutionRow>('SELECT data, signals FROM executions WHERE id = ?'),
      // id, procedure and requester never change after create: not rewriting them spares their index.
      update: db.prepare('UPDATE executions SET status = ?, seq = ?, next_run_at = ?, data = ? WHERE id = ? AND seq = ?'),
      // Most writes keep the status: leaving the column out of SET spares rewriting its index entry
      // (SQLite rewrites an index whenever a column of it is assigned, even to the same value).
      // `status = ?` in WHERE makes this correct whatever the caller believed the status to be.
      updateSameStatus: db.prepare('UPDATE executions SET seq = ?, next_run_at = ?, data = ? WHERE id = ? AND seq = ? AND status = ?'),
      exists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM executions WHERE id = ?'),
      putSignal: db.prepare(
        "UPDATE executions SET signals = json_set(signals, '$.' || ?, json(?)) WHERE id = ? AND json_extract(signals, '$.' || ?) IS NULL",
      ),
      journalInsert: db.prepare('INSERT INTO journal (execution_id, seq, data) VALUES (?, ?, ?)'),
      journalRead: db.prepare<[string, number, number], { data: string }>(
        'SELECT data FROM journal WHERE execution_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      ),
      due: db.prepare<[number, number], { id: string; seq: number; next_run_at: number }>(
        'SELECT id, seq, next_run_at FROM executions WHERE next_run_at IS NOT NULL AND next_run_at <= ? ORDER BY next_run_at, id LIMIT ?',
      ),
      decisionInsert: db.prepare(
        'INSERT INTO approval_decisions (execution_id, gate_seq, principal, at, data) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      decisionGet: db.prepare<[string, number, string], { data: string }>(
        'SELECT data FROM approval_decisions WHERE execution_id = ? AND gate_seq = ? AND principal = ?',
      ),
      decisionList: db.prepare<[string, number], { data: string }>(
        'SELECT data FROM approval_decisions WHERE execution_id = ? AND gate_seq = ? ORDER BY at, rowid',
      ),
      lockUpsert: db.prepare(
        'INSERT INTO locks (resource, owner, until) VALUES (?, ?, ?) ON CONFLICT (resource) DO UPDATE SET owner = excluded.owner, until = excluded.until WHERE locks.owner = excluded.owner OR locks.until <= ?',
      ),
      lockGet: db.prepare<[string], LockRecord>('SELECT resource, owner, until FROM locks WHERE resource = ?'),
      lockDelete: db.prepare('DELETE FROM locks WHERE resource = ? AND owner = ?'),
      tokenInsert: db.prepare('INSERT INTO tokens (hash, data) VALUES (?, ?)'),
      tokenGet: db.prepare<[string], { data: string }>('SELECT data FROM tokens WHERE hash = ?'),
      tokenDelete: db.prepare('DELETE FROM tokens WHERE hash = ?'),
      tokenList: db.prepare<[], { data: string }>('SELECT data FROM tokens ORDER BY hash'),
      keyUpsert: db.prepare(
        'INSERT INTO idempotency_keys (key, expires_at, data) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at, data = excluded.data WHERE idempotency_keys.expires_at <= ?',
      ),
      keyGet: db.prepare<[string], { data: string }>('SELECT data FROM idempotency_keys WHERE key = ?'),
    };
    this.audit = {
      runPut: db.prepare('INSERT INTO audit_runs (run_id, data) VALUES (?, ?) ON CONFLICT (run_id) DO UPDATE SET data = excluded.data'),
      runGet: db.prepare<[string], { data: string }>('SELECT data FROM audit_runs WHERE run_id = ?'),
      runList: db.prepare<[string, number], { data: string; run_id: string }>('SELECT run_id, data FROM audit_runs WHERE run_id < ? ORDER BY run_id DESC LIMIT ?'),
      findingPut: db.prepare('INSERT INTO audit_findings (key, status, data) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET status = excluded.status, data = excluded.data'),
      findingGet: db.prepare<[string], { data: string }>('SELECT data FROM audit_findings WHERE key = ?'),
      findingList: db.prepare<[string, number], { data: string; key: string }>('SELECT key, data FROM audit_findings WHERE key > ? ORDER BY key LIMIT ?'),
      findingListByStatus: db.prepare<[string, string, number], { data: string; key: string }>(
        'SELECT key, data FROM audit_findings WHERE status = ? AND key > ? ORDER BY key LIMIT ?',
      ),
    };
    this.putFindings = db.transaction((findings: AuditFindingRecord[]) => {
      for (const f of findings) this.audit.findingPut.run(f.key, f.status, JSON.stringify(f));
    });
    const insertJournal = (journal: JournalEntry[]): void => {
      for (const entry of journal) this.stmts.journalInsert.run(entry.executionId, entry.seq, JSON.stringify(entry));
    };
    this.insertWithJournal = db.transaction((record: ExecutionRecord, journal: JournalEntry[]) => {
      this.stmts.insert.run(
        record.id,
        record.procedureId,
        record.status,
        record.requestedBy,
        record.seq,
        record.nextRunAt,
        recordData(record),
        JSON.stringify(record.signals ?? {}),
      );
      insertJournal(journal);
      this.noteStatus(record.id, record.status);
    });
    this.updateWithJournal = db.transaction((record: ExecutionRecord, expectedSeq: number, journal: JournalEntry[]) => {
      if (!this.updateRow(record, expectedSeq)) return false;
      insertJournal(journal);
      return true;
    });
  }

  async createExecution(record: ExecutionRecord, journal: JournalEntry[] = []): Promise<void> {
    try {
      this.insertWithJournal(record, journal);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`execution ${record.id} already exists`, { code: 'ExecutionExists', cause: err });
      throw err;
    }
  }

  async getExecution(id: string): Promise<ExecutionRecord | null> {
    const row = this.stmts.get.get(id);
    if (!row) return null;
    const record = toRecord(row);
    this.noteStatus(id, record.status);
    return record;
  }

  async updateExecution(record: ExecutionRecord, expectedSeq: number, journal: JournalEntry[] = []): Promise<boolean> {
    // A lone UPDATE is atomic by itself: only a write with journal entries needs a transaction.
    return journal.length === 0 ? this.updateRow(record, expectedSeq) : this.updateWithJournal(record, expectedSeq, journal);
  }

  private updateRow(record: ExecutionRecord, expectedSeq: number): boolean {
    const data = recordData(record);
    let done = false;
    if (this.statusSeen.get(record.id) === record.status) {
      done = this.stmts.updateSameStatus.run(record.seq, record.nextRunAt, data, record.id, expectedSeq, record.status).changes === 1;
    }
    if (!done) done = this.stmts.update.run(record.status, record.seq, record.nextRunAt, data, record.id, expectedSeq).changes === 1;
    if (done) this.noteStatus(record.id, record.status);
    return done;
  }

  /**
   * Remembers the last status read or written per execution: only a hint for choosing the update
   * statement (a wrong hint costs one more indexed lookup), so it is bounded and never trusted.
   */
  private noteStatus(id: string, status: ExecutionStatus): void {
    if (this.statusSeen.size >= STATUS_HINTS && !this.statusSeen.has(id)) this.statusSeen.clear();
    this.statusSeen.set(id, status);
  }

  async putSignal(id: string, name: SignalName, signal: Signal): Promise<boolean> {
    const result = this.stmts.putSignal.run(name, JSON.stringify(signal), id, name);
    if (result.changes === 1) return true;
    if (!this.stmts.exists.get(id)) throw new NotFoundError(`execution ${id} does not exist`, { code: 'ExecutionNotFound' });
    return false;
  }

  async readJournal(executionId: string, page: PageRequest): Promise<Page<JournalEntry>> {
    const after = page.cursor ? Number(page.cursor) : 0;
    const limit = Math.max(1, page.limit);
    const rows = this.stmts.journalRead.all(executionId, Number.isFinite(after) ? after : 0, limit + 1);
    const items = rows.slice(0, limit).map((r) => JSON.parse(r.data) as JournalEntry);
    const last = items[items.length - 1];
    return { items, cursor: rows.length > limit && last ? String(last.seq) : null };
  }

  async listDue(now: number, limit: number): Promise<DueExecution[]> {
    return this.stmts.due.all(now, Math.max(1, limit)).map((r) => ({ id: r.id, seq: r.seq, nextRunAt: r.next_run_at }));
  }

  async listExecutions(filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionRecord>> {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.status && filter.status.length > 0) {
      where.push(`status IN (${filter.status.map(() => '?').join(', ')})`);
      args.push(...filter.status);
    }
    if (filter.procedureId !== undefined) {
      where.push('procedure_id = ?');
      args.push(filter.procedureId);
    }
    if (filter.requestedBy !== undefined) {
      where.push('requested_by = ?');
      args.push(filter.requestedBy);
    }
    if (page.cursor) {
      where.push('id < ?');
      args.push(page.cursor);
    }
    const sql = `SELECT data, signals FROM executions${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    let stmt = this.listCache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.listCache.set(sql, stmt);
    }
    const limit = Math.max(1, page.limit);
    const rows = stmt.all(...args, limit + 1) as ExecutionRow[];
    const items = rows.slice(0, limit).map(toRecord);
    const last = items[items.length - 1];
    return { items, cursor: rows.length > limit && last ? last.id : null };
  }

  async putApprovalDecision(decision: ApprovalDecision): Promise<{ created: boolean; decision: ApprovalDecision }> {
    const result = this.stmts.decisionInsert.run(decision.executionId, decision.gateSeq, decision.principal, decision.at, JSON.stringify(decision));
    if (result.changes === 1) return { created: true, decision };
    const row = this.stmts.decisionGet.get(decision.executionId, decision.gateSeq, decision.principal);
    return { created: false, decision: row ? (JSON.parse(row.data) as ApprovalDecision) : decision };
  }

  async listApprovalDecisions(executionId: string, gateSeq: number): Promise<ApprovalDecision[]> {
    return this.stmts.decisionList.all(executionId, gateSeq).map((r) => JSON.parse(r.data) as ApprovalDecision);
  }

  async tryLock(lock: LockRecord, now: number): Promise<{ acquired: boolean; holder: LockRecord }> {
    const result = this.stmts.lockUpsert.run(lock.resource, lock.owner, lock.until, now);
    const holder = this.stmts.lockGet.get(lock.resource) ?? lock;
    return { acquired: result.changes === 1, holder: { resource: holder.resource, owner: holder.owner, until: holder.until } };
  }

  async releaseLock(resource: string, owner: string): Promise<boolean> {
    return this.stmts.lockDelete.run(resource, owner).changes === 1;
  }

  async getLock(resource: string): Promise<LockRecord | null> {
    const row = this.stmts.lockGet.get(resource);
    return row ? { resource: row.resource, owner: row.owner, until: row.until } : null;
  }

  async putToken(token: TokenRecord): Promise<void> {
    try {
      this.stmts.tokenInsert.run(token.hash, JSON.stringify(token));
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('a token with this hash already exists', { code: 'TokenExists', cause: err });
      throw err;
    }
  }

  async getToken(hash: string): Promise<TokenRecord | null> {
    const row = this.stmts.tokenGet.get(hash);
    return row ? (JSON.parse(row.data) as TokenRecord) : null;
  }

  async deleteToken(hash: string): Promise<boolean> {
    return this.stmts.tokenDelete.run(hash).changes === 1;
  }

  async listTokens(): Promise<TokenRecord[]> {
    return this.stmts.tokenList.all().map((r) => JSON.parse(r.data) as TokenRecord);
  }

  async claimIdempotencyKey(record: IdempotencyRecord, now: number): Promise<{ created: boolean; record: IdempotencyRecord }> {
    const result = this.stmts.keyUpsert.run(record.key, record.expiresAt, JSON.stringify(record), now);
    if (result.changes === 1) return { created: true, record };
    const row = this.stmts.keyGet.get(record.key);
    return { created: false, record: row ? (JSON.parse(row.data) as IdempotencyRecord) : record };
  }

  async putAuditRun(run: AuditRunRecord): Promise<void> {
    this.audit.runPut.run(run.runId, JSON.stringify(run));
  }

  async getAuditRun(runId: string): Promise<AuditRunRecord | null> {
    const row = this.audit.runGet.get(runId);
    return row ? (JSON.parse(row.data) as AuditRunRecord) : null;
  }

  async listAuditRuns(page: PageRequest): Promise<Page<AuditRunRecord>> {
    const limit = Math.max(1, page.limit);
    // Every run id sorts below U+FFFF: no cursor means "from the newest".
    const rows = this.audit.runList.all(page.cursor ?? '\uffff', limit + 1);
    const items = rows.slice(0, limit).map((r) => JSON.parse(r.data) as AuditRunRecord);
    const last = items[items.length - 1];
    return { items, cursor: rows.length > limit && last ? last.runId : null };
  }

  async putAuditFindings(findings: AuditFindingRecord[]): Promise<void> {
    if (findings.length > 0) this.putFindings(findings);
  }

  async getAuditFindings(keys: string[]): Promise<AuditFindingRecord[]> {
    const out: AuditFindingRecord[] = [];
    for (const key of [...new Set(keys)].sort()) {
      const row = this.audit.findingGet.get(key);
      if (row) out.push(JSON.parse(row.data) as AuditFindingRecord);
    }
    return out;
  }

  async listAuditFindings(filter: AuditFindingFilter, page: PageRequest): Promise<Page<AuditFindingRecord>> {
    const limit = Math.max(1, page.limit);
    const after = page.cursor ?? '';
    const rows = filter.status ? this.audit.findingListByStatus.all(filter.status, after, limit + 1) : this.audit.findingList.all(after, limit + 1);
    const items = rows.slice(0, limit).map((r) => JSON.parse(r.data) as AuditFindingRecord);
    const last = items[items.length - 1];
    return { items, cursor: rows.length > limit && last ? last.key : null };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

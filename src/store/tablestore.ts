/**
 * The cloud state backend: `ExecutionStore` on Alibaba Cloud Tablestore through the `tablestore`
 * SDK. Tables are created on first use (prefix `xcflow_` by default):
 *
 * | table         | primary key                          | columns |
 * |---------------|--------------------------------------|---------|
 * | `executions`  | id                                   | `seq` (INTEGER, the CAS column), `status`, `procedureId`, `requestedBy`, `nextRunAt`, `data` (JSON of the record without signals), `sig_<name>` (signals), `pj_<seq>` (journal entries committed but not yet copied) |
 * | `journal`     | executionId, seq                     | `data` |
 * | `due`         | shard, nextRunAt, executionId        | `seq` (the record `seq` the row was written for) |
 * | `approvals`   | executionId, gateSeq, principal      | `at`, `data` |
 * | `locks`       | resource                             | `owner`, `until` |
 * | `tokens`      | hash                                 | `data` |
 * | `idempotency` | key                                  | `expiresAt`, `data` |
 * | `audit_runs`  | runId                                | `data` |
 * | `audit_findings` | key                               | `status`, `data` |
 *
 * Atomicity without transactions:
 * - Compare-and-set is one UpdateRow with `EXPECT_EXIST` + `SingleColumnCondition('seq', Long,
 *   EQUAL, passIfMissing=false)`; create-once is PutRow with `EXPECT_NOT_EXIST`.
 * - Journal entries ride in the same UpdateRow as `pj_<seq>` columns, so they commit with the CAS or
 *   not at all; afterwards they are copied to `journal` and the columns dropped. A reader reads the
 *   pending columns first and `journal` second, so a copy racing the read never hides an entry.
 * - The `due` row for a record's `nextRunAt` is written *before* the CAS that sets it, so a
 *   committed `nextRunAt` always has its row. A commit deletes the row it superseded when this
 *   process read or wrote the replaced version (the usual runner path: load, then commit); rows
 *   left behind otherwise, or by lost CASes, are recognised by `listDue` against the record and
 *   deleted conditionally on their `seq`.
 * - `listDue` is a GetRange per shard over `(shard, nextRunAt ≤ now)`, never a scan of executions.
 *   Every process sharing the tables must use the same `dueShards`.
 *
 * Requests per runner commit (load + commit with journal): GetRow, PutRow (due, skipped when
 * `nextRunAt` is unchanged), UpdateRow (CAS), BatchWriteRow (journal copy + superseded due row),
 * UpdateRow (drop copied columns).
 */
import { CloudTransientError, ConflictError, NotFoundError, ValidationError, XcflowError } from '../errors.ts';
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
import type { Client, ColumnCondition, ColumnInput, PrimaryKeyInput, Row, UpdateOp } from 'tablestore';
import {
  DEFAULT_RETRY,
  TableStore,
  attributes,
  callOts,
  intValue,
  isConditionFailure,
  long,
  primaryKey,
  rowExists,
  stringValue,
  type RetryPolicy,
} from './tablestore/ots.ts';

/** Options of {@link createTablestoreStore}. */
export interface TablestoreStoreOptions {
  /** `https://<instance>.<region>.ots.aliyuncs.com` (or a VPC endpoint, or a local stand-in). */
  endpoint: string;
  instanceName: string;
  accessKeyId: string;
  accessKeySecret: string;
  /** STS token, as FC's role credentials carry. */
  securityToken?: string;
  /** Prefix of every table name; lets several deployments share an instance. Default `xcflow_`. */
  tablePrefix?: string;
  /** Partition-key buckets of the due table: spreads timer writes; `listDue` reads each. Default 4. */
  dueShards?: number;
  /** Create missing tables on first use (needs `ots:CreateTable`). Default true. */
  createTables?: boolean;
  /** Retries of requests the service did not apply (new table not ready, throttling). */
  retry?: Partial<RetryPolicy>;
  /** HTTP timeout per request, ms. Default 10 s. */
  requestTimeoutMs?: number;
  /** The SDK's own retries of reads (its policy is process-global). Default 3. */
  sdkMaxRetries?: number;
}

const TABLES = {
  executions: [{ name: 'id', type: 'STRING' }],
  journal: [
    { name: 'executionId', type: 'STRING' },
    { name: 'seq', type: 'INTEGER' },
  ],
  due: [
    { name: 'shard', type: 'INTEGER' },
    { name: 'nextRunAt', type: 'INTEGER' },
    { name: 'executionId', type: 'STRING' },
  ],
  approvals: [
    { name: 'executionId', type: 'STRING' },
    { name: 'gateSeq', type: 'INTEGER' },
    { name: 'principal', type: 'STRING' },
  ],
  locks: [{ name: 'resource', type: 'STRING' }],
  tokens: [{ name: 'hash', type: 'STRING' }],
  idempotency: [{ name: 'key', type: 'STRING' }],
  audit_runs: [{ name: 'runId', type: 'STRING' }],
  audit_findings: [{ name: 'key', type: 'STRING' }],
} as const satisfies Record<string, readonly { name: string; type: 'STRING' | 'INTEGER' }[]>;

type TableKey = keyof typeof TABLES;

const SIGNALS: readonly SignalName[] = ['cancel', 'rollback'];
const PENDING_PREFIX = 'pj_';
// Column names are [A-Za-z0-9_]: every `pj_…` name sorts in [`pj_`, `pj\``).
const PENDING_END = 'pj`';
const RECORD_COLUMNS = ['seq', 'data', ...SIGNALS.map((s) => `sig_${s}`)];
// Real limits (general-limits-of-tablestore): 2 MB per value, 4 MB per write, 200 rows per
// BatchWriteRow, 100 per BatchGetRow, 1024 columns per write.
const MAX_VALUE_BYTES = 2 * 1024 * 1024;
const MAX_WRITE_BYTES = 4 * 1024 * 1024 - 64 * 1024;
const MAX_BATCH_WRITE = 200;
const MAX_BATCH_GET = 100;
const MAX_COLUMNS_PER_WRITE = 1024;
const GET_RANGE_MAX = 5000;
const VERSION_CACHE = 10_000;
// A due row whose execution does not exist is only removed once older than any create in flight
// (request timeout × SDK retries, with margin).
const CREATE_GRACE_MS = 5 * 60 * 1000;

const { RowExistenceExpectation: Exist, ComparatorType: Cmp, LogicalOperator: Logic } = TableStore;

function pendingColumn(seq: number): string {
  return `${PENDING_PREFIX}${String(seq).padStart(10, '0')}`;
}

function condition(existence: number, column: ColumnCondition | null = null) {
  return new TableStore.Condition(existence, column);
}

function ignore() {
  return condition(Exist.IGNORE);
}

function casOn(seq: number) {
  return condition(Exist.EXPECT_EXIST, new TableStore.SingleColumnCondition('seq', long(seq), Cmp.EQUAL, false));
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function checkValue(what: string, json: string): string {
  if (byteLength(json) > MAX_VALUE_BYTES) {
    throw new ValidationError(`${what} is ${byteLength(json)} bytes; a Tablestore value holds at most ${MAX_VALUE_BYTES}`, { code: 'RecordTooLarge' });
  }
  return json;
}

/** A shard number from an id (FNV-1a): one execution's due rows always share a shard. */
function shardOf(id: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i += 1) {
    h ^= id.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

function parseJson<T>(text: string | undefined, what: string): T {
  if (text === undefined) throw new Error(`Tablestore row is missing ${what}`);
  return JSON.parse(text) as T;
}

function transient(message: string, code: string): CloudTransientError {
  return new CloudTransientError(message, { code });
}

function compareDue(a: { nextRunAt: number; id: string }, b: { nextRunAt: number; id: string }): number {
  return a.nextRunAt - b.nextRunAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A row of a BatchWriteRow request. */
interface BatchRow {
  type: 'PUT' | 'DELETE';
  condition: ReturnType<typeof condition>;
  primaryKey: PrimaryKeyInput;
  attributeColumns?: ColumnInput[];
}

interface DueCandidate {
  id: string;
  nextRunAt: number;
  /** The record `seq` the due row was written for. */
  writtenFor: number;
  /** When the due row was written (the cell's timestamp, server clock). */
  writtenAt: number;
}

/** `ExecutionStore` on Tablestore. Create with {@link createTablestoreStore}. */
export class TablestoreStore implements ExecutionStore {
  private readonly client: Client;
  private readonly names: Record<TableKey, string>;
  private readonly shards: number;
  private readonly retry: RetryPolicy;
  private ready: Promise<void> | null = null;
  /** `nextRunAt` by execution at the last `seq` this process read or wrote (bounded). */
  private readonly versions = new Map<string, { seq: number; nextRunAt: number | null }>();

  constructor(private readonly opts: TablestoreStoreOptions) {
    this.client = new TableStore.Client({
      accessKeyId: opts.accessKeyId,
      secretAccessKey: opts.accessKeySecret,
      ...(opts.securityToken ? { stsToken: opts.securityToken } : {}),
      endpoint: opts.endpoint,
      instancename: opts.instanceName,
      maxRetries: opts.sdkMaxRetries ?? 3,
      httpOptions: { timeout: opts.requestTimeoutMs ?? 10_000 },
    });
    const prefix = opts.tablePrefix ?? 'xcflow_';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,200}$/.test(prefix)) throw new ValidationError(`invalid Tablestore table prefix '${prefix}'`, { code: 'InvalidTablePrefix' });
    this.names = Object.fromEntries(Object.keys(TABLES).map((k) => [k, `${prefix}${k}`])) as Record<TableKey, string>;
    this.shards = Math.max(1, Math.floor(opts.dueShards ?? 4));
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
  }

  /** Table names in use, by role. */
  get tableNames(): Readonly<Record<TableKey, string>> {
    return this.names;
  }

  private call<T>(operation: string, kind: 'read' | 'write', fn: () => Promise<T>): Promise<T> {
    return callOts(operation, kind, this.retry, fn);
  }

  /** Creates missing tables once per store object; concurrent creators are fine. */
  private ensureTables(): Promise<void> {
    if (!this.ready) {
      this.ready = this.createMissingTables().catch((err: unknown) => {
        this.ready = null;
        throw err;
      });
    }
    return this.ready;
  }

  private async createMissingTables(): Promise<void> {
    if (this.opts.createTables === false) return;
    const existing = new Set((await this.call('ListTable', 'read', () => this.client.listTable({}))).tableNames);
    await Promise.all(
      (Object.keys(TABLES) as TableKey[])
        .filter((k) => !existing.has(this.names[k]))
        .map(async (k) => {
          try {
            await this.call('CreateTable', 'write', () =>
              this.client.createTable({
                tableMeta: { tableName: this.names[k], primaryKey: TABLES[k].map((c) => ({ name: c.name, type: c.type })) },
                reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
                tableOptions: { timeToLive: -1, maxVersions: 1 },
              }),
            );
          } catch (err) {
            // Another process created it between our ListTable and CreateTable.
            if (!(err instanceof XcflowError && err.code === 'OTSObjectAlreadyExist')) throw err;
          }
        }),
    );
  }

  // ---- executions ----------------------------------------------------------------------------

  private recordColumns(record: ExecutionRecord): { put: ColumnInput[]; bytes: number } {
    const { signals: _signals, ...rest } = record;
    const data = checkValue(`execution ${record.id}`, JSON.stringify(rest));
    const put: ColumnInput[] = [
      { seq: long(record.seq) },
      { status: record.status },
      { procedureId: record.procedureId },
      { requestedBy: record.requestedBy },
      { data },
    ];
    if (record.nextRunAt !== null) put.push({ nextRunAt: long(record.nextRunAt) });
    return { put, bytes: byteLength(data) + 256 };
  }

  private pendingColumns(journal: readonly JournalEntry[]): { put: ColumnInput[]; bytes: number } {
    let bytes = 0;
    const put = journal.map((e) => {
      const json = checkValue(`journal entry ${e.executionId}#${e.seq}`, JSON.stringify(e));
      bytes += byteLength(json) + 32;
      return { [pendingColumn(e.seq)]: json };
    });
    return { put, bytes };
  }

  private checkWriteSize(id: string, columns: number, bytes: number): void {
    if (columns > MAX_COLUMNS_PER_WRITE || bytes > MAX_WRITE_BYTES) {
      throw new ValidationError(`the write for execution ${id} (${columns} columns, ${bytes} bytes) exceeds Tablestore's per-row write limits`, {
        code: 'RecordTooLarge',
      });
    }
  }

  /** Writes the due row for `record.nextRunAt` (before the write that commits that value). */
  private async putDueRow(record: ExecutionRecord): Promise<void> {
    if (record.nextRunAt === null) return;
    const nextRunAt = record.nextRunAt;
    await this.call('PutRow', 'write', () =>
      this.client.putRow({
        tableName: this.names.due,
        condition: ignore(),
        primaryKey: [{ shard: long(shardOf(record.id, this.shards)) }, { nextRunAt: long(nextRunAt) }, { executionId: record.id }],
        attributeColumns: [{ seq: long(record.seq) }],
      }),
    );
  }

  private dueKey(id: string, nextRunAt: number): PrimaryKeyInput {
    return [{ shard: long(shardOf(id, this.shards)) }, { nextRunAt: long(nextRunAt) }, { executionId: id }];
  }

  /** Remembers which `nextRunAt` a record had at a `seq` (exact: every write bumps `seq`). */
  private remember(id: string, seq: number, nextRunAt: number | null): void {
    this.versions.delete(id);
    this.versions.set(id, { seq, nextRunAt });
    if (this.versions.size > VERSION_CACHE) {
      const oldest = this.versions.keys().next().value;
      if (oldest !== undefined) this.versions.delete(oldest);
    }
  }

  /** `nextRunAt` of the record at `seq`, when this process has seen that version. */
  private knownNextRunAt(id: string, seq: number): number | null | undefined {
    const v = this.versions.get(id);
    return v && v.seq === seq ? v.nextRunAt : undefined;
  }

  /**
   * After a commit: copies its `pj_` entries into `journal` and drops the columns, and deletes the
   * due row the commit superseded (when known). Idempotent, and never throws: the entries are
   * committed in the execution row already, where readers find them and the next `readJournal`
   * finishes the copy; a due row left behind is removed by `listDue`. So a failure here must not
   * fail the committed write.
   */
  private async afterCommit(executionId: string, entries: readonly JournalEntry[], superseded?: { nextRunAt: number; upToSeq: number }): Promise<void> {
    try {
      const extra: BatchRow[] = superseded
        ? [
            {
              type: 'DELETE',
              // Any due row at the old time written for this seq or earlier is stale now.
              condition: condition(Exist.EXPECT_EXIST, new TableStore.SingleColumnCondition('seq', long(superseded.upToSeq), Cmp.LESS_EQUAL, false)),
              primaryKey: this.dueKey(executionId, superseded.nextRunAt),
            },
          ]
        : [];
      await this.copyJournal(executionId, entries, extra);
    } catch {
      // Left for the next reader and the next due lookup (see above).
    }
  }

  private async copyJournal(executionId: string, entries: readonly JournalEntry[], dueRows: BatchRow[] = []): Promise<void> {
    let extra = dueRows;
    let batch: JournalEntry[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      if (batch.length === 0 && extra.length === 0) return;
      const rows = batch.map(
        (e): BatchRow => ({
          type: 'PUT',
          condition: ignore(),
          primaryKey: [{ executionId: e.executionId }, { seq: long(e.seq) }],
          attributeColumns: [{ data: JSON.stringify(e) }],
        }),
      );
      const due = extra;
      batch = [];
      bytes = 0;
      extra = [];
      await this.writeRows(rows, due);
    };
    for (const e of entries) {
      const size = byteLength(JSON.stringify(e)) + 64;
      if (batch.length + extra.length >= MAX_BATCH_WRITE || bytes + size > MAX_WRITE_BYTES) await flush();
      batch.push(e);
      bytes += size;
    }
    await flush();
    for (let i = 0; i < entries.length; i += MAX_COLUMNS_PER_WRITE) {
      const names = entries.slice(i, i + MAX_COLUMNS_PER_WRITE).map((e) => pendingColumn(e.seq));
      try {
        await this.call('UpdateRow', 'write', () =>
          this.client.updateRow({
            tableName: this.names.executions,
            condition: condition(Exist.EXPECT_EXIST),
            primaryKey: [{ id: executionId }],
            updateOfAttributeColumns: [{ DELETE_ALL: names }],
          }),
        );
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
  }

  /**
   * One BatchWriteRow with journal rows (retried until written: idempotent PUTs) and due-table
   * rows (tried once: a failed conditional delete means the row is not ours to delete).
   */
  private async writeRows(journalRows: BatchRow[], dueRows: BatchRow[]): Promise<void> {
    let pending = journalRows;
    let due = dueRows;
    for (let attempt = 1; pending.length > 0 || due.length > 0; attempt += 1) {
      const tables = [
        ...(pending.length > 0 ? [{ tableName: this.names.journal, rows: pending }] : []),
        ...(due.length > 0 ? [{ tableName: this.names.due, rows: due }] : []),
      ];
      const result = await this.call('BatchWriteRow', 'write', () => this.client.batchWriteRow({ tables }));
      const journalResults = result.tables.filter((r) => r.tableName === this.names.journal);
      const failed = pending.filter((_, i) => !journalResults[i]?.isOk);
      due = [];
      if (failed.length === 0) return;
      if (attempt >= this.retry.attempts) {
        const first = journalResults.find((r) => !r.isOk);
        throw transient(`Tablestore journal copy: ${failed.length} rows failed (${first?.errorCode}: ${first?.errorMessage})`, first?.errorCode ?? 'BatchWriteRowFailed');
      }
      pending = failed;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1))));
    }
  }

  async createExecution(record: ExecutionRecord, journal: JournalEntry[] = []): Promise<void> {
    await this.ensureTables();
    const columns = this.recordColumns(record);
    const pending = this.pendingColumns(journal);
    const signals = SIGNALS.flatMap((s) => {
      const sig = record.signals?.[s];
      return sig ? [{ [`sig_${s}`]: JSON.stringify(sig) }] : [];
    });
    const attributeColumns = [...columns.put, ...signals, ...pending.put];
    this.checkWriteSize(record.id, attributeColumns.length, columns.bytes + pending.bytes);
    await this.putDueRow(record);
    try {
      await this.call('PutRow', 'write', () =>
        this.client.putRow({ tableName: this.names.executions, condition: condition(Exist.EXPECT_NOT_EXIST), primaryKey: [{ id: record.id }], attributeColumns }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError(`execution ${record.id} already exists`, { code: 'ExecutionExists', cause: err });
      throw err;
    }
    this.remember(record.id, record.seq, record.nextRunAt);
    if (journal.length > 0) await this.afterCommit(record.id, journal);
  }

  async getExecution(id: string): Promise<ExecutionRecord | null> {
    await this.ensureTables();
    const { row } = await this.call('GetRow', 'read', () =>
      this.client.getRow({ tableName: this.names.executions, primaryKey: [{ id }], columnsToGet: RECORD_COLUMNS, maxVersions: 1 }),
    );
    if (!rowExists(row)) return null;
    const record = this.toRecord(row);
    this.remember(record.id, record.seq, record.nextRunAt);
    return record;
  }

  private toRecord(row: Row): ExecutionRecord {
    const cols = attributes(row);
    const record = parseJson<ExecutionRecord>(stringValue(cols.get('data')), 'data');
    record.seq = intValue(cols.get('seq')) ?? record.seq;
    const signals: ExecutionRecord['signals'] = {};
    for (const s of SIGNALS) {
      const v = stringValue(cols.get(`sig_${s}`));
      if (v !== undefined) signals[s] = JSON.parse(v) as Signal;
    }
    record.signals = signals;
    return record;
  }

  async updateExecution(record: ExecutionRecord, expectedSeq: number, journal: JournalEntry[] = []): Promise<boolean> {
    await this.ensureTables();
    const columns = this.recordColumns(record);
    const pending = this.pendingColumns(journal);
    const put = [...columns.put, ...pending.put];
    this.checkWriteSize(record.id, put.length + 1, columns.bytes + pending.bytes);
    const ops: UpdateOp[] = [{ PUT: put }];
    if (record.nextRunAt === null) ops.push({ DELETE_ALL: ['nextRunAt'] });
    // When this process knows the version being replaced, an unchanged nextRunAt keeps its due
    // row (no write), and a changed one has its old row deleted along with the journal copy.
    const previous = this.knownNextRunAt(record.id, expectedSeq);
    if (previous === undefined || previous !== record.nextRunAt) await this.putDueRow(record);
    try {
      await this.call('UpdateRow', 'write', () =>
        this.client.updateRow({ tableName: this.names.executions, condition: casOn(expectedSeq), primaryKey: [{ id: record.id }], updateOfAttributeColumns: ops }),
      );
    } catch (err) {
      // A due row written above stays; `listDue` recognises and removes it (its seq is ≤ the record's).
      if (isConditionFailure(err)) return false;
      throw err;
    }
    this.remember(record.id, record.seq, record.nextRunAt);
    const superseded = previous !== undefined && previous !== null && previous !== record.nextRunAt ? { nextRunAt: previous, upToSeq: expectedSeq } : undefined;
    if (journal.length > 0 || superseded) await this.afterCommit(record.id, journal, superseded);
    return true;
  }

  async putSignal(id: string, name: SignalName, signal: Signal): Promise<boolean> {
    await this.ensureTables();
    // "Column absent": no string sorts below the empty string, and a missing column passes.
    const absent = new TableStore.SingleColumnCondition(`sig_${name}`, '', Cmp.LESS_THAN, true);
    try {
      await this.call('UpdateRow', 'write', () =>
        this.client.updateRow({
          tableName: this.names.executions,
          condition: condition(Exist.EXPECT_EXIST, absent),
          primaryKey: [{ id }],
          updateOfAttributeColumns: [{ PUT: [{ [`sig_${name}`]: JSON.stringify(signal) }] }],
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const { row } = await this.call('GetRow', 'read', () =>
      this.client.getRow({ tableName: this.names.executions, primaryKey: [{ id }], columnsToGet: ['seq'], maxVersions: 1 }),
    );
    if (!rowExists(row)) throw new NotFoundError(`execution ${id} does not exist`, { code: 'ExecutionNotFound' });
    return false;
  }

  async readJournal(executionId: string, page: PageRequest): Promise<Page<JournalEntry>> {
    await this.ensureTables();
    const after = page.cursor ? Number(page.cursor) : 0;
    const from = Number.isFinite(after) && after > 0 ? Math.floor(after) : 0;
    const limit = Math.min(Math.max(1, Math.floor(page.limit)), GET_RANGE_MAX - 1);
    // Committed-but-uncopied entries first, then the journal table: an entry being copied and
    // dropped meanwhile is then seen at least once.
    const { row } = await this.call('GetRow', 'read', () =>
      this.client.getRow({ tableName: this.names.executions, primaryKey: [{ id: executionId }], startColumn: PENDING_PREFIX, endColumn: PENDING_END, maxVersions: 1 }),
    );
    const pending: JournalEntry[] = [];
    for (const [name, value] of attributes(row)) {
      if (!name.startsWith(PENDING_PREFIX)) continue;
      pending.push(parseJson<JournalEntry>(stringValue(value), name));
    }
    if (pending.length > 0) await this.afterCommit(executionId, pending);
    const stored: JournalEntry[] = [];
    let start: PrimaryKeyInput = [{ executionId }, { seq: long(from + 1) }];
    while (stored.length < limit + 1) {
      const startKey = start;
      const res = await this.call('GetRange', 'read', () =>
        this.client.getRange({
          tableName: this.names.journal,
          direction: 'FORWARD',
          inclusiveStartPrimaryKey: startKey,
          exclusiveEndPrimaryKey: [{ executionId }, { seq: TableStore.INF_MAX }],
          limit: limit + 1 - stored.length,
          maxVersions: 1,
        }),
      );
      for (const r of res.rows) stored.push(parseJson<JournalEntry>(stringValue(attributes(r).get('data')), 'journal data'));
      if (!res.nextStartPrimaryKey) break;
      start = res.nextStartPrimaryKey.map((p) => ({ [p.name]: p.value }));
    }
    const bySeq = new Map<number, JournalEntry>();
    for (const e of [...stored, ...pending]) if (e.seq > from) bySeq.set(e.seq, e);
    const all = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    const items = all.slice(0, limit);
    const last = items[items.length - 1];
    return { items, cursor: all.length > limit && last ? String(last.seq) : null };
  }

  async listDue(now: number, limit: number): Promise<DueExecution[]> {
    await this.ensureTables();
    const want = Math.max(1, Math.floor(limit));
    const pageSize = Math.min(GET_RANGE_MAX, Math.max(16, want + 1));
    const scans = Array.from({ length: this.shards }, (_, shard) => new DueScan(this, shard, now, pageSize));
    const out: DueExecution[] = [];
    while (out.length < want) {
      const batch: DueCandidate[] = [];
      while (batch.length < MAX_BATCH_GET) {
        await Promise.all(scans.map((s) => s.fill()));
        let best: DueScan | undefined;
        for (const s of scans) {
          const head = s.head();
          const bestHead = best?.head();
          if (head && (!bestHead || compareDue(head, bestHead) < 0)) best = s;
        }
        const next = best?.take();
        if (!next) break;
        batch.push(next);
        if (batch.length >= want - out.length + 8) break;
      }
      if (batch.length === 0) break;
      const records = await this.readDueRecords([...new Set(batch.map((c) => c.id))]);
      const stale: DueCandidate[] = [];
      for (const c of batch) {
        const r = records.get(c.id);
        if (r && r.nextRunAt === c.nextRunAt) {
          if (out.length < want) out.push({ id: c.id, seq: r.seq, nextRunAt: c.nextRunAt });
        } else if (r ? c.writtenFor <= r.seq : Date.now() - c.writtenAt > CREATE_GRACE_MS) {
          // Left by a later commit or a lost CAS (a CAS in flight has writtenFor > the record's
          // seq), or by a create that never happened (one in flight is younger than the grace).
          stale.push(c);
        }
      }
      await this.deleteStaleDue(stale);
    }
    return out;
  }

  /** @internal One GetRange page of the due table for {@link DueScan}. */
  async dueRange(shard: number, start: PrimaryKeyInput, now: number, limit: number): Promise<{ rows: DueCandidate[]; next: PrimaryKeyInput | null }> {
    const res = await this.call('GetRange', 'read', () =>
      this.client.getRange({
        tableName: this.names.due,
        direction: 'FORWARD',
        inclusiveStartPrimaryKey: start,
        exclusiveEndPrimaryKey: [{ shard: long(shard) }, { nextRunAt: long(now + 1) }, { executionId: TableStore.INF_MIN }],
        limit,
        maxVersions: 1,
      }),
    );
    const rows = res.rows.map((r) => {
      const pk = primaryKey(r);
      const cell = r.attributes?.find((a) => a.columnName === 'seq');
      return {
        id: String(pk.get('executionId')),
        nextRunAt: Number(pk.get('nextRunAt')),
        writtenFor: intValue(cell?.columnValue) ?? 0,
        writtenAt: cell ? cell.timestamp.toNumber() : 0,
      };
    });
    return { rows, next: res.nextStartPrimaryKey ? res.nextStartPrimaryKey.map((p) => ({ [p.name]: p.value })) : null };
  }

  private async readDueRecords(ids: string[]): Promise<Map<string, { seq: number; nextRunAt: number | null }>> {
    const out = new Map<string, { seq: number; nextRunAt: number | null }>();
    for (let i = 0; i < ids.length; i += MAX_BATCH_GET) {
      const chunk = ids.slice(i, i + MAX_BATCH_GET);
      const res = await this.call('BatchGetRow', 'read', () =>
        this.client.batchGetRow({
          tables: [{ tableName: this.names.executions, primaryKey: chunk.map((id) => [{ id }]), columnsToGet: ['seq', 'nextRunAt'], maxVersions: 1 }],
        }),
      );
      for (const r of res.tables[0] ?? []) {
        if (!r.isOk) throw transient(`Tablestore BatchGetRow row failed: ${r.errorCode}: ${r.errorMessage}`, r.errorCode ?? 'BatchGetRowFailed');
        if (!r.primaryKey) continue;
        const cols = attributes({ attributes: r.attributes ?? [] });
        const id = String(primaryKey(r).get('id'));
        out.set(id, { seq: intValue(cols.get('seq')) ?? 0, nextRunAt: intValue(cols.get('nextRunAt')) ?? null });
      }
    }
    return out;
  }

  private async deleteStaleDue(stale: DueCandidate[]): Promise<void> {
    for (let i = 0; i < stale.length; i += MAX_BATCH_WRITE) {
      const rows = stale.slice(i, i + MAX_BATCH_WRITE).map((c) => ({
        type: 'DELETE' as const,
        // Only if no newer write re-claimed this (shard, time, id) slot meanwhile.
        condition: condition(Exist.EXPECT_EXIST, new TableStore.SingleColumnCondition('seq', long(c.writtenFor), Cmp.EQUAL, false)),
        primaryKey: this.dueKey(c.id, c.nextRunAt),
      }));
      // Failed deletes (condition, throttling) leave a stale row that the next sweep looks at again.
      await this.call('BatchWriteRow', 'write', () => this.client.batchWriteRow({ tables: [{ tableName: this.names.due, rows }] }));
    }
  }

  async listExecutions(filter: ExecutionFilter, page: PageRequest): Promise<Page<ExecutionRecord>> {
    await this.ensureTables();
    const limit = Math.min(Math.max(1, Math.floor(page.limit)), GET_RANGE_MAX - 1);
    const parts: ColumnCondition[] = [];
    // A filter holds at most 10 column conditions; longer status lists are matched here instead.
    const statusOnServer = !!filter.status && filter.status.length > 0 && filter.status.length <= 8;
    if (filter.status && statusOnServer) {
      const statuses = filter.status.map((s) => new TableStore.SingleColumnCondition('status', s, Cmp.EQUAL, false));
      if (statuses.length === 1) parts.push(statuses[0] as ColumnCondition);
      else {
        const any = new TableStore.CompositeCondition(Logic.OR);
        for (const s of statuses) any.addSubCondition(s);
        parts.push(any);
      }
    }
    if (filter.procedureId !== undefined) parts.push(new TableStore.SingleColumnCondition('procedureId', filter.procedureId, Cmp.EQUAL, false));
    if (filter.requestedBy !== undefined) parts.push(new TableStore.SingleColumnCondition('requestedBy', filter.requestedBy, Cmp.EQUAL, false));
    let columnFilter: ColumnCondition | undefined;
    if (parts.length === 1) columnFilter = parts[0];
    else if (parts.length > 1) {
      const all = new TableStore.CompositeCondition(Logic.AND);
      for (const p of parts) all.addSubCondition(p);
      columnFilter = all;
    }
    // Newest first = ids descending. The cursor row itself is skipped: start is inclusive.
    let start: PrimaryKeyInput = [{ id: page.cursor ? page.cursor : TableStore.INF_MAX }];
    const found: ExecutionRecord[] = [];
    for (;;) {
      const startKey = start;
      const res = await this.call('GetRange', 'read', () =>
        this.client.getRange({
          tableName: this.names.executions,
          direction: 'BACKWARD',
          inclusiveStartPrimaryKey: startKey,
          exclusiveEndPrimaryKey: [{ id: TableStore.INF_MIN }],
          limit: limit + 2 - found.length,
          columnsToGet: [...RECORD_COLUMNS, 'status', 'procedureId', 'requestedBy'],
          maxVersions: 1,
          ...(columnFilter ? { columnFilter } : {}),
        }),
      );
      for (const r of res.rows) {
        const record = this.toRecord(r);
        if (page.cursor && record.id >= page.cursor) continue;
        if (filter.status && filter.status.length > 0 && !statusOnServer && !filter.status.includes(record.status)) continue;
        found.push(record);
      }
      if (found.length > limit || !res.nextStartPrimaryKey) break;
      start = res.nextStartPrimaryKey.map((p) => ({ [p.name]: p.value }));
    }
    const items = found.slice(0, limit);
    const last = items[items.length - 1];
    return { items, cursor: found.length > limit && last ? last.id : null };
  }

  // ---- approvals, locks, tokens, idempotency ---------------------------------------------------

  async putApprovalDecision(decision: ApprovalDecision): Promise<{ created: boolean; decision: ApprovalDecision }> {
    await this.ensureTables();
    const key: PrimaryKeyInput = [{ executionId: decision.executionId }, { gateSeq: long(decision.gateSeq) }, { principal: decision.principal }];
    try {
      await this.call('PutRow', 'write', () =>
        this.client.putRow({
          tableName: this.names.approvals,
          condition: condition(Exist.EXPECT_NOT_EXIST),
          primaryKey: key,
          attributeColumns: [{ at: long(decision.at) }, { data: checkValue('approval decision', JSON.stringify(decision)) }],
        }),
      );
      return { created: true, decision };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const { row } = await this.call('GetRow', 'read', () => this.client.getRow({ tableName: this.names.approvals, primaryKey: key, maxVersions: 1 }));
    const stored = stringValue(attributes(row).get('data'));
    return { created: false, decision: stored ? (JSON.parse(stored) as ApprovalDecision) : decision };
  }

  async listApprovalDecisions(executionId: string, gateSeq: number): Promise<ApprovalDecision[]> {
    await this.ensureTables();
    const rows = await this.rangeAll(
      this.names.approvals,
      [{ executionId }, { gateSeq: long(gateSeq) }, { principal: TableStore.INF_MIN }],
      [{ executionId }, { gateSeq: long(gateSeq) }, { principal: TableStore.INF_MAX }],
    );
    const decisions = rows.map((r) => parseJson<ApprovalDecision>(stringValue(attributes(r).get('data')), 'decision data'));
    return decisions.sort((a, b) => a.at - b.at || (a.principal < b.principal ? -1 : a.principal > b.principal ? 1 : 0));
  }

  private async rangeAll(tableName: string, from: PrimaryKeyInput, to: PrimaryKeyInput): Promise<Row[]> {
    const out: Row[] = [];
    let start: PrimaryKeyInput | null = from;
    while (start) {
      const startKey: PrimaryKeyInput = start;
      const res = await this.call('GetRange', 'read', () =>
        this.client.getRange({ tableName, direction: 'FORWARD', inclusiveStartPrimaryKey: startKey, exclusiveEndPrimaryKey: to, limit: GET_RANGE_MAX, maxVersions: 1 }),
      );
      out.push(...res.rows);
      start = res.nextStartPrimaryKey ? res.nextStartPrimaryKey.map((p) => ({ [p.name]: p.value })) : null;
    }
    return out;
  }

  async tryLock(lock: LockRecord, now: number): Promise<{ acquired: boolean; holder: LockRecord }> {
    await this.ensureTables();
    const key = [{ resource: lock.resource }];
    const columns = [{ owner: lock.owner }, { until: long(lock.until) }];
    // Free, or held by the same owner, or lapsed. Two conditional puts rather than one IGNORE put
    // with passIfMissing, whose result on an absent row the docs do not state (UNCONFIRMED).
    const renewable = new TableStore.CompositeCondition(Logic.OR);
    renewable.addSubCondition(new TableStore.SingleColumnCondition('owner', lock.owner, Cmp.EQUAL, false));
    renewable.addSubCondition(new TableStore.SingleColumnCondition('until', long(now), Cmp.LESS_EQUAL, false));
    for (let round = 0; round < 3; round += 1) {
      for (const cond of [condition(Exist.EXPECT_NOT_EXIST), condition(Exist.EXPECT_EXIST, renewable)]) {
        if (await this.conditionalPut(this.names.locks, key, columns, cond)) {
          return { acquired: true, holder: { resource: lock.resource, owner: lock.owner, until: lock.until } };
        }
      }
      const holder = await this.getLock(lock.resource);
      // Released between our two puts: try again.
      if (holder) return { acquired: false, holder };
    }
    return { acquired: false, holder: (await this.getLock(lock.resource)) ?? lock };
  }

  /** A PutRow under a condition: true when written, false when the condition failed. */
  private async conditionalPut(tableName: string, primaryKey: PrimaryKeyInput, attributeColumns: ColumnInput[], cond: ReturnType<typeof condition>): Promise<boolean> {
    try {
      await this.call('PutRow', 'write', () => this.client.putRow({ tableName, condition: cond, primaryKey, attributeColumns }));
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async releaseLock(resource: string, owner: string): Promise<boolean> {
    await this.ensureTables();
    try {
      await this.call('DeleteRow', 'write', () =>
        this.client.deleteRow({
          tableName: this.names.locks,
          condition: condition(Exist.EXPECT_EXIST, new TableStore.SingleColumnCondition('owner', owner, Cmp.EQUAL, false)),
          primaryKey: [{ resource }],
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async getLock(resource: string): Promise<LockRecord | null> {
    await this.ensureTables();
    const { row } = await this.call('GetRow', 'read', () => this.client.getRow({ tableName: this.names.locks, primaryKey: [{ resource }], maxVersions: 1 }));
    if (!rowExists(row)) return null;
    const cols = attributes(row);
    return { resource, owner: stringValue(cols.get('owner')) ?? '', until: intValue(cols.get('until')) ?? 0 };
  }

  async putToken(token: TokenRecord): Promise<void> {
    await this.ensureTables();
    try {
      await this.call('PutRow', 'write', () =>
        this.client.putRow({
          tableName: this.names.tokens,
          condition: condition(Exist.EXPECT_NOT_EXIST),
          primaryKey: [{ hash: token.hash }],
          attributeColumns: [{ data: checkValue('token', JSON.stringify(token)) }],
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError('a token with this hash already exists', { code: 'TokenExists', cause: err });
      throw err;
    }
  }

  async getToken(hash: string): Promise<TokenRecord | null> {
    await this.ensureTables();
    const { row } = await this.call('GetRow', 'read', () => this.client.getRow({ tableName: this.names.tokens, primaryKey: [{ hash }], maxVersions: 1 }));
    const data = stringValue(attributes(row).get('data'));
    return data ? (JSON.parse(data) as TokenRecord) : null;
  }

  async deleteToken(hash: string): Promise<boolean> {
    await this.ensureTables();
    try {
      await this.call('DeleteRow', 'write', () =>
        this.client.deleteRow({ tableName: this.names.tokens, condition: condition(Exist.EXPECT_EXIST), primaryKey: [{ hash }] }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async listTokens(): Promise<TokenRecord[]> {
    await this.ensureTables();
    const rows = await this.rangeAll(this.names.tokens, [{ hash: TableStore.INF_MIN }], [{ hash: TableStore.INF_MAX }]);
    return rows.map((r) => parseJson<TokenRecord>(stringValue(attributes(r).get('data')), 'token data'));
  }

  async claimIdempotencyKey(record: IdempotencyRecord, now: number): Promise<{ created: boolean; record: IdempotencyRecord }> {
    await this.ensureTables();
    const key = [{ key: record.key }];
    const columns = [{ expiresAt: long(record.expiresAt) }, { data: checkValue('idempotency record', JSON.stringify(record)) }];
    // Absent, or present and expired (two puts: see tryLock).
    const expired = condition(Exist.EXPECT_EXIST, new TableStore.SingleColumnCondition('expiresAt', long(now), Cmp.LESS_EQUAL, false));
    for (const cond of [condition(Exist.EXPECT_NOT_EXIST), expired]) {
      if (await this.conditionalPut(this.names.idempotency, key, columns, cond)) return { created: true, record };
    }
    const { row } = await this.call('GetRow', 'read', () => this.client.getRow({ tableName: this.names.idempotency, primaryKey: key, maxVersions: 1 }));
    const data = stringValue(attributes(row).get('data'));
    return { created: false, record: data ? (JSON.parse(data) as IdempotencyRecord) : record };
  }

  // ---- health audit (issue 7) ------------------------------------------------------------------

  async putAuditRun(run: AuditRunRecord): Promise<void> {
    await this.ensureTables();
    await this.call('PutRow', 'write', () =>
      this.client.putRow({
        tableName: this.names.audit_runs,
        condition: ignore(),
        primaryKey: [{ runId: run.runId }],
        attributeColumns: [{ data: checkValue(`audit run ${run.runId}`, JSON.stringify(run)) }],
      }),
    );
  }

  async getAuditRun(runId: string): Promise<AuditRunRecord | null> {
    await this.ensureTables();
    const { row } = await this.call('GetRow', 'read', () => this.client.getRow({ tableName: this.names.audit_runs, primaryKey: [{ runId }], maxVersions: 1 }));
    const data = stringValue(attributes(row).get('data'));
    return data ? (JSON.parse(data) as AuditRunRecord) : null;
  }

  async listAuditRuns(page: PageRequest): Promise<Page<AuditRunRecord>> {
    await this.ensureTables();
    const limit = Math.min(Math.max(1, Math.floor(page.limit)), GET_RANGE_MAX - 1);
    // Newest first = run ids descending; the inclusive start row (the cursor) is skipped.
    let start: PrimaryKeyInput = [{ runId: page.cursor ? page.cursor : TableStore.INF_MAX }];
    const found: AuditRunRecord[] = [];
    for (;;) {
      const startKey = start;
      const res = await this.call('GetRange', 'read', () =>
        this.client.getRange({
          tableName: this.names.audit_runs,
          direction: 'BACKWARD',
          inclusiveStartPrimaryKey: startKey,
          exclusiveEndPrimaryKey: [{ runId: TableStore.INF_MIN }],
          limit: limit + 2 - found.length,
          maxVersions: 1,
        }),
      );
      for (const r of res.rows) {
        const run = parseJson<AuditRunRecord>(stringValue(attributes(r).get('data')), 'audit run data');
        if (page.cursor && run.runId >= page.cursor) continue;
        found.push(run);
      }
      if (found.length > limit || !res.nextStartPrimaryKey) break;
      start = res.nextStartPrimaryKey.map((p) => ({ [p.name]: p.value }));
    }
    const items = found.slice(0, limit);
    const last = items[items.length - 1];
    return { items, cursor: found.length > limit && last ? last.runId : null };
  }

  async putAuditFindings(findings: AuditFindingRecord[]): Promise<void> {
    if (findings.length === 0) return;
    await this.ensureTables();
    let batch: BatchRow[] = [];
    let bytes = 0;
    const flush = async (): Promise<void> => {
      let pending = batch;
      batch = [];
      bytes = 0;
      // Idempotent PUTs: rows the service did not apply are sent again.
      for (let attempt = 1; pending.length > 0; attempt += 1) {
        const rows = pending;
        const result = await this.call('BatchWriteRow', 'write', () => this.client.batchWriteRow({ tables: [{ tableName: this.names.audit_findings, rows }] }));
        const results = result.tables.filter((r) => r.tableName === this.names.audit_findings);
        const failed = rows.filter((_, i) => !results[i]?.isOk);
        if (failed.length === 0) return;
        if (attempt >= this.retry.attempts) {
          const first = results.find((r) => !r.isOk);
          throw transient(`Tablestore audit findings: ${failed.length} rows failed (${first?.errorCode}: ${first?.errorMessage})`, first?.errorCode ?? 'BatchWriteRowFailed');
        }
        pending = failed;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1))));
      }
    };
    for (const f of findings) {
      const json = checkValue(`audit finding ${f.key}`, JSON.stringify(f));
      const size = byteLength(json) + byteLength(f.key) + 64;
      if (batch.length >= MAX_BATCH_WRITE || bytes + size > MAX_WRITE_BYTES) await flush();
      batch.push({ type: 'PUT', condition: ignore(), primaryKey: [{ key: f.key }], attributeColumns: [{ status: f.status }, { data: json }] });
      bytes += size;
    }
    await flush();
  }

  async getAuditFindings(keys: string[]): Promise<AuditFindingRecord[]> {
    await this.ensureTables();
    const unique = [...new Set(keys)].sort();
    const out: AuditFindingRecord[] = [];
    for (let i = 0; i < unique.length; i += MAX_BATCH_GET) {
      const chunk = unique.slice(i, i + MAX_BATCH_GET);
      const res = await this.call('BatchGetRow', 'read', () =>
        this.client.batchGetRow({ tables: [{ tableName: this.names.audit_findings, primaryKey: chunk.map((key) => [{ key }]), columnsToGet: ['data'], maxVersions: 1 }] }),
      );
      for (const r of res.tables[0] ?? []) {
        if (!r.isOk) throw transient(`Tablestore BatchGetRow row failed: ${r.errorCode}: ${r.errorMessage}`, r.errorCode ?? 'BatchGetRowFailed');
        if (!r.primaryKey) continue;
        const data = stringValue(attributes({ attributes: r.attributes ?? [] }).get('data'));
        if (data) out.push(JSON.parse(data) as AuditFindingRecord);
      }
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async listAuditFindings(filter: AuditFindingFilter, page: PageRequest): Promise<Page<AuditFindingRecord>> {
    await this.ensureTables();
    const limit = Math.min(Math.max(1, Math.floor(page.limit)), GET_RANGE_MAX - 1);
    const columnFilter = filter.status ? new TableStore.SingleColumnCondition('status', filter.status, Cmp.EQUAL, false) : undefined;
    // Key order; the inclusive start row (the cursor) is skipped.
    let start: PrimaryKeyInput = [{ key: page.cursor ? page.cursor : TableStore.INF_MIN }];
    const found: AuditFindingRecord[] = [];
    for (;;) {
      const startKey = start;
      const res = await this.call('GetRange', 'read', () =>
        this.client.getRange({
          tableName: this.names.audit_findings,
          direction: 'FORWARD',
          inclusiveStartPrimaryKey: startKey,
          exclusiveEndPrimaryKey: [{ key: TableStore.INF_MAX }],
          limit: limit + 2 - found.length,
          maxVersions: 1,
          ...(columnFilter ? { columnFilter } : {}),
        }),
      );
      for (const r of res.rows) {
        const rec = parseJson<AuditFindingRecord>(stringValue(attributes(r).get('data')), 'audit finding data');
        if (page.cursor && rec.key <= page.cursor) continue;
        found.push(rec);
      }
      if (found.length > limit || !res.nextStartPrimaryKey) break;
      start = res.nextStartPrimaryKey.map((p) => ({ [p.name]: p.value }));
    }
    const items = found.slice(0, limit);
    const last = items[items.length - 1];
    return { items, cursor: found.length > limit && last ? last.key : null };
  }

  async close(): Promise<void> {
    // The SDK keeps no per-client resources (it uses Node's global HTTP agent).
  }
}

/** Pages through one shard of the due table for `listDue`. */
class DueScan {
  private buffer: DueCandidate[] = [];
  private next: PrimaryKeyInput | null;
  private done = false;

  constructor(
    private readonly store: TablestoreStore,
    private readonly shard: number,
    private readonly now: number,
    private readonly pageSize: number,
  ) {
    this.next = [{ shard: long(shard) }, { nextRunAt: TableStore.INF_MIN }, { executionId: TableStore.INF_MIN }];
  }

  async fill(): Promise<void> {
    while (this.buffer.length === 0 && !this.done && this.next) {
      const page = await this.store.dueRange(this.shard, this.next, this.now, this.pageSize);
      this.buffer = page.rows;
      this.next = page.next;
      if (!page.next) this.done = true;
    }
  }

  head(): DueCandidate | undefined {
    return this.buffer[0];
  }

  take(): DueCandidate | undefined {
    return this.buffer.shift();
  }
}

/** Reads the Tablestore settings from the environment (`XCFLOW_STORE=tablestore`). */
export function tablestoreOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): TablestoreStoreOptions {
  const need = (name: string, value: string | undefined): string => {
    if (!value) throw new ValidationError(`${name} must be set when XCFLOW_STORE=tablestore`, { code: 'MissingConfig', field: name });
    return value;
  };
  const accessKeyId = env.TABLESTORE_ACCESS_KEY_ID ?? env.ALIBABA_CLOUD_ACCESS_KEY_ID;
  const accessKeySecret = env.TABLESTORE_ACCESS_KEY_SECRET ?? env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
  const securityToken = env.TABLESTORE_SECURITY_TOKEN ?? env.ALIBABA_CLOUD_SECURITY_TOKEN;
  const shards = env.TABLESTORE_DUE_SHARDS ? Number(env.TABLESTORE_DUE_SHARDS) : undefined;
  if (shards !== undefined && (!Number.isInteger(shards) || shards < 1 || shards > 256)) {
    throw new ValidationError('TABLESTORE_DUE_SHARDS must be an integer from 1 to 256', { code: 'InvalidConfig', field: 'TABLESTORE_DUE_SHARDS' });
  }
  return {
    endpoint: need('TABLESTORE_ENDPOINT', env.TABLESTORE_ENDPOINT),
    instanceName: need('TABLESTORE_INSTANCE', env.TABLESTORE_INSTANCE),
    accessKeyId: need('TABLESTORE_ACCESS_KEY_ID or ALIBABA_CLOUD_ACCESS_KEY_ID', accessKeyId),
    accessKeySecret: need('TABLESTORE_ACCESS_KEY_SECRET or ALIBABA_CLOUD_ACCESS_KEY_SECRET', accessKeySecret),
    ...(securityToken ? { securityToken } : {}),
    ...(env.TABLESTORE_TABLE_PREFIX ? { tablePrefix: env.TABLESTORE_TABLE_PREFIX } : {}),
    ...(shards !== undefined ? { dueShards: shards } : {}),
    ...(env.TABLESTORE_CREATE_TABLES === '0' || env.TABLESTORE_CREATE_TABLES === 'false' ? { createTables: false } : {}),
  };
}

/**
 * Creates the Tablestore backend. With no options, reads them from the environment:
 * `TABLESTORE_ENDPOINT`, `TABLESTORE_INSTANCE`, credentials from `TABLESTORE_ACCESS_KEY_ID` /
 * `TABLESTORE_ACCESS_KEY_SECRET` / `TABLESTORE_SECURITY_TOKEN` or FC's role credentials
 * `ALIBABA_CLOUD_ACCESS_KEY_ID` / `_SECRET` / `_SECURITY_TOKEN`; optional
 * `TABLESTORE_TABLE_PREFIX`, `TABLESTORE_DUE_SHARDS`, `TABLESTORE_CREATE_TABLES=0`.
 * @throws ValidationError `MissingConfig` when a required setting is absent.
 */
export function createTablestoreStore(opts: TablestoreStoreOptions = tablestoreOptionsFromEnv()): TablestoreStore {
  return new TablestoreStore(opts);
}

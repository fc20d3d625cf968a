/**
 * One Tablestore instance of the stand-in: the table and row operations, one method per wire
 * operation (decoded request in, plain response object out, `OtsError` for service errors), in the
 * manner of moto's `responses.py` over `models.py`. Requests run one at a time to completion, so
 * each row operation is atomic; BatchWriteRow applies its rows one by one and is not atomic.
 */
import { PlainBufferError, decodeRow, encodeRow, encodeRows, encodedRowSize, type Cell, type PlainRow } from './plainbuffer.ts';
import {
  Direction,
  OperationType,
  PkType as PkTypeEnum,
  ReturnType,
  RowExistence,
  type BatchGetRowRequest,
  type BatchWriteRowRequest,
  type ConditionMsg,
  type CreateTableRequest,
  type GetRangeRequest,
  type GetRowRequest,
  type ReturnContentMsg,
  type TableNameRequest,
  type WriteRowRequest,
} from './protocol.ts';
import {
  LIMITS,
  OtsError,
  Table,
  applyUpdate,
  capacityUnits,
  checkCells,
  checkCondition,
  checkTableName,
  comparePk,
  invalid,
  project,
  readSpec,
  rowFromPut,
  tableNotExist,
  toPlainRow,
  type PkSchema,
  type PkType,
  type StoredPk,
  type StoredRow,
} from './tables.ts';

/** Options of one stand-in instance. */
export interface InstanceOptions {
  /** Milliseconds since the epoch for cell timestamps, TTL and auto-increment values. */
  now: () => number;
  /**
   * How many data requests on a newly created table fail with `OTSTableNotReady` before it serves
   * (the real service takes a moment after CreateTable). 0 by default.
   */
  tableNotReadyRequests: number;
}

type Consumed = { capacityUnit: { read: number; write: number } };

function consumed(read: number, write: number): Consumed {
  return { capacityUnit: { read, write } };
}

function decodePlain(bytes: Uint8Array | undefined, what: string): PlainRow {
  if (!bytes || bytes.length === 0) throw invalid(`The ${what} is missing.`);
  try {
    return decodeRow(Buffer.from(bytes));
  } catch (e) {
    if (e instanceof PlainBufferError) throw invalid(`Invalid ${what}: ${e.message}.`);
    throw e;
  }
}

const PK_TYPES: Record<number, PkType> = { [PkTypeEnum.INTEGER]: 'INTEGER', [PkTypeEnum.STRING]: 'STRING', [PkTypeEnum.BINARY]: 'BINARY' };
const PK_TYPE_NUMBERS: Record<PkType, number> = { INTEGER: PkTypeEnum.INTEGER, STRING: PkTypeEnum.STRING, BINARY: PkTypeEnum.BINARY };

/** One decoded single-row write, as PutRow/UpdateRow/DeleteRow and BatchWriteRow rows carry it. */
interface RowWrite {
  kind: 'put' | 'update' | 'delete';
  row: PlainRow;
  condition: ConditionMsg;
  returnContent?: ReturnContentMsg;
}

/** The tables and operations of one instance. */
export class TablestoreInstance {
  private readonly tables = new Map<string, Table>();

  constructor(private readonly opts: InstanceOptions) {}

  /** Names and row counts, for tests that inspect the stand-in. */
  inspect(): Record<string, number> {
    return Object.fromEntries([...this.tables].map(([name, t]) => [name, t.rows.length]));
  }

  private table(name: string | undefined, data: boolean): Table {
    if (!name) throw invalid('The table name is missing.');
    const t = this.tables.get(name);
    if (!t) throw tableNotExist();
    if (data && t.notReadyLeft > 0) {
      t.notReadyLeft -= 1;
      // UNCONFIRMED: the HTTP status the service pairs with OTSTableNotReady.
      throw new OtsError(404, 'OTSTableNotReady', 'The table is not ready.');
    }
    return t;
  }

  createTable(req: CreateTableRequest): Record<string, unknown> {
    const name = req.tableMeta.tableName;
    checkTableName(name);
    if (this.tables.has(name)) throw new OtsError(409, 'OTSObjectAlreadyExist', 'Requested table already exists.');
    if (this.tables.size >= LIMITS.tablesPerInstance) throw new OtsError(403, 'OTSQuotaExhausted', 'Number of tables exceeded the quota.');
    const pks = req.tableMeta.primaryKey ?? [];
    if (pks.length < LIMITS.pkColumnsMin || pks.length > LIMITS.pkColumnsMax) {
      throw invalid(`The number of primary key columns must be in range: [${LIMITS.pkColumnsMin}, ${LIMITS.pkColumnsMax}].`);
    }
    const schema: PkSchema[] = pks.map((p, i) => {
      checkTableName(p.name);
      const type = PK_TYPES[p.type];
      if (!type) throw invalid(`${p.type} is an invalid type for the primary key.`);
      const autoIncrement = p.option === 1;
      if (autoIncrement && (type !== 'INTEGER' || i === 0)) throw invalid('The auto-increment primary key must be an INTEGER column other than the partition key.');
      return { name: p.name, type, autoIncrement };
    });
    const duplicate = schema.find((s, i) => schema.findIndex((o) => o.name === s.name) !== i);
    if (duplicate) throw invalid(`Duplicated primary key name: '${duplicate.name}'.`);
    if (schema.filter((s) => s.autoIncrement).length > 1) throw invalid('At most one auto-increment primary key column is allowed.');
    const o = req.tableOptions ?? {};
    const timeToLive = o.timeToLive ?? -1;
    if (timeToLive !== -1 && timeToLive < LIMITS.minTtlSeconds) throw invalid(`TimeToLive must be -1 or at least ${LIMITS.minTtlSeconds}.`);
    const maxVersions = o.maxVersions ?? 1;
    if (maxVersions < 1) throw invalid('MaxVersions must be positive.');
    const cu = req.reservedThroughput.capacityUnit;
    if ((cu.read ?? 0) < 0 || (cu.write ?? 0) < 0) throw invalid('Reserved capacity units must not be negative.');
    const options = { timeToLive, maxVersions, deviationCellVersionInSec: o.deviationCellVersionInSec ?? 86400, allowUpdate: o.allowUpdate ?? true };
    this.tables.set(name, new Table(name, schema, options, { read: cu.read ?? 0, write: cu.write ?? 0 }, this.opts.now(), this.opts.tableNotReadyRequests));
    return {};
  }

  listTable(): Record<string, unknown> {
    return { tableNames: [...this.tables.keys()].sort() };
  }

  describeTable(req: TableNameRequest): Record<string, unknown> {
    const t = this.table(req.tableName, false);
    return {
      tableMeta: {
        tableName: t.name,
        primaryKey: t.schema.map((s) => ({ name: s.name, type: PK_TYPE_NUMBERS[s.type], ...(s.autoIncrement ? { option: 1 } : {}) })),
      },
      reservedThroughputDetails: { capacityUnit: { read: t.reserved.read, write: t.reserved.write }, lastIncreaseTime: Math.floor(t.createdAt / 1000) },
      tableOptions: { ...t.options },
      tableStatus: t.notReadyLeft > 0 ? 3 : 1,
    };
  }

  deleteTable(req: TableNameRequest): Record<string, unknown> {
    this.table(req.tableName, false);
    this.tables.delete(req.tableName);
    return {};
  }

  getRow(req: GetRowRequest): Record<string, unknown> {
    const t = this.table(req.tableName, true);
    const spec = readSpec(req);
    const pk = t.checkPk(decodePlain(req.primaryKey, 'primary key').primaryKey, 'exact') as StoredPk[];
    const row = t.get(pk, this.opts.now());
    const out = row ? project(t, row, spec) : undefined;
    const bytes = out ? encodeRow(out) : Buffer.alloc(0);
    return { consumed: consumed(capacityUnits(bytes.length), 0), row: bytes };
  }

  putRow(req: WriteRowRequest): Record<string, unknown> {
    const t = this.table(req.tableName, true);
    return this.write(t, { kind: 'put', row: decodePlain(req.row, 'row'), condition: req.condition, returnContent: req.returnContent });
  }

  updateRow(req: WriteRowRequest): Record<string, unknown> {
    const t = this.table(req.tableName, true);
    return this.write(t, { kind: 'update', row: decodePlain(req.rowChange, 'row change'), condition: req.condition, returnContent: req.returnContent });
  }

  deleteRow(req: WriteRowRequest): Record<string, unknown> {
    const t = this.table(req.tableName, true);
    return this.write(t, { kind: 'delete', row: decodePlain(req.primaryKey, 'primary key'), condition: req.condition, returnContent: req.returnContent });
  }

  /** Checks and applies one row write; returns the row response (`consumed`, optional `row`). */
  private write(t: Table, w: RowWrite): { consumed: Consumed; row?: Buffer } {
    const now = this.opts.now();
    if (w.kind !== 'delete' && w.row.deleteMarker) throw invalid('A delete marker is only allowed in DeleteRow.');
    const checked = t.checkPk(w.row.primaryKey, w.kind === 'put' ? 'put' : 'exact');
    if (w.kind === 'put') checkCells(t, w.row.cells, 'put');
    if (w.kind === 'update') {
      if (w.row.cells.length === 0) throw invalid('No attribute column is specified in UpdateRow.');
      checkCells(t, w.row.cells, 'update');
    }
    if (w.kind === 'delete' && w.row.cells.length > 0) throw invalid('DeleteRow must not carry attribute columns.');
    const hasAutoIncrement = checked.some((v) => v.t === 'auto_incr');
    if (hasAutoIncrement && w.condition.rowExistence !== RowExistence.IGNORE) {
      throw invalid('The row existence expectation must be IGNORE when writing an auto-increment primary key.');
    }
    const pk = t.resolveAutoIncrement(checked, now);
    const current = t.get(pk, now);
    checkCondition(w.condition, current, t);
    let after: StoredRow | undefined;
    switch (w.kind) {
      case 'put':
        after = rowFromPut(pk, w.row.cells, now);
        t.put(after);
        break;
      case 'update':
        after = applyUpdate(current, pk, w.row.cells, now);
        t.put(after);
        break;
      case 'delete':
        t.remove(pk);
        break;
    }
    const size = w.row.cells.reduce((n, c: Cell) => n + Buffer.byteLength(c.name) + 8, 0);
    const result: { consumed: Consumed; row?: Buffer } = { consumed: consumed(0, capacityUnits(size)) };
    const rt = w.returnContent?.returnType ?? ReturnType.NONE;
    if (rt === ReturnType.PK) {
      result.row = encodeRow(toPlainRow(t, { pk, cells: new Map() }));
    } else if (rt === ReturnType.AFTER_MODIFY && after) {
      result.row = encodeRow(toPlainRow(t, after, w.returnContent?.returnColumnNames ?? []));
    }
    return result;
  }

  getRange(req: GetRangeRequest): Record<string, unknown> {
    const t = this.table(req.tableName, true);
    const spec = readSpec(req);
    const start = t.checkPk(decodePlain(req.inclusiveStartPrimaryKey, 'inclusive start primary key').primaryKey, 'range');
    const end = t.checkPk(decodePlain(req.exclusiveEndPrimaryKey, 'exclusive end primary key').primaryKey, 'range');
    const forward = req.direction === Direction.FORWARD;
    if (!forward && req.direction !== Direction.BACKWARD) throw invalid(`Invalid direction: ${req.direction}.`);
    const order = comparePk(start, end);
    // Messages as the service words them (aliyun-tablestore-python-sdk tests/row_op_test.py).
    if (forward && order >= 0) throw invalid('Begin key must less than end key in FORWARD');
    if (!forward && order <= 0) throw invalid('Begin key must more than end key in BACKWARD');
    if (req.limit !== undefined && req.limit <= 0) throw invalid(`Invalid limit: ${req.limit}.`);
    const limit = Math.min(req.limit ?? LIMITS.getRangeRows, LIMITS.getRangeRows);

    const now = this.opts.now();
    const out: PlainRow[] = [];
    let bytes = 0;
    let scanned = 0;
    const lb = t.lowerBound(start);
    let i = forward ? lb.index : lb.found ? lb.index : lb.index - 1;
    const inRange = (row: StoredRow): boolean => (forward ? comparePk(row.pk, end) < 0 : comparePk(row.pk, end) > 0);
    let next: StoredPk[] | undefined;
    for (; i >= 0 && i < t.rows.length; i += forward ? 1 : -1) {
      const row = t.rows[i] as StoredRow;
      if (!inRange(row)) break;
      // The real caps: at most `limit` (≤ 5000) rows and 4 MB per response, and no more than
      // 5000 rows scanned when a filter drops some; the rest is reached from next_start_primary_key.
      if (out.length >= limit || scanned >= LIMITS.getRangeRows) {
        next = row.pk;
        break;
      }
      scanned += 1;
      const live = t.visible(row, now);
      const p = live ? project(t, live, spec) : undefined;
      if (!p) continue;
      const size = encodedRowSize(p);
      if (out.length > 0 && bytes + size > LIMITS.getRangeBytes) {
        next = row.pk;
        break;
      }
      bytes += size;
      out.push(p);
    }
    const rows = encodeRows(out);
    return {
      consumed: consumed(capacityUnits(rows.length), 0),
      rows,
      ...(next ? { nextStartPrimaryKey: encodeRow(toPlainRow(t, { pk: next, cells: new Map() })) } : {}),
    };
  }

  batchGetRow(req: BatchGetRowRequest): Record<string, unknown> {
    const tables = req.tables ?? [];
    const total = tables.reduce((n, x) => n + (x.primaryKey?.length ?? 0), 0);
    if (tables.length === 0) throw invalid('No row specified in the request of BatchGetRow.');
    if (total > LIMITS.batchGetRows) throw invalid(`Rows count exceeds the upper limit: ${LIMITS.batchGetRows}.`);
    if (new Set(tables.map((x) => x.tableName)).size !== tables.length) throw invalid('Duplicated table name in BatchGetRow.');
    const now = this.opts.now();
    return {
      tables: tables.map((x) => {
        const spec = readSpec(x);
        const keys = (x.primaryKey ?? []).map((b) => decodePlain(b, 'primary key'));
        let t: Table | undefined;
        let tableError: OtsError | undefined;
        try {
          t = this.table(x.tableName, true);
        } catch (e) {
          if (!(e instanceof OtsError)) throw e;
          tableError = e;
        }
        return {
          tableName: x.tableName,
          rows: keys.map((k) => {
            if (!t) return { isOk: false, error: { code: tableError?.code, message: tableError?.message } };
            try {
              const row = t.get(t.checkPk(k.primaryKey, 'exact') as StoredPk[], now);
              const p = row ? project(t, row, spec) : undefined;
              const bytes = p ? encodeRow(p) : Buffer.alloc(0);
              return { isOk: true, consumed: consumed(capacityUnits(bytes.length), 0), row: bytes };
            } catch (e) {
              if (!(e instanceof OtsError)) throw e;
              return { isOk: false, error: { code: e.code, message: e.message } };
            }
          }),
        };
      }),
    };
  }

  batchWriteRow(req: BatchWriteRowRequest): Record<string, unknown> {
    const tables = req.tables ?? [];
    const total = tables.reduce((n, x) => n + (x.rows?.length ?? 0), 0);
    if (tables.length === 0) throw invalid('No row is specified in BatchWriteRow.');
    const empty = tables.find((x) => (x.rows?.length ?? 0) === 0);
    if (empty) throw invalid(`No operation is specified for table: '${empty.tableName}'.`);
    if (total > LIMITS.batchWriteRows) throw invalid(`Rows count exceeds the upper limit: ${LIMITS.batchWriteRows}.`);
    if (new Set(tables.map((x) => x.tableName)).size !== tables.length) throw invalid('Duplicated table name in BatchWriteRow.');
    // Decode everything first: a malformed row fails the whole request, like the service.
    const decoded = tables.map((x) => ({
      tableName: x.tableName,
      rows: (x.rows ?? []).map((r): RowWrite => {
        const kind = r.type === OperationType.PUT ? 'put' : r.type === OperationType.UPDATE ? 'update' : r.type === OperationType.DELETE ? 'delete' : undefined;
        if (!kind) throw invalid(`Invalid operation type: ${r.type}.`);
        const row = decodePlain(r.rowChange, 'row change');
        if (kind === 'put' && row.cells.length === 0) throw invalid('Attribute column is missing.');
        return { kind, row, condition: r.condition, returnContent: r.returnContent };
      }),
    }));
    for (const x of decoded) {
      const keys = new Set(x.rows.map((r) => JSON.stringify(r.row.primaryKey, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))));
      if (keys.size !== x.rows.length) throw invalid('The input parameter is invalid: the same row appears more than once in BatchWriteRow.');
    }
    return {
      tables: decoded.map((x) => {
        let t: Table | undefined;
        let tableError: OtsError | undefined;
        try {
          t = this.table(x.tableName, true);
        } catch (e) {
          if (!(e instanceof OtsError)) throw e;
          tableError = e;
        }
        return {
          tableName: x.tableName,
          rows: x.rows.map((w) => {
            if (!t) return { isOk: false, error: { code: tableError?.code, message: tableError?.message } };
            try {
              return { isOk: true, ...this.write(t, w) };
            } catch (e) {
              if (!(e instanceof OtsError)) throw e;
              return { isOk: false, error: { code: e.code, message: e.message } };
            }
          }),
        };
      }),
    };
  }
}

/**
 * The in-memory model behind the Tablestore stand-in: tables with a primary-key schema, rows kept
 * sorted by primary key, conditions, and the row operations with the real service's rules and
 * limits (general-limits-of-tablestore). It speaks decoded PlainBuffer rows; `server.ts` does HTTP,
 * protobuf and signatures. One version per cell is kept (max_versions is accepted but not honoured).
 */
import { decodeVariant, type Cell, type CellValue, type PkColumn, type PkValue, type PlainRow } from './plainbuffer.ts';
import {
  Comparator,
  FilterType,
  Logical,
  RowExistence,
  decodeMessage,
  type ColumnPaginationFilterMsg,
  type CompositeColumnValueFilterMsg,
  type ConditionMsg,
  type FilterMsg,
  type SingleColumnValueFilterMsg,
  type TimeRangeMsg,
} from './protocol.ts';

/** A service error as Tablestore returns it: HTTP status + protobuf `Error{code, message}`. */
export class OtsError extends Error {
  override readonly name = 'OtsError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** `OTSParameterInvalid` (400), the service's answer to any malformed or out-of-limit request. */
export function invalid(message: string): OtsError {
  return new OtsError(400, 'OTSParameterInvalid', message);
}

/** `OTSInvalidPK` (400): a primary key that does not match the table's schema. */
export function invalidPk(message: string): OtsError {
  return new OtsError(400, 'OTSInvalidPK', message);
}

/** `OTSConditionCheckFail` (403) with the service's exact message. */
export function conditionFailed(): OtsError {
  return new OtsError(403, 'OTSConditionCheckFail', 'Condition check failed.');
}

/** `OTSObjectNotExist` (404) for a table that does not exist. */
export function tableNotExist(): OtsError {
  return new OtsError(404, 'OTSObjectNotExist', 'Requested table does not exist.');
}

// Limits from alibabacloud.com/help/en/tablestore/general-limits-of-tablestore.
export const LIMITS = {
  pkColumnsMin: 1,
  pkColumnsMax: 4,
  pkStringBytes: 1024,
  attributeValueBytes: 2 * 1024 * 1024,
  columnsPerWrite: 1024,
  getRangeRows: 5000,
  getRangeBytes: 4 * 1024 * 1024,
  batchWriteRows: 200,
  batchGetRows: 100,
  columnsToGet: 128,
  tablesPerInstance: 64,
  minTtlSeconds: 86400,
} as const;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,254}$/;
const VARIANT_NAMES: Record<string, string> = { int: 'VT_INTEGER', string: 'VT_STRING', binary: 'VT_BLOB', double: 'VT_DOUBLE', bool: 'VT_BOOLEAN' };
/** Column conditions per write, and (UNCONFIRMED) per read filter: "up to 10" (conditional-update docs). */
const MAX_COLUMN_CONDITIONS = 10;

/** Primary-key column type as declared at CreateTable. */
export type PkType = 'INTEGER' | 'STRING' | 'BINARY';

export interface PkSchema {
  name: string;
  type: PkType;
  autoIncrement: boolean;
}

/** A concrete primary-key value of a stored row. */
export type StoredPk = Extract<PkValue, { t: 'int' | 'string' | 'binary' }>;

interface StoredCell {
  value: CellValue;
  ts: bigint;
}

/** A stored row: its key in schema order and one version per attribute column. */
export interface StoredRow {
  pk: StoredPk[];
  cells: Map<string, StoredCell>;
}

/** Table options as stored (CreateTable's `table_options`). */
export interface TableOptions {
  timeToLive: number;
  maxVersions: number;
  deviationCellVersionInSec: number;
  allowUpdate: boolean;
}

function valueRank(v: PkValue): number {
  return v.t === 'inf_min' ? 0 : v.t === 'inf_max' ? 2 : 1;
}

/** Orders two key values; both concrete values of one column share a type. */
function comparePkValue(a: PkValue, b: PkValue): number {
  const ra = valueRank(a);
  const rb = valueRank(b);
  if (ra !== rb || ra !== 1) return ra - rb;
  if (a.t === 'int' && b.t === 'int') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  // Strings order by their UTF-8 bytes, like the service, not by UTF-16 code units.
  const ab = a.t === 'string' ? Buffer.from(a.v, 'utf8') : a.t === 'binary' ? a.v : Buffer.alloc(0);
  const bb = b.t === 'string' ? Buffer.from(b.v, 'utf8') : b.t === 'binary' ? b.v : Buffer.alloc(0);
  return Buffer.compare(ab, bb);
}

/** Orders two keys column by column. */
export function comparePk(a: readonly PkValue[], b: readonly PkValue[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = comparePkValue(a[i] as PkValue, b[i] as PkValue);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function cellSize(name: string, v: CellValue): number {
  const base = Buffer.byteLength(name, 'utf8');
  switch (v.t) {
    case 'string':
      return base + Buffer.byteLength(v.v, 'utf8');
    case 'binary':
      return base + v.v.length;
    case 'bool':
      return base + 1;
    default:
      return base + 8;
  }
}

function sameType(a: CellValue, b: CellValue): boolean {
  return a.t === b.t;
}

function compareCell(a: CellValue, b: CellValue): number {
  if (a.t === 'int' && b.t === 'int') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if (a.t === 'double' && b.t === 'double') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0;
  if (a.t === 'bool' && b.t === 'bool') return Number(a.v) - Number(b.v);
  if (a.t === 'string' && b.t === 'string') return Buffer.compare(Buffer.from(a.v, 'utf8'), Buffer.from(b.v, 'utf8'));
  if (a.t === 'binary' && b.t === 'binary') return Buffer.compare(a.v, b.v);
  return 0;
}

/** Evaluates one comparator. Values of different types never compare equal or ordered (UNCONFIRMED: the service's rule for mixed INTEGER/DOUBLE). */
function compareWith(comparator: number, have: CellValue, want: CellValue): boolean {
  if (!sameType(have, want)) return comparator === Comparator.NOT_EQUAL;
  const c = compareCell(have, want);
  switch (comparator) {
    case Comparator.EQUAL:
      return c === 0;
    case Comparator.NOT_EQUAL:
      return c !== 0;
    case Comparator.GREATER_THAN:
      return c > 0;
    case Comparator.GREATER_EQUAL:
      return c >= 0;
    case Comparator.LESS_THAN:
      return c < 0;
    case Comparator.LESS_EQUAL:
      return c <= 0;
    default:
      throw invalid(`Invalid comparator type: ${comparator}.`);
  }
}

/** A parsed column filter: the condition/filter tree of filter.proto. */
export type ColumnFilter =
  | { kind: 'single'; comparator: number; column: string; value: CellValue; passIfMissing: boolean }
  | { kind: 'composite'; op: number; subs: ColumnFilter[] }
  | { kind: 'pagination'; offset: number; limit: number };

function decodeOrInvalid<T>(type: string, bytes: Uint8Array): T {
  try {
    return decodeMessage<T>(type, bytes);
  } catch (e) {
    throw invalid(`Invalid filter: ${(e as Error).message}`);
  }
}

/** Parses a serialized `filter.proto.Filter`, rejecting malformed trees with OTSParameterInvalid. */
export function parseFilter(bytes: Uint8Array): ColumnFilter {
  return parseFilterMsg(decodeOrInvalid<FilterMsg>('filter.proto.Filter', bytes), 0);
}

function parseFilterMsg(f: FilterMsg, depth: number): ColumnFilter {
  if (depth > 32) throw invalid('The depth of the filter is too deep.');
  switch (f.type) {
    case FilterType.SINGLE: {
      const s = decodeOrInvalid<SingleColumnValueFilterMsg>('filter.proto.SingleColumnValueFilter', f.filter);
      if (!NAME_RE.test(s.columnName)) throw invalid(`Invalid column name: '${s.columnName}'.`);
      let value: CellValue;
      try {
        value = decodeVariant(Buffer.from(s.columnValue));
      } catch (e) {
        throw invalid(`Invalid column value in condition: ${(e as Error).message}`);
      }
      if (s.comparator < Comparator.EQUAL || s.comparator > Comparator.LESS_EQUAL) throw invalid(`Invalid comparator type: ${s.comparator}.`);
      return { kind: 'single', comparator: s.comparator, column: s.columnName, value, passIfMissing: !s.filterIfMissing };
    }
    case FilterType.COMPOSITE: {
      const c = decodeOrInvalid<CompositeColumnValueFilterMsg>('filter.proto.CompositeColumnValueFilter', f.filter);
      const subs = (c.subFilters ?? []).map((sub) => parseFilterMsg(sub, depth + 1));
      if (c.combinator === Logical.NOT) {
        if (subs.length !== 1) throw invalid('The number of sub conditions of NOT must be 1.');
      } else if (c.combinator === Logical.AND || c.combinator === Logical.OR) {
        if (subs.length < 1) throw invalid('The composite condition must have at least one sub condition.');
      } else {
        throw invalid(`Invalid logical operator: ${c.combinator}.`);
      }
      if (subs.some((s) => s.kind === 'pagination')) throw invalid('ColumnPaginationFilter cannot be a sub condition.');
      return { kind: 'composite', op: c.combinator, subs };
    }
    case FilterType.PAGINATION: {
      const p = decodeOrInvalid<ColumnPaginationFilterMsg>('filter.proto.ColumnPaginationFilter', f.filter);
      if (p.offset < 0 || p.limit < 0) throw invalid('Offset and limit of ColumnPaginationFilter must not be negative.');
      return { kind: 'pagination', offset: p.offset, limit: p.limit };
    }
    default:
      throw invalid(`Invalid filter type: ${f.type}.`);
  }
}

/** Whether a row passes a column filter (pagination filters always pass here). */
export function rowMatches(filter: ColumnFilter, row: StoredRow | undefined, table: Table): boolean {
  switch (filter.kind) {
    case 'single': {
      // A condition may name a primary-key column too (conditional-update docs).
      const pkIndex = table.schema.findIndex((s) => s.name === filter.column);
      const pkValue = pkIndex >= 0 ? row?.pk[pkIndex] : undefined;
      const value = pkValue ?? row?.cells.get(filter.column)?.value;
      if (!value) return filter.passIfMissing;
      return compareWith(filter.comparator, value, filter.value);
    }
    case 'composite':
      if (filter.op === Logical.NOT) return !rowMatches(filter.subs[0] as ColumnFilter, row, table);
      if (filter.op === Logical.AND) return filter.subs.every((s) => rowMatches(s, row, table));
      return filter.subs.some((s) => rowMatches(s, row, table));
    case 'pagination':
      return true;
  }
}

function countSingles(filter: ColumnFilter): number {
  return filter.kind === 'single' ? 1 : filter.kind === 'composite' ? filter.subs.reduce((n, s) => n + countSingles(s), 0) : 0;
}

function checkConditionCount(filter: ColumnFilter): void {
  if (countSingles(filter) > MAX_COLUMN_CONDITIONS) throw invalid(`The number of column conditions exceeds the limit: ${MAX_COLUMN_CONDITIONS}.`);
}

/** Checks a write's condition against the current row; throws OTSConditionCheckFail when it fails. */
export function checkCondition(cond: ConditionMsg, row: StoredRow | undefined, table: Table): void {
  if (cond.rowExistence === RowExistence.EXPECT_EXIST && !row) throw conditionFailed();
  if (cond.rowExistence === RowExistence.EXPECT_NOT_EXIST && row) throw conditionFailed();
  if (cond.rowExistence < RowExistence.IGNORE || cond.rowExistence > RowExistence.EXPECT_NOT_EXIST) {
    throw invalid(`Invalid row existence expectation: ${cond.rowExistence}.`);
  }
  if (cond.columnCondition && cond.columnCondition.length > 0) {
    const filter = parseFilter(cond.columnCondition);
    if (filter.kind === 'pagination') throw invalid('ColumnPaginationFilter is not allowed in a condition.');
    checkConditionCount(filter);
    if (!rowMatches(filter, row, table)) throw conditionFailed();
  }
}

/** What to read from a row: projection, time range and column filter. */
export interface ReadSpec {
  columnsToGet?: string[];
  timeRange?: TimeRangeMsg;
  filter?: ColumnFilter;
  startColumn?: string;
  endColumn?: string;
}

function parsedFilter(bytes: Uint8Array): ColumnFilter {
  const f = parseFilter(bytes);
  checkConditionCount(f);
  return f;
}

/** Validates a read's options; returns them parsed. */
export function readSpec(msg: {
  columnsToGet?: string[];
  timeRange?: TimeRangeMsg;
  maxVersions?: number;
  filter?: Uint8Array;
  startColumn?: string;
  endColumn?: string;
}): ReadSpec {
  if ((msg.columnsToGet?.length ?? 0) > LIMITS.columnsToGet) throw invalid(`The number of columns to get exceeds the limit: ${LIMITS.columnsToGet}.`);
  if (!msg.timeRange && msg.maxVersions === undefined) throw invalid('Neither time range nor max versions is specified.');
  if (msg.maxVersions !== undefined && msg.maxVersions <= 0) throw invalid(`Invalid max versions: ${msg.maxVersions}.`);
  return {
    columnsToGet: msg.columnsToGet && msg.columnsToGet.length > 0 ? msg.columnsToGet : undefined,
    timeRange: msg.timeRange,
    filter: msg.filter && msg.filter.length > 0 ? parsedFilter(msg.filter) : undefined,
    startColumn: msg.startColumn,
    endColumn: msg.endColumn,
  };
}

/** A table of the stand-in. */
export class Table {
  /** Rows sorted by primary key. */
  readonly rows: StoredRow[] = [];
  private readonly autoIncrement = new Map<string, bigint>();
  /** Data requests still to be refused with OTSTableNotReady (models a freshly created table). */
  notReadyLeft: number;
  readonly createdAt: number;

  constructor(
    readonly name: string,
    readonly schema: PkSchema[],
    readonly options: TableOptions,
    readonly reserved: { read: number; write: number },
    now: number,
    notReadyRequests: number,
  ) {
    this.createdAt = now;
    this.notReadyLeft = notReadyRequests;
  }

  /** Binary search: index of the first row whose key is ≥ `pk`, and whether it is equal. */
  lowerBound(pk: readonly PkValue[]): { index: number; found: boolean } {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePk((this.rows[mid] as StoredRow).pk, pk) < 0) lo = mid + 1;
      else hi = mid;
    }
    const row = this.rows[lo];
    return { index: lo, found: row !== undefined && comparePk(row.pk, pk) === 0 };
  }

  /** The live row with this key, if any (cells past their TTL are invisible). */
  get(pk: readonly StoredPk[], now: number): StoredRow | undefined {
    const { index, found } = this.lowerBound(pk);
    return found ? this.visible(this.rows[index] as StoredRow, now) : undefined;
  }

  /** The row as a reader sees it at `now`: TTL applied; a row whose every cell expired is gone. */
  visible(row: StoredRow, now: number): StoredRow | undefined {
    if (this.options.timeToLive < 0 || row.cells.size === 0) return row;
    const horizon = BigInt(now - this.options.timeToLive * 1000);
    const cells = new Map([...row.cells].filter(([, c]) => c.ts >= horizon));
    return cells.size === 0 ? undefined : { pk: row.pk, cells };
  }

  /** Inserts or replaces a row. */
  put(row: StoredRow): void {
    const { index, found } = this.lowerBound(row.pk);
    if (found) this.rows[index] = row;
    else this.rows.splice(index, 0, row);
  }

  /** Removes the row with this key, if present. */
  remove(pk: readonly StoredPk[]): void {
    const { index, found } = this.lowerBound(pk);
    if (found) this.rows.splice(index, 1);
  }

  /**
   * Checks a key from a request against the schema: same column names in order, right types.
   * `mode` says what else may appear: range bounds (INF_MIN/INF_MAX) or the auto-increment
   * placeholder (PutRow only).
   */
  checkPk(cols: readonly PkColumn[], mode: 'exact' | 'range' | 'put'): PkValue[] {
    // Codes and messages as the service returns them (aliyun-tablestore-python-sdk tests/row_op_test.py).
    if (cols.length !== this.schema.length) throw invalidPk(`Validate PK size fail. Input: ${cols.length}, Meta: ${this.schema.length}.`);
    return cols.map((col, i) => {
      const s = this.schema[i] as PkSchema;
      if (col.name !== s.name) throw invalidPk(`Validate PK name fail. Input: ${col.name}, Meta: ${s.name}.`);
      const v = col.value;
      if (v.t === 'inf_min' || v.t === 'inf_max') {
        if (mode !== 'range') throw invalid('INF_MIN and INF_MAX are only allowed in range bounds.');
        return v;
      }
      if (v.t === 'auto_incr') {
        if (mode !== 'put' || !s.autoIncrement) throw invalid(`The primary key column ${s.name} is not an auto-increment column or not allowed here.`);
        return v;
      }
      const expected = s.type === 'INTEGER' ? 'int' : s.type === 'STRING' ? 'string' : 'binary';
      // UNCONFIRMED: the exact message for a type mismatch.
      if (v.t !== expected) throw invalidPk(`Validate PK type fail. Input: ${VARIANT_NAMES[v.t]}, Meta: ${VARIANT_NAMES[expected]}.`);
      if (v.t === 'string' && Buffer.byteLength(v.v, 'utf8') > LIMITS.pkStringBytes) throw invalid(`The length of primary key column: '${s.name}' exceeds the MaxLength:${LIMITS.pkStringBytes}.`);
      if (v.t === 'binary' && v.v.length > LIMITS.pkStringBytes) throw invalid(`The length of primary key column: '${s.name}' exceeds the MaxLength:${LIMITS.pkStringBytes}.`);
      return v;
    });
  }

  /** Replaces the auto-increment placeholder with the next value for the row's partition. */
  resolveAutoIncrement(pk: PkValue[], now: number): StoredPk[] {
    return pk.map((v, i) => {
      if (v.t !== 'auto_incr') return v as StoredPk;
      const partition = JSON.stringify(pk[0], (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
      // Values are unique and increasing within a partition but not contiguous, like the service's.
      const last = this.autoIncrement.get(`${i}:${partition}`) ?? 0n;
      const next = BigInt(now) * 1000n > last ? BigInt(now) * 1000n : last + 1n;
      this.autoIncrement.set(`${i}:${partition}`, next);
      return { t: 'int', v: next };
    });
  }
}

/** Checks the attribute cells of a write against names, limits and the primary key. */
export function checkCells(table: Table, cells: readonly Cell[], kind: 'put' | 'update'): void {
  if (cells.length > LIMITS.columnsPerWrite) throw invalid(`The number of columns exceeds the limit of ${LIMITS.columnsPerWrite}.`);
  const seen = new Set<string>();
  for (const c of cells) {
    if (!NAME_RE.test(c.name)) throw invalid(`Invalid column name: '${c.name}'.`);
    if (table.schema.some((s) => s.name === c.name)) throw invalid(`The attribute column name '${c.name}' is the same as a primary key column.`);
    if (seen.has(c.name)) throw invalid(`Duplicated attribute column ${c.name}.`);
    seen.add(c.name);
    if (kind === 'put' && c.op) throw invalid('PutRow cells must not carry a cell type.');
    if (!c.op && !c.value) throw invalid(`The value of column '${c.name}' is missing.`);
    if (c.op === 'INCREMENT' && c.value?.t !== 'int') throw invalid(`Increment value of column '${c.name}' must be INTEGER.`);
    if (c.op === 'DELETE_ONE' && c.timestamp === undefined) throw invalid('A timestamp is required to delete one version.');
    if (c.value && cellSize(c.name, c.value) - Buffer.byteLength(c.name) > LIMITS.attributeValueBytes) {
      throw invalid(`The length of attribute column: '${c.name}' exceeds the MaxLength:${LIMITS.attributeValueBytes}.`);
    }
    if (c.timestamp !== undefined && c.timestamp < 0n) throw invalid('Invalid timestamp.');
  }
}

/** Applies an UpdateRow's cells to a copy of the current row (or a new one). */
export function applyUpdate(current: StoredRow | undefined, pk: StoredPk[], cells: readonly Cell[], now: number): StoredRow {
  const next = new Map(current?.cells ?? []);
  for (const c of cells) {
    const ts = c.timestamp ?? BigInt(now);
    switch (c.op) {
      case undefined:
        next.set(c.name, { value: c.value as CellValue, ts });
        break;
      case 'DELETE_ALL':
        next.delete(c.name);
        break;
      case 'DELETE_ONE':
        if (next.get(c.name)?.ts === c.timestamp) next.delete(c.name);
        break;
      case 'INCREMENT': {
        const have = next.get(c.name);
        if (have && have.value.t !== 'int') throw invalid(`The type of column '${c.name}' is not INTEGER, so it cannot be incremented.`);
        const base = have && have.value.t === 'int' ? have.value.v : 0n;
        const by = c.value && c.value.t === 'int' ? c.value.v : 0n;
        next.set(c.name, { value: { t: 'int', v: BigInt.asIntN(64, base + by) }, ts: BigInt(now) });
        break;
      }
    }
  }
  return { pk, cells: next };
}

/** Builds a stored row from PutRow cells. */
export function rowFromPut(pk: StoredPk[], cells: readonly Cell[], now: number): StoredRow {
  return { pk, cells: new Map(cells.map((c) => [c.name, { value: c.value as CellValue, ts: c.timestamp ?? BigInt(now) }])) };
}

/** Converts a stored row to the PlainBuffer shape, with its key's column names. */
export function toPlainRow(table: Table, row: StoredRow, names?: readonly string[]): PlainRow {
  const primaryKey = row.pk.map((v, i) => ({ name: (table.schema[i] as PkSchema).name, value: v }));
  const cells: Cell[] = [];
  for (const [name, c] of [...row.cells].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (names && !names.includes(name)) continue;
    cells.push({ name, value: c.value, timestamp: c.ts });
  }
  return { primaryKey, cells, deleteMarker: false };
}

/**
 * Reads a row as GetRow/GetRange return it: filter, projection, time range, column range and
 * column pagination. Returns undefined when nothing is to be returned for the row.
 */
export function project(table: Table, row: StoredRow, spec: ReadSpec): PlainRow | undefined {
  if (spec.filter && !rowMatches(spec.filter, row, table)) return undefined;
  let cells = [...row.cells].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const tr = spec.timeRange;
  if (tr) {
    cells = cells.filter(([, c]) => {
      if (tr.specificTime !== undefined) return c.ts === BigInt(tr.specificTime);
      return (tr.startTime === undefined || c.ts >= BigInt(tr.startTime)) && (tr.endTime === undefined || c.ts < BigInt(tr.endTime));
    });
  }
  if (spec.startColumn !== undefined) cells = cells.filter(([n]) => n >= (spec.startColumn as string));
  if (spec.endColumn !== undefined) cells = cells.filter(([n]) => n < (spec.endColumn as string));
  const wanted = spec.columnsToGet;
  if (wanted) cells = cells.filter(([n]) => wanted.includes(n));
  if (spec.filter?.kind === 'pagination') cells = cells.slice(spec.filter.offset, spec.filter.offset + spec.filter.limit);
  // With a projection that names only absent attributes (and no key column) the row is not returned.
  if (wanted && cells.length === 0 && !table.schema.some((s) => wanted.includes(s.name))) return undefined;
  const primaryKey = row.pk.map((v, i) => ({ name: (table.schema[i] as PkSchema).name, value: v }));
  return { primaryKey, cells: cells.map(([name, c]) => ({ name, value: c.value, timestamp: c.ts })), deleteMarker: false };
}

/** Validates a table name. */
export function checkTableName(name: string): void {
  if (!NAME_RE.test(name)) throw invalid(`Invalid table name: '${name}'.`);
}

/** Rough capacity units for a response's `consumed` (1 CU per started 4 KB, minimum 1). */
export function capacityUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 4096));
}

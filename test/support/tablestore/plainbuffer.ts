/**
 * PlainBuffer, the row encoding inside Tablestore's protobuf messages, written from the format the
 * `tablestore` SDK (5.6.5, `lib/protocol/plain_buffer_*.js`) produces and accepts: a little-endian
 * header 0x75, tag bytes, typed values, and CRC-8 checksums per cell and per row. Our own codec,
 * because the SDK's reader cannot read what servers receive (INF_MIN/INF_MAX keys, update cell
 * types). Every checksum is verified on input and produced on output.
 */

/** Raised for bytes that are not valid PlainBuffer (bad tag, truncated, checksum mismatch). */
export class PlainBufferError extends Error {
  override readonly name = 'PlainBufferError';
}

const HEADER = 0x75;
const TAG_ROW_PK = 0x1;
const TAG_ROW_DATA = 0x2;
const TAG_CELL = 0x3;
const TAG_CELL_NAME = 0x4;
const TAG_CELL_VALUE = 0x5;
const TAG_CELL_TYPE = 0x6;
const TAG_CELL_TIMESTAMP = 0x7;
const TAG_DELETE_ROW_MARKER = 0x8;
const TAG_ROW_CHECKSUM = 0x9;
const TAG_CELL_CHECKSUM = 0x0a;

const VT_INTEGER = 0x0;
const VT_DOUBLE = 0x1;
const VT_BOOLEAN = 0x2;
const VT_STRING = 0x3;
const VT_BLOB = 0x7;
const VT_INF_MIN = 0x9;
const VT_INF_MAX = 0xa;
const VT_AUTO_INCREMENT = 0xb;

const OP_DELETE_ALL = 0x1;
const OP_DELETE_ONE = 0x3;
const OP_INCREMENT = 0x4;

/** A primary-key value, including the range bounds and the auto-increment placeholder. */
export type PkValue =
  | { t: 'int'; v: bigint }
  | { t: 'string'; v: string }
  | { t: 'binary'; v: Buffer }
  | { t: 'inf_min' }
  | { t: 'inf_max' }
  | { t: 'auto_incr' };

/** An attribute value as Tablestore types it. */
export type CellValue =
  | { t: 'int'; v: bigint }
  | { t: 'double'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'string'; v: string }
  | { t: 'binary'; v: Buffer };

/** What an update cell asks for; absent means PUT. */
export type CellOp = 'DELETE_ALL' | 'DELETE_ONE' | 'INCREMENT';

export interface PkColumn {
  name: string;
  value: PkValue;
}

export interface Cell {
  name: string;
  value?: CellValue;
  op?: CellOp;
  timestamp?: bigint;
}

/** One decoded row: primary key, attribute cells, and whether it carries the delete marker. */
export interface PlainRow {
  primaryKey: PkColumn[];
  cells: Cell[];
  deleteMarker: boolean;
}

// CRC-8, polynomial 0x07, no reflection: the table the SDK ships, derived here rather than copied.
const CRC8 = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let b = 0; b < 8; b++) c = c & 0x80 ? ((c << 1) ^ 0x07) & 0xff : (c << 1) & 0xff;
  CRC8[i] = c;
}

function crcByte(crc: number, byte: number): number {
  return CRC8[(crc ^ byte) & 0xff] ?? 0;
}

function crcBytes(crc: number, bytes: Uint8Array): number {
  let c = crc;
  for (const b of bytes) c = crcByte(c, b);
  return c;
}

function crcInt32(crc: number, n: number): number {
  let c = crc;
  for (let i = 0; i < 4; i++) c = crcByte(c, (n >>> (i * 8)) & 0xff);
  return c;
}

function int64Bytes(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt.asIntN(64, v));
  return b;
}

function doubleBytes(v: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(v);
  return b;
}

class Reader {
  private pos = 0;
  private lastTag = 0;
  constructor(private readonly buf: Buffer) {}

  restIsZero(): boolean {
    return this.buf.subarray(this.pos).every((b) => b === 0);
  }
  atEnd(): boolean {
    return this.pos >= this.buf.length;
  }
  byte(): number {
    if (this.pos >= this.buf.length) throw new PlainBufferError('unexpected end of PlainBuffer');
    return this.buf[this.pos++] ?? 0;
  }
  tag(): number {
    this.lastTag = this.atEnd() ? 0 : this.byte();
    return this.lastTag;
  }
  /** The tag read last; a method, so the compiler does not narrow it across reads. */
  last(): number {
    return this.lastTag;
  }
  int32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Buffer {
    if (n < 0) throw new PlainBufferError('negative length in PlainBuffer');
    this.need(n);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }
  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new PlainBufferError('unexpected end of PlainBuffer');
  }
}

function expectTag(r: Reader, tag: number, what: string): void {
  if (r.last() !== tag) throw new PlainBufferError(`expected ${what} but found tag ${r.last()}`);
}

/** Reads TAG_CELL_VALUE's payload: 4-byte length, type byte, typed bytes. Returns value and crc. */
function readValue(r: Reader, crc: number): { value: PkValue | CellValue; crc: number } {
  const len = r.int32();
  const type = r.byte();
  let c = crcByte(crc, type);
  let value: PkValue | CellValue;
  switch (type) {
    case VT_INTEGER: {
      const b = r.bytes(8);
      c = crcBytes(c, b);
      value = { t: 'int', v: b.readBigInt64LE() };
      if (len !== 9) throw new PlainBufferError('bad INTEGER length');
      break;
    }
    case VT_DOUBLE: {
      const b = r.bytes(8);
      c = crcBytes(c, b);
      value = { t: 'double', v: b.readDoubleLE() };
      if (len !== 9) throw new PlainBufferError('bad DOUBLE length');
      break;
    }
    case VT_BOOLEAN: {
      const v = r.byte() !== 0;
      c = crcByte(c, v ? 1 : 0);
      value = { t: 'bool', v };
      break;
    }
    case VT_STRING:
    case VT_BLOB: {
      const n = r.int32();
      const b = r.bytes(n);
      c = crcBytes(crcInt32(c, n), b);
      if (len !== n + 5) throw new PlainBufferError('bad STRING/BLOB length');
      value = type === VT_STRING ? { t: 'string', v: b.toString('utf8') } : { t: 'binary', v: b };
      break;
    }
    case VT_INF_MIN:
      value = { t: 'inf_min' };
      break;
    case VT_INF_MAX:
      value = { t: 'inf_max' };
      break;
    case VT_AUTO_INCREMENT:
      value = { t: 'auto_incr' };
      break;
    default:
      throw new PlainBufferError(`unsupported value type ${type}`);
  }
  r.tag();
  return { value, crc: c };
}

function readCellName(r: Reader): { name: string; crc: number } {
  r.tag();
  expectTag(r, TAG_CELL_NAME, 'TAG_CELL_NAME');
  const n = r.int32();
  const nameBytes = r.bytes(n);
  r.tag();
  return { name: nameBytes.toString('utf8'), crc: crcBytes(0, nameBytes) };
}

function readCellChecksum(r: Reader, crc: number): void {
  expectTag(r, TAG_CELL_CHECKSUM, 'TAG_CELL_CHECKSUM');
  const got = r.byte();
  if (got !== crc) throw new PlainBufferError(`cell checksum mismatch (sent ${got}, computed ${crc})`);
  r.tag();
}

function readRowBody(r: Reader): PlainRow {
  let rowCrc = 0;
  const primaryKey: PkColumn[] = [];
  const cells: Cell[] = [];
  expectTag(r, TAG_ROW_PK, 'TAG_ROW_PK');
  r.tag();
  while (r.last() === TAG_CELL) {
    const { name, crc } = readCellName(r);
    expectTag(r, TAG_CELL_VALUE, 'TAG_CELL_VALUE');
    const { value, crc: c } = readValue(r, crc);
    if (value.t === 'double' || value.t === 'bool') throw new PlainBufferError('primary key cannot be DOUBLE or BOOLEAN');
    readCellChecksum(r, c);
    rowCrc = crcByte(rowCrc, c);
    primaryKey.push({ name, value });
  }
  if (r.last() === TAG_ROW_DATA) {
    r.tag();
    while (r.last() === TAG_CELL) {
      const { name, crc } = readCellName(r);
      let c = crc;
      const cell: Cell = { name };
      if (r.last() === TAG_CELL_VALUE) {
        const read = readValue(r, c);
        const v = read.value;
        if (v.t === 'inf_min' || v.t === 'inf_max' || v.t === 'auto_incr') throw new PlainBufferError('bad attribute value type');
        cell.value = v;
        c = read.crc;
      }
      let opByte: number | undefined;
      if (r.last() === TAG_CELL_TYPE) {
        opByte = r.byte();
        cell.op = opByte === OP_DELETE_ALL ? 'DELETE_ALL' : opByte === OP_DELETE_ONE ? 'DELETE_ONE' : opByte === OP_INCREMENT ? 'INCREMENT' : undefined;
        if (!cell.op) throw new PlainBufferError(`unknown cell type ${opByte}`);
        r.tag();
      }
      if (r.last() === TAG_CELL_TIMESTAMP) {
        const b = r.bytes(8);
        cell.timestamp = b.readBigInt64LE();
        c = crcBytes(c, b);
        r.tag();
      }
      // Timestamp goes into the checksum before the cell type, whatever their order on the wire.
      if (opByte !== undefined) c = crcByte(c, opByte);
      readCellChecksum(r, c);
      rowCrc = crcByte(rowCrc, c);
      cells.push(cell);
    }
  }
  let deleteMarker = false;
  if (r.last() === TAG_DELETE_ROW_MARKER) {
    deleteMarker = true;
    r.tag();
  }
  rowCrc = crcByte(rowCrc, deleteMarker ? 1 : 0);
  expectTag(r, TAG_ROW_CHECKSUM, 'TAG_ROW_CHECKSUM');
  const got = r.byte();
  if (got !== rowCrc) throw new PlainBufferError(`row checksum mismatch (sent ${got}, computed ${rowCrc})`);
  r.tag();
  return { primaryKey, cells, deleteMarker };
}

function readHeader(r: Reader): void {
  if (r.int32() !== HEADER) throw new PlainBufferError('invalid PlainBuffer header');
  r.tag();
}

/** Decodes exactly one row (a PutRow/UpdateRow change, or a primary key alone). */
export function decodeRow(buf: Buffer): PlainRow {
  const r = new Reader(buf);
  readHeader(r);
  const row = readRowBody(r);
  // The SDK sizes INF_MIN/INF_MAX/AUTO_INCREMENT cells one byte too large and leaves the spare
  // bytes zero (plian_buffer_builder.js); the service accepts that, so zero padding is allowed.
  if (r.last() !== 0 || !r.restIsZero()) throw new PlainBufferError('trailing bytes after row');
  return row;
}

/** Decodes a run of rows after one header (GetRange responses). */
export function decodeRows(buf: Buffer): PlainRow[] {
  if (buf.length === 0) return [];
  const r = new Reader(buf);
  readHeader(r);
  const rows: PlainRow[] = [];
  while (r.last() !== 0) rows.push(readRowBody(r));
  return rows;
}

/** Decodes a lone serialized value (a condition's column_value: type byte + payload, no checksum). */
export function decodeVariant(buf: Buffer): CellValue {
  const r = new Reader(buf);
  const type = r.byte();
  let value: CellValue;
  switch (type) {
    case VT_INTEGER:
      value = { t: 'int', v: r.bytes(8).readBigInt64LE() };
      break;
    case VT_DOUBLE:
      value = { t: 'double', v: r.bytes(8).readDoubleLE() };
      break;
    case VT_BOOLEAN:
      value = { t: 'bool', v: r.byte() !== 0 };
      break;
    case VT_STRING:
      value = { t: 'string', v: r.bytes(r.int32()).toString('utf8') };
      break;
    case VT_BLOB:
      value = { t: 'binary', v: r.bytes(r.int32()) };
      break;
    default:
      throw new PlainBufferError(`unsupported variant type ${type}`);
  }
  if (!r.atEnd()) throw new PlainBufferError('trailing bytes after value');
  return value;
}

class Writer {
  private readonly parts: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  byte(n: number): void {
    this.push(Buffer.of(n & 0xff));
  }
  int32(n: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    this.push(b);
  }
  finish(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}

function writeValue(w: Writer, v: PkValue | CellValue, crc: number): number {
  w.byte(TAG_CELL_VALUE);
  switch (v.t) {
    case 'int': {
      const b = int64Bytes(v.v);
      w.int32(9);
      w.byte(VT_INTEGER);
      w.push(b);
      return crcBytes(crcByte(crc, VT_INTEGER), b);
    }
    case 'double': {
      const b = doubleBytes(v.v);
      w.int32(9);
      w.byte(VT_DOUBLE);
      w.push(b);
      return crcBytes(crcByte(crc, VT_DOUBLE), b);
    }
    case 'bool':
      w.int32(2);
      w.byte(VT_BOOLEAN);
      w.byte(v.v ? 1 : 0);
      return crcByte(crcByte(crc, VT_BOOLEAN), v.v ? 1 : 0);
    case 'string':
    case 'binary': {
      const b = v.t === 'string' ? Buffer.from(v.v, 'utf8') : v.v;
      const type = v.t === 'string' ? VT_STRING : VT_BLOB;
      w.int32(b.length + 5);
      w.byte(type);
      w.int32(b.length);
      w.push(b);
      return crcBytes(crcInt32(crcByte(crc, type), b.length), b);
    }
    case 'inf_min':
    case 'inf_max':
    case 'auto_incr': {
      const type = v.t === 'inf_min' ? VT_INF_MIN : v.t === 'inf_max' ? VT_INF_MAX : VT_AUTO_INCREMENT;
      w.int32(1);
      w.byte(type);
      return crcByte(crc, type);
    }
  }
}

function writeCellName(w: Writer, name: string): number {
  const b = Buffer.from(name, 'utf8');
  w.byte(TAG_CELL);
  w.byte(TAG_CELL_NAME);
  w.int32(b.length);
  w.push(b);
  return crcBytes(0, b);
}

function writeRowBody(w: Writer, row: PlainRow): void {
  let rowCrc = 0;
  w.byte(TAG_ROW_PK);
  for (const pk of row.primaryKey) {
    const c = writeValue(w, pk.value, writeCellName(w, pk.name));
    w.byte(TAG_CELL_CHECKSUM);
    w.byte(c);
    rowCrc = crcByte(rowCrc, c);
  }
  if (row.cells.length > 0) {
    w.byte(TAG_ROW_DATA);
    for (const cell of row.cells) {
      let c = writeCellName(w, cell.name);
      if (cell.value) c = writeValue(w, cell.value, c);
      // Responses never carry cell types: the SDK's reader (5.6.5) fails on TAG_CELL_TYPE.
      if (cell.timestamp !== undefined) {
        const b = int64Bytes(cell.timestamp);
        w.byte(TAG_CELL_TIMESTAMP);
        w.push(b);
        c = crcBytes(c, b);
      }
      w.byte(TAG_CELL_CHECKSUM);
      w.byte(c);
      rowCrc = crcByte(rowCrc, c);
    }
  }
  if (row.deleteMarker) w.byte(TAG_DELETE_ROW_MARKER);
  rowCrc = crcByte(rowCrc, row.deleteMarker ? 1 : 0);
  w.byte(TAG_ROW_CHECKSUM);
  w.byte(rowCrc);
}

/** Encodes one row (or a primary key alone, when `cells` is empty) with header and checksums. */
export function encodeRow(row: PlainRow): Buffer {
  return encodeRows([row]);
}

/** Encodes rows after one header, as GetRange returns them; empty input gives empty bytes. */
export function encodeRows(rows: readonly PlainRow[]): Buffer {
  if (rows.length === 0) return Buffer.alloc(0);
  const w = new Writer();
  w.int32(HEADER);
  for (const row of rows) writeRowBody(w, row);
  return w.finish();
}

/** Byte size of a row once encoded (for the 4 MB GetRange cap). */
export function encodedRowSize(row: PlainRow): number {
  const w = new Writer();
  writeRowBody(w, row);
  return w.length;
}

/**
 * The stand-in's PlainBuffer codec against the SDK's own: rows the SDK builds decode with every
 * checksum verified, and rows the stand-in encodes are read back by the SDK's reader.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import TableStore, { type Int64LE } from 'tablestore';
import { PlainBufferError, decodeRow, decodeVariant, encodeRows, type PlainRow } from '../support/tablestore/plainbuffer.ts';

/** The SDK's PlainBuffer internals (lib/protocol/plian_buffer_builder.js, plain_buffer_*.js). */
interface SdkPlainBuffer {
  PlainBufferBuilder: {
    serializeForPutRow(pk: object[], cols: object[]): Buffer;
    serializeForUpdateRow(pk: object[], ops: object[]): Buffer;
    serializeForDeleteRow(pk: object[]): Buffer;
    serializePrimaryKey(pk: object[]): Buffer;
    serializeColumnValue(v: unknown): Buffer;
  };
  PlainBufferInputStream: new (b: { buffer: Buffer; offset: number; limit: number }) => object;
  PlainBufferCodedInputStream: new (s: object) => {
    readRows(): { primaryKey: { name: string; value: unknown }[]; attributes: { columnName: string; columnValue: unknown; timestamp: Int64LE }[] }[];
  };
}
const sdk = TableStore as unknown as SdkPlainBuffer;
const { Long } = TableStore;

test('a PutRow row built by the SDK decodes with its values and checksums', () => {
  // Prepare
  const bytes = sdk.PlainBufferBuilder.serializeForPutRow(
    [{ id: 'naïve-✓' }, { n: Long.fromNumber(-7) }, { b: Buffer.from([0, 255]) }],
    [{ i: Long.fromNumber(2 ** 40) }, { d: -1.25 }, { t: true }, { f: false }, { s: 'ünïcode' }, { x: Buffer.from('bin') }, { ts: 'v', timestamp: 1234 }],
  );
  // Act
  const row = decodeRow(bytes);
  // Assess
  assert.deepEqual(row.primaryKey, [
    { name: 'id', value: { t: 'string', v: 'naïve-✓' } },
    { name: 'n', value: { t: 'int', v: -7n } },
    { name: 'b', value: { t: 'binary', v: Buffer.from([0, 255]) } },
  ]);
  assert.deepEqual(
    row.cells.map((c) => [c.name, c.value, c.timestamp]),
    [
      ['i', { t: 'int', v: 2n ** 40n }, undefined],
      ['d', { t: 'double', v: -1.25 }, undefined],
      ['t', { t: 'bool', v: true }, undefined],
      ['f', { t: 'bool', v: false }, undefined],
      ['s', { t: 'string', v: 'ünïcode' }, undefined],
      ['x', { t: 'binary', v: Buffer.from('bin') }, undefined],
      ['ts', { t: 'string', v: 'v' }, 1234n],
    ],
  );
  assert.equal(row.deleteMarker, false);
});

test('an UpdateRow change built by the SDK decodes with its cell types', () => {
  const bytes = sdk.PlainBufferBuilder.serializeForUpdateRow([{ id: 'u' }], [{ PUT: [{ a: 'x' }] }, { DELETE_ALL: ['b'] }, { DELETE: [{ c: 99 }] }, { INCREMENT: [{ n: Long.fromNumber(3) }] }]);
  const row = decodeRow(bytes);
  assert.deepEqual(
    row.cells.map((c) => [c.name, c.op ?? 'PUT', c.value?.t ?? null, c.timestamp ?? null]),
    [
      ['a', 'PUT', 'string', null],
      ['b', 'DELETE_ALL', null, null],
      ['c', 'DELETE_ONE', null, 99n],
      ['n', 'INCREMENT', 'int', null],
    ],
  );
});

test('range bounds and delete markers built by the SDK decode', () => {
  assert.deepEqual(decodeRow(sdk.PlainBufferBuilder.serializePrimaryKey([{ a: TableStore.INF_MIN }, { b: TableStore.INF_MAX }])).primaryKey, [
    { name: 'a', value: { t: 'inf_min' } },
    { name: 'b', value: { t: 'inf_max' } },
  ]);
  assert.equal(decodeRow(sdk.PlainBufferBuilder.serializeForDeleteRow([{ id: 'gone' }])).deleteMarker, true);
  assert.deepEqual(decodeVariant(sdk.PlainBufferBuilder.serializeColumnValue(Long.fromNumber(5))), { t: 'int', v: 5n });
  assert.deepEqual(decodeVariant(sdk.PlainBufferBuilder.serializeColumnValue('')), { t: 'string', v: '' });
});

test('a flipped byte anywhere in a cell is caught by a checksum', () => {
  // Prepare
  const good = sdk.PlainBufferBuilder.serializeForPutRow([{ id: 'k' }], [{ v: 'value' }]);
  const valueAt = good.indexOf(Buffer.from('value'));
  // Act / Assess
  for (const at of [valueAt, valueAt + 4]) {
    const bad = Buffer.from(good);
    bad[at] = (bad[at] ?? 0) ^ 0x20;
    assert.throws(() => decodeRow(bad), PlainBufferError);
  }
});

test('rows the stand-in encodes are read back by the SDK reader', () => {
  // Prepare
  const rows: PlainRow[] = [
    {
      primaryKey: [
        { name: 'p', value: { t: 'string', v: 'é' } },
        { name: 'n', value: { t: 'int', v: 1n } },
      ],
      cells: [
        { name: 'a', value: { t: 'string', v: 'x' }, timestamp: 10n },
        { name: 'b', value: { t: 'double', v: 0.5 }, timestamp: 11n },
        { name: 'c', value: { t: 'bool', v: true }, timestamp: 12n },
        { name: 'd', value: { t: 'int', v: -3n }, timestamp: 13n },
        { name: 'e', value: { t: 'binary', v: Buffer.from([1, 2]) }, timestamp: 14n },
      ],
      deleteMarker: false,
    },
    { primaryKey: [{ name: 'p', value: { t: 'string', v: 'z' } }, { name: 'n', value: { t: 'int', v: 2n } }], cells: [], deleteMarker: false },
  ];
  const bytes = encodeRows(rows);
  // Act
  const read = new sdk.PlainBufferCodedInputStream(new sdk.PlainBufferInputStream({ buffer: bytes, offset: 0, limit: bytes.length })).readRows();
  // Assess
  assert.equal(read.length, 2);
  assert.deepEqual(
    read[0]?.attributes.map((a) => [a.columnName, typeof a.columnValue === 'object' && !Buffer.isBuffer(a.columnValue) ? String(a.columnValue) : a.columnValue, a.timestamp.toNumber()]),
    [
      ['a', 'x', 10],
      ['b', 0.5, 11],
      ['c', true, 12],
      ['d', '-3', 13],
      ['e', Buffer.from([1, 2]), 14],
    ],
  );
  assert.deepEqual(read[1]?.primaryKey.map((p) => String(p.value)), ['z', '2']);
});

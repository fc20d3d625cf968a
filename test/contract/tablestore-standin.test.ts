/**
 * The Tablestore stand-in, seen through the real `tablestore` SDK (and, for what the SDK cannot
 * send, hand-signed raw requests): signatures, errors, conditions, row operations, GetRange paging
 * and caps, batch operations. These pin the behaviours the store backend relies on.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { request } from 'node:http';
import TableStore, { type Client, type ColumnCondition, type PrimaryKeyInput, type Row } from 'tablestore';
import { startTablestoreStandin, type TablestoreStandin } from '../support/tablestore/server.ts';
import { encodeMessage, decodeMessage } from '../support/tablestore/protocol.ts';
import { encodeRow } from '../support/tablestore/plainbuffer.ts';
import { describeOtsError } from '../../src/store/tablestore/ots.ts';

const creds = { accessKeyId: 'LTAI-standin', accessKeySecret: 'standin-secret', instanceName: 'standin' };
const { RowExistenceExpectation: Exist, ComparatorType: Cmp, LogicalOperator: Logic, Long } = TableStore;

function client(endpoint: string, overrides: Partial<{ secret: string; instance: string; token: string }> = {}): Client {
  return new TableStore.Client({
    accessKeyId: creds.accessKeyId,
    secretAccessKey: overrides.secret ?? creds.accessKeySecret,
    endpoint,
    instancename: overrides.instance ?? creds.instanceName,
    maxRetries: 0,
    ...(overrides.token ? { stsToken: overrides.token } : {}),
  });
}

async function failure(p: Promise<unknown>): Promise<ReturnType<typeof describeOtsError>> {
  try {
    await p;
  } catch (err) {
    return describeOtsError(err);
  }
  assert.fail('expected the request to fail');
}

async function createTable(c: Client, tableName: string, pk: { name: string; type: 'STRING' | 'INTEGER' | 'BINARY'; option?: 'AUTO_INCREMENT' }[], ttl = -1): Promise<void> {
  await c.createTable({
    tableMeta: { tableName, primaryKey: pk },
    reservedThroughput: { capacityUnit: { read: 0, write: 0 } },
    tableOptions: { timeToLive: ttl, maxVersions: 1 },
  });
}

function cols(row: Row): Record<string, unknown> {
  return Object.fromEntries((row.attributes ?? []).map((a) => [a.columnName, typeof a.columnValue === 'object' && !Buffer.isBuffer(a.columnValue) ? a.columnValue.toNumber() : a.columnValue]));
}

function keyOf(row: Row): unknown[] {
  return (row.primaryKey ?? []).map((p) => (typeof p.value === 'object' && !Buffer.isBuffer(p.value) ? p.value.toNumber() : p.value));
}

/** A request signed by hand like the SDK signs it, for what the SDK cannot be made to send. */
function rawCall(endpoint: string, op: string, body: Buffer, tamper: { md5?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  const headers: Record<string, string> = {
    'x-ots-date': new Date().toISOString(),
    'x-ots-apiversion': '2015-12-31',
    'x-ots-accesskeyid': creds.accessKeyId,
    'x-ots-instancename': creds.instanceName,
    'x-ots-contentmd5': tamper.md5 ?? createHash('md5').update(body).digest('base64'),
  };
  const canonical = Object.keys(headers)
    .sort()
    .map((h) => `${h}:${headers[h]}`)
    .join('\n');
  headers['x-ots-signature'] = createHmac('sha1', creds.accessKeySecret).update(`/${op}\nPOST\n\n${canonical}\n`).digest('base64');
  const url = new URL(`/${op}`, endpoint);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-length': String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('Tablestore stand-in through the SDK', () => {
  let standin: TablestoreStandin;
  let c: Client;

  before(async () => {
    standin = await startTablestoreStandin(creds);
    c = client(standin.endpoint);
    await createTable(c, 'kv', [{ name: 'id', type: 'STRING' }]);
    await createTable(c, 'ranged', [
      { name: 'part', type: 'STRING' },
      { name: 'n', type: 'INTEGER' },
    ]);
  });
  after(() => standin.close());

  describe('authentication and framing', () => {
    test('a request signed with the wrong secret is refused with OTSAuthFailed', async () => {
      // Act
      const f = await failure(client(standin.endpoint, { secret: 'wrong' }).listTable({}));
      // Assess
      assert.equal(f.status, 403);
      assert.equal(f.code, 'OTSAuthFailed');
      assert.match(f.message, /Signature mismatch/);
    });

    test('a request for another instance is refused with OTSAuthFailed', async () => {
      const f = await failure(client(standin.endpoint, { instance: 'elsewhere' }).listTable({}));
      assert.equal(f.code, 'OTSAuthFailed');
      assert.match(f.message, /instance is not found/);
    });

    test('a body that does not match x-ots-contentmd5 is refused, and every response carries x-ots-requestid', async () => {
      // Prepare
      const body = encodeMessage('main.proto.ListTableRequest', {});
      // Act
      const bad = await rawCall(standin.endpoint, 'ListTable', body, { md5: createHash('md5').update('other').digest('base64') });
      const good = await rawCall(standin.endpoint, 'ListTable', body);
      // Assess
      assert.equal(bad.status, 403);
      assert.deepEqual(decodeMessage('main.proto.Error', bad.body), { code: 'OTSAuthFailed', message: 'Mismatch between MD5 value of request body and x-ots-contentmd5 in header.' });
      assert.equal(good.status, 200);
      for (const r of [bad, good]) assert.match(String(r.headers['x-ots-requestid']), /^[0-9a-f-]{36}$/);
    });

    test('a row whose PlainBuffer checksum is wrong is refused with OTSParameterInvalid', async () => {
      // Prepare: a valid PutRow body, then one bit of the row checksum flipped.
      const row = encodeRow({ primaryKey: [{ name: 'id', value: { t: 'string', v: 'crc' } }], cells: [{ name: 'v', value: { t: 'string', v: 'x' } }], deleteMarker: false });
      const corrupt = Buffer.from(row);
      corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 0x01;
      const body = (r: Buffer): Buffer => encodeMessage('main.proto.PutRowRequest', { tableName: 'kv', row: r, condition: { rowExistence: 0 } });
      // Act
      const good = await rawCall(standin.endpoint, 'PutRow', body(row));
      const bad = await rawCall(standin.endpoint, 'PutRow', body(corrupt));
      // Assess
      assert.equal(good.status, 200);
      assert.equal(bad.status, 400);
      const err = decodeMessage<{ code: string; message: string }>('main.proto.Error', bad.body);
      assert.equal(err.code, 'OTSParameterInvalid');
      assert.match(err.message, /checksum/);
    });

    test('an unknown operation is refused with OTSParameterInvalid', async () => {
      const r = await rawCall(standin.endpoint, 'ScanEverything', Buffer.alloc(0));
      assert.equal(r.status, 400);
      assert.equal(decodeMessage<{ code: string }>('main.proto.Error', r.body).code, 'OTSParameterInvalid');
    });

    test('an STS token is required when the stand-in is given one', async () => {
      // Prepare
      const sts = await startTablestoreStandin({ ...creds, securityToken: 'sts-token' });
      try {
        // Act
        const without = await failure(client(sts.endpoint).listTable({}));
        const withToken = await client(sts.endpoint, { token: 'sts-token' }).listTable({});
        // Assess
        assert.equal(without.code, 'OTSAuthFailed');
        assert.deepEqual(withToken.tableNames, []);
      } finally {
        await sts.close();
      }
    });
  });

  describe('tables', () => {
    test('tables are created, listed, described and deleted; duplicates and missing tables fail with the real codes', async () => {
      // Act
      await createTable(c, 'scratch', [{ name: 'k', type: 'INTEGER' }]);
      const again = await failure(createTable(c, 'scratch', [{ name: 'k', type: 'INTEGER' }]));
      const listed = await c.listTable({});
      const described = await c.describeTable({ tableName: 'scratch' });
      await c.deleteTable({ tableName: 'scratch' });
      const missing = await failure(c.getRow({ tableName: 'scratch', primaryKey: [{ k: Long.fromNumber(1) }] }));
      // Assess
      assert.equal(again.code, 'OTSObjectAlreadyExist');
      assert.ok(listed.tableNames.includes('scratch'));
      assert.equal(described.tableMeta.primaryKey[0]?.name, 'k');
      assert.deepEqual([missing.status, missing.code], [404, 'OTSObjectNotExist']);
    });

    test('a new table can answer OTSTableNotReady before it serves', async () => {
      // Prepare
      const slow = await startTablestoreStandin({ ...creds, tableNotReadyRequests: 2 });
      const sc = client(slow.endpoint);
      try {
        await createTable(sc, 't', [{ name: 'id', type: 'STRING' }]);
        // Act
        const first = await failure(sc.getRow({ tableName: 't', primaryKey: [{ id: 'a' }] }));
        const second = await failure(sc.getRow({ tableName: 't', primaryKey: [{ id: 'a' }] }));
        const third = await sc.getRow({ tableName: 't', primaryKey: [{ id: 'a' }] });
        // Assess
        assert.equal(first.code, 'OTSTableNotReady');
        assert.equal(second.code, 'OTSTableNotReady');
        assert.deepEqual(third.row, {});
      } finally {
        await slow.close();
      }
    });
  });

  describe('conditions', () => {
    const put = (id: string, condition: ReturnType<typeof cond>, v = 'x') =>
      c.putRow({ tableName: 'kv', condition, primaryKey: [{ id }], attributeColumns: [{ v }, { seq: Long.fromNumber(5) }, { name: 'beta' }] });
    const cond = (existence: number, column: ColumnCondition | null = null) => new TableStore.Condition(existence, column);

    test('a failed condition is HTTP 403 with OTSConditionCheckFail only inside the message (SDK 5.6.5)', async () => {
      // Prepare
      await put('quirk', cond(Exist.IGNORE));
      // Act
      let thrown: { code?: unknown; message?: unknown } = {};
      try {
        await put('quirk', cond(Exist.EXPECT_NOT_EXIST));
      } catch (err) {
        thrown = err as typeof thrown;
      }
      // Assess
      assert.equal(thrown.code, 403);
      assert.match(String(thrown.message), /OTSConditionCheckFail/);
      assert.match(String(thrown.message), /Condition check failed\./);
    });

    const existenceCases = [
      { case: 'IGNORE on a missing row', existence: Exist.IGNORE, present: false, passes: true },
      { case: 'IGNORE on a present row', existence: Exist.IGNORE, present: true, passes: true },
      { case: 'EXPECT_EXIST on a missing row', existence: Exist.EXPECT_EXIST, present: false, passes: false },
      { case: 'EXPECT_EXIST on a present row', existence: Exist.EXPECT_EXIST, present: true, passes: true },
      { case: 'EXPECT_NOT_EXIST on a missing row', existence: Exist.EXPECT_NOT_EXIST, present: false, passes: true },
      { case: 'EXPECT_NOT_EXIST on a present row', existence: Exist.EXPECT_NOT_EXIST, present: true, passes: false },
    ];
    for (const [i, tc] of existenceCases.entries()) {
      test(`row existence: ${tc.case} ${tc.passes ? 'passes' : 'fails'}`, async () => {
        // Prepare
        const id = `exist-${i}`;
        if (tc.present) await put(id, cond(Exist.IGNORE), 'before');
        // Act
        const outcome = await put(id, cond(tc.existence), 'after').then(
          () => 'ok',
          (err: unknown) => describeOtsError(err).code,
        );
        // Assess
        assert.equal(outcome, tc.passes ? 'ok' : 'OTSConditionCheckFail');
        const { row } = await c.getRow({ tableName: 'kv', primaryKey: [{ id }] });
        assert.equal(cols(row).v, tc.passes ? 'after' : tc.present ? 'before' : undefined);
      });
    }

    const single = (col: string, value: string | number, cmp: number, passIfMissing?: boolean) =>
      new TableStore.SingleColumnCondition(col, typeof value === 'number' ? Long.fromNumber(value) : value, cmp, passIfMissing);
    const columnCases: { case: string; condition: () => ColumnCondition; passes: boolean }[] = [
      { case: 'seq EQUAL 5', condition: () => single('seq', 5, Cmp.EQUAL), passes: true },
      { case: 'seq EQUAL 4', condition: () => single('seq', 4, Cmp.EQUAL), passes: false },
      { case: 'seq NOT_EQUAL 4', condition: () => single('seq', 4, Cmp.NOT_EQUAL), passes: true },
      { case: 'seq NOT_EQUAL 5', condition: () => single('seq', 5, Cmp.NOT_EQUAL), passes: false },
      { case: 'seq GREATER_THAN 4', condition: () => single('seq', 4, Cmp.GREATER_THAN), passes: true },
      { case: 'seq GREATER_THAN 5', condition: () => single('seq', 5, Cmp.GREATER_THAN), passes: false },
      { case: 'seq GREATER_EQUAL 5', condition: () => single('seq', 5, Cmp.GREATER_EQUAL), passes: true },
      { case: 'seq GREATER_EQUAL 6', condition: () => single('seq', 6, Cmp.GREATER_EQUAL), passes: false },
      { case: 'seq LESS_THAN 6', condition: () => single('seq', 6, Cmp.LESS_THAN), passes: true },
      { case: 'seq LESS_THAN 5', condition: () => single('seq', 5, Cmp.LESS_THAN), passes: false },
      { case: 'seq LESS_EQUAL 5', condition: () => single('seq', 5, Cmp.LESS_EQUAL), passes: true },
      { case: 'seq LESS_EQUAL 4', condition: () => single('seq', 4, Cmp.LESS_EQUAL), passes: false },
      { case: 'name GREATER_THAN "alpha" (strings by bytes)', condition: () => single('name', 'alpha', Cmp.GREATER_THAN), passes: true },
      { case: 'name LESS_THAN "" (no string is below the empty one)', condition: () => single('name', '', Cmp.LESS_THAN), passes: false },
      { case: 'missing column, passIfMissing defaulted (true)', condition: () => single('absent', 1, Cmp.EQUAL), passes: true },
      { case: 'missing column, passIfMissing false', condition: () => single('absent', 1, Cmp.EQUAL, false), passes: false },
      { case: 'seq compared with a DOUBLE (types differ: UNCONFIRMED rule, never equal)', condition: () => new TableStore.SingleColumnCondition('seq', 5, Cmp.EQUAL, false), passes: false },
      {
        case: 'AND of a true and a false condition',
        condition: () => {
          const x = new TableStore.CompositeCondition(Logic.AND);
          x.addSubCondition(single('seq', 5, Cmp.EQUAL));
          x.addSubCondition(single('name', 'gamma', Cmp.EQUAL));
          return x;
        },
        passes: false,
      },
      {
        case: 'OR of a false and a true condition',
        condition: () => {
          const x = new TableStore.CompositeCondition(Logic.OR);
          x.addSubCondition(single('seq', 9, Cmp.EQUAL));
          x.addSubCondition(single('name', 'beta', Cmp.EQUAL));
          return x;
        },
        passes: true,
      },
      {
        case: 'NOT of a true condition',
        condition: () => {
          const x = new TableStore.CompositeCondition(Logic.NOT);
          x.addSubCondition(single('seq', 5, Cmp.EQUAL));
          return x;
        },
        passes: false,
      },
    ];
    for (const [i, tc] of columnCases.entries()) {
      test(`column condition: ${tc.case} ${tc.passes ? 'passes' : 'fails'}`, async () => {
        // Prepare: seq = 5 (INTEGER), name = 'beta'
        const id = `column-${i}`;
        await put(id, cond(Exist.IGNORE));
        // Act
        const outcome = await c
          .updateRow({ tableName: 'kv', condition: cond(Exist.EXPECT_EXIST, tc.condition()), primaryKey: [{ id }], updateOfAttributeColumns: [{ PUT: [{ touched: true }] }] })
          .then(
            () => 'ok',
            (err: unknown) => describeOtsError(err).code,
          );
        // Assess
        assert.equal(outcome, tc.passes ? 'ok' : 'OTSConditionCheckFail');
      });
    }

    test('a condition may compare a primary-key column', async () => {
      await put('pk-cond', cond(Exist.IGNORE));
      await put('pk-cond', cond(Exist.EXPECT_EXIST, single('id', 'pk-cond', Cmp.EQUAL, false)));
      const f = await failure(put('pk-cond', cond(Exist.EXPECT_EXIST, single('id', 'other', Cmp.EQUAL, false))));
      assert.equal(f.code, 'OTSConditionCheckFail');
    });

    test('more than ten column conditions are refused with OTSParameterInvalid', async () => {
      const many = new TableStore.CompositeCondition(Logic.AND);
      for (let i = 0; i < 11; i += 1) many.addSubCondition(single('seq', 5, Cmp.EQUAL));
      const f = await failure(put('many-cond', cond(Exist.IGNORE, many)));
      assert.equal(f.code, 'OTSParameterInvalid');
    });

    test('a NOT with two sub-conditions is refused with OTSParameterInvalid', async () => {
      const not = new TableStore.CompositeCondition(Logic.NOT);
      not.addSubCondition(single('seq', 5, Cmp.EQUAL));
      not.addSubCondition(single('seq', 6, Cmp.EQUAL));
      const f = await failure(put('bad-not', cond(Exist.IGNORE, not)));
      assert.equal(f.code, 'OTSParameterInvalid');
    });
  });

  describe('row operations', () => {
    test('UpdateRow puts, deletes and increments columns, and returns the incremented value', async () => {
      // Prepare
      await c.putRow({ tableName: 'kv', condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ id: 'upd' }], attributeColumns: [{ a: 'one' }, { b: 'two' }, { n: Long.fromNumber(41) }, { s: 'text' }] });
      // Act
      const res = await c.updateRow({
        tableName: 'kv',
        condition: new TableStore.Condition(Exist.EXPECT_EXIST),
        primaryKey: [{ id: 'upd' }],
        updateOfAttributeColumns: [{ PUT: [{ a: 'uno' }, { d: 2.5 }] }, { DELETE_ALL: ['b'] }, { INCREMENT: [{ n: Long.fromNumber(1) }, { fresh: Long.fromNumber(3) }] }],
        returnContent: { returnType: TableStore.ReturnType.AfterModify, returnColumns: ['n'] },
      });
      const badIncrement = await failure(
        c.updateRow({ tableName: 'kv', condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ id: 'upd' }], updateOfAttributeColumns: [{ INCREMENT: [{ s: Long.fromNumber(1) }] }] }),
      );
      const { row } = await c.getRow({ tableName: 'kv', primaryKey: [{ id: 'upd' }], maxVersions: 1 });
      // Assess
      assert.deepEqual(cols(res.row), { n: 42 });
      assert.equal(badIncrement.code, 'OTSParameterInvalid');
      assert.deepEqual(cols(row), { a: 'uno', d: 2.5, fresh: 3, n: 42, s: 'text' });
    });

    test('GetRow returns only the columns asked for, and an empty row when the key is absent', async () => {
      await c.putRow({ tableName: 'kv', condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ id: 'proj' }], attributeColumns: [{ a: 'x' }, { b: 'y' }] });
      const some = await c.getRow({ tableName: 'kv', primaryKey: [{ id: 'proj' }], columnsToGet: ['b'], maxVersions: 1 });
      const none = await c.getRow({ tableName: 'kv', primaryKey: [{ id: 'nope' }], maxVersions: 1 });
      assert.deepEqual(cols(some.row), { b: 'y' });
      assert.deepEqual(none.row, {});
    });

    test('DeleteRow honours its condition', async () => {
      await c.putRow({ tableName: 'kv', condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ id: 'del' }], attributeColumns: [{ owner: 'me' }] });
      const wrong = await failure(
        c.deleteRow({ tableName: 'kv', condition: new TableStore.Condition(Exist.EXPECT_EXIST, new TableStore.SingleColumnCondition('owner', 'you', Cmp.EQUAL, false)), primaryKey: [{ id: 'del' }] }),
      );
      await c.deleteRow({ tableName: 'kv', condition: new TableStore.Condition(Exist.EXPECT_EXIST, new TableStore.SingleColumnCondition('owner', 'me', Cmp.EQUAL, false)), primaryKey: [{ id: 'del' }] });
      assert.equal(wrong.code, 'OTSConditionCheckFail');
      assert.deepEqual((await c.getRow({ tableName: 'kv', primaryKey: [{ id: 'del' }], maxVersions: 1 })).row, {});
    });

    test('a primary key that does not match the schema is refused with OTSInvalidPK, also per row in a batch', async () => {
      // Act
      const size = await failure(c.getRow({ tableName: 'ranged', primaryKey: [{ part: 'a' }], maxVersions: 1 }));
      const name = await failure(c.getRow({ tableName: 'kv', primaryKey: [{ key: 'a' }], maxVersions: 1 }));
      const batch = await c.batchWriteRow({
        tables: [{ tableName: 'kv', rows: [{ type: 'UPDATE', condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ key: 'a' }], attributeColumns: [{ PUT: [{ v: 1 }] }] }] }],
      });
      // Assess
      assert.deepEqual([size.status, size.code, size.message], [400, 'OTSInvalidPK', 'Validate PK size fail. Input: 1, Meta: 2.']);
      assert.deepEqual([name.code, name.message], ['OTSInvalidPK', 'Validate PK name fail. Input: key, Meta: id.']);
      assert.deepEqual(batch.tables.map((r) => [r.isOk, r.errorCode]), [[false, 'OTSInvalidPK']]);
    });

    test('an auto-increment key gets increasing values, returned with ReturnType Primarykey', async () => {
      // Prepare
      await createTable(c, 'auto', [
        { name: 'p', type: 'STRING' },
        { name: 'n', type: 'INTEGER', option: 'AUTO_INCREMENT' },
      ]);
      const putAuto = () =>
        c.putRow({
          tableName: 'auto',
          condition: new TableStore.Condition(Exist.IGNORE),
          primaryKey: [{ p: 'x' }, { n: TableStore.PK_AUTO_INCR }],
          attributeColumns: [{ v: 1 }],
          returnContent: { returnType: TableStore.ReturnType.Primarykey },
        });
      // Act
      const first = keyOf((await putAuto()).row)[1] as number;
      const second = keyOf((await putAuto()).row)[1] as number;
      // Assess
      assert.ok(second > first, `${second} > ${first}`);
    });

    test('cells past the table TTL are no longer readable', async () => {
      // Prepare
      let now = Date.UTC(2026, 0, 1);
      const ttl = await startTablestoreStandin({ ...creds, now: () => now });
      const tc = client(ttl.endpoint);
      try {
        await createTable(tc, 'ttl', [{ name: 'id', type: 'STRING' }], 86400);
        await tc.putRow({ tableName: 'ttl', condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ id: 'a' }], attributeColumns: [{ v: 'x' }] });
        // Act
        now += 86_399_000;
        const before = await tc.getRow({ tableName: 'ttl', primaryKey: [{ id: 'a' }], maxVersions: 1 });
        now += 2_000;
        const afterTtl = await tc.getRow({ tableName: 'ttl', primaryKey: [{ id: 'a' }], maxVersions: 1 });
        // Assess
        assert.deepEqual(cols(before.row), { v: 'x' });
        assert.deepEqual(afterTtl.row, {});
      } finally {
        await ttl.close();
      }
    });
  });

  describe('GetRange', () => {
    before(async () => {
      const rows = Array.from({ length: 25 }, (_, n) => ({
        type: 'PUT' as const,
        condition: new TableStore.Condition(Exist.IGNORE),
        primaryKey: [{ part: 'p' }, { n: Long.fromNumber(n) }],
        attributeColumns: [{ v: `v${n}` }],
      }));
      await c.batchWriteRow({ tables: [{ tableName: 'ranged', rows }] });
      await c.putRow({ tableName: 'ranged', condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ part: 'q' }, { n: Long.fromNumber(0) }], attributeColumns: [{ v: 'other' }] });
    });

    async function pages(direction: 'FORWARD' | 'BACKWARD', start: [unknown, unknown], end: [unknown, unknown], limit: number): Promise<{ keys: number[]; calls: number }> {
      const keys: number[] = [];
      let calls = 0;
      let from: PrimaryKeyInput = [{ part: start[0] as string }, { n: start[1] as object }];
      for (;;) {
        const res = await c.getRange({ tableName: 'ranged', direction, inclusiveStartPrimaryKey: from, exclusiveEndPrimaryKey: [{ part: end[0] as string }, { n: end[1] as object }], limit, maxVersions: 1 });
        calls += 1;
        keys.push(...res.rows.map((r) => keyOf(r)[1] as number));
        if (!res.nextStartPrimaryKey) break;
        from = res.nextStartPrimaryKey.map((p) => ({ [p.name]: p.value }));
      }
      return { keys, calls };
    }

    test('a forward range over one partition pages by limit through next_start_primary_key', async () => {
      const { keys, calls } = await pages('FORWARD', ['p', TableStore.INF_MIN], ['p', TableStore.INF_MAX], 10);
      assert.deepEqual(keys, Array.from({ length: 25 }, (_, i) => i));
      assert.equal(calls, 3);
    });

    test('a backward range returns keys in descending order from its inclusive start', async () => {
      const { keys } = await pages('BACKWARD', ['p', Long.fromNumber(20)], ['p', Long.fromNumber(14)], 4);
      assert.deepEqual(keys, [20, 19, 18, 17, 16, 15]);
    });

    test('a range whose start is not before its end (FORWARD) is refused with OTSParameterInvalid', async () => {
      const f = await failure(pages('FORWARD', ['p', Long.fromNumber(5)], ['p', Long.fromNumber(5)], 10));
      assert.deepEqual([f.code, f.message], ['OTSParameterInvalid', 'Begin key must less than end key in FORWARD']);
    });

    test('one call returns at most 5000 rows, then a next start key', async () => {
      // Prepare: 5100 rows in partition "big"
      for (let b = 0; b < 26; b += 1) {
        const rows = Array.from({ length: Math.min(200, 5100 - b * 200) }, (_, i) => ({
          type: 'PUT' as const,
          condition: new TableStore.Condition(Exist.IGNORE),
          primaryKey: [{ part: 'big' }, { n: Long.fromNumber(b * 200 + i) }],
          attributeColumns: [{ v: 1 }],
        }));
        if (rows.length > 0) await c.batchWriteRow({ tables: [{ tableName: 'ranged', rows }] });
      }
      // Act
      const res = await c.getRange({
        tableName: 'ranged',
        direction: 'FORWARD',
        inclusiveStartPrimaryKey: [{ part: 'big' }, { n: TableStore.INF_MIN }],
        exclusiveEndPrimaryKey: [{ part: 'big' }, { n: TableStore.INF_MAX }],
        limit: 10_000,
        maxVersions: 1,
      });
      // Assess
      assert.equal(res.rows.length, 5000);
      assert.deepEqual(res.nextStartPrimaryKey?.map((p) => (typeof p.value === 'object' && !Buffer.isBuffer(p.value) ? p.value.toNumber() : p.value)), ['big', 5000]);
    });

    test('one call returns at most 4 MB of rows, then a next start key', async () => {
      // Prepare: six rows of 1,000,000 bytes each
      const big = 'x'.repeat(1_000_000);
      for (let n = 0; n < 6; n += 1) {
        await c.putRow({ tableName: 'ranged', condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ part: 'mb' }, { n: Long.fromNumber(n) }], attributeColumns: [{ v: big }] });
      }
      // Act
      const res = await c.getRange({
        tableName: 'ranged',
        direction: 'FORWARD',
        inclusiveStartPrimaryKey: [{ part: 'mb' }, { n: TableStore.INF_MIN }],
        exclusiveEndPrimaryKey: [{ part: 'mb' }, { n: TableStore.INF_MAX }],
        maxVersions: 1,
      });
      // Assess
      assert.equal(res.rows.length, 4);
      assert.equal(res.nextStartPrimaryKey?.[1]?.value.toString(), '4');
    });
  });

  describe('batch operations', () => {
    test('BatchWriteRow reports each row and applies the others when one fails (not atomic)', async () => {
      // Prepare
      await c.putRow({ tableName: 'kv', condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ id: 'b-taken' }], attributeColumns: [{ v: 'first' }] });
      const row = (id: string) => ({ type: 'PUT' as const, condition: new TableStore.Condition(Exist.EXPECT_NOT_EXIST), primaryKey: [{ id }], attributeColumns: [{ v: 'batch' }] });
      // Act
      const res = await c.batchWriteRow({ tables: [{ tableName: 'kv', rows: [row('b-1'), row('b-taken'), row('b-2')] }] });
      const got = await c.batchGetRow({ tables: [{ tableName: 'kv', primaryKey: [[{ id: 'b-1' }], [{ id: 'b-taken' }], [{ id: 'b-none' }]], maxVersions: 1 }] });
      // Assess
      assert.deepEqual(
        res.tables.map((r) => [r.isOk, r.errorCode]),
        [
          [true, null],
          [false, 'OTSConditionCheckFail'],
          [true, null],
        ],
      );
      assert.deepEqual(
        got.tables[0]?.map((r) => [r.isOk, r.attributes?.find((a) => a.columnName === 'v')?.columnValue ?? null]),
        [
          [true, 'batch'],
          [true, 'first'],
          [true, null],
        ],
      );
    });

    test('a BatchWriteRow table without rows, and a batch put without attributes, are refused with the service messages', async () => {
      const emptyTable = await failure(c.batchWriteRow({ tables: [{ tableName: 'kv', rows: [] }] }));
      const noColumns = await failure(
        c.batchWriteRow({ tables: [{ tableName: 'kv', rows: [{ type: 'PUT', condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ id: 'bare' }], attributeColumns: [] }] }] }),
      );
      assert.deepEqual([emptyTable.code, emptyTable.message], ['OTSParameterInvalid', "No operation is specified for table: 'kv'."]);
      assert.deepEqual([noColumns.code, noColumns.message], ['OTSParameterInvalid', 'Attribute column is missing.']);
    });

    test('BatchWriteRow with more than 200 rows is refused with OTSParameterInvalid', async () => {
      const rows = Array.from({ length: 201 }, (_, i) => ({ type: 'PUT' as const, condition: new TableStore.Condition(Exist.IGNORE), primaryKey: [{ id: `many-${i}` }], attributeColumns: [{ v: 1 }] }));
      const f = await failure(c.batchWriteRow({ tables: [{ tableName: 'kv', rows }] }));
      assert.equal(f.code, 'OTSParameterInvalid');
    });
  });

  test('an injected fault fails the next matching request with the given code', async () => {
    standin.injectFault({ operation: 'GetRow', status: 503, code: 'OTSServerBusy', message: 'Server is busy.' });
    const f = await failure(c.getRow({ tableName: 'kv', primaryKey: [{ id: 'x' }], maxVersions: 1 }));
    const next = await c.getRow({ tableName: 'kv', primaryKey: [{ id: 'x' }], maxVersions: 1 });
    assert.deepEqual([f.status, f.code], [503, 'OTSServerBusy']);
    assert.deepEqual(next.row, {});
  });
});

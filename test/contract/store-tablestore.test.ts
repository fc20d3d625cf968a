/**
 * The shared ExecutionStore contract on the Tablestore backend, through the real `tablestore` SDK
 * to the local wire-protocol stand-in (one fresh stand-in per case, so every store starts empty),
 * then what is particular to this backend: how it finds due executions, keeps the journal with
 * the compare-and-set, and handles service errors and configuration.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import TableStore from 'tablestore';
import { runStoreContract } from './store.case.ts';
import { CloudTransientError, ValidationError } from '../../src/errors.ts';
import { blankExecution, type ExecutionRecord, type JournalEntry } from '../../src/store/contract.ts';
import { createTablestoreStore, tablestoreOptionsFromEnv, type TablestoreStore } from '../../src/store/tablestore.ts';
import { startTablestoreStandin, type TablestoreStandin } from '../support/tablestore/server.ts';
import { createEngine } from '../../src/engine/engine.ts';
import { seededRandom } from '../../src/engine/retry.ts';
import type { AdvanceResult } from '../../src/engine/runner.ts';
import { InProcessScheduler, ManualClock } from '../../src/engine/scheduler.ts';
import { createTestProcedure, MemoryLedger, testDeps, testParams } from '../support/test-machines.ts';

const credentials = { accessKeyId: 'LTAI-test', accessKeySecret: 'test-secret', instanceName: 'xcflow-test' };
const fastRetry = { baseMs: 1, maxMs: 5 };

runStoreContract({
  name: 'tablestore (stand-in)',
  newStore: async () => {
    // Each new table refuses its first data request with OTSTableNotReady, as a fresh real table may.
    const standin = await startTablestoreStandin({ ...credentials, tableNotReadyRequests: 1 });
    const store = createTablestoreStore({ ...credentials, endpoint: standin.endpoint, retry: fastRetry });
    const closeStore = store.close.bind(store);
    store.close = async () => {
      await closeStore();
      await standin.close();
    };
    return store;
  },
});

const T0 = Date.UTC(2026, 0, 1);

function record(id: string, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return { ...blankExecution({ id, procedureId: 'p', procedureVersion: 1, requestedBy: 'alice', createdAt: T0 }), ...overrides };
}

function entries(executionId: string, from: number, count: number): JournalEntry[] {
  return Array.from({ length: count }, (_, i) => ({ executionId, seq: from + i, at: T0 + from + i, kind: 'transition' as const, data: { n: from + i } }));
}

describe('Tablestore backend specifics', () => {
  let standin: TablestoreStandin;
  let store: TablestoreStore;

  beforeEach(async () => {
    standin = await startTablestoreStandin(credentials);
    // One due shard so tests can address due rows directly.
    store = createTablestoreStore({ ...credentials, endpoint: standin.endpoint, retry: fastRetry, dueShards: 1 });
  });
  afterEach(async () => {
    await store.close();
    await standin.close();
  });

  function sdk() {
    return new TableStore.Client({ accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.accessKeySecret, endpoint: standin.endpoint, instancename: credentials.instanceName, maxRetries: 0 });
  }

  async function putDueRow(id: string, nextRunAt: number, writtenFor: number): Promise<void> {
    await sdk().putRow({
      tableName: store.tableNames.due,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE),
      primaryKey: [{ shard: TableStore.Long.fromNumber(0) }, { nextRunAt: TableStore.Long.fromNumber(nextRunAt) }, { executionId: id }],
      attributeColumns: [{ seq: TableStore.Long.fromNumber(writtenFor) }],
    });
  }

  test('due executions are found with GetRange on the due table, without reading the executions table by range', async () => {
    // Prepare
    for (let i = 0; i < 20; i += 1) await store.createExecution(record(`ex-${i}`, { nextRunAt: i % 2 === 0 ? T0 + i : null }));
    standin.resetStats();
    // Act
    const due = await store.listDue(T0 + 100, 50);
    // Assess
    assert.equal(due.length, 10);
    const { byTable } = standin.stats();
    assert.ok((byTable[`GetRange:${store.tableNames.due}`] ?? 0) >= 1);
    assert.equal(byTable[`GetRange:${store.tableNames.executions}`], undefined);
  });

  test('a lost compare-and-set writes no journal entry, and the due row it wrote is dropped by the next lookup', async () => {
    // Prepare
    await store.createExecution(record('ex-l', { nextRunAt: T0 + 10 }));
    // Act
    const won = await store.updateExecution(record('ex-l', { seq: 1, nextRunAt: T0 + 20, journalLength: 1 }), 0, entries('ex-l', 1, 1));
    const lost = await store.updateExecution(record('ex-l', { seq: 1, nextRunAt: T0 + 15, journalLength: 1 }), 0, entries('ex-l', 1, 1).map((e) => ({ ...e, data: { loser: true } })));
    const due = await store.listDue(T0 + 100, 10);
    // Assess
    assert.deepEqual([won, lost], [true, false]);
    assert.deepEqual(due, [{ id: 'ex-l', seq: 1, nextRunAt: T0 + 20 }]);
    assert.deepEqual((await store.readJournal('ex-l', { limit: 10 })).items.map((e) => e.data), [{ n: 1 }]);
    assert.equal(standin.inspect()[store.tableNames.due], 1);
  });

  test('a commit that moves nextRunAt deletes the due row it replaced, and one that keeps it writes none', async () => {
    // Prepare
    await store.createExecution(record('ex-m', { nextRunAt: T0 + 10 }));
    // Act
    await store.updateExecution(record('ex-m', { seq: 1, nextRunAt: T0 + 20 }), 0);
    const afterMove = standin.inspect()[store.tableNames.due];
    standin.resetStats();
    await store.updateExecution(record('ex-m', { seq: 2, nextRunAt: T0 + 20 }), 1);
    const putsForSameTime = standin.stats().byTable[`PutRow:${store.tableNames.due}`];
    // Assess
    assert.equal(afterMove, 1);
    assert.equal(putsForSameTime, undefined);
    assert.deepEqual(await store.listDue(T0 + 100, 10), [{ id: 'ex-m', seq: 2, nextRunAt: T0 + 20 }]);
  });

  test('a due row written for a compare-and-set still in flight is neither returned nor removed', async () => {
    // Prepare: the record is at seq 0 with nextRunAt T0+50; a writer has pre-written seq 1's row.
    await store.createExecution(record('ex-f', { nextRunAt: T0 + 50 }));
    await putDueRow('ex-f', T0 + 5, 1);
    // Act
    const due = await store.listDue(T0 + 100, 10);
    // Assess
    assert.deepEqual(due, [{ id: 'ex-f', seq: 0, nextRunAt: T0 + 50 }]);
    assert.equal(standin.inspect()[store.tableNames.due], 2);
  });

  test('a due row of an execution not (yet) created is kept while a create may be in flight', async () => {
    // Prepare
    await store.listDue(T0, 1);
    await putDueRow('ex-coming', T0 + 5, 0);
    // Act
    const due = await store.listDue(T0 + 100, 10);
    // Assess
    assert.deepEqual(due, []);
    assert.equal(standin.inspect()[store.tableNames.due], 1);
  });

  test('journal entries committed with the record survive a failed copy and are read and copied later', async () => {
    // Prepare
    await store.createExecution(record('ex-c'));
    standin.injectFault({ operation: 'BatchWriteRow', status: 500, code: 'OTSInternalServerError', message: 'Internal server error.' });
    // Act
    const committed = await store.updateExecution(record('ex-c', { seq: 1, journalLength: 2 }), 0, entries('ex-c', 1, 2));
    const copiedBefore = standin.inspect()[store.tableNames.journal];
    const read = await store.readJournal('ex-c', { limit: 10 });
    // Assess
    assert.equal(committed, true);
    assert.equal(copiedBefore, 0);
    assert.deepEqual(read.items, entries('ex-c', 1, 2));
    assert.equal(standin.inspect()[store.tableNames.journal], 2);
    const { row } = await sdk().getRow({ tableName: store.tableNames.executions, primaryKey: [{ id: 'ex-c' }], startColumn: 'pj_', endColumn: 'pj`', maxVersions: 1 });
    assert.deepEqual(row.attributes ?? [], []);
  });

  test('throttling is retried, while an ambiguous write failure surfaces as a transient error', async () => {
    // Prepare
    await store.createExecution(record('ex-t'));
    standin.injectFault({ operation: 'UpdateRow', status: 503, code: 'OTSServerBusy', message: 'Server is busy.', times: 2 });
    // Act
    const afterBusy = await store.updateExecution(record('ex-t', { seq: 1 }), 0);
    standin.injectFault({ operation: 'UpdateRow', status: 500, code: 'OTSInternalServerError', message: 'Internal server error.' });
    const ambiguous = store.updateExecution(record('ex-t', { seq: 2 }), 1);
    // Assess
    assert.equal(afterBusy, true);
    await assert.rejects(ambiguous, (err: unknown) => err instanceof CloudTransientError && err.code === 'OTSInternalServerError' && /HTTP 500/.test(err.message));
    assert.equal((await store.getExecution('ex-t'))?.seq, 1);
  });

  test('a second store on the same instance and prefix reuses the tables and sees the data', async () => {
    // Prepare
    await store.createExecution(record('ex-s'));
    const creates = standin.stats().byOperation.CreateTable;
    const other = createTablestoreStore({ ...credentials, endpoint: standin.endpoint, retry: fastRetry });
    // Act
    const seen = await other.getExecution('ex-s');
    // Assess
    assert.equal(seen?.id, 'ex-s');
    assert.equal(standin.stats().byOperation.CreateTable, creates);
    assert.equal(creates, Object.keys(store.tableNames).length);
  });

  test('STS credentials are sent with every request', async () => {
    // Prepare
    const sts = await startTablestoreStandin({ ...credentials, securityToken: 'sts-token' });
    const withToken = createTablestoreStore({ ...credentials, endpoint: sts.endpoint, securityToken: 'sts-token', retry: fastRetry });
    const without = createTablestoreStore({ ...credentials, endpoint: sts.endpoint, retry: fastRetry });
    try {
      // Act
      await withToken.createExecution(record('ex-sts'));
      const read = await withToken.getExecution('ex-sts');
      // Assess
      assert.equal(read?.id, 'ex-sts');
      await assert.rejects(without.getExecution('ex-sts'), (err: unknown) => (err as { code?: string }).code === 'OTSAuthFailed');
    } finally {
      await sts.close();
    }
  });

  test('a record larger than one Tablestore value is refused before anything is written', async () => {
    const huge = record('ex-big', { params: { blob: 'x'.repeat(2 * 1024 * 1024) } });
    await assert.rejects(store.createExecution(huge), (err: unknown) => err instanceof ValidationError && err.code === 'RecordTooLarge');
    assert.equal(await store.getExecution('ex-big'), null);
  });
});

describe('the engine on Tablestore', () => {
  test('two runners on two store objects, every delivery duplicated: each execution succeeds with each step committed and applied once', async () => {
    // Prepare: two engines (two runner ids, two SDK clients) over one stand-in instance.
    const standin = await startTablestoreStandin(credentials);
    const stores = [0, 1].map(() => createTablestoreStore({ ...credentials, endpoint: standin.endpoint, retry: fastRetry }));
    const clock = new ManualClock();
    const scheduler = new InProcessScheduler({ clock, copies: 2 });
    const ledger = new MemoryLedger();
    const procedures = [createTestProcedure()];
    const [one, two] = stores.map((store, i) =>
      createEngine({ store, procedures, deps: testDeps(ledger), scheduler, clock, random: seededRandom(i + 1), runnerId: `runner-${i}` }),
    );
    if (!one || !two) throw new Error('two engines expected');
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await one.start('test-ledger', testParams({ routeTable: `vtb-${i}` }), { requestedBy: 'alice', approvalRequired: false })).id);
    const outcomes: AdvanceResult[] = [];
    try {
      // Act
      await scheduler.drain(async (msg) => {
        outcomes.push(...(await Promise.all([one.advance(msg), two.advance(msg)])));
      });
      // Assess
      for (const id of ids) {
        assert.equal((await two.get(id)).status, 'succeeded');
        const journal = (await two.journal(id, { limit: 1000 })).items;
        const keys = journal.filter((e) => e.kind === 'effect').map((e) => String(e.data.idempotencyKey));
        assert.equal(new Set(keys).size, keys.length, 'each step entry committed once');
        assert.deepEqual(journal.map((e) => e.seq), journal.map((_, i) => i + 1));
        const applied = new Map<string, number>();
        for (const l of ledger.lines(id)) applied.set(`${l.op}:${l.item ?? ''}`, (applied.get(`${l.op}:${l.item ?? ''}`) ?? 0) + 1);
        assert.ok([...applied.values()].every((n) => n === 1), `${id}: ${JSON.stringify([...applied])}`);
      }
      assert.ok(outcomes.some((o) => o.outcome === 'lost' || o.outcome === 'stale'), 'the runners really raced');
    } finally {
      for (const s of stores) await s.close();
      await standin.close();
    }
  });
});

describe('the engine on Tablestore, driven by the sweep only', () => {
  test('when every delivery is lost, the sweep finds due executions in the due table and they still finish', async () => {
    // Prepare
    const standin = await startTablestoreStandin(credentials);
    const store = createTablestoreStore({ ...credentials, endpoint: standin.endpoint, retry: fastRetry });
    const clock = new ManualClock();
    const scheduler = new InProcessScheduler({ clock });
    const ledger = new MemoryLedger();
    const engine = createEngine({ store, procedures: [createTestProcedure()], deps: testDeps(ledger), scheduler, clock, random: seededRandom(7) });
    const ids: string[] = [];
    try {
      for (let i = 0; i < 2; i += 1) ids.push((await engine.start('test-ledger', testParams({ routeTable: `vtb-${i}` }), { requestedBy: 'alice', approvalRequired: false })).id);
      // Act: drop whatever was scheduled, move time to the next due one, let only the sweep dispatch.
      let rounds = 0;
      for (; rounds < 200; rounds += 1) {
        const statuses = await Promise.all(ids.map(async (id) => (await engine.get(id)).status));
        if (statuses.every((s) => s === 'succeeded')) break;
        scheduler.clear();
        // Like the sweep timer firing when the earliest execution falls due.
        const [next] = await store.listDue(clock.now() + 86_400_000, 1);
        if (next && next.nextRunAt > clock.now()) clock.advanceTo(next.nextRunAt);
        const { dispatched } = await engine.sweep();
        await scheduler.drain((msg) => engine.advance(msg), { maxDeliveries: dispatched });
      }
      // Assess
      for (const id of ids) assert.equal((await engine.get(id)).status, 'succeeded');
      assert.ok(rounds > 1, `needed ${rounds} sweeps`);
      assert.deepEqual(await store.listDue(clock.now() + 86_400_000, 10), []);
      assert.equal(standin.inspect()[store.tableNames.due], 0, 'no due rows left behind');
    } finally {
      await store.close();
      await standin.close();
    }
  });
});

describe('Tablestore configuration from the environment', () => {
  test('FC role credentials and the Tablestore settings are read from the environment', () => {
    const opts = tablestoreOptionsFromEnv({
      XCFLOW_STORE: 'tablestore',
      TABLESTORE_ENDPOINT: 'https://inst.cn-hangzhou.ots.aliyuncs.com',
      TABLESTORE_INSTANCE: 'inst',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'STS.id',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'secret',
      ALIBABA_CLOUD_SECURITY_TOKEN: 'token',
      TABLESTORE_TABLE_PREFIX: 'prod_',
      TABLESTORE_DUE_SHARDS: '8',
    });
    assert.deepEqual(opts, {
      endpoint: 'https://inst.cn-hangzhou.ots.aliyuncs.com',
      instanceName: 'inst',
      accessKeyId: 'STS.id',
      accessKeySecret: 'secret',
      securityToken: 'token',
      tablePrefix: 'prod_',
      dueShards: 8,
    });
  });

  test('a missing endpoint is a MissingConfig error naming the variable', () => {
    assert.throws(
      () => tablestoreOptionsFromEnv({ TABLESTORE_INSTANCE: 'inst', TABLESTORE_ACCESS_KEY_ID: 'a', TABLESTORE_ACCESS_KEY_SECRET: 'b' }),
      (err: unknown) => err instanceof ValidationError && err.code === 'MissingConfig' && err.field === 'TABLESTORE_ENDPOINT',
    );
  });
});

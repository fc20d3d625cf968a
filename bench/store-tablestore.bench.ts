/**
 * Per-step store cost of the Tablestore backend, measured through the real SDK against the local
 * stand-in — for the cost model, not a target: the stand-in answers in-process over loopback, so
 * these figures are client + protocol cost; a real instance adds its network round trips (count
 * them with `requestsPerStep`).
 *
 * A "step" here is what the runner's commit does: `updateExecution` (compare-and-set on `seq`
 * with two journal entries and a new `nextRunAt`), alone and preceded by the `getExecution` load.
 */
import TableStore from 'tablestore';
import { blankExecution, type ExecutionRecord, type JournalEntry } from '../src/store/contract.ts';
import { createTablestoreStore } from '../src/store/tablestore.ts';
import { startTablestoreStandin } from '../test/support/tablestore/server.ts';

const EXECUTIONS = 50;
const STEPS = 3000;
const BARE = 1000;
const T0 = Date.UTC(2026, 0, 1);

function summarize(samples: number[]): { median: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  const round = (x: number): number => Math.round(x * 1000) / 1000;
  return { median: round(at(0.5)), p99: round(at(0.99)), mean: round(s.reduce((a, b) => a + b, 0) / s.length) };
}

function entries(id: string, from: number, step: number): JournalEntry[] {
  return [
    { executionId: id, seq: from, at: T0 + step, kind: 'transition', state: 'Checking', data: { from: 'Doing', to: 'Checking', event: 'STEP.DONE' } },
    { executionId: id, seq: from + 1, at: T0 + step, kind: 'effect', state: 'Doing', data: { effect: 'ensureRoute', durationMs: 12, outcome: 'ok', calls: [{ action: 'CreateRouteEntry', requestId: 'R-1' }] } },
  ];
}

/** Runs the benchmark; returns latency figures in milliseconds. */
export default async function run(): Promise<Record<string, unknown>> {
  const creds = { accessKeyId: 'LTAI-bench', accessKeySecret: 'bench-secret', instanceName: 'bench' };
  const standin = await startTablestoreStandin(creds);
  const store = createTablestoreStore({ ...creds, endpoint: standin.endpoint });
  try {
    const records = new Map<string, ExecutionRecord>();
    for (let i = 0; i < EXECUTIONS; i += 1) {
      const id = `ex-bench-${String(i).padStart(4, '0')}`;
      const r: ExecutionRecord = {
        ...blankExecution({ id, procedureId: 'bench', procedureVersion: 1, requestedBy: 'alice', createdAt: T0 }),
        status: 'running',
        nextRunAt: T0,
        params: { routeTableId: 'vtb-bench', cidrs: ['10.0.0.0/8', '172.16.0.0/12'] },
        snapshot: { status: 'active', value: 'Doing', context: { attempts: 0, routes: ['10.0.0.0/8'] }, historyValue: {}, children: {} },
      };
      await store.createExecution(r);
      records.set(id, r);
    }

    // Bare single round trips through the same SDK and stand-in, for scale.
    const client = new TableStore.Client({ ...creds, secretAccessKey: creds.accessKeySecret, endpoint: standin.endpoint, instancename: creds.instanceName });
    const bareGet: number[] = [];
    const bareCas: number[] = [];
    await client.putRow({
      tableName: store.tableNames.locks,
      condition: new TableStore.Condition(TableStore.RowExistenceExpectation.IGNORE),
      primaryKey: [{ resource: 'bench' }],
      attributeColumns: [{ seq: TableStore.Long.fromNumber(0) }],
    });
    for (let i = 0; i < BARE; i += 1) {
      let t = performance.now();
      await client.getRow({ tableName: store.tableNames.locks, primaryKey: [{ resource: 'bench' }], maxVersions: 1 });
      bareGet.push(performance.now() - t);
      t = performance.now();
      await client.updateRow({
        tableName: store.tableNames.locks,
        condition: new TableStore.Condition(
          TableStore.RowExistenceExpectation.EXPECT_EXIST,
          new TableStore.SingleColumnCondition('seq', TableStore.Long.fromNumber(i), TableStore.ComparatorType.EQUAL, false),
        ),
        primaryKey: [{ resource: 'bench' }],
        updateOfAttributeColumns: [{ PUT: [{ seq: TableStore.Long.fromNumber(i + 1) }] }],
      });
      bareCas.push(performance.now() - t);
    }

    const commit: number[] = [];
    const loadAndCommit: number[] = [];
    standin.resetStats();
    for (let step = 0; step < STEPS; step += 1) {
      const id = `ex-bench-${String(step % EXECUTIONS).padStart(4, '0')}`;
      const started = performance.now();
      const loaded = (await store.getExecution(id)) as ExecutionRecord;
      const afterLoad = performance.now();
      const next: ExecutionRecord = {
        ...loaded,
        seq: loaded.seq + 1,
        updatedAt: T0 + step,
        nextRunAt: T0 + step + 60_000,
        journalLength: loaded.journalLength + 2,
        step: { state: 'Checking', kind: 'effect', entrySeq: loaded.seq + 1, enteredAt: T0 + step, attempt: 1, failures: 0 },
      };
      const ok = await store.updateExecution(next, loaded.seq, entries(id, loaded.journalLength + 1, step));
      const done = performance.now();
      if (!ok) throw new Error(`bench: unexpected lost compare-and-set on ${id}`);
      commit.push(done - afterLoad);
      loadAndCommit.push(done - started);
    }
    const requests = Object.values(standin.stats().byOperation).reduce((a, b) => a + b, 0);

    const dueStarted = performance.now();
    const due = await store.listDue(T0 + STEPS + 60_000, 100);
    const listDueMs = performance.now() - dueStarted;

    return {
      note: 'Tablestore backend through the real SDK to the local stand-in (loopback, in-process): for the cost model, not a target',
      executions: EXECUTIONS,
      steps: STEPS,
      commitMs: summarize(commit),
      loadAndCommitMs: summarize(loadAndCommit),
      bareGetRowMs: summarize(bareGet),
      bareConditionalUpdateRowMs: summarize(bareCas),
      requestsPerStep: Math.round((requests / STEPS) * 100) / 100,
      requestsPerStepBreakdown: 'GetRow (load) + PutRow (due row) + UpdateRow (CAS with journal columns) + BatchWriteRow (journal copy) + UpdateRow (drop copied columns)',
      listDue100Ms: Math.round(listDueMs * 1000) / 1000,
      listDueFound: due.length,
    };
  } finally {
    await store.close();
    await standin.close();
  }
}

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runStoreContract } from './store.case.ts';
import { blankExecution, type ExecutionRecord } from '../../src/store/contract.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';

runStoreContract({ name: 'sqlite', newStore: async () => new SqliteStore(':memory:') });

describe('sqlite store: status index', () => {
  test('a write another process made behind this store is not lost to its remembered status', async () => {
    // Prepare: two stores on one file; `a` remembers the execution as running at seq 1.
    const dir = mkdtempSync(join(tmpdir(), 'xcflow-sqlite-'));
    const path = join(dir, 'x.db');
    const a = new SqliteStore(path);
    const b = new SqliteStore(path);
    try {
      const base: ExecutionRecord = { ...blankExecution({ id: 'ex-1', procedureId: 'p', procedureVersion: 1, requestedBy: 'alice', createdAt: 1 }), status: 'running', seq: 1 };
      await a.createExecution(base);
      await a.getExecution('ex-1');
      assert.equal(await b.updateExecution({ ...base, seq: 2, status: 'waiting' }, 1), true);
      // Act: `a` writes "running" again on top of b's "waiting"; then a stale write.
      const won = await a.updateExecution({ ...base, seq: 3, status: 'running' }, 2);
      const stale = await a.updateExecution({ ...base, seq: 3, status: 'running' }, 2);
      // Assess: the write applied, the status column and its index agree with the record.
      assert.equal(won, true);
      assert.equal(stale, false);
      assert.equal((await b.getExecution('ex-1'))?.status, 'running');
      assert.deepEqual((await b.listExecutions({ status: ['running'] }, { limit: 10 })).items.map((r) => r.id), ['ex-1']);
      assert.deepEqual((await b.listExecutions({ status: ['waiting'] }, { limit: 10 })).items, []);
    } finally {
      await a.close();
      await b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

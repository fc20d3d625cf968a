/**
 * The shared `ExecutionStore` contract suite. Every backend runs it:
 *
 *   runStoreContract({ name: 'sqlite', newStore: async () => new SqliteStore(':memory:') });
 *
 * `newStore` must return an isolated, empty store per call (a fresh file, instance or table
 * prefix). `skip` maps a case name to the reason it does not apply to a backend.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConflictError, NotFoundError } from '../../src/errors.ts';
import {
  blankExecution,
  type ApprovalDecision,
  type AuditFindingRecord,
  type ExecutionRecord,
  type ExecutionStore,
  type JournalEntry,
} from '../../src/store/contract.ts';

/** Options of the shared suite. */
export interface StoreContractOptions {
  name: string;
  newStore: () => Promise<ExecutionStore>;
  skip?: Partial<Record<StoreCaseName, string>>;
}

/** Names of the cases, for `skip`. */
export type StoreCaseName =
  | 'create-once'
  | 'round-trip'
  | 'compare-and-set'
  | 'concurrent-compare-and-set'
  | 'signals'
  | 'journal-atomic'
  | 'journal-paging'
  | 'due'
  | 'list'
  | 'approvals'
  | 'locks'
  | 'tokens'
  | 'idempotency'
  | 'audit-runs'
  | 'audit-findings';

const T0 = Date.UTC(2026, 0, 1);

function record(id: string, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    ...blankExecution({ id, procedureId: 'test-proc', procedureVersion: 1, requestedBy: 'alice', createdAt: T0 }),
    ...overrides,
  };
}

function entries(executionId: string, from: number, count: number): JournalEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    executionId,
    seq: from + i,
    at: T0 + from + i,
    kind: 'transition' as const,
    state: `S${from + i}`,
    data: { from: `S${from + i - 1}`, to: `S${from + i}`, event: 'STEP.DONE' },
  }));
}

async function withStore(opts: StoreContractOptions, body: (store: ExecutionStore) => Promise<void>): Promise<void> {
  const store = await opts.newStore();
  try {
    await body(store);
  } finally {
    await store.close();
  }
}

/** Registers the contract suite for one backend. */
export function runStoreContract(opts: StoreContractOptions): void {
  const skip = opts.skip ?? {};
  const tcase = (name: StoreCaseName, title: string, body: (store: ExecutionStore) => Promise<void>): void => {
    const reason = skip[name];
    test(`${title} [${name}]`, reason ? { skip: reason } : {}, () => withStore(opts, body));
  };

  describe(`ExecutionStore contract: ${opts.name}`, () => {
    tcase('create-once', 'creating an execution twice fails with ExecutionExists and keeps the first', async (store) => {
      // Prepare
      await store.createExecution(record('ex-1', { requestedBy: 'alice' }));
      // Act
      const second = store.createExecution(record('ex-1', { requestedBy: 'mallory' }));
      // Assess
      await assert.rejects(second, (err: unknown) => err instanceof ConflictError && err.code === 'ExecutionExists');
      assert.equal((await store.getExecution('ex-1'))?.requestedBy, 'alice');
      assert.equal(await store.getExecution('ex-missing'), null);
    });

    tcase('round-trip', 'a record with every field set reads back identical', async (store) => {
      // Prepare
      const full = record('ex-full', {
        status: 'awaiting_approval',
        seq: 7,
        updatedAt: T0 + 99,
        nextRunAt: T0 + 3_600_000,
        idempotencyKey: 'key-1',
        params: { routeTableId: 'vtb-1', cidrs: ['10.0.0.0/8', '192.168.0.0/16'], weight: 100, note: 'naïve ✓', nested: { a: null, b: true } },
        approvalRequired: false,
        snapshot: { status: 'active', value: { Outer: 'Inner' }, context: { n: 1.5, list: [] }, historyValue: {}, children: {} },
        step: { state: 'AwaitingApproval', kind: 'approval', entrySeq: 6, enteredAt: T0 + 50, attempt: 0, failures: 0 },
        lease: { owner: 'runner-a', until: T0 + 60_000 },
        approval: {
          gateSeq: 6,
          state: 'AwaitingApproval',
          roles: ['approver', 'admin'],
          quorum: 2,
          reason: 'changes production routes',
          requestedBy: 'alice',
          openedAt: T0 + 50,
          expiresAt: T0 + 3_600_000,
          status: 'pending',
        },
        locks: ['route-table:vtb-1', 'vbr:vbr-1'],
        locksHeld: true,
        waitReason: 'waiting for 2 approvals',
        waitingSince: T0 + 50,
        output: { done: [1, 2] },
        error: { name: 'CloudTransientError', kind: 'cloud_transient', code: 'Throttling', message: 'slow down', retryable: true, requestId: 'R-1' },
        journalLength: 0,
        handledSignals: ['rollback'],
      });
      // Act
      await store.createExecution(full);
      // Assess
      assert.deepEqual(await store.getExecution('ex-full'), full);
    });

    tcase('compare-and-set', 'an update applies only when seq matches, and a stale update changes nothing', async (store) => {
      // Prepare
      await store.createExecution(record('ex-cas'));
      // Act
      const first = await store.updateExecution(record('ex-cas', { seq: 1, status: 'running' }), 0);
      const stale = await store.updateExecution(record('ex-cas', { seq: 1, status: 'failed' }), 0);
      const missing = await store.updateExecution(record('ex-none', { seq: 1 }), 0);
      // Assess
      assert.equal(first, true);
      assert.equal(stale, false);
      assert.equal(missing, false);
      const stored = await store.getExecution('ex-cas');
      assert.equal(stored?.seq, 1);
      assert.equal(stored?.status, 'running');
      assert.equal(await store.getExecution('ex-none'), null);
    });

    tcase('concurrent-compare-and-set', 'of ten concurrent updates from one seq exactly one wins', async (store) => {
      // Prepare
      await store.createExecution(record('ex-race'));
      // Act
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.updateExecution(record('ex-race', { seq: 1, waitReason: `w${i}` }), 0)),
      );
      // Assess
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.equal((await store.getExecution('ex-race'))?.waitReason, `w${winner}`);
    });

    tcase('signals', 'a signal is set once, survives record updates and needs an existing execution', async (store) => {
      // Prepare
      await store.createExecution(record('ex-sig'));
      // Act
      const first = await store.putSignal('ex-sig', 'cancel', { by: 'bob', at: T0 + 1, reason: 'wrong VBR' });
      const again = await store.putSignal('ex-sig', 'cancel', { by: 'carol', at: T0 + 2 });
      const updated = await store.updateExecution(record('ex-sig', { seq: 1, signals: {} }), 0);
      // Assess
      assert.equal(first, true);
      assert.equal(again, false);
      assert.equal(updated, true);
      const stored = await store.getExecution('ex-sig');
      assert.deepEqual(stored?.signals, { cancel: { by: 'bob', at: T0 + 1, reason: 'wrong VBR' } });
      assert.equal(stored?.seq, 1);
      await assert.rejects(store.putSignal('ex-none', 'cancel', { by: 'bob', at: T0 }), NotFoundError);
    });

    tcase('journal-atomic', 'journal entries are written with a winning update only', async (store) => {
      // Prepare
      await store.createExecution(record('ex-j', { journalLength: 1 }), entries('ex-j', 1, 1));
      // Act
      const won = await store.updateExecution(record('ex-j', { seq: 1, journalLength: 3 }), 0, entries('ex-j', 2, 2));
      const lost = await store.updateExecution(record('ex-j', { seq: 1, journalLength: 5 }), 0, entries('ex-j', 4, 2));
      // Assess
      assert.equal(won, true);
      assert.equal(lost, false);
      const page = await store.readJournal('ex-j', { limit: 100 });
      assert.deepEqual(page.items, entries('ex-j', 1, 3));
      assert.equal(page.cursor, null);
    });

    tcase('journal-paging', 'the journal reads back in order across pages and per execution', async (store) => {
      // Prepare
      await store.createExecution(record('ex-p', { journalLength: 25 }), entries('ex-p', 1, 25));
      await store.createExecution(record('ex-q', { journalLength: 3 }), entries('ex-q', 1, 3));
      // Act
      const seen: JournalEntry[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.readJournal('ex-p', { limit: 10, cursor });
        seen.push(...page.items);
        cursor = page.cursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      // Assess
      assert.deepEqual(seen.map((e) => e.seq), Array.from({ length: 25 }, (_, i) => i + 1));
      assert.ok(pages === 3 || pages === 4, `pages: ${pages}`);
      assert.deepEqual(seen, entries('ex-p', 1, 25));
      assert.equal((await store.readJournal('ex-q', { limit: 10 })).items.length, 3);
      assert.deepEqual((await store.readJournal('ex-none', { limit: 10 })).items, []);
    });

    tcase('due', 'due executions come back earliest first, within the limit, and leave once rescheduled', async (store) => {
      // Prepare
      await store.createExecution(record('ex-d1', { nextRunAt: T0 + 30 }));
      await store.createExecution(record('ex-d2', { nextRunAt: T0 + 10, seq: 4 }));
      await store.createExecution(record('ex-d3', { nextRunAt: T0 + 20 }));
      await store.createExecution(record('ex-d4', { nextRunAt: T0 + 1000 }));
      await store.createExecution(record('ex-d5', { nextRunAt: null, status: 'succeeded' }));
      // Act
      const due = await store.listDue(T0 + 30, 10);
      const limited = await store.listDue(T0 + 30, 2);
      await store.updateExecution(record('ex-d2', { seq: 5, nextRunAt: null, status: 'succeeded' }), 4);
      await store.updateExecution(record('ex-d1', { seq: 1, nextRunAt: T0 + 5000 }), 0);
      const after = await store.listDue(T0 + 30, 10);
      // Assess
      assert.deepEqual(due, [
        { id: 'ex-d2', seq: 4, nextRunAt: T0 + 10 },
        { id: 'ex-d3', seq: 0, nextRunAt: T0 + 20 },
        { id: 'ex-d1', seq: 0, nextRunAt: T0 + 30 },
      ]);
      assert.deepEqual(limited.map((d) => d.id), ['ex-d2', 'ex-d3']);
      assert.deepEqual(after.map((d) => d.id), ['ex-d3']);
    });

    tcase('list', 'listing filters by status, procedure and requester, newest first, in pages', async (store) => {
      // Prepare
      for (let i = 0; i < 7; i += 1) {
        const id = `ex-0000${i}`;
        await store.createExecution(
          record(id, {
            procedureId: i % 2 === 0 ? 'proc-even' : 'proc-odd',
            status: i < 3 ? 'succeeded' : 'running',
            requestedBy: i === 6 ? 'bob' : 'alice',
            createdAt: T0 + i,
          }),
        );
      }
      // Act
      const all: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await store.listExecutions({}, { limit: 3, cursor });
        all.push(...page.items.map((r) => r.id));
        cursor = page.cursor;
        pages += 1;
      } while (cursor !== null && pages < 10);
      const running = await store.listExecutions({ status: ['running'] }, { limit: 50 });
      const mixed = await store.listExecutions({ status: ['running', 'succeeded'], procedureId: 'proc-even' }, { limit: 50 });
      const bob = await store.listExecutions({ requestedBy: 'bob' }, { limit: 50 });
      // Assess
      assert.deepEqual(all, ['ex-00006', 'ex-00005', 'ex-00004', 'ex-00003', 'ex-00002', 'ex-00001', 'ex-00000']);
      assert.deepEqual(running.items.map((r) => r.id), ['ex-00006', 'ex-00005', 'ex-00004', 'ex-00003']);
      assert.equal(running.cursor, null);
      assert.deepEqual(mixed.items.map((r) => r.id), ['ex-00006', 'ex-00004', 'ex-00002', 'ex-00000']);
      assert.deepEqual(bob.items.map((r) => r.id), ['ex-00006']);
    });

    tcase('approvals', 'a principal decides once per gate and decisions list oldest first', async (store) => {
      // Prepare
      const decision = (principal: string, gateSeq: number, at: number, d: 'approve' | 'reject' = 'approve'): ApprovalDecision => ({
        executionId: 'ex-a',
        gateSeq,
        principal,
        decision: d,
        roles: ['approver'],
        at,
        ...(principal === 'bob' ? { comment: 'looks right' } : {}),
      });
      // Act
      const first = await store.putApprovalDecision(decision('bob', 3, T0 + 1));
      const repeat = await store.putApprovalDecision(decision('bob', 3, T0 + 5, 'reject'));
      await store.putApprovalDecision(decision('carol', 3, T0 + 2));
      await store.putApprovalDecision(decision('bob', 9, T0 + 3));
      // Assess
      assert.equal(first.created, true);
      assert.equal(repeat.created, false);
      assert.deepEqual(repeat.decision, decision('bob', 3, T0 + 1));
      assert.deepEqual(await store.listApprovalDecisions('ex-a', 3), [decision('bob', 3, T0 + 1), decision('carol', 3, T0 + 2)]);
      assert.deepEqual(await store.listApprovalDecisions('ex-a', 9), [decision('bob', 9, T0 + 3)]);
      assert.deepEqual(await store.listApprovalDecisions('ex-other', 3), []);
    });

    tcase('locks', 'a lock is exclusive until released or lapsed, and renewable by its holder', async (store) => {
      // Prepare
      const res = 'route-table:vtb-1';
      // Act / Assess
      assert.deepEqual(await store.tryLock({ resource: res, owner: 'ex-1', until: T0 + 100 }, T0), {
        acquired: true,
        holder: { resource: res, owner: 'ex-1', until: T0 + 100 },
      });
      assert.deepEqual(await store.tryLock({ resource: res, owner: 'ex-2', until: T0 + 200 }, T0 + 50), {
        acquired: false,
        holder: { resource: res, owner: 'ex-1', until: T0 + 100 },
      });
      assert.equal((await store.tryLock({ resource: res, owner: 'ex-1', until: T0 + 300 }, T0 + 60)).acquired, true);
      assert.equal((await store.getLock(res))?.until, T0 + 300);
      assert.equal(await store.releaseLock(res, 'ex-2'), false);
      assert.equal((await store.tryLock({ resource: res, owner: 'ex-2', until: T0 + 400 }, T0 + 299)).acquired, false);
      assert.deepEqual(await store.tryLock({ resource: res, owner: 'ex-2', until: T0 + 900 }, T0 + 300), {
        acquired: true,
        holder: { resource: res, owner: 'ex-2', until: T0 + 900 },
      });
      assert.equal(await store.releaseLock(res, 'ex-2'), true);
      assert.equal(await store.getLock(res), null);
      assert.equal((await store.tryLock({ resource: res, owner: 'ex-3', until: T0 + 1000 }, T0 + 301)).acquired, true);
      assert.equal(await store.getLock('vbr:none'), null);
    });

    tcase('tokens', 'tokens are stored by hash once, read, listed and deleted', async (store) => {
      // Prepare
      const token = { hash: 'a'.repeat(64), principal: 'alice', roles: ['operator' as const, 'approver' as const], createdAt: T0, expiresAt: null, label: 'laptop' };
      const other = { hash: 'b'.repeat(64), principal: 'bob', roles: ['viewer' as const], createdAt: T0 + 1, expiresAt: T0 + 10_000 };
      // Act
      await store.putToken(token);
      await store.putToken(other);
      const duplicate = store.putToken({ ...token, principal: 'mallory' });
      // Assess
      await assert.rejects(duplicate, (err: unknown) => err instanceof ConflictError && err.code === 'TokenExists');
      assert.deepEqual(await store.getToken(token.hash), token);
      assert.equal(await store.getToken('c'.repeat(64)), null);
      assert.deepEqual((await store.listTokens()).map((t) => t.principal).sort(), ['alice', 'bob']);
      assert.equal(await store.deleteToken(token.hash), true);
      assert.equal(await store.deleteToken(token.hash), false);
      assert.equal(await store.getToken(token.hash), null);
    });

    tcase('idempotency', 'an idempotency key is claimed once until it expires', async (store) => {
      // Prepare
      const claim = { key: 'start:abc', value: { executionId: 'ex-1' }, createdAt: T0, expiresAt: T0 + 1000 };
      // Act
      const first = await store.claimIdempotencyKey(claim, T0);
      const second = await store.claimIdempotencyKey({ ...claim, value: { executionId: 'ex-2' }, createdAt: T0 + 10 }, T0 + 10);
      const afterExpiry = await store.claimIdempotencyKey({ ...claim, value: { executionId: 'ex-3' }, createdAt: T0 + 1000, expiresAt: T0 + 2000 }, T0 + 1000);
      // Assess
      assert.deepEqual(first, { created: true, record: claim });
      assert.deepEqual(second, { created: false, record: claim });
      assert.equal(afterExpiry.created, true);
      assert.deepEqual(afterExpiry.record.value, { executionId: 'ex-3' });
    });
    tcase('audit-runs', 'audit runs are replaced by id and listed newest first across pages', async (store) => {
      // Prepare
      const run = (n: number, extra: Record<string, string> = {}) => ({ runId: `ex-00000000${n}`, at: T0 + n, data: { counts: { critical: n }, ...extra } });
      for (const n of [3, 1, 5, 2, 4]) await store.putAuditRun(run(n));
      // Act
      await store.putAuditRun(run(3, { note: 'rewritten by a retried step' }));
      const first = await store.listAuditRuns({ limit: 2 });
      const second = await store.listAuditRuns({ limit: 2, cursor: first.cursor });
      const third = await store.listAuditRuns({ limit: 2, cursor: second.cursor });
      // Assess
      assert.deepEqual(await store.getAuditRun('ex-000000003'), run(3, { note: 'rewritten by a retried step' }));
      assert.equal(await store.getAuditRun('ex-missing'), null);
      assert.deepEqual([...first.items, ...second.items, ...third.items].map((r) => r.runId), [5, 4, 3, 2, 1].map((n) => `ex-00000000${n}`));
      assert.equal(third.cursor, null);
    });

    tcase('audit-findings', 'audit findings are upserted by key, fetched by keys and listed by status in key order', async (store) => {
      // Prepare
      const finding = (key: string, status: 'open' | 'resolved', severity = 'warning'): AuditFindingRecord => ({
        key,
        status,
        updatedAt: T0,
        data: { checkId: key.split('|')[0] ?? key, severity, resources: [key], evidence: { weights: [100, 50] } },
      });
      const many = Array.from({ length: 205 }, (_, i) => finding(`ecmp-symmetry|route:vtb-${String(i).padStart(3, '0')}`, i % 2 === 0 ? 'open' : 'resolved'));
      // Act
      await store.putAuditFindings(many);
      await store.putAuditFindings([finding('ecmp-symmetry|route:vtb-001', 'open', 'critical')]);
      await store.putAuditFindings([]);
      const open: AuditFindingRecord[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.listAuditFindings({ status: 'open' }, { limit: 40, cursor });
        open.push(...page.items);
        cursor = page.cursor;
      } while (cursor);
      const all = await store.listAuditFindings({}, { limit: 500 });
      const got = await store.getAuditFindings(['ecmp-symmetry|route:vtb-002', 'missing', 'ecmp-symmetry|route:vtb-001', 'ecmp-symmetry|route:vtb-002']);
      // Assess
      assert.equal(all.items.length, 205);
      assert.equal(all.cursor, null);
      assert.deepEqual(all.items.map((f) => f.key), [...all.items.map((f) => f.key)].sort());
      assert.equal(open.length, 104);
      assert.ok(open.every((f) => f.status === 'open'));
      assert.deepEqual(open.map((f) => f.key), [...open.map((f) => f.key)].sort());
      assert.deepEqual(got.map((f) => f.key), ['ecmp-symmetry|route:vtb-001', 'ecmp-symmetry|route:vtb-002']);
      assert.deepEqual(got[0], finding('ecmp-symmetry|route:vtb-001', 'open', 'critical'));
    });
  });
}

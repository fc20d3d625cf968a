import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SqliteStore } from '../../src/store/sqlite.ts';
import type { KeyedFinding } from '../../workflows/health-audit/checks/index.ts';
import { assignRunId } from '../../workflows/health-audit/effects.ts';
import { findingKey, reconcile, type FindingState } from '../../workflows/health-audit/findings.ts';
import type { Severity } from '../../workflows/health-audit/types.ts';

const finding = (resource: string, severity: Severity = 'warning'): KeyedFinding => ({
  key: findingKey('ecmp-symmetry', [`route:vtb-1|${resource}`]),
  checkId: 'ecmp-symmetry',
  severity,
  title: `ECMP route ${resource}`,
  resources: [`route:vtb-1|${resource}`],
  evidence: { weights: [100, 50] },
  fix: 'equal weights',
});

/**
 * Applies one run as the audit step loads it (open records, the observed keys' records, and those
 * an earlier attempt of the same run resolved); returns the run's changes.
 */
function apply(records: Map<string, FindingState>, observed: KeyedFinding[], runId: string, at: number) {
  const previous = [...records.values()].filter((r) => r.status === 'open' || observed.some((o) => o.key === r.key) || r.resolvedRunId === runId);
  const r = reconcile(previous, observed, { runId, at });
  for (const u of r.updates) records.set(u.key, u);
  return r.changes;
}

describe('finding keys', () => {
  test('a key is the check id and the sorted resources, whatever their order', () => {
    assert.equal(findingKey('vbr-status', ['vbr:b', 'vbr:a', 'vbr:a']), 'vbr-status|vbr:a,vbr:b');
    assert.equal(findingKey('vbr-status', ['vbr:a', 'vbr:b']), findingKey('vbr-status', ['vbr:b', 'vbr:a']));
  });

  test('a long resource list is hashed to a short stable key', () => {
    // Prepare
    const many = Array.from({ length: 40 }, (_, i) => `route:vtb-1|10.${i}.0.0/16`);
    // Act
    const key = findingKey('health-check-present', many);
    // Assess
    assert.match(key, /^health-check-present\|sha256:[0-9a-f]{32}$/);
    assert.equal(key, findingKey('health-check-present', [...many].reverse()));
  });
});

describe('findings lifecycle (reconcile)', () => {
  test('opened once, persisting without a new record, resolved, then reopened as a second episode', () => {
    // Prepare
    const records = new Map<string, FindingState>();
    const f = finding('10.0.0.0/8');
    // Act
    const c1 = apply(records, [f], 'ex-1', 1);
    const c2 = apply(records, [f], 'ex-2', 2);
    const afterTwo = { ...records.get(f.key)! };
    const c3 = apply(records, [], 'ex-3', 3);
    const afterThree = { ...records.get(f.key)! };
    const c4 = apply(records, [f], 'ex-4', 4);
    // Assess
    assert.deepEqual(c1, { opened: [f.key], resolved: [], changed: [], persisting: [] });
    assert.deepEqual(c2, { opened: [], resolved: [], changed: [], persisting: [f.key] });
    assert.equal(records.size, 1);
    assert.deepEqual([afterTwo.firstSeenRunId, afterTwo.lastSeenRunId, afterTwo.runsSeen, afterTwo.occurrences], ['ex-1', 'ex-2', 2, 1]);
    assert.deepEqual(c3.resolved, [f.key]);
    assert.deepEqual([afterThree.status, afterThree.resolvedRunId, afterThree.resolvedAt], ['resolved', 'ex-3', 3]);
    assert.deepEqual(c4.opened, [f.key]);
    const back = records.get(f.key)!;
    assert.deepEqual([back.status, back.firstSeenRunId, back.openedRunId, back.occurrences, back.resolvedRunId], ['open', 'ex-1', 'ex-4', 2, null]);
  });

  test('a severity change is reported as changed, with the previous severity', () => {
    // Prepare
    const records = new Map<string, FindingState>();
    apply(records, [finding('10.0.0.0/8', 'warning')], 'ex-1', 1);
    // Act
    const changes = apply(records, [finding('10.0.0.0/8', 'critical')], 'ex-2', 2);
    // Assess
    const key = finding('10.0.0.0/8').key;
    assert.deepEqual(changes.changed, [key]);
    assert.deepEqual([records.get(key)!.severity, records.get(key)!.previousSeverity], ['critical', 'warning']);
  });

  test('a retried run computes the same changes from what its first attempt wrote', () => {
    // Prepare: run 1 sees a and b; run 2 sees b and c, and its first attempt was written before a crash
    const records = new Map<string, FindingState>();
    const [a, b, c] = [finding('10.1.0.0/16'), finding('10.2.0.0/16'), finding('10.3.0.0/16')];
    apply(records, [a, b], 'ex-1', 1);
    const first = apply(records, [b, c], 'ex-2', 2);
    // Act
    const retried = apply(records, [b, c], 'ex-2', 2);
    // Assess
    assert.deepEqual(retried, first);
    assert.deepEqual(first, { opened: [c.key], resolved: [a.key], changed: [], persisting: [b.key] });
    assert.equal(records.get(b.key)!.runsSeen, 2);
  });

  test('a retry that reads a changed network corrects what the first attempt wrote', () => {
    // Prepare: the first attempt of run 2 resolved a; the retry sees a again
    const records = new Map<string, FindingState>();
    const a = finding('10.1.0.0/16');
    apply(records, [a], 'ex-1', 1);
    apply(records, [], 'ex-2', 2);
    // Act
    const retried = apply(records, [a], 'ex-2', 2);
    // Assess
    assert.deepEqual(retried, { opened: [], resolved: [], changed: [], persisting: [a.key] });
    assert.deepEqual([records.get(a.key)!.status, records.get(a.key)!.openedRunId, records.get(a.key)!.occurrences], ['open', 'ex-1', 1]);
  });
});

describe('run ids', () => {
  test('runs are numbered in recording order, a retried step keeps its number, a taken number is skipped', async () => {
    // Prepare
    const store = new SqliteStore(':memory:');
    // Act
    const first = await assignRunId(store, 'ex-zzz', 1);
    await store.putAuditRun({ runId: first, at: 1, data: { executionId: 'ex-zzz' } });
    const retried = await assignRunId(store, 'ex-zzz', 2);
    // Another audit claimed the next number but has not written its run yet.
    const other = await assignRunId(store, 'ex-aaa', 3);
    const third = await assignRunId(store, 'ex-mmm', 4);
    // Assess
    assert.equal(first, 'run-000000000001');
    assert.equal(retried, first);
    assert.equal(other, 'run-000000000002');
    assert.equal(third, 'run-000000000003');
    await store.close();
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialTransition, setup, transition, type AnyMachineSnapshot } from 'xstate';
import { ValidationError } from '../../src/errors.ts';
import { ProcedureRegistry, leafPath, stepMetaAt } from '../../src/engine/registry.ts';
import { backoffDelay, isTransient, seededRandom, withinBudget } from '../../src/engine/retry.ts';
import { persistSnapshot, pureTransition, restoreSnapshot } from '../../src/engine/runner.ts';
import { schemaIssues, assertMatchesSchema } from '../../src/engine/schema.ts';
import { CloudPermanentError, CloudTransientError } from '../../src/errors.ts';
import type { MachineInput, ProcedureDefinition, RunnerEvent } from '../../src/engine/types.ts';
import { createTestProcedure, testParams, type TestParams } from '../support/test-machines.ts';

const def = createTestProcedure();
const input: MachineInput<TestParams> = { params: testParams({ items: ['a', 'b'] }), executionId: 'ex-1', requestedBy: 'alice', approvalRequired: true };
const failed: RunnerEvent = { type: 'STEP.FAILED', error: { name: 'CloudPermanentError', kind: 'cloud_permanent', code: 'X', message: 'x', retryable: false } };

function drive(events: RunnerEvent[]): AnyMachineSnapshot {
  let [snap] = initialTransition(def.machine, input);
  for (const e of events) [snap] = transition(def.machine, snap, e);
  return snap;
}

describe('test procedure transitions (pure transition())', () => {
  const cases: { case: string; events: RunnerEvent[]; state: string }[] = [
    { case: 'starts by preparing', events: [], state: 'Preparing' },
    { case: 'waits for approval after preparing', events: [{ type: 'STEP.DONE', output: null }], state: 'AwaitingApproval' },
    { case: 'a rejection ends it', events: [{ type: 'STEP.DONE', output: null }, { type: 'APPROVAL.REJECTED', by: 'bob' }], state: 'Rejected' },
    { case: 'expiry ends it', events: [{ type: 'STEP.DONE', output: null }, { type: 'APPROVAL.EXPIRED' }], state: 'Expired' },
    {
      case: 'applies each item then waits',
      events: [{ type: 'STEP.DONE', output: null }, { type: 'APPROVAL.GRANTED', approvers: ['bob'] }, { type: 'STEP.DONE', output: { at: 1 } }, { type: 'STEP.DONE', output: { at: 2 } }],
      state: 'AwaitingSettled',
    },
    {
      case: 'a failed apply rolls back',
      events: [{ type: 'STEP.DONE', output: null }, { type: 'APPROVAL.GRANTED', approvers: ['bob'] }, failed],
      state: 'RollingBack',
    },
    {
      case: 'cancel while applying rolls back, then ends cancelled',
      events: [{ type: 'STEP.DONE', output: null }, { type: 'APPROVAL.GRANTED', approvers: ['bob'] }, { type: 'CANCEL', by: 'alice' }, { type: 'STEP.DONE', output: null }],
      state: 'Cancelled',
    },
    {
      case: 'a failed rollback ends failed',
      events: [{ type: 'STEP.DONE', output: null }, { type: 'APPROVAL.GRANTED', approvers: ['bob'] }, failed, failed],
      state: 'Failed',
    },
  ];
  for (const c of cases) {
    test(c.case, () => {
      // Act
      const snap = drive(c.events);
      // Assess
      assert.equal(leafPath(snap.value), c.state);
    });
  }

  test('a persisted snapshot restores to the same state and context without re-running entry', () => {
    // Prepare
    const snap = drive([{ type: 'STEP.DONE', output: null }, { type: 'APPROVAL.GRANTED', approvers: ['bob', 'carol'] }, { type: 'STEP.DONE', output: { at: 5 } }]);
    // Act
    const restored = restoreSnapshot(def.machine, JSON.parse(JSON.stringify(persistSnapshot(def.machine, snap))));
    const [next] = transition(def.machine, restored, { type: 'STEP.DONE', output: { at: 7 } });
    // Assess
    assert.equal(leafPath(restored.value), 'Applying');
    assert.deepEqual(restored.context, snap.context);
    assert.equal(leafPath(next.value), 'AwaitingSettled');
    assert.deepEqual((next.context as { applied: string[] }).applied, ['a', 'b']);
  });

  test("the runner's cached-scope transition matches xstate's transition() on every case", () => {
    for (const c of cases) {
      // Prepare
      let [viaXstate] = initialTransition(def.machine, input);
      let viaRunner = viaXstate;
      // Act
      for (const e of c.events) {
        [viaXstate] = transition(def.machine, viaXstate, e);
        viaRunner = pureTransition(def.machine, restoreSnapshot(def.machine, persistSnapshot(def.machine, viaRunner)), e);
      }
      // Assess
      assert.deepEqual(persistSnapshot(def.machine, viaRunner), persistSnapshot(def.machine, viaXstate), c.case);
    }
  });

  test("the runner's persisted snapshot is exactly xstate's getPersistedSnapshot, with output, history and children", () => {
    // Prepare: every case of the test procedure, plus a final state with output, a state entered
    // through a history state, and a machine with a child actor (the last two take xstate's path).
    const snapshots: { case: string; machine: typeof def.machine; snap: AnyMachineSnapshot }[] = cases.map((c) => ({ case: c.case, machine: def.machine, snap: drive(c.events) }));
    const withOutput = setup({}).createMachine({ initial: 'A', states: { A: { on: { GO: 'Done' } }, Done: { type: 'final' } }, output: () => ({ ok: true }) });
    snapshots.push({ case: 'final with output', machine: withOutput, snap: transition(withOutput, initialTransition(withOutput)[0], { type: 'GO' })[0] });
    const withHistory = setup({}).createMachine({
      initial: 'Outer',
      states: {
        Outer: { initial: 'One', states: { One: { on: { NEXT: 'Two' } }, Two: {}, Back: { type: 'history' } }, on: { LEAVE: 'Away' } },
        Away: { on: { RETURN: 'Outer.Back' } },
      },
    });
    let h = initialTransition(withHistory)[0];
    for (const type of ['NEXT', 'LEAVE', 'RETURN']) h = transition(withHistory, h, { type })[0];
    snapshots.push({ case: 'history', machine: withHistory, snap: h });
    const child = setup({}).createMachine({ initial: 'Idle', states: { Idle: {} } });
    const withChild = setup({ actors: { child } }).createMachine({ initial: 'Parent', states: { Parent: { invoke: { src: 'child', id: 'kid' } } } });
    snapshots.push({ case: 'child', machine: withChild, snap: initialTransition(withChild)[0] });
    for (const s of snapshots) {
      // Act
      const ours = persistSnapshot(s.machine, s.snap);
      const theirs = s.machine.getPersistedSnapshot(s.snap);
      // Assess
      assert.deepEqual(ours, theirs, s.case);
      assert.equal(JSON.stringify(ours), JSON.stringify(theirs), s.case);
    }
    assert.equal(leafPath(h.value), 'Outer.Two');
    assert.ok(Object.keys(snapshots[snapshots.length - 1].snap.children).length > 0);
  });

  test('the active state names its step in meta', () => {
    assert.deepEqual(stepMetaAt(def.machine, 'Applying'), { kind: 'effect', effect: 'ensureEntry', title: 'Apply one item' });
    assert.equal(stepMetaAt(def.machine, 'AwaitingApproval')?.kind, 'approval');
    assert.equal(stepMetaAt(def.machine, 'Nowhere'), undefined);
  });
});

describe('procedure registry', () => {
  test('keeps old versions and serves the newest by default', () => {
    // Prepare
    const registry = new ProcedureRegistry([createTestProcedure({ version: 1 }), createTestProcedure({ version: 2 })]);
    // Assess
    assert.equal(registry.latest('test-ledger').version, 2);
    assert.equal(registry.get('test-ledger', 1)?.version, 1);
    assert.equal(registry.get('test-ledger', 3), undefined);
  });

  test('refuses machines that invoke, use after, or rest without a step', () => {
    // Prepare
    const bad = setup({}).createMachine({
      id: 'bad',
      initial: 'A',
      states: { A: { after: { 1000: 'B' } }, B: { on: { GO: 'Succeeded' } }, Succeeded: { type: 'final' }, Done: { type: 'final' } },
    });
    const proc: ProcedureDefinition = { ...createTestProcedure(), id: 'bad', machine: bad } as ProcedureDefinition;
    // Act / Assess
    assert.throws(
      () => new ProcedureRegistry([proc]),
      (err: unknown) =>
        err instanceof ValidationError &&
        err.code === 'InvalidProcedure' &&
        /A: uses after/.test(err.message) &&
        /B: resting state without meta.step/.test(err.message) &&
        /Done: final state must be one of/.test(err.message),
    );
  });
});

describe('params schema validation', () => {
  const schema = createTestProcedure().paramsSchema;
  const cases: { case: string; params: unknown; field: string | null }[] = [
    { case: 'valid params pass', params: testParams(), field: null },
    { case: 'a missing field is named', params: { items: ['a'], settleMs: 1, failVerify: false }, field: 'params.routeTable' },
    { case: 'an unknown field is refused', params: { ...testParams(), extra: 1 }, field: 'params.extra' },
    { case: 'a wrong type is refused', params: { ...testParams(), settleMs: 'soon' }, field: 'params.settleMs' },
    { case: 'a pattern mismatch in an array item is refused', params: { ...testParams(), items: ['ok', 'NOT OK'] }, field: 'params.items[1]' },
    { case: 'a number above maximum is refused', params: { ...testParams(), settleMs: 600_001 }, field: 'params.settleMs' },
    { case: 'an empty array below minItems is refused', params: { ...testParams(), items: [] }, field: 'params.items' },
    { case: 'a non-integer for integer is refused', params: { ...testParams(), settleMs: 1.5 }, field: 'params.settleMs' },
  ];
  for (const c of cases) {
    test(c.case, () => {
      const issues = schemaIssues(schema, c.params as never);
      if (c.field === null) assert.deepEqual(issues, []);
      else assert.equal(issues[0]?.path, c.field, JSON.stringify(issues));
    });
  }

  test('enum and type unions are checked', () => {
    const s = { type: 'object', properties: { mode: { enum: ['smooth', 'intermittent'] }, n: { type: ['integer', 'null'] } } };
    assert.deepEqual(schemaIssues(s, { mode: 'smooth', n: null }), []);
    assert.throws(() => assertMatchesSchema(s, { mode: 'fast' }), (err: unknown) => err instanceof ValidationError && err.field === 'params.mode');
  });
});

describe('retry policy', () => {
  const policy = { baseMs: 1000, capMs: 8000, maxFailures: 4 };

  test('back-off is full jitter under an exponential, capped ceiling', () => {
    // Prepare
    const random = seededRandom(7);
    // Act
    const delays = Array.from({ length: 200 }, (_, i) => [i % 6 + 1, backoffDelay(policy, (i % 6) + 1, random)] as const);
    // Assess
    for (const [n, d] of delays) assert.ok(d >= 0 && d < Math.min(8000, 1000 * 2 ** (n - 1)), `failure ${n}: ${d}`);
    assert.ok(delays.some(([n, d]) => n >= 5 && d > 4000), 'the cap is reachable');
  });

  test('only retryable errors are transient, within the budget', () => {
    assert.equal(isTransient(new CloudTransientError('t', { code: 'Throttling' })), true);
    assert.equal(isTransient(new CloudPermanentError('p', { code: 'Forbidden' })), false);
    assert.equal(isTransient(new Error('bug')), false);
    assert.equal(withinBudget(policy, 3), true);
    assert.equal(withinBudget(policy, 4), false);
  });
});

/**
 * EventBridge and timer ways in: rules mapping event patterns to procedures with parameters from
 * the event, duplicates of one event starting one execution (directly and through the FC
 * stand-in's at-least-once delivery), the audit timer, and rule validation naming fields.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startHealthAudit } from '../../src/api/audit.ts';
import { eventRulesFromEnv, handleCloudEvents, parseEventRules, renderParams, type EventRule } from '../../src/api/events.ts';
import { CloudTransientError } from '../../src/errors.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { ManualClock, startLocalFc } from '../../src/local/fc/index.ts';
import { PlannerRegistry } from '../../src/api/planners.ts';
import { createRuntime, runtimeConfigFromEnv, setInstanceRuntime, type Runtime } from '../../src/engine/runtime.ts';
import { InProcessScheduler } from '../../src/engine/scheduler.ts';
import { createApiRuntime, installApiRuntime } from '../../src/runtime.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { createHarness, createTestProcedure, MemoryLedger, testDeps, type TestDeps } from '../support/test-machines.ts';

/** The engine runtime of the functions (as `instanceRuntime` would build it) with the test procedure, and the API runtime around it. */
function installRuntimes(procedureId: string, clock: ManualClock, rules: EventRule[]): Runtime {
  const ledger = new MemoryLedger();
  const engineRuntime = createRuntime<TestDeps>(runtimeConfigFromEnv({}), {}, {
    procedures: [createTestProcedure({ id: procedureId })],
    store: new SqliteStore(':memory:'),
    scheduler: new InProcessScheduler({ clock }),
    clock,
    deps: testDeps(ledger),
  });
  setInstanceRuntime(engineRuntime);
  installApiRuntime(
    createApiRuntime<TestDeps>(engineRuntime, { env: {}, planners: new PlannerRegistry<TestDeps>(), planDeps: testDeps(ledger), eventRules: rules, clock, log: () => undefined }),
  );
  return engineRuntime;
}

function uninstallRuntimes(): void {
  installApiRuntime(undefined);
  setInstanceRuntime(undefined);
}

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

const rule: EventRule = {
  name: 'rt-change',
  pattern: { source: ['acs.vpc'], type: [{ suffix: ':RouteTable:Changed' }] },
  procedureId: 'test-ledger',
  params: { items: ['$.data.items[0]', '$.data.items[1]'], settleMs: 0, failVerify: false, routeTable: '$.data.routeTableId' },
};

function cloudEvent(id: string, data: JsonObject = { routeTableId: 'vtb-7', items: ['x', 'y'] }): JsonObject {
  return {
    id,
    source: 'acs.vpc',
    specversion: '1.0',
    type: 'vpc:RouteTable:Changed',
    time: '2026-01-01T00:00:00Z',
    aliyunregionid: 'cn-hangzhou',
    data,
  };
}

describe('event rules', () => {
  const bad: { case: string; rules: unknown; field: string }[] = [
    { case: 'not a list', rules: { name: 'x' }, field: 'rules' },
    { case: 'a missing procedureId', rules: [{ name: 'a', pattern: {}, params: {} }], field: 'rules[0].procedureId' },
    { case: 'an unknown field', rules: [{ ...rule, priority: 1 }], field: 'rules[0].priority' },
    { case: 'a bad rule name', rules: [{ ...rule, name: 'Has Spaces' }], field: 'rules[0].name' },
    { case: 'a duplicate name', rules: [rule, rule], field: 'rules[1].name' },
    { case: 'a malformed event path', rules: [{ ...rule, params: { routeTable: '$data.x' } }], field: 'rules[0].params.routeTable' },
  ];
  for (const c of bad) {
    it(`refuses rules with ${c.case}, naming ${c.field}`, () => {
      // Act + Assess
      assert.throws(() => parseEventRules(c.rules), (err: Error & { code?: string; field?: string }) => err.code === 'InvalidEventRules' && err.field === c.field);
    });
  }

  it('reads rules from XCFLOW_EVENT_RULES and none when unset', () => {
    // Act
    const rules = eventRulesFromEnv({ XCFLOW_EVENT_RULES: JSON.stringify([rule]) });
    // Assess
    assert.deepEqual(rules, [rule]);
    assert.deepEqual(eventRulesFromEnv({}), []);
    assert.throws(() => eventRulesFromEnv({ XCFLOW_EVENT_RULES: '[{' }), /not JSON/);
    assert.throws(() => eventRulesFromEnv({ XCFLOW_EVENT_RULES_FILE: join(repoRoot, 'no-such-rules.json') }), /cannot read/);
  });

  it('takes parameters from event paths, keeps literals, and unescapes $$', () => {
    // Act
    const params = renderParams({ a: '$.data.list[1].id', b: 'literal', c: '$$.not-a-path', d: [1, '$.id'], e: { f: '$.source' } }, {
      id: 'e1',
      source: 'acs.cen',
      data: { list: [{ id: 'zero' }, { id: 'one' }] },
    }, 'r');
    // Assess
    assert.deepEqual(params, { a: 'one', b: 'literal', c: '$.not-a-path', d: [1, 'e1'], e: { f: 'acs.cen' } });
    assert.throws(() => renderParams({ a: '$.data.missing' }, { data: {} }, 'r'), (err: Error & { field?: string }) => err.field === 'params.a');
  });
});

describe('handleCloudEvents', () => {
  it('starts one execution per event id however often and in whatever batches it is delivered', async () => {
    // Prepare
    const h = createHarness();
    try {
      // Act
      const first = await handleCloudEvents(h.engine, [rule], cloudEvent('evt-1'));
      const again = await handleCloudEvents(h.engine, [rule], cloudEvent('evt-1'));
      const batch = await handleCloudEvents(h.engine, [rule], [cloudEvent('evt-1'), cloudEvent('evt-1')]);
      // Assess
      const listed = await h.engine.list({}, { limit: 10 });
      assert.equal(listed.items.length, 1);
      const id = listed.items[0]?.id;
      assert.deepEqual([first, again, batch].flatMap((r) => r.outcomes.map((o) => [o.outcome, o.executionId])), [
        ['started', id],
        ['started', id],
        ['started', id],
        ['started', id],
      ]);
      const view = await h.engine.get(id as string);
      assert.deepEqual(view.params, { items: ['x', 'y'], settleMs: 0, failVerify: false, routeTable: 'vtb-7' });
      assert.equal(view.requestedBy, 'eventbridge:rt-change');
      assert.equal(view.approvalRequired, true);
    } finally {
      await h.close();
    }
  });

  it('reports unmatched events and refuses events without id or with parameters the procedure refuses, starting nothing', async () => {
    // Prepare
    const h = createHarness();
    try {
      const noId = cloudEvent('');
      const badTable = cloudEvent('evt-2', { routeTableId: 'not-a-table', items: ['x', 'y'] });
      const missing = cloudEvent('evt-3', { items: ['x', 'y'] });
      const other = { ...cloudEvent('evt-4'), source: 'acs.ecs' };
      // Act
      const result = await handleCloudEvents(h.engine, [rule], [noId, badTable, missing, other, 'junk']);
      // Assess
      assert.deepEqual(
        result.outcomes.map((o) => [o.outcome, o.error?.code ?? null, o.error?.field ?? null]),
        [
          ['refused', 'InvalidEvent', 'id'],
          ['refused', 'InvalidParameter', 'params.routeTable'],
          ['refused', 'EventFieldMissing', 'params.routeTable'],
          ['unmatched', null, null],
          ['refused', 'InvalidEvent', null],
        ],
      );
      assert.equal((await h.engine.list({}, { limit: 10 })).items.length, 0);
    } finally {
      await h.close();
    }
  });

  it('throws a transient failure so FC redelivers, and the redelivery starts the execution once', async () => {
    // Prepare: the store fails the first start
    const h = createHarness();
    try {
      const original = h.store.createExecution.bind(h.store);
      let failures = 1;
      h.store.createExecution = async (...args) => {
        if (failures-- > 0) throw new CloudTransientError('Tablestore busy', { code: 'OTSServerBusy' });
        return original(...args);
      };
      // Act
      await assert.rejects(handleCloudEvents(h.engine, [rule], cloudEvent('evt-9')), /Tablestore busy/);
      const redelivered = await handleCloudEvents(h.engine, [rule], cloudEvent('evt-9'));
      const duplicate = await handleCloudEvents(h.engine, [rule], cloudEvent('evt-9'));
      // Assess
      assert.equal(redelivered.outcomes[0]?.outcome, 'started');
      assert.equal(duplicate.outcomes[0]?.executionId, redelivered.outcomes[0]?.executionId);
      assert.equal((await h.engine.list({}, { limit: 10 })).items.length, 1);
    } finally {
      await h.close();
    }
  });
});

describe('functions/events through the FC stand-in', () => {
  it('starts one execution for an event EventBridge delivers twice', async () => {
    // Prepare: the function hosted with its s.yaml-like trigger, every async delivery duplicated
    const clock = new ManualClock();
    const runtime = installRuntimes('test-ledger', clock, [rule]);
    const fc = await startLocalFc({
      clock,
      log: () => undefined,
      applyEnv: false,
      faults: { duplicateRate: 1, seed: 3 },
      functions: [
        {
          name: 'events',
          module: join(repoRoot, 'functions/events.ts'),
          kind: 'event',
          triggers: [{ type: 'eventbridge', name: 'cloud-events', enable: true, async: true, pattern: { source: ['acs.vpc', 'acs.cen'] } }],
        },
      ],
    });
    try {
      // Act
      const deliveries = await fc.putEvents([cloudEvent('evt-fc-1')]);
      await fc.drain();
      // Assess
      assert.equal(deliveries, 1);
      const runs = fc.invocations().filter((r) => r.function === 'events');
      assert.ok(runs.length >= 2 && runs.some((r) => r.duplicate), 'the event was delivered more than once');
      assert.ok(runs.every((r) => r.ok));
      assert.equal((await runtime.engine.list({}, { limit: 10 })).items.length, 1);
    } finally {
      uninstallRuntimes();
      await fc.close();
      await runtime.close();
    }
  });
});

describe('the audit timer', () => {
  it('refuses with a clear error while no health-audit procedure is registered, starting nothing', async () => {
    // Prepare
    const h = createHarness();
    try {
      // Act + Assess
      await assert.rejects(
        startHealthAudit(h.engine, JSON.stringify({ triggerTime: '2026-01-01T00:00:00Z', triggerName: 'every-six-hours', payload: '{"kind":"health-audit"}' })),
        (err: Error & { code?: string }) => err.code === 'AuditNotRegistered' && /health-audit procedure is not registered/.test(err.message),
      );
      assert.equal((await h.engine.list({}, { limit: 10 })).items.length, 0);
    } finally {
      await h.close();
    }
  });

  it('starts one audit per timer firing, also when the firing is delivered twice (functions/audit through the stand-in)', async () => {
    // Prepare: a procedure registered as health-audit, and the timer of s.yaml on a virtual clock
    const clock = new ManualClock();
    const runtime = installRuntimes('health-audit', clock, []);
    const params = { items: ['scan'], settleMs: 0, failVerify: false, routeTable: 'vtb-1' };
    const fc = await startLocalFc({
      clock,
      log: () => undefined,
      applyEnv: false,
      faults: { duplicateRate: 1, seed: 5 },
      functions: [
        {
          name: 'audit',
          module: join(repoRoot, 'functions/audit.ts'),
          kind: 'event',
          triggers: [{ type: 'timer', name: 'every-six-hours', cronExpression: '0 0 */6 * * *', enable: true, payload: JSON.stringify({ kind: 'health-audit', params }) }],
        },
      ],
    });
    try {
      // Act: one firing
      await clock.advanceTo(clock.nextDue() as number);
      await fc.drain();
      // Assess
      const runs = fc.invocations().filter((r) => r.function === 'audit');
      assert.ok(runs.length >= 2, 'the firing was delivered twice');
      assert.ok(runs.every((r) => r.ok));
      const listed = await runtime.engine.list({}, { limit: 10 });
      assert.equal(listed.items.length, 1);
      assert.equal(listed.items[0]?.requestedBy, 'timer:audit');
      assert.deepEqual((await runtime.engine.get(listed.items[0]?.id as string)).params, params);
    } finally {
      uninstallRuntimes();
      await fc.close();
      await runtime.close();
    }
  });
});

/**
 * The functions as FC hosts them: `functions/api` behind the stand-in's HTTP trigger, the engine's
 * FC scheduler self-invoking `functions/runner` through fc2 with duplicated deliveries, and
 * `functions/sweep` on its timer — one execution from HTTP start through approval to its end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TokenService } from '../../src/api/tokens.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { ManualClock, startLocalFc, type LocalFc } from '../../src/local/fc/index.ts';
import { PlannerRegistry } from '../../src/api/planners.ts';
import { createRuntime, runtimeConfigFromEnv, setInstanceRuntime, type Runtime } from '../../src/engine/runtime.ts';
import { apiRuntimeFor, createApiRuntime, installApiRuntime, openConfiguredStore } from '../../src/runtime.ts';
import { SqliteStore } from '../../src/store/sqlite.ts';
import { createTestProcedure, MemoryLedger, testDeps, testParams, type TestDeps } from '../support/test-machines.ts';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fn = (name: string): string => join(repoRoot, 'functions', `${name}.ts`);

interface Stack {
  fc: LocalFc;
  runtime: Runtime;
  clock: ManualClock;
  ledger: MemoryLedger;
  close(): Promise<void>;
}

async function startStack(): Promise<Stack> {
  const clock = new ManualClock();
  const fc = await startLocalFc({
    clock,
    log: () => undefined,
    applyEnv: false,
    accessKeyId: 'ak',
    accessKeySecret: 'sk',
    credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' },
    faults: { duplicateRate: 1, seed: 7 },
    functions: [
      { name: 'api', module: fn('api'), kind: 'http', triggers: [{ type: 'http', name: 'http', authType: 'anonymous', methods: ['GET', 'POST', 'DELETE'] }] },
      { name: 'runner', module: fn('runner'), kind: 'event', maxAsyncRetryAttempts: 3 },
      { name: 'sweep', module: fn('sweep'), kind: 'event', triggers: [{ type: 'timer', name: 'every-minute', cronExpression: '0 * * * * *', enable: true }] },
    ],
  });
  const ledger = new MemoryLedger();
  // The engine runtime as the functions build it from s.yaml's environment (FC scheduler through
  // fc2 to the stand-in), with the test procedure and an in-memory store; the API around it.
  const env = { XCFLOW_FC_SERVICE: 'xcflow', XCFLOW_RUNNER_FUNCTION: 'runner', XCFLOW_FC_ENDPOINT: fc.endpoint };
  const runtime = createRuntime<TestDeps>(runtimeConfigFromEnv(env), env, {
    procedures: [createTestProcedure()],
    store: new SqliteStore(':memory:'),
    clock,
    deps: testDeps(ledger),
  });
  setInstanceRuntime(runtime);
  installApiRuntime(
    createApiRuntime<TestDeps>(runtime, { env: {}, planners: new PlannerRegistry<TestDeps>(), planDeps: testDeps(ledger), eventRules: [], clock, log: () => undefined }),
  );
  return {
    fc,
    runtime,
    clock,
    ledger,
    async close() {
      installApiRuntime(undefined);
      setInstanceRuntime(undefined);
      await fc.close();
      await runtime.close();
    },
  };
}

async function settle(stack: Stack, until: () => Promise<boolean>): Promise<void> {
  for (let round = 0; round < 200 && !(await until()); round++) {
    await stack.fc.idle();
    const next = stack.clock.nextDue();
    if (next !== undefined && !(await until())) await stack.clock.advanceTo(next);
  }
}

describe('functions through the FC stand-in', () => {
  it('serves the API at the root and under the trigger path, with the OpenAPI document', async () => {
    const stack = await startStack();
    try {
      // Act
      const root = await fetch(`${stack.fc.endpoint}/v1/openapi.json`);
      const proxied = await fetch(`${stack.fc.endpoint}/2016-08-15/proxy/xcflow/api/v1/openapi.json`);
      const unauth = await fetch(`${stack.fc.endpoint}/v1/executions`);
      // Assess
      assert.equal(root.status, 200);
      assert.equal(((await root.json()) as JsonObject).openapi, '3.1.0');
      assert.equal(proxied.status, 200);
      assert.equal(unauth.status, 401);
      assert.equal(((await unauth.json()) as { error: JsonObject }).error.code, 'MissingToken');
    } finally {
      await stack.close();
    }
  });

  it('refuses a body over 128 KB with 413 through the trigger, storing nothing', async () => {
    const stack = await startStack();
    try {
      // Prepare
      const { token } = await new TokenService(stack.runtime.store).create({ principal: 'alice', roles: ['operator'], createdBy: 'test' });
      // Act
      const res = await fetch(`${stack.fc.endpoint}/v1/executions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ procedureId: 'test-ledger', params: { ...testParams(), pad: 'x'.repeat(200 * 1024) } }),
      });
      // Assess
      assert.equal(res.status, 413);
      assert.equal(((await res.json()) as { error: JsonObject }).error.field, 'body');
      assert.equal((await stack.runtime.engine.list({}, { limit: 10 })).items.length, 0);
    } finally {
      await stack.close();
    }
  });

  it('runs an execution started over HTTP by FC self-invocation of the runner, through approval, each effect once', async () => {
    const stack = await startStack();
    try {
      // Prepare
      const tokens = new TokenService(stack.runtime.store, () => stack.clock.now());
      const alice = (await tokens.create({ principal: 'alice', roles: ['operator'], createdBy: 'test' })).token;
      const bob = (await tokens.create({ principal: 'bob', roles: ['approver'], createdBy: 'test' })).token;
      const post = (path: string, token: string, body: unknown): Promise<Response> =>
        fetch(`${stack.fc.endpoint}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const status = async (id: string): Promise<string> => (await stack.runtime.engine.get(id)).status;
      // Act
      const started = (await (await post('/v1/executions', alice, { procedureId: 'test-ledger', params: testParams({ settleMs: 2000 }) })).json()) as JsonObject;
      const id = started.id as string;
      await settle(stack, async () => (await status(id)) === 'awaiting_approval');
      const approved = await post(`/v1/executions/${id}/approve`, bob, {});
      await settle(stack, async () => ['succeeded', 'failed', 'rolled_back'].includes(await status(id)));
      // Let the sweep timer fire once more: it finds nothing due and dispatches nothing.
      await stack.clock.advance(60_000);
      await stack.fc.idle();
      // Assess
      assert.equal(approved.status, 202);
      assert.equal(await status(id), 'succeeded');
      assert.deepEqual(stack.ledger.all.map((l) => `${l.op}:${l.item ?? ''}`), ['plan:', 'apply:a', 'apply:b', 'apply:c']);
      const runs = stack.fc.invocations().filter((r) => r.function === 'runner');
      assert.ok(runs.some((r) => r.duplicate), 'duplicated deliveries were made');
      assert.ok(runs.every((r) => r.ok), 'no runner delivery failed');
      assert.ok(stack.fc.invocations().some((r) => r.function === 'sweep' && r.ok), 'the sweep timer ran');
    } finally {
      await stack.close();
    }
  });
});

describe('runtime configuration', () => {
  it('answers 503 ServerMisconfigured from functions/api when the environment is incomplete', async () => {
    // Prepare: no installed runtime; Tablestore selected without its settings
    const saved = { ...process.env };
    process.env.XCFLOW_STORE = 'tablestore';
    delete process.env.TABLESTORE_ENDPOINT;
    delete process.env.XCFLOW_TABLESTORE_ENDPOINT;
    const fc = await startLocalFc({
      log: () => undefined,
      applyEnv: false,
      functions: [{ name: 'api', module: fn('api'), kind: 'http', triggers: [{ type: 'http', name: 'http', authType: 'anonymous', methods: ['GET'] }] }],
    });
    const originalError = console.error;
    console.error = () => undefined;
    try {
      // Act
      const res = await fetch(`${fc.endpoint}/v1/openapi.json`);
      const body = (await res.json()) as { error: JsonObject };
      // Assess
      assert.equal(res.status, 503);
      assert.equal(body.error.code, 'ServerMisconfigured');
      assert.match(String(body.error.message), /TABLESTORE_ENDPOINT/);
      assert.throws(() => apiRuntimeFor({}), /TABLESTORE_ENDPOINT/);
    } finally {
      console.error = originalError;
      process.env = saved;
      await fc.close();
    }
  });

  it('opens the store the functions use for token --direct, taking s.yaml’s Tablestore variable names', () => {
    // Act + Assess: SQLite by default; Tablestore settings named as in s.yaml reach the backend
    const store = openConfiguredStore({ XCFLOW_SQLITE_PATH: ':memory:' });
    assert.equal(store.constructor.name, 'SqliteStore');
    void store.close();
    assert.throws(
      () => openConfiguredStore({ XCFLOW_STORE: 'tablestore', XCFLOW_TABLESTORE_ENDPOINT: 'http://127.0.0.1:9' }),
      (err: Error & { field?: string }) => err.field === 'TABLESTORE_INSTANCE',
    );
  });
});

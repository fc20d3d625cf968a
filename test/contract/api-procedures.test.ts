/**
 * The API over the registered procedures (`workflows/index.ts`) on the emulator: their listing
 * with parameter schemas, `POST /v1/plans` answered by the digital-twin planner of the CEN
 * migrations (changing nothing), and a migration started over HTTP that shows its plan at the
 * approval gate. Refusals of real parameters (CIDRs, ids) name the field.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../src/api/app.ts';
import { serveApp, type ServedApp } from '../../src/api/serve.ts';
import { TokenService } from '../../src/api/tokens.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { runCli } from '../../src/cli/cli.ts';
import { defaultPlanners } from '../../src/runtime.ts';
import { startWorld, type World } from '../../src/twin/world.ts';
import { procedures } from '../../workflows/index.ts';

const base = { regionId: 'cn-shanghai', cenId: 'cen-mig0000000000000001', vpcId: 'vpc-uf6mig0000000000000001' };
const flow = { name: 'shanghai-app→qingdao-app', source: 'i-uf6mig000000000000001', destinationIp: '172.16.1.10' };

let world: World;
let served: ServedApp;
let alice: string;
let victor: string;

async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: JsonObject }> {
  const res = await fetch(`${served.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as JsonObject };
}

async function emulatorCalls(): Promise<{ reads: number; writes: number }> {
  const res = await fetch(`${world.emulator.endpoint}/_emulator/calls`);
  const calls = ((await res.json()) as { calls?: { action: string }[] }).calls ?? [];
  const writes = calls.filter((c) => !/^Describe/.test(c.action)).length;
  return { reads: calls.length - writes, writes };
}

before(async () => {
  world = await startWorld({ regionId: 'cn-shanghai', procedures, topology: 'ch5-1-vpc-migration' });
  const app = createApp({ engine: world.engine, store: world.store, planners: defaultPlanners({}), deps: (o) => world.cloud.withObserver(o), clock: world.clock });
  served = await serveApp(app);
  const tokens = new TokenService(world.store, () => world.clock.now());
  alice = (await tokens.create({ principal: 'alice', roles: ['operator'], createdBy: 'test' })).token;
  victor = (await tokens.create({ principal: 'victor', roles: ['viewer'], createdBy: 'test' })).token;
});

after(async () => {
  await served.close();
  await world.close();
});

describe('the API over the registered procedures', () => {
  it('lists every registered procedure with its parameter schema; the migrations are plannable', async () => {
    // Act
    const res = await call('GET', '/v1/procedures', victor);
    // Assess
    const items = res.body.items as JsonObject[];
    assert.deepEqual(items.map((p) => p.id).sort(), procedures.map((p) => p.id).sort());
    assert.deepEqual(items.filter((p) => p.plannable).map((p) => p.id), ['migrate-vbr-to-cen', 'migrate-vpc-to-cen']);
    assert.ok(items.every((p) => (p.paramsSchema as JsonObject).type === 'object'));
  });

  it('plans a VPC migration on the digital twin: conflicts, calls, route diff, predicted blackout, nothing written', async () => {
    // Prepare
    const before = await emulatorCalls();
    // Act
    const res = await call('POST', '/v1/plans', alice, { procedureId: 'migrate-vpc-to-cen', params: { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [flow] } });
    // Assess
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const plan = res.body.plan as JsonObject;
    assert.equal((plan.conflicts as unknown[]).length, 1);
    assert.ok((plan.calls as unknown[]).length > 0);
    assert.ok((plan.routes as JsonObject).diff);
    const blackout = plan.predictedBlackout as JsonObject;
    assert.equal(blackout.simulated, true);
    assert.equal(blackout.totalLost, 0, 'smooth mode predicts no lost probes');
    assert.ok((res.body.cloudCalls as JsonObject[]).every((c) => String(c.action).startsWith('Describe')), 'planning only reads');
    const after = await emulatorCalls();
    assert.ok(after.reads > before.reads, 'the planner read the live network');
    assert.equal(after.writes, before.writes, 'the live network saw no write');
    assert.equal((await world.store.listExecutions({}, { limit: 10 })).items.length, 0);
  });

  it('shows the plan to people through xcflow plan: conflicts, ordered changes, route rows, predicted blackout', async () => {
    // Prepare
    let stdout = '';
    const params = JSON.stringify({ ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [flow] });
    // Act
    const code = await runCli(['plan', 'migrate-vpc-to-cen', '--params', params], {
      stdout: (t) => (stdout += t),
      stderr: () => undefined,
      env: { XCFLOW_URL: served.url, XCFLOW_TOKEN: alice },
      cwd: '/',
      readStdin: async () => '',
    });
    // Assess
    assert.equal(code, 0);
    assert.match(stdout, /^Conflicts: 1$/m);
    assert.match(stdout, /^Changes \(\d+ write call\(s\) of \d+\):$/m);
    assert.match(stdout, /^ +1\. (Vpc|Cbn)\.\w+/m);
    assert.match(stdout, /^Route tables: \d+ row\(s\) change$/m);
    assert.match(stdout, /^Predicted blackout \(digital twin, probe every 100 ms\): 0 lost probe\(s\)/m);
  });

  const refusals = [
    { case: 'a CIDR with host bits set', params: { ...base, peeringRoutes: ['172.16.0.1/16'] }, field: 'peeringRoutes[0]' },
    { case: 'a VPC id of the wrong kind', params: { ...base, vpcId: 'vbr-123' }, field: 'params.vpcId' },
    { case: 'an unknown parameter', params: { ...base, force: true }, field: 'params.force' },
  ];
  for (const r of refusals) {
    it(`refuses a migration start with ${r.case}, naming ${r.field}, starting nothing`, async () => {
      // Act
      const res = await call('POST', '/v1/executions', alice, { procedureId: 'migrate-vpc-to-cen', params: r.params });
      // Assess
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal((res.body.error as JsonObject).field, r.field);
      assert.equal((await world.store.listExecutions({}, { limit: 10 })).items.length, 0);
    });
  }

  it('starts a migration that waits at the approval gate showing its plan', async () => {
    // Act
    const started = await call('POST', '/v1/executions', alice, { procedureId: 'migrate-vpc-to-cen', params: { ...base, mode: 'smooth', acknowledgeRemainder: true, flows: [flow] } });
    await world.run(started.body.id as string);
    const view = await call('GET', `/v1/executions/${String(started.body.id)}`, victor);
    // Assess
    assert.equal(started.status, 201, JSON.stringify(started.body));
    assert.equal(view.body.status, 'awaiting_approval');
    assert.equal(((view.body.plan as JsonObject).conflicts as unknown[]).length, 1);
    assert.equal((view.body.approval as JsonObject).status, 'pending');
  });
});

/**
 * `cloud-service-access` (seed chapter 1) end to end on the chapter 1 topology: the engine runs
 * the procedure, its effects call the emulator through the SDK clients, the one virtual clock
 * moves route entries from Pending to Available.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isCloudApiError, type RouteEntry } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import type { JournalEntry } from '../../src/store/contract.ts';
import { ValidationError } from '../../src/errors.ts';
import { readTopologyFile } from '../../src/emulator/topology.ts';
import { procedures } from '../../workflows/index.ts';
import { startWorld, type World } from '../../src/twin/world.ts';

const REGION = 'cn-hangzhou';
const VBR = 'vbr-bp1vbr000000000000001';
const VBR_TABLE = 'vtb-bp1vbrrt0000000000001';
const VBR_RI = 'ri-bp1vbrside00000000001';
const VPC = 'vpc-bp1cloudsvc00000000001';
const DEVICE = '10.100.0.10';
const params = { regionId: REGION, vbrId: VBR, vpcId: VPC, verification: { source: DEVICE } };

/** Every journal entry of an execution. */
async function journal(world: World, executionId: string): Promise<JournalEntry[]> {
  const out: JournalEntry[] = [];
  let cursor: string | null = null;
  do {
    const page = await world.engine.journal(executionId, { limit: 500, cursor });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

const serviceRoutes = (entries: RouteEntry[]) =>
  entries
    .filter((e) => e.destinationCidrBlock.startsWith('100.'))
    .map((e) => ({ cidr: e.destinationCidrBlock, status: e.status, hops: e.nextHops.map((h) => `${h.nextHopType}:${h.nextHopId}`) }))
    .sort((a, b) => a.cidr.localeCompare(b.cidr));

describe('cloud-service-access on the chapter 1 topology', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: REGION, procedures, topology: 'ch1-cloud-service-access' });
  });
  after(async () => world.close());
  beforeEach(() => world.emulator.reset());

  test('adds 100.64.0.0/11 and 100.96.0.0/11 toward the router interface, both Available, and verifies a 100.64.x address from the data center', async () => {
    // Prepare
    const before = serviceRoutes(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE }));
    // Act
    const ex = await world.engine.start('cloud-service-access', params, { requestedBy: 'alice', approvalRequired: false });
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'succeeded', JSON.stringify(view.output));
    assert.deepEqual(before, []);
    const after = serviceRoutes(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE }));
    assert.deepEqual(after, [
      { cidr: '100.64.0.0/11', status: 'Available', hops: [`RouterInterface:${VBR_RI}`] },
      { cidr: '100.96.0.0/11', status: 'Available', hops: [`RouterInterface:${VBR_RI}`] },
    ]);
    const out = view.output as unknown as { verification: { ok: boolean; flow: { reachable: boolean; throughVbr: boolean } }; customerRoutes: { snippets: Record<string, string> } };
    assert.equal(out.verification.ok, true);
    assert.equal(out.verification.flow.reachable, true);
    assert.equal(out.verification.flow.throughVbr, true);
    assert.equal(out.customerRoutes.snippets['cisco-ios'], 'ip route 100.64.0.0 255.192.0.0 10.0.0.1 name alibaba-cloud-services');
    assert.equal(out.customerRoutes.snippets['huawei-vrp'], 'ip route-static 100.64.0.0 255.192.0.0 10.0.0.1 description alibaba-cloud-services');
  });

  test('adds the routes one at a time: the second CreateRouteEntry comes after the first route is Available', async () => {
    // Act
    const ex = await world.engine.start('cloud-service-access', params, { requestedBy: 'alice', approvalRequired: false });
    await world.run(ex.id);
    // Assess
    const entries = await journal(world, ex.id);
    const creates = entries.filter((j) => Array.isArray(j.data.calls) && (j.data.calls as Array<{ action: string }>).some((c) => c.action === 'CreateRouteEntry'));
    const firstAvailable = entries.find((j) => j.kind === 'poll' && j.state === 'AwaitingServiceRouteAvailable' && j.data.outcome === 'ok');
    assert.equal(creates.length, 2);
    assert.ok(firstAvailable, 'a poll saw the first route Available');
    assert.ok(creates[0]!.seq < firstAvailable.seq && firstAvailable.seq < creates[1]!.seq, 'create, Available, create');
    assert.ok(creates[1]!.at > creates[0]!.at, 'the second create is later on the clock');
  });

  test('100.64.0.0/10 itself is refused by the API with its real error before anything changes', async () => {
    // Act
    const direct = await world.cloud.vpc
      .createRouteEntry({ routeTableId: VBR_TABLE, destinationCidrBlock: '100.64.0.0/10', nextHopType: 'RouterInterface', nextHopId: VBR_RI })
      .then(() => undefined, (err: unknown) => err);
    const refused = await world.engine
      .start('cloud-service-access', { ...params, destinationCidrBlocks: ['100.64.0.0/10'] }, { requestedBy: 'alice', approvalRequired: false })
      .then(() => undefined, (err: unknown) => err);
    // Assess
    assert.ok(isCloudApiError(direct), String(direct));
    assert.equal(direct.code, 'InvalidCidrBlock');
    assert.ok(refused instanceof ValidationError, String(refused));
    assert.equal(refused.code, 'InvalidCidrBlock');
    assert.match(refused.message, /100\.64\.0\.0\/10.*InvalidCidrBlock.*100\.64\.0\.0\/11 and 100\.96\.0\.0\/11/);
    assert.deepEqual(serviceRoutes(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE })), []);
  });

  test('a second run adds nothing and succeeds', async () => {
    // Prepare
    const first = await world.engine.start('cloud-service-access', params, { requestedBy: 'alice', approvalRequired: false });
    await world.run(first.id);
    // Act
    const second = await world.engine.start('cloud-service-access', params, { requestedBy: 'alice', approvalRequired: false });
    const view = await world.run(second.id);
    // Assess
    assert.equal(view.status, 'succeeded');
    const writes = (await world.calls(second.id)).filter((c) => !c.action.startsWith('Describe'));
    assert.deepEqual(writes, []);
  });

  test('bad parameters are refused with the field named', async () => {
    const cases: Array<[string, JsonObject, string]> = [
      ['non-canonical CIDR', { ...params, destinationCidrBlocks: ['100.64.1.0/11'] }, 'destinationCidrBlocks[0]'],
      ['outside 100.64.0.0/10', { ...params, destinationCidrBlocks: ['10.0.0.0/8'] }, 'destinationCidrBlocks[0]'],
      ['unknown VBR', { ...params, vbrId: 'vbr-nothere' }, 'vbrId'],
    ];
    for (const [label, bad, field] of cases) {
      const err = await world.engine.start('cloud-service-access', bad, { requestedBy: 'alice' }).then(() => undefined, (e: unknown) => e);
      assert.ok(err && typeof err === 'object' && 'field' in err, `${label}: ${String(err)}`);
      assert.equal((err as { field?: string }).field, field, label);
    }
  });
});

describe('cloud-service-access when the data center has no route back', () => {
  let world: World;
  before(async () => {
    const topology = readTopologyFile('ch1-cloud-service-access');
    topology.dataCenters![0]!.routes = topology.dataCenters![0]!.routes!.filter((r) => r.destinationCidrBlock !== '100.64.0.0/10');
    world = await startWorld({ regionId: REGION, procedures, topology });
  });
  after(async () => world.close());

  test('verification fails and the routes it added are removed again', async () => {
    // Act
    const ex = await world.engine.start('cloud-service-access', params, { requestedBy: 'alice', approvalRequired: false });
    const view = await world.run(ex.id);
    // Assess
    assert.equal(view.status, 'rolled_back', JSON.stringify(view.output));
    const out = view.output as unknown as { failure: { code: string }; compensationsApplied: number };
    assert.equal(out.failure.code, 'VerificationFailed');
    assert.equal(out.compensationsApplied, 2);
    assert.deepEqual(serviceRoutes(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE })), []);
  });
});

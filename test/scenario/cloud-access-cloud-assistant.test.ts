/**
 * `cloud-service-access` (seed chapter 1) on its cloud path against the emulator: with the Cloud
 * Assistant prober the verification is a plain `ping` (RunCommand) from the managed data-center
 * server, read back by DescribeInvocationResults; no emulator data-plane probe is asked.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RouteEntry } from '../../src/cloud/index.ts';
import type { JsonObject } from '../../src/engine/types.ts';
import { readTopologyFile } from '../../src/emulator/topology.ts';
import { startWorld, type World } from '../../src/twin/world.ts';
import { procedures } from '../../workflows/index.ts';

const REGION = 'cn-hangzhou';
const VBR_TABLE = 'vtb-bp1vbrrt0000000000001';
const SERVER = 'mi-bp1idcserver0000000001';
const params = { regionId: REGION, vbrId: 'vbr-bp1vbr000000000000001', vpcId: 'vpc-bp1cloudsvc00000000001', verification: { source: SERVER, targetIp: '100.100.2.136' } };

/** The chapter 1 topology with its data-center server managed by Cloud Assistant, optionally without the data center's route to 100.64.0.0/10. */
function topology(opts: { routeBack: boolean }) {
  const t = readTopologyFile('ch1-cloud-service-access');
  const dc = t.dataCenters![0]!;
  dc.devices = dc.devices!.map((d) => (d.ip === '10.100.0.10' ? { ...d, managedInstance: { id: SERVER, regionId: REGION, hostname: 'server-1' } } : d));
  if (!opts.routeBack) dc.routes = dc.routes!.filter((r) => r.destinationCidrBlock !== '100.64.0.0/10');
  return t;
}

const serviceRoutes = (entries: RouteEntry[]) => entries.filter((e) => e.destinationCidrBlock.startsWith('100.')).map((e) => `${e.destinationCidrBlock} ${e.status}`).sort();

interface Flow {
  source: string;
  destinationIp: string;
  reachable: boolean;
  invocationStatus: string;
  ping?: { transmitted: number; received: number };
  reason?: string;
}

async function runAccess(world: World): Promise<{ id: string; status: string; output: JsonObject; actions: string[] }> {
  const ex = await world.engine.start('cloud-service-access', params, { requestedBy: 'alice', approvalRequired: false });
  const view = await world.run(ex.id);
  return { id: ex.id, status: view.status, output: view.output as JsonObject, actions: (await world.calls(ex.id)).map((c) => c.action) };
}

describe('cloud-service-access verified by a Cloud Assistant ping from the data-center server', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: REGION, procedures, topology: topology({ routeBack: true }), prober: 'cloud-assistant' });
  });
  beforeEach(() => world.emulator.reset());
  after(async () => world.close());

  test('after the routes are added, 100.100.2.136 answers the ping from the managed server', async () => {
    // Act
    const r = await runAccess(world);
    // Assess
    assert.equal(r.status, 'succeeded', JSON.stringify(r.output).slice(0, 1500));
    const v = r.output.verification as unknown as { ok: boolean; flow: Flow };
    assert.equal(v.ok, true);
    assert.equal(v.flow.source, SERVER);
    assert.equal(v.flow.reachable, true);
    assert.equal(v.flow.invocationStatus, 'Success');
    assert.deepEqual(v.flow.ping && [v.flow.ping.transmitted, v.flow.ping.received], [5, 5]);
    assert.equal(r.actions.filter((a) => a === 'RunCommand').length, 1, 'one plain ping');
    assert.ok(r.actions.includes('DescribeInvocationResults'));
    assert.deepEqual(serviceRoutes(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE })), ['100.64.0.0/11 Available', '100.96.0.0/11 Available']);
  });
});

describe('cloud-service-access through Cloud Assistant when the data center has no route to 100.64.0.0/10', () => {
  let world: World;
  before(async () => {
    world = await startWorld({ regionId: REGION, procedures, topology: topology({ routeBack: false }), prober: 'cloud-assistant' });
  });
  after(async () => world.close());

  test('the ping gets no reply, verification fails and the routes it added are removed again', async () => {
    // Act
    const r = await runAccess(world);
    // Assess
    assert.equal(r.status, 'rolled_back', JSON.stringify(r.output).slice(0, 1500));
    const out = r.output as unknown as { failure: { code: string; message: string }; compensationsApplied: number };
    assert.equal(out.failure.code, 'VerificationFailed');
    assert.match(out.failure.message, /100\.100\.2\.136 is not reachable from mi-bp1idcserver0000000001/);
    assert.equal(out.compensationsApplied, 2);
    assert.equal(r.actions.filter((a) => a === 'RunCommand').length, 1);
    assert.deepEqual(serviceRoutes(await world.cloud.vpc.describeRouteEntryList({ routeTableId: VBR_TABLE })), []);
  });
});

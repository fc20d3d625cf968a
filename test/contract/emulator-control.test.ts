/**
 * The `/_emulator/` control API over HTTP: clock, reachability, physical connections, snapshot
 * save and load, reset, state, and clear 4xx answers for mistakes.
 */
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { call, callFails, client, control } from './emulator-helpers.ts';

const REGION = 'cn-shanghai';
const VPC_TABLE = 'vtb-uf6b2w3kq8r1n0m5x7j9a';
const VPC_RI_1 = 'ri-uf69ejgh2atodylnx8nl9';

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ topology: 'ch6-redundancy' });
});
after(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

test('the virtual clock advances on request and reports its time', async () => {
  const before = (await control(emu, 'GET', 'clock')).body;
  const advanced = await control(emu, 'POST', 'clock/advance', { ms: 2500 });
  assert.equal(before.kind, 'virtual');
  assert.equal(advanced.status, 200);
  assert.equal(advanced.body.now, (before.now as number) + 2500);
  assert.equal((await control(emu, 'POST', 'clock/advance', { ms: -1 })).status, 400);
});

test('reachability answers with the path, and a failed circuit makes it drop with a reason', async () => {
  // Prepare: a route from the VPC to the data center over line 1 only.
  await call(client(emu, 'vpc'), 'CreateRouteEntry', { RegionId: REGION, RouteTableId: VPC_TABLE, DestinationCidrBlock: '172.16.0.0/16', NextHopType: 'RouterInterface', NextHopId: VPC_RI_1 });
  await control(emu, 'POST', 'clock/advance', { ms: 10_000 });
  const q = 'reachability?source=i-uf6app000000000000001&destination=172.16.0.10';
  // Act
  const up = (await control(emu, 'GET', q)).body;
  const down = await control(emu, 'POST', 'physical-connections/pc-uf6line0000000000000001/down');
  const cut = (await control(emu, 'GET', q)).body;
  await control(emu, 'POST', 'physical-connections/pc-uf6line0000000000000001/up');
  const back = (await control(emu, 'GET', q)).body;
  // Assess
  assert.equal(up.reachable, true);
  assert.equal(down.body.linkStatus, 'Down');
  assert.equal(cut.reachable, false);
  assert.equal(cut.reason, 'physical-connection-down');
  assert.equal(back.reachable, true);
});

test('a snapshot taken and loaded again undoes later changes', async () => {
  // Prepare
  const snap = (await control(emu, 'POST', 'snapshot')).body;
  const vpc = client(emu, 'vpc');
  await call(vpc, 'CreateRouteEntry', { RegionId: REGION, RouteTableId: VPC_TABLE, DestinationCidrBlock: '172.16.0.0/16', NextHopType: 'RouterInterface', NextHopId: VPC_RI_1 });
  // Act
  const loaded = await control(emu, 'PUT', 'snapshot', snap);
  const entries = await call(vpc, 'DescribeRouteEntryList', { RegionId: REGION, RouteTableId: VPC_TABLE, DestinationCidrBlock: '172.16.0.0/16' });
  // Assess
  assert.equal(loaded.status, 200);
  assert.deepEqual(entries.RouteEntrys.RouteEntry, []);
});

test('reset brings back the start topology and clears faults', async () => {
  await control(emu, 'POST', 'faults', { throttlingRate: 1 });
  assert.equal((await callFails(client(emu, 'vpc'), 'DescribeVpcs', { RegionId: REGION })).code, 'Throttling.User');
  const r = await control(emu, 'POST', 'reset');
  assert.equal(r.status, 200);
  assert.equal((await call(client(emu, 'vpc'), 'DescribeVpcs', { RegionId: REGION })).TotalCount, 1);
});

test('state shows the model, the faults and the calls', async () => {
  await call(client(emu, 'vpc'), 'DescribeVpcs', { RegionId: REGION });
  const s = (await control(emu, 'GET', 'state')).body;
  assert.equal(s.topology, 'ch6-redundancy');
  assert.equal((s.model.vpcs as unknown[]).length, 1);
  assert.equal(s.calls.DescribeVpcs.calls, 1);
  assert.deepEqual(s.faults.config, {});
});

const mistakes = [
  { case: 'an unknown route', method: 'GET', path: 'nothing-here', status: 404 },
  { case: 'a wrong method', method: 'DELETE', path: 'clock', status: 405 },
  { case: 'bad JSON', method: 'POST', path: 'faults', raw: '{not json', status: 400 },
  { case: 'reachability without a destination', method: 'GET', path: 'reachability?source=i-uf6app000000000000001', status: 400 },
  { case: 'an unknown physical connection', method: 'POST', path: 'physical-connections/pc-nothing/down', status: 404 },
  { case: 'probes without flows', method: 'POST', path: 'probes', body: { flows: [] }, status: 400 },
  { case: 'a snapshot of the wrong version', method: 'PUT', path: 'snapshot', body: { version: 9 }, status: 400 },
];
for (const m of mistakes) {
  test(`the control API answers ${m.case} with ${m.status} and an error code`, async () => {
    const res = await fetch(`${emu.endpoint}/_emulator/${m.path}`, {
      method: m.method,
      ...(m.raw !== undefined ? { body: m.raw } : m.body !== undefined ? { body: JSON.stringify(m.body) } : {}),
    });
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    assert.equal(res.status, m.status);
    assert.equal(typeof body.error?.code, 'string');
    assert.ok((body.error?.message ?? '').length > 0);
  });
}

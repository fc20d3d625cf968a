/**
 * Seed chapter 6 through the wire: health checks (2 s × 8) on both VBR↔VPC router interfaces
 * and an ECMP route over the two VBRs, set with pop-core; a physical connection failed with the
 * control API; the probe recorder measures the blackout on a virtual clock. Without health
 * checks half the flows stay black.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { advance, call, client, control, type Body } from '../contract/emulator-helpers.ts';

const REGION = 'cn-shanghai';
const VPC_TABLE = 'vtb-uf6b2w3kq8r1n0m5x7j9a';
const LINE_1 = 'pc-uf6line0000000000000001';
const APP = 'i-uf6app000000000000001';
const SERVER = '172.16.0.10';
const FLOWS = 16;
const HEALTH_CHECKS = [
  { RouterInterfaceId: 'ri-uf6vbr1side0000000001', HealthCheckSourceIp: '192.168.10.1', HealthCheckTargetIp: '10.10.10.2' },
  { RouterInterfaceId: 'ri-uf6vbr2side0000000001', HealthCheckSourceIp: '192.168.10.2', HealthCheckTargetIp: '10.10.11.2' },
];

let emu: RunningEmulator;
before(async () => {
  emu = await startEmulator({ topology: 'ch6-redundancy' });
});
after(async () => {
  await emu.close();
});

/** Builds chapter 6 (optionally without health checks), fails line 1, returns the probe report and the failure time. */
async function failLineOne(withHealthChecks: boolean): Promise<{ probes: Body; failedAt: number; route: Body }> {
  emu.reset();
  const vpc = client(emu, 'vpc');
  if (withHealthChecks) {
    for (const hc of HEALTH_CHECKS) {
      await call(vpc, 'ModifyRouterInterfaceAttribute', { RegionId: REGION, ...hc, HcRate: 2000, HcThreshold: 8 });
    }
  }
  await call(vpc, 'CreateRouteEntry', {
    RegionId: REGION,
    RouteTableId: VPC_TABLE,
    DestinationCidrBlock: '172.16.0.0/16',
    NextHopList: [
      { NextHopType: 'RouterInterface', NextHopId: 'ri-uf69ejgh2atodylnx8nl9', Weight: 100 },
      { NextHopType: 'RouterInterface', NextHopId: 'ri-uf6vpcside20000000001', Weight: 100 },
    ],
  });
  await advance(emu, 10_000);
  const flows = Array.from({ length: FLOWS }, (_, i) => ({ id: `flow-${i}`, source: APP, destinationIp: SERVER, flow: { protocol: 'udp', sourcePort: 40000 + i, destinationPort: 5001 } }));
  const started = await control(emu, 'POST', 'probes', { flows, intervalMs: 1000, reset: true });
  assert.equal(started.status, 200, JSON.stringify(started.body));
  await advance(emu, 5_000);
  const failedAt = (await control(emu, 'GET', 'clock')).body.now as number;
  assert.equal((await control(emu, 'POST', `physical-connections/${LINE_1}/down`)).status, 200);
  await advance(emu, 60_000);
  const probes = (await control(emu, 'GET', 'probes')).body;
  const route = await call(vpc, 'DescribeRouteEntryList', { RegionId: REGION, RouteTableId: VPC_TABLE, DestinationCidrBlock: '172.16.0.0/16' });
  return { probes, failedAt, route };
}

describe('chapter 6: physical connection redundancy', () => {
  test('with health checks 2 s × 8 a failed line blacks out flows for at most 16 s, then none', async () => {
    // Act
    const { probes, failedAt, route } = await failLineOne(true);
    // Assess
    const summary = probes.summary as Body[];
    assert.equal(summary.length, FLOWS);
    const hit = summary.filter((s) => s.lost > 0);
    assert.ok(hit.length > 0 && hit.length < FLOWS, `flows hit: ${hit.length}`);
    for (const s of summary) assert.ok(s.longestBlackoutMs <= 16_000, `${s.flow} black for ${s.longestBlackoutMs} ms`);
    const late = (probes.timeline as Body[]).filter((p) => p.t > failedAt + 16_000);
    assert.ok(late.length > 0 && late.every((p) => p.ok), 'every probe after 16 s gets through');
    const hops = route.RouteEntrys.RouteEntry[0].NextHops.NextHop as Body[];
    assert.deepEqual(hops.map((h) => h.Enabled).sort(), [0, 1]);
  });

  test('without health checks about half of the flows stay black', async () => {
    // Act
    const { probes, failedAt } = await failLineOne(false);
    // Assess
    const timeline = probes.timeline as Body[];
    const lastT = Math.max(...timeline.map((p) => p.t as number));
    const blackAtEnd = timeline.filter((p) => p.t === lastT && !p.ok).map((p) => p.flow as string);
    assert.ok(blackAtEnd.length >= FLOWS / 4 && blackAtEnd.length <= (3 * FLOWS) / 4, `black at the end: ${blackAtEnd.length}/${FLOWS}`);
    for (const flow of blackAtEnd) {
      const after = timeline.filter((p) => p.flow === flow && p.t > failedAt);
      assert.ok(after.every((p) => !p.ok), `${flow} never recovers`);
    }
  });
});

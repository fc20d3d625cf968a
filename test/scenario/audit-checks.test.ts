/**
 * The fifteen checks of `health-audit`, each once where it fires and once where it stays quiet,
 * through the engine, the SDK clients and the emulator (conditions made with SDK calls, the
 * control API and snapshot edits). Each firing finding is checked for the resources it names and
 * the evidence it carries.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonObject } from '../../src/engine/types.ts';
import type { FindingState } from '../../workflows/health-audit/index.ts';
import { CH6, configureRedundancy, startAuditWorld, type AuditWorld } from './audit-world.ts';

const quiet = { proposeRemediations: false };
const PERF_INSTANCES = ['i-uf6perf00000000000002', 'i-uf6perf00000000000003', 'i-uf6perf00000000000004', 'i-uf6perf00000000000005', 'i-uf6perf00000000000006', 'i-uf6perf00000000000007', 'i-uf6perf00000000000008', 'i-uf6perf00000000000009'];
const IDC_DEVICE = { instanceId: 'mi-uf6idcdevice000000001', ip: '172.16.100.1' };
const ch6Group = (mode: 'active-active' | 'active-standby') => ({
  routeTableId: CH6.vpcTable,
  destinationCidrBlock: CH6.idcCidr,
  mode,
  lines: CH6.lines.map((l, i) => ({ vbrId: l.vbr, ...(mode === 'active-standby' ? { role: i === 0 ? 'active' : 'standby' } : {}) })),
});

async function auditFor(aw: AuditWorld, checkId: string, intent: JsonObject = { version: 1 }): Promise<FindingState[]> {
  await aw.audit({ ...quiet, intent });
  return aw.open(checkId);
}

function only(found: FindingState[]): FindingState {
  assert.equal(found.length, 1, JSON.stringify(found.map((f) => f.title)));
  return found[0]!;
}

describe('health-audit checks on the chapter 6 network (default topology)', () => {
  let aw: AuditWorld;
  before(async () => {
    aw = await startAuditWorld('default');
  });
  after(async () => aw.close());
  beforeEach(() => aw.reset());

  test('physical-connection-state fires for a financially locked circuit and names its VBR', async () => {
    // Prepare
    await aw.editModel((s) => {
      s.physicalConnections[0]!.businessStatus = 'FinancialLocked';
    });
    // Act
    const f = only(await auditFor(aw, 'physical-connection-state'));
    // Assess
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.resources, [`physical-connection:${CH6.lines[0].pc}`, `vbr:${CH6.lines[0].vbr}`]);
    assert.equal(f.evidence.businessStatus, 'FinancialLocked');
    assert.equal(f.evidence.status, 'Enabled');
  });

  test('physical-connection-state stays quiet for Enabled, Normal circuits', async () => {
    assert.deepEqual(await auditFor(aw, 'physical-connection-state'), []);
  });

  test('vbr-status fires for a VBR that is not active', async () => {
    // Prepare
    await aw.editModel((s) => {
      s.vbrs[1]!.status = 'unconfirmed';
    });
    // Act
    const f = only(await auditFor(aw, 'vbr-status'));
    // Assess
    assert.equal(f.severity, 'critical');
    assert.ok(f.resources.includes(`vbr:${CH6.lines[1].vbr}`));
    assert.equal(f.evidence.status, 'unconfirmed');
  });

  test('vbr-status stays quiet for active VBRs', async () => {
    assert.deepEqual(await auditFor(aw, 'vbr-status'), []);
  });

  test('cen-attachment fires while a VPC is Attaching and is quiet once Attached', async () => {
    // Prepare
    await aw.cloud.cbn.attachCenChildInstance({ cenId: CH6.cen, childInstanceId: CH6.vpc, childInstanceType: 'VPC' });
    // Act
    const attaching = only(await auditFor(aw, 'cen-attachment'));
    await aw.advance(10_000);
    const attached = await auditFor(aw, 'cen-attachment');
    // Assess
    assert.equal(attaching.severity, 'warning');
    assert.deepEqual(attaching.resources, [`cen-child:${CH6.cen}/${CH6.vpc}`, `cen:${CH6.cen}`]);
    assert.equal(attaching.evidence.status, 'Attaching');
    assert.deepEqual(attached, []);
  });

  test('health-check-present fires for ECMP members without health checks and proposes the redundancy fix from the intent', async () => {
    // Prepare
    await configureRedundancy(aw, { healthChecks: false });
    // Act
    const found = await auditFor(aw, 'health-check-present', {
      version: 1,
      redundancy: [{ ...ch6Group('active-active'), lines: CH6.lines.map((l) => ({ vbrId: l.vbr, healthCheckSourceIp: l.source })) }],
    });
    // Assess
    assert.equal(found.length, 2);
    for (const l of CH6.lines) {
      const f = found.find((x) => x.evidence.routerInterfaceId === l.vbrRi) as FindingState;
      assert.equal(f.severity, 'critical');
      assert.deepEqual(f.resources, [`router-interface:${l.vbrRi}`, `vbr:${l.vbr}`]);
      assert.deepEqual(f.evidence.ecmpRoutes, [`${CH6.vpcTable}|${CH6.idcCidr}`]);
      assert.equal((f.remediationSpec as JsonObject).procedureId, 'physical-connection-redundancy');
    }
  });

  test('health-check-present stays quiet when both lines have health checks', async () => {
    await configureRedundancy(aw);
    assert.deepEqual(await auditFor(aw, 'health-check-present'), []);
  });

  test('health-check-parameters fires critical out of range and warning for 2 s × 3 against the default intent', async () => {
    // Prepare
    await configureRedundancy(aw);
    await aw.cloud.vpc.modifyRouterInterfaceAttribute({ routerInterfaceId: CH6.lines[0].vbrRi, healthCheckSourceIp: CH6.lines[0].source, healthCheckTargetIp: CH6.lines[0].target, hcRate: 5000, hcThreshold: 8 });
    await aw.cloud.vpc.modifyRouterInterfaceAttribute({ routerInterfaceId: CH6.lines[1].vbrRi, healthCheckSourceIp: CH6.lines[1].source, healthCheckTargetIp: CH6.lines[1].target, hcRate: 2000, hcThreshold: 3 });
    // Act
    const found = await auditFor(aw, 'health-check-parameters');
    // Assess
    const byVbr = new Map(found.map((f) => [f.evidence.vbrId, f]));
    assert.equal(byVbr.get(CH6.lines[0].vbr)?.severity, 'critical');
    assert.equal(byVbr.get(CH6.lines[0].vbr)?.evidence.detectionSeconds, 40);
    assert.equal(byVbr.get(CH6.lines[1].vbr)?.severity, 'warning');
    assert.ok(byVbr.get(CH6.lines[1].vbr)?.resources.includes(`router-interface:${CH6.lines[1].vbrRi}`));
  });

  test('health-check-parameters stays quiet for 2 s × 8, and for 2 s × 3 when the intent declares it', async () => {
    // Prepare
    await configureRedundancy(aw, { hcThreshold: 3 });
    // Act / Assess
    assert.deepEqual(await auditFor(aw, 'health-check-parameters', { version: 1, healthCheck: { intervalSeconds: 2, threshold: 3 } }), []);
    aw.reset();
    await configureRedundancy(aw);
    assert.deepEqual(await auditFor(aw, 'health-check-parameters'), []);
  });

  test('health-check-return-path fires when the data center sends replies to line 2 over line 1', async () => {
    // Prepare: no /32 back to line 2's source, the VPC range only over line 1
    await configureRedundancy(aw);
    await aw.editModel((s) => {
      const dc = s.dataCenters[0]!;
      dc.routes = dc.routes.filter((r) => r.destinationCidrBlock !== `${CH6.lines[1].source}/32`);
      for (const r of dc.routes) if (r.destinationCidrBlock === '192.168.0.0/16') r.nextHopIps = ['10.10.10.1'];
    });
    // Act
    const f = only(await auditFor(aw, 'health-check-return-path'));
    // Assess
    assert.equal(f.severity, 'critical');
    assert.equal(f.evidence.vbrId, CH6.lines[1].vbr);
    assert.deepEqual(f.resources, [`health-check-source:${CH6.lines[1].vbr}|${CH6.lines[1].source}`, `vbr:${CH6.lines[1].vbr}`]);
    assert.ok((f.evidence.probes as JsonObject[]).every((p) => p.via === CH6.lines[0].vbr));
  });

  test('health-check-return-path stays quiet with a /32 back to each source over its own line', async () => {
    await configureRedundancy(aw);
    assert.deepEqual(await auditFor(aw, 'health-check-return-path'), []);
  });

  test('ecmp-symmetry fires for unequal weights, then critical when a line fails its health check', async () => {
    // Prepare
    await configureRedundancy(aw, { weights: [100, 50] });
    // Act
    const unequal = only(await auditFor(aw, 'ecmp-symmetry'));
    await aw.control('POST', `physical-connections/${CH6.lines[0].pc}/down`);
    await aw.advance(20_000);
    const down = only(await auditFor(aw, 'ecmp-symmetry'));
    // Assess
    assert.equal(unequal.severity, 'warning');
    assert.equal(unequal.routeTableId, CH6.vpcTable);
    assert.equal(unequal.destinationCidrBlock, CH6.idcCidr);
    assert.deepEqual(unequal.evidence.weights, [100, 50]);
    assert.equal(down.severity, 'critical');
    assert.deepEqual(down.evidence.disabled, [CH6.lines[0].vpcRi]);
    assert.equal(down.key, unequal.key);
  });

  test('ecmp-symmetry stays quiet for equal weights over both lines', async () => {
    await configureRedundancy(aw);
    assert.deepEqual(await auditFor(aw, 'ecmp-symmetry'), []);
  });

  test('active-standby-intent fires when the declared 100/0 route has equal weights', async () => {
    // Prepare
    await configureRedundancy(aw);
    // Act
    const f = only(await auditFor(aw, 'active-standby-intent', { version: 1, redundancy: [ch6Group('active-standby')] }));
    // Assess
    assert.equal(f.severity, 'warning');
    assert.deepEqual(
      (f.evidence.expected as JsonObject[]).map((x) => x.weight),
      [100, 0],
    );
    assert.ok(f.resources.includes(`route:${CH6.vpcTable}|${CH6.idcCidr}`));
  });

  test('active-standby-intent stays quiet for a 100/0 route declared active-standby', async () => {
    await configureRedundancy(aw, { weights: [100, 0] });
    const intent = { version: 1, redundancy: [ch6Group('active-standby')] };
    assert.deepEqual(await auditFor(aw, 'active-standby-intent', intent), []);
    assert.deepEqual(await aw.open('ecmp-symmetry'), []);
  });

  test('longest-prefix-intent fires when a critical address falls to one line only', async () => {
    // Prepare: a single-line route instead of ECMP
    await aw.cloud.vpc.createRouteEntry({ routeTableId: CH6.vpcTable, destinationCidrBlock: CH6.idcCidr, nextHopType: 'RouterInterface', nextHopId: CH6.lines[0].vpcRi });
    await aw.advance(10_000);
    const intent = { version: 1, criticalAddresses: [{ name: 'server-1', routeTableId: CH6.vpcTable, address: CH6.server, expectedNextHopIds: CH6.lines.map((l) => l.vpcRi) }] };
    // Act
    const f = only(await auditFor(aw, 'longest-prefix-intent', intent));
    // Assess
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.resources, [`address:${CH6.vpcTable}|${CH6.server}`]);
    assert.equal((f.evidence.matched as JsonObject).destinationCidrBlock, CH6.idcCidr);
  });

  test('longest-prefix-intent stays quiet when the ECMP route wins', async () => {
    await configureRedundancy(aw);
    const intent = { version: 1, criticalAddresses: [{ routeTableId: CH6.vpcTable, address: CH6.server, expectedNextHopIds: CH6.lines.map((l) => l.vpcRi), expectedDestinationCidrBlock: CH6.idcCidr }] };
    assert.deepEqual(await auditFor(aw, 'longest-prefix-intent', intent), []);
  });

  test('flow-reachability fires for a declared flow with no route and is quiet once routed', async () => {
    // Prepare
    const intent = { version: 1, flows: [{ name: 'app-to-server', source: CH6.app, destinationIp: CH6.server }] };
    // Act
    const f = only(await auditFor(aw, 'flow-reachability', intent));
    await configureRedundancy(aw);
    const afterFix = await auditFor(aw, 'flow-reachability', intent);
    // Assess
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.resources, ['flow:app-to-server']);
    assert.equal(f.evidence.reason, 'no-route');
    assert.deepEqual(afterFix, []);
  });

  test('performance-drift fires when the last link-performance-test is below the agreed share and is quiet once a test meets it', async () => {
    // Prepare: seed chapter 2 with iperf3 at 80 Mbit/s per stream (under the 1/12 hash-stream limit)
    await configureRedundancy(aw);
    const perfTest = async (instances: number) => {
      const ex = await aw.world.engine.start(
        'link-performance-test',
        { regionId: CH6.region, instanceIds: PERF_INSTANCES.slice(0, instances), dataCenterDevice: IDC_DEVICE, directions: ['inbound'], modes: ['bps'], tool: 'iperf3', iperf3Bitrate: '80M', durationSeconds: 10, physicalConnectionId: CH6.lines[0].pc },
        { requestedBy: 'alice', approvalRequired: false },
      );
      const view = await aw.world.run(ex.id);
      assert.equal(view.status, 'succeeded');
      return ex.id;
    };
    const intent = { version: 1, performance: { minBandwidthShare: 0.6, maxUdpLossPercent: 1 } };
    const four = await perfTest(4);
    // Act
    const low = only(await auditFor(aw, 'performance-drift', intent));
    await aw.advance(60_000);
    await perfTest(8);
    const ok = await auditFor(aw, 'performance-drift', intent);
    // Assess
    assert.equal(low.severity, 'warning');
    assert.deepEqual(low.resources, ['performance:vpc-to-idc|bps', `physical-connection:${CH6.lines[0].pc}`]);
    assert.equal(low.evidence.executionId, four);
    assert.ok((low.evidence.bitsPerSecond as number) < 0.6e9 && (low.evidence.bitsPerSecond as number) > 0.2e9, String(low.evidence.bitsPerSecond));
    assert.deepEqual(ok, []);
  });
});

describe('health-audit checks on the chapter 5.1 network (CEN)', () => {
  const C = { cen: 'cen-mig0000000000000001', vpc: 'vpc-uf6mig0000000000000001', table: 'vtb-uf6mig0000000000000001', ri: 'ri-uf6mig0000000000000001', peering: '172.16.0.0/16', cenRoute: '172.16.1.0/24', halves: ['172.16.1.0/25', '172.16.1.128/25'] };
  let aw: AuditWorld;
  before(async () => {
    aw = await startAuditWorld('ch5-1-vpc-migration');
  });
  after(async () => aw.close());
  beforeEach(() => aw.reset());

  const hop = { nextHopType: 'RouterInterface' as const, nextHopId: C.ri };
  async function leaveHalves(halves: string[]): Promise<void> {
    for (const h of halves) {
      await aw.cloud.vpc.createRouteEntry({ routeTableId: C.table, destinationCidrBlock: h, ...hop });
      await aw.advance(10_000);
    }
    await aw.cloud.vpc.deleteRouteEntry({ routeTableId: C.table, destinationCidrBlock: C.peering, nextHopId: C.ri });
    await aw.advance(30_000);
  }

  test('cen-route-status fires for the CEN route Rejected by the peering route, naming the blocker', async () => {
    const f = only(await auditFor(aw, 'cen-route-status'));
    assert.equal(f.severity, 'warning');
    assert.equal(f.routeTableId, C.table);
    assert.equal(f.destinationCidrBlock, C.cenRoute);
    assert.deepEqual((f.evidence.blockedBy as JsonObject[]).map((b) => b.destinationCidrBlock), [C.peering]);
    assert.ok(f.resources.includes(`cen:${C.cen}`));
  });

  test('cen-route-status fires critical when the table overflows', async () => {
    // Prepare
    await aw.cloud.vpc.deleteRouteEntry({ routeTableId: C.table, destinationCidrBlock: C.peering, nextHopId: C.ri });
    await aw.advance(30_000);
    // A table that holds one CEN route learns the others as overflow.
    await aw.editModel((s) => {
      s.quotas.cenRoutesPerTable = 1;
      s.cenRoutes = [];
    });
    await aw.advance(1_000);
    // Act
    const found = await auditFor(aw, 'cen-route-status');
    // Assess
    const overflow = found.filter((f) => f.severity === 'critical');
    assert.ok(overflow.length >= 1, JSON.stringify(found.map((f) => f.title)));
    assert.ok(overflow.every((f) => (f.evidence.conflicts as JsonObject[]).some((c) => c.status === 'overflow')));
  });

  test('cen-route-status stays quiet once the peering route is gone and the CEN route is Active', async () => {
    await aw.cloud.vpc.deleteRouteEntry({ routeTableId: C.table, destinationCidrBlock: C.peering, nextHopId: C.ri });
    await aw.advance(30_000);
    assert.deepEqual(await auditFor(aw, 'cen-route-status'), []);
  });

  test('migration-leftovers warns about both halves beside the Active CEN route and offers their removal', async () => {
    // Prepare
    await leaveHalves(C.halves);
    // Act
    const f = only(await auditFor(aw, 'migration-leftovers'));
    // Assess
    assert.equal(f.severity, 'warning');
    assert.deepEqual(f.resources, [...C.halves, C.cenRoute].map((c) => `route:${C.table}|${c}`).sort());
    assert.equal((f.evidence.cenRoute as JsonObject).status, 'Active');
    assert.equal((f.remediationSpec as JsonObject).procedureId, 'remove-migration-leftovers');
    assert.deepEqual(await aw.open('cen-route-status'), []);
  });

  test('migration-leftovers is critical for a single half alone', async () => {
    // Prepare
    await leaveHalves([C.halves[1]!]);
    // Act
    const f = only(await auditFor(aw, 'migration-leftovers'));
    // Assess
    assert.equal(f.severity, 'critical');
    assert.deepEqual(f.evidence.halvesMissing, [C.halves[0]]);
  });

  test('migration-leftovers stays quiet after a clean migration (no halves)', async () => {
    await leaveHalves([]);
    assert.deepEqual(await auditFor(aw, 'migration-leftovers'), []);
  });
});

describe('health-audit checks on the chapter 1 and 5.2 networks', () => {
  let ch1: AuditWorld;
  let ch52: AuditWorld;
  const V1 = { vbr: 'vbr-bp1vbr000000000000001', ri: 'ri-bp1vbrside00000000001' };
  before(async () => {
    ch1 = await startAuditWorld('ch1-cloud-service-access', { regionId: 'cn-hangzhou' });
    ch52 = await startAuditWorld('ch5-2-vbr-migration', { regionId: 'cn-hangzhou' });
  });
  after(async () => {
    await ch1.close();
    await ch52.close();
  });

  test('cloud-service-routes fires for a declared VBR without 100.64.0.0/11 and 100.96.0.0/11 and is quiet once both are there', async () => {
    // Prepare
    const vbr = (await ch1.cloud.vpc.describeVirtualBorderRouters({ vbrId: V1.vbr }))[0]!;
    const intent = { version: 1, cloudAccess: [{ vbrId: V1.vbr }] };
    // Act
    const missing = only(await auditFor(ch1, 'cloud-service-routes', intent));
    await ch1.cloud.vpc.createRouteEntry({ routeTableId: vbr.routeTableId, destinationCidrBlock: '100.64.0.0/11', nextHopType: 'RouterInterface', nextHopId: V1.ri });
    await ch1.advance(10_000);
    const half = only(await auditFor(ch1, 'cloud-service-routes', { version: 1 }));
    await ch1.cloud.vpc.createRouteEntry({ routeTableId: vbr.routeTableId, destinationCidrBlock: '100.96.0.0/11', nextHopType: 'RouterInterface', nextHopId: V1.ri });
    await ch1.advance(10_000);
    const done = await auditFor(ch1, 'cloud-service-routes', intent);
    // Assess
    assert.equal(missing.severity, 'critical');
    assert.deepEqual(missing.resources, [`route:${vbr.routeTableId}|100.64.0.0/11`, `route:${vbr.routeTableId}|100.96.0.0/11`, `vbr:${V1.vbr}`]);
    assert.deepEqual((missing.remediationSpec as JsonObject).params, {
      regionId: 'cn-hangzhou',
      vbrId: V1.vbr,
      vpcId: 'vpc-bp1cloudsvc00000000001',
      destinationCidrBlocks: ['100.64.0.0/11', '100.96.0.0/11'],
      verification: { source: vbr.peerGatewayIp },
    });
    assert.equal(half.severity, 'warning');
    assert.equal(half.key, missing.key);
    assert.deepEqual(done, []);
  });

  test('bgp-peers fires when the line under a BGP peer goes down and is quiet while it is Established', async () => {
    // Prepare
    const vbr = (await ch52.cloud.vpc.describeVirtualBorderRouters())[0]!;
    const params = quiet;
    // Act
    await ch52.audit(params);
    const up = await ch52.open('bgp-peers');
    await ch52.control('POST', `physical-connections/${vbr.physicalConnectionId}/down`);
    await ch52.audit(params);
    const down = await ch52.open('bgp-peers');
    // Assess
    assert.deepEqual(up, []);
    const f = only(down);
    assert.equal(f.severity, 'critical');
    assert.ok(f.resources.includes(`vbr:${vbr.vbrId}`));
    assert.equal(f.evidence.bgpStatus, 'Idle');
  });
});

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../src/errors.ts';
import { assertRunnable, diffRows, planMigration, routeRowsOf } from '../../workflows/migration/planner.ts';
import { parseMigrationParams } from '../../workflows/migration/params.ts';
import type { MigrationFacts, RouteEntryFact } from '../../workflows/migration/types.ts';

import { cen, params, peering, seed51, system } from '../support/migration-fixtures.ts';

const writes = (p: ReturnType<typeof planMigration>): string[] => p.calls.filter((c) => c.kind === 'write').map((c) => `${c.action} ${c.target}`);

describe('migration planner: seed 5.1', () => {
  test('splits the blocked CEN route into its two halves and deletes the peering route between them', () => {
    // Prepare
    const facts = seed51();
    // Act
    const plan = planMigration('migrate-vpc-to-cen', facts, params({ acknowledgeRemainder: true }));
    // Assess
    assert.equal(plan.runnable, true, JSON.stringify(plan.refusals));
    assert.equal(plan.conflicts.length, 1);
    const c = plan.conflicts[0];
    assert.equal(c.peeringRoute.destinationCidrBlock, '172.16.0.0/16');
    assert.deepEqual(c.blocked.map((b) => [b.destinationCidrBlock, b.activeAfter]), [['172.16.1.0/24', true]]);
    assert.deepEqual(c.halves.map((h) => h.destinationCidrBlock), ['172.16.1.0/25', '172.16.1.128/25']);
    assert.deepEqual(writes(plan), [
      'CreateRouteEntry vtb-1 172.16.1.0/25',
      'CreateRouteEntry vtb-1 172.16.1.128/25',
      'DeleteRouteEntry vtb-1 172.16.0.0/16',
      'DeleteRouteEntry vtb-1 172.16.1.0/25',
      'DeleteRouteEntry vtb-1 172.16.1.128/25',
    ]);
  });

  test('shows the addresses of the peering route no CEN route covers and refuses until they are acknowledged', () => {
    // Prepare
    const facts = seed51();
    // Act
    const plan = planMigration('migrate-vpc-to-cen', facts, params());
    // Assess
    assert.equal(plan.runnable, false);
    assert.equal(plan.refusals[0].code, 'UnacknowledgedRemainder');
    assert.deepEqual(plan.remainder.blocks.map((b) => b.cidr), ['172.16.0.0/24', '172.16.2.0/23', '172.16.4.0/22', '172.16.8.0/21', '172.16.16.0/20', '172.16.32.0/19', '172.16.64.0/18', '172.16.128.0/17']);
    assert.ok(plan.remainder.blocks.every((b) => b.fallback === null && b.losesPath));
    assert.throws(() => assertRunnable(plan), (e: unknown) => e instanceof ValidationError && e.code === 'UnacknowledgedRemainder' && /172\.16\.0\.0\/24/.test(e.message));
  });

  test('accepts an acknowledgement that lists exactly the remainder blocks, not a partial one', () => {
    const facts = seed51();
    const all = planMigration('x', facts, params()).remainder.blocks.map((b) => b.cidr);
    const cases = [
      { case: 'every block', ack: all, runnable: true },
      { case: 'one block missing', ack: all.slice(1), runnable: false },
      { case: 'false', ack: false, runnable: false },
    ];
    for (const k of cases) {
      const plan = planMigration('x', facts, params({ acknowledgeRemainder: k.ack }));
      assert.equal(plan.runnable, k.runnable, k.case);
    }
  });

  test('before/after rows: the peering route goes, the CEN route turns Active, the rest is unchanged', () => {
    const plan = planMigration('x', seed51(), params({ acknowledgeRemainder: true }));
    const changed = plan.routes.diff.filter((d) => d.changed.length > 0);
    assert.deepEqual(
      changed.map((d) => [d.destinationCidrBlock, d.presence, d.changed.join('+'), d.after?.cenStatus ?? null]),
      [
        ['172.16.0.0/16', 'before', 'entryType+nextHop', null],
        ['172.16.1.0/24', 'both', 'cenStatus', 'Active'],
      ],
    );
    assert.equal(plan.routes.before.length, 5);
    assert.equal(plan.routes.after.length, 4);
  });

  test('intermittent mode deletes the peering route without halves and warns about the blackout', () => {
    const plan = planMigration('x', seed51(), params({ mode: 'intermittent', acknowledgeRemainder: true }));
    assert.equal(plan.runnable, true);
    assert.deepEqual(plan.conflicts[0].halves, []);
    assert.deepEqual(writes(plan), ['DeleteRouteEntry vtb-1 172.16.0.0/16']);
    assert.match(plan.warnings.join('\n'), /intermittent mode: traffic to 172\.16\.1\.0\/24 is lost/);
  });

  test('enables overlapping routing first when the CEN is not REDUCED', () => {
    const plan = planMigration('x', seed51({ protectionLevel: 'FULL' }), params({ acknowledgeRemainder: true }));
    assert.equal(plan.protectionLevel.changeNeeded, true);
    assert.equal(writes(plan)[0], 'ModifyCenAttribute cen-1 ProtectionLevel=REDUCED');
  });

  test('predicts the conflicts from the region domain when the VPC is not attached yet', () => {
    const plan = planMigration('x', seed51({ cenRoutes: null }), params({ acknowledgeRemainder: true }));
    assert.deepEqual(plan.attachments.map((a) => [a.childInstanceId, a.attachNeeded]), [['vpc-1', true]]);
    assert.equal(plan.conflicts[0].blocked[0].source, 'predicted');
    assert.equal(writes(plan)[0], 'AttachCenChildInstance vpc-1');
    // Before: nothing learned; after: both CEN routes Active.
    assert.equal(plan.routes.before.filter((r) => r.cenStatus).length, 0);
    assert.deepEqual(plan.routes.after.filter((r) => r.cenStatus).map((r) => [r.destinationCidrBlock, r.cenStatus]), [
      ['10.0.0.0/8', 'Active'],
      ['172.16.1.0/24', 'Active'],
    ]);
  });
});

describe('migration planner: several blocked routes', () => {
  test('gives each of three blocked CEN routes of different lengths its own halves', () => {
    const facts = seed51({ cenRoutes: [cen('172.16.1.0/24', 'Rejected'), cen('172.16.32.0/20', 'Rejected', 'vpc-sh', 'cn-shanghai'), cen('172.16.200.16/28', 'Rejected', 'vbr-2', 'cn-hangzhou')] });
    const plan = planMigration('x', facts, params({ acknowledgeRemainder: true }));
    assert.equal(plan.runnable, true, JSON.stringify(plan.refusals));
    assert.deepEqual(plan.conflicts[0].halves.map((h) => h.destinationCidrBlock), [
      '172.16.1.0/25',
      '172.16.1.128/25',
      '172.16.32.0/21',
      '172.16.40.0/21',
      '172.16.200.16/29',
      '172.16.200.24/29',
    ]);
    assert.equal(plan.conflicts[0].blocked.length, 3);
  });

  test('refuses smooth mode for a /32 CEN route with the reason, and allows intermittent', () => {
    const facts = seed51({ cenRoutes: [cen('172.16.1.0/24', 'Rejected'), cen('172.16.9.9/32', 'Rejected')] });
    const smooth = planMigration('x', facts, params({ acknowledgeRemainder: true }));
    assert.equal(smooth.runnable, false);
    assert.equal(smooth.refusals[0].code, 'CannotSplitHostRoute');
    assert.match(smooth.refusals[0].message, /172\.16\.9\.9\/32 is a \/32 .* has no halves/);
    assert.match(smooth.refusals[0].message, /intermittent/);
    const intermittent = planMigration('x', facts, params({ mode: 'intermittent', acknowledgeRemainder: true }));
    assert.equal(intermittent.runnable, true);
  });

  test('splits a half again when it would equal a nested CEN route, so neither stays Rejected', () => {
    const facts = seed51({ cenRoutes: [cen('172.16.1.0/24', 'Rejected'), cen('172.16.1.0/25', 'Rejected', 'vpc-sh', 'cn-shanghai')] });
    const plan = planMigration('x', facts, params({ acknowledgeRemainder: true }));
    assert.deepEqual(plan.conflicts[0].halves.map((h) => h.destinationCidrBlock), ['172.16.1.0/26', '172.16.1.64/26', '172.16.1.128/25']);
  });

  test('needs no acknowledgement when the CEN route equals the peering route', () => {
    const facts = seed51({ cenRoutes: [cen('172.16.0.0/16', 'Rejected')] });
    const plan = planMigration('x', facts, params());
    assert.equal(plan.runnable, true, JSON.stringify(plan.refusals));
    assert.deepEqual(plan.remainder.blocks, []);
    assert.deepEqual(plan.conflicts[0].halves.map((h) => h.destinationCidrBlock), ['172.16.0.0/17', '172.16.128.0/17']);
  });

  test('handles nested peering routes innermost first; the inner remainder is shown with the CEN route that carries it after', () => {
    const facts = seed51({
      entries: [system('100.64.0.0/10'), peering('172.16.0.0/12'), peering('172.16.0.0/16')],
      cenRoutes: [cen('172.16.0.0/12', 'Rejected'), cen('172.16.1.0/24', 'Rejected')],
    });
    const plan = planMigration('x', facts, params());
    assert.deepEqual(plan.conflicts.map((c) => c.peeringRoute.destinationCidrBlock), ['172.16.0.0/16', '172.16.0.0/12']);
    // 172.16.1.0/24 is still blocked by the /12 after the /16 goes: Active only after the second conflict.
    assert.deepEqual(plan.conflicts[0].blocked.map((b) => b.activeAfter), [false]);
    assert.ok(plan.conflicts[1].blocked.every((b) => b.activeAfter));
    assert.deepEqual(plan.conflicts[1].remainder, []);
    assert.ok(plan.conflicts[0].remainder.every((b) => b.fallback?.destinationCidrBlock === '172.16.0.0/12' && b.fallback.via.startsWith('CEN ')));
    assert.equal(plan.refusals[0].code, 'UnacknowledgedRemainder');
  });

  test('refuses when a temporary route would collide with a route that goes elsewhere', () => {
    const ecs: RouteEntryFact = { destinationCidrBlock: '172.16.1.0/25', type: 'Custom', status: 'Available', nextHops: [{ nextHopType: 'Instance', nextHopId: 'i-1' }] };
    const facts = seed51({ entries: [peering('172.16.0.0/16'), ecs] });
    const plan = planMigration('x', facts, params({ acknowledgeRemainder: true }));
    assert.ok(plan.refusals.some((r) => r.code === 'HalfRouteOccupied'));
  });

  test('reuses a temporary route that already exists toward the same router interface', () => {
    const facts = seed51({ entries: [peering('172.16.0.0/16'), peering('172.16.1.0/25')] });
    const plan = planMigration('x', facts, params({ acknowledgeRemainder: true }));
    assert.deepEqual(plan.conflicts[0].halves, [
      { destinationCidrBlock: '172.16.1.0/25', existing: true },
      { destinationCidrBlock: '172.16.1.128/25', existing: false },
    ]);
    assert.equal(writes(plan).filter((w) => w.includes('172.16.1.0/25')).length, 0);
  });
});

describe('migration planner: publishing and VBR', () => {
  test('publishes custom routes to ECS, VPN gateways and HaVips by default, and refuses others when named', () => {
    const ecs: RouteEntryFact = { destinationCidrBlock: '10.9.0.0/24', type: 'Custom', status: 'Available', nextHops: [{ nextHopType: 'Instance', nextHopId: 'i-1' }] };
    const facts = seed51({ entries: [peering('172.16.0.0/16'), ecs] });
    const auto = planMigration('x', facts, params({ acknowledgeRemainder: true }));
    assert.deepEqual(auto.publish.map((p) => p.destinationCidrBlock), ['10.9.0.0/24']);
    const named = planMigration('x', facts, params({ acknowledgeRemainder: true, publishRoutes: ['172.16.0.0/16', '1.2.3.0/24'] }));
    assert.deepEqual(named.refusals.map((r) => r.code), ['RouteNotPublishable', 'UnknownRoute']);
  });

  test('seed 5.2: disables the VBR health check first, advertises the halves over BGP and configures the CEN health check last', () => {
    const facts: MigrationFacts = {
      kind: 'vbr',
      regionId: 'cn-beijing',
      cen: { cenId: 'cen-1', status: 'Active', protectionLevel: 'REDUCED' },
      attachments: [],
      subjects: [
        {
          childInstanceId: 'vbr-1',
          childInstanceType: 'VBR',
          regionId: 'cn-beijing',
          routeTable: { routeTableId: 'vtb-vbr', routerId: 'vbr-1', routerType: 'VBR', entries: [peering('192.168.0.0/16', 'ri-vbr'), { destinationCidrBlock: '10.0.0.0/8', type: 'Custom', status: 'Available', nextHops: [{ nextHopType: 'PhysicalConnection', nextHopId: 'pc-1' }] }] },
          cenRoutes: null,
          publishedRoutes: null,
        },
      ],
      regionDomainRoutes: [cen('192.168.1.0/24', 'Active')],
      vbr: {
        vbrId: 'vbr-1',
        peerGatewayIp: '10.10.10.2',
        usesBgp: true,
        bgpNetworks: [],
        routerInterfaces: [{ routerInterfaceId: 'ri-vbr', routerId: 'vbr-1', routerType: 'VBR', healthCheckSourceIp: '192.168.10.1', healthCheckTargetIp: '10.10.10.2', hcRate: 2000, hcThreshold: 8 }],
        cenHealthChecks: [],
      },
    };
    const plan = planMigration('migrate-vbr-to-cen', facts, { regionId: 'cn-beijing', cenId: 'cen-1', vbrId: 'vbr-1', mode: 'smooth', acknowledgeRemainder: true });
    assert.equal(plan.runnable, true, JSON.stringify(plan.refusals));
    assert.deepEqual(writes(plan), [
      'ModifyRouterInterfaceAttribute ri-vbr DeleteHealthCheckIp',
      'AttachCenChildInstance vbr-1',
      'CreateRouteEntry vtb-vbr 192.168.1.0/25',
      'CreateRouteEntry vtb-vbr 192.168.1.128/25',
      'AddBgpNetwork 192.168.1.0/25',
      'AddBgpNetwork 192.168.1.128/25',
      'DeleteRouteEntry vtb-vbr 192.168.0.0/16',
      'DeleteRouteEntry vtb-vbr 192.168.1.0/25',
      'DeleteRouteEntry vtb-vbr 192.168.1.128/25',
      'DeleteBgpNetwork 192.168.1.0/25',
      'DeleteBgpNetwork 192.168.1.128/25',
      'EnableCenVbrHealthCheck vbr-1 → 10.10.10.2',
    ]);
    assert.deepEqual(plan.vbr?.cenHealthCheck, { targetIp: '10.10.10.2', interval: 2, threshold: 8, existing: false, previous: null });
  });
});

describe('migration planner: rows and params', () => {
  test('diffRows keys on (routeTableId, destinationCidrBlock) and names the changed columns', () => {
    const before = routeRowsOf(seed51());
    const after = before.map((r) => (r.destinationCidrBlock === '10.0.0.0/8' ? { ...r, cenStatus: 'Rejected' } : r));
    const diff = diffRows(before, after);
    assert.deepEqual(diff.filter((d) => d.changed.length).map((d) => [d.destinationCidrBlock, d.changed]), [['10.0.0.0/8', ['cenStatus']]]);
  });

  test('parseMigrationParams refuses bad input with the field named', () => {
    const cases = [
      { case: 'non-canonical CIDR', raw: { regionId: 'r', cenId: 'cen-1', vpcId: 'vpc-1', publishRoutes: ['172.16.1.5/24'] }, code: 'InvalidCidr', field: 'publishRoutes[0]' },
      { case: 'missing vpcId', raw: { regionId: 'r', cenId: 'cen-1' }, code: 'MissingParameter', field: 'vpcId' },
      { case: 'unknown field', raw: { regionId: 'r', cenId: 'cen-1', vpcId: 'vpc-1', force: true }, code: 'InvalidParameter', field: 'force' },
      { case: 'bad mode', raw: { regionId: 'r', cenId: 'cen-1', vpcId: 'vpc-1', mode: 'fast' }, code: 'InvalidParameter', field: 'mode' },
      { case: 'bad flow ip', raw: { regionId: 'r', cenId: 'cen-1', vpcId: 'vpc-1', flows: [{ name: 'a', source: 'i-1', destinationIp: '10.0.0.256' }] }, code: 'InvalidIpAddress', field: 'flows[0].destinationIp' },
      { case: 'bad cen id', raw: { regionId: 'r', cenId: 'vpc-1', vpcId: 'vpc-1' }, code: 'InvalidParameter', field: 'cenId' },
    ];
    for (const k of cases) {
      assert.throws(() => parseMigrationParams('vpc', k.raw), (e: unknown) => e instanceof ValidationError && e.code === k.code && e.field === k.field, k.case);
    }
    assert.equal(parseMigrationParams('vpc', { regionId: 'r', cenId: 'cen-1', vpcId: 'vpc-1' }).mode, 'smooth');
  });
});

/**
 * The checks over the synthetic 50-table network of the benchmark: the analysis finds exactly the
 * defects planted in it (and nothing on the healthy routes around them), whatever its size.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { syntheticInventory } from '../../bench/audit.bench.ts';
import { parseIntent } from '../../workflows/health-audit/intent.ts';
import { runChecks } from '../../workflows/health-audit/checks/index.ts';

describe('health-audit analysis of a synthetic network (50 tables, one CEN)', () => {
  test('finds exactly the planted defects', () => {
    // Prepare
    const net = syntheticInventory(20_000);
    // Act
    const { findings } = runChecks(net.inventory, net.intent);
    // Assess
    const by = (checkId: string) => findings.filter((f) => f.checkId === checkId);
    const ecmp = by('ecmp-symmetry');
    assert.equal(ecmp.filter((f) => f.severity === 'warning').length, net.defects.unequalWeights);
    assert.deepEqual(ecmp.filter((f) => f.severity === 'critical').map((f) => `${f.routeTableId}|${f.destinationCidrBlock}`), [net.defects.disabledHop]);
    assert.deepEqual(by('health-check-present').map((f) => f.evidence.routerInterfaceId), [net.defects.missingHealthCheck]);
    const rejected = by('cen-route-status');
    assert.equal(rejected.length, net.defects.rejectedCenRoutes);
    assert.ok(rejected.every((f) => f.severity === 'warning' && f.routeTableId === 'vtb-vpc-7'));
    const leftovers = by('migration-leftovers');
    assert.deepEqual(
      leftovers.map((f) => `${f.routeTableId}|${f.destinationCidrBlock} ${f.severity}`).sort(),
      [`${net.defects.leftoverHalves} warning`, `${net.defects.singleHalf} critical`].sort(),
    );
    const expected = net.defects.unequalWeights + 1 + 1 + net.defects.rejectedCenRoutes + 2;
    assert.equal(findings.length, expected, JSON.stringify(findings.filter((f) => !['ecmp-symmetry'].includes(f.checkId)).map((f) => f.title)));
  });

  test('a more-specific static route inside a CEN route that is not a half is no leftover, only a shadow (info)', () => {
    // Prepare
    const net = syntheticInventory(10_000);
    const t = net.inventory.routeTables.find((x) => x.table.routeTableId === 'vtb-vpc-20')!;
    t.entries.push({ routeEntryId: 'rte-x', routeTableId: 'vtb-vpc-20', destinationCidrBlock: '172.21.3.0/26', type: 'Custom', status: 'Available', nextHops: [{ nextHopType: 'RouterInterface', nextHopId: 'ri-peer-20' }] });
    // Act
    const { findings } = runChecks(net.inventory, net.intent);
    // Assess
    const about = findings.filter((f) => f.resources.includes('route:vtb-vpc-20|172.21.3.0/26'));
    assert.deepEqual(about.map((f) => [f.checkId, f.severity]), [['cen-route-status', 'info']]);
  });

  test('the intent ignore list drops matching findings and counts them', () => {
    // Prepare
    const net = syntheticInventory(10_000);
    const intent = parseIntent({ version: 1, ignore: [{ checkId: 'ecmp-symmetry', reason: 'weights are being rebalanced' }, { checkId: 'health-check-present', resource: `router-interface:${net.defects.missingHealthCheck}`, reason: 'line being retired' }] });
    // Act
    const r = runChecks(net.inventory, intent);
    // Assess
    assert.equal(r.findings.filter((f) => f.checkId === 'ecmp-symmetry' || f.checkId === 'health-check-present').length, 0);
    assert.equal(r.ignored['ecmp-symmetry'], net.defects.unequalWeights + 1);
    assert.equal(r.ignored['health-check-present'], 1);
  });
});

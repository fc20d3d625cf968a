/**
 * `health-audit` end to end through the engine, the SDK clients and the emulator: a full audit
 * of the seed's chapter 6 network configured correctly, findings over several runs (appear,
 * persist without duplicates, resolve, come back), remediation (proposal → approval → execution
 * → resolved on the next audit, and withdrawal when the finding goes away first), and an audit
 * that gets throttled.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffAuditRuns, listAuditFindings, REMEDIATION_REQUESTER, type FindingState } from '../../workflows/health-audit/index.ts';
import { CH6, configureRedundancy, startAuditWorld, type AuditWorld } from './audit-world.ts';

/** The seed's chapter 6 configuration table as `physical-connection-redundancy` params. */
const seedRedundancy = {
  regionId: CH6.region,
  vpcId: CH6.vpc,
  dataCenterCidrBlocks: [CH6.idcCidr],
  connections: CH6.lines.map((l) => ({ vbrId: l.vbr, healthCheckSourceIp: l.source, healthCheckTargetIp: l.target })),
  failoverTest: { sourceInstanceId: CH6.app, targetIps: [CH6.server] },
};

const ch6Intent = {
  version: 1,
  redundancy: [
    {
      name: 'data center over both lines',
      routeTableId: CH6.vpcTable,
      destinationCidrBlock: CH6.idcCidr,
      mode: 'active-active',
      lines: CH6.lines.map((l) => ({ vbrId: l.vbr, healthCheckSourceIp: l.source })),
    },
  ],
  criticalAddresses: [{ name: 'server-1', routeTableId: CH6.vpcTable, address: CH6.server, expectedNextHopIds: CH6.lines.map((l) => l.vpcRi) }],
  flows: [{ name: 'app-to-server', source: CH6.app, destinationIp: CH6.server }],
};

describe('a full audit of the chapter 6 network configured as the seed says', () => {
  let aw: AuditWorld;
  before(async () => {
    aw = await startAuditWorld('ch6-redundancy');
  });
  after(async () => aw.close());

  test('finds nothing above info after the redundancy procedure, and counts the Describe calls it made', async () => {
    // Prepare: seed chapter 6 through its procedure, failover test included
    const setup = await aw.world.engine.start('physical-connection-redundancy', seedRedundancy, { requestedBy: 'alice', approvalRequired: false });
    const configured = await aw.world.run(setup.id);
    assert.equal(configured.status, 'succeeded', JSON.stringify(configured.error));
    await aw.advance(60_000);
    // Act
    const ex = await aw.audit({ intent: ch6Intent });
    const latest = await aw.latest();
    const output = ex.output as { runId: string };
    // Assess
    const aboveInfo = latest.open.filter((f) => f.severity !== 'info');
    assert.deepEqual(aboveInfo.map((f) => f.title), []);
    assert.equal(latest.run.runId, output.runId);
    assert.equal(latest.run.executionId, ex.id);
    assert.equal(latest.run.checks.length, 15);
    assert.equal(latest.run.resources.routeTables, 3);
    assert.equal(latest.run.resources.probes, 9, 'four return-path probes per health check and the flow');
    assert.equal(latest.run.calls.describeByAction.DescribeRouteEntryList, 3);
    assert.equal(latest.run.calls.describe, 11);
  });
});

describe('findings over several audits', () => {
  let aw: AuditWorld;
  before(async () => {
    aw = await startAuditWorld('default');
  });
  after(async () => aw.close());

  test('a finding appears once, persists without duplicates, resolves after the fix and reopens when it comes back', async () => {
    // Prepare: unequal weights
    await configureRedundancy(aw, { weights: [100, 50] });
    const params = { proposeRemediations: false };
    // Act
    await aw.audit(params);
    const first = await aw.latest();
    await aw.audit(params);
    const second = await aw.latest();
    await aw.cloud.vpc.deleteRouteEntry({ routeTableId: CH6.vpcTable, destinationCidrBlock: CH6.idcCidr, nextHopList: CH6.lines.map((l) => ({ nextHopType: 'RouterInterface', nextHopId: l.vpcRi })) });
    await aw.advance(10_000);
    await configureRedundancy(aw);
    await aw.audit(params);
    const third = await aw.latest();
    aw.reset();
    await configureRedundancy(aw, { weights: [100, 50] });
    await aw.audit(params);
    const fourth = await aw.latest();
    const [run1, run2, run3, run4] = [first, second, third, fourth].map((v) => ({ id: v.run.runId }));
    // Assess
    const [opened] = first.opened;
    assert.ok(opened && opened.checkId === 'ecmp-symmetry', JSON.stringify(first.opened.map((f) => f.key)));
    const key = opened.key;
    assert.deepEqual(second.opened, []);
    assert.deepEqual(second.run.changes.opened, []);
    assert.equal(second.run.changes.persisting, 1);
    const all = await listAuditFindings(aw.world.store, {}, { limit: 100 });
    assert.equal(all.items.filter((f) => f.key === key).length, 1);
    const persisted = second.open.find((f) => f.key === key) as FindingState;
    assert.equal(persisted.firstSeenRunId, run1.id);
    assert.equal(persisted.lastSeenRunId, run2.id);
    assert.equal(persisted.runsSeen, 2);
    assert.deepEqual(third.resolved.map((f) => f.key), [key]);
    assert.equal(third.resolved[0]!.resolvedRunId, run3.id);
    assert.equal(third.open.find((f) => f.key === key), undefined);
    assert.equal(third.run.previousRunId, run2.id);
    const diff = await diffAuditRuns(aw.world.store, run1.id, run3.id);
    assert.deepEqual(diff.resolved, [key]);
    assert.equal(diff.runs, 2);
    const back = fourth.opened.find((f) => f.key === key) as FindingState;
    assert.equal(back.occurrences, 2);
    assert.equal(back.firstSeenRunId, run1.id);
    assert.equal(back.openedRunId, run4.id);
    assert.deepEqual((await diffAuditRuns(aw.world.store, run1.id)).flapped, [key]);
  });

  test('an audit whose Describe calls are throttled is retried by the engine and completes', async () => {
    // Prepare
    const faults = await aw.control('POST', 'faults', { failures: [{ action: 'DescribeRouteEntryList', code: 'Throttling.User', times: 2 }] });
    assert.equal(faults.status, 200);
    // Act
    const ex = await aw.audit({ proposeRemediations: false });
    // Assess
    const latest = await aw.latest();
    assert.equal(latest.run.executionId, ex.id);
    const journal = await aw.world.engine.journal(ex.id, { limit: 200 });
    const runs = journal.items.filter((e) => e.kind === 'effect' && e.data.effect === 'runAudit');
    assert.equal(runs.length, 2, 'one throttled attempt, one that completed');
    assert.match(JSON.stringify(runs[0]!.data), /Throttling\.User/);
    assert.equal(latest.run.calls.failed, 0);
    await aw.control('DELETE', 'faults');
  });
});

describe('remediation of leftover migration halves (chapter 5.1)', () => {
  const C = { table: 'vtb-uf6mig0000000000000001', ri: 'ri-uf6mig0000000000000001', peering: '172.16.0.0/16', halves: ['172.16.1.0/25', '172.16.1.128/25'] };
  let aw: AuditWorld;
  before(async () => {
    aw = await startAuditWorld('ch5-1-vpc-migration');
  });
  after(async () => aw.close());

  async function leaveHalves(): Promise<void> {
    aw.reset();
    for (const h of C.halves) {
      await aw.cloud.vpc.createRouteEntry({ routeTableId: C.table, destinationCidrBlock: h, nextHopType: 'RouterInterface', nextHopId: C.ri });
      await aw.advance(10_000);
    }
    await aw.cloud.vpc.deleteRouteEntry({ routeTableId: C.table, destinationCidrBlock: C.peering, nextHopId: C.ri });
    await aw.advance(30_000);
  }

  const halvesInTable = async (): Promise<string[]> =>
    (await aw.cloud.vpc.describeRouteEntryList({ routeTableId: C.table })).map((e) => e.destinationCidrBlock).filter((c) => C.halves.includes(c));

  test('proposal → approval → execution → the next audit shows the finding resolved', async () => {
    // Prepare
    await leaveHalves();
    // Act: the audit proposes; a second audit does not propose again
    await aw.audit();
    const proposed = (await aw.open('migration-leftovers'))[0] as FindingState;
    await aw.audit();
    const still = (await aw.open('migration-leftovers'))[0] as FindingState;
    const executionId = proposed.remediation?.executionId as string;
    const waiting = await aw.world.engine.get(executionId);
    const done = await aw.approveAndRun(executionId);
    const left = await halvesInTable();
    await aw.audit();
    const latest = await aw.latest();
    // Assess
    assert.equal(proposed.remediation?.status, 'started');
    assert.equal(proposed.remediation?.procedureId, 'remove-migration-leftovers');
    assert.equal(still.remediation?.executionId, executionId);
    assert.equal(waiting.status, 'awaiting_approval');
    assert.equal(waiting.requestedBy, REMEDIATION_REQUESTER);
    assert.equal(done.status, 'succeeded', JSON.stringify(done.output));
    assert.deepEqual(left, []);
    assert.deepEqual(latest.resolved.map((f) => f.checkId), ['migration-leftovers']);
    assert.equal(latest.resolved[0]!.resolvedRunId, latest.run.runId);
    assert.equal(latest.resolved[0]!.remediation?.executionId, executionId);
    assert.deepEqual(await aw.open('migration-leftovers'), []);
  });

  test('a proposal still waiting for approval is withdrawn when its finding goes away', async () => {
    // Prepare
    await leaveHalves();
    await aw.audit();
    const proposed = (await aw.open('migration-leftovers'))[0] as FindingState;
    const executionId = proposed.remediation?.executionId as string;
    for (const h of C.halves) {
      await aw.cloud.vpc.deleteRouteEntry({ routeTableId: C.table, destinationCidrBlock: h, nextHopId: C.ri });
      await aw.advance(10_000);
    }
    // Act
    await aw.audit();
    const view = await aw.runFromGate(executionId);
    // Assess
    assert.equal(view.status, 'cancelled');
    assert.deepEqual((await aw.latest()).run.withdrawn, [executionId]);
  });
});

describe('remediation of missing health checks through the redundancy procedure (chapter 6)', () => {
  let aw: AuditWorld;
  before(async () => {
    aw = await startAuditWorld('ch6-redundancy');
  });
  after(async () => aw.close());

  test('the audit proposes physical-connection-redundancy with the intent\'s lines; approved, it runs and the findings resolve', async () => {
    // Prepare: the ECMP route without health checks
    await configureRedundancy(aw, { healthChecks: false });
    // Act
    await aw.audit({ intent: ch6Intent });
    const proposed = await aw.open('health-check-present');
    const executionId = proposed[0]?.remediation?.executionId as string;
    const done = await aw.approveAndRun(executionId);
    await aw.advance(60_000);
    await aw.audit({ intent: ch6Intent });
    const latest = await aw.latest();
    // Assess
    assert.equal(proposed.length, 2);
    assert.ok(proposed.every((f) => f.remediation?.executionId === executionId), 'one execution fixes both lines');
    assert.equal(proposed[0]!.remediation?.procedureId, 'physical-connection-redundancy');
    assert.equal(done.status, 'succeeded', JSON.stringify(done.error ?? done.output).slice(0, 500));
    assert.deepEqual(latest.resolved.map((f) => f.checkId), ['health-check-present', 'health-check-present']);
    assert.deepEqual(latest.open.filter((f) => f.severity !== 'info').map((f) => f.title), []);
  });
});

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../src/errors.ts';
import { createCloudAssistantProber, FINAL_INSTANCE_INVOCATION_STATUSES } from '../../src/cloud/index.ts';
import { cloudError, startCloudFixture, type CloudFixture } from './cloud-fixture.ts';

// Seed chapter 2 topology: eight ECS instances 172.16.0.2–.9 and the data-center device
// 192.168.100.1 (a Cloud Assistant managed instance) over one 1 Gbit/s line.
const ECS_1 = 'i-bp1perf00000000000002';
const ECS_2 = 'i-bp1perf00000000000003';
const DEVICE_IP = '192.168.100.1';
const PCONN = 'pc-bp1perfline0000000001';

describe('EcsClient against the emulator (chapter 2)', () => {
  let fx: CloudFixture;
  before(async () => {
    fx = await startCloudFixture('ch2-link-performance', 'cn-hangzhou');
  });
  after(() => fx.close());

  test('describeInstances lists every instance and finds one by private IP', async () => {
    const all = await fx.cloud.ecs.describeInstances();
    const byIp = await fx.cloud.ecs.describeInstances({ privateIpAddresses: ['172.16.0.3'] });
    const page = await fx.cloud.ecs.describeInstances({}, { pageNumber: 2, pageSize: 3 });
    assert.equal(all.length, 8);
    assert.deepEqual(byIp.map((i) => [i.instanceId, i.status, i.privateIpAddresses]), [[ECS_2, 'Running', ['172.16.0.3']]]);
    assert.equal(page.items.length, 3);
    assert.equal(page.totalCount, 8);
    assert.equal(page.pageNumber, 2);
  });

  test('describeCloudAssistantStatus reports the agent running', async () => {
    const status = await fx.cloud.ecs.describeCloudAssistantStatus({ instanceIds: [ECS_1, ECS_2] });
    assert.deepEqual(status.map((s) => [s.instanceId, s.cloudAssistantStatus]).sort(), [
      [ECS_1, true],
      [ECS_2, true],
    ]);
  });

  test('runCommand, then describeInvocationResults and describeInvocations return PlainText output', async () => {
    const run = await fx.cloud.ecs.runCommand({ instanceIds: [ECS_1, ECS_2], commandContent: 'echo hello from xcflow', timeoutSeconds: 30, name: 'contract' });
    const early = await fx.cloud.ecs.describeInvocationResults({ invokeId: run.invokeId });
    fx.advance(2_000);
    const results = await fx.cloud.ecs.describeInvocationResults({ invokeId: run.invokeId });
    const [inv] = await fx.cloud.ecs.describeInvocations({ invokeId: run.invokeId, includeOutput: true });
    assert.ok(run.invokeId.startsWith('t-'), run.invokeId);
    assert.ok(run.commandId);
    assert.ok(early.every((r) => !FINAL_INSTANCE_INVOCATION_STATUSES.has(r.invocationStatus)));
    assert.deepEqual(results.map((r) => [r.instanceId, r.invocationStatus, r.exitCode, r.output.trim()]).sort(), [
      [ECS_1, 'Success', 0, 'hello from xcflow'],
      [ECS_2, 'Success', 0, 'hello from xcflow'],
    ]);
    assert.equal(inv.invocationStatus, 'Success');
    assert.equal(inv.instances.length, 2);
    assert.equal(inv.instances[0].output?.trim(), 'hello from xcflow');
  });

  test('a missing binary ends Failed with exit code 127, reported per instance', async () => {
    const run = await fx.cloud.ecs.runCommand({ instanceIds: [ECS_1], commandContent: 'no-such-tool --version' });
    fx.advance(2_000);
    const [r] = await fx.cloud.ecs.describeInvocationResults({ invokeId: run.invokeId });
    assert.equal(r.invocationStatus, 'Failed');
    assert.equal(r.exitCode, 127);
    assert.match(r.output, /command not found/);
  });

  test('runCommand on an unknown instance is a not_found error', async () => {
    const err = await cloudError(() => fx.cloud.ecs.runCommand({ instanceIds: ['i-doesnotexist'], commandContent: 'echo x' }));
    assert.equal(err.errorClass, 'not_found', err.code);
  });

  test('describeInvocationResults pages with NextToken when asked for one page', async () => {
    const first = await fx.cloud.ecs.describeInvocationResults({}, { maxResults: 1 });
    const all = await fx.cloud.ecs.describeInvocationResults({});
    assert.equal(first.items.length, 1);
    assert.ok(first.nextToken);
    assert.equal(all.length, 3);
  });
});

describe('Reachability probers against the emulator (chapter 2)', () => {
  let fx: CloudFixture;
  before(async () => {
    fx = await startCloudFixture('ch2-link-performance', 'cn-hangzhou');
  });
  after(() => fx.close());

  test('the emulator prober follows the path both ways, and sees a failed physical connection', async () => {
    // Act
    const up = await fx.cloud.prober.probe([
      { name: 'ecs to device', source: ECS_1, destinationIp: DEVICE_IP },
      { name: 'device to ecs', source: DEVICE_IP, destinationIp: '172.16.0.4', protocol: 'tcp', port: 5201 },
    ]);
    await fx.control('POST', `physical-connections/${PCONN}/down`);
    const down = await fx.cloud.prober.probe([{ name: 'ecs to device', source: ECS_1, destinationIp: DEVICE_IP }]);
    await fx.control('POST', `physical-connections/${PCONN}/up`);
    // Assess
    assert.equal(fx.cloud.prober.kind, 'emulator');
    assert.deepEqual(up.map((r) => r.reachable), [true, true]);
    assert.ok(up[0].hops?.some((h) => h.includes('vbr-bp1perf000000000000001')), JSON.stringify(up[0].hops));
    assert.equal(up[0].evidence.method, 'emulator');
    assert.equal(down[0].reachable, false);
    assert.equal(down[0].reason, 'physical-connection-down');
  });

  test('the emulator prober refuses a source the network does not know', async () => {
    await assert.rejects(fx.cloud.prober.probe([{ source: '203.0.113.9', destinationIp: DEVICE_IP }]), ValidationError);
  });

  test('the Cloud Assistant prober pings from the source instance: reachable while the line is up, 100% loss when it is down', async () => {
    // Prepare: the emulator's instances run iputils-style ping over the data plane.
    const prober = createCloudAssistantProber(fx.cloud.ecs, {
      regionId: 'cn-hangzhou',
      count: 3,
      sleep: async (ms) => fx.advance(ms),
      now: () => fx.emu.clock.now(),
    });
    // Act
    const up = await prober.probe([
      { name: 'ecs to device', source: '172.16.0.2', destinationIp: DEVICE_IP },
      { name: 'ecs to ecs', source: ECS_1, destinationIp: '172.16.0.5' },
    ]);
    await fx.control('POST', `physical-connections/${PCONN}/down`);
    const down = await prober.probe([{ name: 'ecs to device', source: ECS_1, destinationIp: DEVICE_IP }]);
    await fx.control('POST', `physical-connections/${PCONN}/up`);
    // Assess
    assert.equal(prober.kind, 'cloud-assistant');
    assert.deepEqual(up.map((r) => [r.flow.name, r.reachable, r.evidence.transmitted, r.evidence.received, r.evidence.lossPercent]), [
      ['ecs to device', true, 3, 3, 0],
      ['ecs to ecs', true, 3, 3, 0],
    ]);
    assert.ok(typeof up[0].evidence.rttAvgMs === 'number' && up[0].evidence.rttAvgMs > 0, JSON.stringify(up[0].evidence));
    assert.equal(up[0].evidence.instanceId, ECS_1);
    assert.deepEqual([down[0].reachable, down[0].reason, down[0].evidence.received], [false, '100% packet loss', 0]);
    assert.equal(down[0].evidence.invocationStatus, 'Success', 'the probe script goes on after ping; the verdict is in the statistics');
    const runs = fx.calls.filter((c) => c.action === 'RunCommand');
    assert.match(String(runs.at(-1)?.params?.CommandContent), /ping -c 3 -W 1 192\.168\.100\.1/);
    assert.deepEqual(runs.at(-1)?.params?.InstanceId, [ECS_1]);
  });
});
